/**
 * The peer runtime: the round loop of DESIGN.md ("A round") over learn, value, yuma, mesh and chain.
 *
 * Per round r: sync θ_r with the leader (the highest-stake validator) through its status and, when our model differs,
 * its checkpoint over request/response (hash-verified); a miner trains on its deterministic assignment, encodes
 * (top-k, int8 or 2-bit, error feedback) and publishes; a validator collects gradients until an adaptive deadline, queries the
 * miners with held-out inputs, scores everything with packages/value, folds scores into an EMA, aggregates the
 * accepted updates robustly into θ_{r+1} and (the leader) serves it. At the end of every epoch validators turn the EMA
 * into u16 weights, publish them on the rankings topic and anchor them on chain (journaled: never twice), then every
 * peer computes the consensus view with packages/yuma over the anchored rankings.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import type { KeyringPair } from '@polkadot/keyring/types'
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto'
import {
  applyUpdate, assignSamples, checkpointFromBytes, checkpointToBytes, createAggregationRule, createLearner, decodeUpdate,
  doctor, ErrorFeedback, getTask, paramsHash, type AggregationSpec, type Learner,
} from '@tensormesh/learn'
import {
  createEma, DEFAULT_VALIDATOR_CONFIG, emaToWeights, scoreRound, updateDigest, updateEma,
  type RoundResult, type Submission, type ValidatorConfig,
} from '@tensormesh/value'
import { convertWeightsAndUidsForEmit, epoch as yumaEpoch } from '@tensormesh/yuma'
import {
  encodeRanking, signIdentity, signRanking, wireReady, type GradientMessage, type QueryMessage, type QueryResponseMessage,
  type RankingMessage,
} from '@tensormesh/wire'
import type { ChainPort, GradientEvent, MeshPort, PeerSummaryLike } from './adapters.ts'
import type { AnchorRow, ConsensusView, MinerScore, PeerEventName, PeerEvents, PeerView, RoundTimings, StatusResponse } from './api-types.ts'
import { adaptiveCollectMs, blockClock, sleep, wallClock, type RoundClock, type RoundTime } from './clock.ts'
import type { PeerConfig } from './config.ts'
import { AnchorJournal, ensureDataDir, loadState, saveState, type AnchorEntry, type DataPaths, type PeerState } from './datadir.ts'
import { NodeError, errorMessage } from './errors.ts'
import { assignmentRef, heldoutRef, learnEvaluator, queryRef, samplesOf } from './evaluator.ts'
import { TRAIN_SHARE } from './clock.ts'
import { addChunk, assemble, gradientMessages, isComplete, type ChunkSet } from './assembly.ts'
export { toWireTensor } from './assembly.ts'
export { TRAIN_SHARE } from './clock.ts'
import { createLogger, type Logger } from './logger.ts'
import { writeFileAtomic } from './persist.ts'
import { writeTranscript, type RoundTranscript } from './transcript.ts'

export const SOFTWARE_VERSION = 'tensormesh-node/0.1.0'
const HELDOUT_SIZE = 160
const QUERY_SIZE = 48
const OWN_CHECK_SIZE = 96
/** Least time between two status requests to the leader: the mesh allows 20 per peer per 10 s and penalises more. */
const STATUS_POLL_MS = 600
const TEST_SIZE = 400
const EMA_ALPHA = 0.3
/** Most steps a round may take, as a multiple of the configured `train.steps` (fast hardware fills its share). */
const MAX_STEP_FACTOR = 16

/**
 * Steps/ms after a training run: the measured speed when it fell (react at once to a slower machine, a busy core or a
 * throttle change), otherwise halfway between the old estimate and the measurement (grow with care). Pure.
 */
export function nextSpeed (speed: number | null, steps: number, trainMs: number): number | null {
  if (!(trainMs > 0) || !(steps > 0)) return speed
  const measured = steps / trainMs
  return speed === null || measured < speed ? measured : (speed + measured) / 2
}

/**
 * This round's training plan: train until `stopAt` (the time left until `TRAIN_SHARE` of the round, scaled by the
 * throttle: a 0.25 throttle trains a quarter of that time), at most `maxSteps` — the steps the estimated speed fits
 * in that time with 50 % headroom (so a machine that got faster is not held back), between 1 and MAX_STEP_FACTOR ×
 * the configured steps (× throttle). Before the first measurement: the cap, `stopAt` ending it on time. Pure.
 */
