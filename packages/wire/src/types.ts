/**
 * Message types as the application sees them. Byte strings are `Uint8Array`; tensors are typed arrays that own an aligned
 * buffer after decoding. Integers are JS numbers (all fit in 2^53). protocols/*.md gives each field's wire key and limits.
 */

/** A 32-byte hash (sha256) or sr25519 public key. */
export type Bytes32 = Uint8Array

/** Binds a libp2p PeerId to a Bittensor hotkey; signed by the hotkey (protocols/identity.md). */
export interface IdentityBinding {
  netuid: number
  /** sr25519 public key of the hotkey, 32 bytes. */
  hotkey: Bytes32
  /** The libp2p PeerId as its multihash bytes (`peerId.toMultihash().bytes`), 1..128 bytes. */
  peerId: Uint8Array
  /** Unix time in milliseconds when the binding was signed. */
  issuedAt: number
  /** sr25519 signature by `hotkey` over {@link identitySigningPayload}, 64 bytes. */
  signature: Uint8Array
}

/**
 * Chunked top-k sparse tensor, quantised: the covered parameter range is cut into blocks of `chunkSize` parameters, each
 * with one scale; parameter `indices[j]` has value `q[j] * scales[floor(indices[j] / chunkSize)]`, where `q[j]` is
 * `values[j]` for 8 bits, or the j-th 2-bit two's-complement code (-2..1) of `values` (4 per byte, low bits first) for 2 bits.
 */
export interface TopKTensor {
  format: 'topk'
  /** Parameters covered (indices are relative to the start of this range). */
  length: number
  /** Parameters per scale block. */
  chunkSize: number
  bits: 8 | 2
  /** Selected parameter positions, strictly increasing, each < length. */
  indices: Uint32Array
  /** bits 8: Int8Array with one value per index; bits 2: Uint8Array of ceil(k/4) packed bytes. */
  values: Int8Array | Uint8Array
  /** One finite, non-negative scale per block: ceil(length / chunkSize) of them. */
  scales: Float32Array
}

/** Uncompressed tensor: `values.length === length`, all finite. */
export interface DenseTensor {
  format: 'dense'
  length: number
  values: Float32Array
}

export type CompressedTensor = TopKTensor | DenseTensor

/** Where a gradient chunk sits in the full flattened parameter vector (absent: the message covers all of it). */
export interface GradientChunk {
  index: number
  count: number
  /** First parameter this chunk's tensor covers. */
  offset: number
  /** Parameters in the whole gradient. */
  total: number
}

/** A miner's pseudo-gradient for one round (protocols/gradient.md). */
export interface GradientMessage {
  netuid: number
  round: number
  /** Hash of the model the gradient was computed against, 32 bytes. */
  baseModel: Bytes32
  /** Seed of the miner's data assignment for this round. */
  assignmentSeed: number
  /** Training samples behind this gradient (≥ 1). */
  sampleCount: number
  /** The publishing miner's hotkey, 32 bytes (must match its identity binding). */
  hotkey: Bytes32
  chunk?: GradientChunk
  tensor: CompressedTensor
}

/** Element types a query tensor may use. */
export type TensorDType = 'f32' | 'i32' | 'u32' | 'i16' | 'u16' | 'i8' | 'u8'

export interface TensorDataMap {
  f32: Float32Array
  i32: Int32Array
  u32: Uint32Array
  i16: Int16Array
  u16: Uint16Array
  i8: Int8Array
  u8: Uint8Array
}

/** A shaped tensor: `data.length` equals the product of `shape`; f32 data must be finite. */
export type Tensor = { [D in TensorDType]: { dtype: D; shape: number[]; data: TensorDataMap[D] } }[TensorDType]

/** A validator's query to a miner (protocols/query.md). */
export interface QueryMessage {
  netuid: number
  round: number
  queryId: number
  inputs: Tensor
}

/** A miner's answer to a query. */
export interface QueryResponseMessage {
  queryId: number
  predictions: Tensor
}

/** A validator's sparse u16 weights for an epoch, signed by its hotkey (protocols/ranking.md). */
export interface RankingMessage {
  netuid: number
  epoch: number
  /** Validator hotkey, 32 bytes. */
  hotkey: Bytes32
  /** Weighted uids, strictly increasing. */
  uids: Uint16Array
  /** One weight per uid. */
  weights: Uint16Array
  /** Bittensor weights version key. */
  versionKey: number
  /** sr25519 signature by `hotkey` over {@link rankingSigningPayload}, 64 bytes. */
  signature: Uint8Array
}

/** Asks for one chunk of the checkpoint with the given content hash (protocols/checkpoint.md). */
export interface CheckpointRequest {
  modelHash: Bytes32
  chunkIndex: number
}

/** One chunk of a checkpoint. */
export interface CheckpointChunk {
  modelHash: Bytes32
  chunkIndex: number
  chunkCount: number
  /** Size of the whole checkpoint in bytes. */
  totalBytes: number
  data: Uint8Array
  /** sha256 of `data`, 32 bytes (checked on decode). */
  chunkHash: Bytes32
}

/** Roles a peer can announce. */
export type PeerRole = 'miner' | 'validator'

/** A peer's state, exchanged on connect (protocols/status.md). */
export interface StatusMessage {
  netuid: number
  round: number
  modelHash: Bytes32
  roles: PeerRole[]
  hotkey: Bytes32
  softwareVersion: string
}

/** Asks for a gradient message by the sha256 of its encoded bytes (protocols/gradient.md). */
export interface GradientRequest {
  hash: Bytes32
}

/** Error codes a responder may send instead of a response. */
export type RpcErrorCode = 'NOT_FOUND' | 'RATE_LIMITED' | 'BAD_REQUEST' | 'UNAVAILABLE' | 'INTERNAL'

/** Sent instead of the expected response on any request/response protocol. */
export interface RpcErrorMessage {
  code: RpcErrorCode
  message: string
}

/** Message type of each kind. */
export interface MessageMap {
  identity: IdentityBinding
  gradient: GradientMessage
  ranking: RankingMessage
  status: StatusMessage
  query: QueryMessage
  'query-response': QueryResponseMessage
  'checkpoint-request': CheckpointRequest
  'checkpoint-chunk': CheckpointChunk
  'gradient-request': GradientRequest
  error: RpcErrorMessage
}
