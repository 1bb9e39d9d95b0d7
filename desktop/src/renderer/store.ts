/**
 * The renderer's view of the node, folded from API snapshots and events. Pure (no DOM, no network): unit-tested in
 * desktop/test and shared by every screen.
 */
import type {
  AnchorsResponse, ConsensusView, MinerScore, PeerEventName, PeerEvents, PeerView, RankingsResponse, StatusResponse,
} from '../shared/bridge-types.ts'

export interface AnchorRow {
  epoch: number
  netuid: number
  status: 'pending' | 'submitted' | 'done' | 'failed'
  blockNumber: number | null
  blockHash: string | null
  extrinsicHash: string | null
  error: string | null
}

export interface LogLine { time: string, level: string, module: string, msg: string }

export interface Model {
  status: StatusResponse | null
  backend: PeerEvents['backend'] | null
  local: RankingsResponse['local']
  scores: MinerScore[]
  consensus: ConsensusView | null
  anchors: AnchorRow[]
  peers: PeerView[]
  logs: LogLine[]
  /** Per uid: the local score and EMA of each round this validator scored. */
  scoreHistory: Map<number, Array<{ round: number, score: number, ema: number }>>
  /** Per uid: incentive of each consensus epoch. */
  incentiveHistory: Map<number, Array<{ epoch: number, incentive: number }>>
  accuracy: Array<{ round: number, accuracy: number }>
  train: Array<{ round: number, samples: number, ms: number }>
  lastTimings: PeerEvents['round:end']['timings'] | null
  /** Rank per uid before the latest consensus view (for rank-change notices). */
  previousRank: number[] | null
  eventsSeen: number
}

export const LIMITS = { logs: 500, history: 240 }

export function emptyModel (): Model {
  return {
    status: null, backend: null, local: null, scores: [], consensus: null, anchors: [], peers: [], logs: [],
    scoreHistory: new Map(), incentiveHistory: new Map(), accuracy: [], train: [], lastTimings: null, previousRank: null, eventsSeen: 0,
  }
}

const push = <T>(list: T[], item: T, max: number): void => { list.push(item); if (list.length > max) list.splice(0, list.length - max) }

function upsertAnchor (m: Model, epoch: number, netuid: number, patch: Partial<AnchorRow>): void {
  let row = m.anchors.find((a) => a.epoch === epoch && a.netuid === netuid)
  if (row === undefined) {
    row = { epoch, netuid, status: 'pending', blockNumber: null, blockHash: null, extrinsicHash: null, error: null }
    m.anchors.push(row)
    m.anchors.sort((a, b) => a.epoch - b.epoch || a.netuid - b.netuid)
  }
  Object.assign(row, patch)
}

export function applyAnchors (m: Model, r: AnchorsResponse): void {
  for (const a of r.anchors) {
    const extra = a as { blockHash?: string, extrinsicHash?: string }
    upsertAnchor(m, a.epoch, a.netuid, {
      status: a.status, blockNumber: a.blockNumber ?? null,
      // The node's /anchors may carry these (its journal has them); events fill them otherwise.
      ...(extra.blockHash !== undefined ? { blockHash: extra.blockHash } : {}),
      ...(extra.extrinsicHash !== undefined ? { extrinsicHash: extra.extrinsicHash } : {}),
    })
  }
}

export function applyRankings (m: Model, r: RankingsResponse): void {
  m.local = r.local
  if (r.scores.length > 0) m.scores = r.scores
  if (r.consensus !== null) setConsensus(m, r.consensus)
}

function setConsensus (m: Model, c: ConsensusView): void {
  if (m.consensus !== null && m.consensus.epoch !== c.epoch) m.previousRank = m.consensus.rank
  m.consensus = c
  c.incentive.forEach((v, uid) => {
    const h = m.incentiveHistory.get(uid) ?? []
    if (h.at(-1)?.epoch !== c.epoch) push(h, { epoch: c.epoch, incentive: v }, LIMITS.history)
    else h[h.length - 1] = { epoch: c.epoch, incentive: v }
    m.incentiveHistory.set(uid, h)
  })
}

/** Folds one node event into the model. */
export function applyEvent<N extends PeerEventName> (m: Model, name: N, data: PeerEvents[N]): void {
  m.eventsSeen++
  switch (name) {
    case 'backend': m.backend = data as PeerEvents['backend']; break
    case 'round:start': {
      const d = data as PeerEvents['round:start']
      if (m.status !== null) { m.status.round = d.round; m.status.epoch = d.epoch }
      break
    }
    case 'train:done': { const d = data as PeerEvents['train:done']; push(m.train, { round: d.round, samples: d.samples, ms: d.ms }, LIMITS.history); break }
    case 'round:scored': {
      const d = data as PeerEvents['round:scored']
      m.scores = d.scores
      for (const s of d.scores) {
        const h = m.scoreHistory.get(s.uid) ?? []
        push(h, { round: d.round, score: s.score, ema: s.ema }, LIMITS.history)
        m.scoreHistory.set(s.uid, h)
      }
      break
    }
    case 'model:aggregated': {
      const d = data as PeerEvents['model:aggregated']
      push(m.accuracy, { round: d.round, accuracy: d.testAccuracy }, LIMITS.history)
      if (m.status !== null) { m.status.testAccuracy = d.testAccuracy; m.status.modelHash = d.modelHash }
      break
    }
    case 'round:end': m.lastTimings = (data as PeerEvents['round:end']).timings; break
    case 'rankings:local': m.local = data as PeerEvents['rankings:local']; break
    case 'rankings:consensus': setConsensus(m, data as ConsensusView); break
    case 'anchor:submitted': { const d = data as PeerEvents['anchor:submitted']; upsertAnchor(m, d.epoch, d.netuid, { status: 'submitted' }); break }
    case 'anchor:done': { const d = data as PeerEvents['anchor:done']; upsertAnchor(m, d.epoch, d.netuid, { status: 'done', blockNumber: d.blockNumber, blockHash: d.blockHash === '' ? null : d.blockHash, error: null }); break }
    case 'anchor:failed': { const d = data as PeerEvents['anchor:failed']; upsertAnchor(m, d.epoch, d.netuid, { status: 'failed', error: d.error }); break }
    case 'peers': m.peers = (data as PeerEvents['peers']).peers; break
    case 'contribution': if (m.status !== null) m.status.contribution = data as PeerEvents['contribution']; break
    case 'log': push(m.logs, data as PeerEvents['log'], LIMITS.logs); break
    case 'state:paused': if (m.status !== null) m.status.paused = (data as PeerEvents['state:paused']).paused; break
    case 'state:throttle': if (m.status !== null) m.status.throttle = (data as PeerEvents['state:throttle']).throttle; break
    default: break
  }
}

/** Which chain is in use, in words (always shown in the header). */
export function chainLabel (s: StatusResponse | null): string {
  if (s === null) return 'not connected'
  if (s.chain === null) return `${s.network} · no chain (wall-clock rounds, nothing anchored)`
  return `${s.network} · ${s.chain.kind} ${s.chain.endpoint} · head #${s.chain.head ?? '?'}`
}
