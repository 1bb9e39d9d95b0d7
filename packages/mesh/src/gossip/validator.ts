/**
 * The one place where validation outcomes become gossipsub verdicts (Lodestar's gossipValidatorFn).
 * Validation functions only throw coded errors; this wrapper maps them to accept / ignore / reject,
 * counts them by topic kind and code, charges the sender for rejections and runs everything through
 * the topic's bounded queue.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { GossipQueue, DROPPED } from './queue.ts'
import type { GossipQueueOptions } from './queue.ts'
import type { Message, TopicValidatorFn } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

export type GossipAction = 'accept' | 'ignore' | 'reject'

/** Codes the mesh itself raises during gossip validation (wire adds its own decode codes). */
export type GossipErrorCode =
  | 'UNSIGNED'
  | 'UNBOUND_PEER'
  | 'UNREGISTERED_HOTKEY'
  | 'IDENTITY_MISMATCH'
  | 'ROUND_OUT_OF_WINDOW'
  | 'NETUID_MISMATCH'
  | 'RATE_LIMITED'
  | 'OVERSIZE'
  | 'QUEUE_FULL'
  | 'DUPLICATE'
  | 'BANNED'

export class GossipValidationError extends Error {
  readonly action: Exclude<GossipAction, 'accept'>
  readonly code: GossipErrorCode
  readonly data: Record<string, unknown>

  constructor (action: Exclude<GossipAction, 'accept'>, code: GossipErrorCode, data: Record<string, unknown> = {}) {
    super(`${action} ${code}`)
    this.name = 'GossipValidationError'
    this.action = action
    this.code = code
    this.data = data
  }
}

/**
 * Maps anything a validation function threw to a verdict. Mesh errors carry their own action; a coded
 * decode error from wire means the bytes are malformed, which an honest peer never sends: reject.
 * Anything else is our own failure (a bug, a registry outage): ignore, so honest peers are not charged.
 */
export function verdictFor (err: unknown): { action: Exclude<GossipAction, 'accept'>, code: string } {
  if (err instanceof GossipValidationError) return { action: err.action, code: err.code }
  if (err instanceof Error && err.name === 'WireError' && typeof (err as { code?: unknown }).code === 'string') {
    return { action: 'reject', code: (err as Error & { code: string }).code }
  }
  return { action: 'ignore', code: 'INTERNAL_ERROR' }
}

/** Counts verdicts by `kind:action:code`. */
export class VerdictCounter {
  readonly counts = new Map<string, number>()

  add (kind: string, action: GossipAction, code: string): void {
    const key = `${kind}:${action}:${code}`
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  get (kind: string, action: GossipAction, code?: string): number {
    let n = 0
    for (const [key, v] of this.counts) {
      const [k, a, c] = key.split(':')
      if (k === kind && a === action && (code == null || c === code)) n += v
    }
    return n
  }

  toJSON (): Record<string, number> {
    return Object.fromEntries(this.counts)
  }
}

/** What a validation function sees about one message. */
export interface GossipInput {
  topic: string
  /** The publisher (StrictSign `from`). */
  from: string
  /** The peer that handed us the message (the publisher or a forwarder). */
  propagationSource: string
  data: Uint8Array
  receivedAt: number
}

export interface WrapOptions {
  kind: string
  queue: GossipQueueOptions
  counter: VerdictCounter
  /** Called for every rejection with the peer that sent it to us. */
  onReject: (propagationSource: string, code: string) => void
  /** Called with the verdict; used for logs and events. */
  onVerdict?: (input: GossipInput, action: GossipAction, code: string) => void
}

/**
 * Builds a gossipsub topic validator around `validate`. `validate` resolves on accept (it may deliver
 * the decoded message itself) and throws a coded error otherwise.
 */
export function wrapValidator (validate: (input: GossipInput) => Promise<void>, opts: WrapOptions): { fn: TopicValidatorFn, queue: GossipQueue<void> } {
  const queue = new GossipQueue<void>(opts.queue)
  const fn: TopicValidatorFn = async (propagationSource: PeerId, msg: Message) => {
    const input: GossipInput = {
      topic: msg.topic,
      from: msg.type === 'signed' ? msg.from.toString() : '',
      propagationSource: propagationSource.toString(),
      data: msg.data,
      receivedAt: Date.now()
    }
    let action: GossipAction = 'accept'
    let code = 'OK'
    try {
      if (msg.type !== 'signed') throw new GossipValidationError('reject', 'UNSIGNED')
      const r = await queue.push(async () => { await validate(input) })
      if (r === DROPPED) throw new GossipValidationError('ignore', 'QUEUE_FULL')
    } catch (err) {
      ({ action, code } = verdictFor(err))
    }
    opts.counter.add(opts.kind, action, code)
    if (action === 'reject') opts.onReject(input.propagationSource, code)
    opts.onVerdict?.(input, action, code)
    return action === 'accept' ? TopicValidatorResult.Accept : action === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }
  return { fn, queue }
}
