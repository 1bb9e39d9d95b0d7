/**
 * Request/response over libp2p streams, as wire specifies: one length-prefixed request frame, one
 * length-prefixed response frame holding the response or an `error` message.
 * Inbound: per-peer and total quotas, request size and decode checks, penalties for abuse.
 * Outbound: time-to-first-byte and total timeouts, response size bound, penalties for bad responses.
 */
import { byteStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { MeshError } from '../errors.ts'
import { RateLimiter } from '../rateLimiter.ts'
import { FrameTooLargeError, readFrame, writeFrame } from './frame.ts'
import type { MeshErrorCode } from '../errors.ts'
import type { PenaltyReason } from '../score.ts'
import type { ProtocolDescriptor, ProtocolHandler, RemoteError, RequestOptions } from './types.ts'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'

export interface ReqRespOptions {
  penalize: (peerId: string, reason: PenaltyReason) => void
  /** Refuses inbound streams from banned peers. */
  isBanned?: (peerId: string) => boolean
}

/** Counts by `method:result`, inbound (served) and outbound (requested). */
export interface ReqRespStats {
  inbound: Record<string, number>
  outbound: Record<string, number>
}

const TO_REMOTE: Partial<Record<MeshErrorCode, RemoteError['code']>> = {
  MESH_NOT_FOUND: 'NOT_FOUND',
  MESH_RATE_LIMITED: 'RATE_LIMITED',
  MESH_BAD_REQUEST: 'BAD_REQUEST'
}
const FROM_REMOTE: Record<RemoteError['code'], MeshErrorCode> = {
  NOT_FOUND: 'MESH_NOT_FOUND',
  RATE_LIMITED: 'MESH_RATE_LIMITED',
  BAD_REQUEST: 'MESH_BAD_REQUEST',
  UNAVAILABLE: 'MESH_REMOTE_ERROR',
  INTERNAL: 'MESH_REMOTE_ERROR'
}

export class ReqResp {
  private readonly node: Libp2p
  private readonly opts: ReqRespOptions
  private readonly limiters = new Map<string, { peer: RateLimiter, total: RateLimiter }>()
  readonly stats: ReqRespStats = { inbound: {}, outbound: {} }

  constructor (node: Libp2p, opts: ReqRespOptions) {
    this.node = node
    this.opts = opts
  }

  private count (dir: 'inbound' | 'outbound', method: string, result: string): void {
    const key = `${method}:${result}`
    this.stats[dir][key] = (this.stats[dir][key] ?? 0) + 1
  }

  /** Registers the server side of a protocol (`force` replaces an existing handler). */
  async register<Req, Resp> (d: ProtocolDescriptor<Req, Resp>, handler: ProtocolHandler<Req, Resp>, force = false): Promise<void> {
    this.limiters.set(d.protocolId, { peer: new RateLimiter(d.peerQuota), total: new RateLimiter(d.totalQuota) })
    await this.node.handle(d.protocolId, async (stream, connection) => {
      await this.serve(d, handler, stream, connection.remotePeer.toString())
    }, { maxInboundStreams: 64, maxOutboundStreams: 64, runOnLimitedConnection: d.runOnLimitedConnection === true, ...(force ? { force: true as const } : {}) })
  }

  private async serve<Req, Resp> (d: ProtocolDescriptor<Req, Resp>, handler: ProtocolHandler<Req, Resp>, stream: Stream, peer: string): Promise<void> {
    const bs = byteStream(stream, { maxBufferSize: d.maxRequestBytes + 16 })
    const signal = AbortSignal.timeout(d.totalMs)
    const fail = async (code: RemoteError['code'], message: string): Promise<void> => {
      this.count('inbound', d.method, code)
      try {
        await writeFrame(bs, d.response.encodeError({ code, message: message.slice(0, 200) }), signal)
        await stream.close({ signal })
      } catch {
        stream.abort(new Error(code))
      }
    }
    if (this.opts.isBanned?.(peer) === true) {
      this.count('inbound', d.method, 'BANNED')
      stream.abort(new Error('banned'))
      return
    }
    const lim = this.limiters.get(d.protocolId)
    if (lim != null && (!lim.peer.allows(peer) || !lim.total.allows('*'))) {
      this.opts.penalize(peer, 'req-rate-limit')
      await fail('RATE_LIMITED', `${d.method} quota exceeded`)
      return
    }
    let req: Req
    try {
      const bytes = await readFrame(bs, d.maxRequestBytes, signal)
      req = d.request.decode(bytes)
    } catch (err) {
      if (stream.status !== 'open') return
      this.opts.penalize(peer, 'bad-request')
      await fail('BAD_REQUEST', (err as Error).message)
      return
    }
    let resp: Uint8Array
    try {
      resp = d.response.encode(await handler(req, { peerId: peer, signal }))
    } catch (err) {
      const code = err instanceof MeshError ? TO_REMOTE[err.code] ?? 'INTERNAL' : 'INTERNAL'
      await fail(code, (err as Error).message)
      return
    }
    try {
      await writeFrame(bs, resp, signal)
      await stream.close({ signal })
      this.count('inbound', d.method, 'OK')
    } catch (err) {
      this.count('inbound', d.method, 'WRITE_FAILED')
      stream.abort(err as Error)
    }
  }

  /** Sends one request and returns the decoded response; failures are MeshErrors with the peer and method in `data`. */
  async request<Req, Resp> (peerId: string | PeerId, d: ProtocolDescriptor<Req, Resp>, req: Req, opts: RequestOptions = {}): Promise<Resp> {
    const peer = typeof peerId === 'string' ? peerIdFromString(peerId) : peerId
    const peerStr = peer.toString()
    const data = { peer: peerStr, method: d.method }
    const totalMs = opts.totalMs ?? d.totalMs
    const ttfbMs = opts.ttfbMs ?? d.ttfbMs
    const total = AbortSignal.timeout(totalMs)
    const signal = opts.signal != null ? AbortSignal.any([total, opts.signal]) : total
    let stream: Stream
    try {
      stream = await this.node.dialProtocol(peer, d.protocolId, { signal, runOnLimitedConnection: d.runOnLimitedConnection === true })
    } catch (err) {
      this.count('outbound', d.method, 'MESH_DIAL_FAILED')
      throw new MeshError('MESH_DIAL_FAILED', `${d.method} to ${peerStr}: ${(err as Error).message}`, data)
    }
    const bs = byteStream(stream, { maxBufferSize: d.maxResponseBytes + 16 })
    try {
      await writeFrame(bs, d.request.encode(req), signal)
      const ttfb = AbortSignal.timeout(ttfbMs)
      // The first byte is bounded by time-to-first-byte; the rest of the frame only by the total timeout.
      let bytes: Uint8Array
      try {
        bytes = await readFrame(bs, d.maxResponseBytes, signal, AbortSignal.any([signal, ttfb]))
      } catch (err) {
        throw this.readError(err, data, ttfb.aborted, total.aborted, opts.signal, ttfbMs, totalMs)
      }
      const decoded = (() => {
        try {
          return d.response.decode(bytes)
        } catch (err) {
          this.opts.penalize(peerStr, 'bad-response')
          throw new MeshError('MESH_BAD_RESPONSE', `${d.method} from ${peerStr}: ${(err as Error).message}`, { ...data, wireCode: (err as { code?: string }).code ?? null })
        }
      })()
      if (!decoded.ok) {
        throw new MeshError(FROM_REMOTE[decoded.error.code] ?? 'MESH_REMOTE_ERROR', `${d.method} from ${peerStr}: ${decoded.error.code} ${decoded.error.message}`, { ...data, remoteCode: decoded.error.code })
      }
      await stream.close({ signal }).catch(() => { stream.abort(new Error('close failed')) })
      this.count('outbound', d.method, 'OK')
      return decoded.value
    } catch (err) {
      this.count('outbound', d.method, err instanceof MeshError ? err.code : 'ERROR')
      if (stream.status === 'open') stream.abort(err as Error)
      throw err instanceof MeshError ? err : new MeshError('MESH_BAD_RESPONSE', `${d.method} from ${peerStr}: ${(err as Error).message}`, data)
    }
  }

  private readError (err: unknown, data: { peer: string, method: string }, ttfbFired: boolean, totalFired: boolean, user: AbortSignal | undefined, ttfbMs: number, totalMs: number): Error {
    if (user?.aborted === true) return user.reason instanceof Error ? user.reason : new Error('aborted')
    if (totalFired) {
      this.opts.penalize(data.peer, 'timeout')
      return new MeshError('MESH_RESP_TIMEOUT', `${data.method} from ${data.peer}: not complete within ${totalMs} ms`, data)
    }
    if (ttfbFired) {
      this.opts.penalize(data.peer, 'timeout')
      return new MeshError('MESH_TTFB_TIMEOUT', `${data.method} from ${data.peer}: no response within ${ttfbMs} ms`, data)
    }
    if (err instanceof FrameTooLargeError) {
      this.opts.penalize(data.peer, 'bad-response')
      return new MeshError('MESH_RESPONSE_TOO_LARGE', `${data.method} from ${data.peer}: ${(err as Error).message}`, data)
    }
    return new MeshError('MESH_BAD_RESPONSE', `${data.method} from ${data.peer}: ${(err as Error).message}`, data)
  }
}
