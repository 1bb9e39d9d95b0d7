/** Errors of the peer. Every failure the CLI or API reports carries one of these codes. */
export type NodeErrorCode =
  | 'BAD_FLAG' // unknown flag, missing value, or a value of the wrong type
  | 'BAD_CONFIG' // config file or environment value invalid
  | 'UNKNOWN_COMMAND'
  | 'WALLET_NOT_FOUND'
  | 'WALLET_EXISTS'
  | 'WALLET_LOCKED' // wrong or missing password
  | 'CHAIN_UNREACHABLE'
  | 'CHECKPOINT_UNAVAILABLE'
  | 'TRANSCRIPT_MISMATCH'
  | 'TRANSCRIPT_NOT_FOUND'
  | 'PERSIST_FAILED'
  | 'NOT_RUNNING'
  | 'UNAUTHORIZED'

export class NodeError extends Error {
  readonly code: NodeErrorCode
  readonly data: Record<string, unknown>
  constructor (code: NodeErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'NodeError'
    this.code = code
    this.data = data
  }
}

export function errorMessage (e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
