/**
 * MeshCore: the whole network side of a peer — libp2p node, per-subnet topics with validation,
 * identity bindings, scoring and bans, request/response protocols. It runs wherever it is created;
 * MeshClient runs it in a worker thread so training and UI never wait on the network.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { sha256 as mfSha256 } from 'multiformats/hashes/sha2'
import {
  GOSSIP_KINDS, MAX_CHECKPOINT_CHUNK_DATA, MAX_GOSSIP_MESSAGE_BYTES, MAX_MESSAGE_BYTES, PROTOCOLS, gossipTopic, parseGossipTopic
} from '@tensormesh/wire'
import { CheckpointAssembler, equalBytes, fromHex, makeCheckpoint, sha256, toHex } from './checkpoint.ts'
import { MeshError } from './errors.ts'
import { MeshEventEmitter } from './events.ts'
import { DEFAULT_SCORE_THRESHOLDS, peerScoreParams, topicScoreParams } from './gossip/scoring.ts'
import { GossipValidationError, VerdictCounter, wrapValidator } from './gossip/validator.ts'
import { LatencyProber } from './latency.ts'
import { createMeshNode } from './node.ts'
import { RateLimiter } from './rateLimiter.ts'
import { CachedHotkeyRegistry } from './registry.ts'
import { ReqResp } from './reqresp/reqresp.ts'
import { PeerScoreBook } from './score.ts'
import { checkIdentity, checkRanking, decodeKind, encodeKind, kindCodec, responseCodec } from './wire.ts'
import type { StoredCheckpoint } from './checkpoint.ts'
import type { CheckpointProgress, GradientReceived } from './events.ts'
import type { GossipQueue, GossipQueueOptions } from './gossip/queue.ts'
import type { ScoreConfig } from './gossip/scoring.ts'
import type { GossipInput } from './gossip/validator.ts'
import type { LatencyProberOptions } from './latency.ts'
import type { MeshLibp2p, MeshNodeOptions } from './node.ts'
import type { RateQuota } from './rateLimiter.ts'
import type { HotkeyRegistry } from './registry.ts'
import type { ProtocolDescriptor, ResponseCodec } from './reqresp/types.ts'
import type { PenaltyReason, PeerScoreBookOptions } from './score.ts'
import type {
  CheckpointChunk, CheckpointRequest, GossipKind, GradientMessage, GradientRequest, IdentityBinding, QueryMessage,
  QueryResponseMessage, RankingMessage, StatusMessage
} from '@tensormesh/wire'
import type { GossipSub } from '@libp2p/gossipsub'

/** Everything configurable about a mesh peer. All fields are plain data except `registry`. */
export interface MeshOptions extends MeshNodeOptions {
  /** Subnets joined at start. */
  netuids?: number[]
  /** Rounds either side of the current one that gradients may carry. Default 1. */
  roundWindow?: number
  /** Gossip messages one publisher may send per kind (burst and refill window). */
  gossipRate?: Partial<Record<GossipKind, RateQuota>>
  /** Validation queue per gossip kind. */
  queues?: Partial<Record<GossipKind, GossipQueueOptions>>
  /** How long a gradient from a directly connected, not yet bound peer waits for its identity. Default 2000 ms. */
  bindingWaitMs?: number
  /**
   * Re-flood our identity bindings this often. A peer reached only through others (behind NAT, via a
   * relay) never subscribes to us directly, so without this it would learn our binding only if it
   * happened to be in the mesh when we last published. Default 60 000 ms; 0 turns it off.
   */
  identityRepublishMs?: number
  /** Local (application) score: half-life, ban threshold, ban duration. */
  score?: PeerScoreBookOptions
  /** Gossipsub score weights and IP colocation. */
  scoring?: ScoreConfig
  /** Quotas and timeouts per request/response protocol. */
  reqresp?: Partial<Record<ProtocolName, Partial<Pick<ProtocolDescriptor<unknown, unknown>, 'peerQuota' | 'totalQuota' | 'ttfbMs' | 'totalMs'>>>>
  /** Most gradients kept for fetch-by-hash. Default 512. */
  gradientStoreSize?: number
  /** Round-trip measurement with libp2p ping: interval (default 15 s, 0 = only on connect), concurrency, timeout. */
  ping?: LatencyProberOptions
}

export type ProtocolName = keyof typeof PROTOCOLS

/** Answers queries from validators (the model lives with the caller). */
export type QueryHandler = (query: QueryMessage, peerId: string) => Promise<QueryResponseMessage>

