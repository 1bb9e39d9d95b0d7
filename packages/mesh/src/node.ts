/**
 * Builds the libp2p node: transports, encryption, muxing, discovery, NAT traversal and gossipsub.
 * Pure configuration — no application logic lives here, so the same function builds the "bare"
 * node used as the benchmark baseline.
 */
import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { gossipsub, StrictSign } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, removePrivateAddressesMapper, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import type { ConnectionGater, Libp2p, PeerDiscovery, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { PeerScoreParams, PeerScoreThresholds } from '@libp2p/gossipsub/score'

/** Transport, discovery and NAT options of one mesh node. Every field has a sensible default. */
export interface MeshNodeOptions {
  /** ed25519 libp2p identity; a fresh one is generated when absent. */
  privateKey?: PrivateKey
  /** Listen multiaddrs. Default: TCP and WebSockets on all IPv4 interfaces, random ports. */
  listen?: string[]
  /** Addresses to announce instead of the observed ones (e.g. a public IP behind port forwarding). */
  announce?: string[]
  /** Bootstrap peers (multiaddrs with /p2p/). Empty or absent: no bootstrap module (it throws on an empty list). */
  bootstrap?: string[]
  /** Multicast DNS on the LAN; found peers are dialled. Default true. */
  mdns?: boolean
  /** Kademlia DHT (server mode when publicly reachable, as AutoNAT decides). Default true. */
  dht?: boolean
  /** Allow private (LAN/loopback) addresses in the DHT, for LANs and tests. Default false. */
  dhtAllowPrivate?: boolean
  /** Serve as a circuit relay v2 hop for NATed peers. Default false (the client side is always on). */
  relayServer?: boolean
  /** AutoNAT: ask peers whether our addresses are dialable. Default true. */
  autoNat?: boolean
  /** DCUtR hole punching over relayed connections. Default true. */
  dcutr?: boolean
  /** Gossipsub overrides (D, score parameters, ...). */
  gossip?: Partial<GossipsubOpts>
  connectionGater?: ConnectionGater
  /** Maximum connections kept open. Default 64. */
  maxConnections?: number
  /**
   * Inbound connections accepted per second from one host (libp2p's DoS guard, default 5). Peers that
   * share an address (a LAN behind one NAT, many peers on loopback in tests) may need more.
   */
  inboundConnectionThreshold?: number
  /** Interval of libp2p's connection monitor (pings every connection, closes it when the ping fails). Default 10 s. */
  monitorPingMs?: number
}

/**
 * Protocol prefix of the ping the mesh measures latency with: `/tensormesh/ping/1.0.0`, libp2p's ping protocol under
 * its own id. libp2p's connection monitor already pings `/ipfs/ping/1.0.0` every 10 s and aborts the connection when
 * its ping fails; a second ping stream on that protocol at the same moment exceeds its one-outbound-stream limit and
 * so would cost the connection.
 */
export const LATENCY_PING_PREFIX = 'tensormesh'

export interface MeshServices {
  pubsub: GossipSub
  identify: unknown
  ping: Ping
  latencyPing: Ping
  [key: string]: unknown
}

export type MeshLibp2p = Libp2p<MeshServices>

/** Gossip options for low-rate, large messages (see STACK.md): no flood publishing, a mesh of about 4. */
export function defaultGossipOptions (): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: StrictSign,
    floodPublish: false,
    D: 4,
    Dlo: 3,
    Dhi: 6,
    Dout: 1,
    Dlazy: 4,
    heartbeatInterval: 700,
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    // Validation must finish before forwarding; topic validators run synchronously with delivery.
    asyncValidation: false
  }
}

export type { PeerScoreParams, PeerScoreThresholds }

/** Creates (but does not start) a libp2p node with the mesh's transports and services. */
export async function createMeshNode (opts: MeshNodeOptions = {}): Promise<MeshLibp2p> {
  const listen = opts.listen ?? ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws']
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (opts.bootstrap != null && opts.bootstrap.length > 0) {
    peerDiscovery.push(bootstrap({ list: opts.bootstrap, timeout: 100 }))
  }
  if (opts.mdns !== false) peerDiscovery.push(mdns({ interval: 10_000 }))

  const services: Record<string, (components: any) => unknown> = {
    identify: identify(),
    identifyPush: identifyPush(),
    ping: ping(),
    latencyPing: ping({ protocolPrefix: LATENCY_PING_PREFIX, runOnLimitedConnection: true }),
    pubsub: gossipsub({ ...defaultGossipOptions(), ...opts.gossip })
  }
  if (opts.dht !== false) {
    services.dht = kadDHT({
      protocol: '/tensormesh/kad/1.0.0',
      clientMode: false,
      peerInfoMapper: opts.dhtAllowPrivate === true ? passthroughMapper : removePrivateAddressesMapper
    })
  }
  if (opts.autoNat !== false) services.autoNAT = autoNAT()
  if (opts.dcutr !== false) services.dcutr = dcutr()
  if (opts.relayServer === true) {
    services.relay = circuitRelayServer({ reservations: { maxReservations: 128 } })
  }

  const node = await createLibp2p({
    ...(opts.privateKey != null ? { privateKey: opts.privateKey } : {}),
    start: false,
    addresses: { listen, ...(opts.announce != null ? { announce: opts.announce } : {}) },
    transports: [tcp(), webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionGater: opts.connectionGater ?? { denyDialMultiaddr: () => false },
    ...(opts.monitorPingMs != null ? { connectionMonitor: { pingInterval: opts.monitorPingMs } } : {}),
    connectionManager: {
      maxConnections: opts.maxConnections ?? 64,
      ...(opts.inboundConnectionThreshold != null ? { inboundConnectionThreshold: opts.inboundConnectionThreshold } : {})
    },
    services
  })
  const typed = node as unknown as MeshLibp2p
  // mDNS (and the DHT's random walk) discover but do not dial (STACK.md): dial what they find while
  // we are below half the connection limit, leaving room for inbound peers.
  const dialBelow = Math.floor((opts.maxConnections ?? 64) / 2)
  typed.addEventListener('peer:discovery', (evt) => {
    const info = evt.detail
    if (typed.getConnections(info.id).length > 0 || typed.getConnections().length >= dialBelow) return
    typed.dial(info.id).catch(() => {})
  })
  return typed
}
