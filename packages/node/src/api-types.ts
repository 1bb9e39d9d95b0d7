/**
 * Types of the local API (HTTP JSON + Server-Sent Events on 127.0.0.1), shared by the peer, the CLI and the desktop
 * app. Every event is plain JSON. Pure types: importing this file pulls in nothing else.
 */

export type RoleName = 'miner' | 'validator' | 'both'

export interface RoundTimings {
  /** Milliseconds spent in each phase of the round (absent phases are 0). */
  sync: number
  train: number
  encode: number
  publish: number
  /** Waiting for gradients to arrive (validator). */
  receive: number
  query: number
  score: number
  aggregate: number
  anchor: number
  /** Whole round as this peer saw it. */
  total: number
}

export interface MinerScore {
  uid: number
  hotkey: string
  score: number
  ema: number
  penalties: string[]
  /** Relative loss improvement on held-out data. */
  gradient: number | null
}

/** Events of a running peer, by name (`noun:verb`). */
export interface PeerEvents {
  'peer:started': { peerId: string, hotkey: string, uid: number, role: RoleName, multiaddrs: string[], netuid: number, task: string, network: string }
  'backend': { backend: string, gpu: boolean, tried: Array<{ name: string, ok: boolean, error?: string }> }
  'round:start': { round: number, epoch: number, startMs: number, endMs: number, deadlineMs: number | null }
  'model:synced': { round: number, modelHash: string, fetched: boolean, bytes: number, from: string | null }
  'train:done': { round: number, loss: number, accuracy: number, samples: number, ms: number }
  /** `hash` and `recipients` of the first message; `bytes` over all; `chunks` > 1 when the update was split. */
  'update:published': { round: number, hash: string, bytes: number, recipients: number, chunks: number }
  'update:received': { round: number, uid: number, hotkey: string, hash: string, bytes: number, arrivalMs: number }
  'round:scored': { round: number, scores: MinerScore[], selected: number[], baseLoss: number }
  'model:aggregated': { round: number, accepted: number[], modelHash: string, testAccuracy: number, testLoss: number }
  'round:end': { round: number, timings: RoundTimings }
  'rankings:local': { epoch: number, uids: number[], weights: number[] }
  'anchor:submitted': { epoch: number, netuid: number }
  'anchor:done': { epoch: number, netuid: number, blockNumber: number, blockHash: string, extrinsicHash?: string, recovered: boolean, resumed: boolean }
  'anchor:failed': { epoch: number, netuid: number, error: string }
  'rankings:consensus': ConsensusView
  'peers': { peers: PeerView[] }
  'contribution': ContributionView
  /** A log line of the peer (info and above); `fields` are structured and redacted (no passwords, mnemonics, tokens). */
  'log': { level: string, module: string, msg: string, time: string, fields?: Record<string, unknown> }
  'state:paused': { paused: boolean }
  'state:throttle': { throttle: number }
  'peer:stopped': { reason: string }
}

export type PeerEventName = keyof PeerEvents

/** One SSE message: `id: <seq>`, `event: <name>` and `data: <json of PeerEvents[name]>`. */
export interface ApiEvent<N extends PeerEventName = PeerEventName> { name: N, data: PeerEvents[N], seq: number }

/**
 * Data of the `hello` event that opens every /events stream (it has no id). `seq`: id of the node's latest event;
 * `since`: the replay point asked for (Last-Event-ID or ?since=), null if none; `replayed`: events replayed before the
 * live stream; `gap`: some events after `since` were no longer kept, so the replay is the latest event of each kind
 * followed by every kept event (a full state) rather than exactly the missed events.
 */
export interface EventsHello { seq: number, since: number | null, replayed: number, gap: boolean }

/** GET /peers rows: a mesh peer, its hotkey bound on this subnet (SS58) and uid, gossipsub and local scores. */
export interface PeerView {
  peerId: string
  hotkey: string | null
  uid: number | null
  connected: boolean
  /** Gossipsub's total score. */
  score: number
  /** Our local application score (penalties, decayed). */
  appScore: number
  banned: boolean
  /** Ping round-trip time in ms (moving average, libp2p ping every 15 s); null until measured. */
  latencyMs: number | null
}

/** GET /peers */
export interface PeersResponse { peers: PeerView[] }

export interface ConsensusView {
  epoch: number
  /** Validators whose anchored rankings entered the view, by uid. */
  validators: number[]
  hotkeys: string[]
  incentive: number[]
  dividends: number[]
  consensus: number[]
  trust: number[]
  /** Rank (1 = best) of each uid by incentive. */
  rank: number[]
  /** The anchored rankings the view was computed from (uid → weights), as found on chain. */
  anchored: Array<{ validatorUid: number, blockNumber: number, uids: number[], weights: number[] }>
  source: 'devnet-yuma' | 'subtensor'
}

export interface ContributionView {
  cpuSeconds: number
  gpuSeconds: number
  samples: number
  updatesPublished: number
  updatesAccepted: number
  roundsCompleted: number
  lastScores: Record<string, number>
  estimatedEmissionShare: number
}

/** GET /status */
export interface StatusResponse {
  peerId: string | null
  hotkey: string
  uid: number | null
  role: RoleName
  netuid: number
  task: string
  network: string
  chain: { kind: string, endpoint: string, head: number | null } | null
  backend: string | null
  round: number
  epoch: number
  modelHash: string | null
  paused: boolean
  throttle: number
  testAccuracy: number | null
  contribution: ContributionView
  uptimeMs: number
}

/** GET /rankings */
export interface RankingsResponse {
  local: { epoch: number, uids: number[], weights: number[] } | null
  scores: MinerScore[]
  consensus: ConsensusView | null
}

/** GET /anchors */
export interface AnchorRow {
  epoch: number
  netuid: number
  status: 'pending' | 'done'
  /** Inclusion block (done anchors). */
  blockNumber?: number
  blockHash?: string
  extrinsicHash?: string
  /** Found on chain after a restart rather than seen included (hashes may then be absent). */
  recovered?: boolean
  /** When the journal recorded this state (ISO 8601). */
  time: string
}
export interface AnchorsResponse { anchors: AnchorRow[] }

/** POST /control */
export type ControlRequest = { action: 'pause' } | { action: 'resume' } | { action: 'throttle', value: number }
export interface ControlResponse { ok: true, paused: boolean, throttle: number }

export interface ApiErrorBody { error: { code: string, message: string } }
