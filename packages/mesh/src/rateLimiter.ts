/**
 * Token-bucket rate limiter keyed by string (a peer id, or `peer|topic`). Pure: time comes from an
 * injected clock so tests are deterministic.
 */

export interface RateQuota {
  /** Tokens available in a full bucket (the burst). */
  quota: number
  /** Time for an empty bucket to refill completely, in ms. */
  windowMs: number
}

interface Bucket { tokens: number, at: number }

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly quota: RateQuota
  private readonly now: () => number

  constructor (quota: RateQuota, now: () => number = Date.now) {
    if (!(quota.quota > 0) || !(quota.windowMs > 0)) throw new RangeError('rate quota and window must be positive')
    this.quota = quota
    this.now = now
  }

  /** Takes `cost` tokens for `key` if they are there; returns false (and takes nothing) otherwise. */
  allows (key: string, cost = 1): boolean {
    const t = this.now()
    const b = this.buckets.get(key) ?? { tokens: this.quota.quota, at: t }
    const refill = ((t - b.at) / this.quota.windowMs) * this.quota.quota
    b.tokens = Math.min(this.quota.quota, b.tokens + refill)
    b.at = t
    this.buckets.set(key, b)
    if (b.tokens < cost) return false
    b.tokens -= cost
    return true
  }

  /** Forgets full buckets so the map does not grow with every peer ever seen. */
  prune (): void {
    const t = this.now()
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / this.quota.windowMs) * this.quota.quota >= this.quota.quota) this.buckets.delete(key)
    }
  }

  forget (key: string): void {
    this.buckets.delete(key)
  }

  get size (): number {
    return this.buckets.size
  }
}
