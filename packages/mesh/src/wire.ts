/**
 * The mesh's only door to @tensormesh/wire: encode/decode per kind, identity and ranking
 * verification, and the request/response codecs built from them. Keeping it in one file makes the
 * mesh's dependence on the wire spec easy to audit.
 */
import { decode, decodeReply, encode, verifyIdentity, verifyRanking } from '@tensormesh/wire'
import type { MessageKind, MessageMap, IdentityBinding, RankingMessage } from '@tensormesh/wire'
import type { Codec, RemoteError, ResponseCodec } from './reqresp/types.ts'

export function encodeKind<K extends MessageKind> (kind: K, msg: MessageMap[K]): Uint8Array {
  return encode(kind, msg)
}

export function decodeKind<K extends MessageKind> (kind: K, bytes: Uint8Array): MessageMap[K] {
  return decode(kind, bytes)
}

/** Throws WireError (BAD_SIGNATURE / PEER_MISMATCH / STALE / BAD_FIELD) unless `b` is a current binding of `peerId`. */
export function checkIdentity (b: IdentityBinding, peerId: Uint8Array): void {
  verifyIdentity(b, { peerId, now: Date.now() })
}

/** Throws WireError BAD_SIGNATURE unless the ranking is signed by its hotkey. */
export function checkRanking (r: RankingMessage): void {
  verifyRanking(r)
}

export function kindCodec<K extends MessageKind> (kind: K): Codec<MessageMap[K]> {
  return { encode: (m) => encode(kind, m), decode: (b) => decode(kind, b) }
}

/** A response frame holds the expected kind or an `error` message. */
export function responseCodec<K extends MessageKind> (kind: K): ResponseCodec<MessageMap[K]> {
  return {
    encode: (m) => encode(kind, m),
    encodeError: (e: RemoteError) => encode('error', e),
    decode: (b) => {
      const r = decodeReply(kind, b)
      return r.ok ? { ok: true, value: r.message } : { ok: false, error: r.error }
    }
  }
}
