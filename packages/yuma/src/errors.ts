/** Codes of every error this package throws. */
export type YumaErrorCode =
  | 'INVALID_SNAPSHOT' // malformed epoch input (length mismatch, out-of-range value, non-integer …)
  | 'INVALID_WEIGHTS' // malformed float weights for the SDK conversion
  | 'INVALID_CALL' // a set_weights call whose fields cannot be encoded (not u16 / u64)

/** A coded error; `data` says which field was wrong. */
export class YumaError extends Error {
  readonly code: YumaErrorCode
  readonly data: { field?: string; index?: number; value?: unknown }

  constructor(code: YumaErrorCode, message: string, data: { field?: string; index?: number; value?: unknown } = {}) {
    super(message)
    this.name = 'YumaError'
    this.code = code
    this.data = data
  }
}