export interface PeerSummary {
  peerId: string
  connected: boolean
  /** Gossipsub's total score (includes the weighted application score). */
  gossipScore: number
  /** Our local score (penalties, decayed). */
  appScore: number
  banned: boolean
  /** Bound hotkeys (hex) per netuid. */
  hotkeys: Record<number, string>
  /** Round-trip time in ms (moving average of libp2p pings); null while unmeasured or not connected. */
  latencyMs: number | null
}

export interface MeshStats {
  /** Gossip verdicts by `kind:action:code`. */
  verdicts: Record<string, number>
  reqresp: { inbound: Record<string, number>, outbound: Record<string, number> }
  penalties: Record<string, number>
  queues: Record<string, { length: number, dropped: number }>
  /** libp2p pings answered and failed (timeouts, refused streams). */
  ping: { ok: number, failed: number }
}

export interface PublishResult {
  /** Peers the message was sent to directly. */
  recipients: number
  /** sha256 of the encoded message, hex. */
  hash: string
  bytes: number
}

const DEFAULT_RATES: Record<GossipKind, RateQuota> = {
  identity: { quota: 6, windowMs: 30_000 },
  gradient: { quota: 32, windowMs: 10_000 },
  ranking: { quota: 4, windowMs: 10_000 }
}

const DEFAULT_QUEUES: Record<GossipKind, GossipQueueOptions> = {
  identity: { maxLength: 256, order: 'fifo', dropRule: 'drop-newest', concurrency: 4 },
  // Fresh gradients matter most: serve newest first, drop the oldest when full (Lodestar's attestation rule).
  gradient: { maxLength: 64, order: 'lifo', dropRule: 'drop-oldest', concurrency: 2 },
  ranking: { maxLength: 128, order: 'fifo', dropRule: 'drop-newest', concurrency: 2 }
}

/** A gradient fetched by hash travels as its original bytes so the hash can be checked. */
interface GradientBytes { bytes: Uint8Array, message: GradientMessage | null }

function gradientBytesCodec (): ResponseCodec<GradientBytes> {
  const inner = responseCodec('gradient')
  return {
    encode: (r) => r.bytes,
    encodeError: inner.encodeError,
    decode: (b) => {
      const d = inner.decode(b)
      return d.ok ? { ok: true, value: { bytes: b, message: d.value } } : d
    }
  }
}

function descriptors (o: MeshOptions['reqresp'] = {}): {
  status: ProtocolDescriptor<StatusMessage, StatusMessage>
  checkpoint: ProtocolDescriptor<CheckpointRequest, CheckpointChunk>
  gradient: ProtocolDescriptor<GradientRequest, GradientBytes>
  query: ProtocolDescriptor<QueryMessage, QueryResponseMessage>
} {
  return {
    status: {
      method: 'status',
      protocolId: PROTOCOLS.status,
      request: kindCodec('status'),
      response: responseCodec('status'),
      maxRequestBytes: MAX_MESSAGE_BYTES.status,
      maxResponseBytes: MAX_MESSAGE_BYTES.status,
      // A peer waiting for the leader's next model polls its status (the node: at most every 600 ms): 20 per 10 s
      // leaves that room; a 1 KiB answer costs nothing. Over quota is penalised, so pollers must stay under it.
      peerQuota: { quota: 20, windowMs: 10_000 },
      totalQuota: { quota: 400, windowMs: 10_000 },
      ttfbMs: 5_000,
      totalMs: 10_000,
      runOnLimitedConnection: true,
      ...o.status
    },
    checkpoint: {
      method: 'checkpoint',
      protocolId: PROTOCOLS.checkpoint,
      request: kindCodec('checkpoint-request'),
      response: responseCodec('checkpoint-chunk'),
      maxRequestBytes: MAX_MESSAGE_BYTES['checkpoint-request'],
      maxResponseBytes: MAX_MESSAGE_BYTES['checkpoint-chunk'],
      // One request per 1 MiB chunk: 256 chunks of burst per peer, about 25 MB/s sustained.
      peerQuota: { quota: 256, windowMs: 10_000 },
      totalQuota: { quota: 1024, windowMs: 10_000 },
      ttfbMs: 10_000,
      totalMs: 30_000,
      ...o.checkpoint
    },
    gradient: {
      method: 'gradient',
      protocolId: PROTOCOLS.gradient,
      request: kindCodec('gradient-request'),
      response: gradientBytesCodec(),
      maxRequestBytes: MAX_MESSAGE_BYTES['gradient-request'],
      maxResponseBytes: MAX_MESSAGE_BYTES.gradient,
      peerQuota: { quota: 64, windowMs: 10_000 },
      totalQuota: { quota: 512, windowMs: 10_000 },
      ttfbMs: 5_000,
      totalMs: 15_000,
      ...o.gradient
    },
    query: {
      method: 'query',
      protocolId: PROTOCOLS.query,
      request: kindCodec('query'),
      response: responseCodec('query-response'),
      maxRequestBytes: MAX_MESSAGE_BYTES.query,
      maxResponseBytes: MAX_MESSAGE_BYTES['query-response'],
      peerQuota: { quota: 16, windowMs: 10_000 },
      totalQuota: { quota: 256, windowMs: 10_000 },
      // The responder runs its model before the first byte.
      ttfbMs: 15_000,
      totalMs: 30_000,
      ...o.query
    }
  }
}

