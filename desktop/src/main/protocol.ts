/** `app://renderer/…`: the built renderer's files, nothing else, with the CSP as a header too. Pure path logic. */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { CSP, staticPath } from '../host/server.ts'
import type { ProtocolResponse } from './adapter.ts'

export const APP_ORIGIN = 'app://renderer'

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' }

/** The file an app:// URL names, or null (other hosts, escapes, query tricks). */
export function appFile (rendererDir: string, url: string): string | null {
  let u: URL
  try { u = new URL(url) } catch { return null }
  if (u.protocol !== 'app:' || u.host !== 'renderer') return null
  return staticPath(rendererDir, u.pathname)
}

export async function serveApp (rendererDir: string, url: string): Promise<ProtocolResponse> {
  const file = appFile(rendererDir, url)
  if (file === null) return { status: 404, headers: {}, body: 'not found' }
  try {
    const body = new Uint8Array(await readFile(file))
    return { status: 200, headers: { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' }, body }
  } catch {
    return { status: 404, headers: {}, body: 'not found' }
  }
}
