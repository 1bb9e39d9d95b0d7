// From measurements to a round score, from round scores to a per-uid EMA, and from the EMA to float weights that
// packages/yuma turns into u16 (`convertWeightsAndUidsForEmit`, the Bittensor SDK's rules).
import { check } from './errors.ts'

/** Relative weight of each measured component in the combined score. */
export interface ScoreWeights {
  gradient: number
  shapley: number
  loo: number
  response: number
}

export const DEFAULT_SCORE_WEIGHTS: ScoreWeights = { gradient: 0.4, shapley: 0.3, loo: 0.1, response: 0.2 }

/** Component values of one miner in one round (raw, as measured; null = not measured). */
export interface Components {
  gradient: number | null
  shapley: number | null
  loo: number | null
  response: number | null
}

/**
 * Scales each component into [0, 1] by dividing its positive part by the round's largest value among the miners
 * measured (the components have different units: one update's loss gain vs. its share of the aggregate's gain).
 */
export function normaliseComponents (all: readonly Components[]): Components[] {
  const keys = ['gradient', 'shapley', 'loo', 'response'] as const
  const max: Record<string, number> = {}
  for (const k of keys) max[k] = Math.max(0, ...all.map((c) => c[k] ?? 0))
  return all.map((c) => {
    const out: Components = { gradient: null, shapley: null, loo: null, response: null }
    for (const k of keys) {
      const v = c[k]
      out[k] = v === null ? null : (max[k] > 0 ? Math.max(0, v) / max[k] : 0)
    }
    return out
  })
}

/**
 * Combined round score in [0, 1]: the weighted mean of the normalised components that were measured, multiplied by
 * the own-data factor (max(0, moving average of the own-data sign)); zero when any penalty applies.
 */
export function combineScore (normalised: Components, ownFactor: number, penalised: boolean, weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS): number {
  if (penalised) return 0
  let num = 0
  let den = 0
  for (const k of ['gradient', 'shapley', 'loo', 'response'] as const) {
    const v = normalised[k]
    if (v === null) continue
    num += weights[k] * v
    den += weights[k]
  }
  if (den === 0) return 0
  return (num / den) * Math.max(0, Math.min(1, ownFactor))
}

/** Exponential moving average step: prev + alpha·(x − prev). */
export function emaStep (prev: number, x: number, alpha: number): number {
  check(alpha > 0 && alpha <= 1, 'EMA alpha must lie in (0, 1]', { alpha })
  return prev + alpha * (x - prev)
}

/** Per-uid EMA of round scores, as plain JSON (uids as keys). Uids never scored are absent (read as 0). */
export interface EmaState {
  alpha: number
  values: Record<string, number>
}

export function createEma (alpha: number): EmaState {
  check(alpha > 0 && alpha <= 1, 'EMA alpha must lie in (0, 1]', { alpha })
  return { alpha, values: {} }
}

/** Folds one round's scores into the EMA (new object; uids not in `scores` keep their value). */
export function updateEma (state: EmaState, scores: readonly { uid: number, score: number }[]): EmaState {
  const values = { ...state.values }
  for (const { uid, score } of scores) {
    check(Number.isFinite(score), 'score must be finite', { uid, score })
    values[String(uid)] = emaStep(values[String(uid)] ?? 0, score, state.alpha)
  }
  return { alpha: state.alpha, values }
}

export interface WeightOptions {
  /** Uids whose EMA is below this fraction of the largest EMA get weight 0 (default 0.3). */
  relativeFloor?: number
  /** Raise the surviving EMAs to this power before normalising (default 1). */
  power?: number
}

/**
 * Float weights (summing to 1, sorted by uid) from the EMA; the input shape of yuma's `convertWeightsAndUidsForEmit`.
 * Miners far below the best get nothing: a small but positive weight for a cheat would still earn it emission.
 * All zero: empty lists (the SDK then sets no weights).
 */
export function emaToWeights (values: Record<string, number>, options: WeightOptions = {}): { uids: number[], weights: number[] } {
  const floor = options.relativeFloor ?? 0.3
  const power = options.power ?? 1
  check(floor >= 0 && floor <= 1, 'relativeFloor must lie in [0, 1]', { floor })
  check(power > 0, 'power must be positive', { power })
  const entries = Object.entries(values).map(([k, v]) => [Number(k), Math.max(0, v)] as const).sort((a, b) => a[0] - b[0])
  const best = Math.max(0, ...entries.map((e) => e[1]))
  if (best === 0) return { uids: [], weights: [] }
  const kept = entries.filter(([, v]) => v > 0 && v >= floor * best).map(([u, v]) => [u, Math.pow(v, power)] as const)
  const total = kept.reduce((s, [, v]) => s + v, 0)
  return { uids: kept.map(([u]) => u), weights: kept.map(([, v]) => v / total) }
}
