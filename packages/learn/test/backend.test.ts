import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { initBackend, doctor, formatDoctor, BACKEND_ORDER, LearnError } from '../src/index.ts'

const code = (e: unknown): string | undefined => (e instanceof LearnError ? e.code : undefined)

describe('backend choice', () => {
  test('auto tries backends in order and records why each failed', async () => {
    const r = await initBackend({ backend: 'auto' })
    assert.equal(r.selectedBy, 'option')
    const chosen = r.tried.at(-1)!
    assert.equal(chosen.ok, true)
    assert.equal(chosen.backend, r.backend)
    assert.deepEqual(r.tried.map((t) => t.backend), BACKEND_ORDER.slice(0, r.tried.length))
    for (const t of r.tried.slice(0, -1)) {
      assert.equal(t.ok, false)
      assert.ok(t.reason && t.reason.length > 0)
    }
    assert.equal(tf.getBackend(), r.tfBackend)
    assert.ok(r.threads >= 1)
    assert.equal(doctor(), r)
    assert.match(formatDoctor(r), new RegExp(`backend: ${r.backend}`))
  })

  test('an option forces a backend; wasm and cpu both get the training kernels', async () => {
    for (const b of ['cpu', 'wasm'] as const) {
      const r = await initBackend({ backend: b })
      assert.equal(r.backend, b)
      assert.equal(tf.getBackend(), b)
      assert.equal(r.gpu, false)
      assert.ok(tf.getKernel('Conv2DBackpropFilter', b))
    }
  })

  test('TENSORMESH_BACKEND forces a backend; an unknown name is a coded error', async () => {
    const old = process.env.TENSORMESH_BACKEND
    try {
      process.env.TENSORMESH_BACKEND = 'cpu'
      const r = await initBackend()
      assert.equal(r.backend, 'cpu')
      assert.equal(r.selectedBy, 'env')
      process.env.TENSORMESH_BACKEND = 'tpu'
      await assert.rejects(initBackend(), (e) => code(e) === 'UNKNOWN_BACKEND')
    } finally {
      if (old === undefined) delete process.env.TENSORMESH_BACKEND
      else process.env.TENSORMESH_BACKEND = old
    }
  })

  test('a forced backend that cannot start is BACKEND_UNAVAILABLE with the reason', async (t) => {
    const auto = await initBackend({ backend: 'auto' })
    if (auto.tried.some((a) => a.backend === 'gpu' && a.ok)) return t.skip('a CUDA GPU is available here')
    await assert.rejects(initBackend({ backend: 'gpu' }), (e) => code(e) === 'BACKEND_UNAVAILABLE' && JSON.stringify((e as LearnError).data).includes('gpu'))
  })
})

/** Direct-loop reference gradients of L = Σ conv2d(x, w) ⊙ g (NHWC, 'same'/'valid' per TensorFlow). */
function reference(x: tf.Tensor4D, w: tf.Tensor4D, g: tf.Tensor4D, s: number, pad: 'same' | 'valid'): { dx: Float32Array; dw: Float32Array } {
  const [B, H, W, C] = x.shape
  const [KH, KW, , O] = w.shape
  const [, OH, OW] = g.shape
  const top = pad === 'same' ? Math.floor(Math.max((OH - 1) * s + KH - H, 0) / 2) : 0
  const left = pad === 'same' ? Math.floor(Math.max((OW - 1) * s + KW - W, 0) / 2) : 0
  const xv = x.dataSync(), wv = w.dataSync(), gv = g.dataSync()
  const dx = new Float32Array(xv.length), dw = new Float32Array(wv.length)
  for (let b = 0; b < B; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    const ih = oh * s + kh - top, iw = ow * s + kw - left
    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue
    for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) {
      const gi = gv[((b * OH + oh) * OW + ow) * O + o]
      const xi = ((b * H + ih) * W + iw) * C + c
      const wi = ((kh * KW + kw) * C + c) * O + o
      dw[wi] += xv[xi] * gi
      dx[xi] += wv[wi] * gi
    }
  }
  return { dx, dw }
}

describe('registered convolution gradients', () => {
  const configs = [
    { shape: [2, 9, 9, 3], k: [3, 3, 3, 4], s: 1, pad: 'same' },
    { shape: [3, 8, 7, 2], k: [3, 3, 2, 5], s: 1, pad: 'valid' },
    { shape: [2, 9, 9, 3], k: [3, 3, 3, 4], s: 2, pad: 'same' },
    { shape: [2, 10, 11, 1], k: [5, 4, 1, 3], s: 2, pad: 'valid' },
    { shape: [1, 12, 12, 2], k: [2, 2, 2, 2], s: 3, pad: 'valid' },
  ] as const
  for (const b of ['wasm', 'cpu'] as const) {
    test(`match a direct-loop reference on ${b}`, async () => {
      await initBackend({ backend: b })
      for (const c of configs) {
        tf.tidy(() => {
          const x = tf.randomUniform(c.shape as unknown as [number, number, number, number], -1, 1, 'float32', 1) as tf.Tensor4D
          const w = tf.randomUniform(c.k as unknown as [number, number, number, number], -1, 1, 'float32', 2) as tf.Tensor4D
          const y = tf.conv2d(x, w, c.s, c.pad)
          const g = tf.randomUniform(y.shape, -1, 1, 'float32', 3) as tf.Tensor4D
          const [dx, dw] = tf.grads((a: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, bb as tf.Tensor4D, c.s, c.pad), g)))([x, w])
          const ref = reference(x, w, g, c.s, c.pad)
          const tag = `${b} ${JSON.stringify(c)}`
          dw.dataSync().forEach((v, i) => assert.ok(Math.abs(v - ref.dw[i]) < 1e-3, `dW ${tag} [${i}] ${v} vs ${ref.dw[i]}`))
          dx.dataSync().forEach((v, i) => assert.ok(Math.abs(v - ref.dx[i]) < 1e-3, `dX ${tag} [${i}] ${v} vs ${ref.dx[i]}`))
        })
      }
    })
  }
})

describe('embedding gradients (UnsortedSegmentSum)', () => {
  test('gather gradients on wasm match the CPU backend', async () => {
    const grad = (): number[] => tf.tidy(() => {
      const table = tf.tensor2d(Array.from({ length: 24 }, (_, i) => i / 10), [6, 4])
      const ids = tf.tensor1d([0, 3, 3, 5, 1, 3], 'int32')
      const w = tf.tensor2d(Array.from({ length: 24 }, (_, i) => Math.sin(i)), [6, 4])
      return Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t as tf.Tensor2D, ids), w)))(table).dataSync())
    })
    await initBackend({ backend: 'cpu' })
    const want = grad()
    await initBackend({ backend: 'wasm' })
    assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'))
    grad().forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `[${i}] ${v} vs ${want[i]}`))
    // row 3 was gathered three times: its gradient is the sum of three rows of w
    assert.ok(Math.abs(want[12] - (Math.sin(4) + Math.sin(8) + Math.sin(20))) < 1e-6)
  })
})

describe('concurrency', () => {
  test('concurrent initialisations are serialised and agree', async () => {
    const reports = await Promise.all([initBackend({ backend: 'cpu' }), initBackend({ backend: 'cpu' }), initBackend({ backend: 'wasm' })])
    assert.equal(reports[0], reports[1])
    assert.equal(reports[2].backend, 'wasm')
    assert.equal(tf.getBackend(), 'wasm')
  })
})
