/**
 * @packageDocumentation
 * The messages every TensorMesh peer speaks: types, the msgpack encoding, validation, size limits and sr25519 signatures.
 * Pure: no I/O. The normative spec is protocols/ at the repository root; this package implements it.
 *
 * Every decoder checks the size limit before parsing, then structure, version, kind and every field, and throws only
 * {@link WireError}, whose `code` says why (the mesh maps codes to accept/ignore/reject and scores peers by them).
 *
 * @example
 * ```ts
 * import { sr25519PairFromSeed } from '@polkadot/util-crypto'
 * import {
 *   encodeGradient, decodeGradient, encodeRanking, decodeRanking, signRanking, verifyRanking, keypairSigner, gossipTopic,
 *   WireError,
 * } from '@tensormesh/wire'
 *
 * const hotkey = keypairSigner(sr25519PairFromSeed(new Uint8Array(32).fill(7)))
 * const bytes = encodeGradient({
 *   netuid: 1, round: 42, baseModel: new Uint8Array(32), assignmentSeed: 9, sampleCount: 640, hotkey: hotkey.publicKey,
 *   tensor: { format: 'topk', length: 8, chunkSize: 4, bits: 8,
 *     indices: Uint32Array.of(1, 6), values: Int8Array.of(-127, 64), scales: Float32Array.of(0.01, 0.02) },
 * })
 * gossipTopic(1, 'gradient')           // '/tensormesh/1/gradient/1'
 * const g = decodeGradient(bytes)      // aligned typed arrays, every field checked
 *
 * const ranking = signRanking(hotkey, { netuid: 1, epoch: 3, uids: Uint16Array.of(0, 5), weights: Uint16Array.of(65535, 1200), versionKey: 1 })
 * const back = decodeRanking(encodeRanking(ranking))
 * verifyRanking(back)                  // throws WireError('BAD_SIGNATURE') if forged
 * try { decodeGradient(new Uint8Array([0xc1])) } catch (e) { if (e instanceof WireError) console.log(e.code) } // 'MALFORMED'
 * ```
 */
import { decode, encode } from './wire.ts'
import type {
  CheckpointChunk, CheckpointRequest, GradientMessage, GradientRequest, IdentityBinding, QueryMessage, QueryResponseMessage,
  RankingMessage, RpcErrorMessage, StatusMessage,
} from './types.ts'
import { sha256 } from './codec.ts'

export { WireError, isWireError } from './errors.ts'
export type { WireErrorCode, WireErrorData } from './errors.ts'
export * from './constants.ts'
export type * from './types.ts'
export { encode, decode, decodeAny, decodeReply, validate } from './wire.ts'
export type { AnyMessage, Reply } from './wire.ts'
export { WIRE_PACKR_OPTIONS, scanWire } from './msgpack.ts'
export { sha256 } from './codec.ts'
export {
  IDENTITY_DOMAIN, RANKING_DOMAIN, identitySigningPayload, rankingSigningPayload, keypairSigner, wireReady,
  signIdentity, verifyIdentity, signRanking, verifyRanking,
} from './signing.ts'
export type { HotkeySigner, VerifyIdentityOptions } from './signing.ts'

export const encodeIdentity = (m: IdentityBinding): Uint8Array => encode('identity', m)
export const decodeIdentity = (b: Uint8Array): IdentityBinding => decode('identity', b)
export const encodeGradient = (m: GradientMessage): Uint8Array => encode('gradient', m)
export const decodeGradient = (b: Uint8Array): GradientMessage => decode('gradient', b)
export const encodeRanking = (m: RankingMessage): Uint8Array => encode('ranking', m)
export const decodeRanking = (b: Uint8Array): RankingMessage => decode('ranking', b)
export const encodeStatus = (m: StatusMessage): Uint8Array => encode('status', m)
export const decodeStatus = (b: Uint8Array): StatusMessage => decode('status', b)
export const encodeQuery = (m: QueryMessage): Uint8Array => encode('query', m)
export const decodeQuery = (b: Uint8Array): QueryMessage => decode('query', b)
export const encodeQueryResponse = (m: QueryResponseMessage): Uint8Array => encode('query-response', m)
export const decodeQueryResponse = (b: Uint8Array): QueryResponseMessage => decode('query-response', b)
export const encodeCheckpointRequest = (m: CheckpointRequest): Uint8Array => encode('checkpoint-request', m)
export const decodeCheckpointRequest = (b: Uint8Array): CheckpointRequest => decode('checkpoint-request', b)
export const encodeCheckpointChunk = (m: CheckpointChunk): Uint8Array => encode('checkpoint-chunk', m)
export const decodeCheckpointChunk = (b: Uint8Array): CheckpointChunk => decode('checkpoint-chunk', b)
export const encodeGradientRequest = (m: GradientRequest): Uint8Array => encode('gradient-request', m)
export const decodeGradientRequest = (b: Uint8Array): GradientRequest => decode('gradient-request', b)
export const encodeRpcError = (m: RpcErrorMessage): Uint8Array => encode('error', m)
export const decodeRpcError = (b: Uint8Array): RpcErrorMessage => decode('error', b)

/**
 * The content hash a gradient is fetched by over `/tensormesh/req/gradient/1`: sha256 of its encoded bytes exactly as
 * published on gossip.
 */
export function gradientContentHash(encoded: Uint8Array): Uint8Array {
  return sha256(encoded)
}

/** Builds a checkpoint chunk, filling in `chunkHash` = sha256(data). */
export function makeCheckpointChunk(fields: Omit<CheckpointChunk, 'chunkHash'>): CheckpointChunk {
  return { ...fields, chunkHash: sha256(fields.data) }
}
