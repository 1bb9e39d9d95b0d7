/**
 * Entry of the network worker thread (Lodestar's networkCoreWorker): builds a MeshCore from the
 * options in `workerData`, answers calls from MeshClient, forwards every mesh event, and asks the
 * main thread for what lives there (the hotkey registry, the query handler).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { MeshCore } from './core.ts'
import { errorToJSON, meshErrorFromJSON } from './errors.ts'
import type { MeshOptions } from './core.ts'
import type { MeshEventName } from './events.ts'
import type { ToWorker, WorkerInit } from './protocol.ts'

if (parentPort == null) throw new Error('worker.ts must run in a worker thread')
const port = parentPort
const init = workerData as WorkerInit

const pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
let nextId = 1

/** Calls a function that lives on the main thread. */
async function callMain (method: 'isRegistered' | 'query', args: unknown[]): Promise<unknown> {
  const id = nextId++
  return await new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject })
    port.postMessage({ type: 'callMain', id, method, args })
  })
}

const opts: MeshOptions = { ...init.options }
if (init.privateKey != null) opts.privateKey = privateKeyFromProtobuf(init.privateKey)
const core = new MeshCore({
  ...opts,
  registry: { isRegistered: async (netuid, hotkey) => await callMain('isRegistered', [netuid, hotkey]) as boolean }
})

/**
 * Buffers of a decoded gradient's tensor that can move to the main thread instead of being copied:
 * wire gives each typed array its own aligned buffer, and the worker keeps only the raw bytes.
 */
function tensorBuffers (v: unknown): ArrayBuffer[] {
  const t = (v as { message?: { tensor?: Record<string, unknown> } } | null)?.message?.tensor
  if (t == null) return []
  const out = new Set<ArrayBuffer>()
  for (const a of [t.values, t.indices, t.scales]) {
    if (ArrayBuffer.isView(a) && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) out.add(a.buffer)
  }
  return [...out]
}

const EVENTS: MeshEventName[] = ['peer:connected', 'peer:disconnected', 'peer:bound', 'peer:banned', 'gradient:received', 'ranking:received', 'gossip:rejected', 'checkpoint:progress']
for (const name of EVENTS) {
  core.events.on(name, (detail) => {
    port.postMessage({ type: 'event', name, detail }, name === 'gradient:received' ? tensorBuffers(detail) : [])
  })
}

/** Methods the main thread may call, with their argument handling. */
const methods: Record<string, (...args: any[]) => unknown> = {
  start: async () => await core.start(),
  stop: async () => { await core.stop(); setImmediate(() => { port.close() }) },
  info: () => core.info(),
  dial: async (addr: string) => await core.dial(addr),
  connections: () => core.connections(),
  joinSubnet: (n: number) => { core.joinSubnet(n) },
  leaveSubnet: (n: number) => { core.leaveSubnet(n) },
  setIdentity: (b) => { core.setIdentity(b) },
  setRound: (n: number, r: number) => { core.setRound(n, r) },
  setStatus: (s) => { core.setStatus(s) },
  publishGradient: async (g) => await core.publishGradient(g),
  publishRanking: async (r) => await core.publishRanking(r),
  penalize: (p: string, reason) => { core.penalize(p, reason) },
  peers: () => core.peers(),
  stats: () => core.stats(),
  hotkeyOf: (p: string, n: number) => core.hotkeyOf(p, n),
  requestStatus: async (p: string, n: number) => await core.requestStatus(p, n),
  query: async (p: string, q) => await core.query(p, q),
  fetchGradient: async (h: string, from?: string[]) => await core.fetchGradient(h, from),
  provideCheckpoint: (bytes: Uint8Array) => core.provideCheckpoint(bytes),
  fetchCheckpoint: async (p: string, h: string, o?: { parallel?: number, requestId?: number }) => await core.fetchCheckpoint(p, h, o),
  enableQueryHandler: (on: boolean) => {
    core.setQueryHandler(on ? async (q, peerId) => await callMain('query', [q, peerId]) as never : null)
  }
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'reply') {
    const p = pending.get(msg.id)
    pending.delete(msg.id)
    if (msg.error != null) p?.reject(meshErrorFromJSON(msg.error))
    else p?.resolve(msg.result)
    return
  }
  const fn = methods[msg.method]
  Promise.resolve()
    .then(() => {
      if (fn == null) throw new Error(`unknown mesh method ${msg.method}`)
      return fn(...msg.args)
    })
    .then((result) => {
      // Large buffers (checkpoints) move instead of being copied.
      const transfer = result instanceof Uint8Array && result.byteOffset === 0 && result.byteLength === result.buffer.byteLength && result.byteLength > 65536
        ? [result.buffer as ArrayBuffer]
        : msg.method === 'fetchGradient' ? tensorBuffers(result) : []
      port.postMessage({ type: 'result', id: msg.id, result }, transfer)
    }, (err: unknown) => {
      port.postMessage({ type: 'result', id: msg.id, error: errorToJSON(err) })
    })
})
