// The adversary simulation: miners of every kind train (or cheat) on real data each round, validators score them
// with value's scoreRound, their EMA weights go through Yuma, and the next model aggregates the updates that a stake
// majority of validators selected. In-process, no network; deterministic for a given configuration.
import type { BatchRef, Evaluator, Submission } from '../types.ts'
import type { EmaState, WeightOptions } from '../score.ts'
import type { RoundResult, ValidatorConfig } from '../round.ts'
import type { SimEngine } from './engine.ts'
import { DEFAULT_VALIDATOR_CONFIG, scoreRound } from '../round.ts'
import { createEma, emaToWeights, updateEma } from '../score.ts'
import { createRng, gaussian, permutation } from '../rng.ts'
import { l2norm, meanOf, median } from '../vector.ts'
import { YumaSubnet } from './consensus.ts'
import type { ConsensusView } from './consensus.ts'

/** How a miner behaves. */
export type MinerKind =
  | 'honest' // trains on its assignment
  | 'free-rider' // publishes a zero update
  | 'noise' // a random direction with an honest norm
  | 'copier' // another miner's update plus small noise, published later
  | 'poisoner' // trains, then publishes its update sign-flipped and scaled
  | 'stale' // replays an update published in the previous round
  | 'lie' // "a little is enough": mean − z·std of the honest updates, inside their variance
  | 'lazy' // trains on a tenth of its assignment (a tenth of the work)

export const ADVERSARY_KINDS: readonly MinerKind[] = ['free-rider', 'noise', 'copier', 'poisoner', 'stale', 'lie', 'lazy']

export interface SimConfig {
  miners: readonly MinerKind[]
  /** Stake of each validator (one entry per validator). */
  validatorStakes: readonly number[]
  rounds: number
  /** Samples assigned to each miner per round. */
  samplesPerRound: number
  /** Inner steps an honest miner trains per round. */
  innerSteps: number
  /** Held-out examples a validator evaluates on per round, and query examples it sends. */
  heldoutBatch: number
  queryBatch: number
  /** Step η of the outer update θ ← θ − η·aggregate. */
  outerLearningRate: number
  /** Poisoner's scale (its update is −scale·Δ). */
  poisonScale: number
  /** "A little is enough" shift in honest standard deviations. */
  lieZ: number
  /** Validator scoring configuration. */
  validator: ValidatorConfig
  /** EMA rate of round scores. */
  emaAlpha: number
  weights: WeightOptions
  /**
   * Rounds before validators first set weights on chain: one round of evidence is weak (the own-data check needs a
   * trained model to separate own from held-out gains), so validators wait, as Bittensor validators warm up.
   */
  warmupRounds: number
  /** Defences off: every update is aggregated with a plain mean (no selection, no robust rule), for a baseline. */
  undefended?: boolean
  /** Seed of everything random in the simulation (noise, validator batches). */
  seed: string
  /** Keep every validator's full round result (evidence) in the reports. */
  keepEvidence?: boolean
}

export const DEFAULT_SIM_CONFIG: Omit<SimConfig, 'miners'> = {
  validatorStakes: [1000, 1000, 1000],
  rounds: 10,
  samplesPerRound: 128,
  innerSteps: 12,
  heldoutBatch: 200,
  queryBatch: 64,
  outerLearningRate: 1,
  poisonScale: 4,
  lieZ: 0.5,
  validator: DEFAULT_VALIDATOR_CONFIG,
  emaAlpha: 0.3,
  weights: { relativeFloor: 0.3 },
  warmupRounds: 1,
  seed: 'tensormesh-sim',
}

export interface RoundReport {
  round: number
  baseHash: string
  /** Test accuracy and loss of the model this round started from. */
  testAccuracy: number
  testLoss: number
  /** Yuma incentive per miner uid. */
  incentive: number[]
  /** Mean over validators of each miner's score EMA. */
  meanEma: number[]
  /** Rank per miner uid (1 = best): by incentive, then mean EMA. */
  rank: number[]
  /** Uids whose updates went into the aggregate. */
  aggregated: number[]
  /** Penalty codes per miner uid (union over validators). */
  penalties: string[][]
  /** Share of miners' incentive earned by adversaries (null while no incentive is paid, e.g. during warm-up). */
  adversaryShare: number | null
  consensus: ConsensusView
  /** Each validator's round result, when `keepEvidence`. */
  evidence?: RoundResult[]
}

