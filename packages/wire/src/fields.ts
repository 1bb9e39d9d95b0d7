/**
 * Small helpers shared by the per-kind codecs: reading raw decoded msgpack values (structure) and checking typed message
 * fields (meaning). Each throws WireError with the message kind and field name.
 */
import { WireError } from './errors.ts'
import type { WireErrorCode } from './errors.ts'
import { copyFinite, firstNonFinite, firstNotIncreasing } from './simd.ts'

export type WireObject = Record<string, unknown>

export class FieldContext {
  readonly kind: string
  /**
   * While decoding: each f32 array copied out of the input so far, with its first non-finite index, found right after the
   * copy while the input bytes were still in cache (see firstNonFinite). `finite` then reuses the result instead of
   * scanning the copy again. Undefined outside `decoding`, so encoding (and a caller's later changes to a decoded array)
   * always get a fresh scan.
   */
  private scanned: { a: Float32Array; first: number }[] | undefined

  constructor(kind: string) {
    this.kind = kind
  }

  /** Runs a decode (structure, then validation) with `typed` recording its finiteness scans for `finite`. */
  decoding<T>(fn: () => T): T {
    this.scanned = []
    try {
      return fn()
    } finally {
      this.scanned = undefined
    }
  }

  fail(code: WireErrorCode, field: string, reason: string): never {
    throw new WireError(code, `${this.kind}.${field}: ${reason}`, { kind: this.kind, field })
  }

  // ---- structure: raw msgpackr output -> typed values -------------------------------------------------------------

  /** `v` must be a msgpack map (decoded as a plain object). */
  map(v: unknown, field: string): WireObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) this.fail('BAD_FIELD', field, 'expected a map')
    return v as WireObject
  }

  /** The map holds every required key, possibly some optional ones, and nothing else. */
  keys(o: WireObject, prefix: string, required: readonly string[], optional: readonly string[] = []): void {
    for (const k of required) if (!(k in o)) this.fail('BAD_FIELD', prefix + k, 'missing')
    const n = Object.keys(o).length
    if (n === required.length) return
    for (const k of Object.keys(o)) {
      if (!required.includes(k) && !optional.includes(k)) this.fail('BAD_FIELD', prefix + k, 'unknown key')
    }
  }

  /** A msgpack integer (the scan already refused floats). Range checks happen in validation. */
  int(v: unknown, field: string): number {
    if (typeof v !== 'number') this.fail('BAD_FIELD', field, 'expected an integer')
    return v
  }

  str(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail('BAD_FIELD', field, 'expected a string')
    return v
  }

  array(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail('BAD_FIELD', field, 'expected an array')
    return v
  }

  /** A msgpack bin, copied out of the input so the message does not pin the received buffer. */
  bin(v: unknown, field: string): Uint8Array {
    if (!(v instanceof Uint8Array)) this.fail('BAD_FIELD', field, 'expected a bin')
    return copyBytes(v)
  }

  /**
   * A msgpack bin holding little-endian elements of `ctor`, copied into a new aligned array (msgpackr returns bins as views
   * at arbitrary offsets, where a Float32Array cannot sit).
   */
  typed<T extends TypedArray>(v: unknown, field: string, ctor: TypedArrayCtor<T>): T {
    if (!(v instanceof Uint8Array)) this.fail('BAD_FIELD', field, 'expected a bin')
    if (v.byteLength % ctor.BYTES_PER_ELEMENT !== 0) {
      this.fail('BAD_FIELD', field, `${v.byteLength} bytes is not a whole number of ${ctor.BYTES_PER_ELEMENT}-byte elements`)
    }
    if (ctor === (Float32Array as unknown) && this.scanned !== undefined) return this.typedFinite(v) as T
    return new ctor(copyBytes(v).buffer)
  }

  /** An f32 bin copied while decoding, its finiteness checked on the way (recorded for `finite`). */
  private typedFinite(v: Uint8Array): Float32Array {
    let out: Float32Array<ArrayBuffer>
    let first: number
    if (v.byteLength >= 64 * 1024) {
      // large: copy and scan piece by piece (see copyFinite)
      const bytes = ownedBytes(v.byteLength)
      first = copyFinite(v, bytes)
      out = new Float32Array(bytes.buffer)
    } else {
      out = new Float32Array(copyBytes(v).buffer)
      first = firstNonFinite(out, v)
    }
    this.scanned?.push({ a: out, first })
    return out
  }

  // ---- meaning: typed message fields -------------------------------------------------------------------------------

  uint(v: unknown, field: string, max: number, min = 0): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail('BAD_FIELD', field, 'expected an integer')
    if (v < min || v > max) this.fail('BAD_FIELD', field, `${v} is outside ${min}..${max}`)
  }

  bytes(v: unknown, field: string, min: number, max = min): void {
    if (!(v instanceof Uint8Array)) this.fail('BAD_FIELD', field, 'expected a Uint8Array')
    if (v.byteLength < min || v.byteLength > max) {
      this.fail('BAD_FIELD', field, min === max ? `expected ${min} bytes, got ${v.byteLength}` : `expected ${min}..${max} bytes, got ${v.byteLength}`)
    }
  }

  instance<T extends TypedArray>(v: unknown, field: string, ctor: TypedArrayCtor<T>): void {
    // instanceof admits subclasses (a Node Buffer for a Uint8Array field) but never another element type
    if (!(v instanceof ctor)) this.fail('BAD_FIELD', field, `expected a ${ctor.name}`)
  }

  /** Every value is finite. */
  finite(a: Float32Array, field: string): void {
    const j = this.scanned?.find((s) => s.a === a)?.first ?? firstNonFinite(a)
    if (j >= 0) this.fail('NON_FINITE', field, `element ${j} is ${a[j]}`)
  }

  /** Strictly increasing and each below `bound`. */
  increasing(a: Uint32Array | Uint16Array, field: string, bound: number): void {
    const i = firstNotIncreasing(a)
    if (i >= 0) this.fail('BAD_FIELD', field, `element ${i} (${a[i]}) is not above the previous one (${a[i - 1]})`)
    if (a.length > 0 && a[a.length - 1] >= bound) this.fail('BAD_FIELD', field, `last element ${a[a.length - 1]} is not below ${bound}`)
  }

  /** Index of the first negative value, or -1. */
  firstNegative(a: Float32Array): number {
    return firstNegative(a)
  }
}

