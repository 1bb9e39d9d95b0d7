/**
 * The mesh's typed events (names `noun:verb`, as in js-libp2p) and the data each carries. The same
 * map is used by MeshCore in the worker and by MeshClient on the main thread; every detail is plain
 * data so it survives structured cloning.
 */
import type { GradientMessage, IdentityBinding, RankingMessage } from '@tensormesh/wire'

export interface GradientReceived {
  netuid: number
  /** The publishing PeerId. */
  from: string
  /** Hex of the publisher's bound hotkey. */
  hotkey: string
  /** sha256 of the encoded message, hex: the key for gradient fetch by hash. */
  hash: string
  bytes: number
  message: GradientMessage
}

export interface RankingReceived {
  netuid: number
  from: string
  hotkey: string
  message: RankingMessage
}

export interface PeerBound {
  peerId: string
  netuid: number
  hotkey: string
  binding: IdentityBinding
}

export interface GossipRejected {
  kind: string
  action: 'ignore' | 'reject'
  code: string
  from: string
  propagationSource: string
}

export interface CheckpointProgress {
  requestId: number
  modelHash: string
  receivedBytes: number
  totalBytes: number
  chunks: number
  chunkCount: number
}

export interface MeshEvents {
  'peer:connected': { peerId: string }
  'peer:disconnected': { peerId: string }
  'peer:bound': PeerBound
  'peer:banned': { peerId: string, score: number, reason: string }
  'gradient:received': GradientReceived
  'ranking:received': RankingReceived
  'gossip:rejected': GossipRejected
  'checkpoint:progress': CheckpointProgress
}

export type MeshEventName = keyof MeshEvents

/** A small typed emitter (listeners get the detail directly). */
export class MeshEventEmitter {
  private readonly listeners = new Map<string, Set<(detail: any) => void>>()

  on<E extends MeshEventName> (name: E, fn: (detail: MeshEvents[E]) => void): () => void {
    const set = this.listeners.get(name) ?? new Set()
    set.add(fn)
    this.listeners.set(name, set)
    return () => { set.delete(fn) }
  }

  off<E extends MeshEventName> (name: E, fn: (detail: MeshEvents[E]) => void): void {
    this.listeners.get(name)?.delete(fn)
  }

  emit<E extends MeshEventName> (name: E, detail: MeshEvents[E]): void {
    for (const fn of this.listeners.get(name) ?? []) {
      try {
        fn(detail)
      } catch {
        // A listener's failure must not break the network loop.
      }
    }
  }

  /** Resolves with the first event of `name` that satisfies `pred`. */
  async once<E extends MeshEventName> (name: E, pred: (d: MeshEvents[E]) => boolean = () => true, signal?: AbortSignal): Promise<MeshEvents[E]> {
    return await new Promise((resolve, reject) => {
      const off = this.on(name, (d) => {
        if (!pred(d)) return
        off()
        resolve(d)
      })
      signal?.addEventListener('abort', () => { off(); reject(signal.reason) }, { once: true })
    })
  }
}
