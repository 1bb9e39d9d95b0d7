// Fuzz: mutated, truncated, extended, spliced, structure-mutated, random and oversized buffers fed to every decoder.
// Decoding must return a valid message or throw WireError, and nothing else. WIRE_FUZZ_COUNT (default 20,000) sets the
// number of inputs, WIRE_FUZZ_SEED the PRNG seed; a failure prints the seed and the input's hex to reproduce it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Packr } from 'msgpackr'
import {
  decode, decodeAny, encode, MAX_MESSAGE_BYTES, MESSAGE_KINDS, verifyIdentity, verifyRanking, WIRE_PACKR_OPTIONS, WireError,
} from '../src/index.ts'
import type { IdentityBinding, MessageKind, RankingMessage, WireErrorCode } from '../src/index.ts'
import { hex, validSamples, wireObject } from './samples.ts'
import { readWire, unpackWire, unpackWithMsgpackr } from '../src/msgpack.ts'

const COUNT = Number(process.env.WIRE_FUZZ_COUNT ?? 20_000)
const SEED = Number(process.env.WIRE_FUZZ_SEED ?? 0x7e45)

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const rand = prng(SEED)
const int = (n: number): number => Math.floor(rand() * n)
const pick = <T>(a: readonly T[]): T => a[int(a.length)]
const randomBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(256))

const samples = validSamples()
const bases = samples.map((s) => ({ kind: s.kind, bytes: encode(s.kind, s.message), wire: wireObject(s.kind, s.message) }))
const packr = new Packr({ ...WIRE_PACKR_OPTIONS })
// msgpack type bytes that stress the scanner: reserved, extensions, floats, 32-bit lengths, 64-bit ints
const INTERESTING = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc4, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcf, 0xd3, 0xd4, 0xd8, 0xdb, 0xdd, 0xdf, 0xff]
const ODD_VALUES: unknown[] = [
  0, -1, 1.5, 2 ** 32, 2 ** 53 - 1, -(2 ** 31), 65536, 255, '', 'x'.repeat(300), 'miner', null, true, [], [1, 2], {},
  { f: 'dense' }, new Uint8Array(0), new Uint8Array(31), new Uint8Array(32), new Uint8Array(33), new Uint8Array(64),
  new Uint8Array(7), BigInt(2) ** BigInt(60),
]

function mutate(b: Uint8Array): Uint8Array {
  const out = Uint8Array.from(b)
  const flips = 1 + int(8)
  for (let i = 0; i < flips && out.length > 0; i++) {
    const at = int(out.length)
    if (rand() < 0.5) out[at] ^= 1 << int(8)
    else out[at] = pick(INTERESTING)
  }
  return out
}

function structural(wire: Record<string, unknown>): Uint8Array {
  const o: Record<string, unknown> = structuredClone(wire)
  const keys = Object.keys(o)
  const r = rand()
  if (r < 0.1) delete o[pick(keys)]
  else if (r < 0.2) o[pick(['x', 'vv', '__proto__', 'constructor'])] = pick(ODD_VALUES)
  else {
    const key = pick(keys)
    const v = o[key]
    if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Array.isArray(v) && rand() < 0.7) {
      const inner = v as Record<string, unknown>
      const ik = pick(Object.keys(inner))
      inner[ik] = ArrayBuffer.isView(inner[ik]) && rand() < 0.5 ? mutate(inner[ik] as Uint8Array) : pick(ODD_VALUES)
    } else o[key] = ArrayBuffer.isView(v) && rand() < 0.5 ? mutate(v as Uint8Array) : pick(ODD_VALUES)
  }
  try {
    return packr.pack(o)
  } catch {
    return randomBytes(int(64))
  }
}

/** The f32 bins of a wire map (scales, dense values, f32 query tensors), as [holder, key] pairs. */
function floatBins(wire: Record<string, unknown>): [Record<string, unknown>, string][] {
  const out: [Record<string, unknown>, string][] = []
  for (const key of ['t', 'in', 'out']) {
    const inner = wire[key] as Record<string, unknown> | undefined
    if (inner === undefined) continue
    if (inner.s instanceof Uint8Array) out.push([inner, 's'])
    if (inner.f === 'dense' || inner.dt === 'f32') out.push([inner, 'd'])
  }
  return out
}

