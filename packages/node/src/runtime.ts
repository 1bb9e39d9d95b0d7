/**
 * Runs one peer as a process: config → wallet → chain (connect, clear error if unreachable) → mesh → peer → local
 * API + metrics; writes `<dataDir>/api.json` (address and token, mode 600) for `tensormesh status`; shuts down on
 * SIGINT/SIGTERM. Under `tensormesh demo` (an IPC channel is present) it also forwards its events to the parent and
 * takes `dial` / `stop` commands from it.
 */
import { rmSync } from 'node:fs'
import type { KeyringPair } from '@polkadot/keyring/types'
import { decodeAddress } from '@polkadot/util-crypto'
import { join } from 'node:path'
import { createDevnetPort, createMeshPort, createSubtensorPort, type ChainPort } from './adapters.ts'
import { startApi, type ApiServer } from './api.ts'
import type { PeerEventName } from './api-types.ts'
import { chainEndpoint, type PeerConfig } from './config.ts'
import { dataPaths } from './datadir.ts'
import { NodeError, errorMessage } from './errors.ts'
import { createLogger, logEventOf, streamSink, type LogRecord, type Logger } from './logger.ts'
import { createPeerMetrics } from './metrics.ts'
import { createPeer, ss58, type Peer } from './peer.ts'
import { writeJsonAtomic } from './persist.ts'

export interface RunningPeer { peer: Peer, api: ApiServer, stop (reason?: string): Promise<void> }

export async function connectChain (config: PeerConfig, log: Logger): Promise<ChainPort | null> {
  const endpoint = chainEndpoint(config)
  if (endpoint === null) {
    log.warn('no chain endpoint: running without a chain (wall-clock rounds, no anchoring); `tensormesh demo` starts a devnet')
    return null
  }
  const tempo = config.round.roundsPerEpoch * config.round.blocksPerRound
  const chain = config.network === 'devnet'
    ? await createDevnetPort(endpoint, config.members, tempo)
    : await createSubtensorPort(config.chain ?? config.network, join(dataPaths(config.dataDir).pending, 'commits.json'))
  try {
    await withTimeout(chain.connect(), 15_000, `chain at ${endpoint} did not answer within 15 s`)
  } catch (e) {
    await chain.close().catch(() => {})
    const hint = config.network === 'devnet' ? 'Is the devnet running (tensormesh demo) and the --chain URL right?' : config.network === 'local' ? 'Is a local subtensor running on that port?' : 'Check your internet connection, or pass another --chain URL.'
    throw new NodeError('CHAIN_UNREACHABLE', `cannot reach the chain at ${endpoint}: ${errorMessage(e)}. ${hint}`, { endpoint }, { cause: e })
  }
  return chain
}

async function withTimeout<T> (p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => { t = setTimeout(() => { reject(new Error(message)) }, ms) })])
  } finally {
    clearTimeout(t)
  }
}

export async function runPeer (config: PeerConfig, pair: KeyringPair): Promise<RunningPeer> {
  const ipc = typeof process.send === 'function'
  const forward = (name: string, data: unknown): void => {
    if (ipc && process.connected) process.send!({ type: 'event', name, data }, undefined, {}, () => {})
  }
  const sinks = [streamSink(process.stderr)]
  // Log lines go onto the peer's event stream (the API's SSE and, under demo, the parent) once the peer exists;
  // before that (chain connect, mesh start) straight to the parent.
  let peerEvents: Peer['events'] | null = null
  const toEvents = (r: LogRecord): void => {
    if (r.level === 'debug') return
    const ev = logEventOf(r)
    if (peerEvents !== null) peerEvents.emit('log', ev); else forward('log', ev)
  }
  const logger = createLogger({ level: config.logLevel, sinks: [...sinks, toEvents] })
  const chain = await connectChain(config, logger)
  // On subtensor the subnet's members are its registered hotkeys (uid order), read from the metagraph.
  if (chain !== null && chain.kind === 'subtensor' && chain.metagraph !== undefined) {
    const mg = await chain.metagraph(config.netuid)
    config = { ...config, members: mg.hotkeys }
  }
  const members = config.members.map(ss58)
  const mesh = await createMeshPort({
    listen: config.listen,
    bootstrap: config.bootstrap,
    mdns: config.mdns,
    netuids: [config.netuid],
    isRegistered: (_netuid, hotkey) => members.includes(ss58(hotkey)),
  })
  const peer = createPeer(config, { pair, mesh, chain, logger })
  const metrics = createPeerMetrics(peer, { meshStats: () => mesh.stats() })
  const paths = dataPaths(config.dataDir)
  const api = await startApi({
    status: () => peer.status(),
    rankings: () => peer.rankings(),
    anchors: () => peer.anchors(),
    peers: () => peer.peers(),
    control: (req) => {
      if (req.action === 'pause') peer.setPaused(true)
      else if (req.action === 'resume') peer.setPaused(false)
      else peer.setThrottle(req.value)
      const s = peer.status()
      return { ok: true, paused: s.paused, throttle: s.throttle }
    },
    onEvent: (fn) => peer.events.onAny(fn as (n: PeerEventName, d: unknown) => void),
  }, { port: config.api.port, token: config.api.token, registry: metrics.registry })
  writeJsonAtomic(paths.api, { url: api.url, token: api.token, pid: process.pid, hotkey: ss58(decodeAddress(pair.address)) })
  peer.events.onAny((name, data) => { forward(name, data) })
  peerEvents = peer.events
  let stopping: Promise<void> | null = null
  const stop = (reason = 'stopped'): Promise<void> => {
    stopping ??= (async () => {
      await peer.stop(reason)
      metrics.dispose()
      await api.close()
      rmSync(paths.api, { force: true })
    })()
    return stopping
  }
  if (ipc) {
    process.on('message', (m: { type?: string, addrs?: string[] }) => {
      if (m.type === 'stop') void stop('parent asked').then(() => { process.disconnect?.() })
      if (m.type === 'dial') {
        void (async () => { for (const a of m.addrs ?? []) await mesh.dial(a).catch(() => {}) })()
      }
    })
  }
  await peer.start()
  forward('api', { url: api.url, token: api.token })
  return { peer, api, stop }
}
