/**
 * The msgpack layer: one fixed msgpackr configuration for every peer, plus a strict pre-decode scan.
 *
 * Messages are plain msgpack (maps with short string keys, integers, strings, bins, arrays): no msgpackr records, no
 * extension types, no floats outside bins. That keeps the format writable by any msgpack library in any language
 * (protocols/encoding.md). The scan runs before msgpackr sees the bytes, so hostile input cannot reach msgpackr's
 * extension handlers (records, structured clone), cannot nest deeper than our messages ever do, and cannot claim lengths
 * the buffer does not hold.
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
    // a plain view: the subarray msgpackr returns may carry its cached DataView
    return new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength)
  } finally {
    // msgpackr must never write into `own` again
    packr.useBuffer(scratch)
  }
}

/**
 * Scans `buf` as exactly one value of the TensorMesh msgpack subset; throws WireError('MALFORMED') otherwise.
 * Rejects: reserved byte 0xc1, extension types, floats, integers beyond ±(2^53 - 1), non-string or duplicate map keys,
 * invalid UTF-8, strings over MAX_STRING_BYTES, nesting over MAX_DEPTH, lengths past the end, trailing bytes.
 * Runs in time linear in the number of msgpack items (bins are skipped, not read).
 */
export function scanWire(buf: Uint8Array): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const end = buf.byteLength
  let pos = 0

  const need = (n: number, at: number): void => {
    if (n > end - pos) malformed(`length ${n} runs past the end`, at)
  }
  /** Checks a string of `len` bytes at pos as UTF-8 and skips it. */
  const str = (len: number, at: number, max: number): void => {
    if (len > max) malformed(`string of ${len} bytes`, at)
    need(len, at)
    // ASCII (every key and most strings) is valid UTF-8: only other strings go through the decoder
    let ascii = true
    for (let i = pos; i < pos + len; i++) if (buf[i] >= 0x80) { ascii = false; break }
    if (!ascii) {
      try {
        utf8.decode(buf.subarray(pos, pos + len))
      } catch {
        malformed('invalid UTF-8', at)
      }
    }
    pos += len
  }
  /** A map key: its bytes as a latin-1 string (only compared for duplicates, so any 1:1 mapping of bytes will do). */
  const key = (): string => {
    const at = pos
    need(1, at)
    const t = buf[pos++]
    let len: number
    if (t >= 0xa0 && t <= 0xbf) len = t - 0xa0
    else if (t === 0xd9) { need(1, at); len = buf[pos++] } else return malformed('map key is not a string', at)
    const start = pos
    str(len, at, MAX_KEY_BYTES)
    let k = ''
    for (let i = start; i < pos; i++) k += String.fromCharCode(buf[i])
    return k
  }
  const container = (count: number, perItem: number, at: number, depth: number, isMap: boolean): void => {
    if (depth >= MAX_DEPTH) malformed('nesting too deep', at)
    // every item takes at least one byte: a count beyond the remaining bytes can never be satisfied
    if (count * perItem > end - pos) malformed(`container of ${count} items runs past the end`, at)
    if (!isMap) {
      for (let i = 0; i < count; i++) value(depth + 1)
      return
    }
    // messages' maps hold a handful of keys, where a linear search beats a Set; larger (hostile) maps get the Set, so
    // the scan stays linear
    const seen: string[] | Set<string> = count <= SMALL_MAP ? [] : new Set<string>()
    for (let i = 0; i < count; i++) {
      const kAt = pos
      const k = key()
      if (Array.isArray(seen) ? seen.includes(k) : seen.has(k)) malformed(`duplicate key "${utf8.decode(Uint8Array.from(k, (ch) => ch.charCodeAt(0)))}"`, kAt)
      if (Array.isArray(seen)) seen.push(k)
      else seen.add(k)
      value(depth + 1)
    }
  }
  const value = (depth: number): void => {
    const at = pos
    need(1, at)
    const t = buf[pos++]
    if (t <= 0x7f || t >= 0xe0) return // fixints
    if (t <= 0x8f) return container(t - 0x80, 2, at, depth, true)
    if (t <= 0x9f) return container(t - 0x90, 1, at, depth, false)
    if (t <= 0xbf) { str(t - 0xa0, at, MAX_STRING_BYTES); return }
    switch (t) {
      case 0xc0: case 0xc2: case 0xc3: return
      case 0xc4: need(1, at); { const n = buf[pos]; pos += 1; need(n, at); pos += n } return
      case 0xc5: need(2, at); { const n = view.getUint16(pos); pos += 2; need(n, at); pos += n } return
      case 0xc6: need(4, at); { const n = view.getUint32(pos); pos += 4; need(n, at); pos += n } return
      case 0xcc: need(1, at); pos += 1; return
      case 0xcd: case 0xd1: need(2, at); pos += 2; return
      case 0xce: case 0xd2: need(4, at); pos += 4; return
      case 0xd0: need(1, at); pos += 1; return
      case 0xcf: need(8, at); if (view.getBigUint64(pos) > BigInt(Number.MAX_SAFE_INTEGER)) malformed('integer beyond 2^53', at); pos += 8; return
      case 0xd3: {
        need(8, at)
        const v = view.getBigInt64(pos)
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) malformed('integer beyond 2^53', at)
        pos += 8
        return
      }
      case 0xd9: need(1, at); { const n = buf[pos]; pos += 1; str(n, at, MAX_STRING_BYTES) } return
      case 0xda: need(2, at); { const n = view.getUint16(pos); pos += 2; str(n, at, MAX_STRING_BYTES) } return
      case 0xdb: need(4, at); { const n = view.getUint32(pos); pos += 4; str(n, at, MAX_STRING_BYTES) } return
      case 0xdc: need(2, at); { const n = view.getUint16(pos); pos += 2; container(n, 1, at, depth, false) } return
      case 0xdd: need(4, at); { const n = view.getUint32(pos); pos += 4; container(n, 1, at, depth, false) } return
      case 0xde: need(2, at); { const n = view.getUint16(pos); pos += 2; container(n, 2, at, depth, true) } return
      case 0xdf: need(4, at); { const n = view.getUint32(pos); pos += 4; container(n, 2, at, depth, true) } return
      case 0xca: case 0xcb: malformed('float outside a bin', at); break
      case 0xc1: malformed('reserved byte 0xc1', at); break
      default: malformed(`extension type 0x${t.toString(16)}`, at)
    }
  }

  if (end === 0) malformed('empty message', 0)
  value(0)
  if (pos !== end) malformed(`${end - pos} trailing bytes`, pos)
}

/** Scans and then decodes `buf` with the shared msgpackr instance. Only WireError escapes. */
export function unpackWire(buf: Uint8Array): unknown {
  scanWire(buf)
  try {
    // msgpackr caches a DataView as a property on its input: hand it a throwaway view, not the caller's array
    return packr.unpack(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength))
  } catch (e) {
    // the scan admits only well-formed input; this is a second line of defence, not an expected path
    throw new WireError('MALFORMED', `msgpack decode failed: ${(e as Error).message}`)
  }
}
