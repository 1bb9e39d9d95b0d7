// Wire codec throughput: encode/decode MB/s of (a) a compressed 1M-parameter gradient (top-k 1%, int8, one scale per
// 4096-parameter block) and (b) a 4 MB dense Float32 tensor (a query of 1M f32 values), beside bare msgpackr pack/unpack
// of the same Float32Array in the same run (STACK.md's options: moreTypes, so it comes back as a Float32Array).
// Our codec additionally validates every field (finite check, index order) and copies into aligned, owned arrays.
// Medians over repeated runs; never fails on speed.
import { loadavg } from 'node:os'
import { Packr } from 'msgpackr'
import { decodeGradient, decodeQuery, encodeGradient, encodeQuery } from '@tensormesh/wire'
import type { GradientMessage, QueryMessage } from '@tensormesh/wire'
// internals, only to show the codec's cost apart from validation
import { CODECS } from '../packages/wire/src/codec.ts'
import { FieldContext } from '../packages/wire/src/fields.ts'
import { packWire, unpackWire } from '../packages/wire/src/msgpack.ts'

const REPS = Number(process.env.BENCH_REPS ?? 21)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

/**
 * CPU ms per call of this thread (process.threadCpuUsage, user + system): on a shared machine wall time mostly measures
 * the other processes, CPU time what this one spent. BENCH_CLOCK=wall switches to wall time.
 */
const WALL = process.env.BENCH_CLOCK === 'wall'
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500)
/**
 * CPU ms each timed sample should last: the kernel accounts CPU time in scheduler ticks (4 ms here), so short samples
 * come out quantised (a 5-call sample of a 0.5 ms function reads as 0, 0.8 or 1.6 ms).
 */
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 40)
function cpuMs(): number {
  const c = process.threadCpuUsage()
  return (c.user + c.system) / 1e3
}
function msPerCall(fn: () => unknown, inner: number): number {
  const t0 = WALL ? performance.now() : cpuMs()
  for (let i = 0; i < inner; i++) fn()
  return ((WALL ? performance.now() : cpuMs()) - t0) / inner
}

/**
 * Times `bare`, `wire` and `raw` round-robin, rep by rep (the order rotating each rep), so all three see the same machine
 * load (CI machines are shared); returns the median ms of each and the medians of the per-rep ratios bare/wire and
 * bare/raw, which are the figures to compare: a ratio is taken within one rep, where the load was the same.
 */
function trio(bare: () => unknown, wire: () => unknown, raw: () => unknown): Trio {
  const fns = [bare, wire, raw]
  // warm up long enough for V8's optimising compiler (a background thread, late on a busy machine) to finish, and size
  // the samples from the warm-up's CPU time
  const until = performance.now() + WARMUP_MS
  const c0 = cpuMs()
  let calls = 0
  while (performance.now() < until || calls < 10) { for (const f of fns) f(); calls++ }
  const perCall = Math.max(1e-4, (cpuMs() - c0) / calls / fns.length)
  const inner = Math.max(1, Math.ceil(SAMPLE_MS / perCall))
  const t: number[][] = [[], [], []]
  const rw: number[] = []
  const rr: number[] = []
  for (let rep = 0; rep < REPS; rep++) {
    const ms = [0, 0, 0]
    for (let j = 0; j < fns.length; j++) {
      const which = (rep + j) % fns.length
      ms[which] = msPerCall(fns[which], inner)
    }
    for (let j = 0; j < fns.length; j++) t[j].push(ms[j])
    rw.push(ms[0] / ms[1]); rr.push(ms[0] / ms[2])
  }
  return { bare: median(t[0]), wire: median(t[1]), raw: median(t[2]), ratio: median(rw), rawRatio: median(rr) }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296)
}

const N = 1 << 20
const rand = lcg(1)
const dense = Float32Array.from({ length: N }, () => rand() * 2 - 1)

