// The BigInt-free kernels behind the epoch's fast loops, against the BigInt reference on their whole
// domains and at their edges: `mulExact` (floor(a·b/2^32) from Math.imul's low bits and the rounded
// product), `divExact` (trunc(a·2^32/b) with an exact remainder sign), the liquid-alpha batch (a
// floating-point bracket on the chain's series, the exact lockstep series otherwise) and the blocked
// weighted median (with ties, zero stakes and every κ).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { HALF, ONE, divExact, mulExact, satMulN, safeDivN, setReferenceArithmetic, u16ToProportion } from '../src/fixed.ts'
import { liquidAlphaFromDiff, liquidAlphaFromDiffs, sparseRow, weightedMedianColSparse, type SparseMatrix } from '../src/math.ts'

const TWO80 = 2 ** 80

function withReference<T>(f: () => T): T {
  setReferenceArithmetic(true)
  try {
    return f()
  } finally {
    setReferenceArithmetic(false)
  }
}

// Integers of every magnitude up to 2^bits, both signs, and the neighbourhood of powers of two.
const magnitude = (bits: number) => fc.oneof(
  fc.integer({ min: 0, max: bits }).chain((e) => fc.integer({ min: 0, max: Math.min(2 ** e, Number.MAX_SAFE_INTEGER) })),
  fc.tuple(fc.integer({ min: 0, max: bits }), fc.integer({ min: -3, max: 3 })).map(([e, d]) => Math.max(0, Math.min(2 ** e + d, Number.MAX_SAFE_INTEGER))),
)
const signed = (bits: number) => fc.tuple(magnitude(bits), fc.boolean()).map(([m, neg]) => (neg ? -m : m))

test('mulExact equals the floor of the exact product for |a·b| < 2^80, either sign', () => {
  fc.assert(fc.property(signed(53), signed(53), (a, b) => {
    if (!(Math.abs(a * b) < TWO80)) return
    assert.equal(BigInt(mulExact(a, b)), satMulN(BigInt(a), BigInt(b)), `${a}·${b}`)
  }), { numRuns: 50000 })
  // Products just below the domain's end, and exact multiples of 2^32 (the floor boundary).
  for (const [a, b] of [[2 ** 40 - 1, 2 ** 40 - 1], [-(2 ** 40 - 1), 2 ** 40 - 1], [2 ** 52 + 1, 2 ** 27 - 1], [-(2 ** 32), 3], [2 ** 32, -(2 ** 47)], [-1, 1], [-1, 2 ** 31], [0, -5]]) {
    assert.equal(BigInt(mulExact(a, b)), satMulN(BigInt(a), BigInt(b)), `${a}·${b}`)
  }
})

test('divExact equals trunc(a·2^32 / b) for 0 ≤ a ≤ b < 2^50', () => {
  fc.assert(fc.property(magnitude(50), magnitude(50), (x, y) => {
    const a = Math.min(x, y)
    const b = Math.max(x, y)
    if (b === 0 || b >= 2 ** 50) return
    assert.equal(BigInt(divExact(a, b)), safeDivN(BigInt(a), BigInt(b)), `${a}/${b}`)
    assert.equal(divExact(b, b), ONE)
  }), { numRuns: 50000 })
  // Dividends that put the quotient exactly on, and one below, an integer.
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 50 - 1 }), fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: -2, max: 2 }), (b, q, d) => {
    const a = Math.min(b, Math.max(0, Math.floor((q * b) / 2 ** 32) + d))
    assert.equal(BigInt(divExact(a, b)), safeDivN(BigInt(a), BigInt(b)), `${a}/${b}`)
  }), { numRuns: 20000 })
})

