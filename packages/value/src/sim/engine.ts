// What the adversary simulation needs from a learning engine, and its implementation over packages/learn.
// The simulation uses packages/learn's real Learner (tfjs, real MNIST digits); value's scoring core never sees it.
import { ErrorFeedback, applyUpdate, assignSamples, createAggregationRule, createLearner, decodeUpdate, getTask, paramsHash } from '@tensormesh/learn'
import type { AggregationSpec, CodecOptions, Learner, Task } from '@tensormesh/learn'
import type { Metrics } from '../types.ts'

/** A task's model as the simulation sees it: flat parameters θ, sample indices, deterministic assignment. */
export interface SimEngine {
  /** Number of parameters. */
  readonly dim: number
  readonly classes: number
  /** Train pool (assigned to miners), validators' held-out pool, test split: sample indices. */
  readonly pools: { train: Uint32Array, heldout: Uint32Array, test: Uint32Array }
  /** Hash naming θ (the base model every submission must claim). */
  hash (theta: Float32Array): string
  /** θ₀ shared by every peer. */
  initialParams (): Float32Array
  /** The `count` samples a miner with `hotkey` trains on in `round` (reproducible by validators). */
  assign (hotkey: string, round: number, count: number): Uint32Array
  /** `steps` inner steps from θ on `samples`; returns the pseudo-gradient Δ (applied as θ − η·Δ). */
  train (theta: Float32Array, samples: Uint32Array, steps: number): Promise<Float32Array>
  /** Loss and accuracy of θ − step·Δ (Δ null: θ itself) on `samples`. */
  evaluate (theta: Float32Array, update: Float32Array | null, step: number, samples: Uint32Array): Metrics
  /** Class probabilities of θ − step·Δ for the inputs of `samples` (row-major). */
  predict (theta: Float32Array, update: Float32Array | null, step: number, samples: Uint32Array): Float32Array
  labels (samples: Uint32Array): Int32Array
  /** θ − η·Δ. */
  apply (theta: Float32Array, delta: Float32Array, eta: number): Float32Array
  /**
   * What a miner's update looks like after the wire codec (top-k + quantisation with that miner's error feedback),
   * decoded as a validator sees it; the identity when the engine has no codec.
   */
  publish (miner: string, update: Float32Array): Float32Array
  /** Robust aggregate of the selected updates (null for none). */
  aggregate (updates: Float32Array[]): Float32Array | null
  dispose (): void
}

export interface LearnEngineOptions {
  /** Task id or object (default `mnist-mlp`, real MNIST digits). */
  task?: string | Task
  /** Overrides of the task's hyperparameters (learning rate, batch size, optimiser). */
  hyper?: Partial<Task['hyper']>
  /** Aggregation rule over selected updates (default: centred clipping). */
  aggregation?: AggregationSpec
  /** Pass every published update through learn's codec with per-miner error feedback (default: dense updates). */
  codec?: CodecOptions
}

/** A {@link SimEngine} over packages/learn. */
export async function learnEngine (options: LearnEngineOptions = {}): Promise<SimEngine> {
  const base = typeof options.task === 'object' ? options.task : getTask(options.task ?? 'mnist-mlp')
  const task: Task = { ...base, hyper: { ...base.hyper, ...(options.hyper ?? {}) } }
  const learner: Learner = await createLearner(task)
  const theta0 = learner.getParams()
  const rule = createAggregationRule(options.aggregation ?? { rule: 'centred-clipping' })
  const labelsOf = (samples: Uint32Array): Int32Array => Int32Array.from(samples, (i) => learner.dataset.labels[i])
  const moved = (theta: Float32Array, update: Float32Array | null, step: number): Float32Array =>
    update === null ? theta : applyUpdate(theta, update, step)
  const feedback = new Map<string, ErrorFeedback>()
  const publish = (miner: string, update: Float32Array): Float32Array => {
    if (options.codec === undefined) return update
    let ef = feedback.get(miner)
    if (ef === undefined) feedback.set(miner, ef = new ErrorFeedback(learner.size, options.codec))
    return decodeUpdate(ef.encode(update))
  }
  return {
    dim: learner.size,
    classes: task.numClasses,
    pools: learner.split,
    hash: (theta) => paramsHash(learner.spec, theta),
    initialParams: () => theta0.slice(),
    assign: (hotkey, round, count) => assignSamples({ hotkey, round, taskSeed: task.seed }, learner.split.train, count),
    train: async (theta, samples, steps) => (await learner.train(theta, samples, { steps })).delta,
    evaluate: (theta, update, step, samples) => {
      const r = learner.evaluate(moved(theta, update, step), samples)
      return { loss: r.loss, accuracy: r.accuracy }
    },
    predict: (theta, update, step, samples) => learner.predict(learner.inputsOf(samples).x, moved(theta, update, step)),
    labels: labelsOf,
    apply: (theta, delta, eta) => applyUpdate(theta, delta, eta),
    publish,
    aggregate: (updates) => rule.aggregate(updates),
    dispose: () => learner.dispose(),
  }
}
