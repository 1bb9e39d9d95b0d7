/**
 * DevnetAnchor: anchors ranking messages as `system.remarkWithEvent` on the embedded devnet and reads them back in
 * chain order. Stake on the devnet is the account's free balance (see README).
 */
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { EventRecord } from '@polkadot/types/interfaces'
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto'
import { u8aToHex } from '@polkadot/util'
import { ChainError } from '../errors.ts'
import { frameRanking, unframeRanking } from '../remark.ts'
import { NonceTracker, submitSigned, type SubmitOptions } from '../tx.ts'
import { buildConsensusInput, devnetEpoch, type ConsensusInput, type DevnetEpochOptions } from '../consensus.ts'
import type { EpochResult } from '@tensormesh/yuma'
import type {
  AnchorReceipt, AnchoredRanking, BlockRef, ChainAnchor, Metagraph, RankingCodec, RankingView, ReadRankingsResult, RejectedRanking,
} from '../types.ts'

export interface DevnetAnchorOptions<R extends RankingView = RankingView> {
  endpoint: string
  codec: RankingCodec<R>
  /** Hotkeys (SS58) that form the devnet subnet; uid = index. */
  members?: readonly string[]
  /** Blocks per epoch reported as the `tempo` hyperparameter (default 360, subtensor's default). */
  tempo?: number
  /** Mortality of anchor extrinsics in blocks (default 64). */
  eraPeriod?: number
  submit?: SubmitOptions
  /** Reconnect delay of the ws provider in ms (default 500). */
  autoConnectMs?: number
}

/** Blocks fetched concurrently while scanning. */
const SCAN_BATCH = 16

interface RawRemark { blockNumber: number, blockHash: string, extrinsicIndex: number, signer: string, bytes: Uint8Array }

/** SS58 (prefix 42, Bittensor's) of an address or public key. */
export function toSs58 (who: string | Uint8Array): string {
  return encodeAddress(typeof who === 'string' ? decodeAddress(who) : who, 42)
}

export class DevnetAnchor<R extends RankingView = RankingView> implements ChainAnchor {
  readonly kind = 'devnet' as const
  readonly network = 'devnet'
  readonly endpoint: string
  readonly #opts: DevnetAnchorOptions<R>
  readonly #nonces = new NonceTracker()
  #api: ApiPromise | undefined
  /** Tagged remarks found so far, in chain order; `#scannedTo` is the last block looked at. */
  #remarks: RawRemark[] = []
  #scannedTo = 0
  #scanning: Promise<void> = Promise.resolve()
  #members: string[]

  constructor (opts: DevnetAnchorOptions<R>) {
    this.#opts = opts
    this.endpoint = opts.endpoint
    this.#members = (opts.members ?? []).map(toSs58)
  }

