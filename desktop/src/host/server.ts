/**
 * The browser host: serves the built renderer over http on 127.0.0.1 and, on the same origin (so the renderer's CSP
 * stays `connect-src 'self'`), proxies `/api/*` to the node's local API and answers `/host/*` from HostCore.
 * The browser holds only this host's token (from the URL fragment); the node's token never leaves the host.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
// The node's local API helpers (this subpath loads no peer, mesh or tfjs code).
import { authorized, closeServer, listenLoopback, newToken } from '@tensormesh/node/api'
import type { HostCore } from './core.ts'
import { DesktopError, errorBody } from './errors.ts'
import type { NodeLink } from './node-link.ts'

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2', '.map': 'application/json',
}

const MAX_BODY = 64 * 1024

export interface HostServerOptions {
  rendererDir: string
  core: HostCore
  /** The node to proxy to (null while it is not running: /api answers 502). */
  node: () => NodeLink | null
  token?: string
  port?: number
}

export interface HostServer { url: string, port: number, token: string, close (): Promise<void> }

/** Maps a URL path to a file under `root`, refusing anything that escapes it. Pure. */
export function staticPath (root: string, urlPath: string): string | null {
  let p: string
  try { p = decodeURIComponent(urlPath) } catch { return null }
  if (p.includes('\0')) return null
  if (p === '/' || p === '') p = '/index.html'
  const full = normalize(join(root, p))
  return full === root || full.startsWith(root.endsWith(sep) ? root : root + sep) ? full : null
}

function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

async function readJson (req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of req) {
    n += (c as Buffer).length
    if (n > MAX_BODY) throw new DesktopError('BAD_REQUEST', `body larger than ${MAX_BODY} bytes`)
    chunks.push(c as Buffer)
  }
  try { return JSON.parse(Buffer.concat(chunks).toString('utf8')) } catch { throw new DesktopError('BAD_REQUEST', 'body is not valid JSON') }
}

export async function startHostServer (o: HostServerOptions): Promise<HostServer> {
  const token = o.token ?? newToken()
  const root = normalize(o.rendererDir)
  const open = new Set<ServerResponse>()

  async function serveStatic (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const file = staticPath(root, path)
    if (file === null) { json(res, 400, { error: { code: 'BAD_REQUEST', message: 'bad path' } }); return }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file')
    } catch {
      json(res, 404, { error: { code: 'NOT_FOUND', message: `no file ${path}` } })
      return
    }
    const body = await readFile(file)
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP,
      'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache',
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  function proxy (req: IncomingMessage, res: ServerResponse, link: NodeLink, path: string, search: URLSearchParams): void {
    search.delete('token')
    const q = search.toString()
    const target = new URL(link.url + path + (q === '' ? '' : `?${q}`))
    const up = request(target, { method: req.method, headers: { authorization: `Bearer ${link.token}`, ...(req.headers['content-type'] !== undefined ? { 'content-type': req.headers['content-type'] } : {}), accept: req.headers.accept ?? '*/*', ...(typeof req.headers['last-event-id'] === 'string' ? { 'last-event-id': req.headers['last-event-id'] } : {}) } }, (r) => {
      res.writeHead(r.statusCode ?? 502, { 'content-type': r.headers['content-type'] ?? 'application/json', 'cache-control': 'no-store' })
      if ((r.headers['content-type'] ?? '').startsWith('text/event-stream')) { open.add(res); res.on('close', () => { open.delete(res); r.destroy() }) }
      // pipe() does not end the response when the node's side breaks off (node restarted, connection reset): end it
      // here, or a browser's event stream would hang open instead of reconnecting (with Last-Event-ID).
      r.on('close', () => { if (!res.writableEnded) res.end() })
      r.pipe(res)
    })
    up.on('error', (e) => { if (!res.headersSent) json(res, 502, { error: { code: 'NODE_UNAVAILABLE', message: `the node's API does not answer: ${e.message}` } }); else res.end() })
    req.on('close', () => { if (res.writableEnded === false && res.headersSent) up.destroy() })
    req.pipe(up)
  }

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const path = url.pathname
    if (!path.startsWith('/api/') && !path.startsWith('/host/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new DesktopError('NOT_FOUND', `no route ${req.method ?? ''} ${path}`)
      await serveStatic(req, res, path)
      return
    }
    if (!authorized(req, token)) throw new DesktopError('UNAUTHORIZED', 'missing or wrong token')
    if (path.startsWith('/api/')) {
      const link = o.node()
      if (link === null) throw new DesktopError('NODE_UNAVAILABLE', o.core.info().nodeError ?? 'the node is not running')
      proxy(req, res, link, path.slice(4), url.searchParams)
      return
    }
    if (req.method === 'GET' && path === '/host/info') { json(res, 200, o.core.info()); return }
    if (req.method === 'POST' && path === '/host/onboard') { json(res, 200, await o.core.onboard(await readJson(req))); return }
    if (req.method === 'GET' && path === '/host/settings') { json(res, 200, o.core.settings); return }
    if (req.method === 'POST' && path === '/host/settings') { json(res, 200, await o.core.setSettings(await readJson(req))); return }
    throw new DesktopError('NOT_FOUND', `no route ${req.method ?? ''} ${path}`)
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const { status, body } = errorBody(e)
      if (!res.headersSent) json(res, status, body)
      else res.end()
    })
  })
  const port = await listenLoopback(server, o.port)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    async close () {
      for (const r of open) r.end()
      await closeServer(server)
    },
  }
}
