/**
 * Round-trip times to connected peers, measured with libp2p's ping protocol (`/ipfs/ping/1.0.0`, registered by
 * node.ts). `LatencyBook` is the pure part: an exponentially weighted moving average per peer plus success and
 * failure counts. `LatencyProber` schedules the pings: every `intervalMs` it pings each connected peer, at most
 * `concurrency` at a time and never two to the same peer; a failed ping is counted, never thrown. A newly
 * connected peer is pinged at once so its latency is known before the first interval ends.
 */

/** Weight of the newest sample in the moving average (about the last 5 samples count). */
export const LATENCY_EWMA_ALPHA = 0.3

export class LatencyBook {
  private readonly rtt = new Map<string, number>()
  ok = 0
  failed = 0
  readonly alpha: number
  constructor (alpha = LATENCY_EWMA_ALPHA) { this.alpha = alpha }

  /** Records one round trip (non-finite or negative samples are counted as failures and ignored). */
  record (peerId: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) { this.failed++; return }
    this.ok++
    const prev = this.rtt.get(peerId)
    this.rtt.set(peerId, prev === undefined ? ms : prev + this.alpha * (ms - prev))
  }

  fail (): void { this.failed++ }

  /** Smoothed RTT in ms, or null when never measured (or forgotten on disconnect). */
  get (peerId: string): number | null {
    const v = this.rtt.get(peerId)
    return v === undefined ? null : Math.round(v * 100) / 100
  }

  forget (peerId: string): void { this.rtt.delete(peerId) }
  clear (): void { this.rtt.clear() }
}

export interface LatencyProberOptions {
  /** Ping every connected peer this often; 0 turns periodic pings off. Default 15 000 ms. */
  intervalMs?: number
  /** Pings in flight at once. Default 4. */
  concurrency?: number
  /** A ping not answered within this long counts as failed. Default 5 000 ms. */
  timeoutMs?: number
}

export class LatencyProber {
  readonly book = new LatencyBook()
  private readonly inFlight = new Set<string>()
  private readonly queue: string[] = []
  private timer: ReturnType<typeof setInterval> | null = null
  private abort = new AbortController()
  private readonly intervalMs: number
  private readonly concurrency: number
  private readonly timeoutMs: number
  private readonly ping: (peerId: string, signal: AbortSignal) => Promise<number>
  private readonly connected: () => string[]

  constructor (deps: { ping: (peerId: string, signal: AbortSignal) => Promise<number>, connected: () => string[] }, o: LatencyProberOptions = {}) {
    this.ping = deps.ping
    this.connected = deps.connected
    this.intervalMs = o.intervalMs ?? 15_000
    this.concurrency = Math.max(1, o.concurrency ?? 4)
    this.timeoutMs = o.timeoutMs ?? 5_000
  }

  start (): void {
    this.abort = new AbortController()
    if (this.intervalMs > 0 && this.timer === null) {
      this.timer = setInterval(() => { for (const p of this.connected()) this.enqueue(p) }, this.intervalMs)
      this.timer.unref()
    }
  }

  stop (): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.queue.length = 0
    this.abort.abort()
    this.book.clear()
  }

  /** Asks for one ping of `peerId` soon (deduplicated: a peer queued or in flight is not queued again). */
  enqueue (peerId: string): void {
    if (this.abort.signal.aborted || this.inFlight.has(peerId) || this.queue.includes(peerId)) return
    this.queue.push(peerId)
    this.pump()
  }

  forget (peerId: string): void {
    this.book.forget(peerId)
    const i = this.queue.indexOf(peerId)
    if (i >= 0) this.queue.splice(i, 1)
  }

  private pump (): void {
    while (this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const peerId = this.queue.shift()!
      this.inFlight.add(peerId)
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)])
      Promise.resolve().then(async () => await this.ping(peerId, signal)).then(
        (ms) => { if (!this.abort.signal.aborted) this.book.record(peerId, ms) },
        () => { if (!this.abort.signal.aborted) this.book.fail() }
      ).finally(() => {
        this.inFlight.delete(peerId)
        this.pump()
      })
    }
  }
}
