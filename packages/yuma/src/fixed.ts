// Fixed-point arithmetic exactly as subtensor does it with `substrate-fixed` (encointer v0.6.0).
//
// Two layers:
// - A BigInt reference over raw integers (`I32F32` = i64 raw / 2^32, `I64F64` = i128 raw / 2^64):
//   multiplication floors (widening product, arithmetic shift), division truncates toward zero,
//   `safe_div` gives 0 on division by zero *or* overflow, saturating ops clamp to the raw range.
// - A fast layer on JS numbers holding the same raw integers (exact while |raw| < 2^53). Every fast
//   function checks its operand ranges and falls back to the BigInt reference outside them, so it
//   returns the identical raw value; the randomised tests in test/fixed.test.ts compare the two.

/** Raw value of 1.0 in I32F32. */
export const ONE = 4294967296
/** Raw value of 1.0 in I32F32, as a BigInt. */
export const ONE_N = 1n << 32n
/** Raw value of 0.5 in I32F32. */
export const HALF = 2147483648
export const I64_MAX = (1n << 63n) - 1n
export const I64_MIN = -(1n << 63n)
export const I128_MAX = (1n << 127n) - 1n
export const I128_MIN = -(1n << 127n)
export const U64_MAX = (1n << 64n) - 1n

const TWO16 = 65536
const TWO32 = 4294967296
const SAFE = 2 ** 53
const FAST_MUL = 2 ** 34
const TWO24 = 2 ** 24
const TWO48 = 2 ** 48
const TWO84 = 2 ** 84
const TWO31 = 2 ** 31
const TWO50 = 2 ** 50
const TWO80 = 2 ** 80
// 2^-32: scaling by it is exact, and a multiplication is much cheaper than the division.
const INV_TWO32 = 2 ** -32

// ---------------------------------------------------------------- BigInt reference (I32F32)

/** Clamp a BigInt raw value into the i64 range (saturation). */
export function sat64(x: bigint): bigint {
  return x > I64_MAX ? I64_MAX : x < I64_MIN ? I64_MIN : x
}

/** Floor division of BigInts (BigInt `/` truncates). */
export function floorDivN(a: bigint, b: bigint): bigint {
  const q = a / b
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q
}

/** I32F32 product before the range check: floor(a·b / 2^32). */
export function mulWideN(a: bigint, b: bigint): bigint {
  return (a * b) >> 32n // BigInt >> is an arithmetic shift: floor for negatives
}

/** `checked_mul`: null when the result leaves the i64 range. */
export function checkedMulN(a: bigint, b: bigint): bigint | null {
  const r = mulWideN(a, b)
  return r > I64_MAX || r < I64_MIN ? null : r
}

/** `saturating_mul`. */
export function satMulN(a: bigint, b: bigint): bigint {
  return sat64(mulWideN(a, b))
}

/** `checked_div`: trunc(a·2^32 / b); null on b = 0 or overflow. */
export function checkedDivN(a: bigint, b: bigint): bigint | null {
  if (b === 0n) return null
  const r = (a << 32n) / b // BigInt division truncates toward zero, like i128 division
  return r > I64_MAX || r < I64_MIN ? null : r
}

/** `safe_div` (subtensor `safe-math`): 0 on division by zero or overflow. */
export function safeDivN(a: bigint, b: bigint): bigint {
  return checkedDivN(a, b) ?? 0n
}

/** `saturating_div`: saturates on overflow; division by zero panics on chain, so it throws here. */
export function satDivN(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError('I32F32 saturating_div by zero')
  return sat64((a << 32n) / b)
}

export function satAddN(a: bigint, b: bigint): bigint {
  return sat64(a + b)
}

export function satSubN(a: bigint, b: bigint): bigint {
  return sat64(a - b)
}

export function checkedAddN(a: bigint, b: bigint): bigint | null {
  const r = a + b
  return r > I64_MAX || r < I64_MIN ? null : r
}

/** `round()`: to the nearest integer, halves away from zero (fixed crate semantics). */
export function roundN(a: bigint): bigint {
  if (a >= 0n) return ((a + (1n << 31n)) >> 32n) << 32n
  return -(((-a + (1n << 31n)) >> 32n) << 32n)
}

/** `saturating_to_num::<u16>()`: drop fractional bits (floor), clamp to [0, 65535]. */
export function toU16N(a: bigint): number {
  const i = a >> 32n
  return i < 0n ? 0 : i > 65535n ? 65535 : Number(i)
}

/** I32F32 from an integer (`saturating_from_num`). */
export function fromIntN(x: bigint | number): bigint {
  return sat64(BigInt(x) << 32n)
}

// ---------------------------------------------------------------- I64F64 (stake normalisation)

export function sat128(x: bigint): bigint {
  return x > I128_MAX ? I128_MAX : x < I128_MIN ? I128_MIN : x
}

/** I64F64 `safe_div`: trunc(a·2^64 / b), 0 on division by zero or overflow of i128. */
export function safeDiv64N(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n
  const r = (a << 64n) / b
  return r > I128_MAX || r < I128_MIN ? 0n : r
}

