/**
 * Checkpoints in TensorFlow.js layers format (model.json + weights.bin, loadable by tf.loadLayersModel) with a content
 * hash verified on load, and an in-memory bytes form for transfer over the network.
 *
 * Content hash ("sha256-canonical-v1"): SHA-256 over, for each weight in canonical order, u32le(byte length of the
 * UTF-8 name) ‖ name ‖ u32le(rank) ‖ u32le(dim)… ‖ the values as little-endian float32. Hex-encoded.
 * Bytes form: "TMCK" ‖ u32le(1) ‖ u32le(n) ‖ n bytes of model.json (UTF-8) ‖ weights.bin.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises'
import { endianness } from 'node:os'
import path from 'node:path'
import { LearnError } from './errors.ts'
import type { Learner, ParamEntry } from './learner.ts'

export const HASH_ALGORITHM = 'sha256-canonical-v1'
const MAGIC = 'TMCK'
const LE = endianness() === 'LE'

export interface Checkpoint {
  taskId: string
  spec: readonly ParamEntry[]
  params: Float32Array
  /** Hex SHA-256 content hash (see module doc). */
  hash: string
  /** tfjs model topology (model.toJSON), so tf.loadLayersModel can rebuild the model. */
  modelTopology: unknown
  /** Free-form metadata (round, base hash…). */
  meta: Record<string, unknown>
}

function f32le(a: Float32Array): Uint8Array {
  if (LE) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  const out = new Uint8Array(a.byteLength)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < a.length; i++) dv.setFloat32(4 * i, a[i], true)
  return out
}

function readF32le(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(4 * i, true)
  return out
}

function u32(x: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, x, true)
  return b
}

/** Content hash of θ under its spec. */
export function paramsHash(spec: readonly ParamEntry[], params: Float32Array): string {
  const size = spec.reduce((s, e) => s + e.size, 0)
  if (size !== params.length) throw new LearnError('LENGTH_MISMATCH', 'params do not match the spec', { size, params: params.length })
  const h = createHash('sha256')
  const enc = new TextEncoder()
  for (const e of spec) {
    const name = enc.encode(e.name)
    h.update(u32(name.length)).update(name).update(u32(e.shape.length))
    for (const d of e.shape) h.update(u32(d))
    h.update(f32le(params.subarray(e.offset, e.offset + e.size)))
  }
  return h.digest('hex')
}

/** Snapshot of a learner's current θ. */
export function checkpointOf(learner: Learner, meta: Record<string, unknown> = {}): Checkpoint {
  const params = learner.getParams()
  return { taskId: learner.task.id, spec: learner.spec, params, hash: paramsHash(learner.spec, params), modelTopology: learner.model.toJSON(null, false), meta }
}

/** model.json (as an object) and weights.bin of a checkpoint. */
export function toArtifacts(ck: Checkpoint): { modelJson: Record<string, unknown>; weights: Uint8Array } {
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'TensorMesh @tensormesh/learn',
      convertedBy: null,
      modelTopology: ck.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: ck.spec.map((e) => ({ name: e.name, shape: e.shape, dtype: 'float32' })) }],
      userDefinedMetadata: { tensormesh: { version: 1, task: ck.taskId, hash: ck.hash, hashAlgorithm: HASH_ALGORITHM, meta: ck.meta } },
    },
    weights: f32le(ck.params),
  }
}

const malformed = (why: string, data: Record<string, unknown> = {}): never => {
  throw new LearnError('CHECKPOINT_MALFORMED', why, data)
}

