import type { KeyringPair } from '@polkadot/keyring/types'

/** Which chain implementation is in use; the UI always shows it together with {@link ChainAnchor.network}. */
export type ChainKind = 'devnet' | 'subtensor'

/** A block as seen by round timing. */
export interface BlockRef {
  number: number
  hash: string
}

/**
 * The fields of a ranking message the chain layer needs. The wire package owns the message format; chain only
 * sees it through an injected {@link RankingCodec}, so it stays a byte-level anchor.
 */
export interface RankingView {
  netuid: number
  epoch: number
  /** Validator hotkey: SS58 string or 32-byte public key. */
  hotkey: string | Uint8Array
  uids: Uint16Array
  weights: Uint16Array
  versionKey: bigint | number
}

/** Decodes and verifies ranking message bytes (implemented by @tensormesh/wire; tests may pass their own). */
export interface RankingCodec<R extends RankingView = RankingView> {
  /** Throws on malformed input. */
  decode (bytes: Uint8Array): R
  /** True when the message signature is valid for `r.hotkey`. */
  verify (r: R, bytes: Uint8Array): boolean
}

/** One ranking found on chain. */
export interface AnchoredRanking<R extends RankingView = RankingView> {
  blockNumber: number
  blockHash: string
  extrinsicIndex: number
  /** SS58 of the account that signed the extrinsic carrying it. */
  signer: string
  /** Hotkey of the ranking (SS58). */
  hotkey: string
  ranking: R
  bytes: Uint8Array
}

/** A ranking seen on chain and refused, with the reason (counted, never silently dropped). */
export interface RejectedRanking {
  blockNumber: number
  extrinsicIndex: number
  signer: string
  reason: 'malformed' | 'bad-signature' | 'signer-mismatch' | 'wrong-netuid'
}

export interface ReadRankingsResult<R extends RankingView = RankingView> {
  /** Valid rankings of the epoch, in chain order (block number, then extrinsic index). */
  rankings: AnchoredRanking<R>[]
  rejected: RejectedRanking[]
  /** Highest block scanned. */
  scannedTo: number
}

export interface AnchorReceipt {
  blockNumber: number
  blockHash: string
  extrinsicHash: string
  extrinsicIndex: number
  /** How the anchor was made on chain. */
  method: 'system.remarkWithEvent' | 'subtensorModule.setWeights' | 'subtensorModule.commitWeights' | 'subtensorModule.revealWeights' | 'subtensorModule.burnedRegister'
  /** True if the connection dropped and the result was recovered by looking at the chain. */
  recovered: boolean
}

/** Metagraph of one subnet, vectors indexed by uid. u16 fields are raw chain values (divide by 65535). */
export interface Metagraph {
  netuid: number
  block: number
  n: number
  uids: number[]
  hotkeys: string[]
  coldkeys: string[]
  /** Stake in the chain's smallest unit (rao on subtensor, planck of the devnet balance on devnet). */
  stake: bigint[]
  validatorPermit: boolean[]
  active: boolean[]
  incentive: number[]
  dividends: number[]
  consensus: number[]
  validatorTrust: number[]
  emission: bigint[]
  lastUpdate: number[]
  hyperparameters: Record<string, string | number | boolean | bigint | number[]>
}

/** One interface over the devnet and subtensor; see README for which operations each supports. */
export interface ChainAnchor {
  readonly kind: ChainKind
  /** Network name shown in the UI, e.g. `devnet`, `finney`, `test`, `local`, or the URL. */
  readonly network: string
  readonly endpoint: string
  connect (): Promise<void>
  close (): Promise<void>
  bestBlock (): Promise<BlockRef>
  /** Calls `onHead` for every new best head; returns an unsubscribe function. */
  subscribeHeads (onHead: (head: BlockRef) => void): Promise<() => void>
  metagraph (netuid: number): Promise<Metagraph>
  /** Stake per hotkey (SS58), in the chain's smallest unit. */
  stakes (netuid: number, hotkeys: readonly string[]): Promise<Map<string, bigint>>
  /** Anchor encoded ranking message bytes, signed on chain by `signer` (the validator hotkey). */
  anchorRanking (signer: KeyringPair, bytes: Uint8Array): Promise<AnchorReceipt>
  /** Every anchored ranking of `epoch` in chain order. */
  readRankings (netuid: number, epoch: number): Promise<ReadRankingsResult>
}
