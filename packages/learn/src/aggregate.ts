/**
 * Robust aggregation of updates (Flower's Strategy shape: one small interface, thin rules over pure helpers).
 * Every helper takes `Float32Array` updates of one length and returns a new Float32Array; no input is modified.
 * Empty input returns null (no update this round); a broken precondition throws a coded LearnError.
 */
import { LearnError } from './errors.ts'

export interface AggregationRule {
  readonly name: string
  /** Aggregates the updates; `weights` (e.g. sample counts) are used by rules that weight, ignored by others. */
  aggregate(updates: readonly Float32Array[], weights?: readonly number[]): Float32Array | null
}

function check(updates: readonly Float32Array[]): number {
  const d = updates[0].length
  for (let k = 0; k < updates.length; k++) {
    const u = updates[k]
    if (!(u instanceof Float32Array)) throw new LearnError('BAD_ARGUMENT', 'updates must be Float32Arrays', { index: k })
    if (u.length !== d) throw new LearnError('AGGREGATION_DIMENSION_MISMATCH', 'updates differ in length', { index: k, length: u.length, expected: d })
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(u[i])) throw new LearnError('NON_FINITE', 'update holds a non-finite value', { index: k, position: i })
    }
  }
  return d
}

function precondition(ok: boolean, message: string, data: Record<string, unknown>): void {
  if (!ok) throw new LearnError('AGGREGATION_PRECONDITION', message, data)
}

export function l2norm(v: Float32Array): number {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i] * v[i]
  return Math.sqrt(s)
}

function sqDist(a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i]
    s += d * d
  }
  return s
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Plain average (FedAvg with equal weights). No robustness: one peer moves it arbitrarily far. */
export function mean(updates: readonly Float32Array[]): Float32Array | null {
  if (updates.length === 0) return null
  return weightedMean(updates, updates.map(() => 1))
}

/** Σ wᵢ·xᵢ / Σ wᵢ; weights must be finite, non-negative, with a positive sum. */
export function weightedMean(updates: readonly Float32Array[], weights: readonly number[]): Float32Array | null {
  if (updates.length === 0) return null
  const d = check(updates)
  precondition(weights.length === updates.length, 'one weight per update', { weights: weights.length, updates: updates.length })
  let total = 0
  for (const w of weights) {
    precondition(Number.isFinite(w) && w >= 0, 'weights must be finite and non-negative', { weight: w })
    total += w
  }
  precondition(total > 0, 'weights sum to zero', {})
  const acc = new Float64Array(d)
  updates.forEach((u, k) => {
    const w = weights[k] / total
    if (w !== 0) for (let i = 0; i < d; i++) acc[i] += w * u[i]
  })
  return Float32Array.from(acc)
}

/** Sorts each coordinate across peers and hands the sorted column to `reduce`. */
function perCoordinate(updates: readonly Float32Array[], reduce: (col: Float64Array) => number): Float32Array {
  const d = check(updates)
  const n = updates.length
  const out = new Float32Array(d)
  const col = new Float64Array(n)
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < n; k++) col[k] = updates[k][i]
    col.sort()
    out[i] = reduce(col)
  }
  return out
}

/** Coordinate-wise median: with f < n/2 Byzantine peers each coordinate stays within the honest range. */
export function coordinateMedian(updates: readonly Float32Array[]): Float32Array | null {
  if (updates.length === 0) return null
  const m = updates.length >> 1
  return perCoordinate(updates, (c) => (c.length % 2 ? c[m] : (c[m - 1] + c[m]) / 2))
}

/** Drops the `trim` smallest and largest values per coordinate and averages the rest (requires 2·trim < n). */
export function trimmedMean(updates: readonly Float32Array[], trim: number): Float32Array | null {
  if (updates.length === 0) return null
  precondition(Number.isInteger(trim) && trim >= 0 && 2 * trim < updates.length, 'trimmed mean needs 0 <= 2*trim < n', { trim, n: updates.length })
  return perCoordinate(updates, (c) => {
    let s = 0
    for (let k = trim; k < c.length - trim; k++) s += c[k]
    return s / (c.length - 2 * trim)
  })
}

/** Krum scores: for each update, the sum of squared distances to its n − f − 2 nearest others (lower is better). */
export function krumScores(updates: readonly Float32Array[], f: number): number[] {
  const n = updates.length
  check(updates)
  precondition(Number.isInteger(f) && f >= 0 && n >= 2 * f + 3, 'Krum needs n >= 2f + 3', { n, f })
  const dist: number[][] = updates.map(() => new Array<number>(n).fill(0))
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) dist[a][b] = dist[b][a] = sqDist(updates[a], updates[b])
  const m = n - f - 2
  return dist.map((row, a) => row.filter((_, b) => b !== a).sort((x, y) => x - y).slice(0, m).reduce((s, x) => s + x, 0))
}

