/**
 * Typed request/response descriptors (Lodestar's reqresp ProtocolDescriptor): one object says
 * everything about a protocol — its id, codecs, size bounds, quotas and timeouts.
 */
import type { RateQuota } from '../rateLimiter.ts'

export interface Codec<T> {
  encode: (value: T) => Uint8Array
  /** Throws a coded error (wire's WireError) on malformed bytes. */
  decode: (bytes: Uint8Array) => T
}

/** An error reply as it travels (wire's `error` message). */
export interface RemoteError {
  code: 'NOT_FOUND' | 'RATE_LIMITED' | 'BAD_REQUEST' | 'UNAVAILABLE' | 'INTERNAL'
  message: string
}

/** Decodes a response frame that holds either the expected message or an error reply. */
export interface ResponseCodec<T> {
  encode: (value: T) => Uint8Array
  encodeError: (err: RemoteError) => Uint8Array
  decode: (bytes: Uint8Array) => { ok: true, value: T } | { ok: false, error: RemoteError }
}

export interface ProtocolDescriptor<Req, Resp> {
  /** Short name for logs, metrics and errors. */
  method: string
  /** libp2p protocol id (from wire's PROTOCOLS). */
  protocolId: string
  request: Codec<Req>
  response: ResponseCodec<Resp>
  /** Largest accepted encoded request. */
  maxRequestBytes: number
  /** Largest accepted encoded response. */
  maxResponseBytes: number
  /** Inbound requests one peer may make (burst and refill window). */
  peerQuota: RateQuota
  /** Inbound requests from all peers together. */
  totalQuota: RateQuota
  /** Time from sending the request to the first response byte, ms. */
  ttfbMs: number
  /** Time for the whole exchange, ms. */
  totalMs: number
  /**
   * Also runs over limited (circuit relay v2) connections, whose relays cap bytes and time: only for
   * small exchanges, so a NATed peer can talk before hole punching upgrades the connection.
   */
  runOnLimitedConnection?: boolean
}

export interface HandlerContext {
  /** The requesting peer. */
  peerId: string
  signal: AbortSignal
}

/** A handler returns the response or throws: a MeshError with code MESH_NOT_FOUND / MESH_BAD_REQUEST becomes that reply. */
export type ProtocolHandler<Req, Resp> = (req: Req, ctx: HandlerContext) => Promise<Resp> | Resp

export interface RequestOptions {
  signal?: AbortSignal
  /** Overrides the descriptor's timeouts. */
  ttfbMs?: number
  totalMs?: number
}
