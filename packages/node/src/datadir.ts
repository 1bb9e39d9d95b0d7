/**
 * The data directory: wallet references, checkpoints, scores, the anchors journal, pending anchors, the devnet
 * database, per-round transcripts and the running peer's API address. Every write goes through persist.ts.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { appendJsonLine, readJson, readJsonLines, writeJsonAtomic } from './persist.ts'

export interface DataPaths {
  root: string
  config: string
  wallets: string
  checkpoints: string
  state: string
  anchors: string
  pending: string
  devnet: string
  transcripts: string
  api: string
}

export function dataPaths (root: string): DataPaths {
  return {
    root,
    config: join(root, 'config.json'),
    wallets: join(root, 'wallets'),
    checkpoints: join(root, 'checkpoints'),
    state: join(root, 'state.json'),
    anchors: join(root, 'anchors.jsonl'),
    pending: join(root, 'pending'),
    devnet: join(root, 'devnet'),
    transcripts: join(root, 'transcripts'),
    api: join(root, 'api.json'),
  }
}

export function ensureDataDir (root: string): DataPaths {
  const p = dataPaths(root)
  for (const d of [p.root, p.wallets, p.checkpoints, p.pending, p.transcripts]) mkdirSync(d, { recursive: true, mode: 0o700 })
  return p
}

/** Contribution accounting of this peer (kept across restarts). */
export interface Contribution {
  cpuSeconds: number
  /** Seconds of training on a GPU backend (0 on wasm/cpu). */
  gpuSeconds: number
  samples: number
  updatesPublished: number
  /** Updates a validator (this one, or the consensus) scored above zero. */
  updatesAccepted: number
  roundsCompleted: number
  /** Latest score this peer got from each validator (hotkey → score). */
  lastScores: Record<string, number>
  /** Share of miner emission expected from the latest consensus view (incentive). */
  estimatedEmissionShare: number
}

/** What a peer persists between rounds (scores survive restarts). */
export interface PeerState {
  version: 1
  lastRound: number
  modelHash: string | null
  /** Validator: EMA of scores per uid, and the own-data moving averages. */
  ema: Record<string, number>
  ownAverages: Record<string, number>
  contribution: Contribution
  /** Latest epoch whose consensus was counted into `contribution.updatesAccepted`. */
  countedEpoch: number
}

export function emptyState (): PeerState {
  return {
    version: 1,
    lastRound: -1,
    modelHash: null,
    ema: {},
    ownAverages: {},
    countedEpoch: -1,
    contribution: { cpuSeconds: 0, gpuSeconds: 0, samples: 0, updatesPublished: 0, updatesAccepted: 0, roundsCompleted: 0, lastScores: {}, estimatedEmissionShare: 0 },
  }
}

export function loadState (p: DataPaths): PeerState {
  const s = readJson<PeerState>(p.state, emptyState())
  return { ...emptyState(), ...s, contribution: { ...emptyState().contribution, ...s.contribution } }
}

export function saveState (p: DataPaths, s: PeerState): void {
  writeJsonAtomic(p.state, s)
}

export interface AnchorEntry {
  epoch: number
  netuid: number
  status: 'pending' | 'done'
  /** Ranking message bytes (hex) so a pending anchor can be resubmitted unchanged. */
  bytes?: string
  blockNumber?: number
  blockHash?: string
  extrinsicHash?: string
  recovered?: boolean
  time: string
}

/**
 * Anchors journal: `pending` is written (and fsync'd) before submitting, `done` after inclusion. On restart a pending
 * epoch is first looked up on chain, and resubmitted only if absent, so an epoch is never anchored twice.
 */
export class AnchorJournal {
  private readonly path: string
  private readonly byKey = new Map<string, AnchorEntry>()
  readonly torn: number

  constructor (path: string) {
    this.path = path
    const { entries, torn } = readJsonLines<AnchorEntry>(path)
    this.torn = torn
    for (const e of entries) this.byKey.set(`${e.netuid}/${e.epoch}`, e)
  }

  get (netuid: number, epoch: number): AnchorEntry | undefined { return this.byKey.get(`${netuid}/${epoch}`) }

  pending (): AnchorEntry[] { return [...this.byKey.values()].filter((e) => e.status === 'pending') }

  done (): AnchorEntry[] { return [...this.byKey.values()].filter((e) => e.status === 'done') }

  record (e: Omit<AnchorEntry, 'time'>): AnchorEntry {
    const full = { ...e, time: new Date().toISOString() }
    appendJsonLine(this.path, full)
    this.byKey.set(`${e.netuid}/${e.epoch}`, full)
    return full
  }
}
