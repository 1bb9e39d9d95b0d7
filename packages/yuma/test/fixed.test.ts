import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  EXP_ONE_RAW, ONE, checkedDivN, checkedMulN, expFixed, expSafe, fixed64To32N, mul, mulWideN, proportionOfAmount,
  proportionToU16, roundN, safeDiv, safeDiv64N, safeDivN, satAdd, satAddN, satDivN, satMulN, satSub, satSubN,
  toU16N, u16ToProportion,
} from '../src/index.ts'
import { I64_MAX, I64_MIN, divIntSum, floorDivInt, checkedMulOrZero } from '../src/fixed.ts'
import { expFast } from '../src/math.ts'

const ONE_N = 1n << 32n
const fx = (x: number): bigint => BigInt(Math.round(x * 2 ** 32))

describe('I32F32 reference arithmetic', () => {
  test('mul floors, also for negative products', () => {
    assert.equal(mulWideN(fx(-0.5), fx(0.5)), fx(-0.25))
    assert.equal(mulWideN(-1n, ONE_N / 2n), -1n) // −2^-33 floors to −2^-32, truncation would give 0
    assert.equal(mulWideN(1n, ONE_N / 2n), 0n)
    assert.equal(mulWideN(-3n, -3n), 0n) // 9·2^-64 floors to 0
    assert.equal(mulWideN(fx(-1.5), 3n), -5n) // −4.5 raw → −5
  })

  test('div truncates toward zero', () => {
    assert.equal(checkedDivN(-1n, 3n << 32n), 0n) // −1/3 raw → 0 (floor would be −1)
    assert.equal(checkedDivN(-(2n << 32n), 3n << 32n), -2863311530n) // trunc(−0.666…·2^32)
    assert.equal(checkedDivN(2n << 32n, 3n << 32n), 2863311530n)
    assert.equal(checkedDivN(ONE_N, ONE_N), ONE_N)
  })

  test('safe_div gives 0 on division by zero and on overflow', () => {
    assert.equal(safeDivN(ONE_N, 0n), 0n)
    assert.equal(safeDivN(I64_MAX, 1n), 0n) // I64_MAX / 2^-32 overflows
    assert.equal(safeDivN(ONE_N << 20n, 1n << 10n), 0n) // 2^20 / 2^-22 = 2^42 > I32F32::MAX
    assert.equal(checkedDivN(ONE_N, 0n), null)
    assert.equal(safeDiv(ONE, 0), 0)
    assert.equal(safeDiv(2 ** 50, 1), 0)
  })

  test('saturating add, sub, mul and div clamp to the i64 range', () => {
    assert.equal(satAddN(I64_MAX, 1n), I64_MAX)
    assert.equal(satSubN(I64_MIN, 1n), I64_MIN)
    assert.equal(satMulN(I64_MAX, 2n * ONE_N), I64_MAX)
    assert.equal(satMulN(I64_MAX, -2n * ONE_N), I64_MIN)
    assert.equal(checkedMulN(I64_MAX, 2n * ONE_N), null)
    assert.equal(satDivN(I64_MAX, 1n), I64_MAX)
    assert.throws(() => satDivN(ONE_N, 0n), RangeError)
    assert.equal(checkedMulOrZero(2 ** 62, 2 ** 62), 0) // vec_mul: overflow → 0, not saturation
  })

  test('round halves away from zero; to-u16 floors and saturates', () => {
    assert.equal(roundN(fx(2.5)), fx(3))
    assert.equal(roundN(fx(-2.5)), fx(-3))
    assert.equal(roundN(fx(2.4999)), fx(2))
    assert.equal(toU16N(fx(65535.99)), 65535)
    assert.equal(toU16N(fx(70000)), 65535)
    assert.equal(toU16N(fx(-0.5)), 0)
    assert.equal(toU16N(fx(1.999)), 1)
  })

  test('I64F64 normalisation truncates and drops to I32F32 by floor', () => {
    const third = safeDiv64N(1n << 64n, 3n << 64n)
    assert.equal(third, (1n << 64n) / 3n)
    assert.equal(fixed64To32N(third), 1431655765n)
    assert.equal(safeDiv64N(1n, 0n), 0n)
  })

  test('emission amounts are floor(x·E)', () => {
    assert.equal(proportionOfAmount(429496729, 1_000_000_000n), 99999999n) // 0.1 truncated
    assert.equal(proportionOfAmount(ONE, 1_000_000_000n), 1_000_000_000n)
    assert.equal(proportionOfAmount(-5, 1_000_000_000n), 0n)
  })
})

