/**
 * Gradient codec: chunked top-k sparsification, per-block quantisation (int8 or 2-bit) and miner-side error
 * feedback. Pure Float32Array code (no tfjs), so validators, the wire package and tests can use it anywhere.
 * The layout is the `topk` tensor of protocols/gradient.md, so packages/wire carries an {@link EncodedUpdate} as is:
 * - the covered range (`length` values starting at dense index `offset`) is cut into blocks of `chunkSize` values,
 *   one scale each (`scales.length = ceil(length / chunkSize)`); blocks restart at each part of a split update;
 * - in each block the `k` entries of largest magnitude are kept (ties: lower index first), listed in `indices`
 *   relative to `offset`, strictly ascending;
 * - the value of kept entry j is `q_j × scales[floor(indices[j] / chunkSize)]`, where `q_j` is `values[j]` (int8) for
 *   8 bits, or the j-th 2-bit code read as a two's-complement integer in −2..1 for 2 bits (four codes per byte, code j
 *   at bits 2·(j mod 4) of byte ⌊j/4⌋, unused high bits of the last byte zero);
 * - encoder's scales: 8 bits max|kept| / 127; 2 bits mean|kept| (then q = clamp(round(v / scale), −2, 1)).
 */
import { LearnError, assertFinite } from './errors.ts'

export type CodecBits = 8 | 2

/** An encoded (sparse, quantised) update as plain typed arrays: the `topk` tensor packages/wire carries. */
export interface EncodedUpdate {
  /** Values covered (the dense length for a whole update). */
  length: number
  /** First dense index covered: 0 for a whole update, the part's start for a part of a split one. */
  offset: number
  /** Dense length of the whole vector; absent means `offset + length` (a whole update). */
  total?: number
  /** Values per scale block. */
  chunkSize: number
  bits: CodecBits
  /** Kept positions relative to `offset`, strictly ascending, each < length. */
  indices: Uint32Array
  /** int8 values (bits 8) or 2-bit two's-complement codes packed four per byte (bits 2). */
  values: Int8Array | Uint8Array
  /** One scale per block of the covered range. */
  scales: Float32Array
}

export interface CodecOptions {
  /** Values per block (default 4096). */
  chunkSize?: number
  /** Entries kept per block (default 16, i.e. 0.39 % of a full block). */
  topK?: number
  /** Quantisation: 2 (default) or 8 bits per kept value. */
  bits?: CodecBits
}

/** Bytes counted for the scalar fields of one message (length, offset, chunkSize, bits, array lengths). */
export const ENCODED_HEADER_BYTES = 32
const MAX_CHUNK = 1 << 24
const MAX_LENGTH = 2 ** 31

function resolve(opts: CodecOptions = {}): Required<CodecOptions> {
  const chunkSize = opts.chunkSize ?? 4096
  const topK = opts.topK ?? 16
  const bits = opts.bits ?? 2
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK) {
    throw new LearnError('BAD_ARGUMENT', `chunkSize must be an integer in [1, ${MAX_CHUNK}]`, { chunkSize })
  }
  if (!Number.isInteger(topK) || topK < 1) throw new LearnError('BAD_ARGUMENT', 'topK must be a positive integer', { topK })
  if (bits !== 8 && bits !== 2) throw new LearnError('BAD_ARGUMENT', 'bits must be 8 or 2', { bits })
  return { chunkSize, topK, bits }
}

