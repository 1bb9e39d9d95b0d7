/**
 * Coded errors of the mesh. Every failure a caller can act on carries a string `code` and typed `data`,
 * and survives the trip from the network worker to the main thread (`toJSON` / `meshErrorFromJSON`).
 */

export type MeshErrorCode =
  | 'MESH_NOT_STARTED'
  | 'MESH_OVERSIZE'
  | 'MESH_NO_PEERS'
  | 'MESH_TTFB_TIMEOUT'
  | 'MESH_RESP_TIMEOUT'
  | 'MESH_RATE_LIMITED'
  | 'MESH_BAD_REQUEST'
  | 'MESH_BAD_RESPONSE'
  | 'MESH_RESPONSE_TOO_LARGE'
  | 'MESH_REMOTE_ERROR'
  | 'MESH_NOT_FOUND'
  | 'MESH_CHUNK_HASH_MISMATCH'
  | 'MESH_HASH_MISMATCH'
  | 'MESH_DIAL_FAILED'
  | 'MESH_NO_HANDLER'
  | 'MESH_WORKER_EXITED'
  | 'MESH_INVALID_CONFIG'

export type MeshErrorData = Record<string, string | number | boolean | null | undefined>

export class MeshError extends Error {
  readonly code: MeshErrorCode
  readonly data: MeshErrorData

  constructor (code: MeshErrorCode, message: string, data: MeshErrorData = {}) {
    super(`${code}: ${message}`)
    this.name = 'MeshError'
    this.code = code
    this.data = data
  }

  toJSON (): SerializedMeshError {
    return { name: 'MeshError', code: this.code, message: this.message, data: this.data }
  }
}

export interface SerializedMeshError {
  name: 'MeshError'
  code: MeshErrorCode
  message: string
  data: MeshErrorData
}

/** Rebuilds a MeshError that crossed a worker boundary; anything else becomes a plain Error. */
export function meshErrorFromJSON (value: unknown): Error {
  if (value != null && typeof value === 'object' && (value as { name?: unknown }).name === 'MeshError') {
    const v = value as SerializedMeshError
    const err = new MeshError(v.code, '', v.data)
    err.message = v.message
    return err
  }
  const v = value as { message?: unknown, code?: unknown } | null
  const err = new Error(typeof v?.message === 'string' ? v.message : String(value))
  if (typeof v?.code === 'string') (err as Error & { code: string }).code = v.code
  return err
}

/** Serialises any thrown value so it can be posted to another thread. */
export function errorToJSON (err: unknown): SerializedMeshError | { name: string, message: string, code?: string } {
  if (err instanceof MeshError) return err.toJSON()
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) }
  }
  return { name: 'Error', message: String(err) }
}
