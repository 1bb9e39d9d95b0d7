// Acceptance: the adversary simulation on real MNIST digits (packages/learn) with Yuma consensus (packages/yuma).
// Small and quick: 13 miners, 3 validators, 6 rounds, small batches. The full-size run is bench/value-adversary.bench.ts.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { learnEngine, runSimulation, ADVERSARY_KINDS, DEFAULT_SIM_CONFIG } from '../src/sim/index.ts'
import type { MinerKind, SimEngine } from '../src/sim/index.ts'

const miners: MinerKind[] = ['honest', 'honest', 'honest', 'honest', 'honest', 'honest', ...ADVERSARY_KINDS]
let engine: SimEngine | null = null
after(() => engine?.dispose())

test('every adversary ranks below every honest miner by round 5; cheats earn no incentive and stay out of the model', async () => {
  engine = await learnEngine({ aggregation: { rule: 'norm-clip' } })
  const result = await runSimulation(engine, {
    ...DEFAULT_SIM_CONFIG,
    miners,
    rounds: 6,
    samplesPerRound: 96,
    innerSteps: 9,
    heldoutBatch: 128,
    queryBatch: 32,
    validator: { ...DEFAULT_SIM_CONFIG.validator, shapley: { permutations: 4 } },
    keepEvidence: true,
    seed: 'value-acceptance',
  })
  const honest = miners.flatMap((k, uid) => (k === 'honest' ? [uid] : []))
  for (const r of result.rounds.slice(4)) {
    const worstHonest = Math.max(...honest.map((u) => r.rank[u]))
    for (const [uid, kind] of miners.entries()) {
      if (kind === 'honest') continue
      assert.ok(r.rank[uid] > worstHonest, `round ${r.round}: ${kind} (uid ${uid}) ranks ${r.rank[uid]}, worst honest ${worstHonest}`)
      assert.ok(r.meanEma[uid] < Math.min(...honest.map((u) => r.meanEma[u])), `round ${r.round}: ${kind} EMA below every honest miner`)
    }
    assert.deepEqual(r.consensus.rejected, [], 'the chain would accept every validator’s weights')
    assert.ok(r.adversaryShare !== null && r.adversaryShare <= 0.02, `round ${r.round}: adversaries earn ${r.adversaryShare}`)
    for (const u of honest) assert.ok(r.incentive[u] > 0 || r.meanEma[u] > 0)
  }
  const uidOf = (k: MinerKind): number => miners.indexOf(k)
  for (const r of result.rounds) {
    for (const k of ['free-rider', 'noise', 'copier', 'poisoner', 'stale', 'lie'] as const) {
      assert.ok(!r.aggregated.includes(uidOf(k)), `round ${r.round}: ${k} was aggregated`)
    }
    assert.ok(r.penalties[uidOf('copier')].includes('copy'), `round ${r.round}: copier penalised as a copy`)
    assert.ok(r.penalties[uidOf('stale')].includes(r.round === 0 ? 'missing' : 'replay'), `round ${r.round}: stale replayer caught`)
    for (const u of honest) assert.deepEqual(r.penalties[u], [], `round ${r.round}: honest ${u} unpenalised`)
  }
  // The model learns from the selected updates.
  assert.ok(result.finalTestAccuracy > result.rounds[0].testAccuracy + 0.4, `test accuracy ${result.rounds[0].testAccuracy} → ${result.finalTestAccuracy}`)
  // Every record carries replayable evidence and survives JSON.
  const ev = result.rounds[3].evidence!
  assert.equal(ev.length, 3)
  const rec = ev[0].records.find((x) => x.uid === honest[0])!
  assert.equal(rec.gradient!.batch.kind, 'heldout')
  assert.equal(rec.own!.delta.batch.kind, 'assignment')
  assert.deepEqual(JSON.parse(JSON.stringify(ev)), ev)
})
