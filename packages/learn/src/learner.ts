/**
 * A task's model on the current backend, seen as one flat Float32Array of parameters θ, with the primitives miners
 * and validators need: local training (pseudo-gradient θ_start − θ_end), evaluation, apply-update-to-a-copy, predict.
 */
import * as tf from '@tensorflow/tfjs'
import { LearnError, assertFinite } from './errors.ts'
import { initBackend, type InitBackendOptions } from './backend.ts'
import { splitDataset, type DatasetSplit } from './assignment.ts'
import { getTask, type Task, type TaskHyperparameters } from './task.ts'
import type { Dataset } from './data/dataset.ts'

/** One weight in the canonical flat ordering: model weight order (layer order, kernel before bias). */
export interface ParamEntry {
  /** Layer name / weight name, e.g. 'conv1/kernel' (stable across processes). */
  name: string
  shape: number[]
  offset: number
  size: number
}

export interface TrainOptions extends Partial<Pick<TaskHyperparameters, 'optimizer' | 'learningRate' | 'batchSize'>> {
  /** Inner steps (default: the task's innerSteps). Batches cycle through `samples` in order. */
  steps?: number
  /** Leave θ_end in the model instead of restoring θ_start (default false). */
  keepResult?: boolean
  /**
   * 'fresh' (default): a new inner optimiser per call. 'keep': the learner's persistent optimiser, whose state (Adam
   * moments) carries over between calls until {@link Learner.resetOptimizer}.
   */
  optimizerState?: 'fresh' | 'keep'
  /** Yield to the event loop every this many steps (default 10) so a peer stays responsive. */
  yieldEvery?: number
  onStep?: (step: number) => void
  /**
   * Wall-clock time (`Date.now()` ms) after which no further step starts: training ends early, after at least one step,
   * and the result's `steps` says how many ran (replaying with that many steps gives the same result). A peer uses it
   * to finish inside its share of a round whatever the machine's load.
   */
  stopAt?: number
}

export interface TrainResult {
  /** Pseudo-gradient θ_start − θ_end. */
  delta: Float32Array
  /** Mean training loss and accuracy over all steps. */
  loss: number
  accuracy: number
  steps: number
  /** Samples processed (steps × batch size). */
  samples: number
  /** Distinct samples among them. */
  uniqueSamples: number
  ms: number
}

export interface EvalResult {
  loss: number
  accuracy: number
  samples: number
}

/** An explicit batch: `x` holds n × featureSize inputs, `labels` n class ids. */
export interface Batch {
  x: Float32Array
  labels: ArrayLike<number>
}

/** θ − η·Δ as a new array (pure; no tfjs). */
export function applyUpdate(theta: Float32Array, delta: Float32Array, eta = 1): Float32Array {
  if (theta.length !== delta.length) throw new LearnError('LENGTH_MISMATCH', 'θ and Δ differ in length', { theta: theta.length, delta: delta.length })
  const out = new Float32Array(theta.length)
  for (let i = 0; i < out.length; i++) out[i] = theta[i] - eta * delta[i]
  return out
}

function makeOptimizer(kind: 'adam' | 'sgd', lr: number): tf.Optimizer {
  return kind === 'adam' ? tf.train.adam(lr) : tf.train.sgd(lr)
}

export class Learner {
  readonly task: Task
  readonly model: tf.LayersModel
  readonly spec: readonly ParamEntry[]
  /** Number of parameters (length of θ). */
  readonly size: number
  readonly dataset: Dataset
  readonly split: DatasetSplit
  private readonly vars: tf.LayerVariable[]
  private readonly featureSize: number
  private disposed = false
  private persistent: tf.Optimizer | null = null

