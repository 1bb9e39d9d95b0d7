// Per-miner measurements: how much an update alone improves the loss on held-out data and on the miner's own data,
// and how good a miner's answers to queries are. Numbers are returned together with the inputs that produced them.
import type { BatchRef, Evaluator, Metrics } from './types.ts'
import { ValueError } from './errors.ts'

/**
 * Relative loss improvement (before − after) / before, clamped to [−1, 1] so that one exploding update cannot
 * dominate an average; a non-finite `after` (the update broke the model) counts as −1.
 */
export function relativeImprovement (before: number, after: number): number {
  if (!Number.isFinite(before) || before <= 0) {
    throw new ValueError('NON_FINITE', `base loss must be finite and positive, got ${before}`, { before })
  }
  if (!Number.isFinite(after)) return -1
  return Math.max(-1, Math.min(1, (before - after) / before))
}

/** Evidence of a loss-delta measurement on one batch. */
export interface LossDelta {
  batch: BatchRef
  step: number
  lossBefore: number
  lossAfter: number
  accuracyBefore: number
  accuracyAfter: number
  /** Relative improvement, see {@link relativeImprovement}. */
  value: number
}

/** Loss of θ and of θ + step·update on `batch` (`before` may be passed in when it is already known). */
export async function lossDelta (
  evaluator: Evaluator, update: Float32Array, step: number, batch: BatchRef, before?: Metrics,
): Promise<LossDelta> {
  const b = before ?? await evaluator.evaluate(batch)
  const a = await evaluator.evaluateUpdate(update, step, batch)
  return {
    batch,
    step,
    lossBefore: b.loss,
    lossAfter: a.loss,
    accuracyBefore: b.accuracy,
    accuracyAfter: a.accuracy,
    value: relativeImprovement(b.loss, a.loss),
  }
}

/** Evidence of the own-data check for one round. */
export interface OwnDataCheck {
  /** Improvement on the miner's own assignment. */
  own: LossDelta
  /** Improvement on held-out data (the gradient value's measurement). */
  heldoutValue: number
  /** own.value − heldoutValue. */
  gap: number
  /** Required gap, relative to |heldoutValue|, plus an absolute floor. */
  margin: number
  /** +1 when the gap clears the margin, −1 otherwise. */
  sign: 1 | -1
}

/**
 * An honest miner fits its own assignment better than data it never saw, so its update improves the own-data loss by
 * more than the held-out loss. Copiers, replayers and miners that did not train on their assignment show no such gap.
 */
export function ownDataSign (ownValue: number, heldoutValue: number, relMargin: number, absMargin: number): { gap: number, margin: number, sign: 1 | -1 } {
  const gap = ownValue - heldoutValue
  const margin = relMargin * Math.abs(heldoutValue) + absMargin
  return { gap, margin, sign: gap > margin ? 1 : -1 }
}

/** Evidence of a response (query answer) measurement. */
export interface ResponseScore {
  batch: BatchRef
  /** Mean −ln p(label), probabilities floored at 1e-7. */
  logLoss: number
  accuracy: number
  /** Base model's loss on the same queries. */
  baseLoss: number
  /** Relative improvement of the answers' log-loss over the base model's. */
  value: number
}

/**
 * Log-loss and accuracy of predicted class probabilities (`labels.length × classes`, row-major) against labels.
 * Rows are renormalised; a negative, non-finite, all-zero or wrongly sized answer throws NON_FINITE / LENGTH_MISMATCH
 * so that the caller can record it as malformed.
 */
export function scorePredictions (probs: Float32Array, labels: Int32Array, classes: number): { logLoss: number, accuracy: number } {
  const n = labels.length
  if (n === 0) throw new ValueError('EMPTY_INPUT', 'no labels to score against')
  if (probs.length !== n * classes) {
    throw new ValueError('LENGTH_MISMATCH', `expected ${n}×${classes} probabilities, got ${probs.length}`, { expected: n * classes, got: probs.length })
  }
  let loss = 0
  let correct = 0
  for (let r = 0; r < n; r++) {
    let sum = 0
    let best = 0
    for (let c = 0; c < classes; c++) {
      const p = probs[r * classes + c]
      if (!Number.isFinite(p) || p < 0) throw new ValueError('NON_FINITE', `probability row ${r} holds ${p}`, { row: r })
      sum += p
      if (p > probs[r * classes + best]) best = c
    }
    if (sum <= 0) throw new ValueError('NON_FINITE', `probability row ${r} sums to 0`, { row: r })
    const y = labels[r]
    loss -= Math.log(Math.max(probs[r * classes + y] / sum, 1e-7))
    if (best === y) correct++
  }
  return { logLoss: loss / n, accuracy: correct / n }
}

/** Scores a miner's answer against the labels, relative to the base model's loss on the same queries. */
export function responseScore (probs: Float32Array, labels: Int32Array, classes: number, batch: BatchRef, baseLoss: number): ResponseScore {
  const { logLoss, accuracy } = scorePredictions(probs, labels, classes)
  return { batch, logLoss, accuracy, baseLoss, value: relativeImprovement(baseLoss, logLoss) }
}