test('liquid alpha of many cells (bracket or exact series) equals the BigInt formula', () => {
  // Differences anywhere in [0, 1], crowded around ½ (exponent near 0, where the bracket is widest)
  // and at the ends; steepness over the whole i16 range (exponents up to ±20 and beyond ±8 and ±6);
  // α bounds in any order.
  const diff = fc.oneof(
    fc.integer({ min: 0, max: ONE }),
    fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((d) => HALF + d),
    fc.constantFrom(0, ONE, HALF, HALF + 1, HALF - 1, 1, ONE - 1),
  )
  const params = fc.record({
    alphaLow: fc.integer({ min: 0, max: 65535 }).map(u16ToProportion),
    alphaHigh: fc.integer({ min: 0, max: 65535 }).map(u16ToProportion),
    steepness: fc.oneof(fc.integer({ min: -32768, max: 32767 }), fc.constantFrom(1000, -1000, 100, 0, 600, 1200, 1600)).map((s) => s * ONE),
  })
  fc.assert(fc.property(params, fc.array(diff, { minLength: 1, maxLength: 300 }), (p, diffs) => {
    const got = liquidAlphaFromDiffs(Float64Array.from(diffs), p)
    const want = withReference(() => diffs.map((d) => liquidAlphaFromDiff(d, p)))
    assert.deepEqual(Array.from(got), want)
  }), { numRuns: 400 })
  // The default subnet parameters over a dense sweep of differences.
  const p = { alphaLow: u16ToProportion(45875), alphaHigh: u16ToProportion(58982), steepness: 1000 * ONE }
  const sweep = Float64Array.from({ length: 20000 }, (_, i) => Math.floor((i * ONE) / 19999))
  const got = liquidAlphaFromDiffs(sweep, p)
  const want = withReference(() => Array.from(sweep, (d) => liquidAlphaFromDiff(d, p)))
  assert.deepEqual(Array.from(got), want)
})

test('blocked weighted median (ascending rows, many columns) equals the reference quickselect', () => {
  // Scores from a small pool produce ties; zero stakes, missing entries and κ from 0 to 1 included.
  // With equal power-of-two stakes (normalisation leaves them unchanged) and κ = 1 − m·stake the
  // minority equals a cumulative stake exactly, the boundary between the quickselect's branches.
  const input = fc.record({
    rows: fc.integer({ min: 1, max: 24 }),
    columns: fc.integer({ min: 33, max: 120 }),
    seed: fc.integer(),
    pool: fc.boolean(),
    density: fc.double({ min: 0, max: 1, noNaN: true }),
    kappa: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(0, 32767, 65535)),
    equal: fc.option(fc.tuple(fc.constantFrom(1, 2, 4, 8, 16), fc.integer({ min: 0, max: 16 }))),
  })
  fc.assert(fc.property(input, ({ rows, columns, seed, pool, density, kappa, equal }) => {
    let s = seed >>> 0
    const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
    const values = [0, 1, HALF, ONE, 12345678]
    let stake = Array.from({ length: rows }, () => (rnd() < 0.2 ? 0 : Math.floor(rnd() * ONE)))
    let majority = u16ToProportion(kappa)
    if (equal !== null) {
      const [voters, m] = equal
      stake = new Array<number>(rows + voters).fill(0)
      for (let placed = 0; placed < voters;) {
        const i = Math.floor(rnd() * stake.length)
        if (stake[i] === 0) { stake[i] = ONE / voters; placed++ }
      }
      majority = ONE - Math.min(m, voters) * (ONE / voters)
    }
    const m: SparseMatrix = Array.from({ length: stake.length }, () => {
      const idx: number[] = []
      const val: number[] = []
      for (let j = 0; j < columns; j++) {
        if (rnd() >= density) continue
        idx.push(j)
        val.push(pool ? values[Math.floor(rnd() * values.length)] : Math.floor(rnd() * ONE))
      }
      return sparseRow(idx, val)
    })
    const fast = weightedMedianColSparse(stake, m, columns, majority)
    assert.deepEqual(fast, withReference(() => weightedMedianColSparse(stake, m, columns, majority)))
  }), { numRuns: 400 })
})
