// Vector and sparse-matrix helpers of subtensor's epoch (`pallets/subtensor/src/epoch/math*`), the
// deterministic weighted median and the Taylor `exp` of substrate-fixed. All values are I32F32 raw
// integers held in JS numbers (see fixed.ts); each function mirrors the chain function named in its
// comment, including entry order, which the sparse bond rules depend on.
import {
  HALF, ONE, ONE_N, I64_MAX, checkedAddN, checkedDivN, checkedMulN, satAdd, satAddN, satDivN, satMulN,
  satSub, mul, mulExact, divExact, safeDiv, checkedMulOrZero, sum, isReferenceArithmetic,
} from './fixed.ts'

/** A sparse row: parallel arrays of column indices and I32F32 raw values, in chain order. */
export interface SparseRow {
  idx: Int32Array
  val: Float64Array
}
export type SparseMatrix = SparseRow[]

const NO_IDX = new Int32Array(0)
const NO_VAL = new Float64Array(0)

/** An empty row (shared storage: empty rows are never written). */
export function emptyRow(): SparseRow {
  return { idx: NO_IDX, val: NO_VAL }
}

/** A row from plain arrays. */
export function sparseRow(idx: ArrayLike<number>, val: ArrayLike<number>): SparseRow {
  return { idx: Int32Array.from(idx), val: Float64Array.from(val) }
}

export function cloneMatrix(m: SparseMatrix): SparseMatrix {
  return m.map((r) => ({ idx: r.idx.slice(), val: r.val.slice() }))
}

/** Builds rows of at most `capacity` entries in reusable scratch buffers (fewer allocations). */
export class RowBuilder {
  private readonly idx: Int32Array
  private readonly val: Float64Array
  private count = 0

  constructor(capacity: number) {
    this.idx = new Int32Array(Math.max(1, capacity))
    this.val = new Float64Array(Math.max(1, capacity))
  }

  push(j: number, v: number): void {
    this.idx[this.count] = j
    this.val[this.count++] = v
  }

  finish(): SparseRow {
    const c = this.count
    this.count = 0
    if (c === 0) return emptyRow()
    return { idx: this.idx.slice(0, c), val: this.val.slice(0, c) }
  }
}

function maxRowLength(m: SparseMatrix): number {
  let c = 0
  for (const r of m) if (r.idx.length > c) c = r.idx.length
  return c
}

// ---------------------------------------------------------------- exp (substrate-fixed)

// e as substrate-fixed's I9F23 constant: consts::E (126 fractional bits) >> 103 = floor(e·2^23).
const E_DIGITS = 2718281828459045235360287471352662497757n // e · 10^39
const E_I9F23 = (E_DIGITS << 23n) / 10n ** 39n
/** exp(1) as `transcendental::exp` returns it: the I9F23 constant widened to I32F32. */
export const EXP_ONE_RAW = E_I9F23 << 9n

/**
 * `substrate_fixed::transcendental::exp` for I32F32 (raw BigInt in, raw BigInt out, null = Err):
 * Taylor terms i = 2..31 on |x| with checked (floor) multiply and (truncating) divide, then the
 * reciprocal for x < 0.
 */
export function expFixed(x: bigint): bigint | null {
  if (x === 0n) return ONE_N
  if (x === ONE_N) return EXP_ONE_RAW
  const neg = x < 0n
  const op = neg ? -x : x
  let result: bigint | null = op + ONE_N
  let term: bigint | null = op
  for (let i = 2n; i < 32n; i++) {
    term = checkedMulN(term, op)
    if (term === null) return null
    term = checkedDivN(term, i << 32n)
    if (term === null) return null
    result = checkedAddN(result, term)
    if (result === null) return null
  }
  if (neg) return checkedDivN(ONE_N, result)
  return result
}

/**
 * `expFixed` on a raw number for |x| ≤ 8 (every term, the sum and the reciprocal stay inside the
 * exact fast paths of fixed.ts: divisions by i·2^32 reduce to integer floors); null outside, where
 * the BigInt version must be used. Equal to `expFixed` (test/fixed.test.ts).
 */
export function expFast(x: number): number | null {
  if (x === 0) return ONE
  if (x === ONE) return Number(EXP_ONE_RAW)
  const op = x < 0 ? -x : x
  if (op > 8 * ONE) return null
  // term·op is floor-multiplied from 24-bit limbs (as fixed.ts `mul`, inlined for both operands
  // non-negative and below 2^41); a zero term stays zero, so the loop may stop there.
  const oh = Math.floor(op / 16777216)
  const ol = op - oh * 16777216
  let result = op + ONE
  let term = op
  for (let i = 2; i < 32; i++) {
    const th = Math.floor(term / 16777216)
    const tl = term - th * 16777216
    const p1 = th * ol + tl * oh
    const p1h = Math.floor(p1 / 256)
    const low = (p1 - p1h * 256) * 16777216 + tl * ol
    const prod = th * oh * 65536 + p1h + Math.floor(low / 4294967296)
    term = Math.floor(prod / i) // checked_div(term, i·2^32) = floor(term / i) for term ≥ 0
    if (term === 0) break
    result += term
  }
  return x < 0 ? safeDiv(ONE, result) : result
}

/** Scratch arrays of `liquidAlphaBatch` (one chunk of series). */
interface ExpScratch {
  x: Float64Array
  op: Float64Array
  term: Float64Array
  acc: Float64Array
}

const EXP_CHUNK = 256

function expScratch(): ExpScratch {
  return {
    x: new Float64Array(EXP_CHUNK),
    op: new Float64Array(EXP_CHUNK),
    term: new Float64Array(EXP_CHUNK),
    acc: new Float64Array(EXP_CHUNK),
  }
}

/**
 * `expFast` of every x in xs[0..count) into out, for 0 < |x| ≤ 8 other than 1 (the caller routes
 * 0, 1 and larger |x| elsewhere). The Taylor series of all values advance in lockstep, one term
 * index at a time over the chunk, so the CPU overlaps the independent series instead of waiting on
 * one dependency chain. Each term is floor(floor(term·|x| / 2^32) / i) as in `expFast`: the product
 * (< 2^79: terms stay below 2^44, |x| ≤ 2^35) is floored by `mulExact`, the quotient of an integer
 * below 2^53 by i by Math.floor. A zero term stays zero, so running every series to the longest
 * one's end changes nothing. Equal to `expFast` and `expFixed` (test/fast-ops.test.ts).
 */
