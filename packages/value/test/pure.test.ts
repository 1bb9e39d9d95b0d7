import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import {
  combineScore, cosine, createEma, detectCopies, detectReplays, emaToWeights, indexOverlap, normaliseComponents,
  ownDataSign, relativeImprovement, scorePredictions, submissionPenalties, topKIndices, updateEma, ValueError,
} from '../src/index.ts'
import type { Submission } from '../src/index.ts'

describe('vectors', () => {
  test('top-k indices by magnitude, ties to the lower index', () => {
    assert.deepEqual([...topKIndices(Float32Array.from([0.1, -5, 3, 3, 0]), 2)], [1, 2])
    assert.deepEqual([...topKIndices(Float32Array.from([1, 1, 1]), 2)], [0, 1])
    assert.deepEqual([...topKIndices(Float32Array.from([1, 2]), 5)], [0, 1])
  })
  test('overlap of index sets', () => {
    assert.equal(indexOverlap(Uint32Array.from([1, 4, 7, 9]), Uint32Array.from([1, 5, 7, 8])), 0.5)
    assert.equal(indexOverlap(new Uint32Array(0), new Uint32Array(0)), 0)
  })
  test('cosine, zero vectors resemble nothing', () => {
    assert.equal(cosine([1, 0], [0, 1]), 0)
    assert.ok(Math.abs(cosine([1, 1], [2, 2]) - 1) < 1e-12)
    assert.equal(cosine([0, 0], [1, 1]), 0)
    assert.throws(() => cosine([1], [1, 2]), (e: unknown) => e instanceof ValueError && e.code === 'LENGTH_MISMATCH')
  })
})

describe('measurements', () => {
  test('relative improvement is clamped and a broken model counts as −1', () => {
    assert.equal(relativeImprovement(2, 1.5), 0.25)
    assert.equal(relativeImprovement(1, 5), -1)
    assert.equal(relativeImprovement(1, NaN), -1)
    assert.throws(() => relativeImprovement(0, 1), (e: unknown) => e instanceof ValueError && e.code === 'NON_FINITE')
  })
  test('log-loss and accuracy of answers, rows renormalised', () => {
    const r = scorePredictions(Float32Array.from([0.2, 0.8, 1.8, 0.2]), Int32Array.from([1, 0]), 2)
    assert.ok(Math.abs(r.logLoss - (-Math.log(0.8) - Math.log(0.9)) / 2) < 1e-6)
    assert.equal(r.accuracy, 1)
    assert.throws(() => scorePredictions(Float32Array.from([NaN, 1]), Int32Array.from([0]), 2), (e: unknown) => e instanceof ValueError && e.code === 'NON_FINITE')
    assert.throws(() => scorePredictions(Float32Array.from([1]), Int32Array.from([0]), 2), (e: unknown) => e instanceof ValueError && e.code === 'LENGTH_MISMATCH')
  })
  test('own-data sign needs a gap above the margin', () => {
    const r = ownDataSign(0.3, 0.2, 0.1, 0.01)
    assert.ok(Math.abs(r.gap - 0.1) < 1e-12 && Math.abs(r.margin - 0.03) < 1e-12)
    assert.equal(r.sign, 1)
    assert.equal(ownDataSign(0.21, 0.2, 0.1, 0.01).sign, -1)
    assert.equal(ownDataSign(-0.1, -0.3, 0.5, 0).sign, 1)
  })
})

describe('copies and replays', () => {
  const a = Float32Array.from([5, 0.1, -4, 0.2, 0, 3])
  const nearA = Float32Array.from([5.1, 0.12, -3.9, 0.18, 0.01, 3.05])
  const b = Float32Array.from([-1, 4, 0.5, -3, 2, 0])
  test('the later publisher pays; independent updates do not', () => {
    const f = detectCopies([
      { uid: 7, update: nearA, arrivalMs: 200 },
      { uid: 3, update: a, arrivalMs: 100 },
      { uid: 4, update: b, arrivalMs: 50 },
    ], { topKFraction: 0.5 })
    assert.equal(f.length, 1)
    assert.equal(f[0].uid, 7)
    assert.equal(f[0].of, 3)
    assert.ok(f[0].cosine > 0.99)
    assert.equal(f[0].overlap, 1)
  })
  test('a tie in arrival cannot tell who copied: both pay', () => {
    const f = detectCopies([{ uid: 1, update: a, arrivalMs: 10 }, { uid: 2, update: nearA, arrivalMs: 10 }], { topKFraction: 0.5 })
    assert.deepEqual(f.map((x) => [x.uid, x.of]), [[1, 2], [2, 1]])
  })
  test('zero updates are never copies of each other', () => {
    const z = new Float32Array(6)
    assert.deepEqual(detectCopies([{ uid: 1, update: z, arrivalMs: 1 }, { uid: 2, update: z, arrivalMs: 2 }]), [])
  })
  test('high overlap alone is not enough when the directions differ', () => {
    const flipped = Float32Array.from(a, (x) => -x)
    assert.deepEqual(detectCopies([{ uid: 1, update: a, arrivalMs: 1 }, { uid: 2, update: flipped, arrivalMs: 2 }], { topKFraction: 0.5 }), [])
  })
  test('a replay of an earlier round is found', () => {
    const r = detectReplays([{ uid: 9, update: nearA }, { uid: 4, update: b }], [{ uid: 3, round: 4, update: a }], { topKFraction: 0.5 })
    assert.deepEqual(r.map((x) => [x.uid, x.of, x.ofRound]), [[9, 3, 4]])
  })
})

