import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeQuery, encodeGradient, encodeQuery, scanWire, WireError } from '../src/index.ts'
import type { GradientMessage } from '../src/index.ts'
import { CHUNK_BYTES, copyFinite, firstNonFinite, firstNotIncreasing, PIECE_BYTES, SIMD, SIMD_MIN_ELEMENTS } from '../src/simd.ts'

// Lengths around the SIMD threshold, the 64-byte step, and the 64 KiB (16,384-element) chunk the arrays are copied in.
const LENGTHS = [0, 1, 2, 17, SIMD_MIN_ELEMENTS - 1, SIMD_MIN_ELEMENTS, SIMD_MIN_ELEMENTS + 13, 16_384, 16_385, 16_400, 49_153, 200_001]
const spots = (n: number): number[] => [0, 1, 15, 16, 17, 63, 64, 2047, 16_383, 16_384, 16_385, 32_768, n - 2, n - 1].filter((p) => p >= 0 && p < n)

function refNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i
  return -1
}
function refNotIncreasing(a: Uint32Array): number {
  for (let i = 1; i < a.length; i++) if (a[i] <= a[i - 1]) return i
  return -1
}

describe('SIMD validation scans agree with the scalar definition', () => {
  test('WebAssembly SIMD is in use on this runtime (so these tests cover it)', () => {
    assert.equal(SIMD, process.env.WIRE_NO_SIMD !== '1')
  })

  test('firstNonFinite: NaN (any payload), ±Infinity anywhere; extreme finite values pass', () => {
    for (const n of LENGTHS) {
      const f = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3.4e38)
      // -0, the smallest subnormal, the most negative finite f32
      if (n > 4) f.set([-0, 1.4e-45, -3.4028234663852886e38], 1)
      assert.equal(firstNonFinite(f), -1, `n=${n}`)
      for (const p of spots(n)) {
        for (const v of [NaN, Infinity, -Infinity]) {
          const g = f.slice()
          g[p] = v
          assert.equal(firstNonFinite(g), p, `n=${n} p=${p} v=${v}`)
        }
        const g = f.slice()
        new Uint32Array(g.buffer)[p] = 0xff800001 // a negative NaN with a payload
        g[Math.min(n - 1, p + 5)] = Infinity // and a later one: the first is reported
        assert.equal(firstNonFinite(g), refNonFinite(g), `n=${n} p=${p} payload`)
      }
    }
  })

  test('the test lengths straddle the chunk size', () => {
    assert.equal(CHUNK_BYTES, 16_384 * 4)
  })

  test('firstNonFinite(a, source) scans the source bytes, at any offset, and names the same element', () => {
    for (const n of [SIMD_MIN_ELEMENTS, 16_385, 49_153]) {
      const f = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 1e30)
      for (const shift of [0, 1, 3]) {
        const host = new Uint8Array(f.byteLength + 8)
        const source = host.subarray(shift, shift + f.byteLength)
        source.set(new Uint8Array(f.buffer))
        assert.equal(firstNonFinite(f, source), -1, `n=${n} shift=${shift}`)
        for (const p of spots(n)) {
          const g = f.slice()
          g[p] = NaN
          source.set(new Uint8Array(g.buffer))
          assert.equal(firstNonFinite(g, source), p, `n=${n} shift=${shift} p=${p}`)
        }
        source.set(new Uint8Array(f.buffer))
      }
      assert.throws(() => firstNonFinite(f, new Uint8Array(f.byteLength - 4)), RangeError)
    }
  })

  test('copyFinite copies exactly and names the first non-finite element, across chunks and pieces, from any source offset', () => {
    const perPiece = PIECE_BYTES / 4
    for (const n of [0, 5, SIMD_MIN_ELEMENTS + 3, perPiece + 21]) {
      const f = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1e20)
      const host = new Uint8Array(f.byteLength + 4)
      const source = host.subarray(3, 3 + f.byteLength)
      source.set(new Uint8Array(f.buffer))
      const dest = new Uint8Array(f.byteLength)
      assert.equal(copyFinite(source, dest), -1, `n=${n}`)
      assert.deepStrictEqual(new Float32Array(dest.buffer), f)
      const at = [0, 16_383, 16_384, perPiece - 1, perPiece, perPiece + 20, n - 1].filter((p) => p >= 0 && p < n)
      for (const p of at) {
        const g = f.slice()
        g[p] = p % 2 === 0 ? NaN : -Infinity
        g[Math.min(n - 1, p + 3)] = Infinity // a later one too: the first is reported
        source.set(new Uint8Array(g.buffer))
        const out = new Uint8Array(f.byteLength)
        assert.equal(copyFinite(source, out), p, `n=${n} p=${p}`)
        assert.deepStrictEqual(new Float32Array(out.buffer), g, `n=${n} p=${p}: the whole array is copied`)
      }
    }
    assert.throws(() => copyFinite(new Uint8Array(8), new Uint8Array(12)), RangeError)
    assert.throws(() => copyFinite(new Uint8Array(6), new Uint8Array(6)), RangeError)
    assert.throws(() => copyFinite(new Uint8Array(8), new Uint8Array(12).subarray(1, 9)), RangeError)
  })

  test('firstNotIncreasing: unsigned order where signed order differs (runs above 2^31, wrapping past 2^32)', () => {
    for (const n of [SIMD_MIN_ELEMENTS + 5, 16_385, 40_000]) {
      for (const p of spots(n).filter((q) => q >= 1)) {
        // increasing as signed i32 (..., -2, -1, 0, 1, ...) but not as u32: 0xffffffff then 0 at p
        const wrap = Uint32Array.from({ length: n }, (_, i) => (i - p) >>> 0)
        assert.equal(firstNotIncreasing(wrap), p, `wrap n=${n} p=${p}`)
        // entirely above 2^31 and increasing: fine; then one element not above its predecessor
        const high = Uint32Array.from({ length: n }, (_, i) => 0x80000000 + i * 3)
        assert.equal(firstNotIncreasing(high), -1, `high n=${n}`)
        high[p] = high[p - 1]
        assert.equal(firstNotIncreasing(high), p, `high n=${n} p=${p}`)
      }
    }
  })

  test('firstNotIncreasing: equal, smaller and wrapped (u32 above 2^31) neighbours anywhere', () => {
    for (const n of LENGTHS) {
      const u = new Uint32Array(n)
      let x = 0x7fff0000 // crosses 2^31 on the way: unsigned order, not signed
      for (let i = 0; i < n; i++) u[i] = x = (x + 1 + (i % 13)) >>> 0
      assert.equal(firstNotIncreasing(u), -1, `n=${n}`)
      for (const p of spots(n).filter((q) => q >= 1)) {
        for (const v of [u[p - 1], u[p - 1] - 1, 0]) {
          const w = u.slice()
          w[p] = v
          assert.equal(firstNotIncreasing(w), refNotIncreasing(w), `n=${n} p=${p} v=${v}`)
        }
      }
      // a view at an offset into a larger buffer
      if (n > 3) assert.equal(firstNotIncreasing(new Uint32Array(u.buffer, 4, n - 1)), -1)
    }
  })
})

