/**
 * sr25519 signatures by a Bittensor hotkey over identity bindings and rankings.
 *
 * The signed bytes are a fixed binary layout (not the msgpack encoding, so any implementation can rebuild them without a
 * canonical msgpack writer), start with a domain tag naming the message and version, and are wrapped in `<Bytes>` …
 * `</Bytes>` as polkadot-js wallet extensions do for `signRaw`: such bytes can never be a valid Substrate transaction
 * payload, and a hotkey kept in a browser wallet can sign them. Layouts: protocols/identity.md, protocols/ranking.md.
 */
import { sr25519Sign, sr25519Verify, cryptoWaitReady } from '@polkadot/util-crypto'
import { validate } from './wire.ts'
import { WireError } from './errors.ts'
import type { IdentityBinding, RankingMessage } from './types.ts'

export const IDENTITY_DOMAIN = 'tensormesh/identity/v1'
export const RANKING_DOMAIN = 'tensormesh/ranking/v1'

const enc = new TextEncoder()
const OPEN = enc.encode('<Bytes>')
const CLOSE = enc.encode('</Bytes>')

/** Anything that signs with an sr25519 hotkey: a @polkadot/keyring pair of type sr25519, or {@link keypairSigner}. */
export interface HotkeySigner {
  readonly publicKey: Uint8Array
  /** Present on keyring pairs; must be 'sr25519' when present. */
  readonly type?: string
  sign(message: Uint8Array): Uint8Array
}

/** A signer over a raw sr25519 key pair (`sr25519PairFromSeed`, or a wallet's decoded hotkey). */
export function keypairSigner(pair: { publicKey: Uint8Array; secretKey: Uint8Array }): HotkeySigner {
  return { publicKey: pair.publicKey, type: 'sr25519', sign: (message) => sr25519Sign(message, pair) }
}

/** Resolves once the polkadot crypto backends are ready (needed by @polkadot/keyring; harmless to call often). */
export async function wireReady(): Promise<void> {
  await cryptoWaitReady()
}

class Writer {
  private readonly buf: Uint8Array
  private readonly view: DataView
  private pos = 0
  constructor(size: number) {
    this.buf = new Uint8Array(size)
    this.view = new DataView(this.buf.buffer)
  }
  bytes(b: Uint8Array): this { this.buf.set(b, this.pos); this.pos += b.byteLength; return this }
  u8(x: number): this { this.view.setUint8(this.pos, x); this.pos += 1; return this }
  u16(x: number): this { this.view.setUint16(this.pos, x, true); this.pos += 2; return this }
  u32(x: number): this { this.view.setUint32(this.pos, x, true); this.pos += 4; return this }
  u64(x: number): this { this.view.setBigUint64(this.pos, BigInt(x), true); this.pos += 8; return this }
  u16s(a: Uint16Array): this { for (const x of a) this.u16(x); return this }
  done(): Uint8Array {
    if (this.pos !== this.buf.byteLength) throw new Error(`signing payload size mismatch: ${this.pos} != ${this.buf.byteLength}`)
    return this.buf
  }
}

const IDENTITY_TAG = enc.encode(IDENTITY_DOMAIN)
const RANKING_TAG = enc.encode(RANKING_DOMAIN)

/**
 * The bytes an identity binding's signature covers:
 * `<Bytes>` ‖ "tensormesh/identity/v1" ‖ 0x00 ‖ netuid u16 ‖ hotkey [32] ‖ issuedAt u64 ‖ len(peerId) u16 ‖ peerId ‖ `</Bytes>`
 * (integers little-endian).
 */
export function identitySigningPayload(m: Omit<IdentityBinding, 'signature'>): Uint8Array {
  const size = OPEN.length + IDENTITY_TAG.length + 1 + 2 + 32 + 8 + 2 + m.peerId.byteLength + CLOSE.length
  return new Writer(size)
    .bytes(OPEN).bytes(IDENTITY_TAG).u8(0)
    .u16(m.netuid).bytes(m.hotkey).u64(m.issuedAt).u16(m.peerId.byteLength).bytes(m.peerId)
    .bytes(CLOSE).done()
}

/**
 * The bytes a ranking's signature covers:
 * `<Bytes>` ‖ "tensormesh/ranking/v1" ‖ 0x00 ‖ netuid u16 ‖ epoch u32 ‖ hotkey [32] ‖ versionKey u64 ‖ n u32 ‖ uids u16×n ‖
 * weights u16×n ‖ `</Bytes>` (integers little-endian).
 */
