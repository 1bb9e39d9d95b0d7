/**
 * Checkpoints as content-addressed chunks: the model hash is sha256 of the whole file; every chunk
 * carries sha256 of its data. Serving slices a stored buffer; fetching assembles, checks every chunk
 * as it arrives and the whole at the end.
 */
import { createHash } from 'node:crypto'
import { MeshError } from './errors.ts'

export interface StoredCheckpoint {
  modelHash: Uint8Array
  bytes: Uint8Array
  chunkSize: number
  chunkCount: number
  chunkHashes: Uint8Array[]
}

export function sha256 (data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

export function toHex (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

export function fromHex (hex: string): Uint8Array {
  if (!/^[0-9a-f]*$/i.test(hex) || hex.length % 2 !== 0) throw new RangeError(`not hex: ${hex.slice(0, 16)}`)
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

/** Splits a checkpoint into chunks and hashes each and the whole. */
export function makeCheckpoint (bytes: Uint8Array, chunkSize: number): StoredCheckpoint {
  if (bytes.byteLength === 0) throw new MeshError('MESH_BAD_REQUEST', 'empty checkpoint')
  const chunkCount = Math.ceil(bytes.byteLength / chunkSize)
  const chunkHashes: Uint8Array[] = []
  for (let i = 0; i < chunkCount; i++) chunkHashes.push(sha256(bytes.subarray(i * chunkSize, (i + 1) * chunkSize)))
  return { modelHash: sha256(bytes), bytes, chunkSize, chunkCount, chunkHashes }
}

export interface ChunkView {
  modelHash: Uint8Array
  chunkIndex: number
  chunkCount: number
  totalBytes: number
  data: Uint8Array
  chunkHash: Uint8Array
}

/**
 * Collects chunks of one checkpoint in any order. Each chunk must agree with the first on count and
 * size, sit where it says, and hash to its chunkHash; the finished buffer must hash to the model hash.
 */
export class CheckpointAssembler {
  readonly modelHash: Uint8Array
  private buf: Uint8Array | null = null
  private chunkCount = 0
  private totalBytes = 0
  private chunkSize = 0
  private readonly have = new Set<number>()
  received = 0

  constructor (modelHash: Uint8Array) {
    this.modelHash = modelHash
  }

  get total (): number { return this.totalBytes }
  get count (): number { return this.chunkCount }
  get chunksDone (): number { return this.have.size }
  get done (): boolean { return this.buf != null && this.have.size === this.chunkCount }

  add (c: ChunkView): void {
    const where = { chunkIndex: c.chunkIndex }
    if (!equalBytes(c.modelHash, this.modelHash)) throw new MeshError('MESH_BAD_RESPONSE', 'chunk of another checkpoint', where)
    if (this.buf == null) {
      if (c.chunkCount < 1 || c.totalBytes < 1 || c.chunkIndex !== 0) throw new MeshError('MESH_BAD_RESPONSE', 'first chunk must be chunk 0 with a size', where)
      this.chunkCount = c.chunkCount
      this.totalBytes = c.totalBytes
      this.chunkSize = c.data.byteLength
      if (Math.ceil(this.totalBytes / this.chunkSize) !== this.chunkCount) throw new MeshError('MESH_BAD_RESPONSE', 'chunk count does not match size', where)
      this.buf = new Uint8Array(this.totalBytes)
    }
    if (c.chunkCount !== this.chunkCount || c.totalBytes !== this.totalBytes || c.chunkIndex >= this.chunkCount) {
      throw new MeshError('MESH_BAD_RESPONSE', 'chunk disagrees with the checkpoint header', where)
    }
    const start = c.chunkIndex * this.chunkSize
    const expectLen = Math.min(this.chunkSize, this.totalBytes - start)
    if (c.data.byteLength !== expectLen) throw new MeshError('MESH_BAD_RESPONSE', `chunk ${c.chunkIndex} has ${c.data.byteLength} bytes, expected ${expectLen}`, where)
    if (!equalBytes(sha256(c.data), c.chunkHash)) throw new MeshError('MESH_CHUNK_HASH_MISMATCH', `chunk ${c.chunkIndex} does not match its hash`, where)
    if (this.have.has(c.chunkIndex)) return
    this.buf.set(c.data, start)
    this.have.add(c.chunkIndex)
    this.received += c.data.byteLength
  }

  /** The verified checkpoint; throws MESH_HASH_MISMATCH when the whole does not hash to the model hash. */
  finish (): Uint8Array {
    if (this.buf == null || !this.done) throw new MeshError('MESH_BAD_RESPONSE', 'checkpoint incomplete')
    if (!equalBytes(sha256(this.buf), this.modelHash)) {
      throw new MeshError('MESH_HASH_MISMATCH', `checkpoint does not hash to ${toHex(this.modelHash)}`)
    }
    return this.buf
  }
}
