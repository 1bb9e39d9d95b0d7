// Small dense-vector helpers over Float32Array (updates are flat parameter deltas). Sums run in float64.
import { ValueError } from './errors.ts'

function sameLength (a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new ValueError('LENGTH_MISMATCH', `vectors differ in length: ${a.length} vs ${b.length}`, { a: a.length, b: b.length })
}

export function dot (a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b)
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}

export function l2norm (a: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * a[i]
  return Math.sqrt(s)
}

/** Cosine similarity; 0 when either vector is all zeros (a zero update resembles nothing). */
export function cosine (a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = l2norm(a)
  const nb = l2norm(b)
  if (na === 0 || nb === 0) return 0
  return dot(a, b) / (na * nb)
}

/** True when every entry is a finite number. */
export function allFinite (a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false
  return true
}

/** Indices of the k entries with the largest magnitude (ties: lower index first), ascending. */
export function topKIndices (a: ArrayLike<number>, k: number): Uint32Array {
  const n = a.length
  const kk = Math.max(0, Math.min(Math.floor(k), n))
  if (kk === 0) return new Uint32Array(0)
  // Typed-array sort is numeric and fast; the k-th largest magnitude is the threshold.
  const mags = new Float64Array(n)
  for (let i = 0; i < n; i++) mags[i] = Math.abs(a[i])
  const sorted = mags.slice().sort()
  const thr = sorted[n - kk]
  let above = 0
  for (let i = 0; i < n; i++) if (mags[i] > thr) above++
  let ties = kk - above
  const out = new Uint32Array(kk)
  let o = 0
  for (let i = 0; i < n; i++) {
    if (mags[i] > thr) out[o++] = i
    else if (mags[i] === thr && ties > 0) { out[o++] = i; ties-- }
  }
  return out
}

/** |A ∩ B| / k for two ascending index sets of size k (the share of top-k positions two updates have in common). */
export function indexOverlap (a: Uint32Array, b: Uint32Array): number {
  const k = Math.max(a.length, b.length)
  if (k === 0) return 0
  let i = 0; let j = 0; let common = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { common++; i++; j++ } else if (a[i] < b[j]) i++; else j++
  }
  return common / k
}

/** Mean of equal-length vectors (float64 accumulation); null for an empty list. */
export function meanOf (vs: readonly Float32Array[]): Float32Array | null {
  if (vs.length === 0) return null
  const n = vs[0].length
  const acc = new Float64Array(n)
  for (const v of vs) {
    sameLength(v, vs[0])
    for (let i = 0; i < n; i++) acc[i] += v[i]
  }
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = acc[i] / vs.length
  return out
}

export function median (xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}
