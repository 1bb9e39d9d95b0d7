/**
 * SubtensorAnchor: the real Bittensor chain. Rankings become `set_weights` (pre-checked with packages/yuma's
 * `checkSetWeights`, so a call the chain would refuse is never sent) or, when the subnet has commit-reveal on,
 * `commit_weights` by hash followed by `reveal_weights` in the reveal window (pending commits persisted).
 */
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { Codec } from '@polkadot/types/types'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { encodeAddress } from '@polkadot/util-crypto'
import { checkSetWeights, type SetWeightsState } from '@tensormesh/yuma'
import { ChainError } from '../errors.ts'
import { NonceTracker, submitSigned, type Inclusion, type SubmitOptions } from '../tx.ts'
import type { AnchorReceipt, BlockRef, ChainAnchor, Metagraph, RankingCodec, RankingView, ReadRankingsResult } from '../types.ts'
import { toSs58 } from '../devnet/anchor.ts'
import { SUBTENSOR_SIGNED_EXTENSIONS, resolveSubtensorNetwork } from './presets.ts'
import { jsName, requireCall, requireStorage, subtensorCapabilities, type SubtensorCapabilities } from './capabilities.ts'
import { readMetagraph, readStakes } from './metagraph.ts'
import { commitHash, randomSalt } from './calls.ts'
import { PendingCommitStore, type PendingCommit } from './commits.ts'

export interface SubtensorAnchorOptions<R extends RankingView = RankingView> {
  /** finney | test | local | ws(s):// URL. */
  network: string
  codec: RankingCodec<R>
  /** JSON file for pending commit-reveal commits (required to use commit-reveal). */
  pendingCommitsPath?: string
  /**
   * 'hash' (default): commit_weights/reveal_weights. 'refuse-timelocked': refuse (TIMELOCK_NOT_IMPLEMENTED) when the
   * subnet's CommitRevealWeightsVersion is 4, i.e. the chain expects commit_timelocked_weights (drand TLE), which
   * TensorMesh does not implement.
   */
  commitReveal?: 'hash' | 'refuse-timelocked'
  eraPeriod?: number
  submit?: SubmitOptions
}

type Q = ((...args: unknown[]) => Promise<Codec>)

export class SubtensorAnchor<R extends RankingView = RankingView> implements ChainAnchor {
  readonly kind = 'subtensor' as const
  readonly network: string
  readonly endpoint: string
  readonly #opts: SubtensorAnchorOptions<R>
  readonly #nonces = new NonceTracker()
  #api: ApiPromise | undefined
  #caps: SubtensorCapabilities | undefined
  #commits: PendingCommitStore | undefined

  constructor (opts: SubtensorAnchorOptions<R>) {
    this.#opts = opts
    const r = resolveSubtensorNetwork(opts.network)
    this.network = r.network
    this.endpoint = r.endpoint
  }