describe('large messages: errors name the same element on the SIMD path', () => {
  test('a NaN past the first chunks of a dense query is NON_FINITE at its index', () => {
    const data = Float32Array.from({ length: 400_000 }, (_, i) => i / 7)
    const ok = { netuid: 1, round: 2, queryId: 3, inputs: { dtype: 'f32' as const, shape: [400_000], data } }
    assert.deepStrictEqual(decodeQuery(encodeQuery(ok)), ok)
    data[300_001] = NaN
    assert.throws(() => encodeQuery(ok), (e: unknown) => e instanceof WireError && e.code === 'NON_FINITE' && /element 300001 is NaN/.test(e.message))
  })

  test('decoding: a NaN deep in a dense tensor is NON_FINITE at its index; a decoded array changed later is checked afresh', () => {
    const n = 40_000
    const data = Float32Array.from({ length: n }, (_, i) => i / 7)
    const ok = { netuid: 1, round: 2, queryId: 3, inputs: { dtype: 'f32' as const, shape: [n], data } }
    const bytes = encodeQuery(ok)
    const back = decodeQuery(bytes)
    assert.deepStrictEqual(back, ok)
    // the f32 payload is the last n * 4 bytes of the message: poke a NaN into element 30,001
    const at = bytes.byteLength - n * 4 + 30_001 * 4
    const bad = bytes.slice()
    new DataView(bad.buffer).setFloat32(at, NaN, true)
    assert.throws(() => decodeQuery(bad), (e: unknown) => e instanceof WireError && e.code === 'NON_FINITE' && e.field === 'inputs.data' && /element 30001 is NaN/.test(e.message))
    // the decode-time scan result is not reused for a later encode of the same (now changed) array
    back.inputs.data[12_345] = Infinity
    assert.throws(() => encodeQuery(back), (e: unknown) => e instanceof WireError && e.code === 'NON_FINITE' && /element 12345 is Infinity/.test(e.message))
  })

  test('decoding: a NaN in the second MiB of a dense tensor is NON_FINITE at its index', () => {
    const n = 300_000
    const data = Float32Array.from({ length: n }, (_, i) => i / 3)
    const bytes = encodeQuery({ netuid: 1, round: 2, queryId: 3, inputs: { dtype: 'f32' as const, shape: [n], data } })
    new DataView(bytes.buffer, bytes.byteOffset).setFloat32(bytes.byteLength - (n - 280_000) * 4, -Infinity, true)
    assert.throws(() => decodeQuery(bytes), (e: unknown) => e instanceof WireError && e.code === 'NON_FINITE' && /element 280000 is -Infinity/.test(e.message))
  })

  test('an out-of-order index deep in a large top-k gradient is BAD_FIELD at its index', () => {
    const k = 50_000
    const indices = Uint32Array.from({ length: k }, (_, i) => i * 20)
    const m: GradientMessage = {
      netuid: 1, round: 1, baseModel: new Uint8Array(32), assignmentSeed: 1, sampleCount: 1, hotkey: new Uint8Array(32),
      tensor: { format: 'topk', length: k * 20, chunkSize: 4096, bits: 8, indices, values: new Int8Array(k), scales: new Float32Array(Math.ceil(k * 20 / 4096)) },
    }
    encodeGradient(m)
    indices[40_000] = indices[39_999]
    assert.throws(() => encodeGradient(m), (e: unknown) => e instanceof WireError && e.code === 'BAD_FIELD' && e.field === 'tensor.indices' && /element 40000 /.test(e.message))
  })
})

