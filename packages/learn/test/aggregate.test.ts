import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  mean,
  weightedMean,
  coordinateMedian,
  trimmedMean,
  krumScores,
  krumSelect,
  multiKrum,
  centredClipping,
  normClippedMean,
  l2norm,
  createAggregationRule,
  LearnError,
  type AggregationSpec,
} from '../src/index.ts'

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs)
const close = (a: Float32Array | null, b: number[], eps = 1e-6): void => {
  assert.ok(a)
  assert.equal(a.length, b.length)
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= eps, `[${i}] ${x} vs ${b[i]}`))
}
const code = (e: unknown): string | undefined => (e instanceof LearnError ? e.code : undefined)

/** n − f honest updates near `centre` (small deterministic noise) and f Byzantine ones far away. */
function population(n: number, f: number, d: number, byz: (k: number) => Float32Array, centre = 1): { honest: Float32Array[]; all: Float32Array[] } {
  const honest = Array.from({ length: n - f }, (_, k) => Float32Array.from({ length: d }, (_, i) => centre + 0.05 * Math.sin(7 * k + 3 * i + 1)))
  return { honest, all: [...honest, ...Array.from({ length: f }, (_, k) => byz(k))] }
}

describe('hand-computed cases', () => {
  test('mean and weighted mean', () => {
    close(mean([f32(1, 2), f32(3, 4)]), [2, 3])
    close(weightedMean([f32(1, 2), f32(3, 6)], [1, 3]), [2.5, 5])
  })
  test('coordinate median, odd and even n', () => {
    close(coordinateMedian([f32(1, 10), f32(3, 30), f32(2, 20)]), [2, 20])
    close(coordinateMedian([f32(1), f32(10), f32(2), f32(3)]), [2.5])
  })
  test('trimmed mean drops trim values per side', () => {
    close(trimmedMean([f32(1, -50), f32(100, 0), f32(2, 4), f32(3, 2)], 1), [2.5, 1])
  })
  test('Krum scores and selection', () => {
    const u = [f32(0, 0), f32(1, 0), f32(0, 1), f32(10, 10), f32(100, 100)]
    // n=5, f=1: each score sums the n−f−2 = 2 smallest squared distances
    assert.deepEqual(krumScores(u, 1).slice(0, 4), [2, 3, 3, 181 + 181])
    assert.deepEqual(krumSelect(u, 1), [0])
    close(multiKrum(u, 1), [0, 0])
    close(multiKrum(u, 1, 3), [1 / 3, 1 / 3])
  })
  test('centred clipping, one iteration', () => {
    // clip(x − 0, τ=1): 0, 1, 1 → v = 2/3
    close(centredClipping([f32(0), f32(2), f32(100)], { tau: 1, iterations: 1 }), [2 / 3])
  })
  test('norm clipping to the median norm', () => {
    // norms 5, 1, 100 → median 5 → [3,4], [0,1], [0,5]
    close(normClippedMean([f32(3, 4), f32(0, 1), f32(0, 100)]), [1, 10 / 3], 1e-5)
  })
})

