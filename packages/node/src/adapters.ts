/**
 * Thin adapters over packages/mesh and packages/chain. They load the packages lazily and describe, as narrow
 * interfaces, exactly what the peer uses, so the round loop can be tested against the real parts and survives
 * those packages' internal changes.
 */
import type { KeyringPair } from '@polkadot/keyring/types'
import type {
  GradientMessage, IdentityBinding, QueryMessage, QueryResponseMessage, RankingMessage, StatusMessage,
} from '@tensormesh/wire'

export interface GradientEvent { netuid: number, from: string, hotkey: string, hash: string, bytes: number, message: GradientMessage }
export interface RankingEvent { netuid: number, from: string, hotkey: string, message: RankingMessage }
/**
 * A mesh peer as packages/mesh summarises it; `latencyMs` is its ping round-trip time (moving average), null while
 * unmeasured (optional only so summaries from before the mesh measured it still type-check).
 */
export interface PeerSummaryLike { peerId: string, connected: boolean, gossipScore: number, appScore: number, banned: boolean, hotkeys: Record<number, string>, latencyMs: number | null }

/** What the peer needs from packages/mesh (MeshClient). */
export interface MeshPort {
  readonly events: {
    on (name: 'gradient:received', fn: (d: GradientEvent) => void): () => void
    on (name: 'ranking:received', fn: (d: RankingEvent) => void): () => void
    on (name: 'peer:connected' | 'peer:disconnected', fn: (d: { peerId: string }) => void): () => void
    on (name: 'peer:bound', fn: (d: { peerId: string, netuid: number, hotkey: string }) => void): () => void
  }
  start (): Promise<{ peerId: string, peerIdBytes: Uint8Array, multiaddrs: string[] }>
  stop (): Promise<void>
  dial (addr: string): Promise<string>
  joinSubnet (netuid: number): Promise<void>
  setIdentity (b: IdentityBinding): Promise<void>
  setRound (netuid: number, round: number): Promise<void>
  setStatus (s: StatusMessage): Promise<void>
  publishGradient (g: GradientMessage): Promise<{ recipients: number, hash: string, bytes: number }>
  publishRanking (r: RankingMessage): Promise<{ recipients: number, hash: string, bytes: number }>
  penalize (peerId: string, reason: number | string): Promise<void>
  peers (): Promise<PeerSummaryLike[]>
  stats (): Promise<unknown>
  requestStatus (peerId: string, netuid: number): Promise<StatusMessage>
  query (peerId: string, q: QueryMessage): Promise<QueryResponseMessage>
  provideCheckpoint (bytes: Uint8Array): Promise<string>
  fetchCheckpoint (peerId: string, modelHash: string, opts?: { parallel?: number, onProgress?: (p: { receivedBytes: number, totalBytes: number }) => void }): Promise<Uint8Array>
  setQueryHandler (h: ((q: QueryMessage, peerId: string) => Promise<QueryResponseMessage>) | null): Promise<void>
}

export interface MeshPortOptions {
  listen: string[]
  bootstrap: string[]
  mdns: boolean
  netuids: number[]
  isRegistered: (netuid: number, hotkey: Uint8Array) => boolean | Promise<boolean>
  roundWindow?: number
}

async function meshModule (): Promise<Record<string, unknown>> {
  try {
    const name = '@tensormesh/mesh' // a variable: the type checker must not require the index to exist yet
    return await import(name) as Record<string, unknown>
  } catch {
    // packages/mesh without its index yet: load the client directly.
    return await import('../../mesh/src/client.ts') as Record<string, unknown>
  }
}

/** Starts packages/mesh's MeshClient (libp2p in a worker thread). */
export async function createMeshPort (o: MeshPortOptions): Promise<MeshPort> {
  const mod = await meshModule()
  const MeshClient = mod.MeshClient as new (opts: Record<string, unknown>) => MeshPort
  return new MeshClient({
    listen: o.listen,
    bootstrap: o.bootstrap,
    mdns: o.mdns,
    dht: false,
    autoNat: false,
    dcutr: false,
    dhtAllowPrivate: true,
    netuids: o.netuids,
    roundWindow: o.roundWindow ?? 2,
    registry: { isRegistered: o.isRegistered },
    // Loopback demos put every peer on one IP: lift the colocation penalty.
    scoring: { ipColocationThreshold: 1000 },
  })
}

