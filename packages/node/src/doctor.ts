/** `tensormesh doctor`: what this machine and config can do, and what to fix. */
import { createServer } from 'node:net'
import { accessSync, constants, mkdirSync } from 'node:fs'
import { chainEndpoint, type PeerConfig } from './config.ts'
import { errorMessage } from './errors.ts'

export interface DoctorResult { lines: string[], fixes: string[] }

async function portFree (port: number): Promise<boolean> {
  if (port === 0) return true
  return await new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => { resolve(false) })
    s.listen(port, '127.0.0.1', () => { s.close(() => { resolve(true) }) })
  })
}

export async function runDoctor (config: PeerConfig): Promise<DoctorResult> {
  const lines: string[] = []
  const fixes: string[] = []
  const learn = await import('@tensormesh/learn')
  try {
    await learn.initBackend()
    const d = learn.doctor()
    lines.push(learn.formatDoctor(d))
    if (!d.gpu) fixes.push('training runs without a GPU; for CUDA install @tensorflow/tfjs-node-gpu (needs internet and CUDA 11.8 + cuDNN 8)')
  } catch (e) {
    lines.push(`backend: FAILED ${errorMessage(e)}`)
    fixes.push('no TensorFlow.js backend loads: reinstall with `npm ci`')
  }
  try {
    mkdirSync(config.dataDir, { recursive: true })
    accessSync(config.dataDir, constants.W_OK)
    lines.push(`data dir: ${config.dataDir} (writable)`)
  } catch (e) {
    lines.push(`data dir: ${config.dataDir} NOT writable (${errorMessage(e)})`)
    fixes.push(`make ${config.dataDir} writable or pass --data-dir`)
  }
  const apiFree = await portFree(config.api.port)
  lines.push(`api port: ${config.api.port === 0 ? 'random' : config.api.port} ${apiFree ? 'free' : 'IN USE'}`)
  if (!apiFree) fixes.push(`port ${config.api.port} is taken: pass --api-port 0 or another port`)
  for (const l of config.listen) {
    const m = /\/tcp\/(\d+)/.exec(l)
    if (m !== null && Number(m[1]) !== 0) {
      const free = await portFree(Number(m[1]))
      lines.push(`mesh listen ${l}: ${free ? 'free' : 'IN USE'}`)
      if (!free) fixes.push(`mesh port ${m[1]} is taken: change --listen`)
    }
  }
  const endpoint = chainEndpoint(config)
  if (endpoint === null) {
    lines.push('chain: devnet without an endpoint (`tensormesh demo` starts one; or pass --chain ws://…)')
  } else {
    const ok = await reachable(endpoint)
    lines.push(`chain: ${endpoint} ${ok ? 'reachable' : 'UNREACHABLE'}`)
    if (!ok) fixes.push(`cannot reach ${endpoint}: check the URL / network, or use --network devnet with \`tensormesh demo\``)
  }
  return { lines, fixes }
}

/** A websocket JSON-RPC `system_chain` call with a 5 s limit. */
async function reachable (endpoint: string): Promise<boolean> {
  return await new Promise((resolve) => {
    let done = false
    const finish = (v: boolean): void => { if (!done) { done = true; clearTimeout(t); try { ws.close() } catch { /* closed */ } resolve(v) } }
    const ws = new WebSocket(endpoint)
    const t = setTimeout(() => { finish(false) }, 5000)
    ws.onopen = () => { ws.send(JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'system_chain', params: [] })) }
    ws.onmessage = () => { finish(true) }
    ws.onerror = () => { finish(false) }
  })
}
