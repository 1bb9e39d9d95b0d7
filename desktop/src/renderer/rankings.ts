/** Rankings table rows: one per uid, joining local scores, local weights, the consensus view and mesh identities. Pure. */
import type { Model } from './store.ts'

export interface RankRow {
  uid: number
  hotkey: string
  peerId: string | null
  score: number | null
  ema: number | null
  penalties: string[]
  gradient: number | null
  /** This validator's normalised weight for the uid (latest epoch). */
  weight: number | null
  consensus: number | null
  incentive: number | null
  dividends: number | null
  trust: number | null
  rank: number | null
  /** Not yet exposed by the node API (ConsensusView carries no stake). */
  stake: string | null
  isValidator: boolean
}

export type SortKey = 'uid' | 'hotkey' | 'score' | 'ema' | 'weight' | 'consensus' | 'incentive' | 'dividends' | 'rank' | 'stake'

export function rankRows (m: Model): RankRow[] {
  const c = m.consensus
  const uids = new Set<number>()
  for (const s of m.scores) uids.add(s.uid)
  c?.hotkeys.forEach((_h, i) => uids.add(i))
  const wsum = m.local === null ? 0 : m.local.weights.reduce((a, b) => a + b, 0)
  const peerByUid = new Map(m.peers.filter((p) => p.uid !== null).map((p) => [p.uid as number, p.peerId]))
  if (m.status?.uid !== null && m.status?.uid !== undefined && m.status.peerId !== null) peerByUid.set(m.status.uid, m.status.peerId)
  return [...uids].sort((a, b) => a - b).map((uid) => {
    const s = m.scores.find((x) => x.uid === uid)
    const k = m.local?.uids.indexOf(uid) ?? -1
    return {
      uid,
      hotkey: s?.hotkey ?? c?.hotkeys[uid] ?? '',
      peerId: peerByUid.get(uid) ?? null,
      score: s?.score ?? null,
      ema: s?.ema ?? null,
      penalties: s?.penalties ?? [],
      gradient: s?.gradient ?? null,
      weight: k < 0 || wsum === 0 ? null : m.local!.weights[k] / wsum,
      consensus: c?.consensus[uid] ?? null,
      incentive: c?.incentive[uid] ?? null,
      dividends: c?.dividends[uid] ?? null,
      trust: c?.trust[uid] ?? null,
      rank: c?.rank[uid] ?? null,
      stake: null,
      isValidator: c?.validators.includes(uid) ?? false,
    }
  })
}

/** Sorts by a column; missing values always go last. */
export function sortRows (rows: RankRow[], key: SortKey, dir: 'asc' | 'desc'): RankRow[] {
  const sign = dir === 'asc' ? 1 : -1
  return [...rows].sort((a, b) => {
    const x = a[key]
    const y = b[key]
    if (x === null && y === null) return a.uid - b.uid
    if (x === null) return 1
    if (y === null) return -1
    const d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
    return d === 0 ? a.uid - b.uid : sign * d
  })
}

/** Case-insensitive filter on uid, hotkey, PeerId and penalty codes; `pen:` restricts to penalised rows. */
export function filterRows (rows: RankRow[], query: string): RankRow[] {
  const q = query.trim().toLowerCase()
  if (q === '') return rows
  if (q === 'pen:' || q === 'penalised') return rows.filter((r) => r.penalties.length > 0)
  return rows.filter((r) => String(r.uid) === q || r.hotkey.toLowerCase().includes(q) || (r.peerId ?? '').toLowerCase().includes(q) || r.penalties.some((p) => p.includes(q)))
}

const PENALTY_TEXT: Record<string, string> = {
  missing: 'nothing arrived from this uid before the deadline',
  malformed: 'its update could not be decoded or had the wrong size',
  'non-finite': 'its update contained NaN or ±Infinity',
  'stale-round': 'its update claimed another round',
  'stale-base': 'it trained from another base model',
  late: 'its update arrived after the deadline',
  copy: 'its update resembles one another miner published earlier',
  replay: 'its update resembles one published in an earlier round',
}

/** Why a peer has its score, in sentences built from the evidence the node reports. */
export function explain (row: RankRow, m: Model): string[] {
  const out: string[] = []
  if (row.isValidator) out.push(`uid ${row.uid} is a validator: its anchored rankings entered the consensus of epoch ${m.consensus?.epoch ?? '—'}.`)
  if (row.score === null) out.push('This node has not scored this uid yet (only validators score miners).')
  else {
    out.push(`Latest local score ${row.score.toFixed(4)}, moving average (EMA) ${row.ema?.toFixed(4) ?? '—'}.`)
    if (row.penalties.length > 0) for (const p of row.penalties) out.push(`Scored zero: ${PENALTY_TEXT[p] ?? p}.`)
    else if (row.gradient !== null) out.push(`Applying its update alone ${row.gradient >= 0 ? 'lowered' : 'raised'} the held-out loss by ${(Math.abs(row.gradient) * 100).toFixed(2)} % (relative).`)
  }
  if (row.weight !== null) out.push(`This validator set weight ${(row.weight * 100).toFixed(2)} % for it in epoch ${m.local?.epoch ?? '—'}.`)
  const anchored = m.consensus?.anchored.filter((a) => a.uids.includes(row.uid)) ?? []
  for (const a of anchored) {
    const total = a.weights.reduce((x, y) => x + y, 0)
    const w = a.weights[a.uids.indexOf(row.uid)]
    out.push(`Validator uid ${a.validatorUid} anchored weight ${total === 0 ? '0' : (100 * w / total).toFixed(2)} % for it in block #${a.blockNumber}.`)
  }
  if (row.incentive !== null) out.push(`Yuma consensus (${m.consensus?.source ?? '—'}): consensus weight ${row.consensus?.toFixed(4) ?? '—'}, incentive ${(row.incentive * 100).toFixed(2)} %, dividends ${((row.dividends ?? 0) * 100).toFixed(2)} %, rank ${row.rank ?? '—'}.`)
  return out
}
