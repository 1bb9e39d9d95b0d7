/**
 * Per-kind codecs. Each kind has three parts:
 *  - `toWire`: typed message -> plain map with the wire keys, in the spec's key order (typed arrays as byte views);
 *  - `fromWire`: decoded map -> typed message (structure only: keys, msgpack types, bins copied to aligned arrays);
 *  - `validate`: every range and consistency rule, on the typed message; run before encoding and after decoding, so a
 *    peer can neither send nor accept an invalid message.
 */
import { createHash } from 'node:crypto'
import {
  MAX_CHECKPOINT_CHUNK_DATA, MAX_CHECKPOINT_CHUNKS, MAX_ERROR_MESSAGE_BYTES, MAX_GRADIENT_CHUNKS, MAX_PARAMETERS,
  MAX_PEER_ID_BYTES, MAX_RANKING_UIDS, MAX_SOFTWARE_VERSION_BYTES, MAX_TENSOR_RANK,
} from './constants.ts'
import type { MessageKind } from './constants.ts'
import { bytesOf, FieldContext, wireUint } from './fields.ts'
import type { TypedArray, TypedArrayCtor, WireObject } from './fields.ts'
import type {
  CheckpointChunk, CheckpointRequest, CompressedTensor, GradientChunk, GradientMessage, GradientRequest, IdentityBinding,
  MessageMap, PeerRole, QueryMessage, QueryResponseMessage, RankingMessage, RpcErrorCode, RpcErrorMessage, StatusMessage,
  Tensor, TensorDType,
} from './types.ts'

export interface KindCodec<T> {
  /** Wire keys after `v` and `k`, required then optional. */
  readonly required: readonly string[]
  readonly optional?: readonly string[]
  toWire(m: T): WireObject
  fromWire(o: WireObject, c: FieldContext): T
  validate(m: T, c: FieldContext): void
}

const U16 = 0xffff
const U32 = 0xffffffff
const U53 = Number.MAX_SAFE_INTEGER
const utf8 = new TextEncoder()

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

// ---- tensors -------------------------------------------------------------------------------------------------------

function compressedToWire(t: CompressedTensor): WireObject {
  if (t.format === 'dense') return { f: 'dense', len: wireUint(t.length), d: bytesOf(t.values) }
  return {
    f: 'topk', len: wireUint(t.length), cs: wireUint(t.chunkSize), b: t.bits,
    i: bytesOf(t.indices), q: bytesOf(t.values), s: bytesOf(t.scales),
  }
}

function compressedFromWire(v: unknown, c: FieldContext): CompressedTensor {
  const o = c.map(v, 'tensor')
  const f = c.str(o.f, 'tensor.format')
  if (f === 'dense') {
    c.keys(o, 'tensor.', ['f', 'len', 'd'])
    return { format: 'dense', length: c.int(o.len, 'tensor.length'), values: c.typed(o.d, 'tensor.values', Float32Array) }
  }
  if (f !== 'topk') c.fail('BAD_FIELD', 'tensor.format', `unknown format "${f}"`)
  c.keys(o, 'tensor.', ['f', 'len', 'cs', 'b', 'i', 'q', 's'])
  const bits = c.int(o.b, 'tensor.bits')
  if (bits !== 8 && bits !== 2) c.fail('BAD_FIELD', 'tensor.bits', `${bits} is not 8 or 2`)
  return {
    format: 'topk',
    length: c.int(o.len, 'tensor.length'),
    chunkSize: c.int(o.cs, 'tensor.chunkSize'),
    bits,
    indices: c.typed(o.i, 'tensor.indices', Uint32Array),
    values: bits === 8 ? c.typed(o.q, 'tensor.values', Int8Array) : c.bin(o.q, 'tensor.values'),
    scales: c.typed(o.s, 'tensor.scales', Float32Array),
  }
}