  /** Use {@link createLearner}: the backend must be initialised first. */
  constructor(task: Task) {
    this.task = task
    this.dataset = task.dataset()
    this.split = splitDataset(this.dataset.size, task.seed, task.split)
    this.featureSize = task.inputShape.reduce((a, b) => a * b, 1)
    if (this.featureSize !== this.dataset.featureSize) {
      throw new LearnError('BAD_ARGUMENT', 'task input shape does not match its dataset', { inputShape: task.inputShape, featureSize: this.dataset.featureSize })
    }
    this.model = task.createModel()
    this.vars = this.model.weights
    let offset = 0
    this.spec = this.vars.map((v) => {
      const size = (v.shape as number[]).reduce((a, b) => a * b, 1)
      const e = { name: v.originalName, shape: v.shape as number[], offset, size }
      offset += size
      return e
    })
    this.size = offset
  }

  private live(): void {
    if (this.disposed) throw new LearnError('NOT_INITIALISED', 'learner was disposed')
  }

  /** θ in canonical order (into `out` when given). */
  getParams(out = new Float32Array(this.size)): Float32Array {
    this.live()
    this.vars.forEach((v, k) => out.set(v.read().dataSync() as Float32Array, this.spec[k].offset))
    return out
  }

  /** Loads θ (canonical order). Throws LENGTH_MISMATCH or NON_FINITE without touching the model. */
  setParams(theta: Float32Array): void {
    this.live()
    if (theta.length !== this.size) throw new LearnError('LENGTH_MISMATCH', 'θ has the wrong length', { got: theta.length, want: this.size })
    assertFinite(theta, 'theta')
    tf.tidy(() => {
      this.vars.forEach((v, k) => {
        const e = this.spec[k]
        v.write(tf.tensor(theta.subarray(e.offset, e.offset + e.size), e.shape, 'float32'))
      })
    })
  }

  private checkIndices(samples: ArrayLike<number>): void {
    if (samples.length === 0) throw new LearnError('BAD_ARGUMENT', 'no samples')
    for (let j = 0; j < samples.length; j++) {
      const i = samples[j]
      if (!Number.isInteger(i) || i < 0 || i >= this.dataset.size) throw new LearnError('BAD_ARGUMENT', 'sample index out of range', { index: i, size: this.dataset.size })
    }
  }

  private oneHot(labels: ArrayLike<number>, out: Float32Array): void {
    const c = this.task.numClasses
    out.fill(0)
    for (let j = 0; j < labels.length; j++) out[j * c + labels[j]] = 1
  }

