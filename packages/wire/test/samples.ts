/**
 * Deterministic sample messages for every kind (valid and invalid), shared by the golden-vector generator
 * (scripts/gen-vectors.ts), the golden test and the round-trip and fuzz tests.
 *
 * Keys come from fixed seeds. sr25519 signatures are randomised, so the generator passes the signatures already stored in
 * protocols/vectors as a cache: a stored signature is reused when it verifies over the same payload, which keeps
 * regeneration byte-identical.
 */
import { createHash } from 'node:crypto'
import { sr25519PairFromSeed, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto'
import { Packr } from 'msgpackr'
import {
  encode, makeCheckpointChunk, gradientContentHash, identitySigningPayload, rankingSigningPayload, signIdentity, signRanking,
  WIRE_PACKR_OPTIONS,
} from '../src/index.ts'
import type { HotkeySigner, MessageKind, MessageMap, WireErrorCode } from '../src/index.ts'
import { CODECS } from '../src/codec.ts'
import type { WireObject } from '../src/fields.ts'

const hash = (s: string): Uint8Array => new Uint8Array(createHash('sha256').update(s).digest())
export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

/** Seed of the sample hotkeys: sha256("tensormesh/test-hotkey/<n>"). */
export const HOTKEY_SEEDS = [hash('tensormesh/test-hotkey/1'), hash('tensormesh/test-hotkey/2')]

/** Signature cache: signing payload hex -> signature. */
export type SignatureCache = Map<string, Uint8Array>

export function sampleSigner(n: 0 | 1, cache: SignatureCache = new Map()): HotkeySigner {
  const pair = sr25519PairFromSeed(HOTKEY_SEEDS[n])
  return {
    publicKey: pair.publicKey,
    type: 'sr25519',
    sign(message: Uint8Array): Uint8Array {
      const hit = cache.get(hex(message))
      if (hit !== undefined && sr25519Verify(message, hit, pair.publicKey)) return hit
      return sr25519Sign(message, pair)
    },
  }
}

/** A libp2p ed25519 PeerId as multihash bytes: identity multihash (0x00, 36) of the protobuf public key (type 1, 32 bytes). */
export function samplePeerId(seed: string): Uint8Array {
  return Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...hash(seed)])
}

const ISSUED_AT = 1_764_000_000_000 // 2025-11-24T16:00:00Z

/** Packs a 2-bit code list (-2..1) four per byte, low bits first. */
export function pack2bit(codes: number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(codes.length / 4))
  codes.forEach((q, j) => { out[j >> 2] |= (q & 3) << (2 * (j & 3)) })
  return out
}

export interface Sample<K extends MessageKind = MessageKind> {
  name: string
  kind: K
  note: string
  message: MessageMap[K]
}

