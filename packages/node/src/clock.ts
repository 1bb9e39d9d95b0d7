/**
 * Round timing. With a chain, rounds follow blocks (round r spans blocks genesisBlock + r·B … + (r+1)·B − 1) and the
 * round's end time is estimated from the observed block interval; without one, rounds follow the wall clock.
 */
/**
 * Share of a round, counted from its start, by which a miner has finished training (it stops stepping then, see
 * learn's `stopAt`). Validators collect at least until `round.minCollect` (0.72 by default, required to exceed this)
 * and at most `round.maxCollect` (0.85) of the round, then query, score and aggregate in what is left.
 */
export const TRAIN_SHARE = 0.65

export interface RoundTime {
  round: number
  startMs: number
  /** Estimated end (start of the next round). */
  endMs: number
}

export interface RoundClock {
  readonly kind: 'blocks' | 'wall'
  /** The round now, by the latest information. */
  now (): RoundTime
  /** Resolves when round ≥ `round` has begun (or the signal aborts). */
  waitFor (round: number, signal: AbortSignal): Promise<RoundTime>
  /** Chain head seen last (blocks) or null. */
  head (): number | null
  stop (): void
}

export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) { resolve(); return }
    const t = setTimeout(done, Math.max(0, ms))
    function done (): void { clearTimeout(t); signal?.removeEventListener('abort', done); resolve() }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Pure: the round a wall-clock time falls in. */
export function wallRound (nowMs: number, genesisMs: number, roundMs: number): RoundTime {
  const round = Math.max(0, Math.floor((nowMs - genesisMs) / roundMs))
  const startMs = genesisMs + round * roundMs
  return { round, startMs, endMs: startMs + roundMs }
}

/** Pure: the round a block falls in. */
export function blockRound (block: number, genesisBlock: number, blocksPerRound: number): { round: number, firstBlock: number } {
  const round = Math.max(0, Math.floor((block - genesisBlock) / blocksPerRound))
  return { round, firstBlock: genesisBlock + round * blocksPerRound }
}

export function wallClock (genesisMs: number, roundMs: number): RoundClock {
  return {
    kind: 'wall',
    now: () => wallRound(Date.now(), genesisMs, roundMs),
    async waitFor (round, signal) {
      for (;;) {
        const t = wallRound(Date.now(), genesisMs, roundMs)
        if (t.round >= round || signal.aborted) return t
        await sleep(genesisMs + round * roundMs - Date.now(), signal)
      }
    },
    head: () => null,
    stop: () => {},
  }
}

/** Block clock fed by chain heads (`onHead`); the block interval is an EMA of observed intervals. */
export function blockClock (genesisBlock: number, blocksPerRound: number, initialBlockMs: number): RoundClock & { onHead (n: number): void } {
  let last: { n: number, at: number } | null = null
  let roundStart = { round: -1, at: Date.now() }
  let blockMs = initialBlockMs
  const waiters = new Set<() => void>()
  const time = (): RoundTime => {
    const r = roundStart.round < 0 ? 0 : roundStart.round
    return { round: r, startMs: roundStart.at, endMs: roundStart.at + blocksPerRound * blockMs }
  }
  return {
    kind: 'blocks',
    onHead (n: number) {
      const at = Date.now()
      if (last !== null && n > last.n) blockMs = 0.8 * blockMs + 0.2 * ((at - last.at) / (n - last.n))
      if (last !== null && n <= last.n) return
      last = { n, at }
      const { round, firstBlock } = blockRound(n, genesisBlock, blocksPerRound)
      if (round !== roundStart.round) roundStart = { round, at: at - (n - firstBlock) * blockMs }
      for (const w of [...waiters]) w()
    },
    now: time,
    async waitFor (round, signal) {
      while (!(roundStart.round >= round) && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const wake = (): void => { waiters.delete(wake); signal.removeEventListener('abort', wake); resolve() }
          waiters.add(wake)
          signal.addEventListener('abort', wake, { once: true })
        })
      }
      return time()
    },
    head: () => last?.n ?? null,
    stop: () => { for (const w of [...waiters]) w() },
  }
}

/**
 * Adaptive collection deadline: wait long enough for the slowest recent arrivals (their 90th percentile, plus a
 * third), but inside [min, max] shares of the round so slow hardware still takes part and scoring still fits.
 */
export function adaptiveCollectMs (recentArrivalOffsets: readonly number[], roundMs: number, minShare: number, maxShare: number): number {
  const lo = minShare * roundMs
  const hi = maxShare * roundMs
  if (recentArrivalOffsets.length === 0) return hi
  const s = [...recentArrivalOffsets].sort((a, b) => a - b)
  const p90 = s[Math.min(s.length - 1, Math.floor(0.9 * s.length))]
  return Math.min(hi, Math.max(lo, p90 * 1.33))
}