function validateCompressed(t: CompressedTensor, c: FieldContext): void {
  if (typeof t !== 'object' || t === null) c.fail('BAD_FIELD', 'tensor', 'expected an object')
  c.uint(t.length, 'tensor.length', MAX_PARAMETERS, 1)
  if (t.format === 'dense') {
    c.instance(t.values, 'tensor.values', Float32Array)
    if (t.values.length !== t.length) c.fail('BAD_FIELD', 'tensor.values', `${t.values.length} values for length ${t.length}`)
    c.finite(t.values, 'tensor.values')
    return
  }
  if (t.format !== 'topk') c.fail('BAD_FIELD', 'tensor.format', 'expected "topk" or "dense"')
  c.uint(t.chunkSize, 'tensor.chunkSize', MAX_PARAMETERS, 1)
  if (t.bits !== 8 && t.bits !== 2) c.fail('BAD_FIELD', 'tensor.bits', 'expected 8 or 2')
  c.instance(t.indices, 'tensor.indices', Uint32Array)
  c.instance(t.scales, 'tensor.scales', Float32Array)
  const k = t.indices.length
  if (k > t.length) c.fail('BAD_FIELD', 'tensor.indices', `${k} indices for length ${t.length}`)
  c.increasing(t.indices, 'tensor.indices', t.length)
  if (t.bits === 8) {
    c.instance(t.values, 'tensor.values', Int8Array)
    if (t.values.length !== k) c.fail('BAD_FIELD', 'tensor.values', `${t.values.length} values for ${k} indices`)
  } else {
    c.instance(t.values, 'tensor.values', Uint8Array)
    const want = Math.ceil(k / 4)
    if (t.values.length !== want) c.fail('BAD_FIELD', 'tensor.values', `${t.values.length} bytes for ${k} 2-bit values (want ${want})`)
    const used = k % 4
    // canonical form: the unused codes of the last byte are zero, so one tensor has one encoding
    if (used !== 0 && (t.values[want - 1] >> (2 * used)) !== 0) c.fail('BAD_FIELD', 'tensor.values', 'padding bits of the last byte are not zero')
  }
  const blocks = Math.ceil(t.length / t.chunkSize)
  if (t.scales.length !== blocks) c.fail('BAD_FIELD', 'tensor.scales', `${t.scales.length} scales for ${blocks} blocks`)
  c.finite(t.scales, 'tensor.scales')
  const neg = c.firstNegative(t.scales)
  if (neg >= 0) c.fail('BAD_FIELD', 'tensor.scales', `scale ${neg} is negative`)
}

const DTYPES: Readonly<Record<TensorDType, TypedArrayCtor<TypedArray>>> = {
  f32: Float32Array, i32: Int32Array, u32: Uint32Array, i16: Int16Array, u16: Uint16Array, i8: Int8Array, u8: Uint8Array,
}
/** Most elements in one query tensor: 8 MiB of f32. */
const MAX_TENSOR_ELEMENTS = 2 * 1024 * 1024

function tensorToWire(t: Tensor): WireObject {
  return { dt: t.dtype, sh: t.shape.map(wireUint), d: bytesOf(t.data) }
}

function tensorFromWire(v: unknown, c: FieldContext, field: string): Tensor {
  const o = c.map(v, field)
  c.keys(o, field + '.', ['dt', 'sh', 'd'])
  const dtype = c.str(o.dt, field + '.dtype')
  if (!Object.hasOwn(DTYPES, dtype)) c.fail('BAD_FIELD', field + '.dtype', `unknown dtype "${dtype}"`)
  const shape = c.array(o.sh, field + '.shape').map((d, i) => c.int(d, `${field}.shape[${i}]`))
  return { dtype, shape, data: c.typed(o.d, field + '.data', DTYPES[dtype as TensorDType]) } as Tensor
}

function validateTensor(t: Tensor, c: FieldContext, field: string): void {
  if (typeof t !== 'object' || t === null) c.fail('BAD_FIELD', field, 'expected an object')
  if (typeof t.dtype !== 'string' || !Object.hasOwn(DTYPES, t.dtype)) c.fail('BAD_FIELD', field + '.dtype', 'unknown dtype')
  if (!Array.isArray(t.shape) || t.shape.length > MAX_TENSOR_RANK) c.fail('BAD_FIELD', field + '.shape', `expected an array of at most ${MAX_TENSOR_RANK} dimensions`)
  let n = 1
  for (let i = 0; i < t.shape.length; i++) {
    c.uint(t.shape[i], `${field}.shape[${i}]`, MAX_TENSOR_ELEMENTS)
    n *= t.shape[i]
    if (n > MAX_TENSOR_ELEMENTS) c.fail('BAD_FIELD', field + '.shape', `more than ${MAX_TENSOR_ELEMENTS} elements`)
  }
  c.instance(t.data, field + '.data', DTYPES[t.dtype])
  if (t.data.length !== n) c.fail('BAD_FIELD', field + '.data', `${t.data.length} elements for shape [${t.shape.join(', ')}]`)
  if (t.dtype === 'f32') c.finite(t.data, field + '.data')
}