/** Rebuilds and verifies a checkpoint from model.json + weights bytes; `expected` pins the spec and/or hash. */
export function fromArtifacts(modelJson: unknown, weights: Uint8Array, expected: { spec?: readonly ParamEntry[]; hash?: string } = {}): Checkpoint {
  const j = modelJson as { modelTopology?: unknown; weightsManifest?: { weights?: { name: string; shape: number[]; dtype?: string }[] }[]; userDefinedMetadata?: { tensormesh?: { task?: string; hash?: string; hashAlgorithm?: string; meta?: Record<string, unknown> } } }
  if (!j || typeof j !== 'object') malformed('model.json is not an object')
  const tm = j.userDefinedMetadata?.tensormesh
  if (!tm || typeof tm.hash !== 'string' || typeof tm.task !== 'string') malformed('model.json lacks tensormesh metadata (task, hash)')
  if (tm!.hashAlgorithm !== HASH_ALGORITHM) malformed('unknown hash algorithm', { hashAlgorithm: tm!.hashAlgorithm })
  const entries = (j.weightsManifest ?? []).flatMap((g) => g.weights ?? [])
  let offset = 0
  const spec: ParamEntry[] = entries.map((w) => {
    if (typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) malformed('bad weight entry', { name: w.name })
    if ((w.dtype ?? 'float32') !== 'float32') malformed('only float32 weights are supported', { name: w.name, dtype: w.dtype })
    const size = w.shape.reduce((a, b) => a * b, 1)
    const e = { name: w.name, shape: w.shape, offset, size }
    offset += size
    return e
  })
  if (weights.byteLength !== 4 * offset) malformed('weights size does not match the manifest', { bytes: weights.byteLength, want: 4 * offset })
  if (expected.spec) {
    const same = expected.spec.length === spec.length && expected.spec.every((e, k) => e.name === spec[k].name && e.shape.join() === spec[k].shape.join())
    if (!same) throw new LearnError('CHECKPOINT_SPEC_MISMATCH', 'checkpoint weights differ from the model', { want: expected.spec.map((e) => e.name), got: spec.map((e) => e.name) })
  }
  const params = readF32le(weights)
  const hash = paramsHash(spec, params)
  if (hash !== tm!.hash) throw new LearnError('CHECKPOINT_HASH_MISMATCH', 'weights do not match the stored hash (corrupt or tampered)', { stored: tm!.hash, computed: hash })
  if (expected.hash !== undefined && hash !== expected.hash) throw new LearnError('CHECKPOINT_HASH_MISMATCH', 'checkpoint is not the expected one', { expected: expected.hash, computed: hash })
  for (let i = 0; i < params.length; i++) if (!Number.isFinite(params[i])) malformed('non-finite weight', { index: i })
  return { taskId: tm!.task!, spec, params, hash, modelTopology: j.modelTopology, meta: tm!.meta ?? {} }
}

/** Writes model.json and weights.bin into `dir` (created if missing; files replaced atomically). */
export async function saveCheckpoint(dir: string, ck: Checkpoint): Promise<void> {
  const { modelJson, weights } = toArtifacts(ck)
  await mkdir(dir, { recursive: true })
  for (const [name, data] of [['weights.bin', weights], ['model.json', JSON.stringify(modelJson)]] as const) {
    const tmp = path.join(dir, `.${name}.tmp`)
    await writeFile(tmp, data)
    await rename(tmp, path.join(dir, name))
  }
}

/** Reads and verifies a checkpoint directory. Corruption → CHECKPOINT_HASH_MISMATCH or CHECKPOINT_MALFORMED. */
export async function loadCheckpoint(dir: string, expected: { spec?: readonly ParamEntry[]; hash?: string } = {}): Promise<Checkpoint> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'))
  } catch (e) {
    return malformed(`cannot read model.json: ${(e as Error).message}`)
  }
  const weights = new Uint8Array(await readFile(path.join(dir, 'weights.bin')))
  return fromArtifacts(json, weights, expected)
}

/** One self-contained byte string (see module doc). */
export function checkpointToBytes(ck: Checkpoint): Uint8Array {
  const { modelJson, weights } = toArtifacts(ck)
  const json = new TextEncoder().encode(JSON.stringify(modelJson))
  const out = new Uint8Array(12 + json.length + weights.length)
  out.set(new TextEncoder().encode(MAGIC), 0)
  out.set(u32(1), 4)
  out.set(u32(json.length), 8)
  out.set(json, 12)
  out.set(weights, 12 + json.length)
  return out
}

export function checkpointFromBytes(bytes: Uint8Array, expected: { spec?: readonly ParamEntry[]; hash?: string } = {}): Checkpoint {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) malformed('not a TensorMesh checkpoint (bad magic)')
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (dv.getUint32(4, true) !== 1) malformed('unsupported checkpoint version', { version: dv.getUint32(4, true) })
  const n = dv.getUint32(8, true)
  if (12 + n > bytes.length) malformed('truncated model.json', { n })
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + n)))
  } catch {
    return malformed('model.json is not valid UTF-8 JSON')
  }
  return fromArtifacts(json, bytes.subarray(12 + n), expected)
}

/** Loads a verified checkpoint into a learner (spec must match). */
export function restoreCheckpoint(learner: Learner, ck: Checkpoint): void {
  const same = ck.spec.length === learner.spec.length && ck.spec.every((e, k) => e.name === learner.spec[k].name && e.shape.join() === learner.spec[k].shape.join())
  if (!same) throw new LearnError('CHECKPOINT_SPEC_MISMATCH', 'checkpoint weights differ from the model', { task: ck.taskId })
  learner.setParams(ck.params)
}
