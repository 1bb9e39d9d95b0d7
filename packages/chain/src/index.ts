/**
 * @packageDocumentation
 * TensorMesh's chain layer: one {@link ChainAnchor} interface over two implementations, and Bittensor wallets.
 *
 * - **devnet** (default, offline): a real Substrate runtime (Rococo Asset Hub) run in-process by Chopsticks, persisted
 *   in the data directory. Rankings are anchored as `system.remarkWithEvent` (tag `TMR1` + the wire ranking message),
 *   read back in chain order and turned into a consensus view by packages/yuma. Stake = devnet free balance.
 * - **subtensor** (finney / test / local / URL): rankings become `set_weights` (pre-checked with yuma's
 *   `checkSetWeights`) or hash commit-reveal; the metagraph is read from storage detected in the runtime's metadata.
 * - **wallets**: btcli's layout and keyfile format (`$NACL` Argon2i + secretbox), read and written both ways.
 *
 * Never imports libp2p or tfjs. Secrets are never logged.
 *
 * @example
 * ```ts
 * import { openChain, loadHotkey } from '@tensormesh/chain'
 * import { encodeRanking, signRanking } from '@tensormesh/wire'
 *
 * const hotkey = await loadHotkey({ name: 'default', hotkey: 'default' })       // ~/.bittensor/wallets/default/hotkeys/default
 * const chain = await openChain({ kind: 'devnet', dataDir: './.tensormesh/devnet',
 *   accounts: [{ address: hotkey.address, free: 10n ** 15n }], members: [hotkey.address] })
 * console.log(chain.anchor.kind, chain.anchor.network)                          // 'devnet' 'devnet'
 * const bytes = encodeRanking(signRanking(hotkey, { netuid: 1, epoch: 3, uids: Uint16Array.of(0), weights: Uint16Array.of(65535), versionKey: 0 }))
 * await chain.anchor.anchorRanking(hotkey, bytes)
 * const { rankings } = await chain.anchor.readRankings(1, 3)                    // chain order, signatures verified
 * await chain.close()
 * ```
 */
export { ChainError, isChainError, type ChainErrorCode } from './errors.ts'
export type {
  ChainKind, ChainAnchor, BlockRef, RankingView, RankingCodec, AnchoredRanking, RejectedRanking, ReadRankingsResult,
  AnchorReceipt, Metagraph,
} from './types.ts'
export { openChain, type ChainConfig, type OpenedChain } from './open.ts'
export { wireRankingCodec } from './wire-codec.ts'
export { RANKING_REMARK_TAG, MAX_RANKING_BYTES, frameRanking, unframeRanking } from './remark.ts'
export {
  buildConsensusInput, latestPerHotkey, epochAtBlock, devnetEpoch, topkPermits, DEVNET_HYPERPARAMETERS,
  type ConsensusInput, type DevnetEpochOptions,
} from './consensus.ts'
export { submitSigned, findExtrinsic, describeDispatchError, NonceTracker, type SubmitOptions, type Inclusion } from './tx.ts'
export { startDevnet, type Devnet, type DevnetOptions, type DevnetAccount } from './devnet/launcher.ts'
export { DevnetAnchor, toSs58, type DevnetAnchorOptions, type ConsensusView } from './devnet/anchor.ts'
export { SubtensorAnchor, type SubtensorAnchorOptions } from './subtensor/anchor.ts'
export { SUBTENSOR_NETWORKS, SUBTENSOR_SIGNED_EXTENSIONS, resolveSubtensorNetwork, type SubtensorNetworkName } from './subtensor/presets.ts'
export {
  subtensorCapabilities, requireStorage, requireCall, missingStorage, METAGRAPH_STORAGE, HYPERPARAMETER_STORAGE,
  type SubtensorCapabilities,
} from './subtensor/capabilities.ts'
export { readMetagraph, readStakes, readHyperparameters } from './subtensor/metagraph.ts'
export { commitHash, randomSalt, type WeightsPayload } from './subtensor/calls.ts'
export { PendingCommitStore, type PendingCommit, type CommitStatus } from './subtensor/commits.ts'
export { offlineRuntime, signOffline, signingPayload, type RuntimeMaterial, type OfflineRuntime, type OfflineSignOptions, type OfflineSigned } from './subtensor/offline.ts'
export {
  DEFAULT_WALLET_ROOT, walletPaths, createWallet, importColdkey, importHotkey, loadColdkey, loadHotkey, readColdkeypub,
  listWallets, type WalletRef, type WalletInfo, type CreateWalletOptions, type KeyfileSecret,
} from './wallet/wallet.ts'
export {
  NACL_SALT, ARGON2I_OPSLIMIT, ARGON2I_MEMLIMIT, keyfileEncryption, keyfileDataFromMnemonic, keyfileDataFromSeed,
  publicKeyfileData, serializeKeyfileData, parseKeyfileData, pairFromKeyfileData, deriveKeyfileKey, encryptKeyfile,
  decryptKeyfile, secretKeyToBtwallet, secretKeyFromBtwallet, type KeyfileData, type KeyfileEncryption,
} from './wallet/keyfile.ts'
export { writeFileAtomic } from './util/fs.ts'
