/**
 * MeshClient: the main thread's handle on a mesh peer running in a worker thread. Every method is
 * async and typed; events arrive on `client.events` (the same typed map as MeshCore's). The hotkey
 * registry and the query handler stay on the main thread; the worker asks for them.
 */
import { Worker } from 'node:worker_threads'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { MeshError, errorToJSON, meshErrorFromJSON } from './errors.ts'
import { MeshEventEmitter } from './events.ts'
import type { MeshOptions, MeshStats, PeerSummary, PublishResult, QueryHandler } from './core.ts'
import type { CheckpointProgress, GradientReceived } from './events.ts'
import type { FromWorker, WorkerInit } from './protocol.ts'
import type { HotkeyRegistry } from './registry.ts'
import type { PenaltyReason } from './score.ts'
import type {
  GradientMessage, IdentityBinding, QueryMessage, QueryResponseMessage, RankingMessage, StatusMessage
} from '@tensormesh/wire'

export interface MeshClientOptions extends Omit<MeshOptions, 'connectionGater' | 'gossip'> {
  registry: HotkeyRegistry
}

export interface MeshInfo {
  peerId: string
  /** PeerId multihash bytes: what an identity binding signs. */
  peerIdBytes: Uint8Array
  multiaddrs: string[]
}

export class MeshClient {
  readonly events = new MeshEventEmitter()
  private readonly worker: Worker
  private readonly registry: HotkeyRegistry
  private queryHandler: QueryHandler | null = null
  private readonly pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  private nextId = 1
  private exited: Error | null = null

  constructor (opts: MeshClientOptions) {
    const { registry, privateKey, ...rest } = opts
    this.registry = registry
    const init: WorkerInit = { options: rest, ...(privateKey != null ? { privateKey: privateKeyToProtobuf(privateKey) } : {}) }
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: init })
    this.worker.on('message', (m: FromWorker) => { this.onMessage(m) })
    this.worker.on('error', (err) => { this.fail(err) })
    this.worker.on('exit', (code) => { this.fail(new MeshError('MESH_WORKER_EXITED', `network worker exited with code ${code}`, { code })) })
  }

  private fail (err: Error): void {
    this.exited ??= err
    for (const p of this.pending.values()) p.reject(this.exited)
    this.pending.clear()
  }

  private onMessage (m: FromWorker): void {
    if (m.type === 'event') {
      this.events.emit(m.name as 'peer:connected', m.detail as never)
    } else if (m.type === 'result') {
      const p = this.pending.get(m.id)
      this.pending.delete(m.id)
      if (m.error != null) p?.reject(meshErrorFromJSON(m.error))
      else p?.resolve(m.result)
    } else {
      this.answer(m.id, m.method, m.args)
    }
  }

  private answer (id: number, method: 'isRegistered' | 'query', args: unknown[]): void {
    const run = async (): Promise<unknown> => {
      if (method === 'isRegistered') return await this.registry.isRegistered(args[0] as number, args[1] as Uint8Array)
      if (this.queryHandler == null) throw new MeshError('MESH_NO_HANDLER', 'no query handler')
      return await this.queryHandler(args[0] as QueryMessage, args[1] as string)
    }
    run().then(
      (result) => { this.worker.postMessage({ type: 'reply', id, result }) },
      (err: unknown) => { this.worker.postMessage({ type: 'reply', id, error: errorToJSON(err) }) }
    )
  }

  private async call<T> (method: string, ...args: unknown[]): Promise<T> {
    if (this.exited != null) throw this.exited
    const id = this.nextId++
    return await new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ type: 'call', id, method, args })
    })
  }

  async start (): Promise<MeshInfo> { return await this.call('start') }
  /** Stops the node and ends the worker thread. */
  async stop (): Promise<void> {
    if (this.exited == null) await this.call('stop').catch(() => {})
    await this.worker.terminate()
  }

  async info (): Promise<MeshInfo> { return await this.call('info') }
  async dial (addr: string): Promise<string> { return await this.call('dial', addr) }
  async connections (): Promise<string[]> { return await this.call('connections') }
  async joinSubnet (netuid: number): Promise<void> { await this.call('joinSubnet', netuid) }
  async leaveSubnet (netuid: number): Promise<void> { await this.call('leaveSubnet', netuid) }
  /** Sets our identity binding (signed here, on the main thread, by the hotkey) and announces it. */
  async setIdentity (binding: IdentityBinding): Promise<void> { await this.call('setIdentity', binding) }
  async setRound (netuid: number, round: number): Promise<void> { await this.call('setRound', netuid, round) }
  async setStatus (status: StatusMessage): Promise<void> { await this.call('setStatus', status) }
  async publishGradient (g: GradientMessage): Promise<PublishResult> { return await this.call('publishGradient', g) }
  async publishRanking (r: RankingMessage): Promise<PublishResult> { return await this.call('publishRanking', r) }
  /** Lowers a peer's application score; the valuation package calls this. */
  async penalize (peerId: string, reason: PenaltyReason | number): Promise<void> { await this.call('penalize', peerId, reason) }
  async peers (): Promise<PeerSummary[]> { return await this.call('peers') }
  async stats (): Promise<MeshStats> { return await this.call('stats') }
  async hotkeyOf (peerId: string, netuid: number): Promise<string | undefined> { return await this.call('hotkeyOf', peerId, netuid) }
  async requestStatus (peerId: string, netuid: number): Promise<StatusMessage> { return await this.call('requestStatus', peerId, netuid) }
  async query (peerId: string, q: QueryMessage): Promise<QueryResponseMessage> { return await this.call('query', peerId, q) }
  async fetchGradient (hash: string, from?: string[]): Promise<GradientReceived> { return await this.call('fetchGradient', hash, from) }
  /** Serves a checkpoint; returns its model hash (hex). The bytes are copied into the worker. */
  async provideCheckpoint (bytes: Uint8Array): Promise<string> { return await this.call('provideCheckpoint', bytes) }

  /** Downloads and verifies a checkpoint; `onProgress` sees every chunk. */
  async fetchCheckpoint (peerId: string, modelHash: string, opts: { parallel?: number, onProgress?: (p: CheckpointProgress) => void } = {}): Promise<Uint8Array> {
    const requestId = this.nextId++
    const off = opts.onProgress == null
      ? () => {}
      : this.events.on('checkpoint:progress', (p) => { if (p.requestId === requestId) opts.onProgress?.(p) })
    try {
      return await this.call('fetchCheckpoint', peerId, modelHash, { parallel: opts.parallel, requestId })
    } finally {
      off()
    }
  }

  /** Answers queries from validators on this thread (where the model is); null stops answering. */
  async setQueryHandler (handler: QueryHandler | null): Promise<void> {
    this.queryHandler = handler
    await this.call('enableQueryHandler', handler != null)
  }
}