export function expBatch(xs: Float64Array, count: number, out: Float64Array, s: ExpScratch = expScratch()): void {
  for (let base = 0; base < count; base += EXP_CHUNK) {
    const m = Math.min(EXP_CHUNK, count - base)
    const { op, term, acc } = s
    for (let q = 0; q < m; q++) {
      const x = xs[base + q]
      const o = x < 0 ? -x : x
      op[q] = o
      term[q] = o
      acc[q] = o + ONE
    }
    for (let i = 2; i < 32; i++) {
      let live = 0
      for (let q = 0; q < m; q++) {
        const t = term[q]
        if (t === 0) continue
        const next = Math.floor(mulExact(t, op[q]) / i)
        term[q] = next
        acc[q] += next
        live += next
      }
      if (live === 0) break
    }
    for (let q = 0; q < m; q++) out[base + q] = xs[base + q] < 0 ? divExact(ONE, acc[q]) : acc[q]
  }
}

/** `exp_safe` (math.rs): clamps x to [−20, 20]; on Err returns 0 (x ≤ 0) or I32F32::MAX. */
export function expSafe(x: bigint): bigint {
  const lo = -20n << 32n
  const hi = 20n << 32n
  const safe = x < lo ? lo : x > hi ? hi : x
  const r = expFixed(safe)
  if (r !== null) return r
  return safe <= 0n ? 0n : I64_MAX
}

/** `clamp_i32f32`: value.min(high).max(low). */
export function clamp(value: number, low: number, high: number): number {
  const v = value < high ? value : high
  return v > low ? v : low
}

/** Parameters of the liquid-alpha sigmoid, as I32F32 raw numbers. */
export interface LiquidAlphaParams {
  alphaLow: number
  alphaHigh: number
  /** `AlphaSigmoidSteepness` (i16) as I32F32 raw. */
  steepness: number
}

/**
 * `liquid_alpha_sigmoid`, given the combined difference (see `liquidAlphaDiff`):
 * α = clamp(lo + σ·(hi − lo), lo, hi), σ = 1 / (1 + exp_safe((steepness / −100)·(diff − ½))).
 */
export function liquidAlphaFromDiff(diff: number, p: LiquidAlphaParams): number {
  return liquidAlphaFromDiffWith(diff, p, sigmoidContext(p))
}

/** steepness / −100 (I32F32 `saturating_div`, truncating), computed once per epoch. */
function sigmoidContext(p: LiquidAlphaParams): { k: bigint; kn: number } {
  const k = satDivN(BigInt(p.steepness), -100n << 32n)
  return { k, kn: Number(k) }
}

function liquidAlphaFromDiffWith(diff: number, p: LiquidAlphaParams, ctx: { k: bigint; kn: number }): number {
  const { k, kn } = ctx
  let sigmoid: bigint | number
  // The reference mode takes the chain's BigInt formula throughout.
  const xf = Number.isSafeInteger(kn) && !isReferenceArithmetic() ? mul(kn, satSub(diff, HALF)) : null
  const ef = xf !== null && Number.isSafeInteger(xf) ? expFast(xf) : null
  if (ef !== null) {
    sigmoid = safeDiv(ONE, ONE + ef) // saturating_div cannot overflow here: the divisor is ≥ 1
  } else {
    const x = satMulN(k, BigInt(satSub(diff, HALF)))
    sigmoid = satDivN(ONE_N, satAddN(ONE_N, expSafe(x)))
  }
  const alpha = satAdd(p.alphaLow, mul(Number(sigmoid), satSub(p.alphaHigh, p.alphaLow)))
  return clamp(alpha, p.alphaLow, p.alphaHigh)
}

/**
 * α (liquidAlphaFromDiffWith) for every difference in diffs[0..count) into out. Differences whose
 * exponent x = k·(diff − ½) is 0, exactly 1 or beyond ±8 take the scalar path. For |x| ≤ 6 a
 * floating-point bracket usually settles α without the series (see `alphaBracket`); the rest go
 * through `expBatch`, then σ = 1/(1 + e) and α = clamp(lo + σ·(hi − lo)) with the same fast
 * operations as the scalar path (the exponent lies within ±2^72 and every quotient is a
 * proportion of at most 1).
 */
function liquidAlphaBatch(
  diffs: Float64Array, count: number, p: LiquidAlphaParams, ctx: { k: bigint; kn: number }, out: Float64Array,
  xs: Float64Array, slot: Int32Array, scratch: ExpScratch,
): void {
  const kn = ctx.kn
  if (!Number.isSafeInteger(kn) || isReferenceArithmetic()) {
    for (let q = 0; q < count; q++) out[q] = liquidAlphaFromDiffWith(diffs[q], p, ctx)
    return
  }
  const lo = p.alphaLow
  const hi = p.alphaHigh
  const span = satSub(hi, lo)
  let m = 0
  let tail = 0
  for (let q = 0; q < count; q++) {
    // |k| < 2^41 and |diff − ½| ≤ 2^31 for a difference in [0, 1]: mulExact's domain.
    const d = diffs[q]
    const x = d >= 0 && d <= ONE ? mulExact(kn, d - HALF) : mul(kn, satSub(d, HALF))
    if (x === 0 || x === ONE || x > EXP_FAST_MAX || x < -EXP_FAST_MAX) {
      out[q] = liquidAlphaFromDiffWith(diffs[q], p, ctx)
      continue
    }
    const o = x < 0 ? -x : x
    if (o <= BRACKET_MAX) {
      // The chain's series value R lies in [rLo, rHi] (alphaBracket); α is monotone in R, so it is
      // settled when both ends give the same α: e = R (x > 0) or trunc(1/R), then σ and α.
      const g = Math.floor(o * INV_TWO24)
      const r = (o - g * TWO24) * INV_TWO32
      const f = EXP_GRID[g] * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))))
      const rLo = Math.max(Math.ceil(f - EXP_SERIES_SLACK[g + 1]), ONE + o)
      const rHi = Math.floor(f + 1)
      const eLo = x < 0 ? divExact(ONE, rLo) : rLo
      const eHi = x < 0 ? divExact(ONE, rHi) : rHi
      const aLo = satAdd(lo, mul(divExact(ONE, ONE + eLo), span))
      const aHi = satAdd(lo, mul(divExact(ONE, ONE + eHi), span))
      if (aLo === aHi) {
        out[q] = clamp(aLo, lo, hi)
        continue
      }
    }
    // Short series (|x| < 1, most of the undecided cells: the bracket is widest near x = 0) fill
    // the front, long ones the back, so each lockstep batch stops at its own longest series.
    if (o < ONE) {
      xs[m] = x
      slot[m++] = q
    } else {
      xs[count - 1 - tail] = x
      slot[count - 1 - tail++] = q
    }
  }
  expBatch(xs, m, xs, scratch)
  if (tail > 0) {
    const back = xs.subarray(count - tail, count)
    expBatch(back, tail, back, scratch)
  }
  for (let r = 0; r < m; r++) out[slot[r]] = clamp(satAdd(lo, mul(safeDiv(ONE, ONE + xs[r]), span)), lo, hi)
  for (let r = count - tail; r < count; r++) out[slot[r]] = clamp(satAdd(lo, mul(safeDiv(ONE, ONE + xs[r]), span)), lo, hi)
}

