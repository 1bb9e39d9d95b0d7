import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { u8aToHex } from '@polkadot/util'
import { startDevnet, type Devnet } from '../src/devnet/launcher.ts'
import { DevnetAnchor } from '../src/devnet/anchor.ts'
import { frameRanking } from '../src/remark.ts'
import { submitSigned } from '../src/tx.ts'
import type { RankingMessage } from '@tensormesh/wire'
import { rankingBytes, DropProxy } from './helpers.ts'
import { wireRankingCodec } from '../src/wire-codec.ts'

const UNIT = 10n ** 12n

/** A remark sent around DevnetAnchor's checks (explicit nonce: the API's derive cache can repeat one). */
async function rawRemark (anchor: DevnetAnchor<any>, pair: KeyringPair, hex: string): Promise<void> {
  const nonce = (await anchor.api.rpc.system.accountNextIndex(pair.address)).toNumber()
  await submitSigned(anchor.api, await anchor.api.tx.system.remarkWithEvent(hex).signAsync(pair, { nonce }))
}

describe('devnet end to end', () => {
  let dir: string
  let devnet: Devnet
  let anchor: DevnetAnchor<RankingMessage>
  const kr = new Keyring({ type: 'sr25519', ss58Format: 42 })
  let v: ReturnType<Keyring['addFromUri']>[]
  let miners: ReturnType<Keyring['addFromUri']>[]

  before(async () => {
    await cryptoWaitReady()
    v = ['//V1', '//V2', '//V3'].map((u) => kr.addFromUri(u))
    miners = ['//M1', '//M2'].map((u) => kr.addFromUri(u))
    dir = mkdtempSync(join(tmpdir(), 'tm-devnet-'))
    devnet = await startDevnet({ dataDir: dir, accounts: v.map((p, i) => ({ address: p.address, free: BigInt(i + 1) * 1000n * UNIT })) })
    anchor = new DevnetAnchor({ endpoint: devnet.endpoint, codec: wireRankingCodec, members: [...v, ...miners].map((p) => p.address) })
    await anchor.connect()
  })
  after(async () => {
    await anchor?.close()
    await devnet?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('funded validators are the stake view', async () => {
    const s = await anchor.stakes(1, v.map((p) => p.address))
    assert.deepEqual([...s.values()], [1000n * UNIT, 2000n * UNIT, 3000n * UNIT])
  })

  test('three validators anchor, read back in chain order, forged and foreign remarks rejected or ignored', async () => {
    const epoch = 7
    const r0 = await anchor.anchorRanking(v[0], rankingBytes(v[0], { netuid: 1, epoch, uids: [3, 4], weights: [65535, 0] }))
    const r1 = await anchor.anchorRanking(v[1], rankingBytes(v[1], { netuid: 1, epoch, uids: [3, 4], weights: [32768, 65535] }))
    const r2 = await anchor.anchorRanking(v[2], rankingBytes(v[2], { netuid: 1, epoch, uids: [3, 4], weights: [65535, 65535] }))
    // v0 changes its mind: the later ranking replaces the earlier one.
    const r3 = await anchor.anchorRanking(v[0], rankingBytes(v[0], { netuid: 1, epoch, uids: [3, 4], weights: [65535, 65535] }))
    assert.ok(r0.blockNumber < r1.blockNumber && r1.blockNumber < r2.blockNumber && r2.blockNumber < r3.blockNumber)
    // Other epoch / other netuid / unrelated remark / forged signature.
    await anchor.anchorRanking(v[1], rankingBytes(v[1], { netuid: 1, epoch: epoch + 1, uids: [3], weights: [1] }))
    await anchor.anchorRanking(v[1], rankingBytes(v[1], { netuid: 2, epoch, uids: [3], weights: [1] }))
    await rawRemark(anchor, v[2], u8aToHex(new TextEncoder().encode('hello devnet')))
    const forged = rankingBytes(v[2], { netuid: 1, epoch, uids: [3], weights: [9] })
    forged[forged.length - 3] ^= 1 // inside the signature
    await assert.rejects(anchor.anchorRanking(v[2], forged), { code: 'BAD_RANKING' })
    await rawRemark(anchor, v[2], u8aToHex(frameRanking(forged)))
    // v1 posting v0's ranking: refused before sending, and rejected when read if sent anyway.
    const v0ranking = rankingBytes(v[0], { netuid: 1, epoch, uids: [4], weights: [1] })
    await assert.rejects(anchor.anchorRanking(v[1], v0ranking), { code: 'BAD_RANKING' })
    await rawRemark(anchor, v[1], u8aToHex(frameRanking(v0ranking)))

    const read = await anchor.readRankings(1, epoch)
    assert.deepEqual(read.rankings.map((r) => [r.hotkey, r.blockNumber]), [
      [v[0].address, r0.blockNumber], [v[1].address, r1.blockNumber], [v[2].address, r2.blockNumber], [v[0].address, r3.blockNumber],
    ])
    assert.deepEqual(read.rejected.map((r) => r.reason).sort(), ['bad-signature', 'signer-mismatch'])

    const view = await anchor.consensusView(1, epoch)
    assert.deepEqual(view.input.validators, [0, 1, 2])
    assert.deepEqual(view.input.weights[0], [[3, 65535], [4, 65535]])
    assert.deepEqual(view.input.weights[1], [[3, 32768], [4, 65535]])
    assert.deepEqual(view.input.weights[3], [])
    assert.equal(view.input.lastUpdate[0], r3.blockNumber)
    // Stake is the live balance (fees already paid), read at the same time as the rankings.
    const bal = await anchor.stakes(1, [v[1].address])
    assert.equal(view.input.stake[1], bal.get(v[1].address))
    assert.ok(view.input.stake[1] > 1999n * UNIT)

    // Yuma, by hand: rows normalised V1 (.5,.5), V2 (1/3,2/3), V3 (.5,.5); stake 1:2:3. Consensus (κ=.5) is .5 for
    // both miners; V2's 2/3 is clipped to .5. Incentive ∝ (1/6·.5 + 2/6·1/3 + 3/6·.5, .5) = (.4444, .5).
    const y = view.result
    assert.deepEqual(y.incentive.slice(0, 3), [0, 0, 0])
    assert.ok(Math.abs(y.proportions.incentive[3] - 0.4444 / 0.9444) < 2e-3, String(y.proportions.incentive[3]))
    assert.ok(Math.abs(y.proportions.incentive[4] - 0.5 / 0.9444) < 2e-3, String(y.proportions.incentive[4]))
    assert.ok(Math.abs(y.proportions.consensus[3] - 0.5) < 1e-3 && Math.abs(y.proportions.consensus[4] - 0.5) < 1e-3)
    assert.ok(Math.abs(y.proportions.validatorTrust[1] - (1 / 3 + 0.5)) < 1e-3, String(y.proportions.validatorTrust[1]))
    assert.ok(Math.abs(y.proportions.validatorTrust[0] - 1) < 1e-3)
    assert.deepEqual(y.dividends.slice(3), [0, 0])
    assert.ok(y.dividends[0] > 0 && y.dividends[1] > 0 && y.dividends[2] > 0)
    assert.deepEqual(y.validatorPermit, [true, true, true, false, false])
  })

  test('dispatch errors come back by name from the runtime metadata', async () => {
    const nonce = (await anchor.api.query.system.account(v[0].address)).nonce.toNumber()
    const tx = await anchor.api.tx.assets.transfer(424242, v[1].address, 1).signAsync(v[0], { nonce })
    await assert.rejects(submitSigned(anchor.api, tx), (e: Error & { code?: string, data?: Record<string, unknown> }) => {
      assert.equal(e.code, 'DISPATCH_FAILED')
      assert.equal(e.data?.section, 'assets')
      assert.equal(e.data?.name, 'Unknown')
      assert.match(e.message, /^assets\.Unknown/)
      return true
    })
  })

  test('restart resumes at the previous height with the anchored rankings intact', async () => {
    const before = await anchor.readRankings(1, 7)
    const height = (await anchor.bestBlock()).number
    await anchor.close()
    await devnet.stop()
    devnet = await startDevnet({ dataDir: dir, accounts: v.map((p, i) => ({ address: p.address, free: BigInt(i + 1) * 1000n * UNIT })) })
    assert.ok(devnet.resumedAt >= height, `resumed at ${devnet.resumedAt}, had ${height}`)
    anchor = new DevnetAnchor({ endpoint: devnet.endpoint, codec: wireRankingCodec, members: [...v, ...miners].map((p) => p.address) })
    await anchor.connect()
    const again = await anchor.readRankings(1, 7)
    assert.deepEqual(again.rankings.map((r) => r.blockHash), before.rankings.map((r) => r.blockHash))
    // Nonces survived: a new anchor signs and lands.
    const r = await anchor.anchorRanking(v[0], rankingBytes(v[0], { netuid: 1, epoch: 9, uids: [3], weights: [1] }))
    assert.ok(r.blockNumber > height)
  })
})

describe('devnet fault: RPC connection dropped during an anchor', () => {
  const kr = new Keyring({ type: 'sr25519', ss58Format: 42 })

  async function scenario (blockTimeMs: number | undefined): Promise<void> {
    await cryptoWaitReady()
    const val = kr.addFromUri('//Fault')
    const devnet = await startDevnet({ accounts: [{ address: val.address, free: 1000n * UNIT }], blockTimeMs })
    const proxy = new DropProxy(devnet.endpoint)
    const anchor = new DevnetAnchor({ endpoint: await proxy.listen(), codec: wireRankingCodec, members: [val.address], autoConnectMs: 200 })
    try {
      await anchor.connect()
      const nonceBefore = (await anchor.api.query.system.account(val.address)).nonce.toNumber()
      // Cut at the first status notification of the submission: the extrinsic reached the node, the answer is lost.
      const cut = proxy.dropOn('author_extrinsicUpdate')
      const pending = anchor.anchorRanking(val, rankingBytes(val, { netuid: 1, epoch: 1, uids: [0], weights: [65535] }))
      await cut
      assert.equal(proxy.drops, 1)
      setTimeout(() => proxy.restore(), 1000)
      const receipt = await pending
      assert.equal(receipt.recovered, true)
      const read = await anchor.readRankings(1, 1)
      assert.equal(read.rankings.length, 1, 'exactly one anchored ranking, none lost, none duplicated')
      assert.equal(read.rankings[0].blockHash, receipt.blockHash)
      // Applied exactly once: the account nonce (state, not pool) moved by one.
      assert.equal((await anchor.api.query.system.account(val.address)).nonce.toNumber(), nonceBefore + 1)
      // The connection works normally afterwards.
      const next = await anchor.anchorRanking(val, rankingBytes(val, { netuid: 1, epoch: 2, uids: [0], weights: [1] }))
      assert.equal(next.recovered, false)
    } finally {
      await anchor.close()
      await proxy.close()
      await devnet.stop()
    }
  }

  test('instant blocks: the extrinsic was included while disconnected', () => scenario(undefined))

  test('submission lost before it reached the node: the same signed bytes are resubmitted, applied once', async () => {
    await cryptoWaitReady()
    const val = kr.addFromUri('//Lost')
    const devnet = await startDevnet({ accounts: [{ address: val.address, free: 1000n * UNIT }] })
    const proxy = new DropProxy(devnet.endpoint)
    const anchor = new DevnetAnchor({ endpoint: await proxy.listen(), codec: wireRankingCodec, members: [val.address], autoConnectMs: 200 })
    try {
      await anchor.connect()
      const nonceBefore = (await anchor.api.query.system.account(val.address)).nonce.toNumber()
      const headBefore = devnet.head()
      const cut = proxy.dropOnClient('author_submitAndWatchExtrinsic')
      const pending = anchor.anchorRanking(val, rankingBytes(val, { netuid: 1, epoch: 5, uids: [0], weights: [65535] }))
      await cut
      assert.equal(devnet.head(), headBefore, 'nothing reached the node')
      setTimeout(() => proxy.restore(), 800)
      const receipt = await pending
      assert.equal(receipt.recovered, true)
      const read = await anchor.readRankings(1, 5)
      assert.equal(read.rankings.length, 1)
      assert.equal((await anchor.api.query.system.account(val.address)).nonce.toNumber(), nonceBefore + 1)
    } finally {
      await anchor.close()
      await proxy.close()
      await devnet.stop()
    }
  })
  test('interval blocks: the extrinsic was still in the pool while disconnected', () => scenario(1500))
})

describe('openChain (the app entry point)', () => {
  test('devnet by default: kind and network for the UI, anchor and read back, close does not hang', async () => {
    await cryptoWaitReady()
    const hot = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Entry')
    const { openChain } = await import('../src/index.ts')
    const chain = await openChain({ kind: 'devnet', accounts: [{ address: hot.address, free: 10n * UNIT }], members: [hot.address] })
    try {
      assert.equal(chain.anchor.kind, 'devnet')
      assert.equal(chain.anchor.network, 'devnet')
      const heads: number[] = []
      const unsub = await chain.anchor.subscribeHeads((h) => heads.push(h.number))
      const r = await chain.anchor.anchorRanking(hot, rankingBytes(hot, { netuid: 1, epoch: 3, uids: [0], weights: [65535] }))
      const { rankings } = await chain.anchor.readRankings(1, 3)
      assert.deepEqual(rankings.map((x) => x.blockNumber), [r.blockNumber])
      assert.ok(heads.includes(r.blockNumber))
      unsub()
      const mg = await chain.anchor.metagraph(1)
      assert.deepEqual(mg.hotkeys, [hot.address])
      assert.equal(mg.lastUpdate[0], r.blockNumber)
    } finally {
      await chain.close()
    }
  })
})
