/** The host's side of the node's local API: JSON calls and a Server-Sent Events reader (over fetch, no EventSource). */
import type { PeerEventName } from '../shared/bridge-types.ts'
import { DesktopError } from './errors.ts'

export interface NodeLink { url: string, token: string }

export interface SseFrame { event: string, data: string, id: string | null }

/** Splits an SSE byte stream (as text) into complete frames; returns the unfinished rest. Pure. */
export function parseSse (buffer: string): { frames: SseFrame[], rest: string } {
  const frames: SseFrame[] = []
  const text = buffer.replace(/\r\n?/g, '\n')
  const parts = text.split('\n\n')
  const rest = parts.pop() ?? ''
  for (const part of parts) {
    let event = 'message'
    let id: string | null = null
    const data: string[] = []
    for (const line of part.split('\n')) {
      if (line === '' || line.startsWith(':')) continue
      const i = line.indexOf(':')
      const field = i < 0 ? line : line.slice(0, i)
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
      else if (field === 'id') id = value
    }
    if (data.length > 0) frames.push({ event, data: data.join('\n'), id })
  }
  return { frames, rest }
}

export async function callNode<T> (link: NodeLink, path: string, init: { method?: string, body?: unknown } = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(link.url + path, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${link.token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    })
  } catch (e) {
    throw new DesktopError('NODE_UNAVAILABLE', `the node's API at ${link.url} does not answer: ${e instanceof Error ? e.message : String(e)}`)
  }
  const body = await res.json().catch(() => null) as { error?: { code: string, message: string } } | null
  if (!res.ok) throw new DesktopError(res.status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST', body?.error?.message ?? `HTTP ${res.status}`, { status: res.status, nodeCode: body?.error?.code })
  return body as T
}

/**
 * Follows the node's event stream until `signal` aborts; after a drop it reconnects with `Last-Event-ID` (the last id
 * it saw), so the node replays exactly the events missed meanwhile (or, after a long gap, the latest of each kind).
 */
export async function followEvents (link: NodeLink, onEvent: (name: PeerEventName, data: unknown) => void, signal: AbortSignal, retryMs = 1000): Promise<void> {
  let lastId: string | null = null
  while (!signal.aborted) {
    try {
      const res = await fetch(`${link.url}/events`, { headers: { authorization: `Bearer ${link.token}`, ...(lastId !== null ? { 'last-event-id': lastId } : {}) }, signal })
      if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`)
      const dec = new TextDecoder()
      let buf = ''
      const reader = res.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        buf += dec.decode(value, { stream: true })
        const { frames, rest } = parseSse(buf)
        buf = rest
        for (const f of frames) {
          if (f.id !== null && /^\d+$/.test(f.id)) lastId = f.id
          if (f.event === 'hello') continue
          try { onEvent(f.event as PeerEventName, JSON.parse(f.data)) } catch { /* a bad frame is skipped */ }
        }
      }
    } catch {
      if (signal.aborted) return
    }
    await new Promise<void>((resolve) => { const t = setTimeout(resolve, retryMs); signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true }) })
  }
}
