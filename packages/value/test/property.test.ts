// Properties of the contribution estimators over random games (fast-check).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { leaveOneOut, shapleyExact, shapleyPermutation } from '../src/index.ts'

// A random game on n ≤ 6 players: U(S) drawn per coalition mask, U(∅) = 0.
const game = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1 << n, maxLength: 1 << n }).map((table) => ({ n, table })))
const utilityOf = (table: number[]) => (c: readonly number[]): number => {
  const mask = c.reduce((m, i) => m | (1 << i), 0)
  return mask === 0 ? 0 : table[mask]
}

test('Shapley estimates are efficient: they sum to U(N), exact or sampled', async () => {
  await fc.assert(fc.asyncProperty(game, fc.string(), async ({ n, table }, seed) => {
    const u = utilityOf(table)
    const full = u(Array.from({ length: n }, (_, i) => i))
    const exact = await shapleyExact(n, u)
    const sampled = await shapleyPermutation(n, u, { seed, permutations: 6 })
    assert.ok(Math.abs(exact.values.reduce((s, v) => s + v, 0) - full) < 1e-9)
    assert.ok(Math.abs(sampled.values.reduce((s, v) => s + v, 0) - full) < 1e-9)
  }), { numRuns: 60 })
})

test('in an additive game every estimator returns each player its own worth, with zero standard error', async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 1, maxLength: 8 }), async (w) => {
    const u = (c: readonly number[]): number => c.reduce((s, i) => s + w[i], 0)
    const sampled = await shapleyPermutation(w.length, u, { seed: 'additive', permutations: 4 })
    assert.deepEqual(sampled.values, w)
    assert.ok(sampled.stdErr.every((e) => e === 0))
    assert.deepEqual((await leaveOneOut(w.length, u)).values, w)
  }), { numRuns: 60 })
})
