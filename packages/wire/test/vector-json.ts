/**
 * The JSON form of messages used by protocols/vectors: every typed array (byte strings included) becomes
 * `{ "dtype": "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32", "hex": "<little-endian bytes>" }`; everything else is plain JSON.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MAX_MESSAGE_BYTES, WIRE_VERSION, identitySigningPayload, rankingSigningPayload } from '../src/index.ts'
import type { IdentityBinding, MessageKind, RankingMessage } from '../src/index.ts'
import { hex, invalidSamples, unhex, validSamples } from './samples.ts'
import type { SignatureCache } from './samples.ts'

export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../protocols/vectors')

const CTORS = {
  u8: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array, u32: Uint32Array, i32: Int32Array, f32: Float32Array,
} as const
type DType = keyof typeof CTORS

export function toJson(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) {
    const entry = Object.entries(CTORS).find(([, c]) => v.constructor === c)
    if (entry === undefined) throw new Error(`no JSON dtype for ${v.constructor.name}`)
    return { dtype: entry[0], hex: hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) }
  }
  if (Array.isArray(v)) return v.map(toJson)
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]))
  return v
}

export function fromJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromJson)
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>
    if (Object.keys(o).length === 2 && typeof o.dtype === 'string' && typeof o.hex === 'string') {
      const bytes = unhex(o.hex)
      const C = CTORS[o.dtype as DType]
      const out = new C(bytes.byteLength / C.BYTES_PER_ELEMENT)
      new Uint8Array(out.buffer).set(bytes)
      return out
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromJson(x)]))
  }
  return v
}

export interface ValidVector { name: string; note: string; hex: string; message: unknown; signingPayloadHex?: string }
export interface InvalidVector { name: string; note: string; hex: string; error: string; stage: 'decode' | 'verify' }
export interface VectorFile { kind: MessageKind; wireVersion: number; maxBytes: number; valid: ValidVector[]; invalid: InvalidVector[] }

function signingPayload(kind: MessageKind, message: unknown): Uint8Array | undefined {
  if (kind === 'identity') return identitySigningPayload(message as IdentityBinding)
  if (kind === 'ranking') return rankingSigningPayload(message as RankingMessage)
  return undefined
}

/** Builds every vector file's content from the samples (with `encode` passed in to keep this module encoder-agnostic). */
export function buildVectorFiles(encodeFn: (kind: MessageKind, m: unknown) => Uint8Array, cache: SignatureCache): VectorFile[] {
  const valid = validSamples(cache)
  const invalid = invalidSamples(valid)
  const kinds = [...new Set(valid.map((s) => s.kind))]
  return kinds.map((kind) => ({
    kind,
    wireVersion: WIRE_VERSION,
    maxBytes: MAX_MESSAGE_BYTES[kind],
    valid: valid.filter((s) => s.kind === kind).map((s) => {
      const p = signingPayload(kind, s.message)
      return {
        name: s.name, note: s.note, hex: hex(encodeFn(kind, s.message)), message: toJson(s.message),
        ...(p !== undefined ? { signingPayloadHex: hex(p) } : {}),
      }
    }),
    invalid: invalid.filter((s) => s.kind === kind).map((s) => ({
      name: s.name, note: s.note, hex: hex(s.bytes), error: s.code, stage: s.verify === true ? 'verify' : 'decode',
    })),
  }))
}

export function readVectorFiles(): VectorFile[] {
  return readdirSync(VECTORS_DIR).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(readFileSync(join(VECTORS_DIR, f), 'utf8')) as VectorFile)
}

/** Signatures stored in existing vector files, keyed by the payload they sign. */
export function signatureCache(files: VectorFile[]): SignatureCache {
  const cache: SignatureCache = new Map()
  for (const f of files) {
    for (const v of f.valid) {
      const m = v.message as { signature?: { hex: string } }
      if (v.signingPayloadHex !== undefined && m.signature !== undefined) cache.set(v.signingPayloadHex, unhex(m.signature.hex))
    }
  }
  return cache
}

export function vectorFileText(f: VectorFile): string {
  return JSON.stringify(f, null, 2) + '\n'
}