/** α (`liquidAlphaFromDiff`) of many differences at once, through the batch path the epoch uses. */
export function liquidAlphaFromDiffs(diffs: Float64Array, p: LiquidAlphaParams): Float64Array {
  const out = new Float64Array(diffs.length)
  const xs = new Float64Array(diffs.length)
  const slot = new Int32Array(diffs.length)
  liquidAlphaBatch(diffs, diffs.length, p, sigmoidContext(p), out, xs, slot, expScratch())
  return out
}

const TWO24 = 2 ** 24
const TWO32 = 4294967296
const INV_TWO32 = 2 ** -32
const INV_TWO24 = 2 ** -24
const BRACKET_MAX = 6 * ONE

/**
 * 2^32·exp(g/256) for g = 0..1536 (Math.exp, within 1 ulp). alphaBracket's f = 2^32·exp(|x|) is
 * EXP_GRID[g]·p(r) with |x| = g/256 + r, 0 ≤ r < 2^-8 and p the degree-4 Taylor polynomial of
 * exp: p(r) falls short of exp(r) by less than r^5/100 < 10^-14 relative, and the rounding of the
 * few operations adds a few ulps, so f is within 2·10^-14·2^32·e^6 < 0.04 of 2^32·exp(|x|) —
 * inside the margins of the bracket (rHi = floor(f + 1); EXP_SERIES_SLACK holds + 4).
 */
const EXP_GRID = (() => {
  const table = new Float64Array(6 * 256 + 1)
  for (let g = 0; g < table.length; g++) table[g] = Math.exp(g / 256) * 2 ** 32
  return table
})()

/**
 * alphaBracket: bounds on how far the chain's truncated series R = 1 + Σ t_i (t_1 = |x|,
 * t_i = floor(t_{i−1}·|x| / i), raw I32F32 units) falls below 2^32·exp(|x|), for |x| up to g/256
 * at index g (0 ≤ g ≤ 1537; |x| ≤ 6 reads g = floor(256·|x|) + 1). With T_i the exact terms, the deficit D_i = T_i − t_i obeys
 * D_i ≤ 1 + D_{i−1}·x/i (one floor per term) and D_i ≤ T_i (t_i ≥ 0); both grow with x, so the
 * value at the cell's upper end bounds the cell. Add the terms past i = 31 that the chain never
 * adds (≤ 2·T_32 for x ≤ 6), the error of Math.exp (< 10^-3 here) and a margin. Then
 * R ∈ [ceil(f − slack), floor(f + 1)] with f ≈ 2^32·exp(|x|) (EXP_GRID); R ≥ 1 + |x| also holds. When
 * α is the same at both ends, monotonicity fixes it; otherwise the exact series runs
 * (test/fast-ops.test.ts checks α against the BigInt formula on and around these brackets).
 */
const EXP_SERIES_SLACK = (() => {
  const table = new Float64Array(6 * 256 + 2)
  for (let g = 0; g < table.length; g++) {
    const x = g / 256
    let term = x * TWO32
    let deficit = 0
    let total = 0
    for (let i = 2; i < 32; i++) {
      term = (term * x) / i
      deficit = Math.min(1 + (deficit * x) / i, term)
      total += deficit
    }
    table[g] = total * 1.001 + 2 * ((term * x) / 32) + 4
  }
  return table
})()

const EXP_FAST_MAX = 8 * ONE

/** The difference the sigmoid sees: clamp(w − c, 0, 1) if w ≥ b, else clamp(b − w, 0, 1). */
export function liquidAlphaDiff(consensus: number, weight: number, bond: number): number {
  return weight >= bond ? clamp(satSub(weight, consensus), 0, ONE) : clamp(satSub(bond, weight), 0, ONE)
}

/** `liquid_alpha_sigmoid(consensus, weight, bond, lo, hi, steepness)`. */
export function liquidAlphaSigmoid(consensus: number, weight: number, bond: number, p: LiquidAlphaParams): number {
  return liquidAlphaFromDiff(liquidAlphaDiff(consensus, weight, bond), p)
}

// ---------------------------------------------------------------- vectors

/** `inplace_normalize`: divide by the sum unless it is zero. */
export function inplaceNormalize(x: number[]): void {
  const s = sum(x)
  if (s === 0) return
  for (let i = 0; i < x.length; i++) x[i] = safeDiv(x[i], s)
}

/** `inplace_normalize_i32f32_with_sum`. */
export function inplaceNormalizeWithSum(x: number[], s: number): void {
  if (s === 0) return
  for (let i = 0; i < x.length; i++) x[i] = safeDiv(x[i], s)
}

/** `is_topk_nonzero_i32f32`: stable ascending sort, the lowest n−k lose; zero never wins. */
export function isTopkNonzero(vector: readonly number[], k: number): boolean[] {
  const n = vector.length
  const result = vector.map((v) => v !== 0)
  if (n < k) return result
  const idxs = Array.from({ length: n }, (_, i) => i)
  idxs.sort((a, b) => (vector[a] - vector[b]) || (a - b)) // ties keep uid order (stable sort)
  for (let t = 0; t < n - k; t++) result[idxs[t]] = false
  return result
}

/** `is_zero`: the vector sums to zero. */
export function isZero(x: readonly number[]): boolean {
  return sum(x) === 0
}

/** `vec_mul` (checked multiply, 0 on overflow), truncated to the shorter length. */
export function vecMul(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length)
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) out[i] = checkedMulOrZero(a[i], b[i])
  return out
}

// ---------------------------------------------------------------- weighted median

