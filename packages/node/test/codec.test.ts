import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { decodeUpdate, encodeUpdate } from '@tensormesh/learn'
import { decodeGradient, encodeGradient } from '@tensormesh/wire'
import { fromWireTensor, toWireTensor } from '../src/peer.ts'

describe('gradient codec across learn and wire', () => {
  for (const bits of [2, 8] as const) {
    test(`${bits}-bit: learn-encode -> wire bytes -> learn-decode gives the update learn encoded`, () => {
      let s = 12345 + bits
      const rnd = (): number => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31 - 0.5 }
      const dense = Float32Array.from({ length: 1000 }, rnd)
      const enc = encodeUpdate(dense, { chunkSize: 128, topK: 16, bits })
      assert.equal(enc.bits, bits)
      const bytes = encodeGradient({ netuid: 1, round: 3, baseModel: new Uint8Array(32), assignmentSeed: 1, sampleCount: 8, hotkey: new Uint8Array(32).fill(7), tensor: toWireTensor(enc) })
      const back = fromWireTensor(decodeGradient(bytes).tensor)
      const want = decodeUpdate(enc)
      assert.deepEqual(back, want)
      // Not all zero, and the signs of kept entries survive (2-bit codes −2..1 included).
      assert.ok(want.some((v) => v < 0) && want.some((v) => v > 0))
    })
  }

  test('the normative gradient-topk2-chunked vector decodes through wire and the peer to the values the spec states', () => {
    const vectors = JSON.parse(readFileSync(new URL('../../../protocols/vectors/gradient.json', import.meta.url), 'utf8')) as { valid: Array<{ name: string, hex: string }> }
    const v = vectors.valid.find((x) => x.name === 'gradient-topk2-chunked')!
    const d = fromWireTensor(decodeGradient(Uint8Array.from(Buffer.from(v.hex, 'hex'))).tensor)
    // codes [1, −1, −2, 0, 1] at 0, 2, 3, 7, 9 of the part; scales [0.25, 0, 1.5] per block of 4
    const want = new Float32Array(10)
    want[0] = 0.25; want[2] = -0.25; want[3] = -0.5; want[7] = 0; want[9] = 1.5
    assert.deepEqual(d, want)
  })
})
