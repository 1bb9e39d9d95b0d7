/**
 * The msgpack layer: one fixed msgpackr configuration for every peer, and a strict reader of the msgpack subset.
 *
 * Messages are plain msgpack (maps with short string keys, integers, strings, bins, arrays): no msgpackr records, no
 * extension types, no floats outside bins. That keeps the format writable by any msgpack library in any language
 * (protocols/encoding.md). msgpackr packs; received bytes are read by readWire, a strict reader of exactly that subset
 * that builds the same values msgpackr's unpack would: hostile input never reaches a general decoder's extension handlers
 * (records, structured clone), cannot nest deeper than our messages ever do, and cannot claim lengths the buffer does
 * not hold.
 */
import { Packr } from 'msgpackr'
import { WireError } from './errors.ts'
import { ownedBytes } from './fields.ts'

/** The one msgpackr option set used on every side. Changing it changes the wire format. */
export const WIRE_PACKR_OPTIONS = Object.freeze({
  /** Plain maps, never msgpackr's record extension (not portable). */
  useRecords: false,
  /** Maps get the smallest header (fixmap/map16/map32), as msgpack's "preferred" encoding wants. */
  variableMapSize: true,
  /** Typed arrays are turned into bins by the codec itself, so msgpackr's typed-array extension is never used. */
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  /** Decode side: maps become plain objects; 64-bit integers become numbers (the scan caps them at 2^53 - 1). */
  mapsAsObjects: true,
  int64AsType: 'number' as const,
  /** Bins decode as views into the input; the codec copies them into aligned, owned typed arrays. */
  copyBuffers: false,
})

const packr = new Packr({ ...WIRE_PACKR_OPTIONS })

/** Deepest nesting any message uses (envelope map → tensor map → shape array) plus margin. */
export const MAX_DEPTH = 4
/** Longest string any message holds (software version, error text) plus margin. */
export const MAX_STRING_BYTES = 1024
/** Longest map key. */
const MAX_KEY_BYTES = 16
/** Maps up to this many keys check duplicates by linear search. */
const SMALL_MAP = 16

const utf8 = new TextDecoder('utf-8', { fatal: true })

function malformed(reason: string, at: number): never {
  throw new WireError('MALFORMED', `${reason} at byte ${at}`)
}

/** Bytes held in bins at the top two levels of a wire object (where messages keep their tensors). */
function binBytes(obj: Record<string, unknown>, depth = 0): number {
  let n = 0
  for (const key in obj) {
    const v = obj[key]
    if (v instanceof Uint8Array) n += v.byteLength
    else if (depth === 0 && typeof v === 'object' && v !== null && !Array.isArray(v)) n += binBytes(v as Record<string, unknown>, 1)
  }
  return n
}

/**
 * Messages with at least this many bin bytes are packed straight into a buffer of their own instead of packed and copied
 * (which also spares msgpackr reallocating its shared buffer for them). The buffer may be NON_BIN_SLACK longer than the
 * message: at most 1/8 more here, worth the saved copy (a top-k gradient encodes about 1.5x faster).
 */
const DIRECT_PACK_BYTES = 16 * 1024
/** Non-bin bytes of any message (keys, integers, short strings, headers) stay well below this. */
const NON_BIN_SLACK = 2048
const scratch = new Uint8Array(16 * 1024)

/**
 * Encodes a wire object (already validated, typed arrays already turned into byte views). The result always owns its
 * ArrayBuffer (callers may keep, transfer or detach it): msgpackr normally packs into a shared buffer that it reuses, so
 * small messages are copied out, and large ones are packed directly into a buffer of their own (saving a copy of the
 * tensor), after which msgpackr is pointed back at a scratch buffer.
 */