/**
 * `weighted_median`: deterministic quickselect over `score[off + idx]` weighted by `stake[idx]`.
 * Pivot = score at the middle of the current index list; split into lower (<) and upper (>)
 * ignoring equals; go lower if minority < lo + Σlower, else upper if hi − Σupper ≤ minority, else
 * return the pivot. A safety limit of `idx.length` iterations returns 0, as on chain.
 */
export function weightedMedian(
  stake: ArrayLike<number>,
  score: ArrayLike<number>,
  off: number,
  partitionIdx: readonly number[],
  minority: number,
  partitionLo: number,
  partitionHi: number,
  scratch?: [Int32Array, Int32Array, Int32Array],
): number {
  const k = partitionIdx.length
  // Scratch buffers: the current partition, and the lower/upper halves built from it.
  let [current, lower, upper] = scratch ?? [new Int32Array(k), new Int32Array(k), new Int32Array(k)]
  for (let t = 0; t < k; t++) current[t] = partitionIdx[t]
  let n = k
  let counter = 0
  let lo = partitionLo
  let hi = partitionHi
  for (;;) {
    if (n === 0) return 0
    if (n === 1) return score[off + current[0]]
    const pivot = score[off + current[n >> 1]]
    let loStake = 0
    let hiStake = 0
    let nl = 0
    let nu = 0
    for (let t = 0; t < n; t++) {
      const idx = current[t]
      const s = score[off + idx]
      if (s === pivot) continue
      if (s < pivot) {
        loStake = satAdd(loStake, stake[idx])
        lower[nl++] = idx
      } else {
        hiStake = satAdd(hiStake, stake[idx])
        upper[nu++] = idx
      }
    }
    if (minority < satAdd(lo, loStake) && nl > 0) {
      const tmp = current; current = lower; lower = tmp
      n = nl
      hi = satAdd(lo, loStake)
    } else if (satSub(hi, hiStake) <= minority && nu > 0) {
      const tmp = current; current = upper; upper = tmp
      n = nu
      lo = satSub(hi, hiStake)
    } else {
      return pivot
    }
    counter++
    if (counter > k) break
  }
  return 0
}

/**
 * `weighted_median_col_sparse`: per column, the stake-weighted median over rows with positive stake
 * (stake re-normalised over those rows), `minority = Σstake − majority`.
 */
export function weightedMedianColSparse(
  stake: readonly number[],
  score: SparseMatrix,
  columns: number,
  majority: number,
): number[] {
  const useStake: number[] = []
  for (const s of stake) if (s > 0) useStake.push(s)
  inplaceNormalize(useStake)
  const k = useStake.length
  const stakeSum = sum(useStake)
  const minority = satSub(stakeSum, majority)
  const rows = Math.min(stake.length, score.length)
  const median = new Array<number>(columns)
  const scratch: [Int32Array, Int32Array, Int32Array] = [new Int32Array(k), new Int32Array(k), new Int32Array(k)]
  if (!isReferenceArithmetic() && k > 0 && columns > MEDIAN_BLOCK && allAscending(score, rows)) {
    medianBlocked(stake, score, rows, columns, k, minority, stakeSum, Float64Array.from(useStake), scratch, median)
    return median
  }
  const idx = Array.from({ length: k }, (_, i) => i)
  // use_score: columns × k, column-major, prefilled with zeros.
  const useScore = new Float64Array(columns * k)
  let r = 0
  for (let i = 0; i < rows; i++) {
    if (stake[i] > 0) {
      const row = score[i]
      for (let t = 0; t < row.idx.length; t++) {
        const c = row.idx[t]
        if (c < columns) useScore[c * k + r] = row.val[t]
      }
      r++
    }
  }
  if (isReferenceArithmetic()) {
    for (let c = 0; c < columns; c++) {
      median[c] = weightedMedian(useStake, useScore, c * k, idx, minority, 0, stakeSum, scratch)
    }
    return median
  }
  const stakes = Float64Array.from(useStake)
  for (let c = 0; c < columns; c++) {
    median[c] = weightedMedianNormalized(stakes, useScore, c * k, k, minority, 0, stakeSum, scratch)
  }
  return median
}

const MEDIAN_BLOCK = 32

function allAscending(m: SparseMatrix, rows: number): boolean {
  for (let i = 0; i < rows; i++) if (!ascending(m[i].idx)) return false
  return true
}

/**
 * weightedMedianColSparse's use_score in blocks of MEDIAN_BLOCK columns (rows with ascending
 * columns: a cursor per row walks its entries block by block), so the column-major scratch stays
 * small and in cache instead of a columns × k matrix.
 */
function medianBlocked(
  stake: readonly number[], score: SparseMatrix, rows: number, columns: number, k: number, minority: number,
  stakeSum: number, stakes: Float64Array, scratch: [Int32Array, Int32Array, Int32Array], median: number[],
): void {
  const used: SparseRow[] = []
  for (let i = 0; i < rows; i++) if (stake[i] > 0) used.push(score[i])
  const cursor = new Int32Array(used.length)
  const block = new Float64Array(MEDIAN_BLOCK * k)
  const buckets: Buckets = { mass: new Float64Array(256), score: new Float64Array(k), stake: new Float64Array(k) }
  for (let c0 = 0; c0 < columns; c0 += MEDIAN_BLOCK) {
    const c1 = Math.min(columns, c0 + MEDIAN_BLOCK)
    block.fill(0)
    for (let r = 0; r < used.length; r++) {
      const { idx, val } = used[r]
      let t = cursor[r]
      while (t < idx.length && idx[t] < c1) {
        block[(idx[t] - c0) * k + r] = val[t]
        t++
      }
      cursor[r] = t
    }
    for (let c = c0; c < c1; c++) {
      median[c] = weightedMedianBuckets(stakes, block, (c - c0) * k, k, minority, buckets, scratch)
    }
  }
}

/** Scratch of weightedMedianBuckets: a 256-bucket stake histogram and one column's gathered bucket. */
interface Buckets {
  mass: Float64Array
  score: Float64Array
  stake: Float64Array
}

/**
 * The weighted median of one column, equal to the chain's quickselect. That quickselect returns
 * the smallest score v with Σ{stake : score ≤ v} > minority (the largest score if there is none,
 * 0 for no rows): each step keeps lo = Σ{stake : score below the partition} and hi = lo + the
 * partition's stake, goes lower exactly when minority < Σ{score < pivot}, upper exactly when
 * Σ{score ≤ pivot} ≤ minority, and returns the pivot otherwise — so the answer does not depend on
 * the pivots. Here one pass finds the score range, a second spreads the stake over 256 buckets by
 * a monotone map of the score, the first bucket whose cumulative stake exceeds the minority holds
 * the answer (every score in an earlier bucket is smaller, in a later one larger), and the
 * quickselect runs on that bucket alone with lo = the stake below it. Cumulative stakes are exact
 * (normalised stakes: integer sums ≤ 2^32). Fewer passes, and none of them branches on data.
 */
