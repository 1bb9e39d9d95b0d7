/**
 * Encoding and decoding of whole messages: the envelope (`v`, `k`), the size limit, and the per-kind codecs.
 */
import { CODECS } from './codec.ts'
import { MAX_ANY_MESSAGE_BYTES, MAX_MESSAGE_BYTES, MESSAGE_KINDS, WIRE_VERSION } from './constants.ts'
import type { MessageKind } from './constants.ts'
import { WireError } from './errors.ts'
import { FieldContext, LITTLE_ENDIAN_HOST } from './fields.ts'
import type { WireObject } from './fields.ts'
import { packWire, unpackWire } from './msgpack.ts'
import type { MessageMap, RpcErrorMessage } from './types.ts'

if (!LITTLE_ENDIAN_HOST) throw new Error('@tensormesh/wire needs a little-endian host (tensors travel as little-endian bytes)')

const contexts = Object.fromEntries(MESSAGE_KINDS.map((k) => [k, new FieldContext(k)])) as Record<MessageKind, FieldContext>

function context(kind: MessageKind): FieldContext {
  const c = contexts[kind]
  if (c === undefined) throw new WireError('BAD_KIND', `unknown message kind "${String(kind)}"`)
  return c
}

/**
 * Checks a message against every rule of its kind without encoding it; throws WireError.
 */
export function validate<K extends MessageKind>(kind: K, msg: MessageMap[K]): void {
  const c = context(kind)
  if (typeof msg !== 'object' || msg === null) c.fail('BAD_FIELD', '', 'expected an object')
  CODECS[kind].validate(msg, c)
}

/**
 * Validates and encodes a message of `kind`. Throws WireError ('BAD_FIELD', 'NON_FINITE', 'BAD_HASH', or 'OVERSIZE' when the
 * result exceeds the kind's limit) rather than produce bytes a peer would refuse.
 */
export function encode<K extends MessageKind>(kind: K, msg: MessageMap[K]): Uint8Array {
  validate(kind, msg)
  const bytes = packWire({ v: WIRE_VERSION, k: kind, ...CODECS[kind].toWire(msg) })
  const limit = MAX_MESSAGE_BYTES[kind]
  if (bytes.byteLength > limit) {
    throw new WireError('OVERSIZE', `${kind}: encoded size ${bytes.byteLength} exceeds the limit of ${limit} bytes`, { kind })
  }
  return bytes
}

function checkInput(bytes: unknown, limit: number, kind: string | undefined): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new WireError('MALFORMED', 'input is not a Uint8Array', { kind })
  // size first: nothing is parsed or allocated for an oversize input
  if (bytes.byteLength > limit) {
    throw new WireError('OVERSIZE', `${kind ?? 'message'}: ${bytes.byteLength} bytes exceed the limit of ${limit}`, { kind })
  }
}

/** Decodes the envelope: a map whose `v` is this version and whose `k` is a string. */
function envelope(bytes: Uint8Array): { o: WireObject; k: string } {
  const o = unpackWire(bytes)
  if (typeof o !== 'object' || o === null || Array.isArray(o) || ArrayBuffer.isView(o)) {
    throw new WireError('MALFORMED', 'top level is not a map')
  }
  const m = o as WireObject
  if (!('v' in m)) throw new WireError('MALFORMED', 'missing version "v"', { field: 'v' })
  if (m.v !== WIRE_VERSION) throw new WireError('BAD_VERSION', `version ${String(m.v)} is not ${WIRE_VERSION}`, { field: 'v' })
  if (typeof m.k !== 'string') throw new WireError('MALFORMED', 'missing kind "k"', { field: 'k' })
  return { o: m, k: m.k }
}

/** Each kind's required top-level keys, envelope included. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = Object.fromEntries(MESSAGE_KINDS.map((k) => [k, ['v', 'k', ...CODECS[k].required]]))

function body<K extends MessageKind>(kind: K, o: WireObject): MessageMap[K] {
  const codec = CODECS[kind]
  const c = contexts[kind]
  return c.decoding(() => {
    c.keys(o, '', REQUIRED[kind], codec.optional)
    const msg = codec.fromWire(o, c)
    codec.validate(msg, c)
    return msg
  })
}

/**
 * Decodes and validates a message that must be of `kind`. Checks, in order: input type and size limit (before parsing),
 * msgpack well-formedness, version, kind, fields. Throws only WireError.
 */
export function decode<K extends MessageKind>(kind: K, bytes: Uint8Array): MessageMap[K] {
  const limit = MAX_MESSAGE_BYTES[kind]
  if (limit === undefined) throw new WireError('BAD_KIND', `unknown message kind "${String(kind)}"`)
  checkInput(bytes, limit, kind)
  const { o, k } = envelope(bytes)
  if (k !== kind) throw new WireError('BAD_KIND', `expected a ${kind} message, got "${k}"`, { kind, field: 'k' })
  return body(kind, o)
}

/** A decoded message of any of the given kinds, tagged with its kind. */
export type AnyMessage<K extends MessageKind = MessageKind> = { [P in K]: { kind: P; message: MessageMap[P] } }[K]

/**
 * Decodes a message whose kind is read from its envelope, accepting only `kinds` (default: all). The size limit is the
 * largest of the accepted kinds' before parsing, then the decoded kind's own.
 */
export function decodeAny<K extends MessageKind = MessageKind>(bytes: Uint8Array, kinds?: readonly K[]): AnyMessage<K> {
  const allowed: readonly MessageKind[] = kinds ?? MESSAGE_KINDS
  const outer = kinds === undefined ? MAX_ANY_MESSAGE_BYTES : Math.max(0, ...allowed.map((k) => MAX_MESSAGE_BYTES[k] ?? 0))
  checkInput(bytes, outer, undefined)
  const { o, k } = envelope(bytes)
  if (!allowed.includes(k as MessageKind)) throw new WireError('BAD_KIND', `unexpected message kind "${k}"`, { field: 'k' })
  const kind = k as K
  checkInput(bytes, MAX_MESSAGE_BYTES[kind], kind)
  return { kind, message: body(kind, o) } as AnyMessage<K>
}

/** What a request/response client gets back: the expected response, or the responder's error message. */
export type Reply<K extends MessageKind> = { ok: true; message: MessageMap[K] } | { ok: false; error: RpcErrorMessage }

/** Decodes a request/response reply that is either a `kind` message or an `error` message. */
export function decodeReply<K extends MessageKind>(kind: K, bytes: Uint8Array): Reply<K> {
  const r = decodeAny(bytes, [kind, 'error'] as MessageKind[])
  if (r.kind === 'error') return { ok: false, error: r.message as RpcErrorMessage }
  return { ok: true, message: r.message as MessageMap[K] }
}
