// Penalties with reason codes. A penalised submission scores zero for the round; the code and its detail stay in the
// score record so that the decision can be audited.
import type { Json, Submission } from './types.ts'
import { allFinite } from './vector.ts'

/** Why a submission scores zero. */
export type PenaltyCode =
  | 'missing' // nothing arrived from this uid
  | 'malformed' // could not be decoded, or has the wrong size
  | 'non-finite' // contains NaN or ±Infinity
  | 'stale-round' // claims another round
  | 'stale-base' // trained from another base model
  | 'late' // arrived after the deadline
  | 'copy' // resembles an update another miner published earlier
  | 'replay' // resembles an update published in an earlier round

export interface Penalty {
  code: PenaltyCode
  detail: { [k: string]: Json }
}

/** What a validator expects of every submission in a round. */
export interface RoundExpectations {
  round: number
  baseHash: string
  /** Updates arriving after this time (ms) are late. */
  deadlineMs: number
  /** Number of model parameters (update length). */
  dim: number
}

/**
 * Checks one submission against the round's expectations; `undefined` means nothing arrived.
 * Returns every penalty that applies (an empty list: the submission may be measured).
 */
export function submissionPenalties (sub: Submission | undefined, expect: RoundExpectations): Penalty[] {
  if (sub === undefined) return [{ code: 'missing', detail: { round: expect.round } }]
  const out: Penalty[] = []
  if (sub.update === null) {
    out.push({ code: 'malformed', detail: { reason: sub.malformed ?? 'no update' } })
  } else if (sub.update.length !== expect.dim) {
    out.push({ code: 'malformed', detail: { reason: 'wrong size', length: sub.update.length, expected: expect.dim } })
  } else if (!allFinite(sub.update)) {
    out.push({ code: 'non-finite', detail: {} })
  }
  if (sub.round !== expect.round) out.push({ code: 'stale-round', detail: { claimed: sub.round, expected: expect.round } })
  if (sub.baseHash !== expect.baseHash) out.push({ code: 'stale-base', detail: { claimed: sub.baseHash, expected: expect.baseHash } })
  if (sub.arrivalMs > expect.deadlineMs) out.push({ code: 'late', detail: { arrivalMs: sub.arrivalMs, deadlineMs: expect.deadlineMs } })
  return out
}