function weightedMedianBuckets(
  stake: Float64Array, score: Float64Array, off: number, k: number, minority: number, b: Buckets,
  scratch: [Int32Array, Int32Array, Int32Array],
): number {
  let lowest = score[off]
  let highest = lowest
  for (let t = 1; t < k; t++) {
    const v = score[off + t]
    if (v < lowest) lowest = v
    if (v > highest) highest = v
  }
  if (lowest === highest) return lowest
  const scale = 255 / (highest - lowest) // bucket ∈ [0, 255], non-decreasing in the score
  const mass = b.mass
  mass.fill(0)
  for (let t = 0; t < k; t++) mass[Math.floor((score[off + t] - lowest) * scale)] += stake[t]
  let below = 0
  let bucket = -1
  for (let q = 0; q < 256; q++) {
    const through = below + mass[q]
    if (through > minority) { bucket = q; break }
    below = through
  }
  if (bucket < 0) return highest
  let m = 0
  for (let t = 0; t < k; t++) {
    const v = score[off + t]
    if (Math.floor((v - lowest) * scale) === bucket) {
      b.score[m] = v
      b.stake[m++] = stake[t]
    }
  }
  return weightedMedianNormalized(b.stake, b.score, 0, m, minority, below, below + mass[bucket], scratch)
}

/**
 * `weightedMedian` over all k rows for stakes that are normalised I32F32 values (each ≥ 0, total
 * ≤ 2^32, as weightedMedianColSparse makes them): lo, hi and every partial stake sum then lie in
 * [0, 2^32], so the saturating adds are plain adds. Equal to `weightedMedian`, which the BigInt
 * reference mode runs instead (test/fast-path.test.ts).
 */
function weightedMedianNormalized(
  stake: Float64Array,
  score: Float64Array,
  off: number,
  k: number,
  minority: number,
  partitionLo: number,
  partitionHi: number,
  scratch: [Int32Array, Int32Array, Int32Array],
): number {
  let [current, lower, upper] = scratch
  for (let t = 0; t < k; t++) current[t] = t
  let n = k
  let counter = 0
  let lo = partitionLo
  let hi = partitionHi
  for (;;) {
    if (n === 0) return 0
    if (n === 1) return score[off + current[0]]
    const pivot = score[off + current[n >> 1]]
    let loStake = 0
    let hiStake = 0
    let nl = 0
    let nu = 0
    for (let t = 0; t < n; t++) {
      const idx = current[t]
      const s = score[off + idx]
      if (s < pivot) {
        loStake += stake[idx]
        lower[nl++] = idx
      } else if (s > pivot) {
        hiStake += stake[idx]
        upper[nu++] = idx
      }
    }
    if (minority < lo + loStake && nl > 0) {
      const tmp = current; current = lower; lower = tmp
      n = nl
      hi = lo + loStake
    } else if (hi - hiStake <= minority && nu > 0) {
      const tmp = current; current = upper; upper = tmp
      n = nu
      lo = hi - hiStake
    } else {
      return pivot
    }
    counter++
    if (counter > k) break
  }
  return 0
}

// ---------------------------------------------------------------- sparse matrices

/** `mask_rows_sparse`: masked (or missing-mask) rows become empty. */
export function maskRowsSparse(mask: readonly boolean[], m: SparseMatrix): SparseMatrix {
  return m.map((row, i) => ((mask[i] ?? true) ? emptyRow() : row))
}

/** `mask_diag_sparse` / `mask_diag_sparse_except_index`. */
export function maskDiagSparse(m: SparseMatrix, exceptIndex: number | null): SparseMatrix {
  const b = new RowBuilder(maxRowLength(m))
  return m.map((row, i) => filterRow(b, row, (j) => i !== j || (exceptIndex !== null && i === exceptIndex)))
}

/** `vec_mask_sparse_matrix`: drop (i, j) where maskFn(first[i], second[j]) (missing → 0). */
export function vecMaskSparse(
  m: SparseMatrix,
  first: readonly number[],
  second: readonly number[],
  maskFn: (a: number, b: number) => boolean,
): SparseMatrix {
  const b = new RowBuilder(maxRowLength(m))
  return m.map((row, i) => {
    const fv = first[i] ?? 0
    return filterRow(b, row, (j) => !maskFn(fv, second[j] ?? 0))
  })
}

/** `scalar_vec_mask_sparse_matrix`: drop (i, j) where maskFn(scalar, vector[j]) (missing → 0). */
export function scalarVecMaskSparse(
  m: SparseMatrix,
  scalar: number,
  vector: readonly number[],
  maskFn: (a: number, b: number) => boolean,
): SparseMatrix {
  const b = new RowBuilder(maxRowLength(m))
  return m.map((row) => filterRow(b, row, (j) => !maskFn(scalar, vector[j] ?? 0)))
}

function filterRow(b: RowBuilder, row: SparseRow, keep: (j: number) => boolean): SparseRow {
  for (let t = 0; t < row.idx.length; t++) if (keep(row.idx[t])) b.push(row.idx[t], row.val[t])
  return b.finish()
}

/**
 * `col_clip_sparse`: min(w, c_j); an entry above a non-positive threshold is dropped. A row that
 * loses no entry shares its column array with the input (column arrays are never written).
 */
export function colClipSparse(m: SparseMatrix, threshold: readonly number[]): SparseMatrix {
  const b = new RowBuilder(maxRowLength(m))
  return m.map((row) => {
    const { idx, val } = row
    const out = new Float64Array(val.length)
    let t = 0
    for (; t < idx.length; t++) {
      const j = idx[t]
      const v = val[t]
      const th = threshold[j] ?? 0
      if (th < v) {
        if (th <= 0) break
        out[t] = th
      } else {
        out[t] = v
      }
    }
    if (t === idx.length) return idx.length === 0 ? emptyRow() : { idx, val: out }
    // An entry is dropped: rebuild the row from the start.
    for (let t = 0; t < row.idx.length; t++) {
      const j = row.idx[t]
      const v = row.val[t]
      const th = threshold[j] ?? 0
      if (th < v) {
        if (th > 0) b.push(j, th) // clip down to the threshold; drop if it is ≤ 0
      } else {
        b.push(j, v)
      }
    }
    return b.finish()
  })
}