/** A valid message with one f32 element replaced by NaN or ±Infinity. */
function nonFinite(wire: Record<string, unknown>): Uint8Array | undefined {
  const o = structuredClone(wire)
  const bins = floatBins(o)
  if (bins.length === 0) return undefined
  const [holder, key] = pick(bins)
  const bytes = Uint8Array.from(holder[key] as Uint8Array)
  if (bytes.byteLength < 4) return undefined
  const f = new Float32Array(bytes.buffer)
  f[int(f.length)] = pick([NaN, Infinity, -Infinity])
  holder[key] = bytes
  return packr.pack(o)
}

/** One fuzz input and the kind its decoder is called with. */
function nextInput(): { kind: MessageKind; bytes: Uint8Array; strategy: string } {
  const base = pick(bases)
  const kind = rand() < 0.85 ? base.kind : pick(MESSAGE_KINDS)
  const s = int(100)
  if (s < 30) return { kind, bytes: mutate(base.bytes), strategy: 'mutate' }
  if (s < 45) return { kind, bytes: base.bytes.subarray(0, int(base.bytes.length)), strategy: 'truncate' }
  if (s < 50) return { kind, bytes: Uint8Array.from([...base.bytes, ...randomBytes(1 + int(16))]), strategy: 'extend' }
  if (s < 55) {
    const at = int(base.bytes.length)
    const b = rand() < 0.5
      ? Uint8Array.from([...base.bytes.subarray(0, at), int(256), ...base.bytes.subarray(at)])
      : Uint8Array.from([...base.bytes.subarray(0, at), ...base.bytes.subarray(at + 1)])
    return { kind, bytes: b, strategy: 'insert-delete' }
  }
  if (s < 77) return { kind: base.kind, bytes: structural(base.wire), strategy: 'structural' }
  if (s < 80) {
    const bytes = nonFinite(base.wire)
    if (bytes !== undefined) return { kind: base.kind, bytes, strategy: 'non-finite' }
  }
  if (s < 95) return { kind, bytes: randomBytes(int(rand() < 0.9 ? 64 : 4096)), strategy: 'random' }
  if (s < 99) return { kind, bytes: Uint8Array.from([pick(INTERESTING), ...randomBytes(int(12))]), strategy: 'header' }
  return { kind, bytes: oversized(kind), strategy: 'oversize' }
}

// one shared oversized buffer: its views are the inputs, so the fuzz itself does not allocate per input
const BIG = new Uint8Array(Math.max(...Object.values(MAX_MESSAGE_BYTES)) + 64)
function oversized(kind: MessageKind): Uint8Array {
  return BIG.subarray(0, MAX_MESSAGE_BYTES[kind] + 1 + int(64))
}

test(`fuzz: ${COUNT} inputs only ever decode or throw WireError`, { timeout: 600_000 }, () => {
  const codes = new Map<string, number>()
  let accepted = 0
  let verified = 0
  for (let i = 0; i < COUNT; i++) {
    const { kind, bytes, strategy } = nextInput()
    for (const run of [() => decode(kind, bytes), () => decodeAny(bytes)]) {
      try {
        const m = run()
        accepted++
        // signature checks on whatever decodes must also fail only with WireError (sr25519 is slow: cap the count)
        if (verified < 300 && (kind === 'identity' || kind === 'ranking') && !('message' in m)) {
          verified++
          if (kind === 'identity') verifyIdentity(m as IdentityBinding, { now: Date.now() })
          else verifyRanking(m as RankingMessage)
        }
      } catch (e) {
        if (!(e instanceof WireError)) {
          assert.fail(`seed ${SEED} input ${i} (${strategy}, ${kind}) threw ${String(e)}: ${hex(bytes.subarray(0, 512))}`)
        }
        const code: WireErrorCode = e.code
        codes.set(code, (codes.get(code) ?? 0) + 1)
      }
    }
    if (strategy === 'oversize' || strategy === 'non-finite') {
      const want = strategy === 'oversize' ? 'OVERSIZE' : 'NON_FINITE'
      assert.throws(() => decode(kind, bytes), (e: unknown) => e instanceof WireError && e.code === want)
    }
  }
  // the corpus must exercise the refusal paths, not only accept
  for (const code of ['OVERSIZE', 'MALFORMED', 'BAD_VERSION', 'BAD_KIND', 'BAD_FIELD', 'NON_FINITE'] as const) {
    assert.ok((codes.get(code) ?? 0) > 0, `no input produced ${code}`)
  }
  if (process.env.WIRE_FUZZ_COUNT !== undefined) {
    const rssMiB = Math.round(process.resourceUsage().maxRSS / 1024)
    console.log(`fuzz seed ${SEED}: ${COUNT} inputs, ${accepted} decodes accepted, peak RSS ${rssMiB} MiB, refusals by code:`, Object.fromEntries(codes))
  }
})

