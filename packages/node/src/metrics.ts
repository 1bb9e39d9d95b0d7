/** Prometheus metrics of a peer (prom-client), fed by the peer's typed events; served at /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Peer } from './peer.ts'

export interface PeerMetrics { registry: Registry, dispose (): void }

export function createPeerMetrics (peer: Peer, opts: { meshStats?: () => Promise<unknown> } = {}): PeerMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'tensormesh_process_' })
  const round = new Gauge({ name: 'tensormesh_round', help: 'Current round', registers: [registry] })
  const phase = new Histogram({ name: 'tensormesh_round_phase_seconds', help: 'Time per round phase', labelNames: ['phase'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry] })
  const published = new Counter({ name: 'tensormesh_updates_published_total', help: 'Gradients published', registers: [registry] })
  const received = new Counter({ name: 'tensormesh_updates_received_total', help: 'Gradients received', registers: [registry] })
  const anchors = new Counter({ name: 'tensormesh_anchors_total', help: 'Rankings anchored on chain', labelNames: ['result'], registers: [registry] })
  const testAcc = new Gauge({ name: 'tensormesh_model_test_accuracy', help: 'Test accuracy of the aggregated model', registers: [registry] })
  const score = new Gauge({ name: 'tensormesh_miner_score_ema', help: 'Score EMA per miner uid', labelNames: ['uid'], registers: [registry] })
  const incentive = new Gauge({ name: 'tensormesh_consensus_incentive', help: 'Consensus incentive per uid', labelNames: ['uid'], registers: [registry] })
  const peers = new Gauge({ name: 'tensormesh_peers_connected', help: 'Connected mesh peers', registers: [registry] })
  const samples = new Gauge({ name: 'tensormesh_samples_trained', help: 'Samples trained (cumulative)', registers: [registry] })
  const gossip = new Gauge({ name: 'tensormesh_libp2p_gossip_verdicts', help: 'Gossip validation verdicts reported by the mesh (kind:action:code)', labelNames: ['verdict'], registers: [registry] })
  const offs = [
    peer.events.on('round:start', (d) => { round.set(d.round) }),
    peer.events.on('round:end', (d) => { for (const [k, v] of Object.entries(d.timings)) if (k !== 'total') phase.observe({ phase: k }, v / 1000) }),
    peer.events.on('update:published', () => { published.inc() }),
    peer.events.on('update:received', () => { received.inc() }),
    peer.events.on('anchor:done', () => { anchors.inc({ result: 'done' }) }),
    peer.events.on('anchor:failed', () => { anchors.inc({ result: 'failed' }) }),
    peer.events.on('model:aggregated', (d) => { testAcc.set(d.testAccuracy) }),
    peer.events.on('round:scored', (d) => { for (const s of d.scores) score.set({ uid: String(s.uid) }, s.ema) }),
    peer.events.on('rankings:consensus', (d) => { d.incentive.forEach((v, uid) => incentive.set({ uid: String(uid) }, v)) }),
    peer.events.on('peers', (d) => { peers.set(d.peers.filter((p) => p.connected).length) }),
    peer.events.on('contribution', (d) => { samples.set(d.samples) }),
  ]
  // libp2p's own figures come from the mesh worker on each scrape.
  if (opts.meshStats !== undefined) {
    const stats = opts.meshStats
    new Gauge({
      name: 'tensormesh_libp2p_up', help: 'Mesh worker answers', registers: [registry],
      async collect () {
        try {
          const s = await stats() as { verdicts?: Record<string, number> }
          for (const [k, v] of Object.entries(s.verdicts ?? {})) gossip.set({ verdict: k }, v)
          this.set(1)
        } catch { this.set(0) }
      },
    })
  }
  return { registry, dispose: () => { for (const off of offs) off() } }
}
