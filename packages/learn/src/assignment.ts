/**
 * Deterministic data assignment: (hotkey, round, task seed) → sample indices, reproducible by any validator, and the
 * dataset split into train pool (assigned to miners), held-out pool (validators only) and test split.
 * The algorithm is specified byte for byte in packages/learn/README.md ("Data assignment").
 */
import { createHash } from 'node:crypto'
import { LearnError } from './errors.ts'

const enc = new TextEncoder()

function u32le(x: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, x >>> 0, true)
  return b
}

function u64le(x: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(x), true)
  return b
}

/** SHA-256 counter-mode stream of uniform 32-bit words. */
export class HashStream {
  private readonly key: Buffer
  private block = 0
  private words = new Uint32Array(0)
  private pos = 0

  constructor(parts: readonly Uint8Array[]) {
    const h = createHash('sha256')
    for (const p of parts) h.update(p)
    this.key = h.digest()
  }

  /** Stream keyed by SHA-256(utf8(domain) ‖ 0x00 ‖ fields…). */
  static of(domain: string, ...fields: Uint8Array[]): HashStream {
    return new HashStream([enc.encode(domain), new Uint8Array([0]), ...fields])
  }

  nextU32(): number {
    if (this.pos === this.words.length) {
      const d = createHash('sha256').update(this.key).update(u32le(this.block++)).digest()
      this.words = new Uint32Array(8)
      for (let i = 0; i < 8; i++) this.words[i] = d.readUInt32LE(4 * i)
      this.pos = 0
    }
    return this.words[this.pos++]
  }

  /** Uniform integer in [0, m) by rejection sampling (no modulo bias). */
  uniform(m: number): number {
    if (!Number.isInteger(m) || m < 1 || m > 2 ** 32) throw new LearnError('BAD_ARGUMENT', 'uniform range must be in [1, 2^32]', { m })
    const limit = 2 ** 32 - (2 ** 32 % m)
    for (;;) {
      const r = this.nextU32()
      if (r < limit) return r % m
    }
  }
}

export interface SplitOptions {
  /** Fraction of samples in the test split (default 0.1). */
  testFraction?: number
  /** Fraction of samples in the validators' held-out pool (default 0.1). */
  heldoutFraction?: number
}

export interface DatasetSplit {
  /** Pool that miners' assignments draw from, ascending. */
  train: Uint32Array
  /** Validators' held-out pool, never assigned to miners, ascending. */
  heldout: Uint32Array
  /** Test split for reporting accuracy, ascending. */
  test: Uint32Array
}

/** Splits sample indices 0..n-1 with a Fisher–Yates shuffle keyed by the task seed. */
export function splitDataset(n: number, taskSeed: number, options: SplitOptions = {}): DatasetSplit {
  const testFraction = options.testFraction ?? 0.1
  const heldoutFraction = options.heldoutFraction ?? 0.1
  if (!Number.isInteger(n) || n < 0) throw new LearnError('BAD_ARGUMENT', 'n must be a non-negative integer', { n })
  if (!(testFraction >= 0 && heldoutFraction >= 0 && testFraction + heldoutFraction < 1)) {
    throw new LearnError('BAD_ARGUMENT', 'fractions must be >= 0 and sum below 1', { testFraction, heldoutFraction })
  }
  const perm = new Uint32Array(n)
  for (let i = 0; i < n; i++) perm[i] = i
  const s = HashStream.of('tensormesh/split/v1', u32le(checkSeed(taskSeed)))
  for (let i = 0; i + 1 < n; i++) {
    const j = i + s.uniform(n - i)
    const t = perm[i]; perm[i] = perm[j]; perm[j] = t
  }
  const testN = Math.floor(n * testFraction)
  const heldN = Math.floor(n * heldoutFraction)
  return {
    test: perm.slice(0, testN).sort(),
    heldout: perm.slice(testN, testN + heldN).sort(),
    train: perm.slice(testN + heldN).sort(),
  }
}

function checkSeed(taskSeed: number): number {
  if (!Number.isInteger(taskSeed) || taskSeed < 0 || taskSeed > 0xffffffff) {
    throw new LearnError('BAD_ARGUMENT', 'task seed must be a u32', { taskSeed })
  }
  return taskSeed
}

export interface AssignmentKey {
  /** The miner's hotkey (SS58 address), as a string. */
  hotkey: string
  /** Round number, a non-negative safe integer. */
  round: number
  /** The task's seed (u32). */
  taskSeed: number
}

/**
 * The `count` sample indices a miner trains on in a round: a partial Fisher–Yates shuffle of `pool` (the split's
 * train pool) keyed by (hotkey, round, task seed). Draw order is returned (not sorted).
 */
export function assignSamples(key: AssignmentKey, pool: Uint32Array, count: number): Uint32Array {
  const { hotkey, round, taskSeed } = key
  if (typeof hotkey !== 'string' || hotkey.length === 0) throw new LearnError('BAD_ARGUMENT', 'hotkey must be a non-empty string')
  if (!Number.isSafeInteger(round) || round < 0) throw new LearnError('BAD_ARGUMENT', 'round must be a non-negative safe integer', { round })
  if (!Number.isInteger(count) || count < 0) throw new LearnError('BAD_ARGUMENT', 'count must be a non-negative integer', { count })
  if (count > pool.length) throw new LearnError('ASSIGNMENT_TOO_LARGE', 'more samples asked than the pool holds', { count, pool: pool.length })
  const hk = enc.encode(hotkey)
  const s = HashStream.of('tensormesh/assign/v1', u32le(hk.length), hk, u64le(round), u32le(checkSeed(taskSeed)))
  const a = Uint32Array.from(pool)
  for (let i = 0; i < count; i++) {
    const j = i + s.uniform(a.length - i)
    const t = a[i]; a[i] = a[j]; a[j] = t
  }
  return a.slice(0, count)
}