export function packWire(obj: Record<string, unknown>): Uint8Array {
  const bins = binBytes(obj)
  if (bins < DIRECT_PACK_BYTES) {
    const shared = packr.pack(obj)
    const out = new Uint8Array(shared.byteLength)
    out.set(shared)
    return out
  }
  const own = ownedBytes(bins + NON_BIN_SLACK)
  packr.useBuffer(own)
  try {
    const packed = packr.pack(obj)
    // ownedBytes does not zero large buffers: clear what msgpackr did not write, so the returned buffer holds no stale
    // process memory beyond the message (its ArrayBuffer is the caller's to send or transfer)
    own.fill(0, 0, packed.byteOffset)
    own.fill(0, packed.byteOffset + packed.byteLength)
    // a plain view: the subarray msgpackr returns may carry its cached DataView
    return new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength)
  } finally {
    // msgpackr must never write into `own` again
    packr.useBuffer(scratch)
  }
}

// The reader's state. Module-level rather than closures over locals: the reader runs on every received message, and
// allocating a handful of closures per call cost as much as the scan itself (it is synchronous, so never re-entered).
let buf: Uint8Array = new Uint8Array(0)
let end = 0
let pos = 0
const EMPTY: Uint8Array = new Uint8Array(0)
/** Start and length of each key of the small maps being read (a stack: nested maps take the slots after their parent's). */
const keyStart = new Int32Array(MAX_DEPTH * SMALL_MAP)
const keyLength = new Int32Array(MAX_DEPTH * SMALL_MAP)

/**
 * Reads `input` as exactly one value of the TensorMesh msgpack subset and returns it as msgpackr decodes it with
 * WIRE_PACKR_OPTIONS (maps as plain objects, integers as numbers, bins as Uint8Array views into `input`, nil as null);
 * throws WireError('MALFORMED') otherwise. Rejects: reserved byte 0xc1, extension types, floats, integers beyond
 * ±(2^53 - 1), non-string or duplicate map keys, invalid UTF-8, strings over MAX_STRING_BYTES, nesting over MAX_DEPTH,
 * lengths past the end, trailing bytes. Runs in time linear in the number of msgpack items (bins are not read).
 *
 * Why not msgpackr's own unpack: this subset reader has to walk every item anyway (to refuse what the subset excludes
 * before a general decoder sees it), and building the values on that walk costs less than a second walk by msgpackr
 * (whose native string extraction alone costs about as much as reading a whole gradient message here). The test suite
 * checks both produce the same values for the same bytes.
 */
export function readWire(input: Uint8Array): unknown {
  buf = input
  end = input.byteLength
  pos = 0
  try {
    if (end === 0) malformed('empty message', 0)
    const v = readValue(0, 0)
    if (pos !== end) malformed(`${end - pos} trailing bytes`, pos)
    return v
  } finally {
    buf = EMPTY // do not keep the caller's input alive
  }
}

/** Checks that `buf` is exactly one value of the TensorMesh msgpack subset (see readWire); throws WireError('MALFORMED'). */
export function scanWire(input: Uint8Array): void {
  readWire(input)
}

function need(n: number, at: number): void {
  if (n > end - pos) malformed(`length ${n} runs past the end`, at)
}

/** Big-endian unsigned integer of `n` (1, 2 or 4) bytes at pos, which the caller has checked are there. */
function readUint(n: number): number {
  let x = 0
  for (let i = 0; i < n; i++) x = x * 256 + buf[pos + i]
  pos += n
  return x
}

/** Big-endian signed integer of `n` (1, 2 or 4) bytes at pos. */
function readInt(n: number): number {
  const x = readUint(n)
  const half = 2 ** (8 * n - 1)
  return x >= half ? x - 2 * half : x
}

/** A string of `len` bytes at pos: checked as UTF-8, decoded, skipped. */
function readString(len: number, at: number, max: number): string {
  if (len > max) malformed(`string of ${len} bytes`, at)
  need(len, at)
  const start = pos
  pos += len
  // short ASCII strings (every key, most values) are built directly; longer or non-ASCII ones go through the decoder
  if (len > 32) return readUtf8(start, at)
  let s = ''
  for (let i = start; i < pos; i++) {
    const c = buf[i]
    if (c >= 0x80) return readUtf8(start, at)
    s += String.fromCharCode(c)
  }
  return s
}

function readUtf8(start: number, at: number): string {
  try {
    return utf8.decode(buf.subarray(start, pos))
  } catch {
    return malformed('invalid UTF-8', at)
  }
}

