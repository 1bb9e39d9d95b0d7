// One validator's scoring of one round: penalties, copy and replay detection, loss deltas on held-out and own data,
// response scores, leave-one-out and Shapley contributions to the aggregate, and the combined score — each record
// carrying the evidence (batch ids, seeds, losses, similarity figures) needed to replay and audit it.
import type { BatchRef, Evaluator, Json, Submission } from './types.ts'
import type { CopyOptions } from './copies.ts'
import type { Penalty, RoundExpectations } from './penalties.ts'
import type { ScoreWeights } from './score.ts'
import type { LossDelta, ResponseScore } from './measure.ts'
import { detectCopies, detectReplays } from './copies.ts'
import { submissionPenalties } from './penalties.ts'
import { DEFAULT_SCORE_WEIGHTS, combineScore, emaStep, normaliseComponents } from './score.ts'
import { lossDelta, ownDataSign, relativeImprovement, responseScore } from './measure.ts'
import { leaveOneOut, shapleyPermutation } from './shapley.ts'
import { allFinite, meanOf } from './vector.ts'
import { ValueError } from './errors.ts'

export interface ValidatorConfig {
  /** Scale applied to an update when it is evaluated alone (1 = as the miner trained it). */
  step: number
  /** Own-data check margin: own gain must exceed held-out gain by relative·|held-out gain| + absolute. */
  ownMargin: { relative: number, absolute: number }
  /** Rate of the own-data sign's moving average. */
  ownAlpha: number
  copy: CopyOptions
  /** Shapley sampling (false: skip). */
  shapley: false | { permutations: number, maxEvaluations?: number, antithetic?: boolean }
  /** Leave-one-out contributions. */
  loo: boolean
  weights: ScoreWeights
  /**
   * Aggregation used inside the coalition utility (the round's aggregate rule, e.g. learn's trimmed mean);
   * default: the plain mean.
   */
  aggregate?: (updates: Float32Array[]) => Float32Array
}

export const DEFAULT_VALIDATOR_CONFIG: ValidatorConfig = {
  step: 1,
  ownMargin: { relative: 0.2, absolute: 0.002 },
  ownAlpha: 0.3,
  copy: {},
  shapley: { permutations: 16, antithetic: true },
  loo: true,
  weights: DEFAULT_SCORE_WEIGHTS,
}

export interface RoundInput {
  /** Identifies the validator (hotkey or name); part of every seed it uses. */
  validator: string
  expect: RoundExpectations
  /** Uids expected to submit (a missing one is penalised). */
  expectedUids: readonly number[]
  submissions: readonly Submission[]
  /** Validator-held batch no miner was assigned. */
  heldout: BatchRef
  /** Query batch whose inputs were sent to miners (answers in `Submission.response`). */
  query?: BatchRef
  /** Updates from earlier rounds, for replay detection. */
  earlier?: readonly { uid: number, round: number, update: Float32Array }[]
  /** Moving averages of the own-data sign so far (uid → average). */
  ownAverages: Record<string, number>
}

/** Everything that went into one uid's round score. Plain JSON. */
export interface ScoreRecord {
  validator: string
  round: number
  uid: number
  baseHash: string
  /** Fingerprint of the update bytes (FNV-1a, not cryptographic) so an auditor can match the update it replays. */
  updateDigest: string | null
  arrivalMs: number | null
  penalties: Penalty[]
  gradient: LossDelta | null
  own: { delta: LossDelta, gap: number, margin: number, sign: 1 | -1, average: number } | null
  response: (ResponseScore | { batch: BatchRef, error: string }) | null
  loo: { value: number, full: number, without: number } | null
  shapley: { value: number, stdErr: number, permutations: number, evaluations: number, seed: string } | null
  /** Components scaled to [0, 1] against the round's best. */
  normalised: { gradient: number | null, shapley: number | null, loo: number | null, response: number | null }
  ownFactor: number
  score: number
}

export interface RoundResult {
  validator: string
  round: number
  records: ScoreRecord[]
  ownAverages: Record<string, number>
  /** Uids with a positive score, best first: the updates this validator would aggregate. */
  selected: number[]
  /** Seeds and batch ids shared by all records of the round. */
  evidence: { heldout: BatchRef, query: BatchRef | null, baseLoss: number, baseAccuracy: number, step: number, config: Json }
}

/** FNV-1a over the update's bytes, two 32-bit lanes. */
export function updateDigest (update: Float32Array): string {
  const bytes = new Uint8Array(update.buffer, update.byteOffset, update.byteLength)
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 0x01000193)
    h2 = Math.imul(h2 ^ bytes[i], 0x811c9dc5) ^ (h2 >>> 13)
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0')
}