export function planTraining (o: { speed: number | null, nowMs: number, startMs: number, roundMs: number, throttle: number, configuredSteps: number }): { maxSteps: number, stopAt: number } {
  const budgetMs = Math.max(0, o.startMs + TRAIN_SHARE * o.roundMs - o.nowMs) * o.throttle
  // Speed unknown (the first round): stopAt alone bounds the time, up to the cap.
  const want = o.speed === null ? Infinity : Math.ceil(1.5 * o.speed * budgetMs)
  // The cap scales with the throttle too: fast hardware that hits it must still do less when throttled.
  return { maxSteps: Math.max(1, Math.min(Math.floor(o.configuredSteps * MAX_STEP_FACTOR * o.throttle), Math.floor(want))), stopAt: o.nowMs + budgetMs }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
export const ss58 = (k: string | Uint8Array): string => encodeAddress(typeof k === 'string' ? decodeAddress(k) : k, 42)
export const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** wire's tensor back into learn's dense vector, 8- or 2-bit (throws on anything malformed). */
export function fromWireTensor (t: GradientMessage['tensor']): Float32Array {
  if (t.format === 'dense') return Float32Array.from(t.values)
  return decodeUpdate({ length: t.length, offset: 0, chunkSize: t.chunkSize, bits: t.bits, indices: t.indices, values: t.values, scales: t.scales })
}

/** Yuma over the anchored rankings of an epoch (devnet: peers compute the view themselves). Pure. */
export function consensusFromAnchors (input: { n: number, hotkeys: string[], stake: bigint[], weights: Array<Array<[number, number]>>, lastUpdate: number[], validators: number[] }, block: number, epochNo: number, tempo: number, anchored: ConsensusView['anchored']): ConsensusView {
  const r = yumaEpoch({
    n: input.n,
    block,
    stakes: input.stake,
    weights: input.weights,
    bonds: [],
    lastUpdate: input.lastUpdate,
    blockAtRegistration: new Array<number>(input.n).fill(0),
    validatorPermit: input.stake.map((s) => s > 0n),
    emission: 1_000_000_000n,
    hyperparameters: { tempo: Math.max(1, tempo), commitRevealWeightsEnabled: false, minAllowedWeights: 1 },
  })
  const incentive = r.proportions.incentive
  const order = incentive.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  const rank = new Array<number>(input.n).fill(0)
  order.forEach(([, i], k) => { rank[i] = k + 1 })
  return {
    epoch: epochNo,
    validators: input.validators,
    hotkeys: input.hotkeys,
    incentive,
    dividends: r.proportions.dividends,
    consensus: r.proportions.consensus,
    trust: r.validatorTrust.map((t) => t / 65535),
    rank,
    anchored,
    source: 'devnet-yuma',
  }
}

/** Builds each validator's latest ranking of the epoch as sparse uid rows (later anchors replace earlier ones). */
export function consensusInput (hotkeys: string[], stake: bigint[], rankings: Array<{ hotkey: string, blockNumber: number, ranking: RankingMessage }>): { n: number, hotkeys: string[], stake: bigint[], weights: Array<Array<[number, number]>>, lastUpdate: number[], validators: number[] } {
  const n = hotkeys.length
  const uidOf = new Map(hotkeys.map((h, i) => [h, i]))
  const weights: Array<Array<[number, number]>> = Array.from({ length: n }, () => [])
  const lastUpdate = new Array<number>(n).fill(0)
  const validators = new Set<number>()
  for (const a of rankings) {
    const uid = uidOf.get(ss58(a.hotkey))
    if (uid === undefined) continue
    const row: Array<[number, number]> = []
    a.ranking.uids.forEach((u, k) => { if (u < n) row.push([u, a.ranking.weights[k]]) })
    weights[uid] = row
    lastUpdate[uid] = a.blockNumber
    validators.add(uid)
  }
  return { n, hotkeys, stake, weights, lastUpdate, validators: [...validators].sort((a, b) => a - b) }
}

type Listener<N extends PeerEventName> = (d: PeerEvents[N]) => void

/** A small typed emitter (names `noun:verb`, details plain JSON). */
export class PeerEmitter {
  private readonly map = new Map<string, Set<(d: unknown) => void>>()
  private readonly any = new Set<(name: PeerEventName, d: unknown) => void>()
  on<N extends PeerEventName> (name: N, fn: Listener<N>): () => void {
    const s = this.map.get(name) ?? new Set()
    s.add(fn as (d: unknown) => void)
    this.map.set(name, s)
    return () => { s.delete(fn as (d: unknown) => void) }
  }

  onAny (fn: (name: PeerEventName, d: unknown) => void): () => void {
    this.any.add(fn)
    return () => { this.any.delete(fn) }
  }

  emit<N extends PeerEventName> (name: N, d: PeerEvents[N]): void {
    for (const fn of this.map.get(name) ?? []) { try { fn(d) } catch { /* listeners never break the loop */ } }
    for (const fn of this.any) { try { fn(name, d) } catch { /* idem */ } }
  }

  once<N extends PeerEventName> (name: N, pred: (d: PeerEvents[N]) => boolean = () => true, timeoutMs = 60_000): Promise<PeerEvents[N]> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { off(); reject(new Error(`timeout waiting for ${name}`)) }, timeoutMs)
      const off = this.on(name, (d) => { if (pred(d)) { clearTimeout(t); off(); resolve(d) } })
    })
  }
}

export interface PeerDeps {
  pair: KeyringPair
  mesh: MeshPort
  /** null: no chain (wall-clock rounds, no anchoring, members from config). */
  chain: ChainPort | null
  logger?: Logger
}

/** What a peer learns from the leader's status: the round whose model it serves, that model's id, its PeerId. */
interface LeaderStatus { peerId: string, round: number, modelId: string }

/** One miner's gradient in a round: its chunks as they arrive, and the peer that sent the first. */
interface Received { set: ChunkSet, from: string, uid: number }

export class Peer {
  readonly events = new PeerEmitter()
  readonly config: PeerConfig
  readonly paths: DataPaths
  readonly hotkey: string
  private readonly pair: KeyringPair
  private readonly mesh: MeshPort
  private readonly chain: ChainPort | null
  private readonly log: Logger
  private readonly journal: AnchorJournal
  private state: PeerState
  private learner: Learner | null = null
  private theta: Float32Array | null = null
  private thetaHash = ''
  private modelId = ''
  private modelBytes: Uint8Array | null = null
  private feedback: ErrorFeedback | null = null
  private clock: RoundClock | null = null
  private unsubHeads: (() => void) | null = null
  private readonly abort = new AbortController()
  private loop: Promise<void> | null = null
  private members: string[] = []
  private stakes = new Map<string, bigint>()
  private peerId: string | null = null
  /** Received gradients by round, then by uid. */
  private readonly gradients = new Map<number, Map<number, Received>>()
  private readonly arrivalOffsets: number[] = []
  /** The round whose collection closed last, and its start: a gradient arriving after that still informs the deadline. */
  private closed: { round: number, startMs: number } | null = null
  /** The leader's status as the early start saw it (syncModel then needs no further request). */
  private announced: LeaderStatus | null = null
  private localModel: Float32Array | null = null
  private lastConsensus: ConsensusView | null = null
  private readonly views = new Map<number, ConsensusView>()
  private lastLocal: { epoch: number, uids: number[], weights: number[] } | null = null
  private lastScores: MinerScore[] = []
  private testAccuracy: number | null = null
  private round = -1
  private paused: boolean
  private throttle: number
  /** Measured training speed in steps/ms (null until the first round trained). */
  private speed: number | null = null
  private readonly startedAt = Date.now()
  private resumeWaiters: Array<() => void> = []
  private anchoring: Promise<void> = Promise.resolve()
  private readonly copied = new Map<number, GradientMessage>()

  constructor (config: PeerConfig, deps: PeerDeps) {
    this.config = config
    this.paths = ensureDataDir(config.dataDir)
    this.pair = deps.pair
    this.hotkey = ss58(deps.pair.publicKey)
    this.mesh = deps.mesh
    this.chain = deps.chain
    this.log = (deps.logger ?? createLogger({ level: config.logLevel })).child('peer')
    this.journal = new AnchorJournal(this.paths.anchors)
    this.state = loadState(this.paths)
    this.paused = config.paused
    this.throttle = config.throttle
  }

  get isMiner (): boolean { return this.config.role !== 'validator' }
  get isValidator (): boolean { return this.config.role !== 'miner' }
  get uid (): number | null { const i = this.members.indexOf(this.hotkey); return i < 0 ? null : i }
  get currentRound (): number { return this.round }

  /** Uid of the leader: the validator with the highest stake (ties: lowest uid). */
  leaderHotkey (): string | null {
    let best: string | null = null
    let bestStake = -1n
    for (const h of this.members) {
      const s = this.stakes.get(h) ?? 0n
      if (s > bestStake) { best = h; bestStake = s }
    }
    return best
  }

  get isLeader (): boolean { return this.isValidator && this.leaderHotkey() === this.hotkey }

