/**
 * Unit tests of the mesh's pure parts: rate limiter, bounded validation queue, verdict mapping,
 * application score with bans, varint framing and checkpoint assembly. Time is injected; nothing here
 * touches the network.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { WireError } from '@tensormesh/wire'
import { RateLimiter } from '../src/rateLimiter.ts'
import { DROPPED, GossipQueue } from '../src/gossip/queue.ts'
import { GossipValidationError, VerdictCounter, verdictFor, wrapValidator } from '../src/gossip/validator.ts'
import { PeerScoreBook, PENALTIES } from '../src/score.ts'
import { encodeVarint } from '../src/reqresp/frame.ts'
import { CheckpointAssembler, makeCheckpoint, sha256 } from '../src/checkpoint.ts'
import { MeshError, meshErrorFromJSON } from '../src/errors.ts'
import { StaticHotkeyRegistry, CachedHotkeyRegistry } from '../src/registry.ts'
import type { Message } from '@libp2p/gossipsub'

describe('RateLimiter', () => {
  test('allows the burst, refuses beyond it, refills with time', () => {
    let now = 0
    const r = new RateLimiter({ quota: 3, windowMs: 3000 }, () => now)
    assert.deepEqual([r.allows('a'), r.allows('a'), r.allows('a'), r.allows('a')], [true, true, true, false])
    assert.equal(r.allows('b'), true, 'keys are independent')
    now = 1000
    assert.equal(r.allows('a'), true, 'one token back after a third of the window')
    assert.equal(r.allows('a'), false)
  })
  test('prune forgets full buckets only', () => {
    let now = 0
    const r = new RateLimiter({ quota: 2, windowMs: 1000 }, () => now)
    r.allows('a'); r.allows('b'); r.allows('b')
    now = 600
    r.prune()
    assert.equal(r.size, 1, 'a is full again, b is not')
  })
})

describe('GossipQueue', () => {
  const gate = (): { p: Promise<void>, open: () => void } => {
    let open!: () => void
    const p = new Promise<void>((resolve) => { open = resolve })
    return { p, open }
  }
  test('drop-oldest keeps the newest jobs and resolves dropped ones with DROPPED', async () => {
    const q = new GossipQueue<string>({ maxLength: 2, order: 'lifo', dropRule: 'drop-oldest', concurrency: 1 })
    const g = gate()
    const running = q.push(async () => { await g.p; return 'first' })
    const a = q.push(async () => 'a')
    const b = q.push(async () => 'b')
    const c = q.push(async () => 'c')
    assert.equal(await a, DROPPED)
    assert.equal(q.dropped, 1)
    const order: string[] = []
    void b.then((v) => order.push(v as string))
    void c.then((v) => order.push(v as string))
    g.open()
    assert.equal(await running, 'first')
    await Promise.all([b, c])
    assert.deepEqual(order, ['c', 'b'], 'LIFO serves the newest first')
  })
  test('drop-newest refuses the arriving job', async () => {
    const q = new GossipQueue<number>({ maxLength: 1, order: 'fifo', dropRule: 'drop-newest', concurrency: 1 })
    const g = gate()
    const first = q.push(async () => { await g.p; return 1 })
    const kept = q.push(async () => 2)
    assert.equal(await q.push(async () => 3), DROPPED)
    g.open()
    assert.deepEqual([await first, await kept], [1, 2])
  })
  test('a failing job rejects only its own promise', async () => {
    const q = new GossipQueue<number>({ maxLength: 4, order: 'fifo', dropRule: 'drop-newest', concurrency: 1 })
    await assert.rejects(q.push(async () => { throw new Error('boom') }), /boom/)
    assert.equal(await q.push(async () => 7), 7)
  })
})

describe('verdicts', () => {
  test('one mapping: mesh errors keep their action, wire errors reject, anything else is ignored', () => {
    assert.deepEqual(verdictFor(new GossipValidationError('ignore', 'UNBOUND_PEER')), { action: 'ignore', code: 'UNBOUND_PEER' })
    assert.deepEqual(verdictFor(new GossipValidationError('reject', 'RATE_LIMITED')), { action: 'reject', code: 'RATE_LIMITED' })
    assert.deepEqual(verdictFor(new WireError('NON_FINITE', 'nan')), { action: 'reject', code: 'NON_FINITE' })
    assert.deepEqual(verdictFor(new TypeError('bug')), { action: 'ignore', code: 'INTERNAL_ERROR' })
  })

  test('the wrapper turns throws into gossipsub results, counts them and charges rejections', async () => {
    const key = await generateKeyPair('Ed25519')
    const from = peerIdFromPrivateKey(key)
    const counter = new VerdictCounter()
    const charged: string[] = []
    const { fn } = wrapValidator(async (input) => {
      if (input.data[0] === 1) throw new WireError('MALFORMED', 'bad')
      if (input.data[0] === 2) throw new GossipValidationError('ignore', 'UNBOUND_PEER')
    }, { kind: 'gradient', queue: { maxLength: 8, order: 'fifo', dropRule: 'drop-newest', concurrency: 2 }, counter, onReject: (p, code) => { charged.push(`${p}:${code}`) } })
    const msg = (b: number): Message => ({ type: 'signed', from, topic: 't', data: Uint8Array.of(b), sequenceNumber: 1n, signature: new Uint8Array(64), key: key.publicKey })
    assert.equal(await fn(from, msg(0)), TopicValidatorResult.Accept)
    assert.equal(await fn(from, msg(1)), TopicValidatorResult.Reject)
    assert.equal(await fn(from, msg(2)), TopicValidatorResult.Ignore)
    assert.equal(await fn(from, { type: 'unsigned', topic: 't', data: Uint8Array.of(0) }), TopicValidatorResult.Reject)
    assert.deepEqual(counter.toJSON(), { 'gradient:accept:OK': 1, 'gradient:reject:MALFORMED': 1, 'gradient:ignore:UNBOUND_PEER': 1, 'gradient:reject:UNSIGNED': 1 })
    assert.deepEqual(charged, [`${from.toString()}:MALFORMED`, `${from.toString()}:UNSIGNED`])
  })
})

describe('PeerScoreBook', () => {
  test('penalties add up, decay with the half-life, and ban at the threshold', () => {
    let now = 0
    const book = new PeerScoreBook({ halfLifeMs: 1000, banThreshold: -50, banDurationMs: 5000, now: () => now })
    for (let i = 0; i < 4; i++) assert.equal(book.penalize('p', 'invalid-gossip').banned, false)
    assert.equal(book.score('p'), 4 * PENALTIES['invalid-gossip'])
    assert.equal(book.penalize('p', 'invalid-gossip').banned, true)
    assert.equal(book.isBanned('p'), true)
    now = 1000
    assert.equal(book.score('p'), -25, 'half after one half-life')
    now = 5001
    assert.equal(book.isBanned('p'), false, 'bans expire')
    assert.equal(book.score('q'), 0)
  })
  test('custom numeric penalties; positive numbers never raise a score; non-finite refused', () => {
    const book = new PeerScoreBook({ now: () => 0 })
    book.penalize('p', -7)
    book.penalize('p', +100)
    assert.equal(book.score('p'), -7)
    assert.throws(() => book.penalize('p', Number.NaN), RangeError)
    assert.equal(book.penaltyCounts.get('custom'), 2)
  })
})

describe('framing and checkpoints', () => {
  test('unsigned varint lengths', () => {
    assert.deepEqual([...encodeVarint(0)], [0])
    assert.deepEqual([...encodeVarint(300)], [0xac, 0x02])
    assert.deepEqual([...encodeVarint(1_048_576)], [0x80, 0x80, 0x40])
  })

  test('assembler accepts chunks in any order and verifies the whole', () => {
    const bytes = new Uint8Array(2500).map((_, i) => (i * 7) & 0xff)
    const cp = makeCheckpoint(bytes, 1000)
    const chunk = (i: number, data?: Uint8Array): Parameters<CheckpointAssembler['add']>[0] => {
      const d = data ?? bytes.subarray(i * 1000, (i + 1) * 1000)
      return { modelHash: cp.modelHash, chunkIndex: i, chunkCount: 3, totalBytes: 2500, data: d, chunkHash: sha256(d) }
    }
    const asm = new CheckpointAssembler(cp.modelHash)
    asm.add(chunk(0)); asm.add(chunk(2)); asm.add(chunk(1))
    assert.deepEqual(asm.finish(), bytes)

    const bad = new CheckpointAssembler(cp.modelHash)
    bad.add(chunk(0))
    const flipped = bytes.slice(1000, 2000); flipped[3] ^= 1
    assert.throws(() => { bad.add({ ...chunk(1), data: flipped }) }, (e: MeshError) => e.code === 'MESH_CHUNK_HASH_MISMATCH')
    // A chunk that matches its own (forged) hash still fails the whole-checkpoint hash.
    bad.add(chunk(1, flipped)); bad.add(chunk(2))
    assert.throws(() => bad.finish(), (e: MeshError) => e.code === 'MESH_HASH_MISMATCH')
    assert.throws(() => { new CheckpointAssembler(cp.modelHash).add(chunk(1)) }, (e: MeshError) => e.code === 'MESH_BAD_RESPONSE')
  })
})

describe('errors and registry', () => {
  test('MeshError survives a trip through JSON (worker boundary)', () => {
    const e = meshErrorFromJSON(JSON.parse(JSON.stringify(new MeshError('MESH_OVERSIZE', 'too big', { bytes: 5 }))))
    assert.ok(e instanceof MeshError)
    assert.equal(e.code, 'MESH_OVERSIZE')
    assert.equal(e.data.bytes, 5)
  })
  test('static registry answers per subnet; the cache keeps answers', async () => {
    const k = new Uint8Array(32).fill(1)
    const inner = new StaticHotkeyRegistry({ 1: [k] })
    let calls = 0
    const cached = new CachedHotkeyRegistry({ isRegistered: (n, h) => { calls++; return inner.isRegistered(n, h) } })
    assert.equal(await cached.isRegistered(1, k), true)
    assert.equal(await cached.isRegistered(1, k), true)
    assert.equal(await cached.isRegistered(2, k), false)
    assert.equal(calls, 2)
  })
})
