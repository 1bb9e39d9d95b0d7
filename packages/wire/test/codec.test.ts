import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Keyring } from '@polkadot/keyring'
import {
  decode, decodeAny, decodeGradient, decodeReply, encode, encodeGradient, encodeRpcError, gossipTopic, parseGossipTopic,
  MAX_GOSSIP_MESSAGE_BYTES, MAX_MESSAGE_BYTES, MESSAGE_KINDS, GOSSIP_KINDS, PROTOCOLS, PROTOCOL_KINDS, signIdentity,
  signRanking, verifyIdentity, verifyRanking, wireReady, WireError, isWireError, scanWire, GRADIENT_HEADER_RESERVE,
} from '../src/index.ts'
import type { CompressedTensor, GradientMessage, MessageKind, MessageMap, WireErrorCode } from '../src/index.ts'
import { sampleSigner, samplePeerId, validSamples } from './samples.ts'

const samples = validSamples()
const sample = <K extends MessageKind>(name: string): MessageMap[K] => structuredClone(samples.find((s) => s.name === name)!.message) as MessageMap[K]

function throwsCode(fn: () => unknown, code: WireErrorCode, field?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof WireError, `expected WireError, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    if (field !== undefined) assert.equal(e.field, field, e.message)
    return true
  })
}

describe('round trip', () => {
  for (const s of samples) {
    test(`${s.name} (${s.kind})`, () => {
      const bytes = encode(s.kind, s.message)
      assert.ok(bytes.byteLength <= MAX_MESSAGE_BYTES[s.kind])
      assert.deepStrictEqual(decode(s.kind, bytes), s.message)
      assert.deepStrictEqual(decodeAny(bytes), { kind: s.kind, message: s.message })
    })
  }

  test('decoded typed arrays are aligned, own their buffer, and do not alias the input', () => {
    const g = sample<'gradient'>('gradient-topk8')
    const enc = encodeGradient(g)
    // the input at an odd offset inside a larger Buffer, as a network stack may hand it over
    const big = Buffer.alloc(enc.byteLength + 3)
    big.set(enc, 3)
    const d = decodeGradient(big.subarray(3))
    const t = d.tensor
    assert.equal(t.format, 'topk')
    if (t.format !== 'topk') return
    for (const a of [t.indices, t.scales]) {
      assert.equal(a.byteOffset % a.BYTES_PER_ELEMENT, 0)
      assert.equal(a.buffer.byteLength, a.byteLength)
    }
    assert.equal(Object.getPrototypeOf(d.hotkey), Uint8Array.prototype)
    big.fill(0)
    assert.deepStrictEqual(d, g)
  })

  test('a 1M-parameter dense gradient split into chunks below the gossip limit round trips', () => {
    const total = 1 << 20
    const per = Math.floor((MAX_GOSSIP_MESSAGE_BYTES - GRADIENT_HEADER_RESERVE) / 4)
    const count = Math.ceil(total / per)
    const base = sample<'gradient'>('gradient-dense')
    for (let index = 0; index < count; index++) {
      const offset = index * per
      const length = Math.min(per, total - offset)
      const values = Float32Array.from({ length }, (_, i) => Math.sin(offset + i))
      const m: GradientMessage = { ...base, chunk: { index, count, offset, total }, tensor: { format: 'dense', length, values } }
      const bytes = encodeGradient(m)
      assert.ok(bytes.byteLength <= MAX_GOSSIP_MESSAGE_BYTES)
      assert.deepStrictEqual(decodeGradient(bytes), m)
    }
  })
})

describe('encoded bytes own their buffer', () => {
  test('large (direct-packed) and small encodings never overwrite each other, and survive a transfer', () => {
    const big = (seed: number): MessageMap['query'] => ({
      netuid: 1, round: 2, queryId: seed, inputs: { dtype: 'f32', shape: [100_000], data: Float32Array.from({ length: 100_000 }, (_, i) => i * seed) },
    })
    const a = encode('query', big(1))
    const aCopy = Uint8Array.from(a)
    const small = encode('status', sample<'status'>('status'))
    const smallCopy = Uint8Array.from(small)
    assert.equal(a.byteOffset, 0)
    // detach a's buffer, as postMessage(…, [a.buffer]) does; later encodes must not touch it
    structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] })
    assert.equal(a.byteLength, 0)
    const b = encode('query', big(2))
    const c = encode('status', sample<'status'>('status'))
    const d = encode('query', big(3))
    assert.deepStrictEqual(decode('query', aCopy), big(1))
    assert.deepStrictEqual(decode('query', b), big(2))
    assert.deepStrictEqual(decode('query', d), big(3))
    assert.deepStrictEqual(small, smallCopy)
    assert.deepStrictEqual(c, smallCopy)
    assert.notEqual(b.buffer, d.buffer)
    // the buffer behind a large encoding holds the message and zeros, never leftover memory
    const whole = new Uint8Array(b.buffer)
    assert.ok(whole.subarray(0, b.byteOffset).every((x) => x === 0))
    assert.ok(whole.subarray(b.byteOffset + b.byteLength).every((x) => x === 0))
  })
})

describe('encode refuses invalid messages', () => {
  test('non-finite, inconsistent and out-of-range fields', () => {
    const dense = sample<'gradient'>('gradient-dense')
    if (dense.tensor.format === 'dense') dense.tensor.values[2] = NaN
    throwsCode(() => encodeGradient(dense), 'NON_FINITE', 'tensor.values')
    const g = sample<'gradient'>('gradient-topk8')
    throwsCode(() => encodeGradient({ ...g, round: -1 }), 'BAD_FIELD', 'round')
    throwsCode(() => encodeGradient({ ...g, round: 1.5 }), 'BAD_FIELD', 'round')
    throwsCode(() => encodeGradient({ ...g, sampleCount: 0 }), 'BAD_FIELD', 'sampleCount')
    throwsCode(() => encodeGradient({ ...g, baseModel: new Uint8Array(31) }), 'BAD_FIELD', 'baseModel')
    throwsCode(() => encodeGradient({ ...g, chunk: { index: 2, count: 2, offset: 0, total: 16 } }), 'BAD_FIELD', 'chunk.index')
    throwsCode(() => encodeGradient({ ...g, chunk: { index: 0, count: 2, offset: 8, total: 16 } }), 'BAD_FIELD', 'chunk.offset')
    if (g.tensor.format !== 'topk') throw new Error('sample changed')
    throwsCode(() => encodeGradient({ ...g, tensor: { ...g.tensor, indices: Uint32Array.of(1, 1, 9, 15) } as CompressedTensor }), 'BAD_FIELD', 'tensor.indices')
    throwsCode(() => encodeGradient({ ...g, tensor: { ...g.tensor, scales: Float32Array.of(1) } as CompressedTensor }), 'BAD_FIELD', 'tensor.scales')
    throwsCode(() => encodeGradient({ ...g, tensor: { ...g.tensor, scales: Float32Array.of(1, -1) } as CompressedTensor }), 'BAD_FIELD', 'tensor.scales')
    throwsCode(() => encodeGradient({ ...g, tensor: { ...g.tensor, values: Uint8Array.of(1, 2, 3, 4) } as unknown as CompressedTensor }), 'BAD_FIELD', 'tensor.values')
    // 2-bit: 5 codes need 2 bytes; the unused high bits of the last byte must be zero
    const two = sample<'gradient'>('gradient-topk2-chunked')
    if (two.tensor.format !== 'topk') throw new Error('sample changed')
    const bad = Uint8Array.from(two.tensor.values)
    bad[1] |= 0b100
    throwsCode(() => encodeGradient({ ...two, tensor: { ...two.tensor, values: bad } as CompressedTensor }), 'BAD_FIELD', 'tensor.values')
  })

  test('index order is checked as unsigned across 2^31', () => {
    const g = sample<'gradient'>('gradient-topk8')
    const top = 0xffffffff
    const tensor = (indices: Uint32Array): CompressedTensor => ({
      format: 'topk', length: top, chunkSize: top, bits: 8, indices, values: new Int8Array(indices.length), scales: Float32Array.of(1),
    })
    const ok = { ...g, tensor: tensor(Uint32Array.of(0, 2 ** 31 - 1, 2 ** 31, top - 1)) }
    assert.deepStrictEqual(decodeGradient(encodeGradient(ok)), ok)
    throwsCode(() => encodeGradient({ ...g, tensor: tensor(Uint32Array.of(2 ** 31, 2 ** 31 - 1)) }), 'BAD_FIELD', 'tensor.indices')
    throwsCode(() => encodeGradient({ ...g, tensor: tensor(Uint32Array.of(5, top - 1, 0)) }), 'BAD_FIELD', 'tensor.indices')
    throwsCode(() => encodeGradient({ ...g, tensor: tensor(Uint32Array.of(top)) }), 'BAD_FIELD', 'tensor.indices')
  })

  test('a tensor too big for the gossip limit is OVERSIZE on encode', () => {
    const g = sample<'gradient'>('gradient-dense')
    const length = MAX_GOSSIP_MESSAGE_BYTES / 4
    throwsCode(() => encodeGradient({ ...g, tensor: { format: 'dense', length, values: new Float32Array(length) } }), 'OVERSIZE')
  })

  test('status roles and error codes are checked', () => {
    const s = sample<'status'>('status')
    throwsCode(() => encode('status', { ...s, roles: ['validator', 'miner'] }), 'BAD_FIELD', 'roles[1]')
    throwsCode(() => encode('status', { ...s, softwareVersion: 'x'.repeat(65) }), 'BAD_FIELD', 'softwareVersion')
    throwsCode(() => encode('error', { code: 'NOPE' as 'INTERNAL', message: '' }), 'BAD_FIELD', 'code')
  })
})

describe('decode', () => {
  test('size is checked before parsing, per kind', () => {
    for (const kind of MESSAGE_KINDS) {
      throwsCode(() => decode(kind, new Uint8Array(MAX_MESSAGE_BYTES[kind] + 1)), 'OVERSIZE')
    }
    throwsCode(() => decode('identity', encode('query', sample<'query'>('query'))), 'BAD_KIND')
  })

  test('non-Uint8Array input and empty input', () => {
    throwsCode(() => decode('gradient', 'abc' as unknown as Uint8Array), 'MALFORMED')
    throwsCode(() => decode('gradient', new Uint8Array(0)), 'MALFORMED')
  })

  test('headers claiming huge lengths in a tiny buffer are refused without allocating', () => {
    const huge = [
      [0xdd, 0xff, 0xff, 0xff, 0xff], // array32 of 4G items
      [0xdf, 0xff, 0xff, 0xff, 0xff], // map32
      [0xdb, 0xff, 0xff, 0xff, 0xff], // str32
      [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32
      [0x81, 0xa1, 0x74, 0xdc, 0xff, 0xff], // map with array16 of 65535 items
      [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01], // ext32
    ]
    for (const h of huge) throwsCode(() => scanWire(Uint8Array.from(h)), 'MALFORMED')
    // deep nesting is refused (msgpackr itself would recurse once per level)
    throwsCode(() => decode('gradient', new Uint8Array(100_000).fill(0x91)), 'MALFORMED')
  })

  test('envelope: version, kind, top-level type', () => {
    throwsCode(() => decode('gradient', Uint8Array.of(0x92, 0x01, 0x02)), 'MALFORMED')
    throwsCode(() => decode('gradient', Uint8Array.of(0x81, 0xa1, 0x6b, 0xa1, 0x78)), 'MALFORMED', 'v')
    throwsCode(() => decode('gradient', Uint8Array.of(0x82, 0xa1, 0x76, 0x02, 0xa1, 0x6b, 0xa1, 0x78)), 'BAD_VERSION', 'v')
    throwsCode(() => decode('gradient', Uint8Array.of(0x82, 0xa1, 0x76, 0x01, 0xa1, 0x6b, 0xa1, 0x78)), 'BAD_KIND', 'k')
    // duplicate key "v"
    throwsCode(() => decode('gradient', Uint8Array.of(0x82, 0xa1, 0x76, 0x01, 0xa1, 0x76, 0x01)), 'MALFORMED')
  })

  test('decodeReply gives the response or the error message', () => {
    const ok = decodeReply('checkpoint-chunk', encode('checkpoint-chunk', sample<'checkpoint-chunk'>('checkpoint-chunk')))
    assert.equal(ok.ok, true)
    const err = decodeReply('checkpoint-chunk', encodeRpcError({ code: 'RATE_LIMITED', message: 'slow down' }))
    assert.deepStrictEqual(err, { ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } })
    throwsCode(() => decodeReply('checkpoint-chunk', encode('status', sample<'status'>('status'))), 'BAD_KIND')
    throwsCode(() => decodeAny(encode('status', sample<'status'>('status')), ['gradient']), 'BAD_KIND')
  })

  test('WireError crosses a structured-clone boundary and is recognisable', () => {
    const e = new WireError('NON_FINITE', 'x', { kind: 'gradient', field: 'tensor.values' })
    const back = WireError.fromJSON(structuredClone(e.toJSON()))
    assert.deepStrictEqual(back.toJSON(), e.toJSON())
    assert.ok(isWireError(back, 'NON_FINITE'))
    assert.ok(!isWireError(new Error('x')))
  })
})

describe('signatures', () => {
  test('identity: sign, verify, forged fields, wrong peer, stale', () => {
    const hk = sampleSigner(0)
    const peerId = samplePeerId('p')
    const now = 1_800_000_000_000
    const id = signIdentity(hk, { netuid: 2, peerId, issuedAt: now - 1000 })
    verifyIdentity(id, { peerId, now })
    throwsCode(() => verifyIdentity({ ...id, netuid: 3 }), 'BAD_SIGNATURE')
    throwsCode(() => verifyIdentity({ ...id, issuedAt: id.issuedAt + 1 }), 'BAD_SIGNATURE')
    throwsCode(() => verifyIdentity({ ...id, hotkey: sampleSigner(1).publicKey }), 'BAD_SIGNATURE')
    throwsCode(() => verifyIdentity({ ...id, hotkey: new Uint8Array(32).fill(0xff) }), 'BAD_SIGNATURE') // not a curve point
    throwsCode(() => verifyIdentity(id, { peerId: samplePeerId('q') }), 'PEER_MISMATCH')
    throwsCode(() => verifyIdentity(id, { now: now + 25 * 3600_000 }), 'STALE')
    throwsCode(() => verifyIdentity(id, { now: now - 3600_000 }), 'STALE')
  })

  test('ranking: sign, verify, tampering with any signed field fails', () => {
    const r = signRanking(sampleSigner(1), { netuid: 1, epoch: 9, uids: Uint16Array.of(1, 2), weights: Uint16Array.of(5, 6), versionKey: 3 })
    verifyRanking(r)
    verifyRanking(decode('ranking', encode('ranking', r)))
    const tampered = [
      { ...r, netuid: 2 }, { ...r, epoch: 10 }, { ...r, versionKey: 4 },
      { ...r, uids: Uint16Array.of(1, 3) }, { ...r, weights: Uint16Array.of(6, 5) },
    ]
    for (const t of tampered) throwsCode(() => verifyRanking(t), 'BAD_SIGNATURE')
  })

  test('a @polkadot/keyring sr25519 pair signs; an ed25519 pair is refused', async () => {
    await wireReady()
    const keyring = new Keyring({ type: 'sr25519' })
    const alice = keyring.addFromUri('//Alice')
    const r = signRanking(alice, { netuid: 1, epoch: 1, uids: Uint16Array.of(0), weights: Uint16Array.of(1), versionKey: 0 })
    verifyRanking(decode('ranking', encode('ranking', r)))
    const ed = new Keyring({ type: 'ed25519' }).addFromUri('//Alice')
    throwsCode(() => signIdentity(ed, { netuid: 1, peerId: samplePeerId('x'), issuedAt: 1 }), 'BAD_SIGNATURE')
  })
})

describe('topics and protocols', () => {
  test('gossip topics are per subnet and parse back', () => {
    assert.equal(gossipTopic(1, 'gradient'), '/tensormesh/1/gradient/1')
    for (const kind of GOSSIP_KINDS) assert.deepStrictEqual(parseGossipTopic(gossipTopic(65535, kind)), { netuid: 65535, kind, version: 1 })
    assert.equal(parseGossipTopic('/tensormesh/1/query/1'), undefined)
    assert.equal(parseGossipTopic('/tensormesh/65536/gradient/1'), undefined)
    assert.equal(parseGossipTopic('/tensormesh/01/gradient/1'), undefined)
    assert.throws(() => gossipTopic(70000, 'gradient'), RangeError)
  })

  test('every gossip kind fits the gossip limit; every protocol names known kinds', () => {
    for (const kind of GOSSIP_KINDS) assert.ok(MAX_MESSAGE_BYTES[kind] <= MAX_GOSSIP_MESSAGE_BYTES)
    assert.ok(MAX_GOSSIP_MESSAGE_BYTES < 4 * 1024 * 1024)
    for (const [name, id] of Object.entries(PROTOCOLS)) {
      assert.match(id, /^\/tensormesh\/req\/[a-z]+\/1$/)
      const k = PROTOCOL_KINDS[name as keyof typeof PROTOCOLS]
      assert.ok(MESSAGE_KINDS.includes(k.request) && MESSAGE_KINDS.includes(k.response))
    }
  })
})