export class MeshCore {
  readonly events = new MeshEventEmitter()
  readonly scoreBook: PeerScoreBook
  readonly verdicts = new VerdictCounter()
  private readonly opts: MeshOptions
  private readonly registry: HotkeyRegistry
  private node: MeshLibp2p | null = null
  private reqresp: ReqResp | null = null
  private readonly protocols: ReturnType<typeof descriptors>
  private readonly rates = new Map<GossipKind, RateLimiter>()
  private readonly queues = new Map<string, GossipQueue<void>>()
  /** peerId -> netuid -> binding */
  private readonly bindings = new Map<string, Map<number, IdentityBinding>>()
  private readonly identities = new Map<number, IdentityBinding>()
  private readonly rounds = new Map<number, number>()
  /** Banned peers whose hang-up waits for gossipsub to cache their penalised score (penalize). */
  private readonly hangingUp = new Set<string>()
  private readonly statuses = new Map<number, StatusMessage>()
  private readonly joined = new Set<number>()
  private readonly gradients = new Map<string, Uint8Array>()
  private readonly checkpoints = new Map<string, StoredCheckpoint>()
  private queryHandler: QueryHandler | null = null
  private identityTimers = new Map<number, ReturnType<typeof setTimeout>>()
  private maintenance: ReturnType<typeof setInterval> | null = null
  private republish: ReturnType<typeof setInterval> | null = null
  private nextRequestId = 1
  private ticks = 0
  private readonly latency: LatencyProber

  constructor (opts: MeshOptions & { registry: HotkeyRegistry }) {
    this.opts = opts
    this.registry = new CachedHotkeyRegistry(opts.registry)
    this.scoreBook = new PeerScoreBook(opts.score)
    this.protocols = descriptors(opts.reqresp)
    for (const kind of GOSSIP_KINDS) this.rates.set(kind, new RateLimiter({ ...DEFAULT_RATES[kind], ...opts.gossipRate?.[kind] }))
    this.latency = new LatencyProber({
      ping: async (peerId, signal) => {
        const node = this.node
        if (node == null) throw new MeshError('MESH_NOT_STARTED', 'mesh not started')
        const id = peerIdFromString(peerId)
        try {
          return await node.services.latencyPing.ping(id, { signal })
        } catch (err) {
          // A libp2p peer without the mesh's ping protocol: the last round trip libp2p's connection monitor measured.
          const rtt = node.getConnections(id).map((c) => c.rtt).find((r) => typeof r === 'number' && Number.isFinite(r))
          if ((err as Error).name === 'UnsupportedProtocolError' && rtt !== undefined) return rtt
          throw err
        }
      },
      connected: () => this.node == null ? [] : this.connections()
    }, opts.ping)
  }

  /** The libp2p node (for diagnostics and the benchmark); throws before start. */
  get libp2p (): MeshLibp2p {
    if (this.node == null) throw new MeshError('MESH_NOT_STARTED', 'mesh not started')
    return this.node
  }

  private get pubsub (): GossipSub {
    return this.libp2p.services.pubsub
  }

