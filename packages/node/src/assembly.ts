/**
 * Gradients split across gossip messages (protocols/gradient.md, "chunk"): the publisher's split and the receiver's
 * reassembly. Pure: no I/O, no clocks — arrival times come in with each chunk.
 *
 * A receiver keeps one {@link ChunkSet} per (round, hotkey). Chunks of one gradient must agree on round, base model,
 * assignment seed, sample count, chunk count and total; their ranges must not overlap. A chunk seen again with the same
 * content is a duplicate (ignored, as gossip may deliver twice); a different message for a slot already filled, or a
 * chunk that disagrees with the first, makes the set conflicting: the miner equivocated and scores as malformed.
 */
import { decodeUpdate, splitUpdate, updateTotal, type EncodedUpdate } from '@tensormesh/learn'
import type { GradientMessage, TopKTensor } from '@tensormesh/wire'
import { NodeError } from './errors.ts'

/** learn's codec output (a whole update or one part of a split one) as wire's top-k tensor. */
export function toWireTensor (e: EncodedUpdate): TopKTensor {
  return { format: 'topk', length: e.length, chunkSize: e.chunkSize, bits: e.bits, indices: e.indices, values: e.values, scales: e.scales }
}

/**
 * The gradient messages for one encoded update: one message when it fits `maxBytes` (learn's `encodedByteLength`,
 * the wire's header reserve excluded), else parts cut at block boundaries, each carrying its `chunk` field.
 */
export function gradientMessages (header: Omit<GradientMessage, 'tensor' | 'chunk'>, enc: EncodedUpdate, maxBytes: number): GradientMessage[] {
  const parts = splitUpdate(enc, maxBytes)
  if (parts.length === 1) return [{ ...header, tensor: toWireTensor(parts[0]) }]
  return parts.map((p, index) => ({
    ...header,
    tensor: toWireTensor(p),
    chunk: { index, count: parts.length, offset: p.offset, total: updateTotal(p) },
  }))
}

export interface ReceivedChunk {
  message: GradientMessage
  /** Content hash of the gossip message (duplicates carry the same). */
  hash: string
  arrivalMs: number
}

export interface ChunkSet {
  round: number
  baseModel: string
  assignmentSeed: number
  sampleCount: number
  count: number
  total: number | null
  chunks: Map<number, ReceivedChunk>
  /** Set once the miner sent contradicting chunks; the set then never completes. */
  conflict: string | null
  firstArrivalMs: number
  lastArrivalMs: number
}

export type AddOutcome = 'added' | 'duplicate' | 'conflict'

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Adds one received message to its (round, hotkey) set; returns the set (new when `set` is undefined) and what happened. */
export function addChunk (set: ChunkSet | undefined, c: ReceivedChunk): { set: ChunkSet, outcome: AddOutcome } {
  const m = c.message
  const index = m.chunk?.index ?? 0
  const count = m.chunk?.count ?? 1
  const total = m.chunk?.total ?? null
  if (set === undefined) {
    const fresh: ChunkSet = {
      round: m.round, baseModel: hexOf(m.baseModel), assignmentSeed: m.assignmentSeed, sampleCount: m.sampleCount, count, total,
      chunks: new Map([[index, c]]), conflict: null, firstArrivalMs: c.arrivalMs, lastArrivalMs: c.arrivalMs,
    }
    return { set: fresh, outcome: 'added' }
  }
  const have = set.chunks.get(index)
  if (have !== undefined && have.hash === c.hash) return { set, outcome: 'duplicate' }
  const why = have !== undefined
    ? `two different messages for chunk ${index}`
    : disagreement(set, m, count, total)
  if (why !== null) {
    set.conflict ??= why
    return { set, outcome: 'conflict' }
  }
  set.chunks.set(index, c)
  set.lastArrivalMs = Math.max(set.lastArrivalMs, c.arrivalMs)
  return { set, outcome: 'added' }
}

function disagreement (set: ChunkSet, m: GradientMessage, count: number, total: number | null): string | null {
  if (m.round !== set.round || hexOf(m.baseModel) !== set.baseModel || m.assignmentSeed !== set.assignmentSeed ||
    m.sampleCount !== set.sampleCount || count !== set.count || total !== set.total) return 'chunks disagree on round, base model, seed, sample count, chunk count or total'
  const lo = m.chunk?.offset ?? 0
  const hi = lo + m.tensor.length
  for (const other of set.chunks.values()) {
    const oLo = other.message.chunk?.offset ?? 0
    const oHi = oLo + other.message.tensor.length
    if (lo < oHi && oLo < hi) return `chunk ranges overlap ([${lo}, ${hi}) and [${oLo}, ${oHi}))`
  }
  return null
}

/** Every chunk is here and none conflicted. */
export function isComplete (set: ChunkSet): boolean {
  return set.conflict === null && set.chunks.size === set.count
}

/**
 * The dense update of a complete set (chunks decoded into their ranges; parameters no chunk covers are 0), or the
 * reason it has none: conflicting chunks, chunks missing, or a tensor that does not decode.
 */
export function assemble (set: ChunkSet): { update: Float32Array } | { malformed: string } {
  if (set.conflict !== null) return { malformed: set.conflict }
  if (set.chunks.size < set.count) return { malformed: `incomplete: ${set.chunks.size} of ${set.count} chunks by the deadline` }
  try {
    const parts = [...set.chunks.values()].map(({ message: m }): EncodedUpdate | Float32Array => {
      if (m.tensor.format === 'dense') {
        if (m.chunk !== undefined) throw new NodeError('BAD_CONFIG', 'dense chunks are not assembled by this peer')
        return Float32Array.from(m.tensor.values)
      }
      const t = m.tensor
      return {
        length: t.length, offset: m.chunk?.offset ?? 0, chunkSize: t.chunkSize, bits: t.bits, indices: t.indices, values: t.values, scales: t.scales,
        ...(m.chunk !== undefined ? { total: m.chunk.total } : {}),
      }
    })
    if (parts.length === 1 && parts[0] instanceof Float32Array) return { update: parts[0] }
    return { update: decodeUpdate(parts as EncodedUpdate[]) }
  } catch (e) {
    return { malformed: e instanceof Error ? e.message : String(e) }
  }
}