  get api (): ApiPromise {
    if (this.#api === undefined) throw new ChainError('NOT_CONNECTED', 'devnet anchor is not connected; call connect() first')
    return this.#api
  }

  async connect (): Promise<void> {
    if (this.#api !== undefined) return
    const provider = new WsProvider(this.endpoint, this.#opts.autoConnectMs ?? 500)
    try {
      this.#api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true })
    } catch (e) {
      await provider.disconnect().catch(() => {})
      throw new ChainError('CONNECT_FAILED', `cannot connect to devnet at ${this.endpoint}`, { endpoint: this.endpoint }, { cause: e })
    }
  }

  async close (): Promise<void> {
    const api = this.#api
    this.#api = undefined
    await api?.disconnect()
  }

  /** Set the devnet subnet's members (uid = index). */
  setMembers (hotkeys: readonly string[]): void { this.#members = hotkeys.map(toSs58) }

  async bestBlock (): Promise<BlockRef> {
    const h = await this.api.rpc.chain.getHeader()
    return { number: h.number.toNumber(), hash: h.hash.toHex() }
  }

  async subscribeHeads (onHead: (head: BlockRef) => void): Promise<() => void> {
    return await this.api.rpc.chain.subscribeNewHeads((h) => onHead({ number: h.number.toNumber(), hash: h.hash.toHex() }))
  }

  async stakes (_netuid: number, hotkeys: readonly string[]): Promise<Map<string, bigint>> {
    const addrs = hotkeys.map(toSs58)
    const infos = await this.api.query.system.account.multi(addrs)
    return new Map(addrs.map((a, i) => [a, infos[i].data.free.toBigInt()]))
  }

  async metagraph (netuid: number): Promise<Metagraph> {
    const best = await this.bestBlock()
    const hotkeys = [...this.#members]
    const stakeMap = await this.stakes(netuid, hotkeys)
    const stake = hotkeys.map((h) => stakeMap.get(h) ?? 0n)
    await this.#scan()
    const last = new Map<string, number>()
    for (const r of this.#remarks) last.set(r.signer, r.blockNumber)
    const n = hotkeys.length
    return {
      netuid,
      block: best.number,
      n,
      uids: hotkeys.map((_, i) => i),
      hotkeys,
      coldkeys: [...hotkeys],
      stake,
      validatorPermit: stake.map((s) => s > 0n),
      active: hotkeys.map(() => true),
      incentive: new Array<number>(n).fill(0),
      dividends: new Array<number>(n).fill(0),
      consensus: new Array<number>(n).fill(0),
      validatorTrust: new Array<number>(n).fill(0),
      emission: new Array<bigint>(n).fill(0n),
      lastUpdate: hotkeys.map((h) => last.get(h) ?? 0),
      hyperparameters: { tempo: this.#opts.tempo ?? 360, stake: 'devnet free balance (planck, 12 decimals)' },
    }
  }

  async anchorRanking (signer: KeyringPair, bytes: Uint8Array): Promise<AnchorReceipt> {
    // Bytes built from a Uint8Array are read as SCALE (length-prefixed): pass hex so the remark is the raw bytes.
    this.#decodeOwn(signer, bytes)
    const api = this.api
    const remark = frameRanking(bytes)
    const nonce = await this.#nonces.next(api, signer.address)
    let inclusion
    try {
      const tx = await api.tx.system.remarkWithEvent(u8aToHex(remark)).signAsync(signer, { nonce, era: this.#opts.eraPeriod ?? 64 })
      inclusion = await submitSigned(api, tx, this.#opts.submit)
    } catch (e) {
      this.#nonces.reset(signer.address)
      throw e
    }
    return {
      blockNumber: inclusion.blockNumber,
      blockHash: inclusion.blockHash,
      extrinsicHash: inclusion.extrinsicHash,
      extrinsicIndex: inclusion.extrinsicIndex,
      method: 'system.remarkWithEvent',
      recovered: inclusion.recovered,
    }
  }

  /** Refuse to anchor bytes we would reject on read-back (bad encoding, bad signature, someone else's ranking). */
  #decodeOwn (signer: KeyringPair, bytes: Uint8Array): R {
    let r: R
    try {
      r = this.#opts.codec.decode(bytes)
    } catch (e) {
      throw new ChainError('BAD_RANKING', `ranking message does not decode: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e })
    }
    if (toSs58(r.hotkey) !== toSs58(signer.publicKey)) throw new ChainError('BAD_RANKING', 'ranking hotkey differs from the signing account', { hotkey: toSs58(r.hotkey), signer: toSs58(signer.publicKey) })
    if (!this.#opts.codec.verify(r, bytes)) throw new ChainError('BAD_RANKING', 'ranking signature does not verify', { hotkey: toSs58(r.hotkey) })
    return r
  }

  /** Scan new blocks for tagged, successful remarks (incremental; one scan at a time). */
  #scan (): Promise<void> {
    this.#scanning = this.#scanning.then(() => this.#scanOnce())
    return this.#scanning
  }

  async #scanOnce (): Promise<void> {
    const api = this.api
    const best = (await api.rpc.chain.getHeader()).number.toNumber()
    // Blocks are fetched in parallel batches (RPC latency dominates), then applied strictly in order.
    for (let from = this.#scannedTo + 1; from <= best; from += SCAN_BATCH) {
      const numbers = Array.from({ length: Math.min(SCAN_BATCH, best - from + 1) }, (_, i) => from + i)
      const blocks = await Promise.all(numbers.map(async (n) => {
        const hash = await api.rpc.chain.getBlockHash(n)
        return { n, hash, block: await api.rpc.chain.getBlock(hash) }
      }))
      for (const { n, hash, block } of blocks) {
        const found: RawRemark[] = []
        block.block.extrinsics.forEach((x, i) => {
          if (!x.isSigned || x.method.section !== 'system' || x.method.method !== 'remarkWithEvent') return
          const payload = unframeRanking((x.method.args[0] as unknown as { toU8a (bare: boolean): Uint8Array }).toU8a(true))
          if (payload === null) return
          found.push({ blockNumber: n, blockHash: hash.toHex(), extrinsicIndex: i, signer: toSs58(x.signer.toString()), bytes: payload.slice() })
        })
        if (found.length > 0) {
          const events = (await (await api.at(hash)).query.system.events()) as unknown as EventRecord[]
          const ok = new Set<number>()
          for (const e of events) if (e.phase.isApplyExtrinsic && api.events.system.ExtrinsicSuccess.is(e.event)) ok.add(e.phase.asApplyExtrinsic.toNumber())
          for (const f of found) if (ok.has(f.extrinsicIndex)) this.#remarks.push(f)
        }
        this.#scannedTo = n
      }
    }
  }

  async readRankings (netuid: number, epoch: number): Promise<ReadRankingsResult<R>> {
    await this.#scan()
    const rankings: AnchoredRanking<R>[] = []
    const rejected: RejectedRanking[] = []
    for (const raw of this.#remarks) {
      const reject = (reason: RejectedRanking['reason']): void => { rejected.push({ blockNumber: raw.blockNumber, extrinsicIndex: raw.extrinsicIndex, signer: raw.signer, reason }) }
      let r: R
      try { r = this.#opts.codec.decode(raw.bytes) } catch { reject('malformed'); continue }
      if (r.epoch !== epoch) continue
      if (r.netuid !== netuid) continue
      let hotkey: string
      try { hotkey = toSs58(r.hotkey) } catch { reject('malformed'); continue }
      if (hotkey !== raw.signer) { reject('signer-mismatch'); continue }
      if (!this.#opts.codec.verify(r, raw.bytes)) { reject('bad-signature'); continue }
      rankings.push({ ...raw, hotkey, ranking: r })
    }
    return { rankings, rejected, scannedTo: this.#scannedTo }
  }

  /**
   * Consensus view of an epoch: each member's latest ranking of the epoch (chain order), stakes = devnet balances,
   * run through packages/yuma's epoch (or `opts.epochFn`).
   */
  async consensusView (netuid: number, epoch: number, opts: Omit<DevnetEpochOptions, 'block'> & { block?: number } = {}): Promise<ConsensusView<R>> {
    const read = await this.readRankings(netuid, epoch)
    const hotkeys = [...this.#members]
    const stakeMap = await this.stakes(netuid, hotkeys)
    const input = buildConsensusInput(hotkeys, hotkeys.map((h) => stakeMap.get(h) ?? 0n), read.rankings)
    const block = opts.block ?? read.scannedTo
    return { input, result: devnetEpoch(input, { ...opts, block }), read }
  }
}

export interface ConsensusView<R extends RankingView = RankingView> {
  input: ConsensusInput
  result: EpochResult
  read: ReadRankingsResult<R>
}
