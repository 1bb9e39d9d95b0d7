// Epoch time of packages/yuma for 256 uids × 64 validators (goal ≤ 10 ms) and 4096 uids × 256
// validators (goal ≤ 200 ms), dense and sparse weights, Yuma2 and Yuma3 (+ liquid alpha).
// Prints medians of repeated runs (wall clock and main-thread CPU); never fails on speed.
// `npx node bench/yuma-epoch.bench.ts`
import os from 'node:os'
import { epoch, type EpochSnapshot, type U16Row, type YumaHyperparameters } from '@tensormesh/yuma'

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

// Median wall-clock time per epoch, and mean main-thread CPU time per epoch (the steadier figure
// on a loaded machine; the CPU clock is too coarse for a per-run median of millisecond epochs).
function time(s: EpochSnapshot, runs: number): { wall: number; cpu: number } {
  epoch(s) // warm-up
  const wall: number[] = []
  const c0 = process.threadCpuUsage()
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now()
    epoch(s)
    wall.push(performance.now() - t0)
  }
  const c = process.threadCpuUsage(c0)
  return { wall: median(wall), cpu: (c.user + c.system) / 1000 / runs }
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
console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`)
console.log('uids × validators  weights     mode           wall ms (median)  cpu ms (mean)  (goal ms)  runs')
for (const [n, v, density, label, goal] of cases) {
  for (const [mode, hyper] of modes) {
    const s = snapshot(n, v, density, hyper)
    const runs = n > 1000 ? 7 : 31
    const t = time(s, runs)
    console.log(`${`${n} × ${v}`.padEnd(18)} ${label.padEnd(11)} ${mode.padEnd(14)} ${t.wall.toFixed(2).padStart(16)} ${t.cpu.toFixed(2).padStart(14)}  (${goal})  ${runs}`)
  }
}
