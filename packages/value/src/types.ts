// What packages/value needs from the learning engine, and the plain-data shapes it exchanges.
// Everything here is JSON-serialisable except the update vectors themselves, which never enter a score record.

/** A value or a promise of it: an evaluator may answer synchronously (tfjs dataSync) or not. */
export type MaybePromise<T> = T | Promise<T>

/**
 * A reference to a batch of examples that the evaluator can materialise deterministically.
 * The `id` and `seed` are recorded as evidence, so that anyone holding the dataset can rebuild the batch.
 */
export interface BatchRef {
  /** What the batch is: validator-held data, a miner's own assignment, or query inputs sent to miners. */
  readonly kind: 'heldout' | 'assignment' | 'query'
  /** Stable identifier, e.g. `heldout/v1/r3`. */
  readonly id: string
  /** Seed the examples were drawn with (assignment seeds come from the miner's hotkey and round). */
  readonly seed: string
  /** Number of examples. */
  readonly size: number
}

/** Mean loss and accuracy of a model on a batch. */
export interface Metrics {
  readonly loss: number
  readonly accuracy: number
}

/**
 * The evaluation service packages/value relies on, bound to one base model θ (the round's global model).
 * packages/learn implements it over tfjs; value only decides.
 */
export interface Evaluator {
  /** Loss and accuracy of θ itself on `batch`. */
  evaluate (batch: BatchRef): MaybePromise<Metrics>
  /** Loss and accuracy of θ with `update` applied alone, scaled by `step` (θ itself stays unchanged). */
  evaluateUpdate (update: Float32Array, step: number, batch: BatchRef): MaybePromise<Metrics>
  /** Class labels (indices) of `batch`; used to score miners' answers to queries. */
  labels (batch: BatchRef): MaybePromise<Int32Array>
  /** Number of classes of the task. */
  readonly classes: number
}

/** Produces predictions for query inputs: what a miner runs to answer a validator's query. */
export interface Predictor {
  /** Class probabilities (row-major, `batch.size × classes`) of θ with `update` applied (none: θ itself). */
  predict (update: Float32Array | null, step: number, batch: BatchRef): MaybePromise<Float32Array>
}

/** One miner's contribution to a round, as the validator received it. */
export interface Submission {
  readonly uid: number
  /** Round the miner claims the update belongs to. */
  readonly round: number
  /** Hash of the base model the miner claims to have trained from. */
  readonly baseHash: string
  /** Arrival time at this validator in ms; decides who published first when two updates are copies. */
  readonly arrivalMs: number
  /** Decoded dense update, or null when it could not be decoded (see `malformed`). */
  readonly update: Float32Array | null
  /** Why decoding failed, when it did. */
  readonly malformed?: string
  /** The miner's own data assignment for this round (reproducible from its hotkey and the round). */
  readonly assignment: BatchRef
  /** The miner's answer to this round's query: class probabilities, or null when it did not answer. */
  readonly response?: Float32Array | null
}

/** JSON value, for evidence details. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