  async start (): Promise<void> {
    await wireReady()
    const task = getTask(this.config.task)
    this.learner = await createLearner({ ...task, hyper: { ...task.hyper, batchSize: this.config.train.batchSize } })
    const d = doctor()
    this.events.emit('backend', { backend: d.backend, gpu: d.gpu, tried: d.tried.map((t) => ({ name: t.backend, ok: t.ok, ...(t.reason !== undefined ? { error: t.reason } : {}) })) })
    this.feedback = new ErrorFeedback(this.learner.size, { chunkSize: this.config.codec.chunkSize, topK: this.config.codec.topK, bits: this.config.codec.bits })
    await this.loadModel()
    this.members = this.config.members.map(ss58)
    if (this.chain !== null) {
      await this.chain.connect()
      await this.refreshStakes()
    } else {
      for (const h of this.members) this.stakes.set(h, 1n)
    }
    const info = await this.mesh.start()
    this.peerId = info.peerId
    await this.mesh.joinSubnet(this.config.netuid)
    await this.mesh.setIdentity(signIdentity(this.pair, { netuid: this.config.netuid, peerId: info.peerIdBytes, issuedAt: Date.now() }))
    this.mesh.events.on('gradient:received', (ev) => { this.onGradient(ev) })
    this.mesh.events.on('peer:bound', () => { this.emitPeers() })
    this.mesh.events.on('peer:disconnected', () => { this.emitPeers() })
    if (this.isMiner) await this.mesh.setQueryHandler((q) => this.answerQuery(q))
    await this.publishStatus(Math.max(0, this.state.lastRound))
    for (const addr of this.config.bootstrap) {
      await this.mesh.dial(addr).catch((e: unknown) => { this.log.warn('bootstrap dial failed', { addr, error: errorMessage(e) }) })
    }
    this.clock = await this.makeClock()
    this.events.emit('peer:started', { peerId: info.peerId, hotkey: this.hotkey, uid: this.uid ?? -1, role: this.config.role, multiaddrs: info.multiaddrs, netuid: this.config.netuid, task: this.config.task, network: this.config.network })
    this.log.info('peer started', { peerId: info.peerId, hotkey: this.hotkey, uid: this.uid, role: this.config.role, leader: this.isLeader, clock: this.clock.kind })
    await this.resumePendingAnchors()
    this.loop = this.run().catch((e: unknown) => { this.log.error('round loop failed', { error: errorMessage(e), stack: e instanceof Error ? e.stack : undefined }) })
  }

  /** Resolves when the round loop ends (maxRounds reached or stop()). */
  async done (): Promise<void> { await this.loop }

  async stop (reason = 'stopped'): Promise<void> {
    if (this.abort.signal.aborted) return
    this.abort.abort()
    for (const w of this.resumeWaiters) w()
    this.clock?.stop()
    await this.loop?.catch(() => {})
    await this.anchoring.catch(() => {})
    this.unsubHeads?.()
    saveState(this.paths, this.state)
    await this.mesh.stop().catch(() => {})
    await this.chain?.close().catch(() => {})
    this.learner?.dispose()
    this.events.emit('peer:stopped', { reason })
  }

  setPaused (paused: boolean): void {
    this.paused = paused
    if (!paused) { for (const w of this.resumeWaiters) w(); this.resumeWaiters = [] }
    this.events.emit('state:paused', { paused })
  }

  setThrottle (value: number): void {
    if (!(value >= 0.05 && value <= 1)) throw new NodeError('BAD_FLAG', 'throttle must lie in [0.05, 1]', { value })
    this.throttle = value
    this.events.emit('state:throttle', { throttle: value })
  }

  // ---- model -------------------------------------------------------------------------------------

  private checkpointDir (): string { return join(this.paths.checkpoints, this.config.task) }

  /** Restores the latest saved checkpoint (hash-verified) or starts from θ₀. */
  private async loadModel (): Promise<void> {
    const learner = this.learner!
    const latest = join(this.checkpointDir(), 'latest.tmck')
    if (existsSync(latest)) {
      try {
        const { readFileSync } = await import('node:fs')
        const ck = checkpointFromBytes(new Uint8Array(readFileSync(latest)), { spec: learner.spec })
        this.setModel(ck.params)
        this.log.info('model restored from checkpoint', { hash: this.thetaHash })
        return
      } catch (e) {
        this.log.warn('saved checkpoint unusable, starting from θ₀', { error: errorMessage(e) })
      }
    }
    this.setModel(learner.getParams())
  }

  private setModel (theta: Float32Array, bytes?: Uint8Array): void {
    const learner = this.learner!
    this.theta = theta
    this.thetaHash = paramsHash(learner.spec, theta)
    if (bytes === undefined) {
      learner.setParams(theta)
      bytes = checkpointToBytes({ taskId: learner.task.id, spec: learner.spec, params: theta, hash: this.thetaHash, modelTopology: learner.model.toJSON(null, false), meta: {} })
    }
    this.modelBytes = bytes
    this.modelId = sha256hex(bytes)
  }

  private persistModel (): void {
    if (this.modelBytes === null) return
    writeFileAtomic(join(this.checkpointDir(), 'latest.tmck'), this.modelBytes)
  }

  /** θ_r as the round started, kept for `tensormesh replay` (the last dozen rounds). */
  private persistBase (round: number): void {
    if (this.modelBytes === null) return
    writeFileAtomic(join(this.checkpointDir(), `r${round}.tmck`), this.modelBytes)
    const old = readdirSync(this.checkpointDir()).filter((f) => /^r\d+\.tmck$/.test(f)).map((f) => Number(f.slice(1, -5))).sort((a, b) => a - b)
    for (const r of old.slice(0, Math.max(0, old.length - 12))) rmSync(join(this.checkpointDir(), `r${r}.tmck`), { force: true })
  }

  private async publishStatus (round: number): Promise<void> {
    await this.mesh.setStatus({ netuid: this.config.netuid, round, modelHash: unhex(this.modelId), roles: this.isValidator && this.isMiner ? ['miner', 'validator'] : this.isValidator ? ['validator'] : ['miner'], hotkey: this.pair.publicKey, softwareVersion: SOFTWARE_VERSION })
  }

  private async peerOf (hotkey: string): Promise<string | null> {
    const want = hex(decodeAddress(hotkey))
    for (const p of await this.mesh.peers()) if (p.connected && p.hotkeys[this.config.netuid] === want) return p.peerId
    return null
  }

  /**
   * Round start: adopt the leader's θ_r. Polls the leader's status until it announces round r (it finished
   * aggregating r − 1) or the sync budget runs out; fetches and verifies its checkpoint when ours differs.
   */
  private async syncModel (round: number, budgetMs: number): Promise<void> {
    if (this.isLeader) {
      this.events.emit('model:synced', { round, modelHash: this.thetaHash, fetched: false, bytes: 0, from: null })
      return
    }
    const leader = this.leaderHotkey()
    const end = Date.now() + budgetMs
    // What the early start already saw saves the first request.
    let known = this.announced !== null && this.announced.round >= round ? this.announced : null
    this.announced = null
    while (leader !== null && Date.now() < end && !this.abort.signal.aborted) {
      const st = known ?? await this.leaderStatus(leader)
      known = null
      if (st !== null && (st.round >= round || (st.round === round - 1 && Date.now() + 200 >= end))) {
        if (st.modelId === this.modelId) break
        try {
          const bytes = await this.mesh.fetchCheckpoint(st.peerId, st.modelId, { parallel: 2 })
          const ck = checkpointFromBytes(bytes, { spec: this.learner!.spec })
          this.setModel(ck.params, bytes)
          this.learner!.setParams(ck.params)
          this.events.emit('model:synced', { round, modelHash: this.thetaHash, fetched: true, bytes: bytes.byteLength, from: st.peerId })
          this.log.debug('model fetched from leader', { round, bytes: bytes.byteLength, leaderRound: st.round })
          return
        } catch (e) {
          this.log.debug('leader checkpoint failed', { error: errorMessage(e) })
        }
      }
      await sleep(STATUS_POLL_MS, this.abort.signal)
    }
    this.events.emit('model:synced', { round, modelHash: this.thetaHash, fetched: false, bytes: 0, from: null })
  }

