import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { leaveOneOut, shapleyExact, shapleyPermutation, ValueError } from '../src/index.ts'

// Glove game: player 0 holds a left glove, players 1 and 2 right gloves; a pair is worth 1.
// Exact Shapley values (hand-computed over the 6 orderings): 0 is pivotal in 4 of 6 → 2/3; 1 and 2 → 1/6 each.
const glove = (c: readonly number[]): number => (c.includes(0) && (c.includes(1) || c.includes(2)) ? 1 : 0)

// Airport game: the cost of a runway long enough for the largest plane in the coalition. Closed form (Littlechild &
// Owen 1973): φ_i = Σ_{j ≤ i} (c_j − c_{j−1}) / (n − j), players sorted by cost, 0-based j.
const costs = [1, 3, 4, 8, 9, 15]
const airport = (c: readonly number[]): number => Math.max(0, ...c.map((i) => costs[i]))
function airportExact (): number[] {
  return costs.map((_, i) => {
    let s = 0
    for (let j = 0; j <= i; j++) s += (costs[j] - (j > 0 ? costs[j - 1] : 0)) / (costs.length - j)
    return s
  })
}

describe('Shapley', () => {
  test('exact values of the glove game', async () => {
    const r = await shapleyExact(3, glove)
    assert.deepEqual(r.values.map((v) => Math.round(v * 6)), [4, 1, 1])
    assert.equal(r.exact, true)
    assert.equal(r.permutations, 6)
  })

  test('exact values of the airport game match the closed form', async () => {
    const r = await shapleyExact(costs.length, airport)
    const want = airportExact()
    r.values.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-9, `player ${i}: ${v} vs ${want[i]}`))
  })

  test('permutation sampling is efficient, replayable and within its standard error', async () => {
    const want = airportExact()
    const a = await shapleyPermutation(costs.length, airport, { seed: 's1', permutations: 400 })
    const b = await shapleyPermutation(costs.length, airport, { seed: 's1', permutations: 400 })
    assert.deepEqual(a.values, b.values)
    // Every ordering's marginals sum to U(N), so the estimate does too.
    assert.ok(Math.abs(a.values.reduce((s, v) => s + v, 0) - 15) < 1e-9)
    a.values.forEach((v, i) => {
      assert.ok(Number.isFinite(a.stdErr[i]))
      assert.ok(Math.abs(v - want[i]) <= 4 * a.stdErr[i] + 1e-9, `player ${i}: ${v} ± ${a.stdErr[i]} vs ${want[i]}`)
    })
    const c = await shapleyPermutation(costs.length, airport, { seed: 'other', permutations: 400 })
    assert.notDeepEqual(a.values, c.values)
  })

  test('more permutations shrink the standard error', async () => {
    const few = await shapleyPermutation(costs.length, airport, { seed: 'x', permutations: 16 })
    const many = await shapleyPermutation(costs.length, airport, { seed: 'x', permutations: 1024 })
    const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length
    assert.ok(mean(many.stdErr) < mean(few.stdErr) / 3)
  })

  test('the evaluation budget bounds distinct coalitions', async () => {
    let calls = 0
    const counted = (c: readonly number[]): number => { calls++; return airport(c) }
    const r = await shapleyPermutation(costs.length, counted, { seed: 'b', permutations: 1000, maxEvaluations: 30 })
    assert.ok(r.evaluations <= 30)
    assert.equal(calls, r.evaluations)
    assert.ok(r.permutations >= 2 && r.permutations < 1000)
    await assert.rejects(shapleyPermutation(costs.length, airport, { seed: 'b', maxEvaluations: 5 }), (e: unknown) => e instanceof ValueError && e.code === 'BUDGET_TOO_SMALL')
  })

  test('non-finite utilities are refused', async () => {
    await assert.rejects(shapleyExact(2, () => NaN), (e: unknown) => e instanceof ValueError && e.code === 'NON_FINITE')
  })
})

describe('leave-one-out', () => {
  test('glove game: only the holder of the scarce glove is indispensable', async () => {
    const r = await leaveOneOut(3, glove)
    assert.equal(r.full, 1)
    assert.deepEqual(r.without, [0, 1, 1])
    assert.deepEqual(r.values, [1, 0, 0])
  })

  test('additive game: each player contributes its own worth', async () => {
    const w = [0.5, -0.25, 2]
    const r = await leaveOneOut(3, (c) => c.reduce((s, i) => s + w[i], 0))
    assert.deepEqual(r.values, w)
  })
})
