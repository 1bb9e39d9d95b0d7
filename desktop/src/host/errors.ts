/** Errors of the desktop shell. Each carries a string code; the HTTP host and IPC handlers pass code + message on. */
export type DesktopErrorCode =
  | 'BAD_REQUEST' // malformed or out-of-range input from the renderer
  | 'UNAUTHORIZED' // missing or wrong token (HTTP host)
  | 'FORBIDDEN_SENDER' // an IPC message from a frame that is not the app's renderer
  | 'WALLET_EXISTS'
  | 'WALLET_FAILED' // the wallet layer refused (bad mnemonic, unwritable directory…)
  | 'NODE_UNAVAILABLE' // the node's local API does not answer
  | 'NOT_FOUND'

export class DesktopError extends Error {
  readonly code: DesktopErrorCode
  readonly data: Record<string, unknown>
  constructor (code: DesktopErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(message)
    this.name = 'DesktopError'
    this.code = code
    this.data = data
  }
}

export function errorBody (e: unknown): { status: number, body: { error: { code: string, message: string } } } {
  if (e instanceof DesktopError) {
    const status = e.code === 'UNAUTHORIZED' ? 401 : e.code === 'FORBIDDEN_SENDER' ? 403 : e.code === 'NOT_FOUND' ? 404 : e.code === 'NODE_UNAVAILABLE' ? 502 : e.code === 'WALLET_EXISTS' ? 409 : 400
    return { status, body: { error: { code: e.code, message: e.message } } }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } } }
}