// top-k 1%: one index in ~100, int8 codes, scale per 4096-parameter block
const k = Math.floor(N / 100)
const step = Math.floor(N / k)
const indices = Uint32Array.from({ length: k }, (_, i) => i * step + Math.floor(rand() * step))
const values = Int8Array.from({ length: k }, () => Math.floor(rand() * 255) - 127)
const chunkSize = 4096
const scales = Float32Array.from({ length: N / chunkSize }, () => rand() * 0.01)
const hotkey = new Uint8Array(32).fill(1)
const gradient: GradientMessage = {
  netuid: 1, round: 1, baseModel: new Uint8Array(32), assignmentSeed: 1, sampleCount: 640, hotkey,
  tensor: { format: 'topk', length: N, chunkSize, bits: 8, indices, values, scales },
}
const query: QueryMessage = { netuid: 1, round: 1, queryId: 1, inputs: { dtype: 'f32', shape: [N], data: dense } }

const bare = new Packr({ moreTypes: true, useRecords: false })
const rows: string[][] = []
const mbps = (bytes: number, ms: number): string => (bytes / 1e6 / (ms / 1e3)).toFixed(0)

type Trio = { bare: number; wire: number; raw: number; ratio: number; rawRatio: number }

/** Rows for bare msgpackr, wire (validating, the public API) and wire's codec without validation, all from one trio. */
function report(what: string, bytes: number, bareBytes: number, p: Trio): void {
  rows.push([`bare msgpackr        ${what}`, (bareBytes / 1e6).toFixed(3), p.bare.toFixed(3), mbps(bareBytes, p.bare), ''])
  rows.push([`wire                 ${what}`, (bytes / 1e6).toFixed(3), p.wire.toFixed(3), mbps(bytes, p.wire), p.ratio.toFixed(2)])
  rows.push([`wire, no validation  ${what}`, (bytes / 1e6).toFixed(3), p.raw.toFixed(3), mbps(bytes, p.raw), p.rawRatio.toFixed(2)])
}

const rawEncode = <K extends 'gradient' | 'query'>(kind: K, m: K extends 'gradient' ? GradientMessage : QueryMessage) =>
  () => packWire({ v: 1, k: kind, ...(CODECS[kind].toWire as (x: typeof m) => Record<string, unknown>)(m) })
const rawDecode = (kind: 'gradient' | 'query', bytes: Uint8Array) => {
  const c = new FieldContext(kind)
  return () => CODECS[kind].fromWire(unpackWire(bytes) as Record<string, unknown>, c)
}

// (a) compressed gradient: bare msgpackr packs the same three typed arrays
const gBytes = encodeGradient(gradient)
const gPayload = indices.byteLength + values.byteLength + scales.byteLength
const gArrays = { i: indices, q: values, s: scales }
const bareG = bare.pack(gArrays)
report('encode top-k 1% int8 gradient', gBytes.byteLength, bareG.byteLength,
  trio(() => bare.pack(gArrays), () => encodeGradient(gradient), rawEncode('gradient', gradient)))
report('decode top-k 1% int8 gradient', gBytes.byteLength, bareG.byteLength,
  trio(() => bare.unpack(bareG), () => decodeGradient(gBytes), rawDecode('gradient', gBytes)))

// (b) 4 MB dense tensor: bare msgpackr packs the Float32Array itself
const qBytes = encodeQuery(query)
const bareD = bare.pack(dense)
report('encode dense f32 4 MB', qBytes.byteLength, bareD.byteLength,
  trio(() => bare.pack(dense), () => encodeQuery(query), rawEncode('query', query)))
report('decode dense f32 4 MB', qBytes.byteLength, bareD.byteLength,
  trio(() => bare.unpack(bareD), () => decodeQuery(qBytes), rawDecode('query', qBytes)))

console.log(`wire codec, Node ${process.version}, load average ${loadavg()[0].toFixed(1)}, ${WALL ? 'wall' : 'thread CPU'} time, medians of ${REPS} round-robin reps (bare, wire, no validation) of ~${SAMPLE_MS} ms each; ratio = median per-rep (bare msgpackr time / wire time), goal >= 0.8`)
console.log('wire = the public API: validates every field (finite scan, index order, counts) and returns owned, aligned arrays; "no validation" = the same msgpack layer and copies without the field checks')
console.log(`compressed gradient: ${N} parameters, k = ${k} (1%), ${gPayload} payload bytes, ${gBytes.byteLength} encoded (${(N * 4 / gBytes.byteLength).toFixed(0)}x smaller than fp32)`)
const head = ['case', 'MB', 'ms', 'MB/s', 'ratio']
const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  '))
