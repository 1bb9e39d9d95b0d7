// Weights in and out: the Bittensor SDK's float → u16 conversion (`weight_utils.py`), its
// `normalize_max_weight`, and the chain's u16 max-upscale (`vec_u16_max_upscale_to_u16`).
import { YumaError } from './errors.ts'
import { ONE_N, roundN, safeDivN, satMulN, toU16N } from './fixed.ts'

const U16_MAX = 65535

/** Python's `round()` on a float: to nearest, ties to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x)
  const d = x - f
  if (d > 0.5) return f + 1
  if (d < 0.5) return f
  return f % 2 === 0 ? f : f + 1
}

/**
 * The SDK's `convert_and_normalize_weights_and_uids`: weights cast to np.float32, then
 * `convert_weights_and_uids_for_emit` — reject negatives and length mismatch, empty result if the
 * sum is 0, divide by the max in float64, `round(w·65535)` half-to-even, drop zeros.
 */
export function convertWeightsAndUidsForEmit(
  uids: readonly number[],
  weights: readonly number[] | Float32Array,
): { uids: number[]; values: number[] } {
  const w = Array.from(weights, (x) => Math.fround(x))
  if (w.length === 0 || uids.length === 0) {
    throw new YumaError('INVALID_WEIGHTS', 'empty weights or uids (the SDK raises on min() of an empty list)')
  }
  w.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new YumaError('INVALID_WEIGHTS', 'weight is not finite', { field: 'weights', index: i, value: x })
  })
  if (Math.min(...w) < 0) throw new YumaError('INVALID_WEIGHTS', 'Passed weight is negative cannot exist on chain', { field: 'weights' })
  uids.forEach((u, i) => {
    if (!Number.isInteger(u)) throw new YumaError('INVALID_WEIGHTS', 'uid is not an integer', { field: 'uids', index: i, value: u })
  })
  if (Math.min(...uids) < 0) throw new YumaError('INVALID_WEIGHTS', 'Passed uid is negative cannot exist on chain', { field: 'uids' })
  if (uids.length !== w.length) {
    throw new YumaError('INVALID_WEIGHTS', `Passed weights and uids must have the same length, got ${uids.length} and ${w.length}`, { field: 'uids' })
  }
  let total = 0
  for (const x of w) total += x
  if (total === 0) return { uids: [], values: [] }
  const max = Math.max(...w)
  const outUids: number[] = []
  const values: number[] = []
  for (let i = 0; i < w.length; i++) {
    const v = roundHalfEven((w[i] / max) * U16_MAX)
    if (v !== 0) {
      values.push(v)
      outUids.push(uids[i])
    }
  }
  return { uids: outUids, values }
}

/**
 * `vec_max_upscale_to_u16` (chain) over I32F32 raw values (BigInt or integer numbers): scale so the
 * max becomes 65535 — `round(e·(65535/max))` if max > 32768, else `round(e·65535/max)` — rounding
 * halves away from zero, then saturate to u16.
 */
export function vecMaxUpscaleToU16(raw: ReadonlyArray<bigint | number>): number[] {
  const vec = raw.map((x) => BigInt(x))
  if (vec.length === 0) return []
  const u16Max = BigInt(U16_MAX) << 32n
  const threshold = 32768n << 32n
  const max = vec.reduce((a, b) => (b > a ? b : a))
  if (max === 0n) return vec.map((e) => toU16N(satMulN(e, u16Max)))
  if (max > threshold) {
    const q = safeDivN(u16Max, max)
    return vec.map((e) => toU16N(roundN(satMulN(e, q))))
  }
  return vec.map((e) => toU16N(roundN(safeDivN(satMulN(e, u16Max), max))))
}

/** `vec_u16_max_upscale_to_u16`: what the chain stores for a set_weights call's values. */
export function vecU16MaxUpscaleToU16(values: readonly number[]): number[] {
  return vecMaxUpscaleToU16(values.map((v) => BigInt(v) * ONE_N))
}

// numpy's float32 `add.reduce` on a contiguous array: pairwise summation (8 accumulators per
// block of at most 128 elements, halves above that), every addition rounded to float32.
function pairwiseF32(a: Float32Array, start: number, n: number): number {
  const f = Math.fround
  if (n < 8) {
    let res = 0
    for (let i = 0; i < n; i++) res = f(res + a[start + i])
    return res
  }
  if (n <= 128) {
    const r = new Array<number>(8)
    for (let j = 0; j < 8; j++) r[j] = a[start + j]
    let i = 8
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f(r[j] + a[start + i + j])
    let res = f(f(f(r[0] + r[1]) + f(r[2] + r[3])) + f(f(r[4] + r[5]) + f(r[6] + r[7])))
    for (; i < n; i++) res = f(res + a[start + i])
    return res
  }
  let n2 = Math.floor(n / 2)
  n2 -= n2 % 8
  return f(pairwiseF32(a, start, n2) + pairwiseF32(a, start + n2, n - n2))
}