/**
 * `colClipSparse` written over its input (for callers that do not read the unclipped rows again):
 * rows that lose no entry are clipped in place, the others are replaced. Returns the input array.
 */
export function colClipSparseInPlace(m: SparseMatrix, threshold: readonly number[]): SparseMatrix {
  for (let i = 0; i < m.length; i++) {
    const { idx, val } = m[i]
    let drop = false
    for (let t = 0; t < idx.length; t++) {
      const th = threshold[idx[t]] ?? 0
      if (th < val[t] && th <= 0) { drop = true; break }
    }
    if (drop) {
      m[i] = colClipSparse([m[i]], threshold)[0]
      continue
    }
    for (let t = 0; t < idx.length; t++) {
      const th = threshold[idx[t]] ?? 0
      if (th < val[t]) val[t] = th
    }
  }
  return m
}

/** `row_sum_sparse`. */
export function rowSumSparse(m: SparseMatrix): number[] {
  return m.map((row) => sum(row.val))
}

/** `matmul_sparse`: r_j = Σ_i v_i · m_ij (saturating). */
export function matmulSparse(m: SparseMatrix, vector: readonly number[], columns: number): number[] {
  const result = new Array<number>(columns).fill(0)
  for (let i = 0; i < m.length; i++) {
    const scale = vector[i] ?? 0
    const row = m[i]
    for (let t = 0; t < row.idx.length; t++) {
      const j = row.idx[t]
      if (j < columns) result[j] = satAdd(result[j], mul(scale, row.val[t]))
    }
  }
  return result
}

/** `matmul_transpose_sparse`: r_i = Σ_j v_j · m_ij (saturating). */
export function matmulTransposeSparse(m: SparseMatrix, vector: readonly number[]): number[] {
  return m.map((row) => {
    let acc = 0
    for (let t = 0; t < row.idx.length; t++) acc = satAdd(acc, mul(vector[row.idx[t]] ?? 0, row.val[t]))
    return acc
  })
}

/** `row_hadamard_sparse`: m_ij · v_i; stops at the shorter of rows and vector. */
export function rowHadamardSparse(m: SparseMatrix, vector: readonly number[]): SparseMatrix {
  const out: SparseMatrix = []
  const rows = Math.min(m.length, vector.length)
  for (let i = 0; i < rows; i++) {
    const row = m[i]
    const scale = vector[i]
    out.push({ idx: row.idx, val: row.val.map((v) => mul(v, scale)) })
  }
  return out
}

/** `inplace_col_normalize_sparse`. */
export function inplaceColNormalizeSparse(m: SparseMatrix, columns: number): void {
  const colSum = new Float64Array(columns)
  for (const row of m) {
    for (let t = 0; t < row.idx.length; t++) {
      const j = row.idx[t]
      if (j < columns) colSum[j] = satAdd(colSum[j], row.val[t])
    }
  }
  for (const row of m) {
    for (let t = 0; t < row.idx.length; t++) {
      const d = colSum[row.idx[t]] ?? 0
      if (d !== 0) row.val[t] = safeDiv(row.val[t], d)
    }
  }
}

/** `inplace_col_max_upscale_sparse`. */
export function inplaceColMaxUpscaleSparse(m: SparseMatrix, columns: number): void {
  const colMax = new Float64Array(columns)
  for (const row of m) {
    for (let t = 0; t < row.idx.length; t++) {
      const j = row.idx[t]
      if (j < columns && colMax[j] < row.val[t]) colMax[j] = row.val[t]
    }
  }
  for (const row of m) {
    for (let t = 0; t < row.idx.length; t++) {
      const mx = colMax[row.idx[t]] ?? 0
      if (mx !== 0) row.val[t] = safeDiv(row.val[t], mx)
    }
  }
}

/**
 * `interpolate_sparse`: a + ratio·(b − a) per cell over dense rows (later duplicates win), keeping
 * only positive results in ascending column order; ratio 0 / 1 return a / b unchanged.
 */
export function interpolateSparse(a: SparseMatrix, b: SparseMatrix, columns: number, ratio: number): SparseMatrix {
  if (ratio === 0) return a
  if (ratio === ONE) return b
  if (a.length !== b.length) return b
  const row1 = new Float64Array(columns)
  const row2 = new Float64Array(columns)
  const touched = new DenseTouch(columns)
  const builder = new RowBuilder(columns)
  return a.map((ra, i) => {
    const rb = b[i]
    for (let t = 0; t < ra.idx.length; t++) {
      const j = ra.idx[t]
      if (j < columns) { row1[j] = ra.val[t]; touched.add(j) }
    }
    for (let t = 0; t < rb.idx.length; t++) {
      const j = rb.idx[t]
      if (j < columns) { row2[j] = rb.val[t]; touched.add(j) }
    }
    touched.drain((j) => {
      const v1 = row1[j]
      const v = satAdd(v1, mul(ratio, satSub(row2[j], v1)))
      if (v > 0) builder.push(j, v)
      row1[j] = 0
      row2[j] = 0
    })
    return builder.finish()
  })
}

/**
 * `mat_ema_sparse`: α·new + (1−α)·old over a dense row of n = rows columns, keeping positive
 * cells in ascending column order.
 */
export function matEmaSparse(next: SparseMatrix, old: SparseMatrix, alpha: number): SparseMatrix {
  const n = next.length
  const oneMinus = satSub(ONE, alpha)
  const acc = new Float64Array(n)
  const touched = new DenseTouch(n)
  const builder = new RowBuilder(n)
  return next.map((nrow, i) => {
    const orow = old[i] ?? emptyRow()
    if (ascending(nrow.idx) && ascending(orow.idx)) return emaMerge(nrow, orow, n, alpha, oneMinus, builder)
    for (let t = 0; t < nrow.idx.length; t++) {
      const j = nrow.idx[t]
      if (j >= n) continue
      acc[j] = satAdd(acc[j], mul(alpha, nrow.val[t]))
      touched.add(j)
    }
    for (let t = 0; t < orow.idx.length; t++) {
      const j = orow.idx[t]
      if (j >= n) continue
      acc[j] = satAdd(acc[j], mul(oneMinus, orow.val[t]))
      touched.add(j)
    }
    touched.drain((j) => {
      if (acc[j] > 0) builder.push(j, acc[j])
      acc[j] = 0
    })
    return builder.finish()
  })
}

