import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import {
  YumaError, commitHashPreimage, convertWeightsAndUidsForEmit, normalizeMaxWeight, numpySumF32, roundHalfEven, vecU16MaxUpscaleToU16,
} from '../src/index.ts'

// Reference outputs produced by running the SDK's `normalize_max_weight` and
// `convert_weights_and_uids_for_emit` (bittensor/utils/weight_utils.py) under numpy 2.4 on random
// float32 inputs of 1–257 entries (uniform, skewed, sparse, tied, tiny).
interface Case { x: number[]; limit: number; y: number[]; uids: number[]; values: number[] }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/sdk-weights.json', import.meta.url), 'utf8')) as { cases: Case[] }

describe('SDK float → u16 conversion', () => {
  test('matches the SDK on every fixture case', () => {
    assert.ok(fixture.cases.length >= 100)
    for (const c of fixture.cases) {
      const r = convertWeightsAndUidsForEmit(c.x.map((_, i) => i), c.x)
      assert.deepEqual(r.uids, c.uids)
      assert.deepEqual(r.values, c.values)
    }
  })

  test('casts to float32 before dividing by the max', () => {
    // In float64, 1.4691234/2·65535 rounds to 48140; the float32 value of 1.4691234 gives 48139.
    const r = convertWeightsAndUidsForEmit([0, 1], [1.4691234000000002, 2])
    assert.deepEqual(r.values, [48139, 65535])
  })

  test('drops zeros and returns nothing when the sum is 0', () => {
    assert.deepEqual(convertWeightsAndUidsForEmit([0, 1, 2], [0, 0, 0]), { uids: [], values: [] })
    assert.deepEqual(convertWeightsAndUidsForEmit([5, 6, 7], [0, 1e-9, 1]), { uids: [7], values: [65535] })
  })

  test('rejects negatives, negative uids, length mismatch, empty and non-finite input', () => {
    const code = (f: () => unknown): string => {
      try { f() } catch (e) { assert.ok(e instanceof YumaError); return e.code }
      return 'none'
    }
    assert.equal(code(() => convertWeightsAndUidsForEmit([0, 1], [0.5, -0.1])), 'INVALID_WEIGHTS')
    assert.equal(code(() => convertWeightsAndUidsForEmit([0, -1], [0.5, 0.5])), 'INVALID_WEIGHTS')
    assert.equal(code(() => convertWeightsAndUidsForEmit([0, 1, 2], [0.5, 0.5])), 'INVALID_WEIGHTS')
    assert.equal(code(() => convertWeightsAndUidsForEmit([], [])), 'INVALID_WEIGHTS')
    assert.equal(code(() => convertWeightsAndUidsForEmit([0], [Number.NaN])), 'INVALID_WEIGHTS')
    assert.equal(code(() => convertWeightsAndUidsForEmit([0], [Infinity])), 'INVALID_WEIGHTS')
  })

  test("Python round(): halves go to even", () => {
    assert.deepEqual([0.5, 1.5, 2.5, 32767.5, 2.4999, 2.5001].map(roundHalfEven), [0, 2, 2, 32768, 2, 3])
  })
})

