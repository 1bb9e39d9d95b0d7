// Marginal contribution of each player (miner) to a coalition utility (e.g. the loss improvement of the aggregate of
// their updates): leave-one-out, exact Shapley for small games, and Shapley by permutation sampling with a budget.
// Generic over the utility, so these are tested on hand-computed games.
import { ValueError, check } from './errors.ts'
import { createRng, permutation } from './rng.ts'
import type { MaybePromise } from './types.ts'

/** Utility of a coalition, given as ascending player indices (0..n-1). Must be deterministic. */
export type Utility = (coalition: readonly number[]) => MaybePromise<number>

/** Wraps a utility with a cache keyed by coalition, counting distinct evaluations. */
export function memoize (utility: Utility): { u: (members: readonly number[]) => Promise<number>, evaluations: () => number } {
  const cache = new Map<string, number>()
  return {
    u: async (members) => {
      const sorted = [...members].sort((a, b) => a - b)
      const key = sorted.join(',')
      const hit = cache.get(key)
      if (hit !== undefined) return hit
      const v = await utility(sorted)
      if (!Number.isFinite(v)) throw new ValueError('NON_FINITE', `utility of {${key}} is ${v}`, { coalition: sorted })
      cache.set(key, v)
      return v
    },
    evaluations: () => cache.size,
  }
}

export interface LeaveOneOut {
  /** U(N). */
  full: number
  /** U(N \ {i}) for each player. */
  without: number[]
  /** U(N) − U(N \ {i}). */
  values: number[]
}

/** Leave-one-out contributions: n + 1 utility evaluations. */
export async function leaveOneOut (n: number, utility: Utility): Promise<LeaveOneOut> {
  check(Number.isInteger(n) && n >= 0, 'player count must be a non-negative integer', { n })
  const { u } = memoize(utility)
  const all = Array.from({ length: n }, (_, i) => i)
  const full = n === 0 ? 0 : await u(all)
  const without: number[] = []
  for (let i = 0; i < n; i++) without.push(await u(all.filter((j) => j !== i)))
  return { full, without, values: without.map((w) => full - w) }
}

export interface ShapleyEstimate {
  /** Estimated Shapley value per player. */
  values: number[]
  /** Standard error of each estimate (0 when exact). */
  stdErr: number[]
  /** Permutations sampled (n! when exact). */
  permutations: number
  /** Distinct coalitions evaluated. */
  evaluations: number
  /** Seed of the permutation sampler (empty when exact). */
  seed: string
  exact: boolean
}

/** Exact Shapley values over all 2^n coalitions (n ≤ 16): φ_i = Σ_S |S|!(n−|S|−1)!/n! · (U(S∪i) − U(S)). */
export async function shapleyExact (n: number, utility: Utility): Promise<ShapleyEstimate> {
  if (n > 16) throw new ValueError('TOO_MANY_PLAYERS', `exact Shapley is limited to 16 players, got ${n}`, { n })
  check(Number.isInteger(n) && n >= 0, 'player count must be a non-negative integer', { n })
  const { u, evaluations } = memoize(utility)
  const fact = [1]
  for (let i = 1; i <= n; i++) fact.push(fact[i - 1] * i)
  const values = new Array<number>(n).fill(0)
  for (let mask = 0; mask < (1 << n); mask++) {
    const members: number[] = []
    for (let j = 0; j < n; j++) if (mask & (1 << j)) members.push(j)
    const uS = members.length === 0 ? 0 : await u(members)
    const w = fact[members.length] * fact[n - members.length - 1] / fact[n]
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) continue
      values[i] += w * (await u([...members, i]) - uS)
    }
  }
  return { values, stdErr: new Array<number>(n).fill(0), permutations: fact[n], evaluations: evaluations(), seed: '', exact: true }
}

export interface ShapleyOptions {
  /** Seed of the permutation sampler; recorded so the estimate can be replayed. */
  seed: string
  /** Most permutations to sample (default 32). */
  permutations?: number
  /** Most distinct coalition evaluations (the budget); sampling stops before a permutation could exceed it. */
  maxEvaluations?: number
  /** Pair each permutation with its reverse (antithetic sampling: lower variance for the same budget). Default true. */
  antithetic?: boolean
}

/**
 * Monte-Carlo Shapley (Castro et al. 2009): average each player's marginal contribution over sampled orderings.
 * U(∅) is taken as 0. The standard error is the sample standard deviation over independent samples divided by √m
 * (with antithetic sampling, a sample is the mean over a permutation and its reverse).
 */
export async function shapleyPermutation (n: number, utility: Utility, options: ShapleyOptions): Promise<ShapleyEstimate> {
  check(Number.isInteger(n) && n >= 0, 'player count must be a non-negative integer', { n })
  const maxPerms = options.permutations ?? 32
  const budget = options.maxEvaluations ?? Infinity
  const antithetic = options.antithetic ?? true
  if (budget < (antithetic ? 2 : 1) * n && n > 0) {
    throw new ValueError('BUDGET_TOO_SMALL', `a budget of ${budget} evaluations cannot cover one sample of ${n} players`, { budget, n })
  }
  const { u, evaluations } = memoize(utility)
  const rng = createRng(options.seed)
  const sum = new Array<number>(n).fill(0)
  const sumSq = new Array<number>(n).fill(0)
  let samples = 0
  let perms = 0
  const marginals = async (order: number[]): Promise<number[]> => {
    const out = new Array<number>(n).fill(0)
    let prev = 0
    for (let k = 0; k < n; k++) {
      const cur = await u(order.slice(0, k + 1))
      out[order[k]] = cur - prev
      prev = cur
    }
    return out
  }
  const step = antithetic ? 2 : 1
  while (n > 0 && perms + step <= Math.max(maxPerms, step) && evaluations() + step * n <= budget) {
    const order = permutation(n, rng)
    const m = await marginals(order)
    if (antithetic) {
      const r = await marginals([...order].reverse())
      for (let i = 0; i < n; i++) m[i] = (m[i] + r[i]) / 2
    }
    for (let i = 0; i < n; i++) { sum[i] += m[i]; sumSq[i] += m[i] * m[i] }
    samples++
    perms += step
  }
  const values = sum.map((s) => samples > 0 ? s / samples : 0)
  const stdErr = values.map((mean, i) => {
    if (samples < 2) return Infinity
    const variance = Math.max(0, (sumSq[i] - samples * mean * mean) / (samples - 1))
    return Math.sqrt(variance / samples)
  })
  return { values, stdErr, permutations: perms, evaluations: evaluations(), seed: options.seed, exact: false }
}
