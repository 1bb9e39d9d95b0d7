// The golden vectors read by a second, minimal msgpack reader written from protocols/encoding.md alone (no msgpackr):
// evidence that the bytes are plain msgpack another implementation can consume, with the canonical key order and
// header widths the spec promises.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageKind, MessageMap } from '../src/index.ts'
import { unhex, wireObject } from './samples.ts'
import { fromJson, readVectorFiles } from './vector-json.ts'

type Value = number | string | boolean | null | Uint8Array | Value[] | { [k: string]: Value }

/** Reads one msgpack value; also checks that every header uses the shortest form (the canonical encoding). */
function read(buf: Uint8Array): Value {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let p = 0
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  const shortest = (n: number, widths: number[], used: number): void => {
    const need = widths.find((w) => n < w) ?? Infinity
    assert.equal(used, need, `non-canonical header at ${p}`)
  }
  const str = (n: number): string => { const s = utf8.decode(buf.subarray(p, p + n)); p += n; return s }
  const bin = (n: number): Uint8Array => { const b = buf.slice(p, p + n); p += n; return b }
  const arr = (n: number): Value[] => Array.from({ length: n }, () => value())
  const map = (n: number): { [k: string]: Value } => {
    const o: { [k: string]: Value } = {}
    for (let i = 0; i < n; i++) { const k = value(); assert.equal(typeof k, 'string'); o[k as string] = value() }
    return o
  }
  const value = (): Value => {
    const t = buf[p++]
    if (t <= 0x7f) return t
    if (t >= 0xe0) return t - 0x100
    if (t <= 0x8f) return map(t - 0x80)
    if (t <= 0x9f) return arr(t - 0x90)
    if (t <= 0xbf) return str(t - 0xa0)
    let n: number
    switch (t) {
      case 0xc0: return null
      case 0xc2: return false
      case 0xc3: return true
      case 0xc4: n = buf[p]; p += 1; shortest(n, [0x100], 0x100); return bin(n)
      case 0xc5: n = dv.getUint16(p); p += 2; shortest(n, [0x100, 0x10000], 0x10000); return bin(n)
      case 0xc6: n = dv.getUint32(p); p += 4; shortest(n, [0x100, 0x10000, 2 ** 32], 2 ** 32); return bin(n)
      case 0xcc: n = buf[p]; p += 1; shortest(n, [0x80, 0x100], 0x100); return n
      case 0xcd: n = dv.getUint16(p); p += 2; shortest(n, [0x80, 0x100, 0x10000], 0x10000); return n
      case 0xce: n = dv.getUint32(p); p += 4; shortest(n, [0x80, 0x100, 0x10000, 2 ** 32], 2 ** 32); return n
      case 0xd3: { const v = dv.getBigInt64(p); p += 8; assert.ok(v >= 2n ** 32n, 'int 64 only for values >= 2^32'); return Number(v) }
      case 0xd9: n = buf[p]; p += 1; shortest(n, [0x20, 0x100], 0x100); return str(n)
      case 0xda: n = dv.getUint16(p); p += 2; shortest(n, [0x20, 0x100, 0x10000], 0x10000); return str(n)
      case 0xdc: n = dv.getUint16(p); p += 2; shortest(n, [0x10, 0x10000], 0x10000); return arr(n)
      case 0xde: n = dv.getUint16(p); p += 2; shortest(n, [0x10, 0x10000], 0x10000); return map(n)
      default: throw new Error(`byte 0x${t.toString(16)} at ${p - 1} is outside what encoders write`)
    }
  }
  const v = value()
  assert.equal(p, buf.byteLength, 'trailing bytes')
  return v
}

/** The wire map as plain values: integers as numbers, typed arrays as their little-endian bytes. */
function plain(v: unknown): Value {
  if (typeof v === 'bigint') return Number(v)
  if (ArrayBuffer.isView(v)) return Uint8Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
  if (Array.isArray(v)) return v.map(plain)
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v as Value
}

describe('golden vectors through an independent msgpack reader', () => {
  for (const f of readVectorFiles()) {
    for (const v of f.valid) {
      test(`${f.kind}/${v.name}`, () => {
        const got = read(unhex(v.hex))
        const want = plain(wireObject(f.kind as MessageKind, fromJson(v.message) as MessageMap[MessageKind]))
        assert.deepStrictEqual(got, want)
        // canonical key order: v, k, then the spec's order
        assert.deepStrictEqual(Object.keys(got as object), Object.keys(want as object))
        assert.deepStrictEqual(Object.keys(got as object).slice(0, 2), ['v', 'k'])
      })
    }
  }
})
