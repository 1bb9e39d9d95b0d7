/**
 * The two hottest validation loops, f32 finiteness (a 4 MB tensor is 1M values, checked on every encode and decode) and
 * u32 strict order (top-k indices), as 128-bit WebAssembly SIMD loops. Scalar JavaScript tops out near one element per
 * cycle; SIMD checks four per instruction. An array is copied into the module's memory in chunks (a memcpy, cheap next to
 * a scan, and the chunk stays cache-hot), scanned there, and only where a chunk fails does a scalar loop run to name the
 * first bad element, so errors read the same on either path. Where WebAssembly SIMD is missing (or WIRE_NO_SIMD=1) the
 * scalar loops do all the work. Decoding copies every f32 bin out of the input anyway: copyFinite does that copy and the
 * check together, scanning each piece of the input while the copy has it in cache.
 *
 * Finiteness is exact bit arithmetic: an f32 is NaN or ±Infinity exactly when its 8 exponent bits are all ones, that is
 * when bits << 1 (sign dropped, exponent on top) is at least 0xff000000 unsigned; the scan keeps the lanes' unsigned
 * maximum of bits << 1 and compares it once at the end. Order compares each 16-byte block with the block one element
 * earlier (i32x4.gt_s; firstNotIncreasing turns that into unsigned order) and ANDs the results (i32x4.all_true).
 */

/** Arrays shorter than this take the scalar loops (the wasm call and the copy cost more than they save). */
export const SIMD_MIN_ELEMENTS = 2048
/**
 * Bytes copied into wasm memory per call: 64 KiB (the module's one page). Small chunks stay in L1/L2 between the copy and
 * the scan; measured on a 4 MB tensor, 32–64 KiB chunks scan about twice as fast as 1 MiB ones. Multiple of 64.
 */
export const CHUNK_BYTES = 1 << 16

// ---- the module, assembled by hand (https://webassembly.github.io/spec/core/binary/) ----------------------------------

const GET = 0x20
const SET = 0x21
const TEE = 0x22
const simdOp = (op: number): number[] => [0xfd, ...leb(op)]
const splat = (lane: number[]): number[] => [...simdOp(0x0c), ...lane, ...lane, ...lane, ...lane] // v128.const
const load = (offset: number): number[] => [GET, 0x00, ...simdOp(0x00), 0x02, offset] // v128.load ptr offset (align 4)

/** A loop over ptr = local 0 up to end = local 1 in steps of 64 bytes, running `step(offset)` at offsets 0, 16, 32, 48. */
function loop64(step: (offset: number) => number[]): number[] {
  return [
    0x02, 0x40, 0x03, 0x40, // block, loop
    GET, 0x00, GET, 0x01, 0x4f, 0x0d, 0x01, // ptr >= end (unsigned): break
    ...step(0), ...step(16), ...step(32), ...step(48),
    GET, 0x00, 0x41, 0xc0, 0x00, 0x6a, SET, 0x00, // ptr += 64
    0x0c, 0x00, 0x0b, 0x0b, // continue; end loop, end block
  ]
}

/**
 * f(ptr, end): nonzero when some f32 in [ptr, end) is non-finite. x << 1 drops the sign bit and puts the 8 exponent bits
 * on top, so x is NaN or ±Infinity exactly when x << 1 >= 0xff000000 (unsigned); the loop keeps the unsigned maximum of
 * x << 1 per lane (two instructions per 16 bytes besides the load). Locals: 2, 3 accumulators (start at zero).
 */
const finiteBody = [
  0x01, 0x02, 0x7b, // two v128 locals
  ...loop64((offset) => {
    const acc = offset & 16 ? 0x03 : 0x02
    return [GET, acc, ...load(offset), 0x41, 0x01, ...simdOp(0xab), ...simdOp(0xb9), SET, acc] // acc = max_u(acc, x << 1)
  }),
  GET, 0x02, GET, 0x03, ...simdOp(0xb9), ...splat([0x00, 0x00, 0x00, 0xff]), ...simdOp(0x40), ...simdOp(0xa4), // bitmask(max >= 0xff000000)
  0x0b,
]

/**
 * g(ptr, end): 1 when, for every i32 x at [ptr + 4, end + 4), x > the i32 before it (signed); 0 otherwise. Signed, because
 * i32x4.gt_s is one x86 instruction and gt_u four; the caller turns the answer into unsigned order (see
 * firstNotIncreasing). Each 16-byte block is loaded once and the block one element on is assembled from it and the next
 * block (i8x16.shuffle), so the loop reads [ptr, end + 16): firstNotIncreasing keeps end at most CHUNK_BYTES - 64.
 * Locals: 2, 3 accumulators (start all ones); 4 the current block; 5 the one after it.
 */
