/**
 * Pending commit-reveal commits, persisted so a restart can still reveal (salts exist only here). One JSON file,
 * rewritten atomically (temp file + fsync + rename) on every change, so a crash leaves the old or the new state.
 */
import { promises as fs } from 'node:fs'
import { ChainError } from '../errors.ts'
import { writeFileAtomic } from '../util/fs.ts'

export type CommitStatus = 'signed' | 'committed' | 'revealed' | 'expired' | 'failed'

export interface PendingCommit {
  netuid: number
  /** SS58 of the validator hotkey. */
  hotkey: string
  uids: number[]
  values: number[]
  salt: number[]
  versionKey: string
  commitHash: string
  /** Hash of the signed commit extrinsic (known before submission: lets a restart find it on chain). */
  extrinsicHash: string
  status: CommitStatus
  commitBlock?: number
  revealBlock?: number
  updatedAt: number
}

interface FileShape { version: 1, commits: PendingCommit[] }

export class PendingCommitStore {
  readonly path: string
  #commits: PendingCommit[] = []
  #writing: Promise<void> = Promise.resolve()

  constructor (path: string) { this.path = path }

  /** Load from disk; a missing file is an empty store, a corrupt one is an error (salts must not be lost silently). */
  async load (): Promise<this> {
    let text: string
    try { text = await fs.readFile(this.path, 'utf8') } catch { this.#commits = []; return this }
    let parsed: FileShape
    try {
      parsed = JSON.parse(text) as FileShape
      if (parsed?.version !== 1 || !Array.isArray(parsed.commits)) throw new Error('shape')
    } catch {
      throw new ChainError('STORE_CORRUPT', `pending commits file ${this.path} is not valid; move it aside to continue (its salts are needed to reveal)`, { path: this.path })
    }
    this.#commits = parsed.commits
    return this
  }

  list (filter: Partial<Pick<PendingCommit, 'netuid' | 'hotkey' | 'status'>> = {}): PendingCommit[] {
    return this.#commits.filter((c) => (filter.netuid === undefined || c.netuid === filter.netuid) &&
      (filter.hotkey === undefined || c.hotkey === filter.hotkey) && (filter.status === undefined || c.status === filter.status))
      .map((c) => ({ ...c }))
  }

  async put (c: Omit<PendingCommit, 'updatedAt'>): Promise<void> {
    const entry = { ...c, updatedAt: Date.now() }
    const i = this.#commits.findIndex((x) => x.commitHash === c.commitHash && x.hotkey === c.hotkey)
    if (i >= 0) this.#commits[i] = entry
    else this.#commits.push(entry)
    await this.#flush()
  }

  async update (commitHash: string, hotkey: string, patch: Partial<PendingCommit>): Promise<void> {
    const i = this.#commits.findIndex((x) => x.commitHash === commitHash && x.hotkey === hotkey)
    if (i < 0) throw new ChainError('COMMIT_NOT_FOUND', `no pending commit ${commitHash}`, { commitHash })
    this.#commits[i] = { ...this.#commits[i], ...patch, updatedAt: Date.now() }
    await this.#flush()
  }

  /** Drop finished entries (revealed / expired / failed) older than `maxAgeMs`. */
  async prune (maxAgeMs: number): Promise<void> {
    const cutoff = Date.now() - maxAgeMs
    this.#commits = this.#commits.filter((c) => !(['revealed', 'expired', 'failed'].includes(c.status) && c.updatedAt < cutoff))
    await this.#flush()
  }

  #flush (): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, commits: this.#commits } satisfies FileShape, null, 1)
    this.#writing = this.#writing.then(() => writeFileAtomic(this.path, snapshot))
    return this.#writing
  }
}
