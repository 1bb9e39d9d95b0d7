/**
 * Local API on 127.0.0.1: HTTP JSON and Server-Sent Events, every route behind a random token (Authorization:
 * Bearer <token>, or ?token= for EventSource, which cannot set headers). Types in api-types.ts.
 *
 * GET /status, /rankings, /anchors, /peers, /events (SSE), /metrics (Prometheus); POST /control.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { ApiErrorBody, ControlRequest, ControlResponse, PeerEventName } from './api-types.ts'
import type { Registry } from 'prom-client'

/** What the API serves; the peer implements it (tests may pass a stub). */
export interface ApiSource {
  status (): unknown
  rankings (): unknown
  anchors (): unknown
  /** May be async (the mesh is asked on each request). */
  peers? (): unknown
  control (req: ControlRequest): ControlResponse
  onEvent (fn: (name: PeerEventName, data: unknown) => void): () => void
}

export interface ApiServer { url: string, port: number, token: string, close (): Promise<void> }

export function newToken (): string {
  return randomBytes(24).toString('base64url')
}

/** Constant-time token check of a request (header or query). Pure apart from reading the request. */
export function authorized (req: { headers: Record<string, string | string[] | undefined>, url?: string }, token: string): boolean {
  const h = req.headers.authorization
  let given: string | null = null
  if (typeof h === 'string' && h.startsWith('Bearer ')) given = h.slice(7).trim()
  if (given === null && req.url !== undefined) given = new URL(req.url, 'http://127.0.0.1').searchParams.get('token')
  if (given === null) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

const MAX_BODY = 16 * 1024

function send (res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(json)
}

function fail (res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message } } satisfies ApiErrorBody)
}

async function readBody (req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of req) {
    n += (c as Buffer).length
    if (n > MAX_BODY) throw new Error('body too large')
    chunks.push(c as Buffer)
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

export function parseControl (body: unknown): ControlRequest {
  const b = body as { action?: unknown, value?: unknown }
  if (b === null || typeof b !== 'object') throw new Error('body must be a JSON object')
  if (b.action === 'pause' || b.action === 'resume') return { action: b.action }
  if (b.action === 'throttle') {
    if (typeof b.value !== 'number' || !(b.value >= 0.05 && b.value <= 1)) throw new Error('throttle value must be a number in [0.05, 1]')
    return { action: 'throttle', value: b.value }
  }
  throw new Error('action must be pause, resume or throttle')
}

export async function startApi (source: ApiSource, opts: { port?: number, token?: string | null, registry?: Registry } = {}): Promise<ApiServer> {
  const token = opts.token ?? newToken()
  const clients = new Set<ServerResponse>()
  let seq = 0
  const off = source.onEvent((name, data) => {
    const frame = `id: ${++seq}\nevent: ${name}\ndata: ${JSON.stringify(data, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v)}\n\n`
    for (const c of clients) c.write(frame)
  })
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => { if (!res.headersSent) fail(res, 500, 'INTERNAL', e instanceof Error ? e.message : String(e)) })
  })
  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req as { headers: Record<string, string | string[] | undefined>, url?: string }, token)) { fail(res, 401, 'UNAUTHORIZED', 'missing or wrong token (Authorization: Bearer <token> or ?token=)'); return }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (req.method === 'GET' && path === '/status') { send(res, 200, source.status()); return }
    if (req.method === 'GET' && path === '/rankings') { send(res, 200, source.rankings()); return }
    if (req.method === 'GET' && path === '/anchors') { send(res, 200, { anchors: source.anchors() }); return }
    if (req.method === 'GET' && path === '/peers') { send(res, 200, (await source.peers?.()) ?? { peers: [] }); return }
    if (req.method === 'GET' && path === '/metrics') {
      if (opts.registry === undefined) { fail(res, 404, 'NOT_FOUND', 'no metrics'); return }
      res.writeHead(200, { 'content-type': opts.registry.contentType })
      res.end(await opts.registry.metrics())
      return
    }
    if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      res.write(`event: hello\ndata: ${JSON.stringify({ seq })}\n\n`)
      clients.add(res)
      req.on('close', () => { clients.delete(res) })
      return
    }
    if (req.method === 'POST' && path === '/control') {
      let body: ControlRequest
      try { body = parseControl(await readBody(req)) } catch (e) { fail(res, 400, 'BAD_REQUEST', e instanceof Error ? e.message : String(e)); return }
      try { send(res, 200, source.control(body)) } catch (e) { fail(res, 400, 'BAD_REQUEST', e instanceof Error ? e.message : String(e)) }
      return
    }
    fail(res, 404, 'NOT_FOUND', `no route ${req.method ?? ''} ${path}`)
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    async close () {
      off()
      for (const c of clients) c.end()
      clients.clear()
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    },
  }
}