describe('fast number layer equals the BigInt reference', () => {
  const raw = fc.oneof(
    fc.integer({ min: -(2 ** 34), max: 2 ** 34 }),
    fc.integer({ min: 0, max: ONE }),
    fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
    fc.constantFrom(0, 1, -1, ONE, -ONE, ONE - 1, 2 ** 34 - 1, 2 ** 34, 2 ** 36 - 1, 2 ** 36),
  )

  test('mul', () => {
    fc.assert(fc.property(raw, raw, (a, b) => {
      const r = satMulN(BigInt(a), BigInt(b))
      if (r > BigInt(Number.MAX_SAFE_INTEGER) || r < -BigInt(Number.MAX_SAFE_INTEGER)) return // not representable
      assert.equal(BigInt(mul(a, b)), r)
    }), { numRuns: 5000 })
  })

  test('safe_div', () => {
    fc.assert(fc.property(raw, raw, (a, b) => {
      const r = safeDivN(BigInt(a), BigInt(b))
      if (r > BigInt(Number.MAX_SAFE_INTEGER) || r < -BigInt(Number.MAX_SAFE_INTEGER)) return // not representable
      assert.equal(BigInt(safeDiv(a, b)), r)
    }), { numRuns: 5000 })
  })

  test('saturating add and sub', () => {
    fc.assert(fc.property(raw, raw, (a, b) => {
      const lim = BigInt(Number.MAX_SAFE_INTEGER)
      const add = satAddN(BigInt(a), BigInt(b))
      const sub = satSubN(BigInt(a), BigInt(b))
      if (add <= lim && add >= -lim) assert.equal(BigInt(satAdd(a, b)), add)
      if (sub <= lim && sub >= -lim) assert.equal(BigInt(satSub(a, b)), sub)
    }), { numRuns: 3000 })
  })

  test('u16 conversions', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 1, max: 2 ** 30 }), (w, s) => {
      assert.equal(BigInt(u16ToProportion(w)), safeDivN(BigInt(w) << 32n, 65535n << 32n))
      assert.equal(BigInt(divIntSum(w, s)), safeDivN(BigInt(w) << 32n, BigInt(s) << 32n))
    }), { numRuns: 3000 })
    fc.assert(fc.property(raw, (x) => {
      assert.equal(proportionToU16(x), toU16N(satMulN(BigInt(x), 65535n << 32n)))
    }), { numRuns: 3000 })
  })

  test('exact floor division corrects double rounding', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 52 }), fc.integer({ min: 1, max: 2 ** 40 }), (a, b) => {
      assert.equal(BigInt(floorDivInt(a, b)), BigInt(a) / BigInt(b))
    }), { numRuns: 3000 })
  })
})

describe('exp (substrate-fixed Taylor series)', () => {
  test('exp(0) = 1 and exp(1) is the I9F23 constant', () => {
    assert.equal(expFixed(0n), ONE_N)
    assert.equal(EXP_ONE_RAW, 22802600n << 9n) // floor(e·2^23) widened
    assert.equal(expFixed(ONE_N), EXP_ONE_RAW)
  })

  test('equals the 32-term Taylor polynomial over [-20, 20] (and so Math.exp for small |x|)', () => {
    // The chain stops at x^31/31!, so large arguments fall short of e^x (about 1% at 20).
    const taylor = (x: number): number => {
      let term = 1
      let s = 1
      for (let i = 1; i < 32; i++) { term *= Math.abs(x) / i; s += term }
      return x < 0 ? 1 / s : s
    }
    for (let x = -20; x <= 20; x += 0.37) {
      const r = Number(expFixed(fx(x))) / 2 ** 32
      const want = taylor(fx(x) === 0n ? 0 : Number(fx(x)) / 2 ** 32)
      assert.ok(Math.abs(r - want) <= Math.max(want * 1e-7, 3e-9), `exp(${x}) = ${r}, want ${want}`)
      if (Math.abs(x) < 5) assert.ok(Math.abs(r - Math.exp(x)) <= Math.max(Math.exp(x) * 1e-7, 3e-9))
    }
    assert.ok(Number(expFixed(fx(20))) / 2 ** 32 < Math.exp(20) * 0.995)
  })

  test('negative arguments use the truncated reciprocal', () => {
    for (const x of [0.25, 0.5, 2, 7.5, 19.9]) {
      assert.equal(expFixed(fx(-x)), checkedDivN(ONE_N, expFixed(fx(x)) as bigint))
    }
  })

  test('the number fast path equals the BigInt series on |x| ≤ 8 and declines outside', () => {
    fc.assert(fc.property(fc.integer({ min: -8 * ONE, max: 8 * ONE }), (x) => {
      assert.equal(BigInt(expFast(x) as number), expFixed(BigInt(x)))
    }), { numRuns: 3000 })
    assert.equal(expFast(8 * ONE + 1), null)
    assert.equal(BigInt(expFast(ONE) as number), EXP_ONE_RAW)
  })

  test('exp_safe clamps to [-20, 20]', () => {
    assert.equal(expSafe(fx(100)), expFixed(fx(20)))
    assert.equal(expSafe(fx(-100)), expFixed(fx(-20)))
    assert.equal(expSafe(fx(3)), expFixed(fx(3)))
  })
})
