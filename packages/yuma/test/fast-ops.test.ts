// The inlined fast paths of `mul` (non-negative operands) and `safeDiv` (0 < a < b < 2^36, every
// normalisation) against the BigInt reference, concentrated on their domains and edges.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { mul, safeDiv, satMulN, safeDivN } from '../src/index.ts'

const below = (max: number) => fc.oneof(
  fc.integer({ min: 0, max }),
  fc.integer({ min: Math.max(0, max - 1000), max }),
  fc.integer({ min: 0, max: 1000 }),
)

test('safeDiv fast path (0 < a < b < 2^36) equals safe_div', () => {
  fc.assert(fc.property(below(2 ** 36), below(2 ** 36), (x, y) => {
    const a = Math.min(x, y)
    const b = Math.max(x, y)
    assert.equal(BigInt(safeDiv(a, b)), safeDivN(BigInt(a), BigInt(b)))
    assert.equal(BigInt(safeDiv(b, b)), safeDivN(BigInt(b), BigInt(b)))
  }), { numRuns: 20000 })
  for (const b of [2, 3, 65535, 65537, 2 ** 32 - 1, 2 ** 32 + 1, 2 ** 36 - 1]) {
    for (const a of [1, b - 1, Math.floor(b / 2), Math.floor(b / 3) + 1]) {
      assert.equal(BigInt(safeDiv(a, b)), safeDivN(BigInt(a), BigInt(b)), `${a}/${b}`)
    }
  }
})

test('safeDiv for 2^36 ≤ b < 2^42 (11-bit steps) equals safe_div', () => {
  fc.assert(fc.property(below(2 ** 42), below(2 ** 42), (x, y) => {
    const a = Math.min(x, y)
    const b = Math.max(x, y)
    assert.equal(BigInt(safeDiv(a, b)), safeDivN(BigInt(a), BigInt(b)))
  }), { numRuns: 20000 })
  for (const b of [2 ** 36, 2 ** 36 + 1, 2 ** 40 + 12345, 2 ** 42 - 1]) {
    for (const a of [1, b - 1, Math.floor(b / 2), Math.floor(b / 3) + 1, 2 ** 32]) {
      assert.equal(BigInt(safeDiv(a, b)), safeDivN(BigInt(a), BigInt(b)), `${a}/${b}`)
    }
  }
})

test('mul fast path (non-negative operands below 2^48) equals saturating_mul', () => {
  fc.assert(fc.property(below(2 ** 48), below(2 ** 48), (a, b) => {
    const r = satMulN(BigInt(a), BigInt(b))
    if (r > BigInt(Number.MAX_SAFE_INTEGER)) return // not representable as a number
    assert.equal(BigInt(mul(a, b)), r)
  }), { numRuns: 20000 })
  fc.assert(fc.property(below(2 ** 36), below(2 ** 36), (a, b) => {
    assert.equal(BigInt(mul(a, b)), satMulN(BigInt(a), BigInt(b)))
  }), { numRuns: 20000 })
})
