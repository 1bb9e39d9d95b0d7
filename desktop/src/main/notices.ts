/** Notifications from node events: anchors and rank changes of this peer. Pure. */
import type { ConsensusView, PeerEvents, ShellSettings } from '../shared/bridge-types.ts'

export interface Notice { title: string, body: string }

export interface NoticeState { myUid: number | null, lastRank: number | null }

export function noticeFor (name: string, data: unknown, st: NoticeState, s: ShellSettings): Notice | null {
  if (name === 'anchor:done' && s.notifyAnchors) {
    const d = data as PeerEvents['anchor:done']
    return { title: 'Weights anchored', body: `Epoch ${d.epoch} (subnet ${d.netuid}) is in block #${d.blockNumber}${d.recovered ? ' (recovered after a restart)' : ''}.` }
  }
  if (name === 'anchor:failed' && s.notifyAnchors) {
    const d = data as PeerEvents['anchor:failed']
    return { title: 'Anchoring failed', body: `Epoch ${d.epoch}: ${d.error}` }
  }
  if (name === 'rankings:consensus') {
    const v = data as ConsensusView
    if (st.myUid === null) return null
    const rank = v.rank[st.myUid] ?? null
    const prev = st.lastRank
    st.lastRank = rank
    if (!s.notifyRankChanges || prev === null || rank === null || prev === rank) return null
    return { title: rank < prev ? 'Your rank rose' : 'Your rank fell', body: `Rank ${prev} → ${rank} in epoch ${v.epoch} (incentive ${(100 * (v.incentive[st.myUid] ?? 0)).toFixed(2)} %).` }
  }
  return null
}