const increasingBody = [
  0x01, 0x04, 0x7b, // four v128 locals
  ...splat([0xff, 0xff, 0xff, 0xff]), SET, 0x02,
  ...splat([0xff, 0xff, 0xff, 0xff]), SET, 0x03,
  ...load(0), SET, 0x04,
  ...loop64((offset) => {
    const acc = offset & 16 ? 0x03 : 0x02
    // each block is loaded once: the elements one on (next) are bytes 4..19 of it and the block after it
    const next = [GET, 0x04, ...load(offset + 16), TEE, 0x05, ...simdOp(0x0d), 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    return [GET, acc, ...next, GET, 0x04, ...simdOp(0x3b), ...simdOp(0x4e), SET, acc, GET, 0x05, SET, 0x04] // acc &= next > cur (signed)
  }),
  GET, 0x02, GET, 0x03, ...simdOp(0x4e), ...simdOp(0xa3), // i32x4.all_true(acc0 & acc1)
  0x0b,
]

function moduleBytes(): Uint8Array {
  const section = (id: number, content: number[]): number[] => [id, ...leb(content.length), ...content]
  const name = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))]
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]), // type 0: (i32, i32) -> i32
    ...section(3, [0x02, 0x00, 0x00]), // two functions of type 0
    ...section(5, [0x01, 0x00, CHUNK_BYTES >> 16]), // memory: CHUNK_BYTES, in 64 KiB pages
    ...section(7, [0x03, ...name('m'), 0x02, 0x00, ...name('f'), 0x00, 0x00, ...name('g'), 0x00, 0x01]),
    ...section(10, [0x02, ...leb(finiteBody.length), ...finiteBody, ...leb(increasingBody.length), ...increasingBody]),
  ])
}

function leb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

interface Simd {
  finite: (ptr: number, end: number) => number
  increasing: (ptr: number, end: number) => number
  mem: Uint8Array
}

/** The part of the WebAssembly API used here (the project's TypeScript libs do not declare the global). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: Record<string, unknown> }
}

function loadSimd(): Simd | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (wasm === undefined || process.env.WIRE_NO_SIMD === '1') return undefined
  try {
    const bytes = moduleBytes()
    if (!wasm.validate(bytes)) return undefined
    const { f, g, m } = new wasm.Instance(new wasm.Module(bytes)).exports as {
      f: (ptr: number, end: number) => number
      g: (ptr: number, end: number) => number
      m: { buffer: ArrayBuffer }
    }
    return { finite: f, increasing: g, mem: new Uint8Array(m.buffer) }
  } catch {
    return undefined
  }
}

const simd = loadSimd()

/** Whether the SIMD loops are in use (false where WebAssembly SIMD is missing or WIRE_NO_SIMD=1). */
export const SIMD = simd !== undefined

// ---- finiteness --------------------------------------------------------------------------------------------------

/**
 * Index of the first non-finite value of `a`, or -1. `source`, when given, holds the same bytes as `a` (the input `a` was
 * just copied from) and is what the SIMD loop reads: right after a large copy the source is still in cache and the
 * destination is not (memcpy writes large blocks around the cache), which makes the scan about twice as fast.
 */
export function firstNonFinite(a: Float32Array, source?: Uint8Array): number {
  if (source !== undefined && source.byteLength !== a.byteLength) throw new RangeError('source must hold exactly the bytes of the array')
  if (simd === undefined || a.length < SIMD_MIN_ELEMENTS) return firstNonFiniteScalar(a, 0, a.length)
  return scanFinite(a, source ?? new Uint8Array(a.buffer, a.byteOffset, a.byteLength), 0)
}

/** Bytes copyFinite copies per step: small enough that the piece just copied is still in L2 when it is scanned. */
export const PIECE_BYTES = 1 << 20

/**
 * Copies `src` into `dest` (same length, a whole number of f32 values, `dest` 4-byte aligned) and returns the index of the
 * first non-finite value, or -1: the decoder's copy and finiteness check in one. It copies a piece at a time and scans
 * each piece of `src` right after copying it, while it is in cache, so the source is fetched from memory once; on a 4 MB
 * tensor that measured about 8% faster than the whole copy followed by the scan.
 */
export function copyFinite(src: Uint8Array, dest: Uint8Array): number {
  if (src.byteLength !== dest.byteLength || src.byteLength % 4 !== 0 || dest.byteOffset % 4 !== 0) {
    throw new RangeError('copyFinite needs equal lengths, a multiple of 4, and an aligned destination')
  }
  const a = new Float32Array(dest.buffer, dest.byteOffset, dest.byteLength >> 2)
  if (simd === undefined || a.length < SIMD_MIN_ELEMENTS) {
    dest.set(src)
    return firstNonFiniteScalar(a, 0, a.length)
  }
  let bad = -1
  for (let p = 0; p < src.byteLength; p += PIECE_BYTES) {
    const piece = src.subarray(p, Math.min(src.byteLength, p + PIECE_BYTES))
    dest.set(piece, p)
    if (bad < 0) bad = scanFinite(a, piece, p >> 2)
  }
  return bad
}

