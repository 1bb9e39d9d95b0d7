/**
 * Gossipsub peer-score parameters for TensorMesh's traffic: few, large, low-rate messages.
 * Mesh-delivery terms (P3, P3b) are zero everywhere: a miner that publishes one gradient per round
 * must not be punished for "under-delivering". Invalid messages (P4) are expensive; the application
 * score (our PeerScoreBook) is weighted so a banned peer is also graylisted.
 */
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score'

/** Topic parameters for one gossip kind. Gradients weigh most; identity least. */
export function topicScoreParams (kind: string): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: kind === 'gradient' ? 1 : 0.5,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 1,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 60_000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    // Quadratic in the count: 1 invalid message costs 100, 4 cost 1600 (graylisted). Half-life about 70 s.
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.99
  })
}

export interface ScoreConfig {
  /** Peers per IP before the colocation penalty applies (gossipsub default 10). */
  ipColocationThreshold?: number
  /** IPs (CIDR) exempt from the colocation penalty, e.g. a lab's NAT. */
  ipColocationWhitelist?: string[]
  /** Weight of the application score (our PeerScoreBook) in gossipsub's total. Default 10. */
  appSpecificWeight?: number
}

export function peerScoreParams (topics: Record<string, TopicScoreParams>, appScore: (p: string) => number, cfg: ScoreConfig = {}): Partial<PeerScoreParams> {
  return {
    topics,
    topicScoreCap: 50,
    appSpecificScore: appScore,
    appSpecificWeight: cfg.appSpecificWeight ?? 10,
    IPColocationFactorWeight: -50,
    IPColocationFactorThreshold: cfg.ipColocationThreshold ?? 10,
    IPColocationFactorWhitelist: new Set(cfg.ipColocationWhitelist ?? []),
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: 0.9,
    decayInterval: 1000,
    decayToZero: 0.01,
    retainScore: 600_000
  }
}

/**
 * Thresholds: below gossipThreshold no gossip to/from the peer, below publishThreshold we do not
 * publish to it, below graylistThreshold every RPC from it is dropped unread.
 */
export const DEFAULT_SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -400,
  publishThreshold: -800,
  graylistThreshold: -1600,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 5
}