/** I64F64 → I32F32 (`saturating_from_num`): drop 32 fractional bits (floor), saturate to i64. */
export function fixed64To32N(x: bigint): bigint {
  return sat64(x >> 32n)
}

/** I64F64 → u64 (`saturating_to_num::<u64>()`): floor, clamp to [0, u64::MAX]. */
export function fixed64ToU64N(x: bigint): bigint {
  const i = x >> 64n
  return i < 0n ? 0n : i > U64_MAX ? U64_MAX : i
}

/**
 * An exact I64F64 raw value from a non-negative stake given as an integer (BigInt or safe integer
 * number) or a finite non-integer number (its binary value, floored at 2^-64).
 */
export function toI64F64(x: bigint | number): bigint {
  if (typeof x === 'bigint') return x << 64n
  if (Number.isInteger(x)) return BigInt(x) << 64n
  // A finite double times 2^64 is exact (a power-of-two scale); floor it.
  return BigInt(Math.floor(x * 2 ** 64))
}

// ---------------------------------------------------------------- I96F32 (emission amounts)

/**
 * `I96F32::saturating_from_num(x).saturating_mul(I96F32::from(E)).saturating_to_num::<u64>()`:
 * floor(x·E) for an I32F32 proportion x and an amount E, clamped to [0, u64::MAX].
 */
export function proportionOfAmount(xRaw: number, amount: bigint): bigint {
  if (xRaw <= 0) return 0n
  const r = (BigInt(xRaw) * amount) >> 32n
  return r > U64_MAX ? U64_MAX : r
}

// ---------------------------------------------------------------- fast layer on numbers

// Reference mode routes every fast function below through the BigInt reference. Tests run whole
// epochs in both modes and require identical results (test/fast-path.test.ts).
let reference = false

/** Switch the number layer to its BigInt reference (for equivalence tests; slow). */
export function setReferenceArithmetic(on: boolean): void {
  reference = on
}

/** Exact floor(a / b) for non-negative safe integers a, b > 0 (corrects double rounding). */
export function floorDivInt(a: number, b: number): number {
  let q = Math.floor(a / b)
  let r = a - q * b
  if (r < 0) { q -= 1; r += b }
  else if (r >= b) { q += 1 }
  return q
}

/**
 * I32F32 `saturating_mul` on raw numbers. Fast path for |a·b| < 2^80 (see `mulExact`); otherwise
 * the BigInt-free limb path or the BigInt reference. Small enough for V8 to inline into hot loops.
 */
export function mul(a: number, b: number): number {
  const p = a * b
  if (p < TWO80 && p > -TWO80 && !reference) return mulExact(a, b)
  return mulGeneral(a, b)
}

/**
 * floor(a·b / 2^32) for integers a, b with |a·b| < 2^80, without BigInt and without the reference
 * switch (callers check both). The low 32 bits of the exact product come from `Math.imul`
 * (ToInt32 is modular, so they are right for any safe integers and either sign); the rounded
 * double product is within 2^26 of the exact one, so (fl(a·b) − low) / 2^32 lies within 2^-5 of
 * the exact integer floor(a·b / 2^32) (|result| < 2^48) and rounding it to nearest recovers it.
 */
export function mulExact(a: number, b: number): number {
  return Math.floor((a * b - (Math.imul(a, b) >>> 0)) * INV_TWO32 + 0.5)
}

function mulGeneral(a: number, b: number): number {
  if (reference) return Number(satMulN(BigInt(a), BigInt(b)))
  if (a === 0 || b === 0) return 0
  const neg = (a < 0) !== (b < 0)
  const x = a < 0 ? -a : a
  const y = b < 0 ? -b : b
  if (x >= TWO48 || y >= TWO48 || x * y >= TWO84) return Number(satMulN(BigInt(a), BigInt(b)))
  const xh = Math.floor(x / TWO24)
  const xl = x - xh * TWO24
  const yh = Math.floor(y / TWO24)
  const yl = y - yh * TWO24
  const p2 = xh * yh
  const p1 = xh * yl + xl * yh
  const p0 = xl * yl
  const p1h = Math.floor(p1 / 256)
  const low = (p1 - p1h * 256) * TWO24 + p0 // < 2^49, exact
  const lowQ = Math.floor(low / TWO32)
  const q = p2 * TWO16 + p1h + lowQ
  if (!neg) return q
  return low - lowQ * TWO32 === 0 ? -q : -(q + 1) // floor of a negative product
}

/**
 * I32F32 `safe_div` on raw numbers: trunc(a·2^32 / b), 0 on division by zero or overflow. Fast
 * path for 0 ≤ a ≤ b < 2^50, b > 0 (every normalisation: a quotient of at most 1; see
 * `divExact`), small enough for V8 to inline; `safeDivGeneral` covers the rest.
 */
export function safeDiv(a: number, b: number): number {
  if (a >= 0 && a <= b && b > 0 && b < TWO50 && !reference) return divExact(a, b)
  return safeDivGeneral(a, b)
}