  // ---- clock and chain ---------------------------------------------------------------------------

  private async makeClock (): Promise<RoundClock> {
    const r = this.config.round
    if (this.chain === null || r.clock === 'wall') return wallClock(r.genesisMs === 0 ? this.startedAt : r.genesisMs, r.roundMs)
    const c = blockClock(r.genesisBlock, r.blocksPerRound, r.roundMs / r.blocksPerRound)
    c.onHead((await this.chain.bestBlock()).number)
    this.unsubHeads = await this.chain.subscribeHeads((h) => { c.onHead(h.number) })
    return c
  }

  private async refreshStakes (): Promise<void> {
    if (this.chain === null) return
    try {
      this.stakes = await this.chain.stakes(this.config.netuid, this.members)
    } catch (e) {
      this.log.warn('cannot read stakes', { error: errorMessage(e) })
    }
  }

  // ---- the loop ----------------------------------------------------------------------------------

  private async run (): Promise<void> {
    await roundLoop({
      clock: this.clock!,
      first: Math.max(this.clock!.now().round, this.state.lastRound + 1),
      maxRounds: this.config.maxRounds,
      signal: this.abort.signal,
      isPaused: () => this.paused,
      untilResumed: () => new Promise<void>((resolve) => { this.resumeWaiters.push(resolve) }),
      runRound: (round, t) => this.runRound(round, t.startMs, t.endMs),
      // A miner (not a validator) starts a round as soon as the leader serves its model: it trains in the time that
      // would otherwise pass waiting for the block, and still stops at TRAIN_SHARE of the round proper.
      ...(this.isMiner && !this.isValidator ? { early: (round: number, signal: AbortSignal) => this.leaderReady(round, signal) } : {}),
    })
    await this.anchoring.catch(() => {})
  }

  /**
   * Resolves with round `round`'s estimated time (it starts where the current round is estimated to end) once the
   * leader announces the round's model, or null when that is not the next round or there is no leader.
   */
  private async leaderReady (round: number, signal: AbortSignal): Promise<RoundTime | null> {
    const leader = this.leaderHotkey()
    if (leader === null) return null
    while (!signal.aborted) {
      const now = this.clock!.now()
      if (now.round !== round - 1) return null
      const st = await this.leaderStatus(leader)
      if (st !== null && st.round >= round) {
        this.announced = st
        return { round, startMs: now.endMs, endMs: now.endMs + (now.endMs - now.startMs) }
      }
      await sleep(STATUS_POLL_MS, signal)
    }
    return null
  }

  /** The leader's announced round and model with its PeerId; null when it is not connected or the request failed. */
  private async leaderStatus (leader: string): Promise<LeaderStatus | null> {
    const peerId = await this.peerOf(leader)
    if (peerId === null) return null
    try {
      const st = await this.mesh.requestStatus(peerId, this.config.netuid)
      return { peerId, round: st.round, modelId: hex(st.modelHash) }
    } catch (e) {
      this.log.debug('leader status failed', { error: errorMessage(e) })
      return null
    }
  }

  private async runRound (round: number, startMs: number, endMs: number): Promise<void> {
    const cfg = this.config
    const tm: RoundTimings = { sync: 0, train: 0, encode: 0, publish: 0, receive: 0, query: 0, score: 0, aggregate: 0, anchor: 0, total: 0 }
    const t0 = performance.now()
    const roundMs = Math.max(1000, endMs - startMs)
    const epochNo = Math.floor(round / cfg.round.roundsPerEpoch)
    this.round = round
    await this.mesh.setRound(cfg.netuid, round)
    const collectMs = adaptiveCollectMs(this.arrivalOffsets.slice(-30), roundMs, cfg.round.minCollect, cfg.round.maxCollect)
    const deadlineMs = this.isValidator ? startMs + collectMs : null
    this.events.emit('round:start', { round, epoch: epochNo, startMs, endMs, deadlineMs })
    const transcript: RoundTranscript = { version: 1, round, epoch: epochNo, netuid: cfg.netuid, task: cfg.task, hotkey: this.hotkey, role: cfg.role, behaviour: cfg.behaviour, members: [...this.members], baseModel: '', miner: null, validator: null, modelAfter: '' }

    let s = performance.now()
    await this.syncModel(round, Math.min(0.3 * roundMs, 6000))
    tm.sync = performance.now() - s
    transcript.baseModel = this.thetaHash
    const theta = this.theta!
    this.persistBase(round)

    if (this.isMiner && this.uid !== null) {
      const m = await this.mine(round, theta, startMs, roundMs, tm)
      transcript.miner = m
    }
    if (this.isValidator && this.uid !== null) {
      const v = await this.validate(round, theta, startMs, deadlineMs!, tm)
      transcript.validator = v
    }
    transcript.modelAfter = this.thetaHash
    if (this.isLeader) this.provideModel(round + 1)
    this.persistModel()
    this.state.lastRound = round
    this.state.modelHash = this.thetaHash
    this.state.contribution.roundsCompleted++
    saveState(this.paths, this.state)
    writeTranscript(this.paths.transcripts, transcript)
    this.gradients.delete(round)
    for (const r of this.gradients.keys()) if (r < round) this.gradients.delete(r)

    if (this.isValidator && (round + 1) % cfg.round.roundsPerEpoch === 0) {
      s = performance.now()
      await this.endEpoch(epochNo)
      tm.anchor = performance.now() - s
    } else if (this.chain !== null && round + 1 >= cfg.round.roundsPerEpoch) {
      // Refresh the view of the latest finished epoch: rankings anchored after our first look count too.
      const ep = Math.floor((round + 1) / cfg.round.roundsPerEpoch) - 1
      const last = (round + 1) % cfg.round.roundsPerEpoch === 0
      this.anchoring = this.anchoring.then(async () => {
        if (last) await sleep(Math.min(3000, roundMs / 3), this.abort.signal)
        // The previous epoch too while its view misses validators (their anchors may land a round late).
        const prev = this.views.get(ep - 1)
        if (prev !== undefined && prev.validators.length < this.validatorSet().size) await this.computeConsensus(ep - 1)
        await this.computeConsensus(ep)
      }).catch(() => {})
    }
    tm.total = performance.now() - t0
    this.events.emit('round:end', { round, timings: tm })
    this.events.emit('contribution', { ...this.state.contribution })
    this.emitPeers()
  }

  private emitPeers (): void {
    this.peers().then((v) => { this.events.emit('peers', v) }).catch(() => {})
  }

