// Training throughput (samples/s) per backend and model through Learner.train, and its overhead against a bare tfjs
// loop on the same backend (optimizer.minimize over fixed tensors: no data copying, no bookkeeping). Medians of runs.
// Also: the CPU backend's own convolution gradients against the ones this package registers (small CNN), and the test
// accuracy of each task after EPOCHS epochs of centralized training on the first available backend.
// Env: BACKENDS (default: every loadable one among gpu,native,wasm,cpu), STEPS (default 60), REPS (5), EPOCHS (1).
import * as tf from '@tensorflow/tfjs'
import { createLearner, initBackend, formatDoctor, registerTrainingKernels, unregisterTrainingKernels, assignSamples, type BackendChoice, type Learner } from '@tensormesh/learn'

const STEPS = Number(process.env.STEPS ?? 60)
const REPS = Number(process.env.REPS ?? 5)
const backends = (process.env.BACKENDS ?? 'gpu,native,wasm,cpu').split(',') as BackendChoice[]
const tasks = ['mnist-mlp', 'mnist-cnn', 'spam-bow']

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]

async function bare(l: Learner, steps: number): Promise<number> {
  const { batchSize, learningRate } = l.task.hyper
  const idx = l.split.train.subarray(0, batchSize)
  const { x: xs, labels } = l.inputsOf(idx)
  const x = tf.tensor(xs, [batchSize, ...l.task.inputShape])
  const y = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), l.task.numClasses)
  const opt = tf.train.adam(learningRate)
  const vars = l.model.trainableWeights.map((w) => w.read() as tf.Variable)
  const t0 = performance.now()
  for (let s = 0; s < steps; s++) opt.minimize(() => tf.losses.softmaxCrossEntropy(y, l.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, false, vars)
  await tf.ready()
  l.getParams() // reading the weights waits for pending work, as train() does at its end
  const ms = performance.now() - t0
  tf.dispose([x, y])
  opt.dispose()
  return ms
}

console.log('Learner.train vs bare loop, alternating runs; samples/s from the median run; overhead = ratio of medians, of bests, and median of per-pair ratios')
console.log('backend  task        samples/s (Learner.train)  samples/s (bare loop)  overhead (median)  overhead (best)  overhead (pairs)')
for (const b of backends) {
  try {
    const r = await initBackend({ backend: b })
    console.log(formatDoctor(r).split('\n')[0])
  } catch (e) {
    console.log(`${b}: unavailable (${(e as Error).message.slice(0, 120)})`)
    continue
  }
  for (const id of tasks) {
    const l = await createLearner(id, { backend: b })
    const { batchSize } = l.task.hyper
    // the CPU backend runs convolutions in plain JavaScript: fewer steps keep the bench short
    const steps = b === 'cpu' && id === 'mnist-cnn' ? Math.max(10, STEPS >> 2) : STEPS
    const theta = l.getParams()
    const samples = l.split.train.subarray(0, steps * batchSize)
    await l.train(theta, samples, { steps: 3 })
    await bare(l, 3)
    const ours: number[] = []
    const base: number[] = []
    for (let r = 0; r < REPS; r++) {
      // alternate to share any drift in machine load fairly
      ours.push((await l.train(theta, samples, { steps })).ms)
      l.setParams(theta)
      base.push(await bare(l, steps))
      l.setParams(theta)
    }
    const sOurs = (steps * batchSize) / (median(ours) / 1000)
    const sBase = (steps * batchSize) / (median(base) / 1000)
    const best = Math.min(...ours) / Math.min(...base)
    // each pair ran back to back, so its ratio shares that moment's machine load; their median is the steadiest figure
    const pairs = median(ours.map((t, r) => t / base[r]))
    console.log(`${b.padEnd(8)} ${id.padEnd(11)} ${sOurs.toFixed(0).padStart(25)}  ${sBase.toFixed(0).padStart(21)}  ${(median(ours) / median(base)).toFixed(3).padStart(16)}x  ${best.toFixed(3).padStart(14)}x  ${pairs.toFixed(3).padStart(13)}x`)
    l.dispose()
  }
}

const loadable: BackendChoice[] = []
for (const b of backends) {
  try {
    await initBackend({ backend: b })
    loadable.push(b)
  } catch {
    // reported above
  }
}

if (loadable.includes('cpu')) {
  await initBackend({ backend: 'cpu' })
  const l = await createLearner('mnist-cnn', { backend: 'cpu' })
  const samples = l.split.train.subarray(0, 4 * l.task.hyper.batchSize)
  const rate = async (): Promise<number> => {
    await l.train(null, samples, { steps: 1 })
    const r = await l.train(null, samples, { steps: 4 })
    return r.samples / (r.ms / 1000)
  }
  const ours = await rate()
  unregisterTrainingKernels('cpu')
  const own = await rate()
  registerTrainingKernels('cpu')
  console.log(`cpu mnist-cnn: ${ours.toFixed(0)} samples/s with the registered Conv2D-based gradients, ${own.toFixed(1)} with the CPU backend's own (${(ours / own).toFixed(0)}x)`)
  l.dispose()
}

const EPOCHS = Number(process.env.EPOCHS ?? 1)
if (EPOCHS > 0 && loadable.length > 0) {
  const b = loadable[0]
  for (const id of tasks) {
    const l = await createLearner(id, { backend: b })
    const { batchSize } = l.task.hyper
    const order = assignSamples({ hotkey: 'bench', round: 0, taskSeed: l.task.seed }, l.split.train, l.split.train.length)
    const steps = Math.floor((EPOCHS * order.length) / batchSize)
    const r = await l.train(null, order, { steps, keepResult: true })
    const t = l.evaluate(null, l.split.test)
    console.log(`${b} ${id}: ${EPOCHS} epoch(s) on ${order.length} training samples -> test accuracy ${t.accuracy.toFixed(4)}, loss ${t.loss.toFixed(4)} (${(r.samples / (r.ms / 1000)).toFixed(0)} samples/s)`)
    l.dispose()
  }
}
