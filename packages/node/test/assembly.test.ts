import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeUpdate, encodeUpdate } from '@tensormesh/learn'
import { decodeGradient, encodeGradient, MAX_GOSSIP_MESSAGE_BYTES, type GradientMessage } from '@tensormesh/wire'
import { addChunk, assemble, gradientMessages, isComplete, type ChunkSet } from '../src/assembly.ts'

function dense (n: number, seed: number): Float32Array {
  const out = new Float32Array(n)
  let x = seed >>> 0
  for (let i = 0; i < n; i++) { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; out[i] = (x / 2 ** 32 - 0.5) * 0.01 }
  return out
}

const header = { netuid: 1, round: 7, baseModel: new Uint8Array(32).fill(3), assignmentSeed: 11, sampleCount: 64, hotkey: new Uint8Array(32).fill(9) }
/** Through the real wire codec, as a receiver gets it. */
const viaWire = (m: GradientMessage): GradientMessage => decodeGradient(encodeGradient(m))
const hashOf = (m: GradientMessage): string => Buffer.from(encodeGradient(m)).toString('base64')

function receive (msgs: GradientMessage[], at = 1000): ChunkSet {
  let set: ChunkSet | undefined
  msgs.forEach((m, k) => { set = addChunk(set, { message: viaWire(m), hash: hashOf(m), arrivalMs: at + k }).set })
  return set!
}

describe('gradients split across gossip messages', () => {
  for (const bits of [8, 2] as const) {
    test(`a ${bits}-bit update larger than one message goes as chunks and reassembles exactly, in any order`, () => {
      const enc = encodeUpdate(dense(60_000, bits), { chunkSize: 256, topK: 64, bits })
      const msgs = gradientMessages(header, enc, 8 * 1024)
      assert.ok(msgs.length > 2, `split into ${msgs.length} chunks`)
      for (const [i, m] of msgs.entries()) {
        assert.equal(m.chunk!.index, i)
        assert.equal(m.chunk!.count, msgs.length)
        assert.equal(m.chunk!.total, 60_000)
        assert.ok(encodeGradient(m).byteLength <= 8 * 1024 + 512, 'each message within the limit plus the header reserve')
      }
      const shuffled = [...msgs].reverse()
      const set = receive(shuffled.slice(0, -1))
      assert.equal(isComplete(set), false)
      assert.deepEqual(assemble(set), { malformed: `incomplete: ${msgs.length - 1} of ${msgs.length} chunks by the deadline` })
      const last = shuffled.at(-1)!
      assert.equal(addChunk(set, { message: viaWire(last), hash: hashOf(last), arrivalMs: 5000 }).outcome, 'added')
      assert.ok(isComplete(set))
      assert.equal(set.lastArrivalMs, 5000)
      const a = assemble(set)
      assert.ok('update' in a)
      assert.deepEqual(a.update, decodeUpdate(enc))
    })
  }

  test('an update that fits is one message without a chunk field (the default limit holds a large update whole)', () => {
    const enc = encodeUpdate(dense(60_000, 1), { chunkSize: 256, topK: 64, bits: 8 })
    const msgs = gradientMessages(header, enc, MAX_GOSSIP_MESSAGE_BYTES - 512)
    assert.equal(msgs.length, 1)
    assert.equal(msgs[0].chunk, undefined)
    const a = assemble(receive(msgs))
    assert.ok('update' in a)
    assert.deepEqual(a.update, decodeUpdate(enc))
  })

  test('a duplicate is ignored; a different message for a filled slot, a disagreeing header or an overlap conflicts', () => {
    const enc = encodeUpdate(dense(20_000, 5), { chunkSize: 256, topK: 64, bits: 8 })
    const msgs = gradientMessages(header, enc, 4 * 1024)
    assert.ok(msgs.length >= 3)
    const first = receive([msgs[0]])
    assert.equal(addChunk(first, { message: viaWire(msgs[0]), hash: hashOf(msgs[0]), arrivalMs: 2000 }).outcome, 'duplicate')
    assert.equal(first.lastArrivalMs, 1000, 'a duplicate changes nothing')

    const other = gradientMessages(header, encodeUpdate(dense(20_000, 6), { chunkSize: 256, topK: 64, bits: 8 }), 4 * 1024)[0]
    const equivocated = receive([msgs[0], other])
    assert.match(equivocated.conflict!, /two different messages for chunk 0/)
    for (const m of msgs.slice(1)) addChunk(equivocated, { message: m, hash: hashOf(m), arrivalMs: 3000 })
    assert.equal(isComplete(equivocated), false, 'a conflicting set never completes')
    assert.deepEqual(assemble(equivocated), { malformed: equivocated.conflict })

    const wrongBase = { ...msgs[1], baseModel: new Uint8Array(32).fill(4) }
    assert.match(receive([msgs[0], wrongBase]).conflict!, /disagree/)
    const wrongRound = { ...msgs[1], round: 8 }
    assert.match(receive([msgs[0], wrongRound]).conflict!, /disagree/)

    const overlapping = { ...msgs[1], chunk: { ...msgs[1].chunk!, index: 2, offset: msgs[1].chunk!.offset } }
    assert.match(receive([msgs[1], overlapping]).conflict!, /overlap/)
  })
})