export interface SimResult {
  config: Omit<SimConfig, 'validator'> & { validator: unknown }
  rounds: RoundReport[]
  /** Test accuracy of the final model (after the last round's update). */
  finalTestAccuracy: number
  finalTestLoss: number
}

const hotkey = (uid: number): string => `miner-${uid}`

function sample (pool: Uint32Array, count: number, seed: string): Uint32Array {
  const p = permutation(pool.length, createRng(seed))
  return Uint32Array.from(p.slice(0, count), (i) => pool[i])
}

/** Validator v's share of the held-out pool: disjoint slices, so each validator holds its own data. */
function validatorPool (pool: Uint32Array, v: number, count: number): Uint32Array {
  const size = Math.floor(pool.length / count)
  return pool.slice(v * size, (v + 1) * size)
}

/** Coordinate-wise mean − z·std over updates. */
function littleIsEnough (updates: Float32Array[], z: number): Float32Array {
  const d = updates[0].length
  const out = new Float32Array(d)
  for (let i = 0; i < d; i++) {
    let s = 0; let s2 = 0
    for (const u of updates) { s += u[i]; s2 += u[i] * u[i] }
    const m = s / updates.length
    out[i] = m - z * Math.sqrt(Math.max(0, s2 / updates.length - m * m))
  }
  return out
}

function noiseLike (dim: number, norm: number, rng: () => number): Float32Array {
  const v = Float32Array.from({ length: dim }, () => gaussian(rng))
  const n = l2norm(v)
  return v.map((x) => x * norm / n)
}

/** The simulation's batches: ids resolve to sample indices inside the simulation (the validator can rebuild all). */
class BatchBook {
  private readonly map = new Map<string, Uint32Array>()
  add (kind: BatchRef['kind'], id: string, seed: string, samples: Uint32Array): BatchRef {
    this.map.set(id, samples)
    return { kind, id, seed, size: samples.length }
  }

  get (b: BatchRef): Uint32Array {
    const s = this.map.get(b.id)
    if (s === undefined) throw new Error(`unknown batch ${b.id}`)
    return s
  }
}

function evaluatorFor (engine: SimEngine, theta: Float32Array, book: BatchBook): Evaluator {
  const cache = new Map<string, { loss: number, accuracy: number }>()
  return {
    classes: engine.classes,
    evaluate: (b) => {
      const hit = cache.get(b.id)
      if (hit !== undefined) return hit
      const m = engine.evaluate(theta, null, 0, book.get(b))
      cache.set(b.id, m)
      return m
    },
    evaluateUpdate: (u, step, b) => engine.evaluate(theta, u, step, book.get(b)),
    labels: (b) => engine.labels(book.get(b)),
  }
}

interface MinerOutput { update: Float32Array | null, arrivalMs: number }