  async start (): Promise<{ peerId: string, peerIdBytes: Uint8Array, multiaddrs: string[] }> {
    if (this.node != null) return this.info()
    const topics: Record<string, ReturnType<typeof topicScoreParams>> = {}
    for (const netuid of this.opts.netuids ?? []) {
      for (const kind of GOSSIP_KINDS) topics[gossipTopic(netuid, kind)] = topicScoreParams(kind)
    }
    const banned = (id: { toString: () => string }): boolean => this.scoreBook.isBanned(id.toString())
    this.node = await createMeshNode({
      ...this.opts,
      connectionGater: {
        denyDialMultiaddr: () => false,
        denyDialPeer: banned,
        denyInboundEncryptedConnection: banned,
        denyOutboundEncryptedConnection: banned
      },
      gossip: {
        maxInboundDataLength: 4 * MAX_GOSSIP_MESSAGE_BYTES,
        scoreParams: peerScoreParams(topics, (p) => this.scoreBook.score(p), this.opts.scoring),
        scoreThresholds: DEFAULT_SCORE_THRESHOLDS,
        ...this.opts.gossip
      }
    })
    const node = this.node
    this.reqresp = new ReqResp(node, { penalize: (p, r) => { this.penalize(p, r) }, isBanned: (p) => this.scoreBook.isBanned(p) })
    node.addEventListener('peer:connect', (e) => {
      this.latency.enqueue(e.detail.toString())
      this.events.emit('peer:connected', { peerId: e.detail.toString() })
    })
    node.addEventListener('peer:disconnect', (e) => {
      this.latency.forget(e.detail.toString())
      this.events.emit('peer:disconnected', { peerId: e.detail.toString() })
    })
    this.pubsub.addEventListener('subscription-change', (e) => { this.onSubscriptionChange(e.detail.subscriptions) })
    await this.registerProtocols()
    this.latency.start()
    await node.start()
    for (const netuid of this.opts.netuids ?? []) this.joinSubnet(netuid)
    this.maintenance = setInterval(() => { this.maintain() }, 5_000)
    this.maintenance.unref()
    const every = this.opts.identityRepublishMs ?? 60_000
    if (every > 0) {
      this.republish = setInterval(() => {
        for (const netuid of this.identities.keys()) if (this.joined.has(netuid)) this.scheduleIdentity(netuid, 0)
      }, every)
      this.republish.unref()
    }
    return this.info()
  }

  async stop (): Promise<void> {
    if (this.maintenance != null) clearInterval(this.maintenance)
    if (this.republish != null) clearInterval(this.republish)
    this.latency.stop()
    for (const t of this.identityTimers.values()) clearTimeout(t)
    this.identityTimers.clear()
    const node = this.node
    this.node = null
    await node?.stop()
  }

  info (): { peerId: string, peerIdBytes: Uint8Array, multiaddrs: string[] } {
    const node = this.libp2p
    return { peerId: node.peerId.toString(), peerIdBytes: node.peerId.toMultihash().bytes, multiaddrs: node.getMultiaddrs().map(String) }
  }

  async dial (addr: string): Promise<string> {
    const conn = await this.libp2p.dial(multiaddr(addr))
    return conn.remotePeer.toString()
  }

  connections (): string[] {
    return [...new Set(this.libp2p.getConnections().map((c) => c.remotePeer.toString()))]
  }

  // ---- subnets, identity, round --------------------------------------------------------------

  /** Subscribes to the subnet's identity, gradient and ranking topics with their validators. */
  joinSubnet (netuid: number): void {
    if (this.joined.has(netuid)) return
    this.joined.add(netuid)
    const params = (this.pubsub as unknown as { score: { params: { topics: Record<string, unknown> } } }).score.params
    for (const kind of GOSSIP_KINDS) {
      const topic = gossipTopic(netuid, kind)
      params.topics[topic] ??= topicScoreParams(kind)
      const { fn, queue } = wrapValidator((input) => this.validate(kind, netuid, input), {
        kind,
        queue: { ...DEFAULT_QUEUES[kind], ...this.opts.queues?.[kind] },
        counter: this.verdicts,
        onReject: (peer, code) => { this.penalize(peer, code === 'RATE_LIMITED' ? 'gossip-rate-limit' : 'invalid-gossip') },
        onVerdict: (input, action, code) => {
          if (action !== 'accept') this.events.emit('gossip:rejected', { kind, action, code, from: input.from, propagationSource: input.propagationSource })
        }
      })
      this.queues.set(topic, queue)
      this.pubsub.topicValidators.set(topic, fn)
      this.pubsub.subscribe(topic)
    }
    if (this.identities.has(netuid)) this.scheduleIdentity(netuid, 0)
    this.discoverSubnet(netuid).catch(() => {})
  }