export interface BlockRef { number: number, hash: string }
export interface AnchorReceiptLike { blockNumber: number, blockHash: string, extrinsicHash: string, extrinsicIndex: number, method: string, recovered: boolean }
export interface AnchoredRankingLike { blockNumber: number, extrinsicIndex: number, signer: string, hotkey: string, ranking: RankingMessage }
export interface ConsensusInputLike { n: number, hotkeys: string[], stake: bigint[], weights: Array<Array<[number, number]>>, lastUpdate: number[], validators: number[] }

/** What the peer needs from packages/chain (DevnetAnchor or the subtensor anchor). */
export interface MetagraphLike { hotkeys: string[], stake: bigint[], incentive: number[], dividends: number[], consensus: number[], validatorTrust: number[], block: number }

export interface ChainPort {
  readonly kind: 'devnet' | 'subtensor'
  /** Subtensor: the subnet's metagraph (u16 fields raw); the devnet has one too (members + balances). */
  metagraph? (netuid: number): Promise<MetagraphLike>
  readonly network: string
  readonly endpoint: string
  connect (): Promise<void>
  close (): Promise<void>
  bestBlock (): Promise<BlockRef>
  subscribeHeads (onHead: (h: BlockRef) => void): Promise<() => void>
  stakes (netuid: number, hotkeys: readonly string[]): Promise<Map<string, bigint>>
  anchorRanking (signer: KeyringPair, bytes: Uint8Array): Promise<AnchorReceiptLike>
  readRankings (netuid: number, epoch: number): Promise<{ rankings: AnchoredRankingLike[], rejected: unknown[], scannedTo: number }>
}

async function chainModule (): Promise<Record<string, unknown>> {
  try {
    const name = '@tensormesh/chain'
    return await import(name) as Record<string, unknown>
  } catch {
    return await import('../../chain/src/devnet/anchor.ts') as Record<string, unknown>
  }
}

/** The devnet anchor of packages/chain, with wire's ranking codec. */
export async function createDevnetPort (endpoint: string, members: readonly string[], tempo: number): Promise<ChainPort> {
  const mod = await chainModule()
  const DevnetAnchor = mod.DevnetAnchor as new (o: Record<string, unknown>) => ChainPort
  return new DevnetAnchor({ endpoint, codec: await rankingCodec(), members, tempo })
}

/** packages/chain's subtensor anchor (finney, test, local or a ws URL): set_weights or commit-reveal. */
export async function createSubtensorPort (network: string, pendingCommitsPath: string): Promise<ChainPort> {
  const mod = await chainModule()
  if (typeof mod.SubtensorAnchor !== 'function') throw new Error('this build of packages/chain has no SubtensorAnchor')
  const SubtensorAnchor = mod.SubtensorAnchor as new (o: Record<string, unknown>) => ChainPort
  return new SubtensorAnchor({ network, codec: await rankingCodec(), pendingCommitsPath })
}

async function rankingCodec (): Promise<{ decode: (b: Uint8Array) => RankingMessage, verify: (r: RankingMessage) => boolean }> {
  const wire = await import('@tensormesh/wire')
  return {
    decode: (b: Uint8Array) => wire.decodeRanking(b),
    verify: (r: RankingMessage) => { try { wire.verifyRanking(r); return true } catch { return false } },
  }
}

export interface DevnetHandle { endpoint: string, head (): number, fund (a: Array<{ address: string, free: bigint }>): Promise<void>, stop (): Promise<void> }

/** Starts the embedded devnet (Chopsticks) from packages/chain. */
export async function startDevnetPort (o: { dataDir?: string, accounts: Array<{ address: string, free: bigint }>, blockTimeMs?: number, port?: number }): Promise<DevnetHandle> {
  let mod: Record<string, unknown>
  try {
    const name = '@tensormesh/chain'
    mod = await import(name) as Record<string, unknown>
    if (typeof mod.startDevnet !== 'function') throw new Error('no startDevnet')
  } catch {
    mod = await import('../../chain/src/devnet/launcher.ts') as Record<string, unknown>
  }
  const start = mod.startDevnet as (o: Record<string, unknown>) => Promise<DevnetHandle>
  return await start(o)
}
