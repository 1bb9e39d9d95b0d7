/**
 * The Electron main process's logic (startApp) with Electron replaced ONLY at its adapter seam: FakeElectron below
 * implements ElectronAdapter by recording windows, IPC handlers, tray menus, notifications and login items, and runs
 * the "utility process" as a forked Node process of the real node entry (src/main/node-entry.ts). Everything else is
 * real: HostCore, the wallet worker writing btcli keyfiles, the node (runPeer on its embedded devnet) and its local API.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadHotkey } from '@tensormesh/chain'
import { IPC, type HostInfo, type OnboardResponse, type StatusResponse } from '../src/shared/bridge-types.ts'
import type { ElectronAdapter, IpcHandler, PowerEvent, ProtocolResponse, SenderInfo, TrayState, UtilityHandle, WindowHandle } from '../src/main/adapter.ts'
import { startApp } from '../src/main/app.ts'

const NODE_ENTRY = fileURLToPath(new URL('../src/main/node-entry.ts', import.meta.url))

class FakeElectron implements ElectronAdapter {
  lock = true
  quits = 0
  readonly handlers = new Map<string, IpcHandler>()
  protocol: ((url: string) => Promise<ProtocolResponse>) | null = null
  tray: TrayState | null = null
  trayClick: ((id: string) => void) | null = null
  readonly notices: Array<{ title: string, body: string }> = []
  readonly sent: Array<{ channel: string, payload: unknown }> = []
  readonly windows: Array<{ preload: string, url: string, shows: number }> = []
  readonly dialogs: string[] = []
  readonly loginItems: boolean[] = []
  readonly children: ChildProcess[] = []
  power: ((e: PowerEvent) => void) | null = null
  secondInstance: (() => void) | null = null
  battery = false
  idle = 10_000
  readonly dir: string
  constructor (dir: string) { this.dir = dir }
  requestSingleInstanceLock (): boolean { return this.lock }
  onSecondInstance (fn: () => void): void { this.secondInstance = fn }
  async whenReady (): Promise<void> {}
  quit (): void { this.quits++ }
  onAllWindowsClosed (): void {}
  userDataDir (): string { return join(this.dir, 'userData') }
  homeDir (): string { return join(this.dir, 'home') }
  handleAppProtocol (fn: (url: string) => Promise<ProtocolResponse>): void { this.protocol = fn }
  createWindow (o: { preload: string, url: string }): WindowHandle {
    const w = { ...o, shows: 0 }
    this.windows.push(w)
    return { webContentsId: 7, send: (channel, payload) => { this.sent.push({ channel, payload }) }, show: () => { w.shows++ }, isDestroyed: () => false }
  }
  handleIpc (channel: string, fn: IpcHandler): void { this.handlers.set(channel, fn) }
  setTray (s: TrayState, onClick: (id: string) => void): void { this.tray = s; this.trayClick = onClick }
  notify (title: string, body: string): void { this.notices.push({ title, body }) }
  onPower (fn: (e: PowerEvent) => void): void { this.power = fn }
  onBattery (): boolean { return this.battery }
  idleSeconds (): number { return this.idle }
  setLoginItem (open: boolean): void { this.loginItems.push(open) }
  forkUtility (modulePath: string, args: string[], env: Record<string, string>): UtilityHandle {
    const p = fork(modulePath, args, { execArgv: [], env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    this.children.push(p)
    return { postMessage: (m) => { if (p.connected) p.send(m as object) }, onMessage: (fn) => { p.on('message', fn) }, onExit: (fn) => { p.on('exit', (c) => { fn(c ?? 1) }) }, kill: () => { p.kill('SIGKILL') } }
  }
  async showSecretDialog (_title: string, text: string): Promise<void> { this.dialogs.push(text) }
  setInterval (fn: () => void, ms: number): () => void { const t = setInterval(fn, ms); return () => { clearInterval(t) } }

  async ipc (channel: string, arg?: unknown, sender: Partial<SenderInfo> = {}): Promise<{ ok?: unknown, error?: { code: string, message: string } }> {
    const h = this.handlers.get(channel)
    if (h === undefined) throw new Error(`no handler for ${channel}`)
    return await h({ webContentsId: 7, frameUrl: 'app://renderer/index.html', isMainFrame: true, ...sender }, arg) as { ok?: unknown, error?: { code: string, message: string } }
  }
}

async function until<T> (what: string, fn: () => Promise<T | null | false | undefined> | T | null | false | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== null && v !== false && v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => { setTimeout(resolve, 100) })
  }
}

test('a second instance quits at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tm-main-'))
  const a = new FakeElectron(dir)
  a.lock = false
  assert.equal(await startApp(a, { paths: { rendererDir: dir, preload: 'p', nodeEntry: NODE_ENTRY } }), null)
  assert.equal(a.quits, 1)
  assert.equal(a.windows.length, 0)
  rmSync(dir, { recursive: true, force: true })
})

test('main process: app://, guarded IPC, onboarding into btcli keyfiles, node in a utility process, power policy, tray, login item', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tm-main-'))
  const renderer = join(dir, 'renderer')
  mkdirSync(renderer)
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>')
  const a = new FakeElectron(dir)
  const app = await startApp(a, { paths: { rendererDir: renderer, preload: join(dir, 'preload.cjs'), nodeEntry: NODE_ENTRY }, pollMs: 3_600_000 })
  assert.ok(app !== null)
  try {
    assert.deepEqual(a.windows.map((w) => [w.url, w.preload]), [['app://renderer/index.html', join(dir, 'preload.cjs')]])
    a.secondInstance!()
    assert.equal(a.windows[0].shows, 1, 'a second launch shows the window')

    const page = await a.protocol!('app://renderer/index.html')
    assert.equal(page.status, 200)
    assert.match(page.headers['content-security-policy'], /default-src 'self'/)
    assert.equal((await a.protocol!('app://renderer/../../etc/passwd')).status, 404)

    // Every channel is registered and refuses frames that are not the app's main frame.
    assert.deepEqual([...a.handlers.keys()].sort(), Object.values(IPC).filter((c) => c !== IPC.event).sort())
    for (const bad of [{ webContentsId: 8 }, { isMainFrame: false }, { frameUrl: 'http://127.0.0.1:1/x' }]) {
      for (const ch of a.handlers.keys()) assert.equal((await a.ipc(ch, {}, bad)).error?.code, 'FORBIDDEN_SENDER', `${ch} from ${JSON.stringify(bad)}`)
    }
    const info0 = (await a.ipc(IPC.hostInfo)).ok as HostInfo
    assert.equal(info0.onboarded, false)
    assert.equal((await a.ipc(IPC.status)).error?.code, 'NODE_UNAVAILABLE', 'no node before onboarding')
    assert.equal((await a.ipc(IPC.onboard, { mode: 'create', wallet: 'w', password: 'short' })).error?.code, 'BAD_REQUEST')

    // Onboarding: real btcli keyfiles; the recovery phrases go to the native dialog, not over IPC.
    const r = await a.ipc(IPC.onboard, { mode: 'create', wallet: 'desk', password: 'a long password', network: 'devnet', role: 'miner' })
    assert.equal(r.error, undefined, JSON.stringify(r.error))
    const ob = r.ok as OnboardResponse
    assert.equal(ob.backupShownIn, 'dialog')
    assert.equal(a.dialogs.length, 1)
    const words = a.dialogs[0].split('\n').filter((l) => /^[a-z]+( [a-z]+){11}$/.test(l))
    assert.equal(words.length, 2, 'both mnemonics shown in the dialog')
    for (const w of words) assert.ok(!JSON.stringify(r).includes(w), 'no mnemonic over IPC')
    assert.equal((await loadHotkey({ root: join(dir, 'home', '.bittensor', 'wallets'), name: 'desk' })).address, ob.profile.hotkey)

    // The node starts in the utility process with that hotkey and answers through the bridge.
    await until('the node link', () => app.link())
    const st = (await a.ipc(IPC.status)).ok as StatusResponse
    assert.equal(st.hotkey, ob.profile.hotkey)
    assert.equal(st.role, 'miner')
    assert.equal(st.network, 'devnet')
    assert.equal(st.chain?.kind, 'devnet', 'the node runs on its embedded devnet')
    const nodeStatus = async (): Promise<StatusResponse> => (await a.ipc(IPC.status)).ok as StatusResponse

    // Power policy: on battery (with pauseOnBattery) the node pauses, on AC it resumes; the tray says why.
    assert.equal((await a.ipc(IPC.setSettings, { pauseOnBattery: true })).error, undefined)
    a.battery = true
    a.power!('on-battery')
    await until('paused on battery', async () => (await nodeStatus()).paused)
    await until('the tray to say why', () => a.tray?.tooltip.includes('on battery'))
    a.battery = false
    a.power!('on-ac')
    await until('resumed on AC', async () => !(await nodeStatus()).paused)
    // The tray's pause is the user's: it holds until the user resumes.
    a.trayClick!('pause')
    await until('paused from the tray', async () => (await nodeStatus()).paused)
    assert.ok(a.tray!.items.some((i) => i.id === 'resume'))
    a.trayClick!('resume')
    await until('resumed from the tray', async () => !(await nodeStatus()).paused)

    // Throttle through the bridge reaches the node and is remembered.
    assert.equal((await a.ipc(IPC.control, { action: 'throttle', value: 7 })).error?.code, 'BAD_REQUEST')
    assert.equal((await a.ipc(IPC.control, { action: 'throttle', value: 0.5 })).error, undefined)
    await until('throttle 0.5 in the node', async () => (await nodeStatus()).throttle === 0.5)
    assert.equal(JSON.parse(readFileSync(join(dir, 'userData', 'desktop.json'), 'utf8')).settings.throttle, 0.5)
    await until('node events forwarded to the window', () => a.sent.some((s) => s.channel === IPC.event && (s.payload as { name: string }).name === 'state:throttle'))

    assert.equal((await a.ipc(IPC.setSettings, { startAtLogin: true })).error, undefined)
    assert.deepEqual(a.loginItems, [true])
  } finally {
    await app.stop()
    for (const c of a.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
})
