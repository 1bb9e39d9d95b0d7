/**
 * Protocol-wide constants: version, message kinds, size limits, gossip topics and request/response protocol ids.
 * protocols/README.md is the normative list; these values must match it.
 */

/** The wire version carried in every envelope (`v`). A receiver refuses any other value with `BAD_VERSION`. */
export const WIRE_VERSION = 1

const KiB = 1024
const MiB = 1024 * KiB

/**
 * The one size limit for anything published on gossip. Gossipsub RPCs of 4 MiB or more are never delivered, and a message
 * over a receiver's inbound limit kills the sender's stream, so every gossip payload stays at or under 1 MiB; larger
 * payloads are chunked (gradients) or fetched over request/response (checkpoints).
 */
export const MAX_GOSSIP_MESSAGE_BYTES = 1 * MiB

/** Every message kind, as written in the envelope's `k` field. */
export const MESSAGE_KINDS = [
  'identity',
  'gradient',
  'ranking',
  'status',
  'query',
  'query-response',
  'checkpoint-request',
  'checkpoint-chunk',
  'gradient-request',
  'error',
] as const
export type MessageKind = (typeof MESSAGE_KINDS)[number]

/** Maximum encoded size of each kind in bytes, checked before decoding. Gossip kinds never exceed MAX_GOSSIP_MESSAGE_BYTES. */
export const MAX_MESSAGE_BYTES: Readonly<Record<MessageKind, number>> = Object.freeze({
  identity: 1 * KiB,
  gradient: MAX_GOSSIP_MESSAGE_BYTES,
  ranking: 64 * KiB,
  status: 1 * KiB,
  query: 8 * MiB,
  'query-response': 8 * MiB,
  'checkpoint-request': 256,
  'checkpoint-chunk': 1 * MiB + 1 * KiB,
  'gradient-request': 256,
  error: 1 * KiB,
})

/** The largest single-frame message of any kind: a request/response reader may size its buffer to this. */
export const MAX_ANY_MESSAGE_BYTES = Math.max(...Object.values(MAX_MESSAGE_BYTES))

/** Most data bytes one checkpoint chunk carries. */
export const MAX_CHECKPOINT_CHUNK_DATA = 1 * MiB
/** Most chunks one checkpoint may have (so total size ≤ 64 GiB). */
export const MAX_CHECKPOINT_CHUNKS = 65536
/** Most uids one ranking may weight (Bittensor subnets hold at most 4096 uids). */
export const MAX_RANKING_UIDS = 4096
/** Most chunks one gradient may be split into. */
export const MAX_GRADIENT_CHUNKS = 65536
/** Most parameters one gradient may cover (indices are u32). */
export const MAX_PARAMETERS = 0xffffffff
/**
 * Bytes a gradient message needs besides its tensor's binary payloads (envelope, hashes, scalar fields, bin headers), with
 * margin: a tensor whose payload bytes stay under MAX_GOSSIP_MESSAGE_BYTES - GRADIENT_HEADER_RESERVE always fits.
 */
export const GRADIENT_HEADER_RESERVE = 512
/** Most dimensions of a query tensor. */
export const MAX_TENSOR_RANK = 8
/** Longest software-version string in a status message, in UTF-8 bytes. */
export const MAX_SOFTWARE_VERSION_BYTES = 64
/** Longest error text in an error reply, in UTF-8 bytes. */
export const MAX_ERROR_MESSAGE_BYTES = 256
/** Longest libp2p PeerId (multihash bytes) in an identity binding. */
export const MAX_PEER_ID_BYTES = 128

/** Gossip topic kinds (the `<kind>` part of a topic name). */
export const GOSSIP_KINDS = ['identity', 'gradient', 'ranking'] as const
export type GossipKind = (typeof GOSSIP_KINDS)[number]

/**
 * The gossipsub topic for a kind on a subnet: `/tensormesh/<netuid>/<kind>/<version>`, e.g. `/tensormesh/1/gradient/1`.
 */
export function gossipTopic(netuid: number, kind: GossipKind, version: number = WIRE_VERSION): string {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > 0xffff) throw new RangeError(`netuid ${netuid} is not a u16`)
  if (!(GOSSIP_KINDS as readonly string[]).includes(kind)) throw new RangeError(`unknown gossip kind ${String(kind)}`)
  return `/tensormesh/${netuid}/${kind}/${version}`
}

/** Parses a topic made by {@link gossipTopic}; returns undefined for anything else. */
export function parseGossipTopic(topic: string): { netuid: number; kind: GossipKind; version: number } | undefined {
  const m = /^\/tensormesh\/(0|[1-9]\d{0,4})\/([a-z-]+)\/([1-9]\d{0,3})$/.exec(topic)
  if (m === null) return undefined
  const netuid = Number(m[1])
  const kind = m[2] as GossipKind
  if (netuid > 0xffff || !(GOSSIP_KINDS as readonly string[]).includes(kind)) return undefined
  return { netuid, kind, version: Number(m[3]) }
}

/**
 * Request/response protocol ids (libp2p stream protocols). Each stream carries one request frame and one response frame,
 * each an unsigned-varint length prefix followed by one encoded message (see protocols/encoding.md).
 */
export const PROTOCOLS = Object.freeze({
  /** Request: `status`; response: `status` (or `error`). */
  status: `/tensormesh/req/status/${WIRE_VERSION}`,
  /** Request: `checkpoint-request`; response: `checkpoint-chunk` (or `error`). */
  checkpoint: `/tensormesh/req/checkpoint/${WIRE_VERSION}`,
  /** Request: `gradient-request` (by content hash); response: `gradient` (or `error`). */
  gradient: `/tensormesh/req/gradient/${WIRE_VERSION}`,
  /** Request: `query`; response: `query-response` (or `error`). */
  query: `/tensormesh/req/query/${WIRE_VERSION}`,
})
export type ProtocolName = keyof typeof PROTOCOLS

/** Request and response kinds of each request/response protocol. */
export const PROTOCOL_KINDS: Readonly<Record<ProtocolName, { request: MessageKind; response: MessageKind }>> = Object.freeze({
  status: { request: 'status', response: 'status' },
  checkpoint: { request: 'checkpoint-request', response: 'checkpoint-chunk' },
  gradient: { request: 'gradient-request', response: 'gradient' },
  query: { request: 'query', response: 'query-response' },
})
