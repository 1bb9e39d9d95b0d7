/**
 * The main process's orchestration, written against ElectronAdapter only: single instance, app:// protocol, the
 * window, IPC, the node in a utility process, the tray, the power policy and notifications. index.ts passes the real
 * adapter; desktop/test passes a recording one.
 */
import { join } from 'node:path'
import type { ControlRequest, StatusResponse } from '../shared/bridge-types.ts'
import { IPC } from '../shared/bridge-types.ts'
import { HostCore } from '../host/core.ts'
import { DesktopError } from '../host/errors.ts'
import { callNode, followEvents, type NodeLink } from '../host/node-link.ts'
import type { WalletRunner } from '../host/wallet-ops.ts'
import type { ElectronAdapter, PowerEvent, UtilityHandle, WindowHandle } from './adapter.ts'
import { registerIpc } from './ipc.ts'
import { noticeFor, type NoticeState } from './notices.ts'
import { controlsFor, decide, type PolicyDecision, type PowerState } from './policy.ts'
import { APP_ORIGIN, serveApp } from './protocol.ts'
import { trayState } from './tray.ts'

export interface AppPaths {
  rendererDir: string
  preload: string
  /** The utility process's entry (bundled node-entry). */
  nodeEntry: string
  walletWorker?: string
}

export interface AppOptions { paths: AppPaths, wallets?: WalletRunner, pollMs?: number }

export interface RunningApp {
  core: HostCore
  window: () => WindowHandle | null
  link: () => NodeLink | null
  /** Re-evaluates the power policy now (also runs on power events and every pollMs). */
  applyPolicy: () => Promise<PolicyDecision | null>
  stop: () => Promise<void>
}

