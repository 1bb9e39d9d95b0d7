/**
 * @packageDocumentation
 * The TensorMesh peer: the round loop over learn, value, yuma, mesh and chain; crash-safe persistence in a data
 * directory; a token-protected local API (HTTP JSON + Server-Sent Events) with Prometheus metrics; the `tensormesh`
 * CLI and its offline `demo` (embedded devnet + local peer processes).
 *
 * @example
 * ```ts
 * import { resolveConfig, runPeer, devPair } from '@tensormesh/node'
 *
 * const config = resolveConfig({
 *   dataDir: '/tmp/peer-1', file: null, env: process.env,
 *   flags: { role: 'miner', network: 'devnet', chain: 'ws://127.0.0.1:8000', members: ['5F…', '5G…'] },
 * })
 * const running = await runPeer(config, await devPair('//peer-1'))
 * running.peer.events.on('round:start', (r) => console.log('round', r.round))
 * running.peer.events.on('rankings:consensus', (v) => console.log(v.rank))
 * console.log(running.api.url, running.api.token)   // GET /status with "Authorization: Bearer <token>"
 * await running.stop()
 * ```
 */
export { NodeError, type NodeErrorCode } from './errors.ts'
export {
  resolveConfig, applySource, defaultConfig, defaultDataDir, envPartial, chainEndpoint, publicConfig, ENV_KEYS, NETWORK_ENDPOINTS,
  type PeerConfig, type PartialConfig, type Role, type Network, type Behaviour, type RoundConfig, type TrainConfig, type CodecConfig,
} from './config.ts'
export { writeFileAtomic, writeJsonAtomic, readJson, appendJsonLine, readJsonLines } from './persist.ts'
export { createLogger, redact, streamSink, type Logger, type LogLevel, type LogRecord, type LogSink } from './logger.ts'
export {
  dataPaths, ensureDataDir, loadState, saveState, emptyState, AnchorJournal,
  type DataPaths, type PeerState, type Contribution, type AnchorEntry,
} from './datadir.ts'
export { createWallet, importWallet, listWallets, unlockWallet, hotkeyState, devPair, DEFAULT_WALLET_ROOT, type WalletInfo, type WalletLocation } from './wallet.ts'
export { wallClock, blockClock, wallRound, blockRound, adaptiveCollectMs, type RoundClock, type RoundTime } from './clock.ts'
export {
  createPeer, Peer, PeerEmitter, consensusFromAnchors, consensusInput, toWireTensor, fromWireTensor, validatorSetup, peerViews, anchorRows,
  type PeerDeps,
} from './peer.ts'
export { createMeshPort, createDevnetPort, startDevnetPort, type MeshPort, type ChainPort } from './adapters.ts'
export { startApi, authorized, newToken, parseControl, type ApiServer, type ApiSource } from './api.ts'
export { createPeerMetrics, type PeerMetrics } from './metrics.ts'
export { runPeer, connectChain, type RunningPeer } from './runtime.ts'
export { replayRound, type ReplayReport, type ReplayCheck } from './replay.ts'
export { readTranscript, writeTranscript, type RoundTranscript } from './transcript.ts'
export { startDemo, runDemo, spawnDevnet, demoPeers, demoOptionsFromFlags, type Demo, type DemoOptions, type DemoChild } from './demo.ts'
export type * from './api-types.ts'
