/**
 * The seam between the main process's logic and Electron. Everything Electron does for the app goes through this
 * interface; `electron-adapter.ts` implements it with the real `electron` module, and the unit tests in desktop/test
 * replace ONLY this adapter (the logic under test — IPC sender checks, power policy, notifications, tray, protocol,
 * node lifecycle — is the real code).
 */

/** Who sent an IPC message: the frame's URL and whether it is the app window's main frame. */
export interface SenderInfo { webContentsId: number, frameUrl: string, isMainFrame: boolean }

export type IpcHandler = (sender: SenderInfo, arg: unknown) => Promise<unknown>

export interface ProtocolResponse { status: number, headers: Record<string, string>, body: Uint8Array | string }

export interface TrayItem { id: string, label: string, enabled: boolean }
export interface TrayState { tooltip: string, items: TrayItem[] }

export type PowerEvent = 'on-battery' | 'on-ac' | 'lock-screen' | 'unlock-screen' | 'suspend' | 'resume'

/** A child the node runs in (Electron's utilityProcess). */
export interface UtilityHandle {
  postMessage (m: unknown): void
  onMessage (fn: (m: unknown) => void): void
  onExit (fn: (code: number) => void): void
  kill (): void
}

export interface WindowHandle {
  readonly webContentsId: number
  send (channel: string, payload: unknown): void
  show (): void
  isDestroyed (): boolean
}

export interface ElectronAdapter {
  requestSingleInstanceLock (): boolean
  onSecondInstance (fn: () => void): void
  whenReady (): Promise<void>
  quit (): void
  onAllWindowsClosed (fn: () => void): void
  userDataDir (): string
  homeDir (): string
  /** Registers `app://` (standard, secure) and answers its requests. */
  handleAppProtocol (fn: (url: string) => Promise<ProtocolResponse>): void
  /** A window with contextIsolation, sandbox, no nodeIntegration, this preload; navigation and new windows denied. */
  createWindow (o: { preload: string, url: string, allowedOrigin: string }): WindowHandle
  handleIpc (channel: string, fn: IpcHandler): void
  setTray (state: TrayState, onClick: (id: string) => void): void
  notify (title: string, body: string): void
  onPower (fn: (e: PowerEvent) => void): void
  onBattery (): boolean
  /** Seconds since the last user input (powerMonitor.getSystemIdleTime). */
  idleSeconds (): number
  setLoginItem (openAtLogin: boolean): void
  forkUtility (modulePath: string, args: string[], env: Record<string, string>): UtilityHandle
  /** Shows text in a native modal dialog (recovery phrases never reach the renderer). */
  showSecretDialog (title: string, text: string): Promise<void>
  setInterval (fn: () => void, ms: number): () => void
}