describe('edge cases and preconditions', () => {
  const specs: AggregationSpec[] = [
    { rule: 'mean' }, { rule: 'weighted-mean' }, { rule: 'median' }, { rule: 'trimmed-mean', trim: 1 },
    { rule: 'krum', f: 1 }, { rule: 'centred-clipping' }, { rule: 'norm-clip' },
  ]
  test('empty input returns null for every rule', () => {
    for (const s of specs) assert.equal(createAggregationRule(s).aggregate([]), null, s.rule)
  })
  test('length mismatch and non-finite values are coded errors for every rule', () => {
    for (const s of specs) {
      const r = createAggregationRule(s)
      const five = Array.from({ length: 5 }, () => f32(1, 2))
      assert.throws(() => r.aggregate([...five, f32(1)]), (e) => code(e) === 'AGGREGATION_DIMENSION_MISMATCH', s.rule)
      assert.throws(() => r.aggregate([...five, f32(1, NaN)]), (e) => code(e) === 'NON_FINITE', s.rule)
    }
  })
  test('broken preconditions throw AGGREGATION_PRECONDITION', () => {
    const four = Array.from({ length: 4 }, (_, k) => f32(k))
    assert.throws(() => multiKrum(four, 1), (e) => code(e) === 'AGGREGATION_PRECONDITION')
    assert.throws(() => trimmedMean(four, 2), (e) => code(e) === 'AGGREGATION_PRECONDITION')
    assert.throws(() => weightedMean(four, [1, 1, 1]), (e) => code(e) === 'AGGREGATION_PRECONDITION')
    assert.throws(() => weightedMean(four, [1, -1, 1, 1]), (e) => code(e) === 'AGGREGATION_PRECONDITION')
    assert.throws(() => weightedMean(four, [0, 0, 0, 0]), (e) => code(e) === 'AGGREGATION_PRECONDITION')
  })
  test('inputs are never modified', () => {
    const u = [f32(3, 4), f32(0, 1), f32(0, 100), f32(1, 1), f32(2, 2)]
    const copy = u.map((x) => x.slice())
    for (const s of specs) createAggregationRule(s).aggregate(u, [1, 2, 3, 4, 5])
    assert.deepEqual(u, copy)
  })
})

describe('Byzantine inputs: the deviation each rule promises', () => {
  const n = 11, f = 3, d = 16
  const far = (k: number): Float32Array => new Float32Array(d).fill(k % 2 ? 1e6 : -1e6)

  test('mean is unbounded: one peer moves it arbitrarily far', () => {
    const { all } = population(n, 1, d, () => new Float32Array(d).fill(1e6))
    assert.ok(l2norm(mean(all)!) > 1e5)
  })

  test('median and trimmed mean stay within the honest range of every coordinate', () => {
    const { honest, all } = population(n, f, d, far)
    for (const out of [coordinateMedian(all)!, trimmedMean(all, f)!]) {
      for (let i = 0; i < d; i++) {
        const col = honest.map((h) => h[i])
        assert.ok(out[i] >= Math.min(...col) - 1e-6 && out[i] <= Math.max(...col) + 1e-6, `coordinate ${i}: ${out[i]}`)
      }
    }
  })

  test('Krum and multi-Krum select only honest updates when n >= 2f + 3', () => {
    // Byzantine peers collude (identical updates) to look close to each other
    const { all } = population(n, f, d, () => new Float32Array(d).fill(50))
    for (const i of krumSelect(all, f, n - 2 * f)) assert.ok(i < n - f, `selected Byzantine ${i}`)
  })

  test('centred clipping moves at most f·τ/n per iteration away from the honest mean', () => {
    const { honest, all } = population(n, f, d, far, 0.1)
    const tau = 1
    const iterations = 5
    const out = centredClipping(all, { tau, iterations })!
    const mu = mean(honest)!
    const dev = l2norm(out.map((x, i) => x - mu[i]))
    // v_{t+1} − μ_H = (1 − h/n)(v_t − μ_H) + (1/n)·Σ_B clipped, so |v_T − μ_H| ≤ |v_0 − μ_H| + T·f·τ/n
    assert.ok(dev <= l2norm(mu) + (iterations * f * tau) / n + 1e-6, `deviation ${dev}`)
    assert.ok(l2norm(mean(all)!.map((x, i) => x - mu[i])) > 1e5)
  })

  test('norm clipping: Byzantine peers add at most median-norm·f/n, whatever their size', () => {
    const { honest, all } = population(n, f, d, far)
    const out = normClippedMean(all)!
    const bigger = normClippedMean([...honest, ...[0, 1, 2].map((k) => far(k).map((x) => x * 1000))])!
    close(bigger, Array.from(out), 1e-4)
    const honestMax = Math.max(...honest.map(l2norm))
    assert.ok(l2norm(out) <= honestMax + 1e-4)
  })
})
