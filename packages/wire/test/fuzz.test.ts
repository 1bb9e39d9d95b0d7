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