  /** The mesh's peers with their bound hotkeys and uids (GET /peers and the `peers` event). */
  async peers (): Promise<{ peers: PeerView[] }> {
    return { peers: peerViews(await this.mesh.peers(), this.members, this.config.netuid) }
  }

  private provideModel (nextRound: number): void {
    const bytes = this.modelBytes!
    this.mesh.provideCheckpoint(bytes).then(() => this.publishStatus(nextRound)).catch((e: unknown) => { this.log.warn('cannot serve checkpoint', { error: errorMessage(e) }) })
  }

  // ---- miner -------------------------------------------------------------------------------------

  private async mine (round: number, theta: Float32Array, startMs: number, roundMs: number, tm: RoundTimings): Promise<RoundTranscript['miner']> {
    const cfg = this.config
    const learner = this.learner!
    const plan = planTraining({ speed: this.speed, nowMs: Date.now(), startMs, roundMs, throttle: this.throttle, configuredSteps: cfg.train.steps })
    // The assignment stays `train.samples` however many steps fit: more time means more passes over it, not more data.
    // Validators' own-data check needs that (value's ownDataSign: the update must fit the miner's first samples at least
    // 20 % better than held-out data). Measured on MNIST from a round's base, 384 steps: 320 samples give 0.34–0.36,
    // 1,280 samples 0.00–0.11 — an honest miner with a growing assignment fails the check and scores zero.
    const samples = assignSamples({ hotkey: this.hotkey, round, taskSeed: learner.task.seed }, learner.split.train, Math.min(cfg.train.samples, learner.split.train.length))
    let s = performance.now()
    const cpu0 = process.cpuUsage()
    let delta: Float32Array
    let loss = NaN
    let accuracy = NaN
    let trainedSamples = 0
    let steps = 0
    if (cfg.behaviour === 'free-rider') {
      // Publishes a tiny random update without training (and copies when it can).
      const rnd = new Float32Array(learner.size)
      let x = (round * 2654435761) >>> 0
      for (let i = 0; i < rnd.length; i++) { x = (x * 1664525 + 1013904223) >>> 0; rnd[i] = ((x / 2 ** 32) - 0.5) * 1e-4 }
      delta = rnd
    } else {
      // Yields every 2 steps: validators' queries of the previous round may arrive while an early-started round trains.
      const r = await learner.train(theta, samples, { steps: plan.maxSteps, stopAt: plan.stopAt, batchSize: cfg.train.batchSize, yieldEvery: 2 })
      steps = r.steps
      delta = r.delta
      loss = r.loss
      accuracy = r.accuracy
      trainedSamples = r.samples
      if (cfg.behaviour === 'poisoner') for (let i = 0; i < delta.length; i++) delta[i] = -8 * delta[i]
    }
    tm.train = performance.now() - s
    // Training fills its share of the round: slow hardware does fewer steps (and still takes part), fast hardware more.
    // Speed is the hardware's steps/ms; the throttle scales the time budget, so adapting to speed cannot undo it.
    if (steps > 0) this.speed = nextSpeed(this.speed, steps, tm.train)
    const cpu = process.cpuUsage(cpu0)
    const secs = (cpu.user + cpu.system) / 1e6
    const d = doctor()
    if (d.gpu) this.state.contribution.gpuSeconds += tm.train / 1000
    this.state.contribution.cpuSeconds += secs
    this.state.contribution.samples += trainedSamples
    this.events.emit('train:done', { round, loss, accuracy, samples: trainedSamples, ms: tm.train })

    s = performance.now()
    const enc = this.feedback!.encode(delta)
    const dense = decodeUpdate(enc)
    this.localModel = applyUpdate(theta, dense, 1)
    const header = {
      netuid: cfg.netuid, round, baseModel: unhex(this.thetaHash), assignmentSeed: learner.task.seed,
      sampleCount: Math.max(1, trainedSamples || samples.length), hotkey: this.pair.publicKey,
    }
    // One message, or chunks when the update exceeds one gossip message (protocols/gradient.md).
    let msgs = gradientMessages(header, enc, cfg.codec.maxMessageBytes)
    if (cfg.behaviour === 'copier') {
      // Waits briefly for someone else's gradient and republishes it (all its chunks) as its own.
      await sleep(1500, this.abort.signal)
      const other = [...(this.gradients.get(round)?.values() ?? [])].find((g) => g.uid !== this.uid && isComplete(g.set))
      if (other !== undefined) msgs = [...other.set.chunks.values()].map((c) => ({ ...c.message, hotkey: this.pair.publicKey }))
    }
    tm.encode = performance.now() - s
    s = performance.now()
    const published = await this.publishChunks(round, msgs)
    tm.publish = performance.now() - s
    return { steps, batchSize: cfg.train.batchSize, samplesHash: sha256hex(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)), sampleCount: samples.length, loss, accuracy, updateDigest: updateDigest(dense), gradientHash: published?.hash ?? null, bytes: published?.bytes ?? 0 }
  }

  /** Publishes a gradient's messages in order; null when any fails (validators then see it incomplete). */
  private async publishChunks (round: number, msgs: GradientMessage[]): Promise<{ hash: string, bytes: number, recipients: number } | null> {
    let bytes = 0
    let recipients = Infinity
    let hash = ''
    try {
      for (const m of msgs) {
        const p = await this.mesh.publishGradient(m)
        bytes += p.bytes
        recipients = Math.min(recipients, p.recipients)
        if (hash === '') hash = p.hash
      }
    } catch (e) {
      this.log.warn('gradient publish failed', { round, chunks: msgs.length, error: errorMessage(e) })
      return null
    }
    this.state.contribution.updatesPublished++
    this.events.emit('update:published', { round, hash, bytes, recipients, chunks: msgs.length })
    return { hash, bytes, recipients }
  }

  /** Miner's answer to a validator's query: class probabilities of its locally trained model. */
  private async answerQuery (q: QueryMessage): Promise<QueryResponseMessage> {
    const learner = this.learner!
    if (q.inputs.dtype !== 'f32') throw new NodeError('BAD_CONFIG', 'query inputs must be f32')
    const model = this.config.behaviour === 'free-rider' ? this.theta! : (this.localModel ?? this.theta!)
    const probs = learner.predict(q.inputs.data, model)
    return { queryId: q.queryId, predictions: { dtype: 'f32', shape: [probs.length / learner.task.numClasses, learner.task.numClasses], data: probs } }
  }

  // ---- validator ---------------------------------------------------------------------------------

  private onGradient (ev: GradientEvent): void {
    if (ev.netuid !== this.config.netuid) return
    const hk = ss58(unhex(ev.hotkey))
    const uid = this.members.indexOf(hk)
    if (uid < 0) return
    const arrivalMs = Date.now()
    const r = ev.message.round
    const byUid = this.gradients.get(r) ?? new Map<number, Received>()
    this.gradients.set(r, byUid)
    const had = byUid.get(uid)
    const { set, outcome } = addChunk(had?.set, { message: ev.message, hash: ev.hash, arrivalMs })
    if (had === undefined) byUid.set(uid, { set, from: ev.from, uid })
    if (outcome === 'duplicate') return
    if (outcome === 'conflict') {
      // Equivocation: the set now scores as malformed; the sender's peer score drops too.
      this.log.warn('conflicting gradient chunks', { round: r, uid, reason: set.conflict })
      void this.mesh.penalize(ev.from, 1).catch(() => {})
    }
    // Too late for this round's scoring, but the adaptive deadline must see it (or it would never grow to meet it).
    if (this.closed !== null && r === this.closed.round && isComplete(set)) this.arrivalOffsets.push(Math.max(0, arrivalMs - this.closed.startMs))
    this.events.emit('update:received', { round: r, uid, hotkey: hk, hash: ev.hash, bytes: ev.bytes, arrivalMs })
  }

  private minerUids (): number[] {
    // Validators (stake holders above the miner level) are not scored: uids with the largest stakes are validators.
    return this.members.map((h, i) => [h, i] as const).filter(([h]) => !this.validatorSet().has(h)).map(([, i]) => i)
  }

  private validatorSet (): Set<string> {
    const top = [...this.stakes.values()].reduce((a, b) => (b > a ? b : a), 0n)
    // Devnet convention: validators hold at least 1/1000 of the top stake; miners hold dust for fees.
    return new Set(this.members.filter((h) => (this.stakes.get(h) ?? 0n) * 1000n >= top && top > 0n))
  }

  private async validate (round: number, theta: Float32Array, startMs: number, deadlineMs: number, tm: RoundTimings): Promise<RoundTranscript['validator']> {
    const cfg = this.config
    const learner = this.learner!
    const s0 = performance.now()
    const miners = this.minerUids().filter((u) => u !== this.uid)
    // Wait for all expected miners or the deadline, whichever first.
    while (Date.now() < deadlineMs && !this.abort.signal.aborted) {
      const got = this.gradients.get(round)
      if (miners.every((u) => got?.get(u) !== undefined && isComplete(got.get(u)!.set))) break
      await sleep(100, this.abort.signal)
    }
    tm.receive = performance.now() - s0
    const received = [...(this.gradients.get(round)?.values() ?? [])]
    for (const g of received) if (isComplete(g.set)) this.arrivalOffsets.push(Math.max(0, g.set.lastArrivalMs - startMs))
    this.closed = { round, startMs }

    // Query every miner that sent something, in parallel, with the round's query inputs.
    let s = performance.now()
    const qref = queryRef(this.hotkey, round, QUERY_SIZE)
    const qSamples = samplesOf(learner, qref)
    const inputs = learner.inputsOf(qSamples).x
    const responses = new Map<number, Float32Array | null>()
    await Promise.all(received.map(async (g, k) => {
      try {
        const res = await this.mesh.query(g.from, { netuid: cfg.netuid, round, queryId: (round * 1000 + k) >>> 0, inputs: { dtype: 'f32', shape: [qSamples.length, inputs.length / qSamples.length], data: inputs } })
        responses.set(g.uid, res.predictions.dtype === 'f32' ? res.predictions.data : null)
      } catch {
        responses.set(g.uid, null)
      }
    }))
    tm.query = performance.now() - s

    s = performance.now()
    const submissions: Submission[] = received.map((g) => {
      const a = assemble(g.set)
      const update = 'update' in a ? a.update : null
      const malformed = 'malformed' in a ? a.malformed : undefined
      return {
        uid: g.uid, round: g.set.round, baseHash: g.set.baseModel, arrivalMs: g.set.lastArrivalMs, update,
        ...(malformed !== undefined ? { malformed } : {}),
        assignment: assignmentRef(this.members[g.uid], round, OWN_CHECK_SIZE),
        response: responses.get(g.uid) ?? null,
      }
    })
    const { rule, vcfg } = validatorSetup(cfg.aggregation)
    let result: RoundResult | null = null
    const ownBefore = { ...this.state.ownAverages }
    try {
      result = await scoreRound(learnEvaluator(learner, theta), {
        validator: this.hotkey,
        expect: { round, baseHash: this.thetaHash, deadlineMs, dim: learner.size },
        expectedUids: miners,
        submissions,
        heldout: heldoutRef(this.hotkey, round, HELDOUT_SIZE),
        query: qref,
        ownAverages: ownBefore,
      }, vcfg)
    } catch (e) {
      this.log.error('scoring failed', { round, error: errorMessage(e) })
    }
    tm.score = performance.now() - s
    if (result === null) return null
    this.state.ownAverages = result.ownAverages
    this.state.ema = updateEma({ alpha: EMA_ALPHA, values: this.state.ema }, result.records.map((r) => ({ uid: r.uid, score: r.score }))).values
    this.lastScores = result.records.map((r) => ({
      uid: r.uid, hotkey: this.members[r.uid] ?? '', score: r.score, ema: this.state.ema[String(r.uid)] ?? 0,
      penalties: r.penalties.map((p) => p.code), gradient: r.gradient?.value ?? null,
    }))
    this.events.emit('round:scored', { round, scores: this.lastScores, selected: result.selected, baseLoss: result.evidence.baseLoss })
    for (const r of result.records) {
      const g = received.find((x) => x.uid === r.uid)
      if (g !== undefined && r.penalties.length > 0) void this.mesh.penalize(g.from, 1).catch(() => {})
    }

    s = performance.now()
    const accepted = result.selected.map((u) => submissions.find((x) => x.uid === u)!.update!).filter((u) => u !== null)
    const agg = accepted.length > 0 ? rule.aggregate(accepted) : null
    if (agg !== null) this.setModel(applyUpdate(theta, agg, 1))
    const test = learner.evaluate(this.theta, learner.split.test.subarray(0, TEST_SIZE))
    this.testAccuracy = test.accuracy
    tm.aggregate = performance.now() - s
    this.events.emit('model:aggregated', { round, accepted: result.selected, modelHash: this.thetaHash, testAccuracy: test.accuracy, testLoss: test.loss })
    return {
      deadlineMs,
      heldout: result.evidence.heldout,
      query: qref,
      aggregation: cfg.aggregation,
      config: result.evidence.config,
      submissions: submissions.map((x) => ({ uid: x.uid, round: x.round, baseHash: x.baseHash, arrivalMs: x.arrivalMs, digest: x.update === null ? null : updateDigest(x.update), malformed: x.malformed ?? null })),
      updates: Object.fromEntries(submissions.filter((x) => x.update !== null).map((x) => [String(x.uid), Buffer.from(x.update!.buffer, x.update!.byteOffset, x.update!.byteLength).toString('base64')])),
      responses: Object.fromEntries([...responses].filter(([, v]) => v !== null).map(([u, v]) => [String(u), Buffer.from(v!.buffer, v!.byteOffset, v!.byteLength).toString('base64')])),
      ownAveragesBefore: ownBefore,
      records: result.records.map((r) => ({ uid: r.uid, score: r.score, penalties: r.penalties.map((p) => p.code) })),
      selected: result.selected,
      baseLoss: result.evidence.baseLoss,
      testAccuracy: test.accuracy,
    }
  }

  // ---- epochs: weights, rankings, anchors, consensus ---------------------------------------------

  private async endEpoch (epochNo: number): Promise<void> {
    const cfg = this.config
    const w = emaToWeights(this.state.ema)
    if (w.uids.length === 0) { this.log.warn('no weights to set this epoch', { epoch: epochNo }); return }
    const conv = convertWeightsAndUidsForEmit(w.uids, w.weights)
    this.lastLocal = { epoch: epochNo, uids: conv.uids, weights: conv.values }
    this.events.emit('rankings:local', this.lastLocal)
    const ranking = signRanking(this.pair, { netuid: cfg.netuid, epoch: epochNo, uids: Uint16Array.from(conv.uids), weights: Uint16Array.from(conv.values), versionKey: 1 })
    await this.mesh.publishRanking(ranking).catch((e: unknown) => { this.log.warn('ranking publish failed', { error: errorMessage(e) }) })
    if (this.chain === null) return
    const bytes = encodeRanking(ranking)
    // Anchoring runs beside the next round; the journal keeps it exactly-once across crashes.
    this.anchoring = this.anchoring.then(async () => {
      await this.anchorOnce(epochNo, bytes, false)
      await this.computeConsensus(epochNo)
    }).catch((e: unknown) => { this.log.warn('epoch anchoring failed', { epoch: epochNo, error: errorMessage(e) }) })
  }

  private async anchorOnce (epochNo: number, bytes: Uint8Array, resumed: boolean): Promise<void> {
    const netuid = this.config.netuid
    const prior = this.journal.get(netuid, epochNo)
    if (prior?.status === 'done') return
    if (prior?.status === 'pending') {
      // A crash between submit and journal: look on chain before sending again.
      const found = await this.findOwnAnchor(epochNo)
      if (found !== null) {
        this.journal.record({ epoch: epochNo, netuid, status: 'done', blockNumber: found.blockNumber, recovered: true })
        this.events.emit('anchor:done', { epoch: epochNo, netuid, blockNumber: found.blockNumber, blockHash: '', recovered: true, resumed })
        return
      }
      bytes = unhex(prior.bytes ?? hex(bytes))
    } else {
      this.journal.record({ epoch: epochNo, netuid, status: 'pending', bytes: hex(bytes) })
    }
    this.events.emit('anchor:submitted', { epoch: epochNo, netuid })
    try {
      const rc = await this.chain!.anchorRanking(this.pair, bytes)
      this.journal.record({ epoch: epochNo, netuid, status: 'done', blockNumber: rc.blockNumber, blockHash: rc.blockHash, extrinsicHash: rc.extrinsicHash, recovered: rc.recovered })
      this.events.emit('anchor:done', { epoch: epochNo, netuid, blockNumber: rc.blockNumber, blockHash: rc.blockHash, ...(rc.extrinsicHash !== undefined ? { extrinsicHash: rc.extrinsicHash } : {}), recovered: rc.recovered, resumed })
      this.log.info('ranking anchored', { epoch: epochNo, block: rc.blockNumber })
    } catch (e) {
      this.events.emit('anchor:failed', { epoch: epochNo, netuid, error: errorMessage(e) })
      throw e
    }
  }

  private async findOwnAnchor (epochNo: number): Promise<{ blockNumber: number } | null> {
    const read = await this.chain!.readRankings(this.config.netuid, epochNo)
    const mine = read.rankings.find((r) => ss58(r.hotkey) === this.hotkey)
    return mine === undefined ? null : { blockNumber: mine.blockNumber }
  }

  private async resumePendingAnchors (): Promise<void> {
    if (this.chain === null) return
    for (const e of this.journal.pending()) {
      if (e.netuid !== this.config.netuid) continue
      this.anchoring = this.anchoring.then(() => this.anchorOnce(e.epoch, unhex(e.bytes ?? ''), true)).catch((err: unknown) => { this.log.warn('resuming anchor failed', { epoch: e.epoch, error: errorMessage(err) }) })
    }
  }

  /** Consensus view of an epoch: Yuma over the anchored rankings (devnet), or the chain's own results (subtensor). */
  async computeConsensus (epochNo: number): Promise<ConsensusView | null> {
    if (this.chain === null) return null
    if (this.chain.kind === 'subtensor' && this.chain.metagraph !== undefined) return await this.readChainConsensus(epochNo)
    try {
      await this.refreshStakes()
      const read = await this.chain.readRankings(this.config.netuid, epochNo)
      const stake = this.members.map((h) => this.stakes.get(h) ?? 0n)
      const input = consensusInput(this.members, stake, read.rankings)
      const uidOf = new Map(this.members.map((h, i) => [h, i]))
      const anchored = read.rankings.map((r) => ({ validatorUid: uidOf.get(ss58(r.hotkey)) ?? -1, blockNumber: r.blockNumber, uids: [...r.ranking.uids], weights: [...r.ranking.weights] }))
      const view = consensusFromAnchors(input, read.scannedTo, epochNo, this.config.round.roundsPerEpoch * this.config.round.blocksPerRound, anchored)
      if (this.lastConsensus === null || epochNo >= this.lastConsensus.epoch) this.lastConsensus = view
      this.views.set(epochNo, view)
      for (const k of this.views.keys()) if (k < epochNo - 4) this.views.delete(k)
      const uid = this.uid
      if (uid !== null) this.state.contribution.estimatedEmissionShare = view.incentive[uid] ?? 0
      if (uid !== null && this.isMiner) {
        for (const a of read.rankings) {
          const k = a.ranking.uids.indexOf(uid)
          this.state.contribution.lastScores[ss58(a.hotkey)] = k < 0 ? 0 : a.ranking.weights[k] / 65535
        }
        // Counted once per epoch: the epoch's published updates were accepted when the consensus rewarded them.
        if (view.incentive[uid] > 0 && epochNo > this.state.countedEpoch) {
          this.state.contribution.updatesAccepted += this.config.round.roundsPerEpoch
          this.state.countedEpoch = epochNo
        }
      }
      this.events.emit('rankings:consensus', view)
      return view
    } catch (e) {
      this.log.warn('consensus view failed', { epoch: epochNo, error: errorMessage(e) })
      return null
    }
  }

  /** Subtensor runs Yuma itself: read incentive, dividends, consensus and trust from the metagraph. */
  private async readChainConsensus (epochNo: number): Promise<ConsensusView | null> {
    try {
      const mg = await this.chain!.metagraph!(this.config.netuid)
      const f = (xs: number[]): number[] => xs.map((x) => x / 65535)
      const incentive = f(mg.incentive)
      const order = incentive.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
      const rank = new Array<number>(incentive.length).fill(0)
      order.forEach(([, i], k) => { rank[i] = k + 1 })
      const view: ConsensusView = {
        epoch: epochNo, validators: mg.validatorTrust.map((t, i) => [t, i] as const).filter(([t]) => t > 0).map(([, i]) => i), hotkeys: mg.hotkeys,
        incentive, dividends: f(mg.dividends), consensus: f(mg.consensus), trust: f(mg.validatorTrust), rank, anchored: [], source: 'subtensor',
      }
      this.lastConsensus = view
      const uid = this.uid
      if (uid !== null) this.state.contribution.estimatedEmissionShare = incentive[uid] ?? 0
      this.events.emit('rankings:consensus', view)
      return view
    } catch (e) {
      this.log.warn('cannot read the metagraph', { error: errorMessage(e) })
      return null
    }
  }

  // ---- views for the API -------------------------------------------------------------------------

  status (): StatusResponse {
    const head = this.clock?.head() ?? null
    return {
      peerId: this.peerId,
      hotkey: this.hotkey,
      uid: this.uid,
      role: this.config.role,
      netuid: this.config.netuid,
      task: this.config.task,
      network: this.config.network,
      chain: this.chain === null ? null : { kind: this.chain.kind, endpoint: this.chain.endpoint, head },
      backend: this.learner === null ? null : doctor().backend,
      round: this.round,
      epoch: Math.max(0, Math.floor(this.round / this.config.round.roundsPerEpoch)),
      modelHash: this.thetaHash === '' ? null : this.thetaHash,
      paused: this.paused,
      throttle: this.throttle,
      testAccuracy: this.testAccuracy,
      contribution: { ...this.state.contribution },
      uptimeMs: Date.now() - this.startedAt,
    }
  }

  rankings (): { local: { epoch: number, uids: number[], weights: number[] } | null, scores: MinerScore[], consensus: ConsensusView | null } {
    return { local: this.lastLocal, scores: this.lastScores, consensus: this.lastConsensus }
  }

  anchors (): AnchorRow[] {
    return anchorRows([...this.journal.done(), ...this.journal.pending()])
  }
}

