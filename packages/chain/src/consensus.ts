/**
 * Pure glue between anchored rankings and a Yuma epoch: pick each validator's latest ranking in chain order and lay
 * the weights out as sparse rows by uid. The epoch itself is injected (packages/yuma), so this file does no math.
 */
import { epoch, DEFAULT_HYPERPARAMETERS, type EpochResult, type YumaHyperparameters } from '@tensormesh/yuma'
import type { AnchoredRanking, RankingView } from './types.ts'

export interface ConsensusInput {
  /** Number of uids. */
  n: number
  hotkeys: string[]
  /** Stake per uid, smallest chain unit. */
  stake: bigint[]
  /** Sparse weight rows by uid: `[destUid, u16 weight]`; empty for uids that did not rank. */
  weights: Array<Array<[number, number]>>
  /** Block at which each uid last anchored a ranking (0 = never), the epoch's LastUpdate. */
  lastUpdate: number[]
  /** uids whose ranking is used, ascending. */
  validators: number[]
}

/** Later rankings of a hotkey replace earlier ones (chain order), like `set_weights` overwriting a row. */
export function latestPerHotkey<R extends RankingView> (rankings: readonly AnchoredRanking<R>[]): Map<string, AnchoredRanking<R>> {
  const out = new Map<string, AnchoredRanking<R>>()
  for (const r of rankings) out.set(r.hotkey, r)
  return out
}

/** Builds the epoch input; rankings by hotkeys outside `hotkeys` and weights to unknown uids are ignored. */
export function buildConsensusInput<R extends RankingView> (hotkeys: readonly string[], stake: readonly bigint[], rankings: readonly AnchoredRanking<R>[]): ConsensusInput {
  const n = hotkeys.length
  const uidOf = new Map(hotkeys.map((h, i) => [h, i]))
  const weights: Array<Array<[number, number]>> = Array.from({ length: n }, () => [])
  const lastUpdate = new Array<number>(n).fill(0)
  const validators: number[] = []
  for (const [hotkey, r] of latestPerHotkey(rankings)) {
    const uid = uidOf.get(hotkey)
    if (uid === undefined) continue
    const row = new Map<number, number>()
    const { uids, weights: w } = r.ranking
    for (let i = 0; i < uids.length && i < w.length; i++) if (uids[i] < n) row.set(uids[i], w[i])
    weights[uid] = [...row.entries()].sort((a, b) => a[0] - b[0])
    lastUpdate[uid] = r.blockNumber
    validators.push(uid)
  }
  validators.sort((a, b) => a - b)
  return { n, hotkeys: [...hotkeys], stake: [...stake], weights, lastUpdate, validators }
}

/** Devnet epoch numbering: `floor(block / tempo)`. */
export function epochAtBlock (block: number, tempo: number): number {
  return Math.floor(block / Math.max(1, tempo))
}

/** Options for running Yuma over a devnet consensus input. */
export interface DevnetEpochOptions {
  /** Current block (activity cutoff is measured from it). */
  block: number
  /** Emission of the epoch in the smallest unit (default 1e9, one TAO in rao, for readable proportions). */
  emission?: bigint
  /** Previous bonds rows (from the last view's `bonds`); empty = first epoch. */
  bonds?: ReadonlyArray<ReadonlyArray<readonly [number, number]>>
  hyperparameters?: Partial<YumaHyperparameters>
}

/**
 * Devnet hyperparameters: weights are public remarks, so commit-reveal is off; everything else is what a new
 * subnet gets (`DEFAULT_HYPERPARAMETERS`: Yuma3, κ = 0.5, 64 validators).
 */
export const DEVNET_HYPERPARAMETERS: Partial<YumaHyperparameters> = { commitRevealWeightsEnabled: false }

/**
 * Yuma's epoch over anchored devnet rankings. Validator permits are the top-k stakes (k = maxAllowedValidators),
 * registration blocks are 0 (devnet members are registered from the start).
 */
export function devnetEpoch (input: ConsensusInput, opts: DevnetEpochOptions): EpochResult {
  const hyperparameters = { ...DEVNET_HYPERPARAMETERS, ...opts.hyperparameters }
  const k = hyperparameters.maxAllowedValidators ?? DEFAULT_HYPERPARAMETERS.maxAllowedValidators
  return epoch({
    n: input.n,
    block: opts.block,
    stakes: input.stake,
    weights: input.weights,
    bonds: opts.bonds ?? [],
    lastUpdate: input.lastUpdate,
    blockAtRegistration: new Array<number>(input.n).fill(0),
    validatorPermit: topkPermits(input.stake, k),
    emission: opts.emission ?? 1_000_000_000n,
    hyperparameters,
  })
}

/** Top-k nonzero stakes get a permit (ties: lower uid wins), as `is_topk_nonzero`. */
export function topkPermits (stake: readonly bigint[], k: number): boolean[] {
  const order = stake.map((s, i) => [s, i] as const).filter(([s]) => s > 0n)
    .sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : (a[0] > b[0] ? -1 : 1)))
  const out = new Array<boolean>(stake.length).fill(false)
  for (const [, i] of order.slice(0, k)) out[i] = true
  return out
}
