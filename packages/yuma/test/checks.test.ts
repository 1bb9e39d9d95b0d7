import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { YumaError, checkSetWeights, type SetWeightsCall, type SetWeightsState } from '../src/index.ts'

// A validator (uid 1) on an 8-uid subnet whose call passes every check.
const okState: SetWeightsState = {
  netuid: 3,
  n: 8,
  block: 1000,
  callerUid: 1,
  callerStake: 5000n,
  lastUpdate: 800,
  validatorPermit: true,
  ownerUid: 0,
  stakeThreshold: 1000n,
  weightsVersionKey: 7n,
  weightsSetRateLimit: 100,
  commitRevealWeightsEnabled: false,
  minAllowedWeights: 2,
  maxWeightsLimit: 65535,
}
const okCall: SetWeightsCall = { uids: [2, 3, 4], values: [100, 200, 400], versionKey: 7n }

const check = (s: Partial<SetWeightsState>, c: Partial<SetWeightsCall> = {}) =>
  checkSetWeights({ ...okState, ...s }, { ...okCall, ...c })
const errorOf = (s: Partial<SetWeightsState>, c: Partial<SetWeightsCall> = {}): string => {
  const r = check(s, c)
  return r.ok ? 'ok' : r.error
}

describe('checkSetWeights', () => {
  test('a valid call passes and returns the max-upscaled row the chain stores', () => {
    const r = check({})
    assert.ok(r.ok)
    assert.deepEqual(r.stored, [[2, 16384], [3, 32768], [4, 65535]])
  })

  test('each check fails with the chain error name', () => {
    assert.equal(errorOf({ commitRevealWeightsEnabled: true }), 'CommitRevealEnabled')
    assert.equal(errorOf({ netuid: 0 }), 'CanNotSetRootNetworkWeights')
    assert.equal(errorOf({}, { values: [1, 2] }), 'WeightVecNotEqualSize')
    assert.equal(errorOf({ subnetExists: false }), 'MechanismDoesNotExist')
    assert.equal(errorOf({}, { mecid: 1 }), 'MechanismDoesNotExist')
    assert.equal(errorOf({ mechanismCount: 2 }, { mecid: 1 }), 'ok')
    assert.equal(errorOf({ n: 2 }, { uids: [0, 1, 2], values: [1, 1, 1] }), 'UidsLengthExceedUidsInSubNet')
    assert.equal(errorOf({ callerUid: null }), 'HotKeyNotRegisteredInSubNet')
    assert.equal(errorOf({ callerStake: 999n }), 'NotEnoughStakeToSetWeights')
    assert.equal(errorOf({ callerStake: 999.99 }), 'NotEnoughStakeToSetWeights') // floored to u64
    assert.equal(errorOf({}, { versionKey: 6n }), 'IncorrectWeightVersionKey')
    assert.equal(errorOf({ lastUpdate: 901 }), 'SettingWeightsTooFast')
    assert.equal(errorOf({ validatorPermit: false }), 'NeuronNoValidatorPermit')
    assert.equal(errorOf({}, { uids: [2, 2, 4] }), 'DuplicateUids')
    assert.equal(errorOf({}, { uids: [2, 3, 8] }), 'UidVecContainInvalidOne')
    assert.equal(errorOf({ minAllowedWeights: 4 }), 'WeightVecLengthIsLow')
    assert.equal(errorOf({ maxWeightsLimit: 32768 }), 'MaxWeightExceeded') // 400/700 > 0.5
  })

  test('checks run in chain order: the first failing one is reported', () => {
    // Everything wrong at once: the root-network check comes before the size check, and so on.
    const all: Partial<SetWeightsState> = { netuid: 0, callerUid: null, callerStake: 0n, lastUpdate: 999, validatorPermit: false }
    assert.equal(errorOf(all, { values: [1], versionKey: 0n }), 'CanNotSetRootNetworkWeights')
    assert.equal(errorOf({ ...all, netuid: 3 }, { values: [1], versionKey: 0n }), 'WeightVecNotEqualSize')
    assert.equal(errorOf({ ...all, netuid: 3 }, { versionKey: 0n }), 'HotKeyNotRegisteredInSubNet')
    assert.equal(errorOf({ ...all, netuid: 3, callerUid: 1 }, { versionKey: 0n }), 'NotEnoughStakeToSetWeights')
    assert.equal(errorOf({ ...all, netuid: 3, callerUid: 1, callerStake: 10n ** 6n }, { versionKey: 0n }), 'IncorrectWeightVersionKey')
    assert.equal(errorOf({ ...all, netuid: 3, callerUid: 1, callerStake: 10n ** 6n }), 'SettingWeightsTooFast')
    // Rate limit before permit, permit before duplicates, duplicates before invalid uids.
    assert.equal(errorOf({ lastUpdate: 999, validatorPermit: false }, { uids: [9, 9, 9] }), 'SettingWeightsTooFast')
    assert.equal(errorOf({ validatorPermit: false }, { uids: [9, 9, 9] }), 'NeuronNoValidatorPermit')
    assert.equal(errorOf({}, { uids: [9, 9, 3] }), 'DuplicateUids')
  })

  test('rate limit: LastUpdate 0 never limits; exactly the limit passes; off under commit-reveal reveals', () => {
    assert.equal(errorOf({ lastUpdate: 0, block: 5 }), 'ok')
    assert.equal(errorOf({ lastUpdate: 900 }), 'ok')
    assert.equal(errorOf({ lastUpdate: 901 }), 'SettingWeightsTooFast')
    assert.equal(errorOf({ commitRevealWeightsEnabled: true, lastUpdate: 999 }, { via: 'reveal' }), 'ok')
  })

  test('version key 0 on the network accepts any key', () => {
    assert.equal(errorOf({ weightsVersionKey: 0n }, { versionKey: 0n }), 'ok')
    assert.equal(errorOf({}, { versionKey: 8n }), 'ok')
  })

  test('self-weight: allowed without permit, below min length and above the max limit', () => {
    const self: Partial<SetWeightsCall> = { uids: [1], values: [65535] }
    assert.equal(errorOf({ validatorPermit: false, minAllowedWeights: 4, maxWeightsLimit: 100 }, self), 'ok')
    // One entry to another uid is not a self-weight.
    assert.equal(errorOf({ validatorPermit: false }, { uids: [2], values: [65535] }), 'NeuronNoValidatorPermit')
  })

  test('the owner is exempt from the stake threshold and the permit', () => {
    assert.equal(errorOf({ callerUid: 0, callerStake: 0n, validatorPermit: false }), 'ok')
  })

  test('min allowed weights is capped at n; zero values count', () => {
    assert.equal(errorOf({ n: 3, minAllowedWeights: 1024 }, { uids: [0, 1, 2], values: [0, 0, 5] }), 'ok')
    assert.equal(errorOf({ minAllowedWeights: 3 }, { uids: [2, 3, 4], values: [0, 0, 5] }), 'ok')
  })

  test('max weight limit compares the normalised, max-upscaled values with limit/65535', () => {
    // Three equal weights normalise to 1/3 = 21845/65535 exactly (in truncated I32F32).
    assert.equal(errorOf({ maxWeightsLimit: 21845 }, { values: [1, 1, 1] }), 'ok')
    assert.equal(errorOf({ maxWeightsLimit: 21844 }, { values: [1, 1, 1] }), 'MaxWeightExceeded')
  })

  test('malformed calls throw a coded error', () => {
    assert.throws(() => check({}, { uids: [1.5, 2, 3] }), (e) => e instanceof YumaError && e.code === 'INVALID_CALL')
    assert.throws(() => check({}, { values: [70000, 1, 1] }), (e) => e instanceof YumaError && e.code === 'INVALID_CALL')
    assert.throws(() => check({}, { versionKey: -1 }), (e) => e instanceof YumaError && e.code === 'INVALID_CALL')
  })
})