// ---- kinds ---------------------------------------------------------------------------------------------------------

const identity: KindCodec<IdentityBinding> = {
  required: ['n', 'hk', 'pid', 'ts', 'sig'],
  toWire: (m) => ({ n: m.netuid, hk: m.hotkey, pid: m.peerId, ts: wireUint(m.issuedAt), sig: m.signature }),
  fromWire: (o, c) => ({
    netuid: c.int(o.n, 'netuid'), hotkey: c.bin(o.hk, 'hotkey'), peerId: c.bin(o.pid, 'peerId'),
    issuedAt: c.int(o.ts, 'issuedAt'), signature: c.bin(o.sig, 'signature'),
  }),
  validate: (m, c) => {
    c.uint(m.netuid, 'netuid', U16)
    c.bytes(m.hotkey, 'hotkey', 32)
    c.bytes(m.peerId, 'peerId', 1, MAX_PEER_ID_BYTES)
    c.uint(m.issuedAt, 'issuedAt', U53)
    c.bytes(m.signature, 'signature', 64)
  },
}

const CHUNK_KEYS = ['ci', 'cc', 'off', 'tot'] as const

const gradient: KindCodec<GradientMessage> = {
  required: ['n', 'r', 'bm', 'seed', 'sc', 'hk', 't'],
  optional: CHUNK_KEYS,
  toWire: (m) => {
    const o: WireObject = {
      n: m.netuid, r: m.round, bm: m.baseModel, seed: wireUint(m.assignmentSeed), sc: m.sampleCount, hk: m.hotkey,
    }
    if (m.chunk !== undefined) {
      o.ci = m.chunk.index; o.cc = m.chunk.count; o.off = m.chunk.offset; o.tot = m.chunk.total
    }
    o.t = compressedToWire(m.tensor)
    return o
  },
  fromWire: (o, c) => {
    const m: GradientMessage = {
      netuid: c.int(o.n, 'netuid'), round: c.int(o.r, 'round'), baseModel: c.bin(o.bm, 'baseModel'),
      assignmentSeed: c.int(o.seed, 'assignmentSeed'), sampleCount: c.int(o.sc, 'sampleCount'), hotkey: c.bin(o.hk, 'hotkey'),
      tensor: compressedFromWire(o.t, c),
    }
    let present = 0
    for (const k of CHUNK_KEYS) if (k in o) present++
    if (present === CHUNK_KEYS.length) {
      m.chunk = {
        index: c.int(o.ci, 'chunk.index'), count: c.int(o.cc, 'chunk.count'),
        offset: c.int(o.off, 'chunk.offset'), total: c.int(o.tot, 'chunk.total'),
      }
    } else if (present !== 0) c.fail('BAD_FIELD', 'chunk', 'ci, cc, off and tot must all be present or all absent')
    return m
  },
  validate: (m, c) => {
    c.uint(m.netuid, 'netuid', U16)
    c.uint(m.round, 'round', U32)
    c.bytes(m.baseModel, 'baseModel', 32)
    c.uint(m.assignmentSeed, 'assignmentSeed', U53)
    c.uint(m.sampleCount, 'sampleCount', U32, 1)
    c.bytes(m.hotkey, 'hotkey', 32)
    validateCompressed(m.tensor, c)
    if (m.chunk !== undefined) validateChunk(m.chunk, m.tensor.length, c)
  },
}

function validateChunk(ch: GradientChunk, length: number, c: FieldContext): void {
  if (typeof ch !== 'object' || ch === null) c.fail('BAD_FIELD', 'chunk', 'expected an object')
  c.uint(ch.count, 'chunk.count', MAX_GRADIENT_CHUNKS, 1)
  c.uint(ch.index, 'chunk.index', ch.count - 1)
  c.uint(ch.total, 'chunk.total', MAX_PARAMETERS, 1)
  c.uint(ch.offset, 'chunk.offset', ch.total - 1)
  if (ch.offset + length > ch.total) c.fail('BAD_FIELD', 'chunk.offset', `offset ${ch.offset} + length ${length} exceeds total ${ch.total}`)
}