export async function startApp (a: ElectronAdapter, o: AppOptions): Promise<RunningApp | null> {
  if (!a.requestSingleInstanceLock()) { a.quit(); return null }
  let win: WindowHandle | null = null
  let link: NodeLink | null = null
  let child: UtilityHandle | null = null
  let nodeError: string | null = null
  let status: StatusResponse | null = null
  let decision: PolicyDecision | null = null
  let userPaused = false
  let locked = false
  const abort = new AbortController()
  const notices: NoticeState = { myUid: null, lastRank: null }

  const core = new HostCore({
    kind: 'electron', dataDir: a.userDataDir(), walletRoot: join(a.homeDir(), '.bittensor', 'wallets'),
    capabilities: { startAtLogin: true, powerMonitor: true, notifications: true },
    showBackup: async (b) => {
      await a.showSecretDialog('Write down your recovery phrases', `They are shown only once and are not stored in the app.\n\nColdkey ${b.coldkey}:\n${b.coldkeyMnemonic}\n\nHotkey ${b.hotkey}:\n${b.hotkeyMnemonic}`)
      return 'dialog'
    },
    applySettings: async (s, changed) => {
      if (changed.startAtLogin !== undefined) a.setLoginItem(s.startAtLogin)
      if (changed.throttle !== undefined || changed.pauseOnBattery !== undefined || changed.pauseWhileActive !== undefined || changed.idleSeconds !== undefined) setTimeout(() => { void applyPolicy() }, 0)
    },
    nodeError: () => link === null ? nodeError ?? 'the node is starting…' : null,
    ...(o.wallets !== undefined ? { wallets: o.wallets } : {}),
  })

  const need = (): NodeLink => { if (link === null) throw new DesktopError('NODE_UNAVAILABLE', nodeError ?? 'the node is not running'); return link }
  const refreshTray = (): void => { a.setTray(trayState(status, decision, link === null ? nodeError : null), onTray) }

  async function applyPolicy (): Promise<PolicyDecision | null> {
    if (link === null) return null
    const power: PowerState = { onBattery: a.onBattery(), idleSeconds: a.idleSeconds(), locked }
    const next = decide(core.settings, power, userPaused)
    const current = status === null ? null : { paused: status.paused, throttle: status.throttle }
    for (const c of controlsFor(current, next)) await callNode(link, '/control', { method: 'POST', body: c })
    decision = next
    status = await callNode<StatusResponse>(link, '/status').catch(() => status)
    refreshTray()
    return next
  }

  function onTray (id: string): void {
    if (id === 'pause' || id === 'resume') { userPaused = id === 'pause'; void applyPolicy() }
    if (id === 'open') win?.show()
    if (id === 'quit') void stop().then(() => { a.quit() })
  }

  function startNode (): void {
    if (core.profile === null || child !== null) return
    nodeError = null
    const h = a.forkUtility(o.paths.nodeEntry, [], { TENSORMESH_DESKTOP_PROFILE: JSON.stringify(core.profile), TENSORMESH_DATA_DIR: join(a.userDataDir(), 'node') })
    child = h
    h.onMessage((m) => {
      const msg = m as { type?: string, url?: string, token?: string, message?: string }
      if (msg.type === 'api' && typeof msg.url === 'string' && typeof msg.token === 'string') {
        link = { url: msg.url, token: msg.token }
        void followEvents(link, (name, data) => {
          win?.send(IPC.event, { name, data })
          if (name === 'peer:started') notices.myUid = (data as { uid: number }).uid
          const n = noticeFor(name, data, notices, core.settings)
          if (n !== null) a.notify(n.title, n.body)
          if (name === 'round:end' || name === 'state:paused' || name === 'state:throttle') void callNode<StatusResponse>(link!, '/status').then((s) => { status = s; refreshTray() }).catch(() => {})
        }, abort.signal)
        void applyPolicy()
      }
      if (msg.type === 'error') nodeError = msg.message ?? 'the node failed'
    })
    h.onExit((code) => { child = null; link = null; if (!abort.signal.aborted) nodeError ??= `the node exited with code ${code}`; refreshTray() })
  }

  async function stop (): Promise<void> {
    abort.abort()
    child?.postMessage({ type: 'stop' })
    const c = child
    if (c !== null) await new Promise<void>((resolve) => { const t = setTimeout(() => { c.kill(); resolve() }, 10_000); c.onExit(() => { clearTimeout(t); resolve() }) })
  }

  a.onSecondInstance(() => { win?.show() })
  await a.whenReady()
  a.handleAppProtocol((url) => serveApp(o.paths.rendererDir, url))
  registerIpc(a, {
    windowId: () => win?.isDestroyed() === false ? win.webContentsId : null,
    nodeCall: (path, init) => callNode(need(), path, init),
    control: async (req: ControlRequest) => {
      // The renderer's pause/resume is the user's; the throttle is remembered as a setting.
      if (req.action === 'pause' || req.action === 'resume') { userPaused = req.action === 'pause'; await applyPolicy(); return { ok: true, paused: status?.paused ?? userPaused, throttle: status?.throttle ?? core.settings.throttle } }
      await core.setSettings({ throttle: req.value })
      await applyPolicy()
      return { ok: true, paused: status?.paused ?? false, throttle: req.value }
    },
    hostInfo: () => core.info(),
    onboard: async (arg) => { const r = await core.onboard(arg); startNode(); return r },
    setSettings: (arg) => core.setSettings(arg),
  })
  a.onPower((e: PowerEvent) => {
    if (e === 'lock-screen') locked = true
    if (e === 'unlock-screen') locked = false
    void applyPolicy()
  })
  const stopPoll = a.setInterval(() => { void applyPolicy() }, o.pollMs ?? 15_000)
  a.onAllWindowsClosed(() => { /* stays in the tray */ })
  win = a.createWindow({ preload: o.paths.preload, url: `${APP_ORIGIN}/index.html`, allowedOrigin: APP_ORIGIN })
  refreshTray()
  startNode()
  return {
    core,
    window: () => win,
    link: () => link,
    applyPolicy,
    stop: async () => { stopPoll(); await stop() },
  }
}
