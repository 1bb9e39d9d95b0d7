// Validators' float weights → the SDK's u16 conversion → subtensor's epoch (packages/yuma, bit-exact) → incentive.
import { carryOver, checkSetWeights, convertWeightsAndUidsForEmit, epoch } from '@tensormesh/yuma'
import type { EpochResult, EpochSnapshot } from '@tensormesh/yuma'

export interface ConsensusView {
  /** Incentive share per uid (float, sums to 1 over miners when any weight was set). */
  incentive: number[]
  dividends: number[]
  consensus: number[]
  /** The u16 rows each validator would have sent with set_weights. */
  u16: Array<{ uid: number, uids: number[], values: number[] }>
  /** Calls the chain's set_weights checks would refuse (their weights are not stored). */
  rejected: Array<{ uid: number, error: string }>
}

/**
 * A subnet of `miners` miner uids (0..miners-1) and validator uids after them, each validator with `stake`.
 * One epoch per call; bonds carry over as on chain (Yuma3, the default for new subnets).
 */
export class YumaSubnet {
  private snapshot: EpochSnapshot
  private readonly tempo = 360
  readonly validatorUids: number[]

  constructor (miners: number, stakes: readonly number[]) {
    const n = miners + stakes.length
    this.validatorUids = stakes.map((_, v) => miners + v)
    this.snapshot = {
      n,
      block: this.tempo,
      stakes: [...new Array<number>(miners).fill(0), ...stakes],
      weights: new Array(n).fill(undefined),
      bonds: new Array(n).fill(undefined),
      lastUpdate: new Array<number>(n).fill(0),
      blockAtRegistration: new Array<number>(n).fill(0),
      validatorPermit: [...new Array<boolean>(miners).fill(false), ...stakes.map(() => true)],
      lastMechanismStepBlock: 0,
      emission: 1_000_000_000,
      hyperparameters: { tempo: this.tempo, commitRevealWeightsEnabled: false, minAllowedWeights: 1 },
    }
  }

  /** Runs one epoch with each validator's float weights (`uids`/`weights` as value's `emaToWeights` returns them). */
  epoch (validatorWeights: ReadonlyArray<{ uids: number[], weights: number[] }>): ConsensusView {
    const s = this.snapshot
    const weights = [...s.weights]
    const lastUpdate = [...s.lastUpdate]
    const u16: ConsensusView['u16'] = []
    const rejected: ConsensusView['rejected'] = []
    const h = s.hyperparameters ?? {}
    validatorWeights.forEach((w, v) => {
      const uid = this.validatorUids[v]
      if (w.uids.length === 0) return // the SDK sets no weights when all are zero
      const conv = convertWeightsAndUidsForEmit(w.uids, w.weights)
      u16.push({ uid, ...conv })
      // What the chain would check before storing them (packages/yuma's port of internal_set_weights).
      const check = checkSetWeights({
        netuid: 1, n: s.n, block: s.block, callerUid: uid, callerStake: s.stakes[uid], lastUpdate: s.lastUpdate[uid],
        validatorPermit: s.validatorPermit[uid], stakeThreshold: 0, weightsVersionKey: 0, weightsSetRateLimit: 100,
        commitRevealWeightsEnabled: h.commitRevealWeightsEnabled ?? false, minAllowedWeights: h.minAllowedWeights ?? 1, maxWeightsLimit: 65535,
      }, { uids: conv.uids, values: conv.values, versionKey: 0 })
      if (!check.ok) { rejected.push({ uid, error: check.error }); return }
      weights[uid] = check.stored
      lastUpdate[uid] = s.block
    })
    const snap: EpochSnapshot = { ...s, weights, lastUpdate }
    const r: EpochResult = epoch(snap)
    this.snapshot = { ...carryOver(snap, r), block: s.block + this.tempo, lastMechanismStepBlock: s.block }
    return { incentive: r.proportions.incentive, dividends: r.proportions.dividends, consensus: r.proportions.consensus, u16, rejected }
  }
}
