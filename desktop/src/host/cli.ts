#!/usr/bin/env node
/**
 * `npm run serve -w desktop -- --node-data-dir DIR`: the browser host for a running node (`tensormesh start` or a
 * demo peer): reads the node's `<DIR>/api.json`, serves the built renderer on 127.0.0.1 and prints the address to
 * open (its token is in the fragment). Recovery phrases of wallets created from the browser print here.
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { HostCore } from './core.ts'
import { startHostServer } from './server.ts'
import type { NodeLink } from './node-link.ts'

const { values } = parseArgs({
  options: { 'node-data-dir': { type: 'string' }, 'data-dir': { type: 'string' }, 'wallet-root': { type: 'string' }, port: { type: 'string' }, renderer: { type: 'string' } },
  strict: true,
})
const nodeDir = resolve(values['node-data-dir'] ?? process.env.TENSORMESH_DATA_DIR ?? join(homedir(), '.tensormesh'))
const rendererDir = resolve(values.renderer ?? fileURLToPath(new URL('../../dist/renderer', import.meta.url)))
if (!existsSync(join(rendererDir, 'index.html'))) {
  console.error(`no built renderer in ${rendererDir}: run \`npm run build -w desktop\` first`)
  process.exit(1)
}
const apiFile = join(nodeDir, 'api.json')
const link = (): NodeLink | null => {
  try { const a = JSON.parse(readFileSync(apiFile, 'utf8')) as NodeLink; return { url: a.url, token: a.token } } catch { return null }
}
const core = new HostCore({
  kind: 'browser',
  dataDir: resolve(values['data-dir'] ?? join(nodeDir, 'desktop')),
  walletRoot: resolve(values['wallet-root'] ?? join(homedir(), '.bittensor', 'wallets')),
  capabilities: { startAtLogin: false, powerMonitor: false, notifications: false },
  showBackup: async (b) => {
    console.log(`\nNew wallet "${b.wallet}" — write these recovery phrases down, they are shown only once:\n  coldkey ${b.coldkey}: ${b.coldkeyMnemonic}\n  hotkey  ${b.hotkey}: ${b.hotkeyMnemonic}\n`)
    return 'terminal'
  },
  nodeError: () => link() === null ? `no node running for ${nodeDir} (no ${apiFile}); start one with \`tensormesh start\` or \`tensormesh demo\`` : null,
})
const port = values.port === undefined ? 0 : Number(values.port)
const host = await startHostServer({ rendererDir, core, node: link, port })
console.log(`TensorMesh UI: ${host.url}/#token=${host.token}\n(node API from ${apiFile}; Ctrl-C stops)`)
process.once('SIGINT', () => { void host.close().then(() => process.exit(0)) })
