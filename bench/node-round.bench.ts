/**
 * Round-time breakdown of 6 peers on one machine (2 validators + 4 honest miners, each its own process, the devnet in
 * another): median time per phase (train, encode, publish, receive, query, score, aggregate, anchor) and the share of
 * the round spent computing: the wall time in which some miner trains/encodes/publishes or some validator
 * queries/scores/aggregates, overlapping work counted once (miners start a round early, as soon as the leader serves its
 * model, so their training overlaps the validators' scoring of the round before). Prints figures; never fails on speed.
 *
 *   npx node bench/node-round.bench.ts            (BENCH_ROUNDS=8 BENCH_BLOCK_MS=1500 BENCH_BLOCKS=4 to change)
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDemo } from '../packages/node/src/demo.ts'
import type { PeerEvents, RoundTimings } from '../packages/node/src/api-types.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8)
const BLOCK_MS = Number(process.env.BENCH_BLOCK_MS ?? 1500)
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 4)
const WARMUP = 2

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** CPU seconds (user + system) of a process from /proc (Linux); 0 elsewhere. */
function cpuSeconds (pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch { return 0 }
}

const demo = await startDemo({
  dataDir: mkdtempSync(join(tmpdir(), 'tm-bench-')), rounds: ROUNDS, validators: 2, miners: 4, freeRiders: 0, poisoners: 0,
  blockMs: BLOCK_MS, blocksPerRound: BLOCKS, roundsPerEpoch: 2, fresh: true, logLevel: 'error', json: true,
})
const timings: Array<{ role: string, round: number, t: RoundTimings }> = []
// Compute intervals on the wall clock: a miner from its training's start to its publication, a validator from its
// queries to its aggregate. Overlapping work (miners training round r + 1 while validators score round r) counts once.
const intervals: Array<[number, number]> = []
const trainStart = new Map<string, number>()
const aggregatedAt = new Map<string, number>()
const starts = new Map<number, number>()
let cpuStart: { at: number, cpu: number } | null = null
const totalCpu = (): number => demo.children.reduce((s, c) => s + cpuSeconds(c.proc?.pid), 0) + cpuSeconds(demo.devnet.proc.pid)
demo.onEvent((child, name, data) => {
  const now = Date.now()
  const key = (r: number): string => `${child.spec.name}/${r}`
  if (name === 'train:done') { const d = data as PeerEvents['train:done']; trainStart.set(key(d.round), now - d.ms) }
  if (name === 'update:published') { const r = (data as PeerEvents['update:published']).round; const t = trainStart.get(key(r)); if (t !== undefined) intervals.push([t, now]) }
  if (name === 'model:aggregated') aggregatedAt.set(key((data as PeerEvents['model:aggregated']).round), now)
  if (name === 'round:end' && child.spec.role === 'validator') {
    const d = data as PeerEvents['round:end']
    const at = aggregatedAt.get(key(d.round))
    if (at !== undefined) intervals.push([at - d.timings.aggregate - d.timings.score - d.timings.query, at])
  }
  if (name === 'round:end') timings.push({ role: child.spec.role, round: (data as PeerEvents['round:end']).round, t: (data as PeerEvents['round:end']).timings })
  if (name === 'round:start' && child.uid === 0) {
    const r = (data as PeerEvents['round:start']).round
    starts.set(r, Date.now())
    if (starts.size === WARMUP + 1) cpuStart = { at: Date.now(), cpu: totalCpu() }
  }
})
let cpuEnd = null as { at: number, cpu: number } | null
const v1 = demo.children[0]
const t0 = Date.now()
while (v1.proc !== null && v1.proc.exitCode === null && Date.now() - t0 < 15 * 60_000) {
  // Sample while every process is alive (an exited one reads as 0).
  if (cpuStart !== null && demo.children.every((c) => c.proc !== null && c.proc.exitCode === null)) cpuEnd = { at: Date.now(), cpu: totalCpu() }
  await new Promise((r) => setTimeout(r, 250))
}
await Promise.all(demo.children.map((c) => c.exited))
await demo.stop()

const measured = timings.filter((x) => x.round >= [...starts.keys()].sort((a, b) => a - b)[WARMUP])
const rs = [...starts.entries()].sort((a, b) => a[0] - b[0])
const roundLen = median(rs.slice(WARMUP + 1).map(([, at], i) => at - rs[WARMUP + i][1]))
const phase = (role: string, k: keyof RoundTimings): number => median(measured.filter((x) => x.role === role).map((x) => x.t[k]))
const phases: Array<[string, string, keyof RoundTimings]> = [
  ['miner', 'sync (fetch θ from the leader)', 'sync'], ['miner', 'train', 'train'], ['miner', 'encode', 'encode'], ['miner', 'publish', 'publish'],
  ['validator', 'receive (wait for gradients)', 'receive'], ['validator', 'query miners', 'query'], ['validator', 'score', 'score'],
  ['validator', 'aggregate + test eval', 'aggregate'], ['validator', 'anchor (epoch ends only)', 'anchor'],
]
console.log(`node-round: 6 peers (2 validators, 4 miners) + devnet on ${availableParallelism()} cores; ${BLOCKS} blocks of ${BLOCK_MS} ms per round; ${measured.length} peer-rounds after ${WARMUP} warm-up rounds`)
console.log(`median round length (validator 1, start to start): ${(roundLen / 1000).toFixed(2)} s`)
console.log('phase                              role        median ms')
for (const [role, label, k] of phases) console.log(`${label.padEnd(34)} ${role.padEnd(11)} ${phase(role, k).toFixed(0).padStart(9)}`)
/** Length of the union of intervals inside [from, to). */
function covered (xs: Array<[number, number]>, from: number, to: number): number {
  const c = xs.map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)]).filter(([a, b]) => b > a).sort((p, q) => p[0] - q[0])
  let total = 0
  let end = -Infinity
  for (const [a, b] of c) { if (b <= end) continue; total += b - Math.max(a, end); end = b }
  return total
}
const windowFrom = rs[WARMUP + 1]?.[1] ?? NaN
const windowTo = rs.at(-1)?.[1] ?? NaN
const compute = phase('miner', 'train') + phase('miner', 'encode') + phase('validator', 'query') + phase('validator', 'score') + phase('validator', 'aggregate')
const network = phase('miner', 'sync') + phase('miner', 'publish')
console.log(`work per round: compute (train + encode + query + score + aggregate) ${(compute / 1000).toFixed(2)} s, network (sync + publish) ${(network / 1000).toFixed(2)} s`)
const busyShare = covered(intervals, windowFrom, windowTo) / (windowTo - windowFrom)
console.log(`share of the round spent computing (wall time in which miners train or validators query/score/aggregate, overlaps once, over ${rs.length - WARMUP - 2} rounds): ${(100 * busyShare).toFixed(1)} % (goal ≥ 70 %)`)
const a = cpuStart as { at: number, cpu: number } | null
const b = cpuEnd as { at: number, cpu: number } | null
if (a !== null && b !== null) {
  const busy = (b.cpu - a.cpu) / ((b.at - a.at) / 1000) / availableParallelism()
  console.log(`machine busy (CPU seconds of all 7 processes / wall / cores): ${(100 * busy).toFixed(1)} %`)
}
process.exit(0)
