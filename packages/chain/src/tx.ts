/**
 * Transaction submission that survives a dropped RPC connection without ever applying a call twice.
 *
 * Why it is safe: the extrinsic is signed once with an explicit nonce and mortal era, so its bytes and hash are fixed.
 * After a drop we look for that hash in the blocks since submission, then in the pool, then at the account nonce;
 * only if the nonce is still unused do we resubmit the *same* bytes — a second copy can never be applied because the
 * runtime rejects a used nonce.
 */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { EventRecord, ExtrinsicStatus, DispatchError } from '@polkadot/types/interfaces'
import { ChainError } from './errors.ts'

export interface SubmitOptions {
  /** Resolve at inclusion in a best block (default) or after finality. */
  waitFor?: 'inBlock' | 'finalized'
  /** Overall deadline in ms (default 120 000). */
  timeoutMs?: number
  /** How long to wait for the provider to reconnect after a drop (default 30 000). */
  reconnectTimeoutMs?: number
  /** How many times the same signed bytes may be resubmitted after drops (default 3). */
  maxResubmits?: number
}

export interface Inclusion {
  blockHash: string
  blockNumber: number
  extrinsicIndex: number
  extrinsicHash: string
  events: EventRecord[]
  /** True when a drop happened and the outcome was found by reading the chain. */
  recovered: boolean
}

type WatchOutcome = { kind: 'included', blockHash: string } | { kind: 'disconnected' }

/** Decode a DispatchError to `section.Name` using the chain's own metadata. */
export function describeDispatchError (api: ApiPromise, err: DispatchError): { section: string, name: string, docs: string } {
  if (err.isModule) {
    const meta = api.registry.findMetaError(err.asModule)
    return { section: meta.section, name: meta.name, docs: meta.docs.join(' ') }
  }
  if (err.isToken) return { section: 'token', name: err.asToken.type, docs: '' }
  if (err.isArithmetic) return { section: 'arithmetic', name: err.asArithmetic.type, docs: '' }
  return { section: 'dispatch', name: err.type, docs: '' }
}

function deadline (ms: number): { remaining: () => number } {
  const end = Date.now() + ms
  return { remaining: () => Math.max(0, end - Date.now()) }
}

async function waitConnected (api: ApiPromise, ms: number): Promise<void> {
  if (api.isConnected) return
  await new Promise<void>((resolve, reject) => {
    const onConnected = (): void => { clearTimeout(t); api.off('connected', onConnected); resolve() }
    const t = setTimeout(() => {
      api.off('connected', onConnected)
      reject(new ChainError('NOT_CONNECTED', `RPC did not reconnect within ${ms} ms`, {}))
    }, ms)
    api.on('connected', onConnected)
  })
}

function watchOnce (api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, waitFor: 'inBlock' | 'finalized', ms: number): Promise<WatchOutcome> {
  return new Promise<WatchOutcome>((resolve, reject) => {
    let done = false
    let unsub: (() => void) | undefined
    const finish = (fn: () => void): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      api.off('disconnected', onDisconnect)
      try { unsub?.() } catch { /* socket may be gone */ }
      fn()
    }
    const onDisconnect = (): void => finish(() => resolve({ kind: 'disconnected' }))
    const timer = setTimeout(() => finish(() => reject(new ChainError('TX_TIMEOUT', `extrinsic ${tx.hash.toHex()} not included within ${ms} ms`, { hash: tx.hash.toHex() }))), ms)
    api.on('disconnected', onDisconnect)
    const onStatus = (status: ExtrinsicStatus): void => {
      if (status.isInBlock && waitFor === 'inBlock') finish(() => resolve({ kind: 'included', blockHash: status.asInBlock.toHex() }))
      else if (status.isFinalized) finish(() => resolve({ kind: 'included', blockHash: status.asFinalized.toHex() }))
      else if (status.isInvalid) finish(() => reject(new ChainError('TX_INVALID', 'extrinsic became invalid in the pool', { hash: tx.hash.toHex(), nonce: tx.nonce.toNumber() })))
      else if (status.isDropped || status.isUsurped) finish(() => reject(new ChainError('TX_DROPPED', `extrinsic ${status.type.toLowerCase()} by the pool`, { hash: tx.hash.toHex() })))
    }
    api.rpc.author.submitAndWatchExtrinsic(tx, onStatus)
      .then((u) => { if (done) { try { u() } catch { /* gone */ } } else unsub = u })
      .catch((e: unknown) => {
        if (!api.isConnected) return finish(() => resolve({ kind: 'disconnected' }))
        const msg = e instanceof Error ? e.message : String(e)
        finish(() => reject(new ChainError('TX_INVALID', `extrinsic refused: ${msg}`, { hash: tx.hash.toHex(), nonce: tx.nonce.toNumber(), signer: tx.signer.toString() }, { cause: e })))
      })
  })
}