describe('normalize_max_weight', () => {
  test('matches numpy bit for bit on every fixture case', () => {
    for (const c of fixture.cases) {
      const y = normalizeMaxWeight(c.x, c.limit)
      assert.deepEqual(Array.from(y), c.y, `n=${c.x.length} limit=${c.limit}`)
    }
  })

  test('numpy float32 sum is pairwise (8 lanes per block), not sequential', () => {
    // 2^24 + 1 + 1 …: sequential float32 addition loses every 1; pairwise lanes keep some.
    const a = Float32Array.from([16777216, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    let seq = 0
    for (const v of a) seq = Math.fround(seq + v)
    assert.equal(seq, 16777216)
    assert.equal(numpySumF32(a), 16777230) // numpy 2.4: np.float32 array .sum()
    const b = Float32Array.from([...new Array(130).fill(1), 16777216])
    assert.equal(numpySumF32(b), 16777346) // above 128 elements the array is halved first
  })

  test('uniform when the sum is 0 or n·limit ≤ 1; the max respects the limit otherwise', () => {
    assert.deepEqual(Array.from(normalizeMaxWeight([0, 0, 0, 0], 0.5)), [0.25, 0.25, 0.25, 0.25])
    assert.deepEqual(Array.from(normalizeMaxWeight([1, 2], 0.4)), [0.5, 0.5])
    fc.assert(fc.property(
      fc.array(fc.float({ min: Math.fround(0.01), max: 1000, noNaN: true }), { minLength: 5, maxLength: 60 }),
      fc.double({ min: 0.25, max: 0.9, noNaN: true }),
      (xs, limit) => {
        const y = normalizeMaxWeight(xs, limit)
        let total = 0
        for (const v of y) total += v
        assert.ok(Math.abs(total - 1) < 1e-4)
        assert.ok(Math.max(...y) <= limit + 1e-4)
      },
    ), { numRuns: 300 })
  })

  test('an unreachable limit yields NaN, exactly as the SDK (numpy) does', () => {
    // Two non-zero entries cannot both stay below 0.47: the SDK's cutoff goes negative.
    const y = normalizeMaxWeight([0, 4.737231731414795, 0, 0, 0.0000010153290759262745], 0.46657116711139685)
    assert.ok(Array.from(y).every(Number.isNaN))
  })
})

describe('chain max-upscale (vec_u16_max_upscale_to_u16)', () => {
  test('the max becomes 65535, order is kept, SDK output is left unchanged', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 40 }), (v) => {
      const up = vecU16MaxUpscaleToU16(v)
      const max = Math.max(...v)
      if (max === 0) { assert.ok(up.every((x) => x === 0)); return }
      assert.equal(Math.max(...up), 65535)
      for (let i = 0; i < v.length; i++) {
        assert.ok(Math.abs(up[i] - (v[i] * 65535) / max) <= 1, `${v[i]} → ${up[i]}`)
        for (let k = 0; k < v.length; k++) if (v[i] < v[k]) assert.ok(up[i] <= up[k])
      }
      if (max === 65535) assert.deepEqual(up, v)
    }), { numRuns: 500 })
  })

  test('half away from zero, both branches (max above and below 32768)', () => {
    assert.deepEqual(vecU16MaxUpscaleToU16([1, 2]), [32768, 65535]) // 32767.5 → 32768
    assert.deepEqual(vecU16MaxUpscaleToU16([3, 40000]), [5, 65535]) // 3·(65535/40000 truncated)
    assert.deepEqual(vecU16MaxUpscaleToU16([]), [])
  })
})

describe('commit-reveal v2 hash preimage', () => {
  test('SCALE of (hotkey, idx, uids, values, salt, version_key)', () => {
    const hotkey = new Uint8Array(32).fill(7)
    const bytes = commitHashPreimage(hotkey, 4097, [1, 300], [65535, 2], [9], 258n)
    assert.deepEqual(Array.from(bytes.subarray(0, 32)), new Array(32).fill(7))
    assert.deepEqual(Array.from(bytes.subarray(32)), [
      0x01, 0x10, // idx 4097 = mecid 1 · 4096 + netuid 1, u16 LE
      8, 1, 0, 44, 1, // Vec<u16> [1, 300]: compact length 2 = 0x08
      8, 255, 255, 2, 0, // [65535, 2]
      4, 9, 0, // salt [9]
      2, 1, 0, 0, 0, 0, 0, 0, // 258 as u64 LE
    ])
    const long = commitHashPreimage(hotkey, 1, new Array(64).fill(0), [], [], 0)
    assert.deepEqual(Array.from(long.subarray(34, 36)), [0x01, 0x01]) // compact 64 = (64 << 2) | 1, two bytes
    assert.throws(() => commitHashPreimage(new Uint8Array(31), 1, [], [], [], 0), YumaError)
  })
})
