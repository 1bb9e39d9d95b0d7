import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import {
  createLearner,
  initBackend,
  assignSamples,
  applyUpdate,
  initialParams,
  mnistMlp,
  getTask,
  listTasks,
  registerTask,
  LearnError,
  type Learner,
  type Task,
} from '../src/index.ts'

const code = (e: unknown): string | undefined => (e instanceof LearnError ? e.code : undefined)
const learners: Learner[] = []
after(() => learners.forEach((l) => l.dispose()))

async function make(task: string | Task, backend: 'wasm' | 'cpu' = 'wasm'): Promise<Learner> {
  const l = await createLearner(task, { backend })
  learners.push(l)
  return l
}

/** A tiny model on real MNIST, for fast leak and determinism checks. */
const tiny: Task = {
  ...mnistMlp,
  id: 'tiny-mnist',
  hyper: { ...mnistMlp.hyper, batchSize: 4 },
  createModel: () => tf.sequential({ layers: [tf.layers.dense({ name: 'tiny_hidden', inputShape: [784], units: 4, activation: 'relu' }), tf.layers.dense({ name: 'tiny_logits', units: 10 })] }),
}

describe('tasks', () => {
  test('the built-in tasks are registered; unknown and duplicate ids are coded errors', () => {
    assert.deepEqual(listTasks().map((t) => t.id).sort(), ['mnist-cnn', 'mnist-mlp', 'spam-bow'])
    assert.throws(() => getTask('nope'), (e) => code(e) === 'UNKNOWN_TASK')
    assert.throws(() => registerTask(mnistMlp), (e) => code(e) === 'DUPLICATE_TASK')
  })
})

describe('parameters', () => {
  test('canonical spec, deterministic θ₀, get/set round trip', async () => {
    const a = await make('mnist-mlp')
    const b = await make('mnist-mlp')
    assert.deepEqual(a.spec.map((e) => e.name), ['hidden/kernel', 'hidden/bias', 'logits/kernel', 'logits/bias'])
    assert.equal(a.size, 784 * 128 + 128 + 128 * 10 + 10)
    assert.deepEqual(a.getParams(), b.getParams())
    assert.deepEqual(a.getParams(), initialParams(a.spec, a.task.seed))
    const theta = a.getParams().map((x, i) => x + (i % 7) * 1e-3)
    a.setParams(theta)
    assert.deepEqual(a.getParams(), theta)
  })

  test('bad θ is rejected without touching the model', async () => {
    const l = await make('mnist-mlp')
    const before = l.getParams()
    assert.throws(() => l.setParams(new Float32Array(l.size - 1)), (e) => code(e) === 'LENGTH_MISMATCH')
    const bad = before.slice()
    bad[5] = Infinity
    assert.throws(() => l.setParams(bad), (e) => code(e) === 'NON_FINITE')
    assert.deepEqual(l.getParams(), before)
  })
})

