// The inlined fast paths of `mul` and `safeDiv` (every normalisation: 0 ≤ a ≤ b) against the BigInt
// reference, concentrated on their domains and edges; the merge form of mat_ema_sparse; expBatch.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { expBatch, expFast, expFixed } from '../src/math.ts'
import { ONE, epoch, matEmaSparse, mul, safeDiv, satMulN, safeDivN, sparseRow, type EpochSnapshot, type SparseMatrix } from '../src/index.ts'

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

test('safeDiv for 2^36 ≤ b < 2^42 equals safe_div', () => {
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

// mat_ema_sparse scans a dense row, so with unique columns its result cannot depend on entry
// order: the merge taken for ascending rows must equal the dense scan taken for any other order.
test('matEmaSparse: ascending-row merge equals the dense scan on the same rows reversed', () => {
  const row = fc.integer({ min: 0, max: 40 }).chain((len) => fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { maxLength: len }))
  fc.assert(fc.property(fc.integer({ min: 1, max: 45 }), fc.array(fc.tuple(row, row), { minLength: 1, maxLength: 45 }),
    fc.integer({ min: 0, max: 2 ** 32 }), fc.integer(), (n, pairs, alpha, seed) => {
      let s = seed >>> 0
      const val = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s * (s & 3) }
      const rows = pairs.slice(0, n).map(([a, b]) => [a.sort((x, y) => x - y), b.sort((x, y) => x - y)] as const)
      while (rows.length < n) rows.push([[], []])
      const next = rows.map(([a]) => sparseRow(a, a.map(val)))
      const old = rows.map(([, b]) => sparseRow(b, b.map(val)))
      const rev = (m: SparseMatrix): SparseMatrix => m.map((r) => sparseRow(Array.from(r.idx).reverse(), Array.from(r.val).reverse()))
      const merged = matEmaSparse(next, old, alpha)
      const scanned = matEmaSparse(rev(next), rev(old), alpha)
      assert.deepEqual(merged.map((r) => [Array.from(r.idx), Array.from(r.val)]), scanned.map((r) => [Array.from(r.idx), Array.from(r.val)]))
    }), { numRuns: 1000 })
})

// Without liquid alpha every epoch stage is insensitive to the order of a row's entries, so the
// ascending fast paths and the general paths must give identical epochs.
test('epoch without liquid alpha: ascending rows and the same rows reversed agree', () => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 40 }), fc.integer(), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }),
    (n, seed, yuma3On, density) => {
      let s = seed >>> 0
      const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
      const rows = (): Array<Array<[number, number]>> => Array.from({ length: n }, () => {
        const row: Array<[number, number]> = []
        for (let j = 0; j < n; j++) if (rnd() < density) row.push([j, Math.floor(rnd() * 65536)])
        return row
      })
      const snap: EpochSnapshot = {
        n, block: 500, emission: 10n ** 12n,
        stakes: Array.from({ length: n }, () => BigInt(Math.floor(rnd() * 1e12))),
        weights: rows(), bonds: rows(),
        lastUpdate: Array.from({ length: n }, () => Math.floor(rnd() * 500)),
        blockAtRegistration: Array.from({ length: n }, () => Math.floor(rnd() * 300)),
        validatorPermit: Array.from({ length: n }, () => rnd() < 0.7),
        hyperparameters: { yuma3On, liquidAlphaOn: false, tempo: 100, commitRevealWeightsEnabled: false,
          bondsPenalty: Math.floor(rnd() * 65536), kappa: Math.floor(rnd() * 65536) },
      }
      const reversed = { ...snap, weights: snap.weights.map((r) => r?.slice().reverse()), bonds: snap.bonds.map((r) => r?.slice().reverse()) }
      assert.deepEqual(epoch(snap), epoch(reversed))
    }), { numRuns: 200 })
})

test('expBatch equals expFast and the BigInt expFixed on every value of a batch', () => {
  // Batches longer than one chunk, mixing short and long series (|x| from 2^-32 to 8), signs and
  // the range ends; 0 and 1 are excluded, as the callers route them to the scalar path.
  const x = fc.oneof(
    fc.integer({ min: -8 * ONE, max: 8 * ONE }),
    fc.integer({ min: -1000, max: 1000 }),
    fc.constantFrom(-ONE, 8 * ONE, -8 * ONE, 8 * ONE - 1, -8 * ONE + 1, 1, -1, 2, ONE + 1, ONE - 1, -ONE - 1),
  ).filter((v) => v !== 0 && v !== ONE)
  fc.assert(fc.property(fc.array(x, { minLength: 0, maxLength: 600 }), (values) => {
    const xs = Float64Array.from(values)
    const out = new Float64Array(xs.length)
    expBatch(xs, xs.length, out)
    values.forEach((v, q) => {
      assert.equal(out[q], expFast(v))
      assert.equal(BigInt(out[q]), expFixed(BigInt(v)))
    })
  }), { numRuns: 300 })
})