/**
 * Short ASCII strings seen before (every key, and values such as kinds, formats and dtypes), by their bytes (see
 * shortCode): returning the same string spares building it and, for keys, V8 interning it again on every message.
 * Bounded: when hostile input has filled it, it starts over.
 */
const shortStrings = new Map<number, string>()
const SHORT_STRINGS_MAX = 4096

/** A string's bytes as one number, for strings of 1–7 ASCII bytes (3 bits of length, 7 per byte: 52 bits); -1 for others. */
function shortCode(start: number, len: number): number {
  if (len === 0 || len > 7) return -1
  let code = len
  for (let i = start; i < start + len; i++) {
    const c = buf[i]
    if (c >= 0x80) return -1
    code = code * 128 + c
  }
  return code
}

/** readString, through the cache of short strings. */
function readShortString(len: number, at: number, max: number): string {
  if (len > max) malformed(`string of ${len} bytes`, at)
  need(len, at)
  const code = shortCode(pos, len)
  if (code < 0) return readString(len, at, max)
  const known = shortStrings.get(code)
  if (known !== undefined) {
    pos += len
    return known
  }
  const s = readString(len, at, max)
  if (shortStrings.size >= SHORT_STRINGS_MAX) shortStrings.clear()
  shortStrings.set(code, s)
  return s
}

/** A map key (a string of at most MAX_KEY_BYTES); its bytes end at pos. */
function readKey(): string {
  const at = pos
  need(1, at)
  const t = buf[pos++]
  let len: number
  if (t >= 0xa0 && t <= 0xbf) len = t - 0xa0
  else if (t === 0xd9) { need(1, at); len = buf[pos++] } else return malformed('map key is not a string', at)
  return readShortString(len, at, MAX_KEY_BYTES)
}

function sameBytes(a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[a + i] !== buf[b + i]) return false
  return true
}

function duplicateKey(start: number, len: number, at: number): never {
  return malformed(`duplicate key "${utf8.decode(buf.subarray(start, start + len))}"`, at)
}

/** Checks the nesting depth and that `count` items of at least `perItem` bytes each can fit in what remains. */
function container(count: number, perItem: number, at: number, depth: number): void {
  if (depth >= MAX_DEPTH) malformed('nesting too deep', at)
  // every item takes at least one byte: a count beyond the remaining bytes can never be satisfied
  if (count * perItem > end - pos) malformed(`container of ${count} items runs past the end`, at)
}

function readArray(count: number, at: number, depth: number, slot: number): unknown[] {
  container(count, 1, at, depth)
  const a = new Array<unknown>(count)
  for (let i = 0; i < count; i++) a[i] = readValue(depth + 1, slot)
  return a
}

/** A map as a plain object. `slot` is the first free entry of keyStart/keyLength. */
function readMap(count: number, at: number, depth: number, slot: number): Record<string, unknown> {
  container(count, 2, at, depth)
  if (count > SMALL_MAP) return readLargeMap(count, depth, slot)
  const o: Record<string, unknown> = {}
  // messages' maps hold a handful of keys: compare each key's bytes with the earlier ones'
  for (let i = 0; i < count; i++) {
    const kAt = pos
    const k = readKey()
    const len = keyLengthAt(kAt)
    const start = pos - len
    for (let j = slot; j < slot + i; j++) if (keyLength[j] === len && sameBytes(keyStart[j], start, len)) duplicateKey(start, len, kAt)
    keyStart[slot + i] = start
    keyLength[slot + i] = len
    set(o, k, readValue(depth + 1, slot + count))
  }
  return o
}

/** Byte length of the key whose header is at `at` (fixstr or str 8; readKey has checked it). */
function keyLengthAt(at: number): number {
  const t = buf[at]
  return t === 0xd9 ? buf[at + 1] : t - 0xa0
}

/** Maps beyond SMALL_MAP keys (never sent by a peer that follows the spec) check duplicates with a Set, so reading stays linear. */
function readLargeMap(count: number, depth: number, slot: number): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  const seen = new Set<string>()
  for (let i = 0; i < count; i++) {
    const kAt = pos
    const k = readKey()
    const len = keyLengthAt(kAt)
    // distinct UTF-8 byte strings decode to distinct strings, so the decoded key is a faithful identity
    if (seen.has(k)) duplicateKey(pos - len, len, kAt)
    seen.add(k)
    set(o, k, readValue(depth + 1, slot))
  }
  return o
}

