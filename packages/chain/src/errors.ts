/**
 * One error class for the whole package: a string `code` callers can switch on, plus typed data.
 * Messages never contain secrets (passwords, seeds, mnemonics, private keys).
 */
export type ChainErrorCode =
  | 'NOT_CONNECTED'
  | 'CONNECT_FAILED'
  | 'DEVNET_START_FAILED'
  | 'DEVNET_RESUME_FAILED'
  | 'MISSING_STORAGE'
  | 'MISSING_CALL'
  | 'UNSUPPORTED_RUNTIME'
  | 'DISPATCH_FAILED'
  | 'TX_INVALID'
  | 'TX_DROPPED'
  | 'TX_TIMEOUT'
  | 'NONCE_CONSUMED'
  | 'PRECHECK_FAILED'
  | 'COMMIT_NOT_FOUND'
  | 'REVEAL_TOO_EARLY'
  | 'TIMELOCK_NOT_IMPLEMENTED'
  | 'NOT_REGISTERED'
  | 'BAD_RANKING'
  | 'PAYLOAD_TOO_LARGE'
  | 'BAD_INPUT'
  | 'WALLET_NOT_FOUND'
  | 'WALLET_EXISTS'
  | 'WRONG_PASSWORD'
  | 'PASSWORD_REQUIRED'
  | 'KEYFILE_MALFORMED'
  | 'KEYFILE_LEGACY_FORMAT'
  | 'BAD_MNEMONIC'
  | 'STORE_CORRUPT'

export class ChainError<D extends Record<string, unknown> = Record<string, unknown>> extends Error {
  readonly code: ChainErrorCode
  readonly data: D
  constructor (code: ChainErrorCode, message: string, data: D = {} as D, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ChainError'
    this.code = code
    this.data = data
  }

  /** Plain object that survives structured clone / IPC; rebuild with {@link ChainError.fromJSON}. */
  toJSON (): { name: string, code: ChainErrorCode, message: string, data: D } {
    return { name: this.name, code: this.code, message: this.message, data: this.data }
  }

  static fromJSON (o: { code: ChainErrorCode, message: string, data?: Record<string, unknown> }): ChainError {
    return new ChainError(o.code, o.message, o.data ?? {})
  }
}

export function isChainError (e: unknown, code?: ChainErrorCode): e is ChainError {
  return e instanceof ChainError && (code === undefined || e.code === code)
}
