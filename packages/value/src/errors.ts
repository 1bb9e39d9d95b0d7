/** Every way a call into packages/value can be refused. */
export type ValueErrorCode =
  | 'INVALID_ARGUMENT'
  | 'LENGTH_MISMATCH'
  | 'NON_FINITE'
  | 'EMPTY_INPUT'
  | 'BUDGET_TOO_SMALL'
  | 'TOO_MANY_PLAYERS'

/** A coded error; `data` carries the values that broke the precondition. */
export class ValueError extends Error {
  readonly code: ValueErrorCode
  readonly data: Record<string, unknown>

  constructor (code: ValueErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(message)
    this.name = 'ValueError'
    this.code = code
    this.data = data
  }
}

/** Throws INVALID_ARGUMENT unless `ok`. */
export function check (ok: boolean, message: string, data: Record<string, unknown> = {}): asserts ok {
  if (!ok) throw new ValueError('INVALID_ARGUMENT', message, data)
}