/** The aggregation rule and scoring settings a validator uses (shared with replay so both agree). */
export function validatorSetup (aggregation: string): { rule: ReturnType<typeof createAggregationRule>, vcfg: ValidatorConfig } {
  const rule = createAggregationRule(aggregationSpec(aggregation))
  const vcfg: ValidatorConfig = { ...DEFAULT_VALIDATOR_CONFIG, shapley: { permutations: 4, maxEvaluations: 24, antithetic: true }, aggregate: (u) => rule.aggregate(u) ?? new Float32Array(u[0].length) }
  return { rule, vcfg }
}

export const ROUND_SIZES = { heldout: HELDOUT_SIZE, query: QUERY_SIZE, own: OWN_CHECK_SIZE, test: TEST_SIZE }

export function aggregationSpec (name: string): AggregationSpec {
  switch (name) {
    case 'trimmed-mean': return { rule: 'trimmed-mean', trim: 0.2 }
    case 'median': return { rule: 'median' }
    case 'norm-clip': return { rule: 'norm-clip' }
    case 'mean': return { rule: 'mean' }
    case 'krum': return { rule: 'krum', f: 1 }
    default: return { rule: 'centred-clipping' }
  }
}

/**
 * Mesh peer summaries as API rows: the hotkey bound on `netuid` (hex on the mesh, SS58 here) and its uid among
 * `members`. Pure. `latencyMs`: the mesh's ping RTT (moving average), null until measured.
 */
