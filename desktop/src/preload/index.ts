/**
 * The preload bridge: `window.tensormesh`, typed by TensorMeshBridge, one invoke per node API call. Bundled to a
 * single CommonJS file whose only require is 'electron' (sandboxed preloads cannot load anything else).
 */
import { contextBridge, ipcRenderer } from 'electron'
import { IPC, type PeerEventName, type PeerEvents, type TensorMeshBridge } from '../shared/bridge-types.ts'

async function call<T> (channel: string, arg?: unknown): Promise<T> {
  const r = await ipcRenderer.invoke(channel, arg) as { ok?: T, error?: { code: string, message: string } }
  if (r.error !== undefined) throw Object.assign(new Error(r.error.message), { code: r.error.code })
  return r.ok as T
}

const bridge: TensorMeshBridge = {
  status: () => call(IPC.status),
  rankings: () => call(IPC.rankings),
  anchors: () => call(IPC.anchors),
  peers: () => call(IPC.peers),
  control: (req) => call(IPC.control, req),
  hostInfo: () => call(IPC.hostInfo),
  onboard: (req) => call(IPC.onboard, req),
  setSettings: (s) => call(IPC.setSettings, s),
  onEvent: (fn) => {
    const listener = (_e: unknown, m: { name: PeerEventName, data: unknown }): void => { fn(m.name, m.data as PeerEvents[typeof m.name]) }
    ipcRenderer.on(IPC.event, listener)
    return () => { ipcRenderer.removeListener(IPC.event, listener) }
  },
}

contextBridge.exposeInMainWorld('tensormesh', bridge)
