import { promises as fs } from 'node:fs'
import { join, dirname, basename } from 'node:path'

/** Crash-safe write: temp file in the same directory, fsync, rename over the target, fsync the directory. */
export async function writeFileAtomic (path: string, data: Uint8Array | string, mode = 0o600): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`)
  const fh = await fs.open(tmp, 'w', mode)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await fs.rename(tmp, path)
  try {
    const dh = await fs.open(dirname(path), 'r')
    try { await dh.sync() } finally { await dh.close() }
  } catch { /* some filesystems refuse fsync on directories */ }
}