const ranking: KindCodec<RankingMessage> = {
  required: ['n', 'ep', 'hk', 'u', 'w', 'vk', 'sig'],
  toWire: (m) => ({
    n: m.netuid, ep: m.epoch, hk: m.hotkey, u: bytesOf(m.uids), w: bytesOf(m.weights), vk: wireUint(m.versionKey), sig: m.signature,
  }),
  fromWire: (o, c) => ({
    netuid: c.int(o.n, 'netuid'), epoch: c.int(o.ep, 'epoch'), hotkey: c.bin(o.hk, 'hotkey'),
    uids: c.typed(o.u, 'uids', Uint16Array), weights: c.typed(o.w, 'weights', Uint16Array),
    versionKey: c.int(o.vk, 'versionKey'), signature: c.bin(o.sig, 'signature'),
  }),
  validate: (m, c) => {
    c.uint(m.netuid, 'netuid', U16)
    c.uint(m.epoch, 'epoch', U32)
    c.bytes(m.hotkey, 'hotkey', 32)
    c.instance(m.uids, 'uids', Uint16Array)
    c.instance(m.weights, 'weights', Uint16Array)
    if (m.uids.length > MAX_RANKING_UIDS) c.fail('BAD_FIELD', 'uids', `${m.uids.length} uids, at most ${MAX_RANKING_UIDS}`)
    if (m.weights.length !== m.uids.length) c.fail('BAD_FIELD', 'weights', `${m.weights.length} weights for ${m.uids.length} uids`)
    c.increasing(m.uids, 'uids', U16 + 1)
    c.uint(m.versionKey, 'versionKey', U53)
    c.bytes(m.signature, 'signature', 64)
  },
}

const ROLES: readonly PeerRole[] = ['miner', 'validator']

const status: KindCodec<StatusMessage> = {
  required: ['n', 'r', 'mh', 'ro', 'hk', 'sw'],
  toWire: (m) => ({ n: m.netuid, r: m.round, mh: m.modelHash, ro: m.roles, hk: m.hotkey, sw: m.softwareVersion }),
  fromWire: (o, c) => ({
    netuid: c.int(o.n, 'netuid'), round: c.int(o.r, 'round'), modelHash: c.bin(o.mh, 'modelHash'),
    roles: c.array(o.ro, 'roles').map((r, i) => c.str(r, `roles[${i}]`) as PeerRole),
    hotkey: c.bin(o.hk, 'hotkey'), softwareVersion: c.str(o.sw, 'softwareVersion'),
  }),
  validate: (m, c) => {
    c.uint(m.netuid, 'netuid', U16)
    c.uint(m.round, 'round', U32)
    c.bytes(m.modelHash, 'modelHash', 32)
    if (!Array.isArray(m.roles)) c.fail('BAD_FIELD', 'roles', 'expected an array')
    // canonical: known roles, each once, in ROLES order
    let last = -1
    for (let i = 0; i < m.roles.length; i++) {
      const at = ROLES.indexOf(m.roles[i])
      if (at < 0) c.fail('BAD_FIELD', `roles[${i}]`, `unknown role "${String(m.roles[i])}"`)
      if (at <= last) c.fail('BAD_FIELD', `roles[${i}]`, 'roles must be unique and in the order miner, validator')
      last = at
    }
    c.bytes(m.hotkey, 'hotkey', 32)
    if (typeof m.softwareVersion !== 'string' || utf8.encode(m.softwareVersion).length > MAX_SOFTWARE_VERSION_BYTES) {
      c.fail('BAD_FIELD', 'softwareVersion', `expected a string of at most ${MAX_SOFTWARE_VERSION_BYTES} UTF-8 bytes`)
    }
  },
}

const query: KindCodec<QueryMessage> = {
  required: ['n', 'r', 'qid', 'in'],
  toWire: (m) => ({ n: m.netuid, r: m.round, qid: m.queryId, in: tensorToWire(m.inputs) }),
  fromWire: (o, c) => ({
    netuid: c.int(o.n, 'netuid'), round: c.int(o.r, 'round'), queryId: c.int(o.qid, 'queryId'), inputs: tensorFromWire(o.in, c, 'inputs'),
  }),
  validate: (m, c) => {
    c.uint(m.netuid, 'netuid', U16)
    c.uint(m.round, 'round', U32)
    c.uint(m.queryId, 'queryId', U32)
    validateTensor(m.inputs, c, 'inputs')
  },
}

