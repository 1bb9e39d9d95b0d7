/**
 * Application-level peer score (Lodestar's peers/score): a local score per peer that decays towards 0
 * with a half-life, fed by the mesh's own penalties (invalid gossip, req/resp abuse) and by the
 * valuation package through `penalize(peerId, reason)`. It is the gossipsub `appSpecificScore`, and
 * below `banThreshold` the peer is banned: disconnected and refused for `banDurationMs`.
 */

/** Named penalties; a caller may also pass a plain negative number. */
export const PENALTIES = {
  /** A gossip message we rejected (bad signature, unbound peer, malformed, ...). */
  'invalid-gossip': -10,
  /** Gossip above the per-peer rate. */
  'gossip-rate-limit': -10,
  /** A request above the per-peer req/resp quota. */
  'req-rate-limit': -5,
  /** A malformed or oversize request. */
  'bad-request': -10,
  /** A malformed, oversize or hash-mismatching response. */
  'bad-response': -20,
  /** A request that timed out (slow or silent peer). */
  'timeout': -2,
  /** Valuation: an update that made the model worse. */
  'low-value': -5,
  /** Valuation: a copied, stale or non-finite update. */
  'bad-update': -20
} as const

export type PenaltyReason = keyof typeof PENALTIES

export interface PeerScoreBookOptions {
  /** Half-life of the local score, ms. Default 10 minutes (Lodestar's). */
  halfLifeMs?: number
  /** At or below this local score a peer is banned. Default -50. */
  banThreshold?: number
  /** How long a ban lasts, ms. Default 10 minutes. */
  banDurationMs?: number
  /** Lower bound so one burst of penalties cannot bury a peer forever. Default -200. */
  minScore?: number
  now?: () => number
}

interface Entry { score: number, at: number, bannedUntil: number }

export interface PenaltyOutcome {
  score: number
  /** True when this penalty started a ban. */
  banned: boolean
}

export class PeerScoreBook {
  private readonly entries = new Map<string, Entry>()
  private readonly halfLifeMs: number
  readonly banThreshold: number
  private readonly banDurationMs: number
  private readonly minScore: number
  private readonly now: () => number
  /** Counts of penalties by reason, for metrics and tests. */
  readonly penaltyCounts = new Map<string, number>()

  constructor (opts: PeerScoreBookOptions = {}) {
    this.halfLifeMs = opts.halfLifeMs ?? 600_000
    this.banThreshold = opts.banThreshold ?? -50
    this.banDurationMs = opts.banDurationMs ?? 600_000
    this.minScore = opts.minScore ?? -200
    this.now = opts.now ?? Date.now
  }

  /** The decayed local score of a peer (0 for unknown peers). */
  score (peerId: string): number {
    const e = this.entries.get(peerId)
    if (e == null) return 0
    this.decay(e)
    return e.score
  }

  penalize (peerId: string, reason: PenaltyReason | number): PenaltyOutcome {
    const delta = typeof reason === 'number' ? reason : PENALTIES[reason]
    if (!Number.isFinite(delta)) throw new RangeError(`penalty must be finite, got ${delta}`)
    const label = typeof reason === 'number' ? 'custom' : reason
    this.penaltyCounts.set(label, (this.penaltyCounts.get(label) ?? 0) + 1)
    const e = this.entries.get(peerId) ?? { score: 0, at: this.now(), bannedUntil: 0 }
    this.decay(e)
    e.score = Math.max(this.minScore, e.score + Math.min(0, delta))
    this.entries.set(peerId, e)
    const t = this.now()
    if (e.score <= this.banThreshold && e.bannedUntil <= t) {
      e.bannedUntil = t + this.banDurationMs
      return { score: e.score, banned: true }
    }
    return { score: e.score, banned: false }
  }

  isBanned (peerId: string): boolean {
    const e = this.entries.get(peerId)
    return e != null && e.bannedUntil > this.now()
  }

  /** Peers currently banned. */
  banned (): string[] {
    const t = this.now()
    return [...this.entries].filter(([, e]) => e.bannedUntil > t).map(([id]) => id)
  }

  /** Drops entries that have decayed to nothing and are not banned. */
  prune (): void {
    for (const [id, e] of this.entries) {
      this.decay(e)
      if (Math.abs(e.score) < 0.01 && e.bannedUntil <= this.now()) this.entries.delete(id)
    }
  }

  private decay (e: Entry): void {
    const t = this.now()
    if (t > e.at) {
      e.score *= Math.pow(0.5, (t - e.at) / this.halfLifeMs)
      e.at = t
    }
  }
}
