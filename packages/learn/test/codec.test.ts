import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  encodeUpdate,
  decodeUpdate,
  validateUpdate,
  splitUpdate,
  encodedByteLength,
  compressionRatio,
  ErrorFeedback,
  LearnError,
  type EncodedUpdate,
} from '../src/index.ts'

/** Deterministic pseudo-random vector (xorshift) so failures reproduce. */
function vec(n: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0
    out[i] = (s / 2 ** 32 - 0.5) * 2
  }
  return out
}

/** Brute-force top-k of a chunk: indices sorted by |v| desc then index asc. */
function bruteTopK(v: Float32Array, start: number, end: number, k: number): number[] {
  const idx = Array.from({ length: end - start }, (_, i) => start + i)
  idx.sort((a, b) => Math.abs(v[b]) - Math.abs(v[a]) || a - b)
  return idx.slice(0, k).sort((a, b) => a - b)
}

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs)
const code = (e: unknown): string | undefined => (e instanceof LearnError ? e.code : undefined)

describe('encodeUpdate', () => {
  test('keeps exactly the top-k entries of every chunk, ascending', () => {
    const v = vec(1000, 7)
    const enc = encodeUpdate(v, { chunkSize: 128, topK: 5, bits: 8 })
    const want: number[] = []
    for (let s = 0; s < 1000; s += 128) want.push(...bruteTopK(v, s, Math.min(1000, s + 128), 5))
    assert.deepEqual(Array.from(enc.indices), want)
    assert.equal(enc.scales.length, Math.ceil(1000 / 128))
    validateUpdate(enc, 1000)
  })

  test('ties go to the lower index; a constant chunk does not stall the selection', () => {
    const v = new Float32Array(64).fill(0.5)
    v[10] = -0.5
    const enc = encodeUpdate(v, { chunkSize: 64, topK: 3, bits: 8 })
    assert.deepEqual(Array.from(enc.indices), [0, 1, 2])
  })

  test('int8 reconstruction error of kept values is at most half a step', () => {
    const v = vec(4096, 3)
    const enc = encodeUpdate(v, { chunkSize: 512, topK: 64, bits: 8 })
    const d = decodeUpdate(enc)
    for (const i of enc.indices) {
      const step = enc.scales[Math.floor(i / 512)]
      assert.ok(Math.abs(d[i] - v[i]) <= step / 2 + 1e-7, `index ${i}`)
    }
    const kept = new Set(enc.indices)
    for (let i = 0; i < v.length; i++) if (!kept.has(i)) assert.equal(d[i], 0)
  })

  test('2-bit values: two\'s-complement codes −2..1 times the block\'s mean kept magnitude, rounded to nearest', () => {
    const v = vec(2048, 11)
    const enc = encodeUpdate(v, { chunkSize: 256, topK: 16, bits: 2 })
    assert.ok(enc.values instanceof Uint8Array)
    assert.equal(enc.values.length, Math.ceil(enc.indices.length / 4))
    const d = decodeUpdate(enc)
    for (let b = 0; b < 8; b++) {
      const kept = Array.from(enc.indices).filter((i) => Math.floor(i / 256) === b)
      const meanAbs = kept.reduce((s, i) => s + Math.abs(v[i]), 0) / kept.length
      assert.ok(Math.abs(enc.scales[b] - meanAbs) < 1e-6)
      for (const i of kept) {
        const q = Math.max(-2, Math.min(1, Math.round(v[i] / enc.scales[b])))
        assert.ok(Math.abs(d[i] - q * enc.scales[b]) < 1e-6, `index ${i}`)
      }
    }
  })

  test('2-bit packing: low bits first, the code read as a two\'s-complement integer', () => {
    // one block, all kept: −0.5 → q −1 (code 3), 1 → q 1 (code 1), −2 → q −2 (code 2), 0 → q 0
    const enc = encodeUpdate(f32(-0.5, 1, -2, 0), { chunkSize: 4, topK: 4, bits: 2 })
    assert.equal(enc.scales[0], 0.875)
    assert.deepEqual(Array.from(enc.values), [0b00_10_01_11])
  })

  test('an all-zero update encodes with zero scales and decodes to zeros', () => {
    for (const bits of [2, 8] as const) {
      const d = decodeUpdate(encodeUpdate(new Float32Array(300), { chunkSize: 100, topK: 4, bits }))
      assert.ok(d.every((x) => x === 0))
    }
  })

  test('rejects non-finite input and bad options with coded errors', () => {
    const v = vec(10)
    v[4] = NaN
    assert.throws(() => encodeUpdate(v), (e) => code(e) === 'NON_FINITE')
    assert.throws(() => encodeUpdate(vec(10), { bits: 4 as 8 }), (e) => code(e) === 'BAD_ARGUMENT')
    assert.throws(() => encodeUpdate(vec(10), { chunkSize: 0 }), (e) => code(e) === 'BAD_ARGUMENT')
  })

  test('reports its compression ratio from the bytes it really produces', () => {
    const enc = encodeUpdate(vec(1 << 20, 5), { chunkSize: 4096, topK: 16, bits: 2 })
    const bytes = encodedByteLength(enc)
    assert.equal(bytes, 32 + enc.indices.byteLength + enc.values.byteLength + enc.scales.byteLength)
    assert.equal(compressionRatio(enc), (4 << 20) / bytes)
    assert.ok(compressionRatio(enc) > 200)
  })
})