export function peerViews (ps: PeerSummaryLike[], members: string[], netuid: number): PeerView[] {
  const byHex = new Map(members.map((h, i) => [hex(decodeAddress(h)), i]))
  return ps.map((p) => {
    const raw = p.hotkeys[netuid]
    const hk = raw === undefined ? null : raw.toLowerCase().replace(/^0x/, '')
    const uid = hk === null ? null : byHex.get(hk) ?? null
    return { peerId: p.peerId, hotkey: hk === null ? null : ss58(unhex(hk)), uid, connected: p.connected, score: p.gossipScore, appScore: p.appScore, banned: p.banned, latencyMs: p.latencyMs }
  })
}

/** Journal entries as GET /anchors rows (by epoch, then netuid): no ranking bytes, hashes where known. Pure. */
export function anchorRows (entries: AnchorEntry[]): AnchorRow[] {
  return entries.map((e) => ({
    epoch: e.epoch,
    netuid: e.netuid,
    status: e.status,
    ...(e.blockNumber !== undefined ? { blockNumber: e.blockNumber } : {}),
    ...(e.blockHash !== undefined && e.blockHash !== '' ? { blockHash: e.blockHash } : {}),
    ...(e.extrinsicHash !== undefined && e.extrinsicHash !== '' ? { extrinsicHash: e.extrinsicHash } : {}),
    ...(e.recovered === true ? { recovered: true } : {}),
    time: e.time,
  })).sort((a, b) => a.epoch - b.epoch || a.netuid - b.netuid)
}