const queryResponse: KindCodec<QueryResponseMessage> = {
  required: ['qid', 'out'],
  toWire: (m) => ({ qid: m.queryId, out: tensorToWire(m.predictions) }),
  fromWire: (o, c) => ({ queryId: c.int(o.qid, 'queryId'), predictions: tensorFromWire(o.out, c, 'predictions') }),
  validate: (m, c) => {
    c.uint(m.queryId, 'queryId', U32)
    validateTensor(m.predictions, c, 'predictions')
  },
}

const checkpointRequest: KindCodec<CheckpointRequest> = {
  required: ['mh', 'ci'],
  toWire: (m) => ({ mh: m.modelHash, ci: m.chunkIndex }),
  fromWire: (o, c) => ({ modelHash: c.bin(o.mh, 'modelHash'), chunkIndex: c.int(o.ci, 'chunkIndex') }),
  validate: (m, c) => {
    c.bytes(m.modelHash, 'modelHash', 32)
    c.uint(m.chunkIndex, 'chunkIndex', MAX_CHECKPOINT_CHUNKS - 1)
  },
}

const checkpointChunk: KindCodec<CheckpointChunk> = {
  required: ['mh', 'ci', 'cc', 'tb', 'd', 'h'],
  toWire: (m) => ({ mh: m.modelHash, ci: m.chunkIndex, cc: m.chunkCount, tb: wireUint(m.totalBytes), d: m.data, h: m.chunkHash }),
  fromWire: (o, c) => ({
    modelHash: c.bin(o.mh, 'modelHash'), chunkIndex: c.int(o.ci, 'chunkIndex'), chunkCount: c.int(o.cc, 'chunkCount'),
    totalBytes: c.int(o.tb, 'totalBytes'), data: c.bin(o.d, 'data'), chunkHash: c.bin(o.h, 'chunkHash'),
  }),
  validate: (m, c) => {
    c.bytes(m.modelHash, 'modelHash', 32)
    c.uint(m.chunkCount, 'chunkCount', MAX_CHECKPOINT_CHUNKS, 1)
    c.uint(m.chunkIndex, 'chunkIndex', m.chunkCount - 1)
    c.uint(m.totalBytes, 'totalBytes', m.chunkCount * MAX_CHECKPOINT_CHUNK_DATA, 1)
    c.bytes(m.data, 'data', 1, MAX_CHECKPOINT_CHUNK_DATA)
    if (m.data.byteLength > m.totalBytes) c.fail('BAD_FIELD', 'data', `${m.data.byteLength} bytes exceed totalBytes ${m.totalBytes}`)
    c.bytes(m.chunkHash, 'chunkHash', 32)
    if (!equalBytes(sha256(m.data), m.chunkHash)) c.fail('BAD_HASH', 'chunkHash', 'sha256 of data does not match')
  },
}

const gradientRequest: KindCodec<GradientRequest> = {
  required: ['h'],
  toWire: (m) => ({ h: m.hash }),
  fromWire: (o, c) => ({ hash: c.bin(o.h, 'hash') }),
  validate: (m, c) => c.bytes(m.hash, 'hash', 32),
}

const RPC_ERROR_CODES: readonly RpcErrorCode[] = ['NOT_FOUND', 'RATE_LIMITED', 'BAD_REQUEST', 'UNAVAILABLE', 'INTERNAL']

const error: KindCodec<RpcErrorMessage> = {
  required: ['c', 'm'],
  toWire: (m) => ({ c: m.code, m: m.message }),
  fromWire: (o, c) => ({ code: c.str(o.c, 'code') as RpcErrorCode, message: c.str(o.m, 'message') }),
  validate: (m, c) => {
    if (!RPC_ERROR_CODES.includes(m.code)) c.fail('BAD_FIELD', 'code', `unknown error code "${String(m.code)}"`)
    if (typeof m.message !== 'string' || utf8.encode(m.message).length > MAX_ERROR_MESSAGE_BYTES) {
      c.fail('BAD_FIELD', 'message', `expected a string of at most ${MAX_ERROR_MESSAGE_BYTES} UTF-8 bytes`)
    }
  },
}

export const CODECS: { readonly [K in MessageKind]: KindCodec<MessageMap[K]> } = {
  identity, gradient, ranking, status, query, 'query-response': queryResponse,
  'checkpoint-request': checkpointRequest, 'checkpoint-chunk': checkpointChunk, 'gradient-request': gradientRequest, error,
}