  /**
   * k inner steps from θ (or the current parameters when θ is null) on the given sample indices; returns the
   * pseudo-gradient θ_start − θ_end. The model is restored to θ_start unless `keepResult`.
   */
  async train(theta: Float32Array | null, samples: ArrayLike<number>, options: TrainOptions = {}): Promise<TrainResult> {
    this.live()
    this.checkIndices(samples)
    const h = this.task.hyper
    const steps = options.steps ?? h.innerSteps
    const batch = options.batchSize ?? h.batchSize
    if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(batch) || batch < 1) throw new LearnError('BAD_ARGUMENT', 'steps and batchSize must be positive integers', { steps, batch })
    if (theta) this.setParams(theta)
    const start = theta ? theta.slice() : this.getParams()
    const t0 = performance.now()
    const keep = options.optimizerState === 'keep'
    const optimizer = keep && this.persistent ? this.persistent : makeOptimizer(options.optimizer ?? h.optimizer, options.learningRate ?? h.learningRate)
    if (keep) this.persistent = optimizer
    const varList = this.model.trainableWeights.map((w) => w.read() as tf.Variable)
    const xBuf = new Float32Array(batch * this.featureSize)
    const yBuf = new Float32Array(batch * this.task.numClasses)
    const idx = new Uint32Array(batch)
    const labels = new Int32Array(batch)
    const seen = new Set<number>()
    let lossSum = tf.scalar(0)
    let correctSum = tf.scalar(0)
    const yieldEvery = options.yieldEvery ?? 10
    const stopAt = options.stopAt ?? Infinity
    let done = 0
    try {
      for (let s = 0; s < steps && (s === 0 || Date.now() < stopAt); s++) {
        for (let j = 0; j < batch; j++) {
          const i = samples[(s * batch + j) % samples.length]
          idx[j] = i
          labels[j] = this.dataset.labels[i]
          seen.add(i)
        }
        this.dataset.fillInputs(idx, xBuf)
        this.oneHot(labels, yBuf)
        let correct: tf.Tensor | null = null
        const next = tf.tidy(() => {
          const x = tf.tensor(xBuf, [batch, ...this.task.inputShape])
          const y = tf.tensor2d(yBuf, [batch, this.task.numClasses])
          const labelsT = tf.tensor1d(labels, 'int32')
          const loss = optimizer.minimize(() => {
            const logits = this.model.apply(x, { training: true }) as tf.Tensor2D
            correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labelsT), 'float32')))
            return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar
          }, true, varList)!
          return [tf.add(lossSum, loss), tf.add(correctSum, correct!)] as tf.Scalar[]
        })
        ;(correct as tf.Tensor | null)?.dispose()
        lossSum.dispose()
        correctSum.dispose()
        ;[lossSum, correctSum] = next
        done = s + 1
        options.onStep?.(s)
        if (yieldEvery > 0 && (s + 1) % yieldEvery === 0) await new Promise<void>((r) => setImmediate(r))
      }
      const loss = lossSum.dataSync()[0] / done
      const accuracy = correctSum.dataSync()[0] / (done * batch)
      const end = this.getParams()
      const delta = new Float32Array(this.size)
      for (let i = 0; i < delta.length; i++) delta[i] = start[i] - end[i]
      if (!options.keepResult || !Number.isFinite(loss)) this.setParams(start)
      // a diverged run must never be published: the codec and aggregation would reject it anyway
      if (!Number.isFinite(loss)) throw new LearnError('NON_FINITE', 'training diverged (non-finite loss)', { loss, steps: done })
      assertFinite(delta, 'delta')
      return { delta, loss, accuracy, steps: done, samples: done * batch, uniqueSamples: seen.size, ms: performance.now() - t0 }
    } finally {
      lossSum.dispose()
      correctSum.dispose()
      if (!keep) optimizer.dispose()
    }
  }

  /** Loss and accuracy of θ (or the current parameters) on sample indices or an explicit batch. */
  evaluate(theta: Float32Array | null, data: ArrayLike<number> | Batch, batchSize = 512): EvalResult {
    this.live()
    if (theta) return this.withParams(theta, () => this.evaluate(null, data, batchSize))
    const explicit = typeof data === 'object' && 'x' in data && 'labels' in data
    const n = explicit ? (data as Batch).labels.length : (data as ArrayLike<number>).length
    if (explicit) {
      const b = data as Batch
      if (b.x.length !== n * this.featureSize) throw new LearnError('LENGTH_MISMATCH', 'batch x does not hold n × featureSize values', { x: b.x.length, n })
      assertFinite(b.x, 'batch.x')
      for (let j = 0; j < n; j++) if (!Number.isInteger(b.labels[j]) || b.labels[j] < 0 || b.labels[j] >= this.task.numClasses) throw new LearnError('BAD_ARGUMENT', 'label out of range', { position: j })
    } else this.checkIndices(data as ArrayLike<number>)
    let lossSum = 0
    let correct = 0
    const c = this.task.numClasses
    for (let a = 0; a < n; a += batchSize) {
      const m = Math.min(batchSize, n - a)
      const x = new Float32Array(m * this.featureSize)
      const labels = new Int32Array(m)
      if (explicit) {
        const b = data as Batch
        x.set(b.x.subarray(a * this.featureSize, (a + m) * this.featureSize))
        for (let j = 0; j < m; j++) labels[j] = b.labels[a + j]
      } else {
        const idx = Array.from({ length: m }, (_, j) => (data as ArrayLike<number>)[a + j])
        this.dataset.fillInputs(idx, x)
        idx.forEach((i, j) => (labels[j] = this.dataset.labels[i]))
      }
      const [l, k] = tf.tidy(() => {
        const logits = this.model.apply(tf.tensor(x, [m, ...this.task.inputShape]), { training: false }) as tf.Tensor2D
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), c)
        const loss = tf.mul(tf.losses.softmaxCrossEntropy(y, logits), m)
        const hit = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32')), 'float32'))
        return [loss.dataSync()[0], hit.dataSync()[0]]
      })
      lossSum += l
      correct += k
    }
    return { loss: lossSum / n, accuracy: correct / n, samples: n }
  }

  /** Runs `fn` with θ loaded, then restores the previous parameters (also when `fn` throws). */
  withParams<T>(theta: Float32Array, fn: () => T): T {
    const saved = this.getParams()
    this.setParams(theta)
    try {
      return fn()
    } finally {
      this.setParams(saved)
    }
  }

  /** Evaluates θ − η·Δ (an update applied to a copy) and restores the learner's parameters. */
  evaluateUpdate(theta: Float32Array, delta: Float32Array, data: ArrayLike<number> | Batch, eta = 1): EvalResult {
    return this.evaluate(applyUpdate(theta, delta, eta), data)
  }

  /** Class probabilities (n × numClasses, row-major) for n inputs of featureSize values each. */
  predict(x: Float32Array, theta: Float32Array | null = null): Float32Array {
    this.live()
    if (theta) return this.withParams(theta, () => this.predict(x))
    const n = x.length / this.featureSize
    if (!Number.isInteger(n) || n < 1) throw new LearnError('LENGTH_MISMATCH', 'x must hold a whole number (≥ 1) of inputs', { x: x.length, featureSize: this.featureSize })
    assertFinite(x, 'x')
    return tf.tidy(() => tf.softmax(this.model.apply(tf.tensor(x, [n, ...this.task.inputShape]), { training: false }) as tf.Tensor2D).dataSync() as Float32Array).slice()
  }

  /** Inputs of the given samples, for building query batches (n × featureSize). */
  inputsOf(samples: ArrayLike<number>): Batch {
    this.checkIndices(samples)
    const x = new Float32Array(samples.length * this.featureSize)
    this.dataset.fillInputs(samples, x)
    return { x, labels: Array.from({ length: samples.length }, (_, j) => this.dataset.labels[samples[j]]) }
  }

  /** Drops the persistent inner optimiser's state (see {@link TrainOptions.optimizerState}). */
  resetOptimizer(): void {
    this.persistent?.dispose()
    this.persistent = null
  }

  dispose(): void {
    if (!this.disposed) {
      this.resetOptimizer()
      this.model.dispose()
    }
    this.disposed = true
  }
}

