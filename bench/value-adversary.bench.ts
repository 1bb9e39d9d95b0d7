// Adversary simulation at full size (packages/value over packages/learn's real MNIST training and packages/yuma's
// epoch). Prints every miner's rank per round, the adversaries' share of Yuma incentive (goal ≤ 2%), and test accuracy
// with 30% poisoners against the clean run (goal: within 1 point), with an undefended run (plain mean over every
// update) as the baseline. Figures only; never fails on them. `VALUE_BENCH_ROUNDS` overrides the round count.
import { learnEngine, runSimulation, ADVERSARY_KINDS, DEFAULT_SIM_CONFIG } from '@tensormesh/value/sim'
import type { MinerKind, SimConfig, SimResult } from '@tensormesh/value/sim'
import { doctor, initBackend } from '@tensormesh/learn'
import type { CodecOptions } from '@tensormesh/learn'

const rounds = Number(process.env.VALUE_BENCH_ROUNDS ?? 12)
const base: Omit<SimConfig, 'miners'> = {
  ...DEFAULT_SIM_CONFIG,
  rounds,
  samplesPerRound: 256,
  innerSteps: 24,
  heldoutBatch: 300,
  queryBatch: 100,
  validator: { ...DEFAULT_SIM_CONFIG.validator, shapley: { permutations: 16 } },
  seed: 'value-bench',
}
const short: Record<MinerKind, string> = { honest: 'H', 'free-rider': 'FREE', noise: 'NOISE', copier: 'COPY', poisoner: 'POIS', stale: 'STALE', lie: 'LIE', lazy: 'LAZY' }
const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(2)}%`)

async function run (label: string, miners: MinerKind[], extra: Partial<SimConfig> = {}, table = false, codec?: CodecOptions): Promise<SimResult & { seconds: number }> {
  const engine = await learnEngine({ aggregation: { rule: 'norm-clip' }, codec })
  const t0 = performance.now()
  if (table) console.log(`round  acc    adv-share  ${miners.map((k, uid) => `${short[k]}${uid}`.padStart(7)).join('')}`)
  const r = await runSimulation(engine, { ...base, ...extra, miners }, (rep) => {
    if (table) console.log(`${String(rep.round).padStart(5)}  ${rep.testAccuracy.toFixed(3)}  ${pct(rep.adversaryShare).padStart(9)}  ${rep.rank.map((x) => String(x).padStart(7)).join('')}`)
  })
  engine.dispose()
  const seconds = (performance.now() - t0) / 1000
  const tail = [...r.rounds.slice(-2).map((x) => x.testAccuracy), r.finalTestAccuracy]
  console.log(`${label}: final test accuracy ${r.finalTestAccuracy.toFixed(4)} (mean of the last 3 models ${(tail.reduce((s, x) => s + x, 0) / 3).toFixed(4)}), ${r.rounds.length} rounds in ${seconds.toFixed(1)} s (${(seconds / r.rounds.length).toFixed(1)} s/round)`)
  return { ...r, seconds }
}

await initBackend()
console.log(`backend ${doctor().backend}; task mnist-mlp (101,770 parameters, real MNIST digits); 3 validators; ${rounds} rounds; ` +
  `${base.samplesPerRound} samples × ${base.innerSteps} steps per miner; held-out ${base.heldoutBatch}, queries ${base.queryBatch}; ` +
  `Shapley ${(base.validator.shapley as { permutations: number }).permutations} permutations (antithetic)`)

// 1. Every adversary kind among honest miners: ranks (1 = best) per round.
const mixed: MinerKind[] = [...new Array<MinerKind>(9).fill('honest'), ...ADVERSARY_KINDS]
const honest = mixed.flatMap((k, u) => (k === 'honest' ? [u] : []))
function summary (m: SimResult): void {
  const firstAllBelow = m.rounds.find((r, i) => m.rounds.slice(i).every((x) => mixed.every((k, u) => k === 'honest' || x.rank[u] > Math.max(...honest.map((h) => x.rank[h])))))
  console.log(`every adversary below every honest miner from round ${firstAllBelow?.round ?? 'never'} on`)
  const shares = m.rounds.flatMap((r) => (r.adversaryShare === null ? [] : [r.adversaryShare]))
  console.log(`adversaries' share of Yuma incentive over the ${shares.length} rounds with weights set (after ${base.warmupRounds} warm-up round): ` +
    `max ${pct(Math.max(...shares))}, mean ${pct(shares.reduce((s, x) => s + x, 0) / shares.length)} (goal ≤ 2%)`)
  const paid = m.rounds.filter((r) => r.adversaryShare !== null)
  const perKind = ADVERSARY_KINDS.map((k) => `${k} ${pct(paid.reduce((s, r) => s + r.incentive[mixed.indexOf(k)], 0) / paid.length)}`)
  console.log(`mean incentive per adversary: ${perKind.join(', ')}; per honest miner ${pct(honest.reduce((s, u) => s + paid.reduce((t, r) => t + r.incentive[u], 0), 0) / honest.length / paid.length)}`)
  const last = m.rounds[m.rounds.length - 1]
  console.log(`penalties in the last round: ${mixed.map((k, u) => `${short[k]}${u}:${last.penalties[u].join('+') || '-'}`).join(' ')}`)
}
console.log(`\n== ranks per round (${mixed.length} miners: 9 honest, ${ADVERSARY_KINDS.join(', ')}; dense updates) ==`)
summary(await run('mixed', mixed, {}, true))
const codec: CodecOptions = { topK: 256, bits: 8 }
console.log(`\n== the same subnet with learn's codec on every update (top ${codec.topK} per 4096-value chunk, ${codec.bits}-bit, error feedback) ==`)
summary(await run('mixed, codec', mixed, {}, true, codec))

// 2. 30% poisoners against the clean run (same honest miners), and the same poisoned subnet without defences.
const clean: MinerKind[] = new Array<MinerKind>(7).fill('honest')
const poisoned: MinerKind[] = [...clean, 'poisoner', 'poisoner', 'poisoner']
console.log('\n== 30% poisoners (7 honest + 3 poisoners) vs clean (7 honest) ==')
const c = await run('clean', clean)
const p = await run('poisoned, defended', poisoned)
const u = await run('poisoned, undefended (mean of all updates)', poisoned, { undefended: true })
console.log(`test accuracy: clean ${c.finalTestAccuracy.toFixed(4)}, poisoned ${p.finalTestAccuracy.toFixed(4)} ` +
  `(${(100 * (p.finalTestAccuracy - c.finalTestAccuracy)).toFixed(2)} points; goal within 1), undefended ${u.finalTestAccuracy.toFixed(4)} ` +
  `(${(100 * (u.finalTestAccuracy - c.finalTestAccuracy)).toFixed(2)} points)`)
console.log(`poisoners' share of incentive (defended): max ${pct(Math.max(...p.rounds.flatMap((r) => (r.adversaryShare === null ? [] : [r.adversaryShare]))))}`)