export function rankingSigningPayload(m: Omit<RankingMessage, 'signature'>): Uint8Array {
  const n = m.uids.length
  const size = OPEN.length + RANKING_TAG.length + 1 + 2 + 4 + 32 + 8 + 4 + 4 * n + CLOSE.length
  return new Writer(size)
    .bytes(OPEN).bytes(RANKING_TAG).u8(0)
    .u16(m.netuid).u32(m.epoch).bytes(m.hotkey).u64(m.versionKey).u32(n).u16s(m.uids).u16s(m.weights)
    .bytes(CLOSE).done()
}

function signWith(signer: HotkeySigner, payload: Uint8Array, kind: string): Uint8Array {
  if (signer.type !== undefined && signer.type !== 'sr25519') {
    throw new WireError('BAD_SIGNATURE', `${kind}: hotkey signer is ${signer.type}, expected sr25519`, { kind, field: 'signature' })
  }
  const signature = signer.sign(payload)
  // catches a signer whose key is not the sr25519 key it claims before the message reaches anyone
  if (!sigOk(payload, signature, signer.publicKey)) {
    throw new WireError('BAD_SIGNATURE', `${kind}: signer produced a signature that does not verify`, { kind, field: 'signature' })
  }
  return signature
}

/** Builds and signs an identity binding for `peerId` (its multihash bytes) with the hotkey. */
export function signIdentity(
  signer: HotkeySigner,
  fields: { netuid: number; peerId: Uint8Array; issuedAt: number },
): IdentityBinding {
  const unsigned = { netuid: fields.netuid, hotkey: Uint8Array.from(signer.publicKey), peerId: fields.peerId, issuedAt: fields.issuedAt }
  validate('identity', { ...unsigned, signature: new Uint8Array(64) })
  return { ...unsigned, signature: signWith(signer, identitySigningPayload(unsigned), 'identity') }
}

export interface VerifyIdentityOptions {
  /** The PeerId (multihash bytes) that sent or relayed the binding as its own; must equal `peerId`. */
  peerId?: Uint8Array
  /** Current time in ms; with it, `issuedAt` must lie in [now - maxAgeMs, now + maxFutureMs]. */
  now?: number
  /** Default 24 h. */
  maxAgeMs?: number
  /** Allowed clock skew into the future, default 5 min. */
  maxFutureMs?: number
}

/** sr25519 verification that never throws: a public key that is not a valid point simply fails. */
function sigOk(payload: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return sr25519Verify(payload, signature, publicKey)
  } catch {
    return false
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i])
}

/**
 * Checks an identity binding: fields valid, PeerId and age as asked, signature by `hotkey`. Throws WireError with code
 * BAD_FIELD, PEER_MISMATCH, STALE or BAD_SIGNATURE.
 */
export function verifyIdentity(msg: IdentityBinding, opts: VerifyIdentityOptions = {}): void {
  validate('identity', msg)
  if (opts.peerId !== undefined && !sameBytes(opts.peerId, msg.peerId)) {
    throw new WireError('PEER_MISMATCH', 'identity: binding names another PeerId', { kind: 'identity', field: 'peerId' })
  }
  if (opts.now !== undefined) {
    const age = opts.now - msg.issuedAt
    if (age > (opts.maxAgeMs ?? 24 * 3600_000) || -age > (opts.maxFutureMs ?? 5 * 60_000)) {
      throw new WireError('STALE', `identity: issuedAt is ${age} ms from now`, { kind: 'identity', field: 'issuedAt' })
    }
  }
  if (!sigOk(identitySigningPayload(msg), msg.signature, msg.hotkey)) {
    throw new WireError('BAD_SIGNATURE', 'identity: signature does not verify against the hotkey', { kind: 'identity', field: 'signature' })
  }
}

/** Builds and signs a ranking with the validator's hotkey. */
export function signRanking(signer: HotkeySigner, fields: Omit<RankingMessage, 'signature' | 'hotkey'>): RankingMessage {
  const unsigned = {
    netuid: fields.netuid, epoch: fields.epoch, hotkey: Uint8Array.from(signer.publicKey),
    uids: fields.uids, weights: fields.weights, versionKey: fields.versionKey,
  }
  validate('ranking', { ...unsigned, signature: new Uint8Array(64) })
  return { ...unsigned, signature: signWith(signer, rankingSigningPayload(unsigned), 'ranking') }
}

/** Checks a ranking's fields and its signature by `hotkey`; throws WireError (BAD_FIELD or BAD_SIGNATURE). */
export function verifyRanking(msg: RankingMessage): void {
  validate('ranking', msg)
  if (!sigOk(rankingSigningPayload(msg), msg.signature, msg.hotkey)) {
    throw new WireError('BAD_SIGNATURE', 'ranking: signature does not verify against the hotkey', { kind: 'ranking', field: 'signature' })
  }
}