async function minerUpdates (
  engine: SimEngine, cfg: SimConfig, theta: Float32Array, round: number, previous: Map<number, Float32Array>, rng: () => number,
): Promise<Map<number, MinerOutput>> {
  const out = new Map<number, MinerOutput>()
  const honestUpdates: Float32Array[] = [] // as trained, before the codec
  const trained = new Map<number, Float32Array>()
  // Miners that train go first; cheats that need others' updates arrive later.
  for (const [uid, kind] of cfg.miners.entries()) {
    if (kind !== 'honest' && kind !== 'poisoner' && kind !== 'lazy') continue
    const own = engine.assign(hotkey(uid), round, cfg.samplesPerRound)
    if (kind === 'lazy') {
      const tenth = own.slice(0, Math.max(1, Math.floor(own.length / 10)))
      trained.set(uid, await engine.train(theta, tenth, Math.max(1, Math.round(cfg.innerSteps / 10))))
    } else {
      trained.set(uid, await engine.train(theta, own, cfg.innerSteps))
    }
    if (kind === 'honest') honestUpdates.push(trained.get(uid)!)
  }
  const honestUids = cfg.miners.flatMap((k, uid) => (k === 'honest' ? [uid] : []))
  const honestNorm = median(honestUpdates.map(l2norm))
  // Cheats that build on others' published updates go after them (whatever their uids).
  const needsOthers = (k: MinerKind): number => (k === 'copier' || k === 'lie' ? 1 : 0)
  const order = [...cfg.miners.entries()].sort((a, b) => needsOthers(a[1]) - needsOthers(b[1]) || a[0] - b[0])
  for (const [uid, kind] of order) {
    const early = 1000 + 10 * uid
    const late = 8000 + 10 * uid
    // Published updates go through the wire codec (when the engine has one); a replay resends old bytes as they were.
    const put = (update: Float32Array, arrivalMs: number): void => { out.set(uid, { update: engine.publish(hotkey(uid), update), arrivalMs }) }
    switch (kind) {
      case 'honest': case 'lazy': put(trained.get(uid)!, early); break
      case 'poisoner': put(trained.get(uid)!.map((x) => -cfg.poisonScale * x), early); break
      case 'free-rider': put(new Float32Array(engine.dim), early); break
      case 'noise': put(noiseLike(engine.dim, honestNorm, rng), early); break
      case 'copier': {
        const src = out.get(honestUids[0])!.update!
        const n = noiseLike(engine.dim, 0.01 * l2norm(src), rng)
        put(src.map((x, i) => x + n[i]), late)
        break
      }
      case 'stale': {
        const prev = previous.get(honestUids[honestUids.length - 1])
        if (prev !== undefined) out.set(uid, { update: prev, arrivalMs: late })
        break
      }
      case 'lie': {
        const published = honestUids.map((h) => out.get(h)!.update!)
        put(littleIsEnough(published, cfg.lieZ), late)
        break
      }
    }
  }
  return out
}

function ranks (incentive: readonly number[], ema: readonly number[]): number[] {
  const order = incentive.map((_, i) => i).sort((a, b) => incentive[b] - incentive[a] || ema[b] - ema[a] || a - b)
  const r = new Array<number>(incentive.length)
  order.forEach((uid, k) => { r[uid] = k + 1 })
  return r
}

