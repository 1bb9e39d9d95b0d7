/**
 * Per-round transcripts: what a peer did and decided (seeds, batch ids, hashes, losses, scores, the aggregate), and
 * `replay`, which re-runs the deterministic parts from the stored checkpoint and inputs and checks they agree.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { BatchRef } from '@tensormesh/value'
import { NodeError } from './errors.ts'
import { readJson, writeJsonAtomic } from './persist.ts'

export interface RoundTranscript {
  version: 1
  round: number
  epoch: number
  netuid: number
  task: string
  hotkey: string
  role: string
  behaviour: string
  /** Hotkeys by uid (the subnet's members when the round ran). */
  members: string[]
  /** Content hash (learn's sha256-canonical-v1) of θ_r. */
  baseModel: string
  miner: null | {
    steps: number
    /** Batch size of the inner steps (absent in transcripts written before it was recorded: the task's default). */
    batchSize?: number
    /** sha256 of the assigned sample indices (u32 LE), in draw order. */
    samplesHash: string
    sampleCount: number
    loss: number
    accuracy: number
    /** FNV digest of the dense update after encoding (what validators see). */
    updateDigest: string
    gradientHash: string | null
    bytes: number
  }
  validator: null | {
    deadlineMs: number
    heldout: BatchRef
    query: BatchRef
    aggregation: string
    /** The scoring settings used (packages/value's ValidatorConfig as JSON). */
    config: unknown
    submissions: Array<{ uid: number, round: number, baseHash: string, arrivalMs: number, digest: string | null, malformed: string | null }>
    /** Decoded updates (f32 LE, base64) by uid, so the scoring can be re-run. */
    updates: Record<string, string>
    responses: Record<string, string>
    ownAveragesBefore: Record<string, number>
    records: Array<{ uid: number, score: number, penalties: string[] }>
    selected: number[]
    baseLoss: number
    testAccuracy: number
  }
  /** Content hash of θ after this round as this peer holds it. */
  modelAfter: string
}

const KEEP = 64

export function transcriptPath (dir: string, round: number): string {
  return join(dir, `round-${String(round).padStart(8, '0')}.json`)
}

export function writeTranscript (dir: string, t: RoundTranscript): void {
  writeJsonAtomic(transcriptPath(dir, t.round), t)
  const files = readdirSync(dir).filter((f) => /^round-\d+\.json$/.test(f)).sort()
  for (const f of files.slice(0, Math.max(0, files.length - KEEP))) {
    try { writeJsonAtomic(join(dir, f), null) } catch { /* pruning is best effort */ }
  }
}

export function readTranscript (dir: string, round: number | 'latest'): RoundTranscript {
  let path: string
  if (round === 'latest') {
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^round-\d+\.json$/.test(f)).sort() : []
    const valid = files.filter((f) => readFileSync(join(dir, f), 'utf8').trim() !== 'null')
    if (valid.length === 0) throw new NodeError('TRANSCRIPT_NOT_FOUND', `no round transcripts in ${dir}`)
    path = join(dir, valid[valid.length - 1])
  } else {
    path = transcriptPath(dir, round)
  }
  const t = readJson<RoundTranscript | null>(path, null)
  if (t === null) throw new NodeError('TRANSCRIPT_NOT_FOUND', `no transcript for round ${round} in ${dir}`, { round })
  return t
}

export const f32FromBase64 = (s: string): Float32Array => {
  const b = Buffer.from(s, 'base64')
  const out = new Float32Array(b.byteLength / 4)
  new Uint8Array(out.buffer).set(b)
  return out
}