describe('scan fast paths (ASCII strings and keys, small-map duplicate search)', () => {
  const enc = new TextEncoder()
  const fixstr = (b: Uint8Array): number[] => [0xa0 + b.length, ...b]
  const map = (entries: number[][]): Uint8Array => Uint8Array.from([0xde, 0, entries.length, ...entries.flat()])

  test('non-ASCII strings and keys: valid UTF-8 passes, invalid UTF-8 is MALFORMED', () => {
    scanWire(Uint8Array.from(fixstr(enc.encode('tensormesh ü 1.0 ✓'))))
    scanWire(map([[...fixstr(enc.encode('ключ')), 1]]))
    for (const bad of [[0xc3], [0x61, 0xff, 0x62], [0xe2, 0x82], [0xed, 0xa0, 0x80]]) {
      const b = Uint8Array.from(bad)
      assert.throws(() => scanWire(Uint8Array.from(fixstr(b))), (e: unknown) => e instanceof WireError && e.code === 'MALFORMED' && /UTF-8/.test(e.message))
      assert.throws(() => scanWire(map([[...fixstr(b), 1]])), (e: unknown) => e instanceof WireError && e.code === 'MALFORMED' && /UTF-8/.test(e.message))
    }
  })

  test('duplicate keys are MALFORMED in small and large maps, ASCII or not', () => {
    for (const n of [2, 16, 17, 40]) {
      const keys = Array.from({ length: n }, (_, i) => fixstr(enc.encode(`k${i}é`)))
      scanWire(map(keys.map((k) => [...k, 0])))
      for (const [a, b] of [[0, n - 1], [n - 2, n - 1], [0, 1]]) {
        const dup = keys.map((k, i) => [...(i === b ? keys[a] : k), 0])
        assert.throws(() => scanWire(map(dup)), (e: unknown) => e instanceof WireError && e.code === 'MALFORMED' && e.message.includes(`duplicate key "k${a}é"`), `n=${n} ${a}/${b}`)
      }
    }
  })
})