/** Runs the simulation; `onRound` sees each round's report as it completes. */
export async function runSimulation (engine: SimEngine, cfg: SimConfig, onRound?: (r: RoundReport) => void): Promise<SimResult> {
  const nM = cfg.miners.length
  const nV = cfg.validatorStakes.length
  const rng = createRng(`${cfg.seed}/miners`)
  const subnet = new YumaSubnet(nM, cfg.validatorStakes)
  const totalStake = cfg.validatorStakes.reduce((s, x) => s + x, 0)
  const vals = cfg.validatorStakes.map((_, v) => ({
    name: `validator-${v}`,
    pool: validatorPool(engine.pools.heldout, v, nV),
    ema: createEma(cfg.emaAlpha) as EmaState,
    own: {} as Record<string, number>,
  }))
  const test = engine.pools.test
  // Marginal contributions are measured against the round's real (robust) aggregate, not a plain mean.
  const validatorConfig: ValidatorConfig = { ...cfg.validator, aggregate: cfg.validator.aggregate ?? ((us) => engine.aggregate(us) ?? new Float32Array(engine.dim)) }
  let theta = engine.initialParams()
  let previous = new Map<number, Float32Array>()
  const reports: RoundReport[] = []
  for (let round = 0; round < cfg.rounds; round++) {
    const baseHash = engine.hash(theta)
    const testM = engine.evaluate(theta, null, 0, test)
    const outputs = await minerUpdates(engine, cfg, theta, round, previous, rng)
    const book = new BatchBook()
    const evaluator = evaluatorFor(engine, theta, book)
    const expect = { round, baseHash, deadlineMs: 10_000, dim: engine.dim }
    const earlier = [...previous.entries()].map(([uid, update]) => ({ uid, round: round - 1, update }))
    const results: RoundResult[] = []
    for (const val of vals) {
      const picked = sample(val.pool, cfg.heldoutBatch + cfg.queryBatch, `${cfg.seed}/${val.name}/${round}`)
      const heldout = book.add('heldout', `heldout/${val.name}/r${round}`, `${cfg.seed}/${val.name}/${round}`, picked.slice(0, cfg.heldoutBatch))
      const query = book.add('query', `query/${val.name}/r${round}`, `${cfg.seed}/${val.name}/${round}`, picked.slice(cfg.heldoutBatch))
      const submissions: Submission[] = []
      for (const [uid, o] of outputs) {
        const assignment = book.add('assignment', `assign/${hotkey(uid)}/r${round}`, `${hotkey(uid)}/${round}`, engine.assign(hotkey(uid), round, cfg.samplesPerRound))
        // A miner answers queries with its own model: θ with its published update applied.
        const response = o.update === null ? null : engine.predict(theta, o.update, 1, book.get(query))
        submissions.push({ uid, round, baseHash, arrivalMs: o.arrivalMs, update: o.update, assignment, response })
      }
      const r = await scoreRound(evaluator, {
        validator: val.name, expect, expectedUids: cfg.miners.map((_, i) => i), submissions, heldout, query, earlier, ownAverages: val.own,
      }, validatorConfig)
      val.own = r.ownAverages
      val.ema = updateEma(val.ema, r.records)
      results.push(r)
    }
    const weights = vals.map((val) => emaToWeights(val.ema.values, cfg.weights))
    const consensus = subnet.epoch(round < cfg.warmupRounds ? weights.map(() => ({ uids: [], weights: [] })) : weights)
    const incentive = cfg.miners.map((_, uid) => consensus.incentive[uid])
    const meanEma = cfg.miners.map((_, uid) => vals.reduce((s, val) => s + (val.ema.values[String(uid)] ?? 0), 0) / nV)
    // Aggregate what a stake majority of validators selected: a positive score this round and a weight (EMA) above
    // the floor, so that a cheat that slips through one round's measurement still stays out.
    const aggregated = cfg.undefended === true
      ? [...outputs.entries()].filter(([, o]) => o.update !== null).map(([uid]) => uid)
      : cfg.miners.map((_, uid) => uid).filter((uid) => {
        const stake = results.reduce((s, r, v) => s + (r.selected.includes(uid) && weights[v].uids.includes(uid) ? cfg.validatorStakes[v] : 0), 0)
        return stake * 2 > totalStake
      })
    const chosen = aggregated.map((uid) => outputs.get(uid)!.update!)
    const agg = cfg.undefended === true ? meanOf(chosen) : engine.aggregate(chosen)
    if (agg !== null) theta = engine.apply(theta, agg, cfg.outerLearningRate)
    previous = new Map([...outputs.entries()].filter(([, o]) => o.update !== null).map(([uid, o]) => [uid, o.update!]))
    const adversary = incentive.reduce((s, x, uid) => s + (cfg.miners[uid] === 'honest' ? 0 : x), 0)
    const total = incentive.reduce((s, x) => s + x, 0)
    const report: RoundReport = {
      round,
      baseHash,
      testAccuracy: testM.accuracy,
      testLoss: testM.loss,
      incentive,
      meanEma,
      rank: ranks(incentive, meanEma),
      aggregated,
      penalties: cfg.miners.map((_, uid) => [...new Set(results.flatMap((r) => r.records.find((x) => x.uid === uid)?.penalties.map((p) => p.code) ?? []))]),
      adversaryShare: total > 0 ? adversary / total : null,
      consensus,
      ...(cfg.keepEvidence === true ? { evidence: results } : {}),
    }
    reports.push(report)
    onRound?.(report)
  }
  const final = engine.evaluate(theta, null, 0, test)
  return {
    config: { ...cfg, validator: JSON.parse(JSON.stringify({ ...cfg.validator, aggregate: undefined })) },
    rounds: reports,
    finalTestAccuracy: final.accuracy,
    finalTestLoss: final.loss,
  }
}