export function validSamples(cache: SignatureCache = new Map()): Sample[] {
  const miner = sampleSigner(0, cache)
  const validator = sampleSigner(1, cache)
  const baseModel = hash('tensormesh/test-model/round-41')
  const gradient: MessageMap['gradient'] = {
    netuid: 1, round: 42, baseModel, assignmentSeed: 0x1234_5678_9abc, sampleCount: 640, hotkey: miner.publicKey,
    tensor: {
      format: 'topk', length: 16, chunkSize: 8, bits: 8,
      indices: Uint32Array.of(1, 6, 9, 15), values: Int8Array.of(-127, 64, 127, -3), scales: Float32Array.of(0.015625, 0.5),
    },
  }
  const samples: Sample[] = [
    {
      name: 'identity', kind: 'identity', note: 'hotkey 1 binds an ed25519 PeerId on netuid 1',
      message: signIdentity(miner, { netuid: 1, peerId: samplePeerId('tensormesh/test-peer/1'), issuedAt: ISSUED_AT }),
    },
    { name: 'gradient-topk8', kind: 'gradient', note: 'unchunked top-k, int8, 16 parameters in 2 blocks of 8', message: gradient },
    {
      name: 'gradient-topk2-chunked', kind: 'gradient', note: 'chunk 1 of 3 (parameters 16..25 of 40), top-k 2-bit, 5 values',
      message: {
        netuid: 1, round: 42, baseModel, assignmentSeed: 7, sampleCount: 64, hotkey: miner.publicKey,
        chunk: { index: 1, count: 3, offset: 16, total: 40 },
        tensor: {
          format: 'topk', length: 10, chunkSize: 4, bits: 2,
          indices: Uint32Array.of(0, 2, 3, 7, 9), values: pack2bit([1, -1, -2, 0, 1]), scales: Float32Array.of(0.25, 0, 1.5),
        },
      },
    },
    {
      name: 'gradient-dense', kind: 'gradient', note: 'uncompressed 4-parameter gradient',
      message: {
        netuid: 7, round: 0, baseModel, assignmentSeed: 0, sampleCount: 1, hotkey: miner.publicKey,
        tensor: { format: 'dense', length: 4, values: Float32Array.of(0.5, -1.25, 0, 3e-8) },
      },
    },
    {
      name: 'ranking', kind: 'ranking', note: 'validator (hotkey 2) weights 3 uids in epoch 12',
      message: signRanking(validator, {
        netuid: 1, epoch: 12, uids: Uint16Array.of(0, 3, 4095), weights: Uint16Array.of(65535, 1024, 0), versionKey: 2_001_000,
      }),
    },
    {
      name: 'ranking-big-version', kind: 'ranking', note: 'versionKey above 2^32 travels as msgpack int64',
      message: signRanking(validator, {
        netuid: 3, epoch: 1, uids: Uint16Array.of(2), weights: Uint16Array.of(65535), versionKey: 2 ** 40 + 5,
      }),
    },
    {
      name: 'status', kind: 'status', note: 'a peer that mines and validates',
      message: {
        netuid: 1, round: 42, modelHash: baseModel, roles: ['miner', 'validator'], hotkey: validator.publicKey,
        softwareVersion: 'tensormesh/0.1.0',
      },
    },
    {
      name: 'query', kind: 'query', note: 'two f32 inputs of 3 features',
      message: { netuid: 1, round: 42, queryId: 77, inputs: { dtype: 'f32', shape: [2, 3], data: Float32Array.of(0, 0.5, 1, -1, 2, 0.25) } },
    },
    {
      name: 'query-u8', kind: 'query', note: 'a 2x2 u8 image',
      message: { netuid: 1, round: 42, queryId: 78, inputs: { dtype: 'u8', shape: [1, 2, 2], data: Uint8Array.of(0, 128, 255, 7) } },
    },
    {
      name: 'query-response', kind: 'query-response', note: 'class probabilities for 2 inputs',
      message: { queryId: 77, predictions: { dtype: 'f32', shape: [2, 2], data: Float32Array.of(0.75, 0.25, 0.125, 0.875) } },
    },
    {
      name: 'checkpoint-request', kind: 'checkpoint-request', note: 'chunk 2 of a checkpoint',
      message: { modelHash: baseModel, chunkIndex: 2 },
    },
    {
      name: 'checkpoint-chunk', kind: 'checkpoint-chunk', note: 'last chunk (index 2 of 3) holding 40 of 2,097,192 bytes',
      message: makeCheckpointChunk({
        modelHash: baseModel, chunkIndex: 2, chunkCount: 3, totalBytes: 2 * 1024 * 1024 + 40,
        data: Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 0xff),
      }),
    },
    {
      name: 'gradient-request', kind: 'gradient-request', note: 'fetch the gradient-topk8 vector by its content hash',
      message: { hash: gradientContentHash(encode('gradient', gradient)) },
    },
    { name: 'error', kind: 'error', note: 'responder does not hold the requested item', message: { code: 'NOT_FOUND', message: 'no such checkpoint' } },
  ]
  return samples
}

export interface InvalidSample {
  name: string
  kind: MessageKind
  note: string
  bytes: Uint8Array
  /** Code `decode(kind, bytes)` throws; or, when `verify` is set, decode succeeds and verification throws this code. */
  code: WireErrorCode
  verify?: boolean
}

const rawPackr = new Packr({ ...WIRE_PACKR_OPTIONS })

/** The wire map of a valid sample (envelope included), for building invalid variants. */
export function wireObject<K extends MessageKind>(kind: K, msg: MessageMap[K]): WireObject {
  return { v: 1, k: kind, ...CODECS[kind].toWire(msg) }
}