describe('penalties', () => {
  const expect = { round: 5, baseHash: 'h5', deadlineMs: 1000, dim: 3 }
  const ok: Submission = { uid: 1, round: 5, baseHash: 'h5', arrivalMs: 900, update: new Float32Array(3), assignment: { kind: 'assignment', id: 'a', seed: 's', size: 1 } }
  test('a sound submission has none', () => assert.deepEqual(submissionPenalties(ok, expect), []))
  test('each fault has its code', () => {
    const codes = (s: Submission | undefined): string[] => submissionPenalties(s, expect).map((p) => p.code)
    assert.deepEqual(codes(undefined), ['missing'])
    assert.deepEqual(codes({ ...ok, update: null, malformed: 'bad msgpack' }), ['malformed'])
    assert.deepEqual(codes({ ...ok, update: new Float32Array(2) }), ['malformed'])
    assert.deepEqual(codes({ ...ok, update: Float32Array.from([0, Infinity, 0]) }), ['non-finite'])
    assert.deepEqual(codes({ ...ok, round: 4, baseHash: 'h4' }), ['stale-round', 'stale-base'])
    assert.deepEqual(codes({ ...ok, arrivalMs: 1001 }), ['late'])
    assert.deepEqual(submissionPenalties({ ...ok, update: null, malformed: 'bad msgpack' }, expect)[0].detail, { reason: 'bad msgpack' })
  })
})

describe('scores, EMA and weights', () => {
  test('components are scaled against the round best; negatives count as 0', () => {
    const n = normaliseComponents([
      { gradient: 0.2, shapley: 0.05, loo: null, response: -0.1 },
      { gradient: 0.1, shapley: -0.02, loo: null, response: 0.4 },
    ])
    assert.deepEqual(n, [
      { gradient: 1, shapley: 1, loo: null, response: 0 },
      { gradient: 0.5, shapley: 0, loo: null, response: 1 },
    ])
  })
  test('combined score: weighted mean of measured parts × own factor, zero under penalty', () => {
    const w = { gradient: 0.5, shapley: 0.25, loo: 0, response: 0.25 }
    assert.equal(combineScore({ gradient: 1, shapley: 0.5, loo: null, response: 0 }, 1, false, w), 0.625)
    assert.equal(combineScore({ gradient: 1, shapley: 0.5, loo: null, response: null }, 0.5, false, w), (0.5 + 0.125) / 0.75 * 0.5)
    assert.equal(combineScore({ gradient: 1, shapley: 1, loo: 1, response: 1 }, 1, true, w), 0)
    assert.equal(combineScore({ gradient: 1, shapley: 1, loo: 1, response: 1 }, -0.4, false, w), 0)
  })
  test('EMA by hand (alpha 0.5)', () => {
    let s = createEma(0.5)
    s = updateEma(s, [{ uid: 1, score: 1 }, { uid: 2, score: 0 }])
    s = updateEma(s, [{ uid: 1, score: 0 }])
    s = updateEma(s, [{ uid: 1, score: 1 }, { uid: 2, score: 1 }])
    assert.deepEqual(s.values, { 1: 0.625, 2: 0.5 })
    assert.throws(() => createEma(0), (e: unknown) => e instanceof ValueError)
  })
  test('weights: floor relative to the best, normalised, by uid', () => {
    const w = emaToWeights({ 4: 0.8, 1: 0.2, 2: 0.6, 3: 0.39, 5: -1 }, { relativeFloor: 0.5 })
    assert.deepEqual(w.uids, [2, 4])
    assert.ok(Math.abs(w.weights[0] - 0.6 / 1.4) < 1e-12)
    assert.ok(Math.abs(w.weights[1] - 0.8 / 1.4) < 1e-12)
    assert.deepEqual(emaToWeights({ 1: 0, 2: 0 }), { uids: [], weights: [] })
    const all = emaToWeights({ 1: 1, 2: 3 }, { relativeFloor: 0, power: 2 })
    assert.deepEqual(all, { uids: [1, 2], weights: [0.1, 0.9] })
  })
})
