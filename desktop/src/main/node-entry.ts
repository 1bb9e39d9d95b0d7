/**
 * Entry of the utility process the node runs in (Electron's utilityProcess; in the main process libp2p's noise would
 * fall back to a WebAssembly cipher about 5x slower, STACK.md). Loads the profile's btcli hotkey here — key material
 * stays in this process — resolves the node config (devnet by default) and runs the peer with packages/node's
 * runPeer; tells the parent the local API's address and token; stops on {type:'stop'}.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { loadHotkey } from '@tensormesh/chain'
import { dataPaths, ensureDataDir, resolveConfig, runPeer, type PartialConfig } from '@tensormesh/node'
import type { Profile } from '../shared/bridge-types.ts'

interface Port { postMessage (m: unknown): void, on (ev: 'message', fn: (e: { data: unknown }) => void): void }
const parentPort = (process as unknown as { parentPort?: Port }).parentPort
const send = (m: unknown): void => { if (parentPort !== undefined) parentPort.postMessage(m); else process.send?.(m) }

async function main (): Promise<void> {
  const profile = JSON.parse(process.env.TENSORMESH_DESKTOP_PROFILE ?? 'null') as Profile | null
  const dataDir = process.env.TENSORMESH_DATA_DIR
  if (profile === null || dataDir === undefined) throw new Error('TENSORMESH_DESKTOP_PROFILE and TENSORMESH_DATA_DIR are required')
  const paths = ensureDataDir(dataDir)
  const file = existsSync(paths.config) ? JSON.parse(readFileSync(dataPaths(dataDir).config, 'utf8')) as PartialConfig : null
  const config = resolveConfig({ dataDir, file, env: process.env, flags: { network: profile.network, role: profile.role } })
  // btcli hotkeys are stored unencrypted by default; an encrypted one would need its password here.
  const pair = await loadHotkey({ root: dirname(profile.walletDir), name: profile.wallet, hotkey: profile.hotkeyName })
  const running = await runPeer(config, pair)
  send({ type: 'api', url: running.api.url, token: running.api.token })
  const onMessage = (m: unknown): void => {
    if ((m as { type?: string }).type === 'stop') void running.stop('desktop app quit').then(() => { process.exit(0) })
  }
  // Under a plain fork (tests, `node` instead of Electron) runPeer itself takes {type:'stop'} over IPC.
  if (parentPort !== undefined) parentPort.on('message', (e) => { onMessage(e.data) })
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? e.message : String(e) })
  setTimeout(() => { process.exit(1) }, 100)
})