function firstArrivals (subs: readonly Submission[]): Map<number, Submission> {
  const m = new Map<number, Submission>()
  for (const s of subs) {
    const prev = m.get(s.uid)
    if (prev === undefined || s.arrivalMs < prev.arrivalMs) m.set(s.uid, s)
  }
  return m
}

/** Scores one round for one validator. Pure apart from the evaluator's calls; deterministic for given inputs. */
export async function scoreRound (evaluator: Evaluator, input: RoundInput, config: ValidatorConfig = DEFAULT_VALIDATOR_CONFIG): Promise<RoundResult> {
  const { expect, validator } = input
  const byUid = firstArrivals(input.submissions)
  const uids = [...new Set([...input.expectedUids, ...byUid.keys()])].sort((a, b) => a - b)
  const penalties = new Map<number, Penalty[]>(uids.map((u) => [u, submissionPenalties(byUid.get(u), expect)]))
  const sound = uids.filter((u) => penalties.get(u)!.length === 0).map((u) => byUid.get(u)!) as (Submission & { update: Float32Array })[]

  // Copies are looked for among every decodable update, late or stale ones included: copying a late update is
  // still copying, and the original's own fault is already recorded.
  const decodable = uids.map((u) => byUid.get(u)).filter((s): s is Submission & { update: Float32Array } =>
    s !== undefined && s.update !== null && s.update.length === expect.dim && allFinite(s.update))
  for (const c of detectCopies(decodable.map((s) => ({ uid: s.uid, update: s.update, arrivalMs: s.arrivalMs })), config.copy)) {
    penalties.get(c.uid)!.push({ code: 'copy', detail: { of: c.of, cosine: c.cosine, overlap: c.overlap, arrivalMs: c.arrivalMs, ofArrivalMs: c.ofArrivalMs } })
  }
  for (const r of detectReplays(sound, input.earlier ?? [], config.copy)) {
    penalties.get(r.uid)!.push({ code: 'replay', detail: { of: r.of, ofRound: r.ofRound, cosine: r.cosine, overlap: r.overlap } })
  }

  const base = await evaluator.evaluate(input.heldout)
  if (!Number.isFinite(base.loss) || base.loss <= 0) throw new ValueError('NON_FINITE', `base loss on ${input.heldout.id} is ${base.loss}`)
  const ownAverages = { ...input.ownAverages }
  const gradient = new Map<number, LossDelta>()
  const own = new Map<number, ScoreRecord['own']>()
  for (const s of sound) {
    const g = await lossDelta(evaluator, s.update, config.step, input.heldout, base)
    gradient.set(s.uid, g)
    const o = await lossDelta(evaluator, s.update, config.step, s.assignment)
    const sign = ownDataSign(o.value, g.value, config.ownMargin.relative, config.ownMargin.absolute)
    const key = String(s.uid)
    ownAverages[key] = emaStep(ownAverages[key] ?? 0, sign.sign, config.ownAlpha)
    own.set(s.uid, { delta: o, ...sign, average: ownAverages[key] })
  }

  const players = sound.filter((s) => penalties.get(s.uid)!.length === 0)
  const response = await scoreResponses(evaluator, input, players)
  const contrib = await contributions(evaluator, input, config, players, base.loss)

  const components = players.map((s) => ({
    gradient: gradient.get(s.uid)!.value,
    shapley: contrib.shapley?.values[players.indexOf(s)] ?? null,
    loo: contrib.loo?.values[players.indexOf(s)] ?? null,
    response: responseValue(response.get(s.uid)),
  }))
  const normalised = normaliseComponents(components)
  const records: ScoreRecord[] = uids.map((uid) => {
    const sub = byUid.get(uid)
    const p = players.findIndex((s) => s.uid === uid)
    const pen = penalties.get(uid)!
    const ownFactor = Math.max(0, ownAverages[String(uid)] ?? 0)
    const norm = p >= 0 ? normalised[p] : { gradient: null, shapley: null, loo: null, response: null }
    return {
      validator,
      round: expect.round,
      uid,
      baseHash: expect.baseHash,
      updateDigest: sub?.update != null ? updateDigest(sub.update) : null,
      arrivalMs: sub?.arrivalMs ?? null,
      penalties: pen,
      gradient: gradient.get(uid) ?? null,
      own: own.get(uid) ?? null,
      response: response.get(uid) ?? null,
      loo: p >= 0 && contrib.loo !== null ? { value: contrib.loo.values[p], full: contrib.loo.full, without: contrib.loo.without[p] } : null,
      shapley: p >= 0 && contrib.shapley !== null
        ? { value: contrib.shapley.values[p], stdErr: contrib.shapley.stdErr[p], permutations: contrib.shapley.permutations, evaluations: contrib.shapley.evaluations, seed: contrib.shapley.seed }
        : null,
      normalised: norm,
      ownFactor,
      score: p >= 0 ? combineScore(norm, ownFactor, pen.length > 0, config.weights) : 0,
    }
  })
  const selected = records.filter((r) => r.score > 0).sort((a, b) => b.score - a.score || a.uid - b.uid).map((r) => r.uid)
  return {
    validator,
    round: expect.round,
    records,
    ownAverages,
    selected,
    evidence: {
      heldout: input.heldout,
      query: input.query ?? null,
      baseLoss: base.loss,
      baseAccuracy: base.accuracy,
      step: config.step,
      config: JSON.parse(JSON.stringify({ ...config, aggregate: config.aggregate === undefined ? 'mean' : 'custom' })) as Json,
    },
  }
}