/** Indices of the `m` updates with the lowest Krum scores (ties: lower index), best first. */
export function krumSelect(updates: readonly Float32Array[], f: number, m = 1): number[] {
  const scores = krumScores(updates, f)
  precondition(Number.isInteger(m) && m >= 1 && m <= updates.length - f, 'multi-Krum needs 1 <= m <= n - f', { m, n: updates.length, f })
  return scores.map((s, i) => [s, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, m).map((p) => p[1])
}

/** Krum (m = 1) or multi-Krum (mean of the m best-scored updates); tolerates f Byzantine peers when n >= 2f + 3. */
export function multiKrum(updates: readonly Float32Array[], f: number, m = 1): Float32Array | null {
  if (updates.length === 0) return null
  return mean(krumSelect(updates, f, m).map((i) => updates[i]))
}

export interface CentredClippingOptions {
  /** Clipping radius; default: the median distance of the updates from the centre. */
  tau?: number
  /** Iterations (default 3). */
  iterations?: number
  /** Starting centre, e.g. last round's aggregate (default: zeros). */
  center?: Float32Array
}

/**
 * Centred clipping (Karimireddy et al. 2021): v ← v + mean(clip(xᵢ − v, τ)). Each update moves v by at most τ/n per
 * iteration, so f Byzantine peers shift the result by at most iterations·f·τ/n from where honest peers alone take it.
 */
export function centredClipping(updates: readonly Float32Array[], options: CentredClippingOptions = {}): Float32Array | null {
  if (updates.length === 0) return null
  const d = check(updates)
  const n = updates.length
  const iterations = options.iterations ?? 3
  precondition(Number.isInteger(iterations) && iterations >= 1, 'iterations must be a positive integer', { iterations })
  const v = options.center ? Float64Array.from(options.center) : new Float64Array(d)
  precondition(v.length === d, 'center length differs', { center: v.length, d })
  const v32 = new Float32Array(d)
  let tau = options.tau
  for (let it = 0; it < iterations; it++) {
    v32.set(v)
    const dists = updates.map((u) => Math.sqrt(sqDist(u, v32)))
    if (tau === undefined) tau = median(dists)
    precondition(Number.isFinite(tau) && tau >= 0, 'tau must be finite and non-negative', { tau })
    const step = new Float64Array(d)
    updates.forEach((u, k) => {
      const s = dists[k] > tau! ? tau! / dists[k] : 1
      for (let i = 0; i < d; i++) step[i] += s * (u[i] - v32[i])
    })
    for (let i = 0; i < d; i++) v[i] += step[i] / n
  }
  return Float32Array.from(v)
}

/** Scales every update whose L2 norm exceeds `maxNorm` down to it (copies; inputs untouched). */
export function clipToNorm(updates: readonly Float32Array[], maxNorm: number): Float32Array[] {
  return updates.map((u) => {
    const norm = l2norm(u)
    if (norm <= maxNorm || norm === 0) return u.slice()
    const s = maxNorm / norm
    return u.map((x) => x * s)
  })
}

/**
 * Clips every update to the median L2 norm, then takes the (weighted) mean. With f < n/2 Byzantine peers the median
 * norm is bounded by honest norms, so each Byzantine peer moves the mean by at most median-norm · wᵢ/Σw.
 */
export function normClippedMean(updates: readonly Float32Array[], weights?: readonly number[]): Float32Array | null {
  if (updates.length === 0) return null
  check(updates)
  const clipped = clipToNorm(updates, median(updates.map(l2norm)))
  return weights ? weightedMean(clipped, weights) : mean(clipped)
}

export type AggregationSpec =
  | { rule: 'mean' }
  | { rule: 'weighted-mean' }
  | { rule: 'median' }
  | { rule: 'trimmed-mean'; trim: number }
  | { rule: 'krum'; f: number; m?: number }
  | ({ rule: 'centred-clipping' } & CentredClippingOptions)
  | { rule: 'norm-clip'; weighted?: boolean }

export type AggregationRuleName = AggregationSpec['rule']

/** Builds a rule from a serialisable spec (what a subnet's config names). */
export function createAggregationRule(spec: AggregationSpec): AggregationRule {
  const rule = (name: string, fn: AggregationRule['aggregate']): AggregationRule => ({ name, aggregate: fn })
  switch (spec.rule) {
    case 'mean':
      return rule('mean', (u) => mean(u))
    case 'weighted-mean':
      return rule('weighted-mean', (u, w) => weightedMean(u, w ?? u.map(() => 1)))
    case 'median':
      return rule('median', (u) => coordinateMedian(u))
    case 'trimmed-mean':
      return rule(`trimmed-mean(${spec.trim})`, (u) => trimmedMean(u, spec.trim))
    case 'krum':
      return rule(spec.m && spec.m > 1 ? `multi-krum(${spec.f},${spec.m})` : `krum(${spec.f})`, (u) => multiKrum(u, spec.f, spec.m ?? 1))
    case 'centred-clipping':
      return rule('centred-clipping', (u) => centredClipping(u, spec))
    case 'norm-clip':
      return rule('norm-clip', (u, w) => normClippedMean(u, spec.weighted ? w : undefined))
    default:
      throw new LearnError('BAD_ARGUMENT', 'unknown aggregation rule', { spec })
  }
}
