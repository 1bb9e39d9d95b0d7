/**
 * @packageDocumentation
 * The TensorMesh network: a js-libp2p node (TCP + WebSockets, noise, yamux, identify, ping; bootstrap,
 * mDNS and Kademlia discovery; circuit relay v2, DCUtR and AutoNAT for peers behind NAT) running
 * gossipsub with StrictSign on per-subnet topics from `@tensormesh/wire`, validated per message
 * (identity binding PeerId ↔ registered hotkey, round window, size, per-publisher rate) through bounded
 * queues, with peer scoring, graylisting and bans, and typed request/response protocols (status,
 * checkpoint fetch, gradient fetch by hash, query).
 *
 * The network runs in a worker thread behind {@link MeshClient}: every call is async and typed, events
 * arrive on `client.events`. {@link MeshCore} is the same thing in the calling thread.
 *
 * @example
 * ```ts
 * import { MeshClient, StaticHotkeyRegistry } from '@tensormesh/mesh'
 * import { keypairSigner, signIdentity, wireReady } from '@tensormesh/wire'
 * import { sr25519PairFromSeed } from '@polkadot/util-crypto'
 *
 * await wireReady()
 * const hotkey = keypairSigner(sr25519PairFromSeed(seed))
 * // The chain package supplies the real registry (the subnet's metagraph).
 * const mesh = new MeshClient({ netuids: [1], bootstrap: ['/dns4/boot.example/tcp/4001/p2p/12D3Koo...'],
 *   registry: new StaticHotkeyRegistry({ 1: [hotkey.publicKey] }) })
 * const { peerIdBytes } = await mesh.start()
 * // The hotkey signs here, on the main thread; only the signed binding enters the worker.
 * await mesh.setIdentity(signIdentity(hotkey, { netuid: 1, peerId: peerIdBytes, issuedAt: Date.now() }))
 * await mesh.setRound(1, 42)
 * mesh.events.on('gradient:received', (g) => { console.log(g.hotkey, g.message.round, g.bytes) })
 * await mesh.publishGradient(gradient)          // ≤ 1 MiB encoded; larger gradients go in chunks
 * await mesh.penalize(badPeerId, 'bad-update')   // valuation feeds the application score
 * const ckpt = await mesh.fetchCheckpoint(validatorPeerId, modelHashHex, { onProgress: (p) => console.log(p.chunks, p.chunkCount) })
 * await mesh.stop()
 * ```
 */
export { MeshClient } from './client.ts'
export type { MeshClientOptions, MeshInfo } from './client.ts'
export { MeshCore } from './core.ts'
export type { MeshOptions, MeshStats, PeerSummary, PublishResult, QueryHandler, ProtocolName } from './core.ts'
export { MeshEventEmitter } from './events.ts'
export type { MeshEvents, MeshEventName, GradientReceived, RankingReceived, PeerBound, GossipRejected, CheckpointProgress } from './events.ts'
export { MeshError, meshErrorFromJSON, errorToJSON } from './errors.ts'
export type { MeshErrorCode, MeshErrorData, SerializedMeshError } from './errors.ts'
export { createMeshNode, defaultGossipOptions, LATENCY_PING_PREFIX } from './node.ts'
export type { MeshNodeOptions, MeshLibp2p, MeshServices } from './node.ts'
export { StaticHotkeyRegistry, CachedHotkeyRegistry } from './registry.ts'
export type { HotkeyRegistry } from './registry.ts'
export { PeerScoreBook, PENALTIES } from './score.ts'
export type { PenaltyReason, PeerScoreBookOptions, PenaltyOutcome } from './score.ts'
export { LatencyBook, LatencyProber, LATENCY_EWMA_ALPHA } from './latency.ts'
export type { LatencyProberOptions } from './latency.ts'
export { RateLimiter } from './rateLimiter.ts'
export type { RateQuota } from './rateLimiter.ts'
export { GossipQueue, DROPPED } from './gossip/queue.ts'
export type { GossipQueueOptions } from './gossip/queue.ts'
export { GossipValidationError, VerdictCounter, verdictFor, wrapValidator } from './gossip/validator.ts'
export type { GossipAction, GossipErrorCode, GossipInput } from './gossip/validator.ts'
export { topicScoreParams, peerScoreParams, DEFAULT_SCORE_THRESHOLDS } from './gossip/scoring.ts'
export type { ScoreConfig } from './gossip/scoring.ts'
export { ReqResp } from './reqresp/reqresp.ts'
export type { ProtocolDescriptor, ProtocolHandler, Codec, ResponseCodec, RemoteError, RequestOptions, HandlerContext } from './reqresp/types.ts'
export { CheckpointAssembler, makeCheckpoint } from './checkpoint.ts'
