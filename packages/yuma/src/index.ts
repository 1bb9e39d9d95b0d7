/**
 * Yuma Consensus as subtensor runs it: a bit-exact port of the sparse epoch (fixed-point I32F32 /
 * I64F64 / I96F32 arithmetic, weighted-median consensus, clipping, Yuma2 and Yuma3 bonds with liquid
 * alpha), the SDK's float → u16 weight conversion, the chain's max-upscale and the ordered
 * set_weights checks. Pure functions, no I/O, no dependencies.
 *
 * @example
 * ```ts
 * import { epoch, convertWeightsAndUidsForEmit, checkSetWeights } from '@tensormesh/yuma'
 *
 * const { uids, values } = convertWeightsAndUidsForEmit([2, 3], [0.25, 0.75]) // → [21845, 65535]
 * const r = epoch({
 *   n: 4, block: 100, emission: 1_000_000_000n,
 *   stakes: [1n, 1n, 0n, 0n], lastUpdate: [99, 99, 0, 0], blockAtRegistration: [0, 0, 0, 0],
 *   validatorPermit: [true, true, false, false],
 *   weights: [uids.map((u, i) => [u, values[i]]), [[2, 65535], [3, 65535]]], bonds: [],
 *   hyperparameters: { tempo: 10, yuma3On: true, commitRevealWeightsEnabled: false },
 * })
 * r.incentive        // u16 per uid, as the chain stores `Incentive`
 * r.serverEmission   // bigint rao per uid
 * r.proportions.dividends // floats
 * ```
 *
 * @packageDocumentation
 */
export { YumaError, type YumaErrorCode } from './errors.ts'
export {
  ONE, HALF, mul, safeDiv, satAdd, satSub, proportionToU16, u16ToProportion, toFloat, toI64F64,
  mulWideN, checkedMulN, satMulN, checkedDivN, safeDivN, satDivN, satAddN, satSubN, roundN, toU16N,
  safeDiv64N, fixed64To32N, proportionOfAmount,
} from './fixed.ts'
export {
  type SparseRow, type SparseMatrix, type LiquidAlphaParams, sparseRow, expFixed, expSafe, EXP_ONE_RAW,
  liquidAlphaSigmoid, weightedMedian, weightedMedianColSparse, isTopkNonzero, colClipSparse,
  matEmaAlphaSparse, matEmaSparse, interpolateSparse,
} from './math.ts'
export {
  type EpochSnapshot, type EpochResult, type YumaHyperparameters, type U16Row, epoch, carryOver,
  type PackedU16Row, type PackedEpochSnapshot, type PackedEpochResult, epochPacked,
  activityCutoffBlocks, bondsMovingAverageAlpha, DEFAULT_HYPERPARAMETERS, RUNTIME_DEFAULT_HYPERPARAMETERS,
} from './epoch.ts'
export {
  convertWeightsAndUidsForEmit, vecMaxUpscaleToU16, vecU16MaxUpscaleToU16, normalizeMaxWeight, numpySumF32,
  roundHalfEven, commitHashPreimage,
} from './weights.ts'
export {
  type SetWeightsState, type SetWeightsCall, type SetWeightsCheck, type SetWeightsError, checkSetWeights,
  checkVecMaxLimited, isSelfWeight,
} from './checks.ts'