/** o[k] = v, where a key "__proto__" becomes "__proto_" (as msgpackr does), so no input can set an object's prototype. */
function set(o: Record<string, unknown>, k: string, v: unknown): void {
  o[k === '__proto__' ? '__proto_' : k] = v
}

/** A 64-bit integer, which must fit in ±(2^53 - 1). */
function readInt64(signed: boolean, at: number): number {
  need(8, at)
  const hi = signed ? readInt(4) : readUint(4)
  const lo = readUint(4)
  const v = hi * 2 ** 32 + lo
  // |v| <= 2^53 - 1 exactly when hi is within -2^21..2^21 - 1, except that hi = -2^21 needs lo >= 1 (v = -2^53 + lo);
  // within those bounds hi * 2^32 + lo is exact
  if (hi >= 2 ** 21 || hi < -(2 ** 21) || (hi === -(2 ** 21) && lo === 0)) malformed('integer beyond 2^53', at)
  return v
}

function readBin(lenBytes: number, at: number): Uint8Array {
  need(lenBytes, at)
  const n = readUint(lenBytes)
  need(n, at)
  pos += n
  return buf.subarray(pos - n, pos)
}

function readValue(depth: number, slot: number): unknown {
  const at = pos
  need(1, at)
  const t = buf[pos++]
  if (t <= 0x7f) return t // positive fixint
  if (t >= 0xe0) return t - 0x100 // negative fixint
  if (t <= 0x8f) return readMap(t - 0x80, at, depth, slot)
  if (t <= 0x9f) return readArray(t - 0x90, at, depth, slot)
  if (t <= 0xbf) return readShortString(t - 0xa0, at, MAX_STRING_BYTES)
  switch (t) {
    case 0xc0: return null
    case 0xc2: return false
    case 0xc3: return true
    case 0xc4: return readBin(1, at)
    case 0xc5: return readBin(2, at)
    case 0xc6: return readBin(4, at)
    case 0xcc: need(1, at); return readUint(1)
    case 0xcd: need(2, at); return readUint(2)
    case 0xce: need(4, at); return readUint(4)
    case 0xcf: return readInt64(false, at)
    case 0xd0: need(1, at); return readInt(1)
    case 0xd1: need(2, at); return readInt(2)
    case 0xd2: need(4, at); return readInt(4)
    case 0xd3: return readInt64(true, at)
    case 0xd9: need(1, at); return readString(readUint(1), at, MAX_STRING_BYTES)
    case 0xda: need(2, at); return readString(readUint(2), at, MAX_STRING_BYTES)
    case 0xdb: need(4, at); return readString(readUint(4), at, MAX_STRING_BYTES)
    case 0xdc: need(2, at); return readArray(readUint(2), at, depth, slot)
    case 0xdd: need(4, at); return readArray(readUint(4), at, depth, slot)
    case 0xde: need(2, at); return readMap(readUint(2), at, depth, slot)
    case 0xdf: need(4, at); return readMap(readUint(4), at, depth, slot)
    case 0xca: case 0xcb: return malformed('float outside a bin', at)
    case 0xc1: return malformed('reserved byte 0xc1', at)
    default: return malformed(`extension type 0x${t.toString(16)}`, at)
  }
}

/**
 * Decodes `buf` into plain values (see readWire). Only WireError escapes. Bins are views into `buf`: callers copy what
 * they keep (the codecs copy every bin into an owned array).
 */
export function unpackWire(input: Uint8Array): unknown {
  // a plain Uint8Array view: subarrays of a Node Buffer would be Buffers, and bins must decode as Uint8Array
  return readWire(input.constructor === Uint8Array ? input : new Uint8Array(input.buffer, input.byteOffset, input.byteLength))
}

/** msgpackr's unpack with WIRE_PACKR_OPTIONS, for tests that compare it with readWire; never used on untrusted input. */
export function unpackWithMsgpackr(input: Uint8Array): unknown {
  return packr.unpack(new Uint8Array(input.buffer, input.byteOffset, input.byteLength))
}