export function invalidSamples(valid: Sample[]): InvalidSample[] {
  const by = (name: string): Sample => valid.find((s) => s.name === name)!
  const w = (name: string): WireObject => { const s = by(name); return wireObject(s.kind, s.message) }
  const pack = (o: unknown): Uint8Array => rawPackr.pack(o)
  const out: InvalidSample[] = []
  const add = (name: string, kind: MessageKind, note: string, bytes: Uint8Array, code: WireErrorCode, verify?: boolean): void => {
    out.push({ name, kind, note, bytes, code, ...(verify ? { verify } : {}) })
  }
  const g = w('gradient-topk8')
  const gt = g.t as WireObject
  add('bad-version', 'gradient', 'v = 2', pack({ ...g, v: 2 }), 'BAD_VERSION')
  add('wrong-kind', 'gradient', 'a ranking given to the gradient decoder', encode('ranking', by('ranking').message as MessageMap['ranking']), 'BAD_KIND')
  add('trailing-byte', 'gradient', 'one extra byte after the map', Uint8Array.from([...encode('gradient', by('gradient-topk8').message as MessageMap['gradient']), 0xc0]), 'MALFORMED')
  add('truncated', 'gradient', 'last byte cut', encode('gradient', by('gradient-topk8').message as MessageMap['gradient']).subarray(0, -1), 'MALFORMED')
  add('float-integer', 'gradient', 'round written as float64 42.0', floatRound(g), 'MALFORMED')
  add('extension-type', 'gradient', 'msgpackr record/extension bytes (fixext 1 type 0x72)', Uint8Array.from([0x81, 0xa1, 0x76, 0xd4, 0x72, 0x00]), 'MALFORMED')
  add('unknown-key', 'gradient', 'extra key "x"', pack({ ...g, x: 1 }), 'BAD_FIELD')
  add('missing-key', 'gradient', 'no sample count', pack(Object.fromEntries(Object.entries(g).filter(([k]) => k !== 'sc'))), 'BAD_FIELD')
  add('indices-not-increasing', 'gradient', 'indices 6, 1', pack({ ...g, t: { ...gt, i: new Uint8Array(Uint32Array.of(6, 1, 9, 15).buffer) } }), 'BAD_FIELD')
  add('index-out-of-range', 'gradient', 'index 16 with length 16', pack({ ...g, t: { ...gt, i: new Uint8Array(Uint32Array.of(1, 6, 9, 16).buffer) } }), 'BAD_FIELD')
  add('values-count', 'gradient', '3 values for 4 indices', pack({ ...g, t: { ...gt, q: Uint8Array.of(1, 2, 3) } }), 'BAD_FIELD')
  add('nan-scale', 'gradient', 'scale NaN', pack({ ...g, t: { ...gt, s: new Uint8Array(Float32Array.of(0.5, NaN).buffer) } }), 'NON_FINITE')
  add('inf-dense', 'gradient', 'dense value +Infinity', (() => {
    const d = w('gradient-dense'); return pack({ ...d, t: { ...(d.t as WireObject), d: new Uint8Array(Float32Array.of(1, Infinity, 0, 0).buffer) } })
  })(), 'NON_FINITE')
  add('chunk-index', 'gradient', 'chunk index 3 of 3', (() => { const c = w('gradient-topk2-chunked'); return pack({ ...c, ci: 3 }) })(), 'BAD_FIELD')
  add('ranking-forged', 'ranking', 'weight changed after signing: decodes, fails verification', (() => {
    const r = w('ranking'); return pack({ ...r, w: new Uint8Array(Uint16Array.of(65535, 1025, 0).buffer) })
  })(), 'BAD_SIGNATURE', true)
  add('ranking-counts', 'ranking', '3 uids, 2 weights', (() => { const r = w('ranking'); return pack({ ...r, w: new Uint8Array(Uint16Array.of(1, 2).buffer) }) })(), 'BAD_FIELD')
  add('identity-forged', 'identity', 'PeerId swapped after signing', (() => {
    const i = w('identity'); return pack({ ...i, pid: samplePeerId('tensormesh/test-peer/evil') })
  })(), 'BAD_SIGNATURE', true)
  add('checkpoint-hash', 'checkpoint-chunk', 'one data byte changed', (() => {
    const c = w('checkpoint-chunk'); const d = Uint8Array.from(c.d as Uint8Array); d[0] ^= 1; return pack({ ...c, d })
  })(), 'BAD_HASH')
  add('status-role', 'status', 'unknown role "admin"', (() => { const s = w('status'); return pack({ ...s, ro: ['admin'] }) })(), 'BAD_FIELD')
  add('query-shape', 'query', 'shape [2, 2] for 6 values', (() => { const q = w('query'); return pack({ ...q, in: { ...(q.in as WireObject), sh: [2, 2] } }) })(), 'BAD_FIELD')
  return out
}

/** The gradient map with `r` written as float64 (0xcb): msgpackr writes 42 as an integer, so the float is spliced in. */
function floatRound(g: WireObject): Uint8Array {
  const marker = 0x7a3b1c
  const bytes = rawPackr.pack({ ...g, r: marker })
  const i = findSub(bytes, Uint8Array.of(0xa1, 0x72, 0xce, 0x00, 0x7a, 0x3b, 0x1c)) // "r": uint32 marker
  const f = new Uint8Array(9)
  f[0] = 0xcb
  new DataView(f.buffer).setFloat64(1, 42)
  return Uint8Array.from([...bytes.subarray(0, i + 2), ...f, ...bytes.subarray(i + 7)])
}

function findSub(a: Uint8Array, b: Uint8Array): number {
  outer: for (let i = 0; i + b.length <= a.length; i++) {
    for (let j = 0; j < b.length; j++) if (a[i + j] !== b[j]) continue outer
    return i
  }
  throw new Error('pattern not found')
}

export { identitySigningPayload, rankingSigningPayload }