/** Values of every msgpack family the subset allows, at the edges of each header width, packed by msgpackr. */
function edgeValues(): Uint8Array[] {
  const ints = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1]
  const bigs = [2n ** 32n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, -(2n ** 32n)]
  const strs = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(300), 'grüße ✓ ключ', '\u0000\u007f']
  const bins = [new Uint8Array(0), new Uint8Array(1), new Uint8Array(255), new Uint8Array(256), new Uint8Array(70_000)]
  const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]))
  return [
    ...ints, ...bigs, ...strs, ...bins, null, true, false, [], [1, 'two', null], Array.from({ length: 20 }, (_, i) => i),
    { a: 1, b: { c: [1, 2, { d: new Uint8Array(3) }] } }, many, { ключ: 'значение', k: 'é' },
  ].map((v) => packr.pack(v))
}

test(`readWire returns what msgpackr's unpack returns, for every input it accepts (${COUNT} fuzz inputs and edge values)`, () => {
  const inputs = [...edgeValues(), ...bases.map((b) => b.bytes)]
  for (let i = 0; i < COUNT; i++) inputs.push(nextInput().bytes)
  let accepted = 0
  for (const [i, bytes] of inputs.entries()) {
    let ours: unknown
    try {
      ours = unpackWire(bytes)
    } catch (e) {
      if (!(e instanceof WireError) || e.code !== 'MALFORMED') assert.fail(`input ${i} threw ${String(e)}: ${hex(bytes.subarray(0, 256))}`)
      continue
    }
    accepted++
    assert.deepStrictEqual(ours, unpackWithMsgpackr(bytes), `input ${i}: ${hex(bytes.subarray(0, 256))}`)
  }
  assert.ok(accepted > inputs.length / 10, `only ${accepted} of ${inputs.length} inputs were well-formed`)
})

test('readWire: 64-bit integers up to ±(2^53 - 1) are numbers, one beyond is MALFORMED', () => {
  const u64 = (x: bigint): Uint8Array => { const b = new Uint8Array(9); b[0] = 0xcf; new DataView(b.buffer).setBigUint64(1, x); return b }
  const i64 = (x: bigint): Uint8Array => { const b = new Uint8Array(9); b[0] = 0xd3; new DataView(b.buffer).setBigInt64(1, x); return b }
  const max = 2n ** 53n - 1n
  for (const x of [0n, 1n, 2n ** 32n, max]) assert.equal(readWire(u64(x)), Number(x))
  for (const x of [0n, -1n, 2n ** 32n, -(2n ** 32n) - 5n, max, -max]) assert.equal(readWire(i64(x)), Number(x))
  for (const b of [u64(max + 1n), u64(2n ** 64n - 1n), i64(max + 1n), i64(-max - 1n), i64(-(2n ** 63n)), i64(2n ** 63n - 1n)]) {
    assert.throws(() => readWire(b), (e: unknown) => e instanceof WireError && e.code === 'MALFORMED' && /beyond 2\^53/.test(e.message))
  }
})

test('readWire: a "__proto__" key cannot set a prototype (it reads as "__proto_", as msgpackr has it)', () => {
  // fixmap of one entry: "__proto__" -> { polluted: 1 }
  const key = [0xa9, ...new TextEncoder().encode('__proto__')]
  const inner = [0x81, 0xa8, ...new TextEncoder().encode('polluted'), 0x01]
  const o = readWire(Uint8Array.from([0x81, ...key, ...inner])) as Record<string, unknown>
  assert.equal(Object.getPrototypeOf(o), Object.prototype)
  assert.deepStrictEqual(Object.keys(o), ['__proto_'])
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('readWire: more distinct short strings than its cache holds still read correctly (the cache starts over)', () => {
  const many = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`k${i.toString(36)}`, `v${(i * 7).toString(36)}`]))
  const bytes = packr.pack(many)
  assert.deepStrictEqual(readWire(bytes), many)
  assert.deepStrictEqual(readWire(bytes), many)
})
