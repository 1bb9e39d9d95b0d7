/** ElectronAdapter over the real `electron` module (the only main-process file that imports it besides index.ts). */
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, powerMonitor, protocol, Tray, utilityProcess } from 'electron'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { ElectronAdapter, TrayState, WindowHandle } from './adapter.ts'

// app:// must be registered as privileged before the app is ready (standard + secure: module scripts, fetch, storage).
protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }])

let tray: Tray | null = null

export function electronAdapter (): ElectronAdapter {
  return {
    requestSingleInstanceLock: () => app.requestSingleInstanceLock(),
    onSecondInstance: (fn) => { app.on('second-instance', fn) },
    whenReady: async () => { await app.whenReady() },
    quit: () => { app.quit() },
    onAllWindowsClosed: (fn) => { app.on('window-all-closed', fn) },
    userDataDir: () => app.getPath('userData'),
    homeDir: () => homedir(),
    handleAppProtocol: (fn) => {
      protocol.handle('app', async (req) => {
        const r = await fn(req.url)
        return new Response(typeof r.body === 'string' ? r.body : Buffer.from(r.body), { status: r.status, headers: r.headers })
      })
    },
    createWindow: (o): WindowHandle => {
      const w = new BrowserWindow({
        width: 1200, height: 820, show: true, title: 'TensorMesh',
        webPreferences: { preload: o.preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
      })
      // No navigation away from the app, no new windows, no permission prompts.
      w.webContents.on('will-navigate', (e, url) => { if (!url.startsWith(o.allowedOrigin + '/')) e.preventDefault() })
      w.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
      w.webContents.session.setPermissionRequestHandler((_wc, _p, cb) => { cb(false) })
      void w.loadURL(o.url)
      return { webContentsId: w.webContents.id, send: (c, p) => { if (!w.isDestroyed()) w.webContents.send(c, p) }, show: () => { if (w.isMinimized()) w.restore(); w.show(); w.focus() }, isDestroyed: () => w.isDestroyed() }
    },
    handleIpc: (channel, fn) => {
      ipcMain.handle(channel, (e, arg: unknown) => fn({ webContentsId: e.sender.id, frameUrl: e.senderFrame?.url ?? '', isMainFrame: e.senderFrame !== null && e.senderFrame === e.sender.mainFrame }, arg))
    },
    setTray: (s: TrayState, onClick) => {
      tray ??= new Tray(nativeImage.createFromPath(join(__dirname, 'tray.png')))
      tray.setToolTip(s.tooltip)
      tray.setContextMenu(Menu.buildFromTemplate(s.items.map((i) => ({ label: i.label, enabled: i.enabled, click: () => { onClick(i.id) } }))))
    },
    notify: (title, body) => { if (Notification.isSupported()) new Notification({ title, body }).show() },
    onPower: (fn) => {
      for (const e of ['on-battery', 'on-ac', 'lock-screen', 'unlock-screen', 'suspend', 'resume'] as const) powerMonitor.on(e as 'on-battery', () => { fn(e) })
    },
    onBattery: () => powerMonitor.isOnBatteryPower(),
    idleSeconds: () => powerMonitor.getSystemIdleTime(),
    setLoginItem: (openAtLogin) => { app.setLoginItemSettings({ openAtLogin }) },
    forkUtility: (modulePath, args, env) => {
      const p = utilityProcess.fork(modulePath, args, { env: { ...process.env, ...env }, serviceName: 'TensorMesh node', stdio: 'inherit' })
      return { postMessage: (m) => { p.postMessage(m) }, onMessage: (fn) => { p.on('message', fn) }, onExit: (fn) => { p.on('exit', fn) }, kill: () => { p.kill() } }
    },
    showSecretDialog: async (title, text) => { await dialog.showMessageBox({ type: 'warning', title, message: title, detail: text, buttons: ['I wrote them down'] }) },
    setInterval: (fn, ms) => { const t = setInterval(fn, ms); return () => { clearInterval(t) } },
  }
}