function firstNegative(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] < 0) return i
  return -1
}

export type TypedArray = Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array

export interface TypedArrayCtor<T extends TypedArray> {
  new (length: number): T
  new (buffer: ArrayBuffer): T
  readonly BYTES_PER_ELEMENT: number
  readonly name: string
}

/**
 * A Uint8Array over a fresh ArrayBuffer of exactly `n` bytes, for the caller to overwrite entirely. Large ones are not
 * zero-filled: skipping the fill matters for multi-megabyte tensors.
 */
export function ownedBytes(n: number): Uint8Array<ArrayBuffer> {
  // small arrays: a plain allocation is cheaper than an unpooled Buffer's backing store
  if (n < 64 * 1024) return new Uint8Array(n)
  const b = Buffer.allocUnsafeSlow(n)
  if (b.byteOffset === 0 && b.buffer.byteLength === n) return new Uint8Array(b.buffer as ArrayBuffer)
  return new Uint8Array(n)
}

/**
 * A copy of `v` in a fresh ArrayBuffer of exactly its length: Uint8Array.prototype.slice allocates without zero-filling
 * and copies once (called directly: a Node Buffer's own slice would return a view).
 */
function copyBytes(v: Uint8Array): Uint8Array<ArrayBuffer> {
  // up to 64 bytes (keys, hashes), V8 keeps a new typed array's bytes on its own heap: no backing store to allocate
  if (v.byteLength <= 64) {
    const small = new Uint8Array(v.byteLength)
    small.set(v)
    return small
  }
  if (v.byteLength < 64 * 1024) return sliceBytes.call(v) as Uint8Array<ArrayBuffer>
  const out = ownedBytes(v.byteLength)
  out.set(v)
  return out
}
const sliceBytes = Uint8Array.prototype.slice

/** The bytes of a typed array, as a view (no copy): what goes into a msgpack bin. */
export function bytesOf(a: TypedArray): Uint8Array {
  return a instanceof Uint8Array && a.constructor === Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

/**
 * An unsigned integer as msgpackr must see it: numbers above 2^32 - 1 go as BigInt so they are written as a 64-bit
 * integer (msgpackr writes large plain numbers as float64, which this format does not allow).
 */
export function wireUint(x: number): number | bigint {
  return x > 0xffffffff ? BigInt(x) : x
}

/** Tensors travel little-endian; this build writes typed-array memory as is, so it must run on a little-endian host. */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
