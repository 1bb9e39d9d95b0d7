/**
 * `tensormesh replay`: re-verifies one round transcript. From the stored base checkpoint (hash-checked) it rebuilds
 * the miner's assignment and retrains it, and re-runs the validator's scoring and aggregation on the stored updates
 * and responses; every recomputed figure must match the transcript.
 */
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { applyUpdate, assignSamples, checkpointFromBytes, createLearner, getTask, paramsHash } from '@tensormesh/learn'
import { scoreRound, type Submission, type ValidatorConfig } from '@tensormesh/value'
import { NodeError } from './errors.ts'
import { learnEvaluator, assignmentRef } from './evaluator.ts'
import { sha256hex, validatorSetup, ROUND_SIZES } from './peer.ts'
import { dataPaths } from './datadir.ts'
import { f32FromBase64, readTranscript, type RoundTranscript } from './transcript.ts'

export interface ReplayCheck { name: string, ok: boolean, expected: string, got: string }
export interface ReplayReport { round: number, checks: ReplayCheck[], ok: boolean }

const check = (name: string, expected: unknown, got: unknown, ok?: boolean): ReplayCheck =>
  ({ name, expected: String(expected), got: String(got), ok: ok ?? String(expected) === String(got) })

const close = (a: number, b: number, tol = 1e-6): boolean => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b))

export async function replayRound (dataDir: string, round: number | 'latest', onProgress: (what: string) => void = () => {}): Promise<ReplayReport> {
  const p = dataPaths(dataDir)
  const t: RoundTranscript = readTranscript(p.transcripts, round)
  const ckPath = join(p.checkpoints, t.task, `r${t.round}.tmck`)
  if (!existsSync(ckPath)) throw new NodeError('TRANSCRIPT_NOT_FOUND', `base checkpoint of round ${t.round} is no longer kept (${ckPath})`, { round: t.round })
  onProgress('loading model')
  const learner = await createLearner(getTask(t.task))
  const checks: ReplayCheck[] = []
  try {
    const ck = checkpointFromBytes(new Uint8Array(readFileSync(ckPath)), { spec: learner.spec })
    checks.push(check('base model hash', t.baseModel, ck.hash))
    const theta = ck.params
    if (t.miner !== null) {
      onProgress('rebuilding the miner assignment')
      const samples = assignSamples({ hotkey: t.hotkey, round: t.round, taskSeed: learner.task.seed }, learner.split.train, t.miner.sampleCount)
      checks.push(check('assignment', t.miner.samplesHash, sha256hex(new Uint8Array(samples.buffer))))
      if (t.behaviour !== 'free-rider' && t.behaviour !== 'copier') {
        onProgress('retraining')
        const r = await learner.train(theta, samples, { steps: t.miner.steps, ...(t.miner.batchSize !== undefined ? { batchSize: t.miner.batchSize } : {}) })
        checks.push(check('training loss', t.miner.loss, r.loss, close(t.miner.loss, r.loss, 1e-4)))
      }
    }
    if (t.validator !== null) {
      const v = t.validator
      onProgress('re-scoring submissions')
      const { rule, vcfg: current } = validatorSetup(v.aggregation)
      // Scoring settings as recorded (they may differ from this build's defaults).
      const vcfg = { ...current, ...(v.config as Partial<ValidatorConfig>), aggregate: current.aggregate }
      const submissions: Submission[] = v.submissions.map((s) => ({
        uid: s.uid, round: s.round, baseHash: s.baseHash, arrivalMs: s.arrivalMs,
        update: v.updates[String(s.uid)] !== undefined ? f32FromBase64(v.updates[String(s.uid)]) : null,
        ...(s.malformed !== null ? { malformed: s.malformed } : {}),
        assignment: assignmentRef(memberHotkey(t, s.uid), t.round, ROUND_SIZES.own),
        response: v.responses[String(s.uid)] !== undefined ? f32FromBase64(v.responses[String(s.uid)]) : null,
      }))
      const expectedUids = [...new Set(v.records.map((r) => r.uid))]
      const result = await scoreRound(learnEvaluator(learner, theta), {
        validator: t.hotkey, expect: { round: t.round, baseHash: t.baseModel, deadlineMs: v.deadlineMs, dim: learner.size },
        expectedUids, submissions, heldout: v.heldout, query: v.query, ownAverages: v.ownAveragesBefore,
      }, vcfg)
      checks.push(check('base loss', v.baseLoss, result.evidence.baseLoss, close(v.baseLoss, result.evidence.baseLoss)))
      for (const rec of v.records) {
        const got = result.records.find((r) => r.uid === rec.uid)
        checks.push(check(`score uid ${rec.uid}`, rec.score, got?.score ?? NaN, got !== undefined && close(rec.score, got.score, 1e-5)))
        checks.push(check(`penalties uid ${rec.uid}`, rec.penalties.join(','), got?.penalties.map((x) => x.code).join(',') ?? ''))
      }
      checks.push(check('selected', v.selected.join(','), result.selected.join(',')))
      onProgress('re-aggregating')
      const updates = result.selected.map((u) => submissions.find((s) => s.uid === u)!.update!)
      const agg = updates.length > 0 ? rule.aggregate(updates) : null
      const after = agg === null ? t.baseModel : paramsHash(learner.spec, applyUpdate(theta, agg, 1))
      checks.push(check('model after aggregation', t.modelAfter, after))
    }
  } finally {
    learner.dispose()
  }
  return { round: t.round, checks, ok: checks.every((c) => c.ok) }
}

/** Transcripts record uids; the member list lives in the peer's config (hotkeys by uid) kept with the transcript. */
function memberHotkey (t: RoundTranscript, uid: number): string {
  const h = t.members[uid]
  if (h === undefined) throw new NodeError('TRANSCRIPT_MISMATCH', `transcript lacks the hotkey of uid ${uid}`, { uid })
  return h
}
