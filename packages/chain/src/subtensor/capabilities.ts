/**
 * What a subtensor runtime offers, read from its metadata: storage items and calls of `SubtensorModule` change
 * between spec versions, so every reader checks here first and fails with the names of what is missing.
 */
import type { Metadata } from '@polkadot/types'
import { stringCamelCase } from '@polkadot/util'
import { ChainError } from '../errors.ts'

export interface SubtensorCapabilities {
  specVersion: number | null
  palletIndex: number
  /** Storage item names of SubtensorModule, as in the metadata (PascalCase). */
  storage: ReadonlySet<string>
  /** Call names, snake_case as in the metadata. */
  calls: ReadonlySet<string>
  /** Where per-hotkey stake lives: dTAO's per-subnet alpha, or the older global stake. */
  stakeSource: 'TotalHotkeyAlpha' | 'TotalHotkeyStake' | null
  /** Hash commit-reveal (`commit_weights` + `reveal_weights`) exists. */
  hashCommitReveal: boolean
  /** The timelocked commit call this runtime has (drand TLE), if any. */
  timelockedCommit: 'commit_timelocked_weights' | 'commit_crv3_weights' | null
}

/** Storage the metagraph reader needs (per netuid / mechanism index 0). */
export const METAGRAPH_STORAGE = ['SubnetworkN', 'Keys', 'Active', 'ValidatorPermit', 'Consensus', 'Incentive', 'Dividends', 'Emission', 'LastUpdate'] as const

/** Hyperparameters read when present (names vary by version; absent ones are reported, not fatal). */
export const HYPERPARAMETER_STORAGE = [
  'Tempo', 'Kappa', 'BondsMovingAverage', 'BondsPenalty', 'AlphaValues', 'LiquidAlphaOn', 'Yuma3On', 'ActivityCutoff',
  'ActivityCutoffFactorMilli', 'MinAllowedWeights', 'MaxWeightsLimit', 'WeightsSetRateLimit', 'WeightsVersionKey',
  'MaxAllowedValidators', 'MaxAllowedUids', 'CommitRevealWeightsEnabled', 'CommitRevealWeightsVersion', 'RevealPeriodEpochs',
  'StakeThreshold', 'Burn', 'ImmunityPeriod', 'MechanismCountCurrent',
] as const

export function subtensorCapabilities (metadata: Metadata, specVersion: number | null = null): SubtensorCapabilities {
  const latest = metadata.asLatest
  const pallet = latest.pallets.find((p) => p.name.toString() === 'SubtensorModule')
  if (pallet === undefined) throw new ChainError('UNSUPPORTED_RUNTIME', 'this chain has no SubtensorModule pallet: it is not a subtensor chain', { specVersion })
  const storage = new Set(pallet.storage.isSome ? pallet.storage.unwrap().items.map((i) => i.name.toString()) : [])
  const calls = new Set<string>()
  if (pallet.calls.isSome) {
    const def = metadata.registry.lookup.getSiType(pallet.calls.unwrap().type).def
    if (def.isVariant) for (const v of def.asVariant.variants) calls.add(v.name.toString())
  }
  return {
    specVersion,
    palletIndex: pallet.index.toNumber(),
    storage,
    calls,
    stakeSource: storage.has('TotalHotkeyAlpha') ? 'TotalHotkeyAlpha' : storage.has('TotalHotkeyStake') ? 'TotalHotkeyStake' : null,
    hashCommitReveal: calls.has('commit_weights') && calls.has('reveal_weights'),
    timelockedCommit: calls.has('commit_timelocked_weights') ? 'commit_timelocked_weights' : calls.has('commit_crv3_weights') ? 'commit_crv3_weights' : null,
  }
}

/** Names from `names` the runtime lacks. */
export function missingStorage (caps: SubtensorCapabilities, names: readonly string[]): string[] {
  return names.filter((n) => !caps.storage.has(n))
}

/** Throws MISSING_STORAGE naming every absent item (and the runtime version) for `purpose`. */
export function requireStorage (caps: SubtensorCapabilities, names: readonly string[], purpose: string): void {
  const missing = missingStorage(caps, names)
  if (missing.length > 0) {
    throw new ChainError('MISSING_STORAGE', `${purpose} needs SubtensorModule storage ${missing.join(', ')}, which this runtime${caps.specVersion === null ? '' : ` (spec ${caps.specVersion})`} does not have`, { missing, specVersion: caps.specVersion, purpose })
  }
}

export function requireCall (caps: SubtensorCapabilities, name: string): void {
  if (!caps.calls.has(name)) {
    throw new ChainError('MISSING_CALL', `this runtime${caps.specVersion === null ? '' : ` (spec ${caps.specVersion})`} has no SubtensorModule.${name}`, { call: name, specVersion: caps.specVersion })
  }
}

/** polkadot-js accessor names (`api.query.subtensorModule.<x>`, `api.tx.subtensorModule.<x>`). */
export const jsName = (metadataName: string): string => stringCamelCase(metadataName)
