/**
 * Coded errors of the learn package. Callers branch on `code`, never on the message; `data` carries the
 * values that broke the rule so logs and UIs can show them.
 */
export type LearnErrorCode =
  | 'BAD_ARGUMENT'
  | 'NON_FINITE'
  | 'LENGTH_MISMATCH'
  | 'BACKEND_UNAVAILABLE'
  | 'UNKNOWN_BACKEND'
  | 'UNKNOWN_TASK'
  | 'DUPLICATE_TASK'
  | 'NOT_INITIALISED'
  | 'ASSIGNMENT_TOO_LARGE'
  | 'CODEC_MALFORMED'
  | 'CODEC_TOO_LARGE'
  | 'AGGREGATION_DIMENSION_MISMATCH'
  | 'AGGREGATION_PRECONDITION'
  | 'CHECKPOINT_MALFORMED'
  | 'CHECKPOINT_HASH_MISMATCH'
  | 'CHECKPOINT_SPEC_MISMATCH'

export class LearnError extends Error {
  readonly code: LearnErrorCode
  readonly data: Readonly<Record<string, unknown>>

  constructor(code: LearnErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(`${code}: ${message}`)
    this.name = 'LearnError'
    this.code = code
    this.data = data
  }

  /** Plain object form, so the error can cross a worker or IPC boundary and be rebuilt with {@link LearnError.fromJSON}. */
  toJSON(): { name: string; code: LearnErrorCode; message: string; data: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, data: { ...this.data } }
  }

  static fromJSON(o: { code: LearnErrorCode; message: string; data?: Record<string, unknown> }): LearnError {
    const e = new LearnError(o.code, '', o.data ?? {})
    e.message = o.message
    return e
  }
}

/** Throws NON_FINITE when any entry is NaN or ±Infinity; `what` names the array in the error. */
export function assertFinite(a: ArrayLike<number>, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new LearnError('NON_FINITE', `${what}[${i}] is ${a[i]}`, { what, index: i })
  }
}
