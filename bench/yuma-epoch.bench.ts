// Epoch time of packages/yuma for 256 uids × 64 validators (goal ≤ 10 ms) and 4096 uids × 256
// validators (goal ≤ 200 ms), dense and sparse weights, Yuma2 and Yuma3 (+ liquid alpha).
// Each case runs `epoch` on `[uid, value]` tuple rows and `epochPacked` on the same rows as
// Uint16Array pairs (no per-entry allocation), and prints the median of repeated runs of wall
// clock and the mean main-thread CPU per epoch (the steadier figure on a loaded machine; the CPU
// clock is too coarse for a per-run median of sub-millisecond epochs), with the
// packed/tuple ratio measured in the same run. Never fails on speed.
// `npx node bench/yuma-epoch.bench.ts`
//
// Before/after in one run: YUMA_BASELINE=<folder with another version's src/index.ts> times that
// version's `epoch` and `epochPacked` too, alternating with the current ones, e.g.
//   mkdir -p /tmp/yuma-base && for f in $(git ls-tree --name-only <commit> packages/yuma/src/); do
//     git show <commit>:$f > /tmp/yuma-base/$(basename $f); done
//   YUMA_BASELINE=/tmp/yuma-base npx node bench/yuma-epoch.bench.ts
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  epoch, epochPacked, type EpochSnapshot, type PackedEpochSnapshot, type PackedU16Row, type U16Row, type YumaHyperparameters,
} from '@tensormesh/yuma'

type Yuma = { epoch: typeof epoch; epochPacked: typeof epochPacked }
const baselineDir = process.env.YUMA_BASELINE
const baseline: Yuma | null = baselineDir ? await import(pathToFileURL(path.resolve(baselineDir, 'index.ts')).href) as Yuma : null

// Deterministic PRNG so runs are comparable.
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function snapshot(n: number, validators: number, density: number, hyper: Partial<YumaHyperparameters>): EpochSnapshot {
  const r = rng(n * 1000 + validators + Math.round(density * 100))
  const weights: U16Row[] = []
  const bonds: U16Row[] = []
  for (let i = 0; i < n; i++) {
    if (i >= validators) { weights.push([]); bonds.push([]); continue }
    const row: Array<[number, number]> = []
    const brow: Array<[number, number]> = []
    for (let j = validators; j < n; j++) {
      if (density < 1 && r() > density) continue
      row.push([j, 1 + Math.floor(r() * 65535)])
      brow.push([j, Math.floor(r() * 65536)])
    }
    weights.push(row)
    bonds.push(brow)
  }
  return {
    n,
    block: 10_000,
    stakes: Array.from({ length: n }, (_, i) => (i < validators ? BigInt(Math.floor(1e9 + r() * 1e12)) : 0n)),
    weights,
    bonds,
    lastUpdate: Array.from({ length: n }, () => 9_900),
    blockAtRegistration: Array.from({ length: n }, () => 100),
    validatorPermit: Array.from({ length: n }, (_, i) => i < validators),
    ownerUid: null,
    emission: 1_000_000_000_000n,
    hyperparameters: { tempo: 360, maxAllowedValidators: validators, commitRevealWeightsEnabled: false, ...hyper },
  }
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function pack(rows: ReadonlyArray<U16Row | undefined>): PackedU16Row[] {
  return rows.map((row = []) => ({ uids: Uint16Array.from(row, (p) => p[0]), values: Uint16Array.from(row, (p) => p[1]) }))
}

// Median wall-clock and mean main-thread CPU time of one epoch. Runs of the two forms alternate
// so that both see the same machine load.
function time(runs: number, fns: Array<() => unknown>): Array<{ wall: number; cpu: number }> {
  for (const f of fns) f() // warm-up
  const wall = fns.map((): number[] => [])
  const cpu = fns.map((): number[] => [])
  for (let k = 0; k < runs; k++) {
    fns.forEach((f, x) => {
      const c0 = process.threadCpuUsage()
      const t0 = performance.now()
      f()
      wall[x].push(performance.now() - t0)
      const c = process.threadCpuUsage(c0)
      cpu[x].push((c.user + c.system) / 1000)
    })
  }
  return fns.map((_, x) => ({ wall: median(wall[x]), cpu: cpu[x].reduce((a, b) => a + b, 0) / runs }))
}

const modes: Array<[string, Partial<YumaHyperparameters>]> = [
  ['yuma2', { yuma3On: false }],
  ['yuma3', { yuma3On: true }],
  ['yuma3+liquid', { yuma3On: true, liquidAlphaOn: true }],
]
const cases: Array<[number, number, number, string, number]> = [
  [256, 64, 1, 'dense', 10],
  [256, 64, 0.1, 'sparse 10%', 10],
  [4096, 256, 1, 'dense', 200],
  [4096, 256, 0.1, 'sparse 10%', 200],
]
console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores; ms per epoch`)
const baseHead = baseline ? '  base tuples cpu  base packed cpu  packed/base packed' : ''
console.log(`uids × validators  weights     mode           tuples wall  tuples cpu  packed wall  packed cpu  packed/tuples cpu  goal  runs${baseHead}`)
console.log('                                                  (median)    (mean)      (median)     (mean)')
for (const [n, v, density, label, goal] of cases) {
  for (const [mode, hyper] of modes) {
    const s = snapshot(n, v, density, hyper)
    const p: PackedEpochSnapshot = { ...s, weights: pack(s.weights), bonds: pack(s.bonds) }
    const runs = n > 1000 ? 9 : 41
    const fns = [() => epoch(s), () => epochPacked(p)]
    if (baseline) fns.push(() => baseline.epoch(s), () => baseline.epochPacked(p))
    const [t, q, bt, bq] = time(runs, fns)
    const f = (x: number, w: number): string => x.toFixed(2).padStart(w)
    const base = bt && bq ? ` ${f(bt.cpu, 16)} ${f(bq.cpu, 16)} ${f(q.cpu / bq.cpu, 19)}` : ''
    console.log(`${`${n} × ${v}`.padEnd(18)} ${label.padEnd(11)} ${mode.padEnd(14)} ${f(t.wall, 11)} ${f(t.cpu, 11)} ${f(q.wall, 12)} ${f(q.cpu, 11)} ${f(q.cpu / t.cpu, 18)} ${String(goal).padStart(5)}  ${runs}${base}`)
  }
}