/** Find an extrinsic by hash in blocks `from..best`; null when absent. */
export async function findExtrinsic (api: ApiPromise, hash: string, from: number, to?: number): Promise<{ blockHash: string, blockNumber: number, index: number } | null> {
  const best = to ?? (await api.rpc.chain.getHeader()).number.toNumber()
  for (let n = Math.max(0, from); n <= best; n++) {
    const bh = await api.rpc.chain.getBlockHash(n)
    const block = await api.rpc.chain.getBlock(bh)
    const index = block.block.extrinsics.findIndex((x) => x.hash.toHex() === hash)
    if (index >= 0) return { blockHash: bh.toHex(), blockNumber: n, index }
  }
  return null
}

async function isPending (api: ApiPromise, hash: string): Promise<boolean> {
  const pending = await api.rpc.author.pendingExtrinsics()
  return pending.some((x) => x.hash.toHex() === hash)
}

async function eventsOf (api: ApiPromise, blockHash: string, index: number): Promise<EventRecord[]> {
  const at = await api.at(blockHash)
  const all = await at.query.system.events()
  return (all as unknown as EventRecord[]).filter((r) => r.phase.isApplyExtrinsic && r.phase.asApplyExtrinsic.eqn(index))
}

async function waitFinalized (api: ApiPromise, blockNumber: number, blockHash: string, ms: number): Promise<boolean> {
  const dl = deadline(ms)
  while (dl.remaining() > 0) {
    const fin = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())
    if (fin.number.toNumber() >= blockNumber) {
      return (await api.rpc.chain.getBlockHash(blockNumber)).toHex() === blockHash
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new ChainError('TX_TIMEOUT', `block #${blockNumber} not finalized within ${ms} ms`, { blockNumber, blockHash })
}

/**
 * Submit a signed extrinsic and wait for inclusion (or finality). Surfaces dispatch errors by name
 * (`DISPATCH_FAILED` with `section`/`name`), recovers from dropped connections without double submission.
 */
export async function submitSigned (api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, opts: SubmitOptions = {}): Promise<Inclusion> {
  if (!tx.isSigned) throw new ChainError('BAD_INPUT', 'extrinsic must be signed before submission')
  const waitFor = opts.waitFor ?? 'inBlock'
  const dl = deadline(opts.timeoutMs ?? 120_000)
  const hash = tx.hash.toHex()
  const startBlock = (await api.rpc.chain.getHeader()).number.toNumber()
  let recovered = false
  let located: Located | null = null

  const outcome = await watchOnce(api, tx, waitFor, dl.remaining())
  if (outcome.kind === 'included') {
    const header = await api.rpc.chain.getHeader(outcome.blockHash)
    located = await findExtrinsic(api, hash, header.number.toNumber())
    if (located === null) throw new ChainError('TX_DROPPED', 'extrinsic reported in a block that does not hold it', { hash })
  } else {
    recovered = true
    located = await recover(api, tx, startBlock, opts, dl)
  }

  if (waitFor === 'finalized' && !(await waitFinalized(api, located.blockNumber, located.blockHash, dl.remaining()))) {
    // The block was retracted: the extrinsic may be in another block now.
    const again = await findExtrinsic(api, hash, startBlock)
    if (again === null) throw new ChainError('TX_DROPPED', 'block holding the extrinsic was retracted', { hash })
    located = again
  }
  const events = await eventsOf(api, located.blockHash, located.index)
  const failed = events.find((r) => api.events.system.ExtrinsicFailed.is(r.event))
  if (failed !== undefined) {
    const err = failed.event.data[0] as DispatchError
    const d = describeDispatchError(api, err)
    throw new ChainError('DISPATCH_FAILED', `${d.section}.${d.name}: ${d.docs}`.trim(), { ...d, hash, blockHash: located.blockHash })
  }
  return { blockHash: located.blockHash, blockNumber: located.blockNumber, extrinsicIndex: located.index, extrinsicHash: hash, events, recovered }
}

interface Located { blockHash: string, blockNumber: number, index: number }

/**
 * After a drop we no longer trust any subscription: poll the chain. Each round, against one best block:
 * found in a block -> done; in the pool -> wait; account nonce (state at that block) past ours and not found ->
 * another extrinsic used the nonce; otherwise resubmit the same bytes (a duplicate copy can never apply twice: the
 * runtime rejects the used nonce), at most `maxResubmits` times.
 */
async function recover (api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, startBlock: number, opts: SubmitOptions, dl: { remaining: () => number }): Promise<Located> {
  const hash = tx.hash.toHex()
  const signer = tx.signer.toString()
  const nonce = tx.nonce.toNumber()
  const maxResubmits = opts.maxResubmits ?? 3
  let resubmits = 0
  let consumedSeen = 0
  let absentSeen = 0
  while (dl.remaining() > 0) {
    try {
      await waitConnected(api, Math.min(opts.reconnectTimeoutMs ?? 30_000, dl.remaining()))
      const best = await api.rpc.chain.getHeader()
      const found = await findExtrinsic(api, hash, startBlock, best.number.toNumber())
      if (found !== null) return found
      if (await isPending(api, hash)) { absentSeen = 0; await sleep(300); continue }
      const account = await (await api.at(best.hash)).query.system.account(signer)
      if ((account as unknown as { nonce: { toNumber (): number } }).nonce.toNumber() > nonce) {
        // Possibly our block is being imported right now: look twice before giving up.
        if (++consumedSeen >= 3) throw new ChainError('NONCE_CONSUMED', `nonce ${nonce} of ${signer} was used by another extrinsic; not resubmitting`, { hash, nonce, signer })
        await sleep(300)
        continue
      }
      // Absent twice in a row (a block may be in the middle of being built): only then resubmit.
      if (++absentSeen < 2 || resubmits >= maxResubmits) { await sleep(300); continue }
      absentSeen = 0
      resubmits++
      await api.rpc.author.submitExtrinsic(tx).catch(() => { /* "already imported"/"stale": the next round tells */ })
      await sleep(300)
    } catch (e) {
      if (e instanceof ChainError) throw e
      await sleep(300) // connection dropped again mid-check
    }
  }
  throw new ChainError('TX_TIMEOUT', `extrinsic ${hash} not found on chain before the deadline`, { hash, nonce, signer })
}

function sleep (ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)) }

/**
 * Next nonce for an account: the account's nonce in best-block state, never lower than what this process already
 * used (several anchors in flight). Deliberately not `system_accountNextIndex`: that adds the pool, and a pool can hold
 * a dead duplicate (our resubmission after a drop whose original was already included), which would skip a nonce.
 */
export class NonceTracker {
  readonly #next = new Map<string, number>()
  async next (api: ApiPromise, address: string): Promise<number> {
    const account = await api.query.system.account(address)
    const chain = (account as unknown as { nonce: { toNumber (): number } }).nonce.toNumber()
    const local = this.#next.get(address) ?? 0
    const n = Math.max(chain, local)
    this.#next.set(address, n + 1)
    return n
  }

  /** Forget the local view (after a NONCE_CONSUMED or a failed build, re-read the chain). */
  reset (address: string): void { this.#next.delete(address) }
}