function ascending(idx: Int32Array): boolean {
  for (let t = 1; t < idx.length; t++) if (idx[t] <= idx[t - 1]) return false
  return true
}

// `mat_ema_sparse` for one row when both rows hold strictly ascending columns (loaded chain rows
// usually do; every EMA output does): the dense scan's ascending order is a merge, each column's
// accumulator is satAdd(satAdd(0, α·new), (1−α)·old) exactly as there.
function emaMerge(nrow: SparseRow, orow: SparseRow, n: number, alpha: number, oneMinus: number, builder: RowBuilder): SparseRow {
  const ni = nrow.idx
  const nv = nrow.val
  const oi = orow.idx
  const ov = orow.val
  let a = 0
  let b = 0
  for (;;) {
    const ja = a < ni.length ? ni[a] : n
    const jb = b < oi.length ? oi[b] : n
    const j = ja < jb ? ja : jb
    if (j >= n) break
    let acc = 0
    if (ja === j) acc = satAdd(acc, mul(alpha, nv[a++]))
    if (jb === j) acc = satAdd(acc, mul(oneMinus, ov[b++]))
    if (acc > 0) builder.push(j, acc)
  }
  return builder.finish()
}

/**
 * The Yuma2 bond pipeline after the bonds are column-normalised — ΔB = col_norm(W^b_ij·A_i),
 * EMA = col_norm(α·ΔB + (1−α)·B), D = EMA·I (`matmul_transpose_sparse`) and the column maxima for
 * the final upscale — in three passes instead of eight, for rows with strictly ascending columns
 * below n (null otherwise, and in BigInt reference mode: the caller then runs the chain functions
 * one by one). Each value goes through the same operations as there: ΔB is divided by its column
 * sum as the merge reads it, the EMA column sums are gathered as the merge writes, and one pass
 * normalises the EMA, accumulates D and finds the maxima. Values are non-negative proportions, so
 * the saturating sums are plain sums (far below 2^53). `delta` (W^b) is scaled in place.
 */
export function yuma2BondsFused(
  delta: SparseMatrix, stake: readonly number[], bonds: SparseMatrix, n: number, alpha: number, incentive: readonly number[],
): { ema: SparseMatrix; dividends: number[]; colMax: Float64Array } | null {
  if (isReferenceArithmetic() || delta.length !== n) return null
  for (let i = 0; i < n; i++) {
    if (!ascendingBelow(delta[i].idx, n) || !ascendingBelow((bonds[i] ?? emptyRow()).idx, n)) return null
  }
  const oneMinus = satSub(ONE, alpha)
  // ΔB_ij = W^b_ij · A_i and its column sums.
  const deltaSum = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const { idx, val } = delta[i]
    const scale = stake[i]
    for (let t = 0; t < val.length; t++) {
      const v = mul(val[t], scale)
      val[t] = v
      deltaSum[idx[t]] += v
    }
  }
  // EMA rows (mat_ema_sparse's ascending merge) over the normalised ΔB, with their column sums.
  const emaSum = new Float64Array(n)
  const builder = new RowBuilder(n)
  const ema: SparseMatrix = new Array(n)
  for (let i = 0; i < n; i++) {
    const { idx: ni, val: nv } = delta[i]
    const { idx: oi, val: ov } = bonds[i] ?? emptyRow()
    let a = 0
    let b = 0
    for (;;) {
      const ja = a < ni.length ? ni[a] : n
      const jb = b < oi.length ? oi[b] : n
      const j = ja < jb ? ja : jb
      if (j >= n) break
      let acc = 0
      if (ja === j) {
        const d = deltaSum[j]
        const v = nv[a++]
        acc = mul(alpha, d !== 0 ? safeDiv(v, d) : v)
      }
      if (jb === j) acc = satAdd(acc, mul(oneMinus, ov[b++]))
      if (acc > 0) {
        builder.push(j, acc)
        emaSum[j] += acc
      }
    }
    ema[i] = builder.finish()
  }
  // Column-normalise the EMA, D_i = Σ_j I_j · EMA_ij, column maxima.
  const dividends = new Array<number>(n)
  const colMax = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const { idx, val } = ema[i]
    let acc = 0
    for (let t = 0; t < val.length; t++) {
      const j = idx[t]
      const d = emaSum[j]
      const v = d !== 0 ? safeDiv(val[t], d) : val[t]
      val[t] = v
      acc += mul(incentive[j] ?? 0, v)
      if (colMax[j] < v) colMax[j] = v
    }
    dividends[i] = acc
  }
  return { ema, dividends, colMax }
}

function ascendingBelow(idx: Int32Array, n: number): boolean {
  for (let t = 1; t < idx.length; t++) if (idx[t] <= idx[t - 1]) return false
  return idx.length === 0 || idx[idx.length - 1] < n
}

/** The set of columns touched in a row, drained in ascending order (the chain's dense scan). */
export class DenseTouch {
  private readonly seen: Uint8Array
  private readonly list: Int32Array
  private count = 0

  constructor(columns: number) {
    this.seen = new Uint8Array(columns)
    this.list = new Int32Array(columns)
  }

  add(j: number): void {
    if (this.seen[j] === 0) { this.seen[j] = 1; this.list[this.count++] = j }
  }

  drain(visit: (j: number) => void): void {
    const columns = this.seen.length
    if (this.count * 16 > columns) {
      // Many columns: a dense scan is cheaper than sorting.
      for (let j = 0; j < columns; j++) if (this.seen[j] !== 0) { this.seen[j] = 0; visit(j) }
    } else {
      const l = this.list.subarray(0, this.count).sort()
      for (let t = 0; t < l.length; t++) { this.seen[l[t]] = 0; visit(l[t]) }
    }
    this.count = 0
  }
}

/**
 * Fill `dense`/`stamp` with the value the chain's peekable merge in `liquid_alpha_matrix_sparse`
 * reads for each column of a row. For rows sorted by column it is a plain lookup; unsorted rows
 * replay the merge exactly (an entry behind the cursor is never seen).
 */
function fillMerge(row: SparseRow, columns: number, dense: Float64Array, stamp: Int32Array, mark: number): void {
  let sorted = true
  for (let t = 1; t < row.idx.length; t++) if (row.idx[t] <= row.idx[t - 1]) { sorted = false; break }
  if (sorted) {
    for (let t = 0; t < row.idx.length; t++) {
      const j = row.idx[t]
      if (j < columns) { dense[j] = row.val[t]; stamp[j] = mark }
    }
    return
  }
  let p = 0
  for (let j = 0; j < columns; j++) {
    while (p < row.idx.length && row.idx[p] < j) p++
    if (p < row.idx.length && row.idx[p] === j) { dense[j] = row.val[p]; stamp[j] = mark }
  }
}