/** In-place quickselect: after the call a[k] holds the k-th largest value (0-based) of a[lo..hi]. */
function selectKthLargest(a: Float32Array, k: number): number {
  let lo = 0
  let hi = a.length - 1
  while (hi > lo) {
    const mid = (lo + hi) >>> 1
    // median of three as pivot keeps sorted or constant chunks from going quadratic
    const x = a[lo], y = a[mid], z = a[hi]
    const pivot = x > y ? (y > z ? y : x > z ? z : x) : x > z ? x : y > z ? z : y
    let i = lo, j = hi
    while (i <= j) {
      while (a[i] > pivot) i++
      while (a[j] < pivot) j--
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t
        i++; j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return a[k]
  }
  return a[k]
}

function quantise(v: number, scale: number, bits: CodecBits): number {
  if (scale === 0) return 0
  return bits === 8 ? Math.max(-127, Math.min(127, Math.round(v / scale))) : Math.max(-2, Math.min(1, Math.round(v / scale)))
}

/** The j-th 2-bit code as a two's-complement integer in −2..1. */
function code2(values: Uint8Array, j: number): number {
  const c = (values[j >> 2] >> ((j & 3) * 2)) & 3
  return c >= 2 ? c - 4 : c
}

/** Encodes a dense vector. Throws NON_FINITE on NaN/Infinity (an update must never carry them). */
export function encodeUpdate(dense: Float32Array, options?: CodecOptions): EncodedUpdate {
  const { chunkSize, topK, bits } = resolve(options)
  assertFinite(dense, 'update')
  const n = dense.length
  const chunks = Math.ceil(n / chunkSize)
  const k = Math.min(topK, chunkSize)
  const maxKept = Math.min(n, chunks * k)
  const indices = new Uint32Array(maxKept)
  const raw = new Float32Array(maxKept)
  const scales = new Float32Array(chunks)
  const scratch = new Float32Array(Math.min(chunkSize, n))
  let kept = 0
  for (let c = 0; c < chunks; c++) {
    const start = c * chunkSize
    const end = Math.min(n, start + chunkSize)
    const m = Math.min(k, end - start)
    const abs = scratch.subarray(0, end - start)
    for (let i = start; i < end; i++) abs[i - start] = Math.abs(dense[i])
    const t = m === end - start ? -1 : selectKthLargest(abs, m - 1)
    let greater = 0
    for (let i = start; i < end; i++) if (Math.abs(dense[i]) > t) greater++
    let ties = m - greater
    let maxAbs = 0
    let sumAbs = 0
    const first = kept
    for (let i = start; i < end && kept - first < m; i++) {
      const a = Math.abs(dense[i])
      if (a > t || (a === t && ties-- > 0)) {
        indices[kept] = i
        raw[kept++] = dense[i]
        sumAbs += a
        if (a > maxAbs) maxAbs = a
      }
    }
    // 2 bits: levels −2s, −s, 0, s; the mean magnitude puts s where top-k values crowd (just above the threshold)
    const scale = bits === 8 ? maxAbs / 127 : kept > first ? sumAbs / (kept - first) : 0
    scales[c] = scale
    for (let j = first; j < kept; j++) raw[j] = quantise(raw[j], scale, bits)
  }
  return { length: n, offset: 0, chunkSize, bits, indices: indices.slice(0, kept), values: packValues(raw, kept, bits), scales }
}

function packValues(q: Float32Array, count: number, bits: CodecBits): Int8Array | Uint8Array {
  if (bits === 8) {
    const out = new Int8Array(count)
    for (let j = 0; j < count; j++) out[j] = q[j]
    return out
  }
  const out = new Uint8Array(Math.ceil(count / 4))
  for (let j = 0; j < count; j++) out[j >> 2] |= (q[j] & 3) << ((j & 3) * 2)
  return out
}

/** Dense length of the whole vector an update (or part) belongs to. */
export function updateTotal(enc: EncodedUpdate): number {
  return enc.total ?? enc.offset + enc.length
}

/**
 * Checks every structural rule of the format (those of protocols/gradient.md plus `offset + length ≤ total`); throws
 * CODEC_MALFORMED naming the first broken one. `expectedTotal` pins the model size.
 */
export function validateUpdate(enc: EncodedUpdate, expectedTotal?: number): void {
  const bad = (why: string, data: Record<string, unknown> = {}): never => {
    throw new LearnError('CODEC_MALFORMED', why, data)
  }
  if (enc === null || typeof enc !== 'object') bad('not an object')
  const { length, offset, chunkSize, bits, indices, values, scales } = enc
  const total = enc.total ?? offset + length
  if (!Number.isInteger(length) || length < 0 || length > MAX_LENGTH) bad('bad length', { length })
  if (!Number.isInteger(offset) || offset < 0) bad('bad offset', { offset })
  if (!Number.isInteger(total) || total > MAX_LENGTH || offset + length > total) bad('covered range exceeds the total', { offset, length, total })
  if (expectedTotal !== undefined && total !== expectedTotal) bad('total length differs from the model size', { total, expectedTotal })
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK) bad('bad chunkSize', { chunkSize })
  if (bits !== 8 && bits !== 2) bad('bits must be 8 or 2', { bits })
  if (!(indices instanceof Uint32Array)) bad('indices must be a Uint32Array')
  if (!(scales instanceof Float32Array)) bad('scales must be a Float32Array')
  if (bits === 8 && !(values instanceof Int8Array)) bad('8-bit values must be an Int8Array')
  if (bits === 2 && !(values instanceof Uint8Array)) bad('2-bit values must be a Uint8Array')
  const blocks = Math.ceil(length / chunkSize)
  if (scales.length !== blocks) bad('one scale per block', { scales: scales.length, blocks })
  const k = indices.length
  const want = bits === 8 ? k : Math.ceil(k / 4)
  if (values.length !== want) bad('values length does not match indices', { values: values.length, want })
  if (bits === 2 && k % 4 !== 0 && values[want - 1] >> (2 * (k % 4)) !== 0) bad('padding bits of the last byte are not zero')
  for (let c = 0; c < blocks; c++) {
    if (!Number.isFinite(scales[c]) || scales[c] < 0) bad('scale not finite and non-negative', { block: c, scale: scales[c] })
  }
  let prev = -1
  for (let j = 0; j < k; j++) {
    const i = indices[j]
    if (i <= prev) bad('indices not strictly ascending', { position: j })
    if (i >= length) bad('index outside the covered range', { position: j, index: i })
    prev = i
  }
}

/** Adds `weight` × the decoded values of `enc` into `out` (dense, the whole vector). Validates first. */
export function decodeInto(enc: EncodedUpdate, out: Float32Array, weight = 1): Float32Array {
  validateUpdate(enc, out.length)
  const { indices, values, scales, chunkSize, bits, offset } = enc
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]
    const q = bits === 8 ? values[j] : code2(values as Uint8Array, j)
    out[offset + i] += weight * q * scales[Math.floor(i / chunkSize)]
  }
  return out
}