describe('training and validator primitives', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const id of ['mnist-mlp', 'mnist-cnn', 'spam-bow']) {
      test(`${id} trains on ${backend}: held-out loss falls, Δ = θ_start − θ_end`, async () => {
        const l = await make(id, backend)
        const theta = l.getParams()
        const samples = assignSamples({ hotkey: 'miner-1', round: 1, taskSeed: l.task.seed }, l.split.train, 320)
        const held = l.split.heldout.subarray(0, 300)
        const before = l.evaluate(theta, held)
        const r = await l.train(theta, samples, { steps: 10, keepResult: true })
        assert.equal(r.samples, 10 * l.task.hyper.batchSize)
        assert.equal(r.uniqueSamples, r.samples)
        assert.ok(Number.isFinite(r.loss) && r.accuracy >= 0 && r.accuracy <= 1)
        const end = l.getParams()
        for (let i = 0; i < l.size; i += 97) assert.ok(Math.abs(theta[i] - r.delta[i] - end[i]) < 1e-6)
        const after = l.evaluateUpdate(theta, r.delta, held)
        assert.ok(after.loss < before.loss, `${before.loss} -> ${after.loss}`)
        assert.deepEqual(l.getParams(), end, 'evaluateUpdate restores the parameters')
      })
    }
  }

  test('train restores θ_start by default and is deterministic on one backend', async () => {
    const l = await make(tiny)
    const theta = l.getParams()
    const s = Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 8])
    const r1 = await l.train(theta, s, { steps: 5 })
    assert.deepEqual(l.getParams(), theta)
    const r2 = await l.train(theta, s, { steps: 5 })
    assert.deepEqual(r1.delta, r2.delta)
    assert.equal(r1.uniqueSamples, 8)
    assert.equal(r1.samples, 20)
  })

  test('stopAt ends training early after at least one step; replaying that many steps gives the same Δ', async () => {
    const l = await make(tiny)
    const theta = l.getParams()
    const s = Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 8])
    const past = await l.train(theta, s, { steps: 50, stopAt: Date.now() - 1 })
    assert.equal(past.steps, 1, 'a deadline already passed still trains one step')
    assert.equal(past.samples, 4)
    let calls = 0
    const stopped = await l.train(theta, s, { steps: 10_000, stopAt: Date.now() + 50, yieldEvery: 1, onStep: () => { calls++ } })
    assert.ok(stopped.steps >= 1 && stopped.steps < 10_000, `stopped after ${stopped.steps} steps`)
    assert.equal(calls, stopped.steps)
    assert.ok(Number.isFinite(stopped.loss))
    const again = await l.train(theta, s, { steps: stopped.steps })
    assert.deepEqual(again.delta, stopped.delta)
    assert.equal(again.loss, stopped.loss)
  })

  test('evaluateUpdate equals evaluate(θ − ηΔ); explicit batches give the same result as indices', async () => {
    const l = await make('mnist-mlp')
    const theta = l.getParams()
    const held = l.split.heldout.subarray(0, 200)
    const { delta } = await l.train(theta, l.split.train.subarray(0, 256), { steps: 8 })
    const a = l.evaluateUpdate(theta, delta, held, 0.5)
    const b = l.evaluate(applyUpdate(theta, delta, 0.5), held)
    assert.deepEqual(a, b)
    assert.deepEqual(l.evaluate(null, l.inputsOf(held)), l.evaluate(null, held))
  })

  test('predict returns probabilities that sum to 1 per input', async () => {
    const l = await make('mnist-cnn')
    const { x } = l.inputsOf([0, 1, 2])
    const p = l.predict(x)
    assert.equal(p.length, 30)
    for (let r = 0; r < 3; r++) assert.ok(Math.abs(p.subarray(r * 10, r * 10 + 10).reduce((s, v) => s + v, 0) - 1) < 1e-5)
    assert.throws(() => l.predict(new Float32Array(100)), (e) => code(e) === 'LENGTH_MISMATCH')
  })

  test('a diverged run throws NON_FINITE and leaves θ_start in place', async () => {
    const l = await make(tiny)
    const theta = l.getParams()
    await assert.rejects(l.train(theta, l.split.train.subarray(0, 64), { steps: 10, optimizer: 'sgd', learningRate: 1e30, keepResult: true }), (e) => code(e) === 'NON_FINITE')
    assert.deepEqual(l.getParams(), theta)
  })

  test('bad samples and batches are coded errors', async () => {
    const l = await make('mnist-mlp')
    await assert.rejects(l.train(null, [l.dataset.size]), (e) => code(e) === 'BAD_ARGUMENT')
    await assert.rejects(l.train(null, []), (e) => code(e) === 'BAD_ARGUMENT')
    assert.throws(() => l.evaluate(null, [-1]), (e) => code(e) === 'BAD_ARGUMENT')
    assert.throws(() => l.evaluate(null, { x: new Float32Array(784), labels: [10] }), (e) => code(e) === 'BAD_ARGUMENT')
    assert.throws(() => l.evaluate(null, { x: new Float32Array(783), labels: [1] }), (e) => code(e) === 'LENGTH_MISMATCH')
    assert.throws(() => applyUpdate(new Float32Array(2), new Float32Array(3)), (e) => code(e) === 'LENGTH_MISMATCH')
  })
})

describe('memory', () => {
  test('tensor count is flat across 1,000 training steps (and evaluate/predict)', async () => {
    const l = await make(tiny)
    const theta = l.getParams()
    const s = l.split.train.subarray(0, 400)
    await l.train(theta, s, { steps: 2 })
    const start = tf.memory().numTensors
    for (let k = 0; k < 10; k++) {
      await l.train(theta, s, { steps: 100 })
      l.evaluate(theta, l.split.test.subarray(0, 50))
      l.predict(l.inputsOf([1, 2]).x)
      assert.equal(tf.memory().numTensors, start, `after ${(k + 1) * 100} steps`)
    }
  })

  test('no leak in the CNN path (registered convolution gradients) on wasm and cpu', async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      await initBackend({ backend })
      const l = await make('mnist-cnn', backend)
      const theta = l.getParams()
      await l.train(theta, l.split.train.subarray(0, 64), { steps: 1 })
      const start = tf.memory().numTensors
      await l.train(theta, l.split.train.subarray(0, 64), { steps: 5 })
      assert.equal(tf.memory().numTensors, start, backend)
    }
  })
})
