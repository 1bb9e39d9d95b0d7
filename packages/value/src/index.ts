/**
 * @packageDocumentation
 * Informational value: how much each miner's contribution actually helps, measured by a validator.
 *
 * packages/value decides; evaluation goes through the {@link Evaluator} interface that packages/learn implements.
 * It measures, per miner and round, the relative loss improvement of its update alone on the validator's held-out
 * batch (gradient value), the same on the miner's own assignment (own-data check, kept as a moving average of the
 * sign), the quality of its answers to queries, and its marginal contribution to the round's aggregate (leave-one-out
 * and Shapley by permutation sampling, with standard errors). Copies, replays, stale, late, malformed, non-finite and
 * missing submissions score zero with a reason code. Scores feed an EMA per uid that turns into float weights for
 * packages/yuma's u16 conversion. Every score record is plain JSON carrying its evidence.
 *
 * @example
 * ```ts
 * import { scoreRound, createEma, updateEma, emaToWeights, DEFAULT_VALIDATOR_CONFIG } from '@tensormesh/value'
 *
 * const result = await scoreRound(evaluator, {
 *   validator: 'v1',
 *   expect: { round: 3, baseHash, deadlineMs, dim },
 *   expectedUids: [0, 1, 2],
 *   submissions,                // { uid, round, baseHash, arrivalMs, update, assignment, response }
 *   heldout: { kind: 'heldout', id: 'heldout/v1/r3', seed: 'v1/3', size: 256 },
 *   ownAverages: {},
 * }, DEFAULT_VALIDATOR_CONFIG)
 * let ema = updateEma(createEma(0.3), result.records)
 * const { uids, weights } = emaToWeights(ema.values)   // → yuma's convertWeightsAndUidsForEmit(uids, weights)
 * ```
 */
export type { BatchRef, Evaluator, Json, MaybePromise, Metrics, Predictor, Submission } from './types.ts'
export { ValueError } from './errors.ts'
export type { ValueErrorCode } from './errors.ts'
export { createRng, gaussian, hashSeed, permutation } from './rng.ts'
export { allFinite, cosine, dot, indexOverlap, l2norm, meanOf, median, topKIndices } from './vector.ts'
export { lossDelta, ownDataSign, relativeImprovement, responseScore, scorePredictions } from './measure.ts'
export type { LossDelta, OwnDataCheck, ResponseScore } from './measure.ts'
export { leaveOneOut, memoize, shapleyExact, shapleyPermutation } from './shapley.ts'
export type { LeaveOneOut, ShapleyEstimate, ShapleyOptions, Utility } from './shapley.ts'
export { detectCopies, detectReplays, similarity } from './copies.ts'
export type { CopyCandidate, CopyFinding, CopyOptions, ReplayFinding } from './copies.ts'
export { submissionPenalties } from './penalties.ts'
export type { Penalty, PenaltyCode, RoundExpectations } from './penalties.ts'
export { DEFAULT_SCORE_WEIGHTS, combineScore, createEma, emaStep, emaToWeights, normaliseComponents, updateEma } from './score.ts'
export type { Components, EmaState, ScoreWeights, WeightOptions } from './score.ts'
export { DEFAULT_VALIDATOR_CONFIG, auditRecord, scoreRound, updateDigest } from './round.ts'
export type { AuditMismatch, RoundInput, RoundResult, ScoreRecord, ValidatorConfig } from './round.ts'
