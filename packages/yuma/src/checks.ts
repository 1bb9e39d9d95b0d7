// The chain's set_weights pre-checks (`weights.rs::internal_set_weights`, YUMA.md §2), in order, so
// a node can refuse locally what the chain would reject. Error names are the chain's.
import { YumaError } from './errors.ts'
import { ONE, safeDiv, sum, u16ToProportion } from './fixed.ts'
import { vecU16MaxUpscaleToU16 } from './weights.ts'

/** Chain error names a set_weights call can fail with, in check order. */
export type SetWeightsError =
  | 'CommitRevealEnabled'
  | 'CanNotSetRootNetworkWeights'
  | 'WeightVecNotEqualSize'
  | 'MechanismDoesNotExist'
  | 'UidsLengthExceedUidsInSubNet'
  | 'HotKeyNotRegisteredInSubNet'
  | 'NotEnoughStakeToSetWeights'
  | 'IncorrectWeightVersionKey'
  | 'SettingWeightsTooFast'
  | 'NeuronNoValidatorPermit'
  | 'DuplicateUids'
  | 'UidVecContainInvalidOne'
  | 'WeightVecLengthIsLow'
  | 'MaxWeightExceeded'

/** What the checks read from chain state for the calling hotkey. */
export interface SetWeightsState {
  netuid: number
  /** `SubnetworkN`. */
  n: number
  /** Whether the subnet exists (default true). */
  subnetExists?: boolean
  /** `MechanismCountCurrent` (default 1). */
  mechanismCount?: number
  /** Current block. */
  block: number
  /** The caller's uid, or null when its hotkey is not registered on the subnet. */
  callerUid: number | null
  /** The caller's stake weight (alpha + tao_weight·root), floored to u64 by the check. */
  callerStake: bigint | number
  /** The caller's `LastUpdate[idx]` (0 = never). */
  lastUpdate: number
  /** The caller's current `ValidatorPermit`. */
  validatorPermit: boolean
  ownerUid?: number | null
  stakeThreshold: bigint | number
  weightsVersionKey: bigint | number
  weightsSetRateLimit: number
  commitRevealWeightsEnabled: boolean
  minAllowedWeights: number
  maxWeightsLimit: number
}

/** The call's arguments. */
export interface SetWeightsCall {
  uids: readonly number[]
  values: readonly number[]
  versionKey: bigint | number
  /** Mechanism id (default 0). */
  mecid?: number
  /**
   * 'set_weights' (default): the extrinsic, refused outright while commit-reveal is on.
   * 'reveal': the same checks as run for a reveal (no CommitRevealEnabled, no rate limit with CR on).
   */
  via?: 'set_weights' | 'reveal'
}

export type SetWeightsCheck =
  | { ok: true; stored: Array<[number, number]> }
  | { ok: false; error: SetWeightsError }

/** `is_self_weight`: exactly one entry, and it is the caller's own uid. */
export function isSelfWeight(uid: number, uids: readonly number[], values: readonly number[]): boolean {
  return values.length === 1 && uids.length > 0 && uids[0] === uid
}

/** `check_vec_max_limited`: after normalising as I32F32, no entry exceeds limit/65535. */
export function checkVecMaxLimited(values: readonly number[], maxLimit: number): boolean {
  const limit = u16ToProportion(maxLimit)
  const v = values.map((x) => x * ONE)
  const s = sum(v)
  const normed = s === 0 ? v : v.map((x) => safeDiv(x, s))
  return normed.length === 0 || Math.max(...normed) <= limit
}

/**
 * Apply the chain's ordered set_weights checks; returns the first failing chain error name, or ok
 * with the (uid, value) pairs the chain would store (values max-upscaled).
 */
export function checkSetWeights(state: SetWeightsState, call: SetWeightsCall): SetWeightsCheck {
  validateCall(call)
  const { uids, values } = call
  const fail = (error: SetWeightsError): SetWeightsCheck => ({ ok: false, error })
  const cr = state.commitRevealWeightsEnabled
  if ((call.via ?? 'set_weights') === 'set_weights' && cr) return fail('CommitRevealEnabled')
  if (state.netuid === 0) return fail('CanNotSetRootNetworkWeights')
  if (uids.length !== values.length) return fail('WeightVecNotEqualSize')
  if (state.subnetExists === false || (call.mecid ?? 0) >= (state.mechanismCount ?? 1)) return fail('MechanismDoesNotExist')
  if (uids.length > state.n) return fail('UidsLengthExceedUidsInSubNet')
  const uid = state.callerUid
  if (uid === null || uid >= state.n) return fail('HotKeyNotRegisteredInSubNet')
  const isOwner = state.ownerUid !== undefined && state.ownerUid !== null && state.ownerUid === uid
  if (!isOwner && floorStake(state.callerStake) < BigInt(state.stakeThreshold)) return fail('NotEnoughStakeToSetWeights')
  const netKey = BigInt(state.weightsVersionKey)
  if (!(netKey === 0n || BigInt(call.versionKey) >= netKey)) return fail('IncorrectWeightVersionKey')
  if (!cr && !(state.lastUpdate === 0 || Math.max(0, state.block - state.lastUpdate) >= state.weightsSetRateLimit)) {
    return fail('SettingWeightsTooFast')
  }
  const self = isSelfWeight(uid, uids, values)
  if (!(self || isOwner || state.validatorPermit)) return fail('NeuronNoValidatorPermit')
  if (new Set(uids).size !== uids.length) return fail('DuplicateUids')
  if (uids.some((u) => u >= state.n)) return fail('UidVecContainInvalidOne')
  if (!(self || values.length >= Math.min(state.minAllowedWeights, state.n))) return fail('WeightVecLengthIsLow')
  const upscaled = vecU16MaxUpscaleToU16(values)
  if (!(self || state.maxWeightsLimit === 65535 || checkVecMaxLimited(upscaled, state.maxWeightsLimit))) {
    return fail('MaxWeightExceeded')
  }
  return { ok: true, stored: uids.map((u, i) => [u, upscaled[i]]) }
}

function floorStake(s: bigint | number): bigint {
  return typeof s === 'bigint' ? s : BigInt(Math.floor(s))
}

function validateCall(call: SetWeightsCall): void {
  const u16 = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 65535
  call.uids.forEach((u, i) => {
    if (!u16(u)) throw new YumaError('INVALID_CALL', 'uids must be u16 integers', { field: 'uids', index: i, value: u })
  })
  call.values.forEach((v, i) => {
    if (!u16(v)) throw new YumaError('INVALID_CALL', 'values must be u16 integers', { field: 'values', index: i, value: v })
  })
  const k = call.versionKey
  const okKey = typeof k === 'bigint' ? k >= 0n && k < 1n << 64n : Number.isSafeInteger(k) && k >= 0
  if (!okKey) throw new YumaError('INVALID_CALL', 'versionKey must be a u64', { field: 'versionKey', value: k })
}