  /**
   * Kademlia rendezvous for a subnet: we provide the CID of `tensormesh/subnet/<netuid>` and dial the
   * other providers, so peers that share only a bootstrap node find each other. Best effort.
   */
  async discoverSubnet (netuid: number): Promise<number> {
    if (this.opts.dht === false || this.node == null) return 0
    const node = this.node
    const cid = CID.createV1(0x55, await mfSha256.digest(new TextEncoder().encode(`tensormesh/subnet/${netuid}`)))
    await node.contentRouting.provide(cid, { signal: AbortSignal.timeout(20_000) }).catch(() => {})
    let dialled = 0
    const limit = Math.floor((this.opts.maxConnections ?? 64) / 2)
    try {
      for await (const p of node.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(20_000) })) {
        if (p.id.equals(node.peerId) || node.getConnections(p.id).length > 0 || this.scoreBook.isBanned(p.id.toString())) continue
        if (node.getConnections().length >= limit) break
        await node.dial(p.multiaddrs.length > 0 ? p.multiaddrs : p.id, { signal: AbortSignal.timeout(10_000) }).then(() => { dialled++ }, () => {})
      }
    } catch {
      // no DHT peers yet: the next maintenance tick retries
    }
    return dialled
  }

  leaveSubnet (netuid: number): void {
    if (!this.joined.delete(netuid)) return
    for (const kind of GOSSIP_KINDS) {
      const topic = gossipTopic(netuid, kind)
      this.pubsub.unsubscribe(topic)
      this.pubsub.topicValidators.delete(topic)
      this.queues.delete(topic)
    }
  }

  /**
   * Sets our signed identity binding for a subnet (built on the main thread: the hotkey never enters
   * the network worker) and announces it.
   */
  setIdentity (binding: IdentityBinding): void {
    checkIdentity(binding, this.libp2p.peerId.toMultihash().bytes)
    this.identities.set(binding.netuid, binding)
    if (this.joined.has(binding.netuid)) this.scheduleIdentity(binding.netuid, 0)
  }

  setRound (netuid: number, round: number): void {
    this.rounds.set(netuid, round)
  }

  setStatus (status: StatusMessage): void {
    this.statuses.set(status.netuid, status)
  }

  setQueryHandler (handler: QueryHandler | null): void {
    this.queryHandler = handler
  }

  /** Bound hotkey (hex) of a peer on a subnet, if any. */
  hotkeyOf (peerId: string, netuid: number): string | undefined {
    const b = this.bindings.get(peerId)?.get(netuid)
    return b == null ? undefined : toHex(b.hotkey)
  }

  private onSubscriptionChange (subs: Array<{ topic: string, subscribe: boolean }>): void {
    for (const s of subs) {
      const t = parseGossipTopic(s.topic)
      // A new subscriber to a subnet's identity topic needs our binding before our gradients count.
      if (s.subscribe && t?.kind === 'identity' && this.identities.has(t.netuid)) this.scheduleIdentity(t.netuid, 300)
    }
  }

  private scheduleIdentity (netuid: number, delayMs: number): void {
    if (this.identityTimers.has(netuid)) return
    const timer = setTimeout(() => {
      this.identityTimers.delete(netuid)
      this.publishIdentity(netuid).catch(() => {})
    }, delayMs)
    timer.unref()
    this.identityTimers.set(netuid, timer)
  }

  private async publishIdentity (netuid: number): Promise<void> {
    const b = this.identities.get(netuid)
    if (b == null || this.node == null) return
    const fresh = { ...b }
    const bytes = encodeKind('identity', fresh)
    // Identity is small and everything else depends on it: flood it to every subscriber.
    await (this.pubsub.publish as (t: string, d: Uint8Array, o: { floodPublish: boolean }) => Promise<unknown>)(gossipTopic(netuid, 'identity'), bytes, { floodPublish: true })
  }

  // ---- gossip validation ---------------------------------------------------------------------

  private async validate (kind: GossipKind, netuid: number, input: GossipInput): Promise<void> {
    if (input.data.byteLength > MAX_GOSSIP_MESSAGE_BYTES) {
      throw new GossipValidationError('reject', 'OVERSIZE', { bytes: input.data.byteLength })
    }
    if (this.scoreBook.isBanned(input.from)) throw new GossipValidationError('ignore', 'BANNED')
    if (!this.rates.get(kind)!.allows(`${netuid}|${input.from}`)) {
      // Only the publisher itself is charged; a forwarder relayed what it had validated in its own window.
      throw new GossipValidationError(input.propagationSource === input.from ? 'reject' : 'ignore', 'RATE_LIMITED')
    }
    if (kind === 'identity') return await this.validateIdentity(netuid, input)
    if (kind === 'gradient') return await this.validateGradient(netuid, input)
    return await this.validateRanking(netuid, input)
  }

  private async validateIdentity (netuid: number, input: GossipInput): Promise<void> {
    const b = decodeKind('identity', input.data)
    if (b.netuid !== netuid) throw new GossipValidationError('reject', 'NETUID_MISMATCH')
    checkIdentity(b, peerIdFromString(input.from).toMultihash().bytes)
    if (!(await this.registry.isRegistered(netuid, b.hotkey))) {
      throw new GossipValidationError('reject', 'UNREGISTERED_HOTKEY', { hotkey: toHex(b.hotkey) })
    }
    const perPeer = this.bindings.get(input.from) ?? new Map<number, IdentityBinding>()
    const prev = perPeer.get(netuid)
    if (prev != null && prev.issuedAt > b.issuedAt) throw new GossipValidationError('ignore', 'DUPLICATE')
    perPeer.set(netuid, b)
    this.bindings.set(input.from, perPeer)
    if (prev == null || !equalBytes(prev.hotkey, b.hotkey)) {
      this.events.emit('peer:bound', { peerId: input.from, netuid, hotkey: toHex(b.hotkey), binding: b })
    }
  }

  /** The publisher's binding; a directly connected publisher gets a short grace period for its identity to arrive. */
  private async bindingFor (netuid: number, input: GossipInput): Promise<IdentityBinding> {
    const direct = input.propagationSource === input.from
    let b = this.bindings.get(input.from)?.get(netuid)
    if (b == null && direct) {
      const wait = this.opts.bindingWaitMs ?? 2_000
      await this.events.once('peer:bound', (d) => d.peerId === input.from && d.netuid === netuid, AbortSignal.timeout(wait)).catch(() => {})
      b = this.bindings.get(input.from)?.get(netuid)
    }
    if (b == null) {
      // Forwarders only pass on what they validated, so an unknown binding there is our gap, not their fault.
      throw new GossipValidationError(direct ? 'reject' : 'ignore', 'UNBOUND_PEER')
    }
    return b
  }

  private async validateGradient (netuid: number, input: GossipInput): Promise<void> {
    const g = decodeKind('gradient', input.data)
    if (g.netuid !== netuid) throw new GossipValidationError('reject', 'NETUID_MISMATCH')
    const b = await this.bindingFor(netuid, input)
    if (!equalBytes(b.hotkey, g.hotkey)) throw new GossipValidationError('reject', 'IDENTITY_MISMATCH')
    this.checkRound(netuid, g.round)
    const hash = toHex(sha256(input.data))
    this.storeGradient(hash, input.data)
    this.events.emit('gradient:received', { netuid, from: input.from, hotkey: toHex(b.hotkey), hash, bytes: input.data.byteLength, message: g })
  }

  private async validateRanking (netuid: number, input: GossipInput): Promise<void> {
    const r = decodeKind('ranking', input.data)
    if (r.netuid !== netuid) throw new GossipValidationError('reject', 'NETUID_MISMATCH')
    checkRanking(r)
    const b = await this.bindingFor(netuid, input)
    if (!equalBytes(b.hotkey, r.hotkey)) throw new GossipValidationError('reject', 'IDENTITY_MISMATCH')
    this.events.emit('ranking:received', { netuid, from: input.from, hotkey: toHex(b.hotkey), message: r })
  }

  private checkRound (netuid: number, round: number): void {
    const current = this.rounds.get(netuid)
    const window = this.opts.roundWindow ?? 1
    if (current != null && Math.abs(round - current) > window) {
      throw new GossipValidationError('reject', 'ROUND_OUT_OF_WINDOW', { round, current })
    }
  }

  private storeGradient (hash: string, bytes: Uint8Array): void {
    this.gradients.delete(hash)
    this.gradients.set(hash, bytes)
    const max = this.opts.gradientStoreSize ?? 512
    while (this.gradients.size > max) this.gradients.delete(this.gradients.keys().next().value as string)
  }

  // ---- publishing ----------------------------------------------------------------------------

  private async publishBytes (netuid: number, kind: GossipKind, bytes: Uint8Array): Promise<PublishResult> {
    if (!this.joined.has(netuid)) throw new MeshError('MESH_BAD_REQUEST', `not joined to subnet ${netuid}`, { netuid })
    if (bytes.byteLength > MAX_GOSSIP_MESSAGE_BYTES) {
      throw new MeshError('MESH_OVERSIZE', `${kind} message of ${bytes.byteLength} bytes exceeds the gossip limit of ${MAX_GOSSIP_MESSAGE_BYTES}; ` +
        (kind === 'gradient' ? 'split it into chunks (GradientMessage.chunk)' : 'it cannot be gossiped'), { kind, bytes: bytes.byteLength, limit: MAX_GOSSIP_MESSAGE_BYTES })
    }
    const res = await this.pubsub.publish(gossipTopic(netuid, kind), bytes)
    return { recipients: res.recipients.length, hash: toHex(sha256(bytes)), bytes: bytes.byteLength }
  }

  /** Publishes a gradient (one chunk of at most MAX_GOSSIP_MESSAGE_BYTES encoded) and keeps it for fetch-by-hash. */
  async publishGradient (g: GradientMessage): Promise<PublishResult> {
    const bytes = encodeKind('gradient', g)
    const res = await this.publishBytes(g.netuid, 'gradient', bytes)
    this.storeGradient(res.hash, bytes)
    return res
  }

  async publishRanking (r: RankingMessage): Promise<PublishResult> {
    return await this.publishBytes(r.netuid, 'ranking', encodeKind('ranking', r))
  }

  // ---- scoring ---------------------------------------------------------------------------------

  /** Lowers a peer's application score (fed by valuation and by the mesh itself); bans it below the threshold. */
  penalize (peerId: string, reason: PenaltyReason | number): void {
    const out = this.scoreBook.penalize(peerId, reason)
    if (!out.banned || this.node == null) return
    this.events.emit('peer:banned', { peerId, score: out.score, reason: String(reason) })
    // Gossipsub caches scores for one heartbeat and forgets, on disconnect, a peer whose cached score
    // is still positive. Hanging up one heartbeat later lets it retain the peer's penalties; until then
    // the gater already refuses new connections and the peer is graylisted.
    const delay = (this.opts.gossip?.heartbeatInterval ?? 700) + 200
    this.hangingUp.add(peerId)
    setTimeout(() => {
      this.hangingUp.delete(peerId)
      this.node?.hangUp(peerIdFromString(peerId)).catch(() => {})
    }, delay).unref()
  }

  peers (): PeerSummary[] {
    const ps = this.pubsub as unknown as { getScore: (id: string) => number }
    const ids = new Set([...this.connections(), ...this.bindings.keys(), ...this.scoreBook.banned()])
    const connected = new Set(this.connections())
    return [...ids].map((peerId) => ({
      peerId,
      connected: connected.has(peerId),
      gossipScore: ps.getScore(peerId),
      appScore: this.scoreBook.score(peerId),
      banned: this.scoreBook.isBanned(peerId),
      hotkeys: Object.fromEntries([...(this.bindings.get(peerId) ?? new Map<number, IdentityBinding>())].map(([n, b]) => [n, toHex(b.hotkey)])),
      latencyMs: connected.has(peerId) ? this.latency.book.get(peerId) : null
    }))
  }

  stats (): MeshStats {
    return {
      verdicts: this.verdicts.toJSON(),
      reqresp: structuredClone(this.reqresp?.stats ?? { inbound: {}, outbound: {} }),
      penalties: Object.fromEntries(this.scoreBook.penaltyCounts),
      queues: Object.fromEntries([...this.queues].map(([t, q]) => [t, { length: q.length, dropped: q.dropped }])),
      ping: { ok: this.latency.book.ok, failed: this.latency.book.failed }
    }
  }

  private maintain (): void {
    // Every minute, look for more peers of our subnets.
    if (++this.ticks % 12 === 0) for (const n of this.joined) this.discoverSubnet(n).catch(() => {})
    for (const r of this.rates.values()) r.prune()
    this.scoreBook.prune()
    if (this.node == null) return
    for (const c of this.node.getConnections()) {
      // A banned peer whose delayed hang-up is pending keeps its connection until then (see penalize).
      const id = c.remotePeer.toString()
      if (this.scoreBook.isBanned(id) && !this.hangingUp.has(id)) c.close().catch(() => {})
    }
  }

  // ---- request/response ------------------------------------------------------------------------

  private async registerProtocols (): Promise<void> {
    const rr = this.reqresp!
    const p = this.protocols
    await rr.register(p.status, (req) => {
      const s = this.statuses.get(req.netuid)
      if (s == null) throw new MeshError('MESH_NOT_FOUND', `no status for subnet ${req.netuid}`)
      return s
    })
    await rr.register(p.checkpoint, (req) => this.serveChunk(req))
    await rr.register(p.gradient, (req) => {
      const bytes = this.gradients.get(toHex(req.hash))
      if (bytes == null) throw new MeshError('MESH_NOT_FOUND', 'gradient not held')
      return { bytes, message: null }
    })
    await rr.register(p.query, async (req, ctx) => {
      if (this.queryHandler == null) throw new MeshError('MESH_NO_HANDLER', 'this peer answers no queries')
      return await this.queryHandler(req, ctx.peerId)
    })
  }

  /** Exchanges status with a peer: sends ours for `netuid`, returns theirs. */
  async requestStatus (peerId: string, netuid: number): Promise<StatusMessage> {
    const ours = this.statuses.get(netuid)
    if (ours == null) throw new MeshError('MESH_BAD_REQUEST', `set a status for subnet ${netuid} first`)
    return await this.reqresp!.request(peerId, this.protocols.status, ours)
  }

  async query (peerId: string, q: QueryMessage): Promise<QueryResponseMessage> {
    return await this.reqresp!.request(peerId, this.protocols.query, q)
  }

  /**
   * Fetches a gradient by the sha256 (hex) of its encoded bytes, trying `from` first and then every
   * connected peer; a peer that returns bytes with another hash is penalised and skipped.
   */
  async fetchGradient (hash: string, from: string[] = []): Promise<GradientReceived> {
    const want = fromHex(hash)
    const candidates = [...new Set([...from, ...this.connections()])]
    let last: unknown = new MeshError('MESH_NO_PEERS', 'no peer to ask')
    for (const peer of candidates) {
      try {
        const r = await this.reqresp!.request(peer, this.protocols.gradient, { hash: want })
        if (!equalBytes(sha256(r.bytes), want) || r.message == null) {
          this.penalize(peer, 'bad-response')
          throw new MeshError('MESH_HASH_MISMATCH', `gradient from ${peer} does not hash to ${hash}`, { peer })
        }
        this.storeGradient(hash, r.bytes)
        const g = r.message
        return { netuid: g.netuid, from: peer, hotkey: toHex(g.hotkey), hash, bytes: r.bytes.byteLength, message: g }
      } catch (err) {
        last = err
      }
    }
    throw last
  }

  /** Serves a checkpoint to peers; returns its model hash (sha256 of the whole, hex). */
  provideCheckpoint (bytes: Uint8Array): string {
    const cp = makeCheckpoint(bytes, MAX_CHECKPOINT_CHUNK_DATA)
    const hex = toHex(cp.modelHash)
    this.checkpoints.set(hex, cp)
    return hex
  }

  private serveChunk (req: CheckpointRequest): CheckpointChunk {
    const cp = this.checkpoints.get(toHex(req.modelHash))
    if (cp == null) throw new MeshError('MESH_NOT_FOUND', 'checkpoint not held')
    if (req.chunkIndex >= cp.chunkCount) throw new MeshError('MESH_BAD_REQUEST', `chunk ${req.chunkIndex} of ${cp.chunkCount}`)
    const data = cp.bytes.subarray(req.chunkIndex * cp.chunkSize, (req.chunkIndex + 1) * cp.chunkSize)
    return { modelHash: cp.modelHash, chunkIndex: req.chunkIndex, chunkCount: cp.chunkCount, totalBytes: cp.bytes.byteLength, data, chunkHash: cp.chunkHashes[req.chunkIndex] }
  }

  /**
   * Downloads a checkpoint chunk by chunk (`parallel` requests in flight), checking each chunk's hash
   * as it arrives and the whole against `modelHash` at the end. Progress goes to `onProgress` and to
   * the `checkpoint:progress` event. A corrupt chunk fails with MESH_CHUNK_HASH_MISMATCH and costs
   * the server score.
   */
  async fetchCheckpoint (peerId: string, modelHash: string, opts: { parallel?: number, requestId?: number, onProgress?: (p: CheckpointProgress) => void } = {}): Promise<Uint8Array> {
    const asm = new CheckpointAssembler(fromHex(modelHash))
    const requestId = opts.requestId ?? this.nextRequestId++
    const get = async (chunkIndex: number): Promise<void> => {
      let c: CheckpointChunk
      try {
        c = await this.reqresp!.request(peerId, this.protocols.checkpoint, { modelHash: asm.modelHash, chunkIndex })
      } catch (err) {
        if (err instanceof MeshError && err.data.wireCode === 'BAD_HASH') {
          throw new MeshError('MESH_CHUNK_HASH_MISMATCH', `chunk ${chunkIndex} from ${peerId} does not match its hash`, { peer: peerId, chunkIndex })
        }
        throw err
      }
      try {
        asm.add(c)
      } catch (err) {
        this.penalize(peerId, 'bad-response')
        throw err
      }
      const p = { requestId, modelHash, receivedBytes: asm.received, totalBytes: asm.total, chunks: asm.chunksDone, chunkCount: asm.count }
      opts.onProgress?.(p)
      this.events.emit('checkpoint:progress', p)
    }
    await get(0)
    let next = 1
    const worker = async (): Promise<void> => {
      while (next < asm.count) await get(next++)
    }
    await Promise.all(Array.from({ length: Math.min(opts.parallel ?? 4, Math.max(0, asm.count - 1)) }, worker))
    try {
      return asm.finish()
    } catch (err) {
      this.penalize(peerId, 'bad-response')
      throw err
    }
  }
}
