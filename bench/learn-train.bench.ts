// Training throughput (samples/s) per backend and model through Learner.train, and its overhead against a bare tfjs
// loop on the same backend (optimizer.minimize over fixed tensors: no data copying, no bookkeeping). Medians of runs.
// Env: BACKENDS (default: every loadable one among native,wasm,cpu), STEPS (default 60), REPS (3).
import * as tf from '@tensorflow/tfjs'
import { createLearner, initBackend, formatDoctor, type BackendChoice, type Learner } from '@tensormesh/learn'

const STEPS = Number(process.env.STEPS ?? 60)
const REPS = Number(process.env.REPS ?? 3)
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

console.log('backend  task        samples/s (Learner.train)  samples/s (bare loop)  overhead')
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
    console.log(`${b.padEnd(8)} ${id.padEnd(11)} ${sOurs.toFixed(0).padStart(25)}  ${sBase.toFixed(0).padStart(21)}  ${(median(ours) / median(base)).toFixed(3)}x`)
    l.dispose()
  }
}