  get api (): ApiPromise {
    if (this.#api === undefined) throw new ChainError('NOT_CONNECTED', `not connected to ${this.network}; call connect() first`)
    return this.#api
  }

  get capabilities (): SubtensorCapabilities {
    if (this.#caps === undefined) throw new ChainError('NOT_CONNECTED', `not connected to ${this.network}`)
    return this.#caps
  }

  async connect (): Promise<void> {
    if (this.#api !== undefined) return
    const provider = new WsProvider(this.endpoint, 2000)
    try {
      this.#api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true, signedExtensions: SUBTENSOR_SIGNED_EXTENSIONS as never })
    } catch (e) {
      await provider.disconnect().catch(() => {})
      throw new ChainError('CONNECT_FAILED', `cannot connect to subtensor ${this.network} at ${this.endpoint}`, { endpoint: this.endpoint }, { cause: e })
    }
    this.#caps = subtensorCapabilities(this.#api.runtimeMetadata, this.#api.runtimeVersion.specVersion.toNumber())
    if (this.#opts.pendingCommitsPath !== undefined) this.#commits = await new PendingCommitStore(this.#opts.pendingCommitsPath).load()
  }

  async close (): Promise<void> {
    const api = this.#api
    this.#api = undefined
    await api?.disconnect()
  }

  #q (item: string): Q {
    const fn = (this.api.query.subtensorModule as unknown as Record<string, Q | undefined>)[jsName(item)]
    if (fn === undefined) throw new ChainError('MISSING_STORAGE', `SubtensorModule.${item} is missing`, { missing: [item] })
    return fn
  }

  async #qn (item: string, ...args: unknown[]): Promise<number> { return Number((await this.#q(item)(...args)).toString()) }

  async bestBlock (): Promise<BlockRef> {
    const h = await this.api.rpc.chain.getHeader()
    return { number: h.number.toNumber(), hash: h.hash.toHex() }
  }

  async subscribeHeads (onHead: (head: BlockRef) => void): Promise<() => void> {
    return await this.api.rpc.chain.subscribeNewHeads((h) => onHead({ number: h.number.toNumber(), hash: h.hash.toHex() }))
  }

  async metagraph (netuid: number): Promise<Metagraph> {
    return await readMetagraph(this.api, this.capabilities, netuid)
  }

  async stakes (netuid: number, hotkeys: readonly string[]): Promise<Map<string, bigint>> {
    return await readStakes(this.api, this.capabilities, netuid, hotkeys.map(toSs58))
  }

  /** Burn (rao) currently charged by `burned_register` on `netuid`, plus the estimated transaction fee. */
  async registrationCost (netuid: number, coldkey: string, hotkey: string): Promise<{ burn: bigint, fee: bigint }> {
    requireStorage(this.capabilities, ['Burn'], 'showing the registration cost')
    requireCall(this.capabilities, 'burned_register')
    const burn = BigInt((await this.#q('Burn')(netuid)).toString())
    const info = await this.api.tx.subtensorModule.burnedRegister(netuid, hotkey).paymentInfo(coldkey)
    return { burn, fee: info.partialFee.toBigInt() }
  }

  /**
   * `burned_register`, signed by the coldkey. Refuses (PRECHECK_FAILED) when the burn exceeds `maxBurn`, which the
   * caller sets after showing {@link registrationCost} to the user.
   */
  async burnedRegister (coldkey: KeyringPair, netuid: number, hotkey: string, maxBurn: bigint): Promise<AnchorReceipt & { uid: number | null }> {
    const { burn } = await this.registrationCost(netuid, coldkey.address, hotkey)
    if (burn > maxBurn) throw new ChainError('PRECHECK_FAILED', `registration burn ${burn} rao exceeds the accepted ${maxBurn} rao`, { burn: burn.toString(), maxBurn: maxBurn.toString() })
    const inc = await this.#send(coldkey, this.api.tx.subtensorModule.burnedRegister(netuid, hotkey), 'finalized')
    const uidOpt = await this.#q('Uids')(netuid, hotkey)
    const uidJson = uidOpt.toJSON() as number | null
    return { ...receipt(inc, 'subtensorModule.burnedRegister'), uid: uidJson }
  }

  async #send (signer: KeyringPair, call: SubmittableExtrinsic<'promise'>, waitFor: 'inBlock' | 'finalized' = 'inBlock'): Promise<Inclusion> {
    const nonce = await this.#nonces.next(this.api, signer.address)
    try {
      const tx = await call.signAsync(signer, { nonce, era: this.#opts.eraPeriod ?? 64 })
      return await submitSigned(this.api, tx, { waitFor, ...this.#opts.submit })
    } catch (e) {
      this.#nonces.reset(signer.address)
      throw e
    }
  }

  /** Chain state the set_weights checks read, for `hotkey` on `netuid`. */
  async setWeightsState (netuid: number, hotkey: string): Promise<SetWeightsState> {
    const caps = this.capabilities
    requireStorage(caps, ['SubnetworkN', 'Uids', 'LastUpdate', 'ValidatorPermit', 'WeightsVersionKey', 'WeightsSetRateLimit', 'MinAllowedWeights', 'MaxWeightsLimit'], 'pre-checking set_weights')
    const hk = toSs58(hotkey)
    const [n, uidC, best] = await Promise.all([this.#qn('SubnetworkN', netuid), this.#q('Uids')(netuid, hk), this.bestBlock()])
    const callerUid = uidC.toJSON() as number | null
    const lastUpdate = (await this.#q('LastUpdate')(netuid)).toJSON() as number[]
    const permits = (await this.#q('ValidatorPermit')(netuid)).toJSON() as boolean[]
    const stake = (await this.stakes(netuid, [hk])).get(hk) ?? 0n
    const opt = async (item: string, dflt: number | boolean): Promise<number | boolean> => {
      if (!caps.storage.has(item)) return dflt
      const j = (await this.#q(item)(netuid)).toJSON()
      return typeof j === 'boolean' ? j : Number(j)
    }
    let ownerUid: number | null = null
    if (caps.storage.has('SubnetOwnerHotkey')) {
      const owner = encodeAddress((await this.#q('SubnetOwnerHotkey')(netuid)).toU8a(), 42)
      ownerUid = (await this.#q('Uids')(netuid, owner)).toJSON() as number | null
    }
    return {
      netuid,
      n,
      subnetExists: caps.storage.has('NetworksAdded') ? (await this.#q('NetworksAdded')(netuid)).toJSON() === true : true,
      mechanismCount: Number(await opt('MechanismCountCurrent', 1)),
      block: best.number,
      callerUid,
      callerStake: stake,
      lastUpdate: callerUid === null ? 0 : Number(lastUpdate[callerUid] ?? 0),
      validatorPermit: callerUid === null ? false : permits[callerUid] === true,
      ownerUid,
      stakeThreshold: BigInt(Number(await opt('StakeThreshold', 0))),
      weightsVersionKey: BigInt(await this.#qn('WeightsVersionKey', netuid)),
      weightsSetRateLimit: await this.#qn('WeightsSetRateLimit', netuid),
      commitRevealWeightsEnabled: (await opt('CommitRevealWeightsEnabled', false)) === true,
      minAllowedWeights: await this.#qn('MinAllowedWeights', netuid),
      maxWeightsLimit: await this.#qn('MaxWeightsLimit', netuid),
    }
  }

  /**
   * Anchor a ranking: decode it, pre-check against chain state, then set_weights, or commit by hash when the
   * subnet has commit-reveal on (reveal later with {@link revealPending}).
   */
  async anchorRanking (signer: KeyringPair, bytes: Uint8Array): Promise<AnchorReceipt> {
    let r: R
    try { r = this.#opts.codec.decode(bytes) } catch (e) { throw new ChainError('BAD_RANKING', 'ranking message does not decode', {}, { cause: e }) }
    if (toSs58(r.hotkey) !== toSs58(signer.publicKey)) throw new ChainError('BAD_RANKING', 'ranking hotkey differs from the signing hotkey')
    if (!this.#opts.codec.verify(r, bytes)) throw new ChainError('BAD_RANKING', 'ranking signature does not verify')
    const state = await this.setWeightsState(r.netuid, signer.address)
    const uids = [...r.uids]
    const values = [...r.weights]
    if (state.commitRevealWeightsEnabled) return await this.#commit(signer, state, uids, values, BigInt(r.versionKey))
    const check = checkSetWeights(state, { uids, values, versionKey: r.versionKey })
    if (!check.ok) throw new ChainError('PRECHECK_FAILED', `set_weights would fail on chain with ${check.error}; not sent`, { error: check.error, netuid: r.netuid })
    requireCall(this.capabilities, 'set_weights')
    const inc = await this.#send(signer, this.api.tx.subtensorModule.setWeights(r.netuid, uids, values, BigInt(r.versionKey)))
    return receipt(inc, 'subtensorModule.setWeights')
  }

  async #commit (signer: KeyringPair, state: SetWeightsState, uids: number[], values: number[], versionKey: bigint): Promise<AnchorReceipt> {
    const caps = this.capabilities
    if (this.#opts.commitReveal === 'refuse-timelocked' && caps.storage.has('CommitRevealWeightsVersion')) {
      const version = Number((await this.#q('CommitRevealWeightsVersion')()).toString())
      if (version >= 4) throw new ChainError('TIMELOCK_NOT_IMPLEMENTED', `subnet ${state.netuid} expects ${caps.timelockedCommit ?? 'commit_timelocked_weights'} (commit-reveal version ${version}, drand timelock encryption), which TensorMesh does not implement`, { version, call: caps.timelockedCommit })
    }
    if (!caps.hashCommitReveal) throw new ChainError('MISSING_CALL', 'this runtime has no commit_weights/reveal_weights', { call: 'commit_weights' })
    const store = this.#commits
    if (store === undefined) throw new ChainError('BAD_INPUT', 'commit-reveal is on for this subnet: set pendingCommitsPath so salts survive restarts')
    // The reveal must pass the same checks (minus CR/rate limit); refuse now rather than commit something unrevealable.
    const check = checkSetWeights(state, { uids, values, versionKey, via: 'reveal' })
    if (!check.ok) throw new ChainError('PRECHECK_FAILED', `the reveal would fail on chain with ${check.error}; not committing`, { error: check.error, netuid: state.netuid })
    const salt = randomSalt()
    const hash = commitHash(this.api.registry, signer.publicKey, { netuid: state.netuid, uids, values, versionKey }, salt)
    const nonce = await this.#nonces.next(this.api, signer.address)
    const tx = await this.api.tx.subtensorModule.commitWeights(state.netuid, hash).signAsync(signer, { nonce, era: this.#opts.eraPeriod ?? 64 })
    const base = { netuid: state.netuid, hotkey: toSs58(signer.publicKey), uids, values, salt, versionKey: versionKey.toString(), commitHash: hash, extrinsicHash: tx.hash.toHex() }
    // Persist before sending: a crash after submission still leaves the salt on disk.
    await store.put({ ...base, status: 'signed' })
    let inc: Inclusion
    try {
      inc = await submitSigned(this.api, tx, this.#opts.submit)
    } catch (e) {
      this.#nonces.reset(signer.address)
      await store.update(hash, base.hotkey, { status: 'failed' })
      throw e
    }
    await store.update(hash, base.hotkey, { status: 'committed', commitBlock: inc.blockNumber })
    return receipt(inc, 'subtensorModule.commitWeights')
  }

  /** Pending commits of this process's store, for the UI. */
  pendingCommits (): PendingCommit[] { return this.#commits?.list() ?? [] }

  /**
   * Reveal every committed, unrevealed commit of `signer` whose reveal window (from `WeightCommits`) is open now.
   * Expired ones are marked expired. Returns the receipts of reveals sent.
   */
  async revealPending (signer: KeyringPair): Promise<AnchorReceipt[]> {
    const store = this.#commits
    if (store === undefined) return []
    requireStorage(this.capabilities, ['WeightCommits'], 'revealing commits')
    const hotkey = toSs58(signer.publicKey)
    const best = (await this.bestBlock()).number
    const out: AnchorReceipt[] = []
    for (const c of store.list({ hotkey }).filter((x) => x.status === 'committed' || x.status === 'signed')) {
      const onChain = (await this.#q('WeightCommits')(c.netuid, hotkey)).toJSON() as Array<[string, number, number, number]> | null
      const mine = (onChain ?? []).find((e) => e[0] === c.commitHash)
      if (mine === undefined) {
        // Not (or no longer) on chain: a 'signed' commit never landed; a 'committed' one was revealed or expired.
        await store.update(c.commitHash, hotkey, { status: c.status === 'signed' ? 'failed' : 'expired' })
        continue
      }
      const [, , firstReveal, lastReveal] = mine
      if (best < firstReveal) continue
      if (best > lastReveal) { await store.update(c.commitHash, hotkey, { status: 'expired' }); continue }
      const inc = await this.#send(signer, this.api.tx.subtensorModule.revealWeights(c.netuid, c.uids, c.values, c.salt, BigInt(c.versionKey)))
      await store.update(c.commitHash, hotkey, { status: 'revealed', revealBlock: inc.blockNumber })
      out.push(receipt(inc, 'subtensorModule.revealWeights'))
    }
    return out
  }

  /**
   * Subtensor keeps only each validator's latest weights (`Weights`), not a history: this returns those rows as
   * rankings of the current state; `epoch` is informational. Yuma itself runs on chain (read {@link metagraph}).
   */
  async readRankings (netuid: number, epoch: number): Promise<ReadRankingsResult> {
    requireStorage(this.capabilities, ['Weights', 'Keys', 'LastUpdate'], 'reading weights')
    const mg = await this.metagraph(netuid)
    const rows = await this.#q('Weights' as string) as unknown as { entries: (n: number) => Promise<Array<[{ args: Codec[] }, Codec]>> }
    const entries = await rows.entries(netuid)
    const rankings = entries.map(([k, v]) => {
      const uid = Number(k.args[1].toString())
      const pairs = v.toJSON() as Array<[number, number]>
      const hotkey = mg.hotkeys[uid] ?? ''
      return {
        blockNumber: mg.lastUpdate[uid] ?? 0, blockHash: '', extrinsicIndex: 0, signer: hotkey, hotkey, bytes: new Uint8Array(0),
        ranking: { netuid, epoch, hotkey, uids: Uint16Array.from(pairs.map((p) => p[0])), weights: Uint16Array.from(pairs.map((p) => p[1])), versionKey: 0 },
      }
    }).filter((r) => r.ranking.uids.length > 0).sort((a, b) => a.blockNumber - b.blockNumber)
    return { rankings, rejected: [], scannedTo: mg.block }
  }
}

function receipt (inc: Inclusion, method: AnchorReceipt['method']): AnchorReceipt {
  return { blockNumber: inc.blockNumber, blockHash: inc.blockHash, extrinsicHash: inc.extrinsicHash, extrinsicIndex: inc.extrinsicIndex, method, recovered: inc.recovered }
}