/**
 * `mat_ema_alpha_sparse` with α from `liquid_alpha_matrix_sparse`: per row, old cells decay by
 * (1 − α_ij), then only the columns present in the new row are emitted as
 * min(1, decayed + max(0, α_ij·w_ij)) when positive — omitting a miner drops the bond.
 */
export function matEmaAlphaSparse(
  next: SparseMatrix,
  old: SparseMatrix,
  consensus: readonly number[],
  p: LiquidAlphaParams,
): SparseMatrix {
  const columns = consensus.length
  // α depends on the cell only through the sigmoid's difference value: a direct-mapped cache.
  const CACHE_MASK = (1 << 12) - 1 // small enough to stay in cache: it serves repeated values (0 above all)
  const cacheKey = new Float64Array(CACHE_MASK + 1).fill(-1)
  const cacheVal = new Float64Array(CACHE_MASK + 1)
  const sig = sigmoidContext(p)
  const w = new Float64Array(columns)
  const wMark = new Int32Array(columns)
  const b = new Float64Array(columns)
  const bMark = new Int32Array(columns)
  const alpha = new Float64Array(columns)
  const alphaMark = new Int32Array(columns)
  const decayed = new Float64Array(columns)
  const decMark = new Int32Array(columns)
  const pendJ = new Int32Array(columns)
  const pendD = new Float64Array(columns)
  const pendA = new Float64Array(columns)
  const xs = new Float64Array(columns)
  const slot = new Int32Array(columns)
  const scratch = expScratch()
  const builder = new RowBuilder(maxRowLength(next))
  const reference = isReferenceArithmetic()
  return next.map((nrow, i) => {
    const orow = old[i] ?? emptyRow()
    if (!reference && alignedColumns(nrow.idx, orow.idx, columns)) {
      return emaAlphaAligned(nrow, orow, consensus, p, sig, pendD, pendA, xs, slot, scratch, builder)
    }
    const mark = i + 1
    fillMerge(nrow, columns, w, wMark, mark)
    fillMerge(orow, columns, b, bMark, mark)
    // α of every column of the new row (only those are emitted; the decay of other old cells is
    // never read), cache misses evaluated together.
    let np = 0
    for (let t = 0; t < nrow.idx.length; t++) {
      const j = nrow.idx[t]
      if (j >= columns || alphaMark[j] === mark) continue
      alphaMark[j] = mark
      const diff = liquidAlphaDiff(consensus[j], wMark[j] === mark ? w[j] : 0, bMark[j] === mark ? b[j] : 0)
      const key = diff & CACHE_MASK // diff ∈ [0, 2^32]: ToInt32 keeps its low bits (a double % is a slow call)
      if (cacheKey[key] === diff) {
        alpha[j] = cacheVal[key]
      } else {
        pendJ[np] = j
        pendD[np++] = diff
      }
    }
    liquidAlphaBatch(pendD, np, p, sig, pendA, xs, slot, scratch)
    for (let q = 0; q < np; q++) {
      const a = pendA[q]
      alpha[pendJ[q]] = a
      const key = pendD[q] & CACHE_MASK
      cacheKey[key] = pendD[q]
      cacheVal[key] = a
    }
    for (let t = 0; t < orow.idx.length; t++) {
      const j = orow.idx[t]
      if (j < columns && alphaMark[j] === mark) { decayed[j] = mul(satSub(ONE, alpha[j]), orow.val[t]); decMark[j] = mark }
    }
    for (let t = 0; t < nrow.idx.length; t++) {
      const j = nrow.idx[t]
      if (j >= columns) continue
      const inc = Math.max(mul(alpha[j], nrow.val[t]), 0)
      const v = Math.min(satAdd(decMark[j] === mark ? decayed[j] : 0, inc), ONE)
      if (v > 0) builder.push(j, v)
    }
    return builder.finish()
  })
}

// Whether a new-weights row and an old-bonds row hold the same strictly ascending columns, all
// below `columns` (the dense and the steady-state case: bond rows are last epoch's EMA of the same
// validator's weights).
function alignedColumns(a: Int32Array, b: Int32Array, columns: number): boolean {
  if (a.length !== b.length) return false
  if (a.length > 0 && a[a.length - 1] >= columns) return false
  for (let t = 0; t < a.length; t++) if (a[t] !== b[t] || (t > 0 && a[t] <= a[t - 1])) return false
  return true
}

// One row of matEmaAlphaSparse when both rows hold the same ascending columns (alignedColumns):
// the peekable merge then reads w = nrow.val[t] and b = orow.val[t] for every column, and each
// column's α, decayed bond and output are those of the general path, without the dense scratch
// rows. The BigInt reference mode always takes the general path, so the randomised epoch tests
// compare the two.
function emaAlphaAligned(
  nrow: SparseRow, orow: SparseRow, consensus: readonly number[], p: LiquidAlphaParams, sig: { k: bigint; kn: number },
  diffs: Float64Array, alphas: Float64Array, xs: Float64Array, slot: Int32Array, scratch: ExpScratch, builder: RowBuilder,
): SparseRow {
  const { idx, val: wv } = nrow
  const bv = orow.val
  const len = idx.length
  for (let t = 0; t < len; t++) diffs[t] = liquidAlphaDiff(consensus[idx[t]], wv[t], bv[t])
  liquidAlphaBatch(diffs, len, p, sig, alphas, xs, slot, scratch)
  for (let t = 0; t < len; t++) {
    const a = alphas[t]
    const inc = Math.max(mul(a, wv[t]), 0)
    const v = Math.min(satAdd(mul(satSub(ONE, a), bv[t]), inc), ONE)
    if (v > 0) builder.push(idx[t], v)
  }
  return builder.finish()
}

/** `mat_vec_mul_sparse`: m_ij · v_j, dropping zero products. */
export function matVecMulSparse(m: SparseMatrix, vector: readonly number[]): SparseMatrix {
  const b = new RowBuilder(maxRowLength(m))
  return m.map((row) => {
    for (let t = 0; t < row.idx.length; t++) {
      const j = row.idx[t]
      if (j >= vector.length) continue
      const v = mul(row.val[t], vector[j])
      if (v !== 0) b.push(j, v)
    }
    return b.finish()
  })
}