/** Decodes one update, or all parts of one update, to a dense Float32Array. */
export function decodeUpdate(enc: EncodedUpdate | readonly EncodedUpdate[]): Float32Array {
  const parts = Array.isArray(enc) ? enc : [enc as EncodedUpdate]
  if (parts.length === 0) throw new LearnError('CODEC_MALFORMED', 'no parts')
  const out = new Float32Array(updateTotal(parts[0]))
  for (const p of parts) decodeInto(p, out)
  return out
}

/** Bytes the update takes on the wire (typed-array payloads plus {@link ENCODED_HEADER_BYTES}). */
export function encodedByteLength(enc: EncodedUpdate | readonly EncodedUpdate[]): number {
  const parts = Array.isArray(enc) ? enc : [enc as EncodedUpdate]
  let bytes = 0
  for (const p of parts) bytes += ENCODED_HEADER_BYTES + p.indices.byteLength + p.values.byteLength + p.scales.byteLength
  return bytes
}

/** Dense fp32 bytes of the covered values divided by encoded bytes. */
export function compressionRatio(enc: EncodedUpdate | readonly EncodedUpdate[]): number {
  const parts = Array.isArray(enc) ? enc : [enc as EncodedUpdate]
  return parts.length === 0 ? 0 : (4 * parts.reduce((s, p) => s + p.length, 0)) / encodedByteLength(parts)
}

/**
 * Splits an update into parts of at most `maxBytes` each ({@link encodedByteLength}; leave room for the message
 * envelope), cutting only at block boundaries. Each part is a complete update over its range (offset, length, total),
 * as protocols/gradient.md sends chunks. A block too big for one message throws CODEC_TOO_LARGE.
 */
export function splitUpdate(enc: EncodedUpdate, maxBytes: number): EncodedUpdate[] {
  validateUpdate(enc)
  if (encodedByteLength(enc) <= maxBytes) return [enc]
  const { chunkSize, bits } = enc
  const perValue = bits === 8 ? 1 : 0.25
  const parts: EncodedUpdate[] = []
  const blocks = enc.scales.length
  let c = 0
  let j = 0
  while (c < blocks) {
    const firstBlock = c
    const firstJ = j
    let count = 0
    while (c < blocks) {
      const limit = (c + 1) * chunkSize
      let jj = j
      while (jj < enc.indices.length && enc.indices[jj] < limit) jj++
      const n = count + (jj - j)
      const bytes = ENCODED_HEADER_BYTES + 4 * n + Math.ceil(n * perValue) + 4 * (c + 1 - firstBlock)
      if (bytes > maxBytes) {
        if (c === firstBlock) throw new LearnError('CODEC_TOO_LARGE', 'one block does not fit in a message', { block: c, bytes, maxBytes })
        break
      }
      count = n
      j = jj
      c++
    }
    parts.push(slicePart(enc, firstBlock, c, firstJ, j))
  }
  return parts
}

function slicePart(enc: EncodedUpdate, c0: number, c1: number, j0: number, j1: number): EncodedUpdate {
  const start = c0 * enc.chunkSize
  let values: Int8Array | Uint8Array
  if (enc.bits === 8) values = (enc.values as Int8Array).slice(j0, j1)
  else {
    values = new Uint8Array(Math.ceil((j1 - j0) / 4))
    for (let j = j0; j < j1; j++) values[(j - j0) >> 2] |= (code2(enc.values as Uint8Array, j) & 3) << (((j - j0) & 3) * 2)
  }
  return {
    length: Math.min(enc.length, c1 * enc.chunkSize) - start,
    offset: enc.offset + start,
    total: updateTotal(enc),
    chunkSize: enc.chunkSize,
    bits: enc.bits,
    indices: enc.indices.slice(j0, j1).map((i) => i - start),
    values,
    scales: enc.scales.slice(c0, c1),
  }
}

/**
 * Miner-side error feedback: what the codec dropped or rounded away this round is added to next round's update,
 * so nothing is lost, only delayed. `decay` < 1 forgets a little of old residual (1 = keep all).
 */
export class ErrorFeedback {
  readonly residual: Float32Array
  readonly options: Required<CodecOptions>
  readonly decay: number

  constructor(length: number, options: CodecOptions & { decay?: number } = {}) {
    this.residual = new Float32Array(length)
    this.options = resolve(options)
    this.decay = options.decay ?? 1
  }

  /** Encodes residual + delta and keeps what the encoding lost as the new residual. */
  encode(delta: Float32Array): EncodedUpdate {
    if (delta.length !== this.residual.length) {
      throw new LearnError('LENGTH_MISMATCH', 'delta length differs from the residual', { delta: delta.length, residual: this.residual.length })
    }
    const acc = this.residual
    for (let i = 0; i < acc.length; i++) acc[i] = this.decay * acc[i] + delta[i]
    const enc = encodeUpdate(acc, this.options)
    decodeInto(enc, acc, -1)
    return enc
  }

  reset(): void {
    this.residual.fill(0)
  }
}
