/**
 * packages/value's Evaluator and the round's batches over packages/learn: batch references (kind, id, seed, size)
 * are turned into sample indices deterministically, so a transcript's batch ids rebuild the same batches on replay.
 */
import { applyUpdate, assignSamples, HashStream } from '@tensormesh/learn'
import type { Learner } from '@tensormesh/learn'
import type { BatchRef, Evaluator, Metrics } from '@tensormesh/value'

/** `size` distinct indices from `pool`, drawn by a hash stream of `seed` (pure, reproducible). */
export function drawFrom (pool: Uint32Array, seed: string, size: number): Uint32Array {
  const s = HashStream.of('tensormesh/node/batch/v1', new TextEncoder().encode(seed))
  const a = Uint32Array.from(pool)
  const n = Math.min(size, a.length)
  for (let i = 0; i < n; i++) {
    const j = i + s.uniform(a.length - i)
    const t = a[i]; a[i] = a[j]; a[j] = t
  }
  return a.slice(0, n)
}

export function heldoutRef (validator: string, round: number, size: number): BatchRef {
  return { kind: 'heldout', id: `heldout/${validator}/r${round}`, seed: `${validator}/${round}/heldout`, size }
}

export function queryRef (validator: string, round: number, size: number): BatchRef {
  return { kind: 'query', id: `query/${validator}/r${round}`, seed: `${validator}/${round}/query`, size }
}

/** A miner's own assignment as a batch reference: its seed is `hotkey/round`. */
export function assignmentRef (hotkey: string, round: number, size: number): BatchRef {
  return { kind: 'assignment', id: `assignment/${hotkey}/r${round}`, seed: `${hotkey}/${round}`, size }
}

/** Sample indices of a batch reference. */
export function samplesOf (learner: Learner, ref: BatchRef): Uint32Array {
  if (ref.kind === 'assignment') {
    const cut = ref.seed.lastIndexOf('/')
    const hotkey = ref.seed.slice(0, cut)
    const round = Number(ref.seed.slice(cut + 1))
    // Validators check a miner on (at most) the first `size` samples of its assignment.
    return assignSamples({ hotkey, round, taskSeed: learner.task.seed }, learner.split.train, ref.size)
  }
  return drawFrom(learner.split.heldout, ref.seed, ref.size)
}

/** The Evaluator bound to base θ. Batches are cached per round (they are rebuilt from their refs). */
export function learnEvaluator (learner: Learner, theta: Float32Array, step = 1): Evaluator {
  const cache = new Map<string, Uint32Array>()
  const samples = (ref: BatchRef): Uint32Array => {
    let s = cache.get(ref.id)
    if (s === undefined) { s = samplesOf(learner, ref); cache.set(ref.id, s) }
    return s
  }
  const metrics = (th: Float32Array, ref: BatchRef): Metrics => {
    const r = learner.evaluate(th, samples(ref))
    return { loss: r.loss, accuracy: r.accuracy }
  }
  return {
    classes: learner.task.numClasses,
    evaluate: (ref) => metrics(theta, ref),
    evaluateUpdate: (update, s, ref) => metrics(applyUpdate(theta, update, s * step), ref),
    labels: (ref) => Int32Array.from(samples(ref), (i) => learner.dataset.labels[i]),
  }
}
