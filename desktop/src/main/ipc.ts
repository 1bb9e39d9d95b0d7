/**
 * IPC handlers of the preload bridge. Every handler first checks its sender: the app window's main frame, loaded
 * from app://renderer. Anything else (another window, an iframe, a navigated page) gets FORBIDDEN_SENDER.
 */
import { IPC, type ControlRequest } from '../shared/bridge-types.ts'
import { DesktopError } from '../host/errors.ts'
import type { ElectronAdapter, SenderInfo } from './adapter.ts'
import { APP_ORIGIN } from './protocol.ts'

export function trustedSender (s: SenderInfo, windowId: number | null): boolean {
  if (windowId === null || s.webContentsId !== windowId || !s.isMainFrame) return false
  try { return new URL(s.frameUrl).origin === APP_ORIGIN || s.frameUrl.startsWith(APP_ORIGIN + '/') } catch { return false }
}

export interface IpcTargets {
  windowId: () => number | null
  nodeCall: (path: string, init?: { method?: string, body?: unknown }) => Promise<unknown>
  control: (req: ControlRequest) => Promise<unknown>
  hostInfo: () => unknown
  onboard: (arg: unknown) => Promise<unknown>
  setSettings: (arg: unknown) => Promise<unknown>
}

/** Errors cross IPC as plain {code, message} (Electron would drop the class). */
function wrap (fn: (arg: unknown) => Promise<unknown> | unknown, t: IpcTargets) {
  return async (sender: SenderInfo, arg: unknown): Promise<unknown> => {
    if (!trustedSender(sender, t.windowId())) return { error: { code: 'FORBIDDEN_SENDER', message: `IPC from ${sender.frameUrl} refused` } }
    try { return { ok: await fn(arg) } } catch (e) {
      return { error: { code: e instanceof DesktopError ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) } }
    }
  }
}

function parseControl (arg: unknown): ControlRequest {
  const a = arg as { action?: unknown, value?: unknown } | null
  if (a?.action === 'pause' || a?.action === 'resume') return { action: a.action }
  if (a?.action === 'throttle' && typeof a.value === 'number' && a.value >= 0.05 && a.value <= 1) return { action: 'throttle', value: a.value }
  throw new DesktopError('BAD_REQUEST', 'control must be pause, resume or throttle with a value in [0.05, 1]')
}

export function registerIpc (a: ElectronAdapter, t: IpcTargets): void {
  a.handleIpc(IPC.status, wrap(() => t.nodeCall('/status'), t))
  a.handleIpc(IPC.rankings, wrap(() => t.nodeCall('/rankings'), t))
  a.handleIpc(IPC.anchors, wrap(() => t.nodeCall('/anchors'), t))
  a.handleIpc(IPC.peers, wrap(() => t.nodeCall('/peers'), t))
  a.handleIpc(IPC.control, wrap((arg) => t.control(parseControl(arg)), t))
  a.handleIpc(IPC.hostInfo, wrap(() => t.hostInfo(), t))
  a.handleIpc(IPC.onboard, wrap((arg) => t.onboard(arg), t))
  a.handleIpc(IPC.setSettings, wrap((arg) => t.setSettings(arg), t))
}
