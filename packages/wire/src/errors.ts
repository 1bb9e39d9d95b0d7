/**
 * The one error type of the wire package. Every decoder, validator and verifier throws only this, so a caller (the mesh's
 * gossip validator, a request/response handler, the chain reader) can count and score failures by `code` alone.
 */

/** Why a message was refused. See protocols/encoding.md for the receiver's action on each code. */
export type WireErrorCode =
  /** The input is larger than the kind's size limit (checked before any decoding). */
  | 'OVERSIZE'
  /** Not a valid message in the TensorMesh msgpack subset: truncated, trailing bytes, extension types, duplicate keys, ... */
  | 'MALFORMED'
  /** The envelope's version `v` is not one this build speaks. */
  | 'BAD_VERSION'
  /** The envelope's kind `k` is not the kind expected on this topic or protocol. */
  | 'BAD_KIND'
  /** A field is missing, unknown, of the wrong msgpack type, out of range or inconsistent with another field. */
  | 'BAD_FIELD'
  /** A float (tensor value or scale) is NaN or infinite. */
  | 'NON_FINITE'
  /** An sr25519 signature does not verify against the claimed hotkey. */
  | 'BAD_SIGNATURE'
  /** A content hash does not match the content it covers. */
  | 'BAD_HASH'
  /** A timestamp is outside the accepted window (too old or in the future). */
  | 'STALE'
  /** An identity binding names a different PeerId than the one that sent it. */
  | 'PEER_MISMATCH'

export interface WireErrorData {
  /** The message kind being encoded or decoded, when known. */
  kind?: string
  /** The offending field (wire key path such as `t.i`, or a message property name), when known. */
  field?: string
}

export class WireError extends Error {
  readonly code: WireErrorCode
  readonly kind: string | undefined
  readonly field: string | undefined

  constructor(code: WireErrorCode, message: string, data: WireErrorData = {}) {
    super(message)
    this.name = 'WireError'
    this.code = code
    this.kind = data.kind
    this.field = data.field
  }

  /** Plain data for crossing a worker or IPC boundary; {@link WireError.fromJSON} rebuilds the error. */
  toJSON(): { code: WireErrorCode; message: string; kind?: string; field?: string } {
    return { code: this.code, message: this.message, kind: this.kind, field: this.field }
  }

  static fromJSON(data: { code: WireErrorCode; message: string; kind?: string; field?: string }): WireError {
    return new WireError(data.code, data.message, { kind: data.kind, field: data.field })
  }
}

/** True when `e` is a WireError (optionally with the given code). */
export function isWireError(e: unknown, code?: WireErrorCode): e is WireError {
  return e instanceof WireError && (code === undefined || e.code === code)
}
