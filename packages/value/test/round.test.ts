// scoreRound on a small quadratic task: every batch has its own target point (the shared optimum plus batch noise);
// loss(θ) = 1 + mean((θ − target)²). Honest miners step towards their own assignment's target.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { auditRecord, createRng, gaussian, scoreRound, DEFAULT_VALIDATOR_CONFIG } from '../src/index.ts'
import type { BatchRef, Evaluator, Metrics, Submission } from '../src/index.ts'

const D = 64
const optimum = Float32Array.from({ length: D }, (_, i) => Math.sin(i + 1))
function target (batch: BatchRef): Float32Array {
  const rng = createRng(batch.id)
  return Float32Array.from(optimum, (x) => x + 0.6 * gaussian(rng))
}
class QuadraticEvaluator implements Evaluator {
  readonly classes = 2
  calls = 0
  metrics (theta: Float32Array, batch: BatchRef): Metrics {
    this.calls++
    const t = target(batch)
    let s = 0
    for (let i = 0; i < D; i++) s += (theta[i] - t[i]) ** 2
    return { loss: 1 + s / D, accuracy: 0 }
  }
  evaluate (batch: BatchRef): Metrics { return this.metrics(new Float32Array(D), batch) }
  evaluateUpdate (update: Float32Array, step: number, batch: BatchRef): Metrics {
    return this.metrics(Float32Array.from(update, (u) => u * step), batch)
  }
  labels (batch: BatchRef): Int32Array { return Int32Array.from({ length: batch.size }, (_, i) => i % 2) }
}

const assignment = (uid: number): BatchRef => ({ kind: 'assignment', id: `assign/${uid}/r1`, seed: `hk${uid}/1`, size: 32 })
const honest = (uid: number): Float32Array => Float32Array.from(target(assignment(uid)), (t) => 0.5 * t)
const heldout: BatchRef = { kind: 'heldout', id: 'heldout/v/r1', seed: 'v/1', size: 64 }
const query: BatchRef = { kind: 'query', id: 'query/v/r1', seed: 'q/1', size: 4 }
const expect = { round: 1, baseHash: 'h1', deadlineMs: 10_000, dim: D }
const sub = (uid: number, update: Float32Array | null, extra: Partial<Submission> = {}): Submission =>
  ({ uid, round: 1, baseHash: 'h1', arrivalMs: 100 + uid, update, assignment: assignment(uid), ...extra })

