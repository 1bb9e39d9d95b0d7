/**
 * @packageDocumentation
 * The desktop host: what runs beside the renderer with access to keys and the node — onboarding into btcli wallets,
 * shell settings, the node link, and a browser host that serves the built renderer on 127.0.0.1 with `/api` proxied
 * to the node's local API. The Electron main process uses the same HostCore over IPC.
 *
 * @example
 * ```ts
 * import { HostCore, startHostServer } from '@tensormesh/desktop/host'
 *
 * const core = new HostCore({ kind: 'browser', dataDir: '/tmp/tm-desktop', walletRoot: '/tmp/wallets',
 *   capabilities: { startAtLogin: false, powerMonitor: false, notifications: false },
 *   showBackup: async (b) => { console.log(b.coldkeyMnemonic); return 'terminal' } })
 * const host = await startHostServer({ rendererDir: 'desktop/dist/renderer', core, node: () => ({ url: 'http://127.0.0.1:5000', token: '…' }) })
 * console.log(`${host.url}/#token=${host.token}`)
 * ```
 */
export { HostCore, type HostCoreOptions, type Backup } from './core.ts'
export { startHostServer, staticPath, CSP, type HostServer, type HostServerOptions } from './server.ts'
export { callNode, followEvents, parseSse, type NodeLink, type SseFrame } from './node-link.ts'
export { DesktopError, errorBody, type DesktopErrorCode } from './errors.ts'
export { DEFAULT_SETTINGS, parseOnboard, parseSettings, loadState, saveState, type DesktopState } from './settings.ts'
