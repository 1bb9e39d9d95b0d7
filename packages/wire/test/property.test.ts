// Property tests: for arbitrary valid messages of every kind, decode(encode(x)) deep-equals x, and encoding is
// deterministic (same message, same bytes).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decode, encode, makeCheckpointChunk } from '../src/index.ts'
import type { CompressedTensor, MessageKind, MessageMap, Tensor, TopKTensor } from '../src/index.ts'
import { pack2bit } from './samples.ts'

const RUNS = Number(process.env.WIRE_PROPERTY_RUNS ?? 100)
const u16 = fc.integer({ min: 0, max: 0xffff })
const u32 = fc.integer({ min: 0, max: 0xffffffff })
const u53 = fc.maxSafeNat()
const b32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
const f32 = fc.float({ noNaN: true, noDefaultInfinity: true })
const f32s = (min: number, max: number) => fc.array(f32, { minLength: min, maxLength: max }).map((a) => Float32Array.from(a))

const topk: fc.Arbitrary<TopKTensor> = fc
  .record({ length: fc.integer({ min: 1, max: 3000 }), chunkSize: fc.integer({ min: 1, max: 4000 }), bits: fc.constantFrom(8 as const, 2 as const) })
  .chain(({ length, chunkSize, bits }) =>
    fc.uniqueArray(fc.integer({ min: 0, max: length - 1 }), { maxLength: Math.min(length, 300) }).chain((idx) => {
      const indices = Uint32Array.from(idx.sort((a, b) => a - b))
      const k = indices.length
      const blocks = Math.ceil(length / chunkSize)
      const values: fc.Arbitrary<Int8Array | Uint8Array> = bits === 8
        ? fc.array(fc.integer({ min: -128, max: 127 }), { minLength: k, maxLength: k }).map((a) => Int8Array.from(a))
        : fc.array(fc.integer({ min: -2, max: 1 }), { minLength: k, maxLength: k }).map(pack2bit)
      const scales = fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: 0 }), { minLength: blocks, maxLength: blocks })
        .map((a) => Float32Array.from(a))
      return fc.record({ values, scales }).map(({ values, scales }) => ({ format: 'topk' as const, length, chunkSize, bits, indices, values, scales }))
    }),
  )

const dense: fc.Arbitrary<CompressedTensor> = f32s(1, 2000).map((values) => ({ format: 'dense', length: values.length, values }))

const gradient: fc.Arbitrary<MessageMap['gradient']> = fc
  .record({
    netuid: u16, round: u32, baseModel: b32, assignmentSeed: u53, sampleCount: fc.integer({ min: 1, max: 0xffffffff }),
    hotkey: b32, tensor: fc.oneof(topk, dense), chunked: fc.boolean(), extra: fc.nat(1000), before: fc.nat(1000), cc: fc.integer({ min: 1, max: 65536 }),
  })
  .chain((r) => fc.integer({ min: 0, max: r.cc - 1 }).map((index) => {
    const { chunked, extra, before, cc, ...m } = r
    return chunked ? { ...m, chunk: { index, count: cc, offset: before, total: before + m.tensor.length + extra } } : m
  }))

const tensor: fc.Arbitrary<Tensor> = fc
  .record({ shape: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }), dtype: fc.constantFrom('f32', 'i32', 'u32', 'i16', 'u16', 'i8', 'u8') })
  .chain(({ shape, dtype }) => {
    const n = shape.reduce((a, b) => a * b, 1)
    const ints = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n })
    const data: Record<string, fc.Arbitrary<ArrayLike<number>>> = {
      f32: f32s(n, n), i32: ints(-(2 ** 31), 2 ** 31 - 1).map((a) => Int32Array.from(a)), u32: ints(0, 2 ** 32 - 1).map((a) => Uint32Array.from(a)),
      i16: ints(-32768, 32767).map((a) => Int16Array.from(a)), u16: ints(0, 65535).map((a) => Uint16Array.from(a)),
      i8: ints(-128, 127).map((a) => Int8Array.from(a)), u8: ints(0, 255).map((a) => Uint8Array.from(a)),
    }
    return data[dtype].map((d) => ({ dtype, shape, data: d }) as Tensor)
  })

const ranking: fc.Arbitrary<MessageMap['ranking']> = fc
  .uniqueArray(u16, { maxLength: 300 })
  .chain((uids) => fc.record({
    netuid: u16, epoch: u32, hotkey: b32, versionKey: u53, signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    uids: fc.constant(Uint16Array.from(uids.sort((a, b) => a - b))),
    weights: fc.array(u16, { minLength: uids.length, maxLength: uids.length }).map((a) => Uint16Array.from(a)),
  }))

const ARBS: { [K in MessageKind]: fc.Arbitrary<MessageMap[K]> } = {
  identity: fc.record({
    netuid: u16, hotkey: b32, peerId: fc.uint8Array({ minLength: 1, maxLength: 128 }), issuedAt: u53,
    signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  }),
  gradient,
  ranking,
  status: fc.record({
    netuid: u16, round: u32, modelHash: b32, hotkey: b32,
    roles: fc.constantFrom<MessageMap['status']['roles']>([], ['miner'], ['validator'], ['miner', 'validator']),
    softwareVersion: fc.string({ maxLength: 20 }),
  }),
  query: fc.record({ netuid: u16, round: u32, queryId: u32, inputs: tensor }),
  'query-response': fc.record({ queryId: u32, predictions: tensor }),
  'checkpoint-request': fc.record({ modelHash: b32, chunkIndex: fc.integer({ min: 0, max: 65535 }) }),
  'checkpoint-chunk': fc
    .record({ modelHash: b32, chunkCount: fc.integer({ min: 1, max: 65536 }), data: fc.uint8Array({ minLength: 1, maxLength: 3000 }), extra: fc.nat(1 << 20) })
    .chain(({ chunkCount, extra, ...r }) => fc.integer({ min: 0, max: chunkCount - 1 }).map((chunkIndex) =>
      makeCheckpointChunk({ ...r, chunkCount, chunkIndex, totalBytes: Math.min(chunkCount * (1 << 20), r.data.length + extra) }))),
  'gradient-request': fc.record({ hash: b32 }),
  error: fc.record({
    code: fc.constantFrom('NOT_FOUND', 'RATE_LIMITED', 'BAD_REQUEST', 'UNAVAILABLE', 'INTERNAL'),
    message: fc.string({ maxLength: 60 }),
  }),
}

describe('decode(encode(x)) deep-equals x', () => {
  for (const kind of Object.keys(ARBS) as MessageKind[]) {
    test(kind, () => {
      fc.assert(
        fc.property(ARBS[kind] as fc.Arbitrary<MessageMap[typeof kind]>, (generated) => {
          // fast-check builds null-prototype records; decode builds plain objects
          const m = structuredClone(generated)
          const bytes = encode(kind, m)
          assert.deepStrictEqual(decode(kind, bytes), m)
          assert.deepStrictEqual(encode(kind, decode(kind, bytes)), bytes)
        }),
        { numRuns: RUNS },
      )
    })
  }
})