describe('validateUpdate', () => {
  const good = (): EncodedUpdate => encodeUpdate(vec(1000, 2), { chunkSize: 100, topK: 3, bits: 2 })
  const cases: [string, (e: EncodedUpdate) => unknown][] = [
    ['descending indices', (e) => { e.indices = e.indices.slice().reverse() }],
    ['duplicate index', (e) => { e.indices[1] = e.indices[0] }],
    ['index out of range', (e) => { e.indices[e.indices.length - 1] = 5000 }],
    ['negative scale', (e) => { e.scales[0] = -1 }],
    ['NaN scale', (e) => { e.scales[2] = NaN }],
    ['short values', (e) => { e.values = e.values.slice(1) }],
    ['wrong values type', (e) => { e.values = new Int8Array(e.values.length) }],
    ['plain array indices', (e) => { (e as unknown as { indices: number[] }).indices = Array.from(e.indices) }],
    ['bits 3', (e) => { (e as unknown as { bits: number }).bits = 3 }],
    ['range beyond the total', (e) => { e.offset = 7; e.total = 1000 }],
    ['non-zero padding bits', (e) => { e.values[e.values.length - 1] |= 0xc0 }],
    ['too many scales', (e) => { e.scales = new Float32Array(11) }],
    ['too few scales', (e) => { e.scales = new Float32Array(9) }],
  ]
  for (const [name, breakIt] of cases) {
    test(`rejects ${name}`, () => {
      const e = good()
      breakIt(e)
      assert.throws(() => decodeUpdate(e), (err) => code(err) === 'CODEC_MALFORMED')
    })
  }
  test('rejects an update for a model of another size', () => {
    assert.throws(() => validateUpdate(good(), 999), (err) => code(err) === 'CODEC_MALFORMED')
  })
})

describe('splitUpdate', () => {
  test('every part fits the limit and the parts decode to the whole', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 20 }), fc.constantFrom<2 | 8>(2, 8), fc.integer({ min: 200, max: 2000 }), (n, chunk, k, bits, maxBytes) => {
        const enc = encodeUpdate(vec(n, n + chunk), { chunkSize: chunk, topK: k, bits })
        let parts: EncodedUpdate[]
        try {
          parts = splitUpdate(enc, maxBytes)
        } catch (e) {
          assert.equal(code(e), 'CODEC_TOO_LARGE')
          return
        }
        let covered = 0
        for (const p of parts) {
          assert.ok(encodedByteLength(p) <= maxBytes)
          validateUpdate(p, n)
          assert.equal(p.offset, covered)
          covered += p.length
        }
        assert.equal(covered, n)
        assert.deepEqual(decodeUpdate(parts), decodeUpdate(enc))
      }),
      { numRuns: 150 },
    )
  })

  test('a chunk larger than a message is a coded error', () => {
    const enc = encodeUpdate(vec(4096), { chunkSize: 4096, topK: 1000, bits: 8 })
    assert.throws(() => splitUpdate(enc, 1000), (e) => code(e) === 'CODEC_TOO_LARGE')
  })
})

describe('ErrorFeedback', () => {
  test('nothing is lost: sum of decoded updates + residual = sum of deltas', () => {
    const n = 3000
    const ef = new ErrorFeedback(n, { chunkSize: 500, topK: 10, bits: 2 })
    const sent = new Float64Array(n)
    const given = new Float64Array(n)
    for (let r = 0; r < 20; r++) {
      const d = vec(n, 100 + r)
      d.forEach((x, i) => (given[i] += x))
      decodeUpdate(ef.encode(d)).forEach((x, i) => (sent[i] += x))
    }
    for (let i = 0; i < n; i++) assert.ok(Math.abs(sent[i] + ef.residual[i] - given[i]) < 1e-3, `index ${i}`)
  })

  test('a constant signal is transmitted in full over rounds', () => {
    const n = 1000
    const ef = new ErrorFeedback(n, { chunkSize: 100, topK: 5, bits: 8 })
    const d = vec(n, 9)
    const sent = new Float64Array(n)
    const rounds = 60
    for (let r = 0; r < rounds; r++) decodeUpdate(ef.encode(d)).forEach((x, i) => (sent[i] += x))
    // the average transmitted update approaches the true one: the residual stays bounded while the sum grows
    let err = 0, norm = 0
    for (let i = 0; i < n; i++) {
      err += (sent[i] / rounds - d[i]) ** 2
      norm += d[i] ** 2
    }
    assert.ok(Math.sqrt(err / norm) < 0.25, `relative error ${Math.sqrt(err / norm)}`)
  })

  test('rejects a delta of the wrong length', () => {
    assert.throws(() => new ErrorFeedback(10).encode(new Float32Array(11)), (e) => code(e) === 'LENGTH_MISMATCH')
  })
})

describe('protocols/gradient.md compatibility', () => {
  test('decodes the normative gradient-topk2-chunked vector to the values the spec states', async () => {
    const { readFile } = await import('node:fs/promises')
    const vectors = JSON.parse(await readFile(new URL('../../../protocols/vectors/gradient.json', import.meta.url), 'utf8'))
    const v = vectors.valid.find((x: { name: string }) => x.name === 'gradient-topk2-chunked').message
    const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))
    const part = {
      length: v.tensor.length,
      offset: v.chunk.offset,
      total: v.chunk.total,
      chunkSize: v.tensor.chunkSize,
      bits: v.tensor.bits,
      indices: new Uint32Array(bytes(v.tensor.indices.hex).buffer),
      values: bytes(v.tensor.values.hex),
      scales: new Float32Array(bytes(v.tensor.scales.hex).buffer),
    }
    const d = decodeUpdate(part)
    assert.equal(d.length, 40)
    // codes [1, −1, −2, 0, 1] at 0, 2, 3, 7, 9 (relative to 16); scales [0.25, 0, 1.5] per block of 4
    const want = new Float32Array(40)
    want[16] = 0.25; want[18] = -0.25; want[19] = -0.5; want[23] = 0; want[25] = 1.5
    assert.deepEqual(d, want)
  })
})