/**
 * Deterministic initial θ shared by every peer of a subnet: Glorot-uniform kernels (limit √(6 / (fanIn + fanOut)),
 * fanIn = product of all dims but the last, fanOut = last dim × receptive field) from a mulberry32 stream seeded by
 * `seed`, drawn weight by weight in canonical order; biases (rank-1 weights) zero.
 */
export function initialParams(spec: readonly ParamEntry[], seed: number): Float32Array {
  let a = seed >>> 0
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const size = spec.reduce((s, e) => s + e.size, 0)
  const out = new Float32Array(size)
  for (const e of spec) {
    if (e.shape.length < 2) continue
    const receptive = e.shape.slice(0, -2).reduce((x, y) => x * y, 1)
    const fanIn = receptive * e.shape[e.shape.length - 2]
    const fanOut = receptive * e.shape[e.shape.length - 1]
    const limit = Math.sqrt(6 / (fanIn + fanOut))
    for (let i = 0; i < e.size; i++) out[e.offset + i] = (2 * rand() - 1) * limit
  }
  return out
}

export interface CreateLearnerOptions extends InitBackendOptions {
  /** Initial θ. Default: {@link initialParams} with the task's seed, so every peer starts from the same θ₀. */
  params?: Float32Array
}

/** Initialises the backend (once) and builds a learner for a task (by id or object). */
export async function createLearner(task: string | Task, options: CreateLearnerOptions = {}): Promise<Learner> {
  await initBackend(options)
  const learner = new Learner(typeof task === 'string' ? getTask(task) : task)
  learner.setParams(options.params ?? initialParams(learner.spec, learner.task.seed))
  return learner
}
