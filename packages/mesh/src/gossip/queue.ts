/**
 * Bounded validation queue per topic (Lodestar's gossipQueues): a maximum length, an order in which
 * jobs are taken, a rule for which job is dropped when full, and a concurrency limit. A dropped job is
 * resolved with the drop result (the caller maps it to Ignore), so nothing waits forever.
 */

export interface GossipQueueOptions {
  /** Jobs held waiting; beyond this one is dropped. */
  maxLength: number
  /** 'lifo' serves the newest first (fresh gradients matter most), 'fifo' the oldest. */
  order: 'fifo' | 'lifo'
  /** Which job a full queue drops: the oldest waiting one, or the newly arriving one. */
  dropRule: 'drop-oldest' | 'drop-newest'
  /** Jobs run at the same time. */
  concurrency: number
}

export interface QueueJob<R> {
  run: () => Promise<R>
  resolve: (result: R | typeof DROPPED) => void
  reject: (err: unknown) => void
}

export const DROPPED = Symbol('dropped')

export class GossipQueue<R> {
  private readonly opts: GossipQueueOptions
  private readonly waiting: Array<QueueJob<R>> = []
  private running = 0
  dropped = 0

  constructor (opts: GossipQueueOptions) {
    if (opts.maxLength < 1 || opts.concurrency < 1) throw new RangeError('queue length and concurrency must be >= 1')
    this.opts = opts
  }

  get length (): number {
    return this.waiting.length
  }

  get active (): number {
    return this.running
  }

  /** Queues `run`; resolves with its result, or with DROPPED if the queue dropped it. */
  push (run: () => Promise<R>): Promise<R | typeof DROPPED> {
    return new Promise((resolve, reject) => {
      const job: QueueJob<R> = { run, resolve, reject }
      if (this.waiting.length >= this.opts.maxLength) {
        this.dropped++
        if (this.opts.dropRule === 'drop-newest') {
          resolve(DROPPED)
          return
        }
        this.waiting.shift()?.resolve(DROPPED)
      }
      this.waiting.push(job)
      this.pump()
    })
  }

  private pump (): void {
    while (this.running < this.opts.concurrency && this.waiting.length > 0) {
      const job = this.opts.order === 'lifo' ? this.waiting.pop() : this.waiting.shift()
      if (job == null) return
      this.running++
      job.run().then(job.resolve, job.reject)
        .finally(() => {
          this.running--
          this.pump()
        })
    }
  }
}
