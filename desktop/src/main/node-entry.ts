/**
 * Entry of the utility process the node runs in (Electron's utilityProcess; in the main process libp2p's noise would
 * fall back to a WebAssembly cipher about 5x slower, STACK.md). Loads the profile's btcli hotkey here — key material
 * stays in this process — resolves the node config (devnet by default), starts the embedded devnet when the network
 * is devnet and no endpoint is configured (embedded-devnet.ts), and runs the peer with packages/node's runPeer;
 * tells the parent the local API's address and token; on {type:'stop'} (or when the parent goes away) stops the
 * peer, then the devnet, then exits.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { loadHotkey } from '@tensormesh/chain'
import { dataPaths, ensureDataDir, resolveConfig, runPeer, spawnDevnet, type PartialConfig, type RunningPeer } from '@tensormesh/node'
import type { Profile } from '../shared/bridge-types.ts'
import { devnetPlan, startEmbeddedDevnet, type EmbeddedDevnet } from './embedded-devnet.ts'

interface Port { postMessage (m: unknown): void, on (ev: 'message', fn: (e: { data: unknown }) => void): void }
const parentPort = (process as unknown as { parentPort?: Port }).parentPort
const send = (m: unknown): void => { if (parentPort !== undefined) parentPort.postMessage(m); else if (process.connected) process.send?.(m) }

let running: RunningPeer | null = null
let devnet: EmbeddedDevnet | null = null
let stopping: Promise<void> | null = null

/** Peer first (its last anchor may still need the chain), then the devnet; idempotent. */
function shutdown (reason: string, code: number): Promise<void> {
  stopping ??= (async () => {
    await running?.stop(reason).catch(() => {})
    await devnet?.stop().catch(() => {})
    process.exit(code)
  })()
  return stopping
}

async function main (): Promise<void> {
  const profile = JSON.parse(process.env.TENSORMESH_DESKTOP_PROFILE ?? 'null') as Profile | null
  const dataDir = process.env.TENSORMESH_DATA_DIR
  if (profile === null || dataDir === undefined) throw new Error('TENSORMESH_DESKTOP_PROFILE and TENSORMESH_DATA_DIR are required')
  const onMessage = (m: unknown): void => { if ((m as { type?: string }).type === 'stop') void shutdown('desktop app quit', 0) }
  // Electron's utility process talks over parentPort; under a plain fork (tests, `node` instead of Electron) over IPC,
  // where runPeer also takes {type:'stop'} itself (stopping twice is harmless: both wait for the same stop).
  if (parentPort !== undefined) parentPort.on('message', (e) => { onMessage(e.data) })
  else {
    process.on('message', onMessage)
    process.on('disconnect', () => { void shutdown('parent went away', 0) })
  }
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => { void shutdown(sig, 0) })

  const paths = ensureDataDir(dataDir)
  const file = existsSync(paths.config) ? JSON.parse(readFileSync(dataPaths(dataDir).config, 'utf8')) as PartialConfig : null
  let config = resolveConfig({ dataDir, file, env: process.env, flags: { network: profile.network, role: profile.role } })
  // btcli hotkeys are stored unencrypted by default; an encrypted one would need its password here.
  const pair = await loadHotkey({ root: dirname(profile.walletDir), name: profile.wallet, hotkey: profile.hotkeyName })
  const plan = devnetPlan(config, pair.address, process.env)
  if (plan !== null) {
    const started = await startEmbeddedDevnet(config, plan, spawnDevnet)
    devnet = started.devnet
    config = started.config
    send({ type: 'devnet', endpoint: devnet.endpoint })
  }
  if (stopping !== null) return
  running = await runPeer(config, pair)
  send({ type: 'api', url: running.api.url, token: running.api.token })
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? e.message : String(e) })
  setTimeout(() => { void shutdown('failed to start', 1) }, 100)
})
