// Copy detection: two updates that share most of their top-k coordinates or point the same way (cosine) were not
// trained independently. The later publisher pays: it could have copied the earlier one, never the reverse.
import { check } from './errors.ts'
import { cosine, indexOverlap, l2norm, topKIndices } from './vector.ts'

export interface CopyOptions {
  /** Share of coordinates, by magnitude, compared for index overlap (default 0.01 = top 1%). */
  topKFraction?: number
  /** Cosine at or above which two updates are copies whatever their overlap (default 0.95). */
  cosine?: number
  /** Top-k overlap at or above which two updates are copies when their cosine is also ≥ `overlapCosine` (default 0.8). */
  overlap?: number
  /** Cosine required together with a high overlap (default 0.8). */
  overlapCosine?: number
}

/** An update as seen for copy detection. */
export interface CopyCandidate {
  uid: number
  update: Float32Array
  /** Arrival time in ms (earlier = published first). */
  arrivalMs: number
}

/** One detected copy: `uid` pays for resembling `of`, which arrived earlier (or at the same time: then both pay). */
export interface CopyFinding {
  uid: number
  of: number
  cosine: number
  overlap: number
  arrivalMs: number
  ofArrivalMs: number
}

function resolved (o: CopyOptions): Required<CopyOptions> {
  const r = { topKFraction: o.topKFraction ?? 0.01, cosine: o.cosine ?? 0.95, overlap: o.overlap ?? 0.8, overlapCosine: o.overlapCosine ?? 0.8 }
  check(r.topKFraction > 0 && r.topKFraction <= 1, 'topKFraction must lie in (0, 1]', { topKFraction: r.topKFraction })
  return r
}

/** Similarity of two updates: cosine and top-k index overlap. */
export function similarity (a: Float32Array, b: Float32Array, topKFraction = 0.01): { cosine: number, overlap: number } {
  const k = Math.max(1, Math.round(a.length * topKFraction))
  return { cosine: cosine(a, b), overlap: indexOverlap(topKIndices(a, k), topKIndices(b, k)) }
}

function isCopy (cos: number, overlap: number, o: Required<CopyOptions>): boolean {
  return cos >= o.cosine || (overlap >= o.overlap && cos >= o.overlapCosine)
}

/**
 * Finds copies among one round's updates. All-zero updates are skipped (they resemble nothing and score nothing).
 * Each payer is reported once, against the earliest update it resembles.
 */
export function detectCopies (candidates: readonly CopyCandidate[], options: CopyOptions = {}): CopyFinding[] {
  const o = resolved(options)
  const live = candidates.filter((c) => l2norm(c.update) > 0)
  const k = live.length > 0 ? Math.max(1, Math.round(live[0].update.length * o.topKFraction)) : 1
  // Top-k sets are computed lazily: overlap only matters for pairs whose cosine is already high (see isCopy).
  const tops: Array<Uint32Array | undefined> = []
  const top = (i: number): Uint32Array => (tops[i] ??= topKIndices(live[i].update, k))
  const found = new Map<number, CopyFinding>()
  const record = (payer: CopyCandidate, orig: CopyCandidate, cos: number, overlap: number): void => {
    const prev = found.get(payer.uid)
    if (prev !== undefined && prev.ofArrivalMs <= orig.arrivalMs) return
    found.set(payer.uid, { uid: payer.uid, of: orig.uid, cosine: cos, overlap, arrivalMs: payer.arrivalMs, ofArrivalMs: orig.arrivalMs })
  }
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const cos = cosine(live[i].update, live[j].update)
      if (cos < Math.min(o.cosine, o.overlapCosine)) continue
      const overlap = indexOverlap(top(i), top(j))
      if (!isCopy(cos, overlap, o)) continue
      const a = live[i]; const b = live[j]
      if (a.arrivalMs <= b.arrivalMs) record(b, a, cos, overlap)
      if (b.arrivalMs <= a.arrivalMs) record(a, b, cos, overlap)
    }
  }
  return [...found.values()].sort((x, y) => x.uid - y.uid)
}

/** A current update that resembles an update already published in an earlier round (a replay). */
export interface ReplayFinding {
  uid: number
  /** Uid and round of the earlier update it matches. */
  of: number
  ofRound: number
  cosine: number
  overlap: number
}

/** Finds current updates that replay earlier rounds' updates (any publisher, including the miner itself). */
export function detectReplays (
  current: readonly { uid: number, update: Float32Array }[],
  earlier: readonly { uid: number, round: number, update: Float32Array }[],
  options: CopyOptions = {},
): ReplayFinding[] {
  const o = resolved(options)
  const out: ReplayFinding[] = []
  const live = earlier.filter((e) => l2norm(e.update) > 0)
  if (live.length === 0) return out
  // Top-k sets are computed once per vector: sorting dominates the cost on large models.
  const k = Math.max(1, Math.round(live[0].update.length * o.topKFraction))
  const liveTops = live.map((e) => topKIndices(e.update, k))
  for (const c of current) {
    if (l2norm(c.update) === 0) continue
    let top: Uint32Array | null = null
    for (const [j, e] of live.entries()) {
      if (e.update.length !== c.update.length) continue
      const cos = cosine(c.update, e.update)
      // Overlap only matters with a high enough cosine (see isCopy), so skip the top-k otherwise.
      if (cos < Math.min(o.cosine, o.overlapCosine)) continue
      top ??= topKIndices(c.update, k)
      const overlap = indexOverlap(top, liveTops[j])
      if (isCopy(cos, overlap, o)) {
        out.push({ uid: c.uid, of: e.uid, ofRound: e.round, cosine: cos, overlap })
        break
      }
    }
  }
  return out
}
