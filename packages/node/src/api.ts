/**
 * Local API on 127.0.0.1: HTTP JSON and Server-Sent Events, every route behind a random token (Authorization:
 * Bearer <token>, or ?token= for EventSource, which cannot set headers). Types in api-types.ts.
 *
 * GET /status, /rankings, /anchors, /peers, /events (SSE), /metrics (Prometheus); POST /control.
 *
 * Every event on /events carries a monotonically increasing `id:`. The last events (EventLog: 1000 events or 8 MiB)
 * are kept, so a client that reconnects with `Last-Event-ID: N` (EventSource sends it by itself) or `?since=N` gets
 * exactly the events after N, in order. When some of those have already left the log (or N is from an earlier run of
 * the node), it first gets the latest event of every kind that is no longer in the log, then the whole log: a full
 * state, flagged `gap: true` in the `hello` event that opens every stream.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { ApiErrorBody, ControlRequest, ControlResponse, EventsHello, PeerEventName } from './api-types.ts'
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

/** Listens on 127.0.0.1 only (port 0: any free port) and resolves with the port. */
export async function listenLoopback (server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  return (server.address() as AddressInfo).port
}

/** Ends every connection (open event streams included) and closes the server. */
export async function closeServer (server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
}

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

/** One event as sent on the stream: its id, name and the complete SSE frame. */
export interface LoggedEvent { id: number, name: PeerEventName, frame: string }

export interface EventLogOptions {
  /** Most events kept for replay. Default 1000. */
  maxEvents?: number
  /** Most bytes of frames kept for replay (the newest event is always kept). Default 8 MiB. */
  maxBytes?: number
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => typeof x === 'bigint' ? x.toString() : x)

/** Bounded history of the event stream, for Last-Event-ID replay. Pure (no I/O). */
export class EventLog {
  /** Id of the last event appended (0: none yet). */
  seq = 0
  private buf: LoggedEvent[] = []
  private head = 0
  private bytes = 0
  private readonly latest = new Map<PeerEventName, LoggedEvent>()
  private readonly maxEvents: number
  private readonly maxBytes: number

  constructor (o: EventLogOptions = {}) {
    this.maxEvents = Math.max(1, o.maxEvents ?? 1000)
    this.maxBytes = Math.max(1, o.maxBytes ?? 8 * 1024 * 1024)
  }

  get size (): number { return this.buf.length - this.head }
  /** Id of the oldest event still kept (seq + 1 when none is). */
  get oldest (): number { return this.size === 0 ? this.seq + 1 : this.buf[this.head].id }

  append (name: PeerEventName, data: unknown): LoggedEvent {
    const id = ++this.seq
    const e: LoggedEvent = { id, name, frame: `id: ${id}\nevent: ${name}\ndata: ${json(data)}\n\n` }
    this.buf.push(e)
    this.bytes += e.frame.length
    this.latest.set(name, e)
    while (this.size > 1 && (this.size > this.maxEvents || this.bytes > this.maxBytes)) this.bytes -= this.buf[this.head++].frame.length
    if (this.head > 1024 && this.head * 2 > this.buf.length) { this.buf = this.buf.slice(this.head); this.head = 0 }
    return e
  }

  /**
   * What a client that has seen every event up to id `since` needs: the events after it (gap false), or, when some
   * of them are gone or `since` is not an id of this log (a later one: the node restarted), the latest event of each
   * kind older than the log followed by the whole log (gap true). Ids always increase along the result.
   */
  after (since: number): { events: LoggedEvent[], gap: boolean } {
    const kept = this.buf.slice(this.head)
    if (since <= this.seq && since >= this.oldest - 1) return { events: kept.filter((e) => e.id > since), gap: false }
    const older = [...this.latest.values()].filter((e) => e.id < this.oldest).sort((a, b) => a.id - b.id)
    return { events: [...older, ...kept], gap: true }
  }
}

/** The replay point of an /events request: `Last-Event-ID` (what EventSource sends on reconnect) before `?since=`. */
export function replayFrom (req: { headers: Record<string, string | string[] | undefined>, url?: string }): number | null {
  const h = req.headers['last-event-id']
  const raw = typeof h === 'string' && h.trim() !== '' ? h.trim() : new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('since')
  if (raw === null || raw === '') return null
  if (!/^\d{1,15}$/.test(raw)) throw new Error(`Last-Event-ID / since must be a non-negative integer (got ${JSON.stringify(raw.slice(0, 32))})`)
  return Number(raw)
}

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

export async function startApi (source: ApiSource, opts: { port?: number, token?: string | null, registry?: Registry, replay?: EventLogOptions } = {}): Promise<ApiServer> {
  const token = opts.token ?? newToken()
  const clients = new Set<ServerResponse>()
  const log = new EventLog(opts.replay)
  const off = source.onEvent((name, data) => {
    const { frame } = log.append(name, data)
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
      let since: number | null
      try { since = replayFrom(req as { headers: Record<string, string | string[] | undefined>, url?: string }) } catch (e) { fail(res, 400, 'BAD_REQUEST', e instanceof Error ? e.message : String(e)); return }
      const replay = since === null ? { events: [], gap: false } : log.after(since)
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      // The replay is written before the client joins, all in this tick: no event can fall between the two.
      const hello: EventsHello = { seq: log.seq, since, replayed: replay.events.length, gap: replay.gap }
      res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`)
      for (const e of replay.events) res.write(e.frame)
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
  const port = await listenLoopback(server, opts.port)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    async close () {
      off()
      for (const c of clients) c.end()
      clients.clear()
      await closeServer(server)
    },
  }
}
