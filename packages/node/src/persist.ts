/**
 * Crash-safe persistence: every file is written to a temporary sibling, fsync'd, renamed over the target and the
 * directory fsync'd, so a crash leaves either the old or the new content, never a torn file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, existsSync, appendFileSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'
import { NodeError, errorMessage } from './errors.ts'

let counter = 0

/** Writes `data` to `path` atomically and durably. */
export function writeFileAtomic (path: string, data: string | Uint8Array): void {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true })
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`)
  try {
    const fd = openSync(tmp, 'w', 0o600)
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
      let off = 0
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
    fsyncDir(dir)
  } catch (e) {
    throw new NodeError('PERSIST_FAILED', `cannot write ${path}: ${errorMessage(e)}`, { path }, { cause: e })
  }
}

function fsyncDir (dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try { fsyncSync(fd) } finally { closeSync(fd) }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}

/** JSON with bigint support (as strings tagged `n`), pretty enough to read. */
export function writeJsonAtomic (path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, (_k, v: unknown) => typeof v === 'bigint' ? `${v}n` : v, 2) + '\n')
}

/** Reads JSON, returning `fallback` when the file does not exist; a corrupt file is an error (never silently reset). */
export function readJson<T> (path: string, fallback: T): T {
  if (!existsSync(path)) return fallback
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch (e) {
    throw new NodeError('PERSIST_FAILED', `cannot read ${path}: ${errorMessage(e)}`, { path }, { cause: e })
  }
}

/**
 * Appends one JSON line and fsyncs: for journals. A torn last line (crash mid-append) is skipped on read.
 */
export function appendJsonLine (path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true })
  const fd = openSync(path, 'a', 0o600)
  try {
    writeSync(fd, JSON.stringify(value) + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Reads a JSON-lines journal; lines that do not parse (a torn tail) are skipped and counted. */
export function readJsonLines<T> (path: string): { entries: T[], torn: number } {
  if (!existsSync(path)) return { entries: [], torn: 0 }
  const entries: T[] = []
  let torn = 0
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    try { entries.push(JSON.parse(line) as T) } catch { torn++ }
  }
  return { entries, torn }
}

export { appendFileSync }