/**
 * Index of the first non-finite value of a[from, from + bytes.byteLength / 4), whose bytes `bytes` holds (the same values,
 * possibly elsewhere in memory), or -1. SIMD over whole 64-byte blocks; `a` names the element where a chunk fails.
 */
function scanFinite(a: Float32Array, bytes: Uint8Array, from: number): number {
  const s = simd as Simd
  const whole = bytes.byteLength & ~63
  for (let start = 0; start < whole; start += CHUNK_BYTES) {
    const n = Math.min(CHUNK_BYTES, whole - start)
    s.mem.set(bytes.subarray(start, start + n))
    if (s.finite(0, n) !== 0) return firstNonFiniteScalar(a, from + (start >> 2), from + ((start + n) >> 2))
  }
  return firstNonFiniteScalar(a, from + (whole >> 2), from + (bytes.byteLength >> 2))
}

/** Index of the first non-finite value in a[from, to), or -1: the finiteSum test, and a search only when it fails. */
function firstNonFiniteScalar(a: Float32Array, from: number, to: number): number {
  if (finiteSum(a, from, to) === 0) return -1
  return searchNonFinite(a, from, to)
}

// The hot loops live in small functions of their own that end in a plain return: V8 optimises them on-stack mid-loop,
// and code after such a loop that never ran before (a comparison with no type feedback) made the optimised code
// deoptimise on every call, running these loops about 10x slower.

/**
 * 0 when every value is finite, NaN otherwise: x * 0 is 0 for finite x and NaN for NaN or ±Infinity, and NaN sticks in a
 * sum. Four independent sums break the add latency chain (about 3x faster than one sum on 1M values).
 */
function finiteSum(a: Float32Array, from: number, to: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  const m = from + ((to - from) & ~3)
  for (let i = from; i < m; i += 4) {
    s0 += a[i] * 0
    s1 += a[i + 1] * 0
    s2 += a[i + 2] * 0
    s3 += a[i + 3] * 0
  }
  for (let i = m; i < to; i++) s0 += a[i] * 0
  return s0 + s1 + s2 + s3
}

function searchNonFinite(a: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(a[i])) return i
  return -1
}

// ---- strict order ------------------------------------------------------------------------------------------------

/**
 * Index of the first element not above its predecessor (unsigned), or -1. The SIMD loop compares signed, which agrees with
 * unsigned order except across the sign bit: a run that is increasing as signed is increasing as unsigned unless it starts
 * at or above 2^31 and ends below it, and a signed failure may be such a crossing (unsigned fine). Both cases go to the
 * unsigned scalar loop, which has the last word.
 */
export function firstNotIncreasing(a: Uint32Array | Uint16Array): number {
  if (a instanceof Uint16Array) return firstNotIncreasingU16(a)
  // u32 arrays are read through an Int32Array view with the sign bit flipped (see firstNotIncreasingU32)
  const s = new Int32Array(a.buffer, a.byteOffset, a.length)
  if (simd === undefined || s.length < SIMD_MIN_ELEMENTS) return firstNotIncreasingU32(s, 1, s.length)
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  const perChunk = CHUNK_BYTES >> 2
  // chunks of elements [start, start + n) overlap by one, so every adjacent pair is inside some chunk
  for (let start = 0; start < s.length - 1; start += perChunk - 1) {
    const n = Math.min(perChunk, s.length - start)
    simd.mem.set(n === s.length ? bytes : bytes.subarray(start * 4, (start + n) * 4))
    const pairs = (n - 1) & ~15 // the wasm loop checks 16 pairs per step; the rest go to the scalar loop
    if (pairs > 0 && (simd.increasing(0, pairs * 4) === 0 || (s[start] < 0 && s[start + pairs] >= 0))) {
      const bad = firstNotIncreasingU32(s, start + 1, start + 1 + pairs)
      if (bad >= 0) return bad
    }
    const rest = firstNotIncreasingU32(s, start + 1 + pairs, start + n)
    if (rest >= 0) return rest
  }
  return -1
}

function firstNotIncreasingU16(a: Uint16Array): number {
  for (let i = 1; i < a.length; i++) if (a[i] <= a[i - 1]) return i
  return -1
}

/**
 * First i in [from, to) with s[i] not above s[i - 1] as u32, or -1. A signed compare of x ^ 2^31 is an unsigned compare of
 * x: u32 loads above 2^31 are not small integers for V8, and in its mid-tier compiler, which inlines this loop into its
 * caller, they cost an allocation each.
 */
function firstNotIncreasingU32(s: Int32Array, from: number, to: number): number {
  if (from >= to) return -1
  let prev = s[from - 1] ^ 0x80000000
  for (let i = from; i < to; i++) {
    const x = s[i] ^ 0x80000000
    if (x <= prev) return i
    prev = x
  }
  return -1
}