/**
 * The round loop: wait while paused, wait for the next round to begin, run it. The pause flag is checked again
 * after the wait for the round (a pause that came in while waiting holds this round too), and a late start or a
 * slow round skips to the round now under way.
 */
export async function roundLoop (o: {
  clock: Pick<RoundClock, 'waitFor'>
  first: number
  maxRounds: number
  signal: AbortSignal
  isPaused: () => boolean
  untilResumed: () => Promise<void>
  runRound: (round: number, t: RoundTime) => Promise<void>
  /**
   * Optional early start: resolves with the round's (estimated) time when the peer may begin it before its first block
   * (a miner, once the leader announces the round's model), or null to wait for the block. Aborted when the block wins.
   */
  early?: (round: number, signal: AbortSignal) => Promise<RoundTime | null>
}): Promise<void> {
  let next = o.first
  while (!o.signal.aborted) {
    if (o.isPaused()) await o.untilResumed()
    if (o.signal.aborted) break
    const t = o.early === undefined ? await o.clock.waitFor(next, o.signal) : await blockOrEarly(o.clock, o.early, next, o.signal)
    if (o.signal.aborted) break
    if (o.isPaused()) continue
    const round = Math.max(next, t.round)
    await o.runRound(round, t)
    next = round + 1
    // Rounds are numbered from the subnet's genesis, so every peer of a bounded run ends with the same round.
    if (o.maxRounds > 0 && round >= o.maxRounds - 1) break
  }
}

/** The round's first block or the early start, whichever comes first (the loser is aborted). */
async function blockOrEarly (clock: Pick<RoundClock, 'waitFor'>, early: (round: number, signal: AbortSignal) => Promise<RoundTime | null>, round: number, signal: AbortSignal): Promise<RoundTime> {
  const ac = new AbortController()
  const stop = (): void => { ac.abort() }
  signal.addEventListener('abort', stop, { once: true })
  try {
    const block = clock.waitFor(round, ac.signal)
    const first = await Promise.race([block, early(round, ac.signal).catch(() => null)])
    return first !== null && !signal.aborted ? first : await block
  } finally {
    ac.abort()
    signal.removeEventListener('abort', stop)
  }
}

/** Builds a peer (not started). */
export function createPeer (config: PeerConfig, deps: PeerDeps): Peer {
  return new Peer(config, deps)
}

/** The EMA state of value (re-exported for tools that inspect `state.json`). */
export const emptyEma = (): ReturnType<typeof createEma> => createEma(EMA_ALPHA)