describe('scoreRound', () => {
  test('honest miners score; copies, poison, faults and absentees do not; records are replayable JSON', async () => {
    const ev = new QuadraticEvaluator()
    const copied = Float32Array.from(honest(0), (x, i) => x + 0.001 * Math.cos(i))
    const goodAnswer = Float32Array.from([0.9, 0.1, 0.1, 0.9, 0.8, 0.2, 0.3, 0.7])
    const submissions = [
      sub(0, honest(0), { response: goodAnswer }), sub(1, honest(1), { response: goodAnswer }), sub(2, honest(2), { response: goodAnswer }),
      sub(3, copied), // arrives after uid 0
      sub(4, Float32Array.from(honest(4), (x) => -3 * x)), // poisoner
      sub(5, new Float32Array(D)), // free-rider
      sub(6, honest(6), { arrivalMs: 20_000 }), // late
      sub(7, honest(7), { baseHash: 'h0' }), // stale
      sub(8, null, { malformed: 'truncated' }),
    ]
    const r = await scoreRound(ev, { validator: 'v', expect, expectedUids: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], submissions, heldout, query, ownAverages: {} })
    const byUid = new Map(r.records.map((x) => [x.uid, x]))
    for (const u of [0, 1, 2]) {
      const rec = byUid.get(u)!
      assert.ok(rec.score > 0, `honest ${u} scores`)
      assert.equal(rec.own!.sign, 1)
      assert.ok(rec.gradient!.value > 0)
      assert.ok(rec.shapley!.stdErr >= 0 && Number.isFinite(rec.shapley!.stdErr))
    }
    const code = (u: number): string[] => byUid.get(u)!.penalties.map((p) => p.code)
    assert.deepEqual(code(3), ['copy'])
    assert.equal(byUid.get(3)!.penalties[0].detail.of, 0)
    assert.equal(byUid.get(3)!.own!.sign, -1)
    assert.deepEqual(code(6), ['late'])
    assert.deepEqual(code(7), ['stale-base'])
    assert.deepEqual(code(8), ['malformed'])
    assert.deepEqual(code(9), ['missing'])
    assert.ok(byUid.get(4)!.gradient!.value < 0)
    assert.equal(byUid.get(5)!.gradient!.value, 0)
    for (const u of [3, 4, 5, 6, 7, 8, 9]) assert.equal(byUid.get(u)!.score, 0, `uid ${u} scores 0`)
    assert.deepEqual(new Set(r.selected), new Set([0, 1, 2]))
    // Shapley is efficient: the estimates sum to the utility of the full coalition (= LOO's `full`).
    const players = r.records.filter((x) => x.shapley !== null)
    const sum = players.reduce((s, x) => s + x.shapley!.value, 0)
    assert.ok(Math.abs(sum - players[0].loo!.full) < 1e-9)
    // Evidence survives JSON and names its batches and seeds.
    const again = JSON.parse(JSON.stringify(r))
    assert.deepEqual(again.records, r.records)
    assert.equal(again.records[0].gradient.batch.id, heldout.id)
    assert.equal(again.records[0].own.delta.batch.seed, 'hk0/1')
    assert.match(again.records[0].shapley.seed, /^v\/1\/shapley$/)
    // Replaying the gradient value from the evidence gives the same number.
    const rec0 = byUid.get(0)!
    const replay = ev.evaluateUpdate(honest(0), rec0.gradient!.step, rec0.gradient!.batch)
    assert.equal(replay.loss, rec0.gradient!.lossAfter)
    // An auditor holding the update reproduces the record; a different update (or a forged number) does not pass.
    assert.deepEqual(await auditRecord(ev, rec0, honest(0)), { ok: true, mismatches: [] })
    const forged = await auditRecord(ev, rec0, honest(1))
    assert.equal(forged.ok, false)
    assert.ok(forged.mismatches.some((m) => m.field === 'updateDigest'))
    assert.ok(forged.mismatches.some((m) => m.field === 'gradient.lossAfter'))
    const inflated = await auditRecord(ev, { ...rec0, gradient: { ...rec0.gradient!, value: rec0.gradient!.value + 0.1 } }, honest(0))
    assert.deepEqual(inflated.mismatches.map((m) => m.field), ['gradient.value'])
  })

  test('copying a late update is still a copy; the late original keeps only its own fault', async () => {
    const ev = new QuadraticEvaluator()
    const r = await scoreRound(ev, {
      validator: 'v', expect, expectedUids: [0, 1], heldout,
      submissions: [sub(0, honest(0), { arrivalMs: 10_500 }), sub(1, Float32Array.from(honest(0), (x) => x * 1.01), { arrivalMs: 10_900 })],
      ownAverages: {},
    }, { ...DEFAULT_VALIDATOR_CONFIG, shapley: false, loo: false })
    assert.deepEqual(r.records.map((x) => x.penalties.map((p) => p.code)), [['late'], ['late', 'copy']])
  })

  test('the own-data average carries over rounds and a replayed update is caught', async () => {
    const ev = new QuadraticEvaluator()
    const earlier = [{ uid: 2, round: 0, update: honest(2) }]
    const r = await scoreRound(ev, {
      validator: 'v', expect, expectedUids: [0, 1], heldout, earlier,
      submissions: [sub(0, honest(0)), sub(1, Float32Array.from(honest(2)))],
      ownAverages: { 0: 0.5, 1: 0.5 },
    }, { ...DEFAULT_VALIDATOR_CONFIG, ownAlpha: 0.5, shapley: false, loo: false })
    assert.equal(r.ownAverages['0'], 0.75)
    assert.equal(r.records[1].penalties[0].code, 'replay')
    assert.equal(r.records[1].score, 0)
    assert.ok(r.records[0].score > 0)
  })
})