function responseValue (r: ScoreRecord['response'] | undefined): number | null {
  if (r === undefined || r === null) return null
  return 'error' in r ? 0 : r.value
}

async function scoreResponses (evaluator: Evaluator, input: RoundInput, players: readonly Submission[]): Promise<Map<number, NonNullable<ScoreRecord['response']>>> {
  const out = new Map<number, NonNullable<ScoreRecord['response']>>()
  const query = input.query
  if (query === undefined) return out
  const labels = await evaluator.labels(query)
  const baseLoss = (await evaluator.evaluate(query)).loss
  for (const s of players) {
    if (s.response === undefined) continue
    if (s.response === null) { out.set(s.uid, { batch: query, error: 'no answer' }); continue }
    try {
      out.set(s.uid, responseScore(s.response, labels, evaluator.classes, query, baseLoss))
    } catch (e) {
      if (!(e instanceof ValueError)) throw e
      out.set(s.uid, { batch: query, error: `${e.code}: ${e.message}` })
    }
  }
  return out
}

async function contributions (
  evaluator: Evaluator, input: RoundInput, config: ValidatorConfig, players: readonly (Submission & { update: Float32Array })[], baseLoss: number,
): Promise<{ loo: Awaited<ReturnType<typeof leaveOneOut>> | null, shapley: Awaited<ReturnType<typeof shapleyPermutation>> | null }> {
  const aggregate = config.aggregate ?? ((us: Float32Array[]) => meanOf(us)!)
  const cache = new Map<string, number>()
  const utility = async (coalition: readonly number[]): Promise<number> => {
    if (coalition.length === 0) return 0
    const key = coalition.join(',')
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    const agg = aggregate(coalition.map((i) => players[i].update))
    const m = await evaluator.evaluateUpdate(agg, config.step, input.heldout)
    const v = relativeImprovement(baseLoss, m.loss)
    cache.set(key, v)
    return v
  }
  const n = players.length
  const loo = config.loo && n > 0 ? await leaveOneOut(n, utility) : null
  const shapley = config.shapley !== false && n > 0
    ? await shapleyPermutation(n, utility, { seed: `${input.validator}/${input.expect.round}/shapley`, ...config.shapley })
    : null
  return { loo, shapley }
}

/** A number in a score record that a replay did not reproduce. */
export interface AuditMismatch {
  field: string
  recorded: number | string | null
  replayed: number | string | null
}

/**
 * Replays the update-dependent measurements of a score record (gradient value and own-data check) with an evaluator
 * bound to the same base model and the update the record's digest names. Anyone holding the round's model, data and
 * updates can thus check a validator's numbers. Relative tolerance `tol` absorbs float differences between backends.
 */
export async function auditRecord (evaluator: Evaluator, record: ScoreRecord, update: Float32Array, tol = 1e-6): Promise<{ ok: boolean, mismatches: AuditMismatch[] }> {
  const mismatches: AuditMismatch[] = []
  const digest = updateDigest(update)
  if (digest !== record.updateDigest) mismatches.push({ field: 'updateDigest', recorded: record.updateDigest, replayed: digest })
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b))
  const compare = (prefix: string, rec: LossDelta, again: LossDelta): void => {
    for (const k of ['lossBefore', 'lossAfter', 'accuracyBefore', 'accuracyAfter', 'value'] as const) {
      if (!near(rec[k], again[k])) mismatches.push({ field: `${prefix}.${k}`, recorded: rec[k], replayed: again[k] })
    }
  }
  let heldoutValue = 0
  if (record.gradient !== null) {
    const again = await lossDelta(evaluator, update, record.gradient.step, record.gradient.batch)
    compare('gradient', record.gradient, again)
    heldoutValue = again.value
  }
  if (record.own !== null) {
    const again = await lossDelta(evaluator, update, record.own.delta.step, record.own.delta.batch)
    compare('own.delta', record.own.delta, again)
    const gap = again.value - heldoutValue
    const sign = gap > record.own.margin ? 1 : -1
    if (sign !== record.own.sign) mismatches.push({ field: 'own.sign', recorded: record.own.sign, replayed: sign })
  }
  return { ok: mismatches.length === 0, mismatches }
}