/**
 * trunc(a·2^32 / b) for integers 0 ≤ a ≤ b < 2^50, b > 0, without BigInt and without the reference
 * switch (callers check both). a·2^32 is exact and the quotient t ≤ 2^32 is correctly rounded, so
 * q = floor(fl(t)) is floor(t) or floor(t) + 1 (rounding is monotone and never crosses below an
 * integer). The remainder r = a·2^32 − q·b decides: its low 32 bits are exact from `Math.imul`, and
 * a·2^32 − fl(q·b) is within 2^29 of r (|q·b| < 2^83), so r < 0 exactly when that difference minus
 * the low bits is below −2^31 (r = R·2^32 + low with low in [0, 2^32), R < 0 ⇔ r < 0).
 */
export function divExact(a: number, b: number): number {
  const q = Math.floor((a * TWO32) / b)
  return a * TWO32 - q * b - ((-Math.imul(q, b)) >>> 0) < -TWO31 ? q - 1 : q
}

/** Whether the BigInt reference is switched on (fast loops then take their reference form). */
export function isReferenceArithmetic(): boolean {
  return reference
}

function safeDivGeneral(a: number, b: number): number {
  if (reference) return Number(safeDivN(BigInt(a), BigInt(b)))
  if (b === 0 || a === 0) return 0
  if (a > 0 && b > 0 && a < 2 ** 44 && b < 2 ** 44) {
    let q = floorDivInt(a, b)
    if (q < 2 ** 20) {
      let r = a - q * b
      const st = b < 2 ** 36 ? 16 : 8
      const m = 2 ** st
      for (let shift = 32; shift > 0; shift -= st) {
        r *= m
        const d = floorDivInt(r, b)
        r -= d * b
        q = q * m + d
      }
      return q
    }
  }
  return Number(safeDivN(BigInt(a), BigInt(b)))
}

/** I32F32 `saturating_add` on raw numbers. */
export function satAdd(a: number, b: number): number {
  if (reference) return Number(satAddN(BigInt(a), BigInt(b)))
  const r = a + b
  if (r < SAFE && r > -SAFE) return r
  return Number(satAddN(BigInt(a), BigInt(b)))
}

/** I32F32 `saturating_sub` on raw numbers. */
export function satSub(a: number, b: number): number {
  if (reference) return Number(satSubN(BigInt(a), BigInt(b)))
  const r = a - b
  if (r < SAFE && r > -SAFE) return r
  return Number(satSubN(BigInt(a), BigInt(b)))
}

/** `checked_mul(..).unwrap_or_default()` (subtensor `vec_mul`): 0 when the product overflows i64. */
export function checkedMulOrZero(a: number, b: number): number {
  if (reference) return Number(checkedMulN(BigInt(a), BigInt(b)) ?? 0n)
  const x = Math.abs(a)
  const y = Math.abs(b)
  if (x < FAST_MUL && y < FAST_MUL) return mul(a, b)
  return Number(checkedMulN(BigInt(a), BigInt(b)) ?? 0n)
}

/** Sum as `iter().sum()` does (no saturation needed at epoch magnitudes; exact for |sum| < 2^53). */
export function sum(xs: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]
  if (s < SAFE && s > -SAFE) return s
  let t = 0n
  for (let i = 0; i < xs.length; i++) t += BigInt(xs[i])
  return Number(sat64(t))
}

/** `fixed_proportion_to_u16`: floor(x·65535) clamped to [0, 65535], x an I32F32 raw number. */
export function proportionToU16(x: number): number {
  if (reference) return toU16N(satMulN(BigInt(x), 65535n << 32n))
  if (x <= 0) return 0
  // mul(x, 65535·2^32) = x·65535 exactly (raw), then drop the fractional bits.
  if (x < 2 ** 36) return Math.min(65535, Math.floor(x * 65535 * INV_TWO32))
  return toU16N(satMulN(BigInt(x), 65535n << 32n))
}

/** trunc(w·2^32 / 65535): a stored u16 read as a proportion (`u16_proportion_to_fixed`). */
export function u16ToProportion(w: number): number {
  if (reference) return Number(safeDivN(BigInt(w) << 32n, 65535n << 32n))
  return floorDivInt(w * TWO32, 65535)
}

/**
 * `safe_div(w·2^32, S·2^32)` where w and S are integers (a u16 entry and the integer sum of its
 * row/column): trunc(w·2^32 / S) when S·2^32 fits in i64, else the BigInt reference with the sum
 * saturated as the chain's `saturating_add` would.
 */
export function divIntSum(w: number, s: number): number {
  if (reference) return Number(safeDivN(BigInt(w) << 32n, sat64(BigInt(s) << 32n)))
  if (s === 0) return 0
  if (w * TWO32 < SAFE && s < 2 ** 31) return floorDivInt(w * TWO32, s)
  return Number(safeDivN(BigInt(w) << 32n, sat64(BigInt(s) << 32n)))
}

/** Raw I32F32 number → float proportion. */
export function toFloat(raw: number): number {
  return raw / TWO32
}

/** I32F32 proportion `x/65535` of a u16 hyperparameter (`safe_div` of two I32F32 integers). */
export function u16Param(x: number): number {
  return u16ToProportion(x)
}
