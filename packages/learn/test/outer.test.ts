import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { OuterOptimizer, LearnError, ErrorFeedback, decodeUpdate } from '../src/index.ts'

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs)
const close = (a: Float32Array, b: number[], eps = 1e-6): void => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= eps, `[${i}] ${x} vs ${b[i]}`))

describe('OuterOptimizer', () => {
  test('plain SGD: θ − η·Δ', () => {
    const o = new OuterOptimizer(2, { kind: 'sgd', learningRate: 0.5 })
    close(o.step(f32(1, 2), f32(2, -4)), [0, 4])
  })

  test('Nesterov momentum, two steps by hand', () => {
    const o = new OuterOptimizer(1, { kind: 'sgd', learningRate: 1, momentum: 0.5, nesterov: true })
    // m1 = 1, step = 1 + 0.5·1 = 1.5; m2 = 0.5 + 1 = 1.5, step = 1 + 0.75 = 1.75
    const t1 = o.step(f32(0), f32(1))
    close(t1, [-1.5])
    close(o.step(t1, f32(1)), [-3.25])
    assert.equal(o.steps, 2)
  })

  test('Adam: first step moves every coordinate by about the learning rate, against the sign of Δ', () => {
    const o = new OuterOptimizer(3, { kind: 'adam', learningRate: 0.01 })
    close(o.step(f32(0, 0, 0), f32(5, -0.001, 1e3)), [-0.01, 0.01, -0.01], 1e-5)
  })

  test('a linear outer step loses nothing to error feedback: compressed θ trails fp32 θ by exactly η·residual', () => {
    // why the federated bench uses a (Nesterov) SGD outer step: what the codec holds back reaches θ later, unchanged
    const n = 3000
    const eta = 0.5
    let seed = 7
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1
    const ef = new ErrorFeedback(n, { chunkSize: 512, topK: 4, bits: 2 })
    const plain = new OuterOptimizer(n, { kind: 'sgd', learningRate: eta })
    const packed = new OuterOptimizer(n, { kind: 'sgd', learningRate: eta })
    let a: Float32Array = new Float32Array(n)
    let b: Float32Array = new Float32Array(n)
    for (let r = 0; r < 40; r++) {
      const delta = Float32Array.from({ length: n }, (_, i) => rand() * (1 + (i % 7)))
      a = plain.step(a, delta)
      b = packed.step(b, decodeUpdate(ef.encode(delta)))
    }
    let spread = 0
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(b[i] - a[i] - eta * ef.residual[i]) < 1e-3, `[${i}]`)
      spread = Math.max(spread, Math.abs(b[i] - a[i]))
    }
    assert.ok(spread > 1, 'the codec did hold signal back') // the identity above is not trivially 0 = 0
  })

  test('inputs are not modified; bad input is a coded error', () => {
    const o = new OuterOptimizer(2, { kind: 'adam', learningRate: 0.1 })
    const theta = f32(1, 1)
    o.step(theta, f32(1, 1))
    assert.deepEqual(theta, f32(1, 1))
    assert.throws(() => o.step(f32(1), f32(1)), (e) => e instanceof LearnError && e.code === 'LENGTH_MISMATCH')
    assert.throws(() => o.step(f32(1, 1), f32(NaN, 1)), (e) => e instanceof LearnError && e.code === 'NON_FINITE')
    assert.throws(() => new OuterOptimizer(2, { kind: 'sgd', learningRate: 0 }), (e) => e instanceof LearnError && e.code === 'BAD_ARGUMENT')
  })
})