/** `np.sum` of a float32 vector as numpy computes it. */
export function numpySumF32(a: Float32Array): number {
  return pairwiseF32(a, 0, a.length)
}

/**
 * The SDK's `normalize_max_weight(x, limit)` in float32 with numpy 2 promotion rules: uniform if the
 * sum is 0 or n·limit ≤ 1; plain normalisation if no estimate exceeds the limit; otherwise find the
 * cutoff from the sorted cumulative sum, clip at it and renormalise. The cutoff is a float64 (numpy
 * promotes it through the np.int64 count), every other step is float32.
 */
export function normalizeMaxWeight(x: readonly number[] | Float32Array, limit = 0.1): Float32Array {
  const f = Math.fround
  const eps = f(1e-7)
  const lim = f(limit)
  const weights = Float32Array.from(x)
  const n = weights.length
  const values = Float32Array.from(weights).sort()
  if (numpySumF32(weights) === 0 || n * limit <= 1) return new Float32Array(n).fill(f(1 / n))
  const vsum = numpySumF32(values)
  const estimation = values.map((v) => f(v / vsum))
  let emax = -Infinity
  for (const e of estimation) emax = Math.max(emax, e)
  if (emax <= lim) {
    const s = numpySumF32(weights)
    return weights.map((v) => f(v / s))
  }
  const cumsum = new Float32Array(n)
  let acc = 0
  for (let i = 0; i < n; i++) { acc = f(acc + estimation[i]); cumsum[i] = acc }
  let nValues = 0
  for (let i = 0; i < n; i++) {
    const est = f(f(n - i - 1) * estimation[i])
    const denom = f(f(est + cumsum[i]) + eps)
    if (f(estimation[i] / denom) < lim) nValues++
  }
  const last = cumsum[(nValues - 1 + n) % n] // Python's cumsum[-1] when nValues is 0
  const num = f(f(lim * last) - eps)
  // n_values is an np.int64, so the denominator is a float64 scalar and promotes the cutoff.
  const cutoffScale = num / (1 - limit * (n - nValues))
  const cutoff = cutoffScale * vsum
  for (let i = 0; i < n; i++) if (weights[i] > cutoff) weights[i] = f(cutoff)
  const s = numpySumF32(weights)
  return weights.map((v) => f(v / s))
}

// SCALE compact encoding of a length (modes 0–2; lengths ≥ 2^30 cannot occur for u16 vectors).
function compactLength(len: number): number[] {
  if (len < 64) return [len << 2]
  if (len < 1 << 14) return [((len << 2) | 1) & 0xff, len >> 6]
  if (len < 1 << 30) {
    const v = ((len << 2) | 2) >>> 0
    return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
  }
  throw new YumaError('INVALID_CALL', 'vector too long for a commit preimage', { value: len })
}

function u16Vec(xs: readonly number[], field: string): number[] {
  const out = compactLength(xs.length)
  xs.forEach((x, i) => {
    if (!Number.isInteger(x) || x < 0 || x > 65535) throw new YumaError('INVALID_CALL', `${field} must be u16 integers`, { field, index: i, value: x })
    out.push(x & 0xff, x >> 8)
  })
  return out
}

/**
 * The bytes the chain hashes (BlakeTwo256) for a commit-reveal v2 commit: SCALE of
 * `(hotkey: AccountId32, idx: u16, uids: Vec<u16>, values: Vec<u16>, salt: Vec<u16>, version_key: u64)`
 * (`weights.rs::get_commit_hash`; the SDK's `generate_weight_hash`). `idx` = mecid·4096 + netuid.
 */
export function commitHashPreimage(
  hotkey: Uint8Array,
  idx: number,
  uids: readonly number[],
  values: readonly number[],
  salt: readonly number[],
  versionKey: bigint | number,
): Uint8Array {
  if (hotkey.length !== 32) throw new YumaError('INVALID_CALL', 'hotkey must be a 32-byte public key', { field: 'hotkey' })
  if (!Number.isInteger(idx) || idx < 0 || idx > 65535) throw new YumaError('INVALID_CALL', 'idx must be a u16', { field: 'idx', value: idx })
  const key = BigInt(versionKey)
  if (key < 0n || key >= 1n << 64n) throw new YumaError('INVALID_CALL', 'versionKey must be a u64', { field: 'versionKey' })
  const bytes = [...hotkey, idx & 0xff, idx >> 8, ...u16Vec(uids, 'uids'), ...u16Vec(values, 'values'), ...u16Vec(salt, 'salt')]
  for (let i = 0n; i < 8n; i++) bytes.push(Number((key >> (8n * i)) & 0xffn))
  return Uint8Array.from(bytes)
}
