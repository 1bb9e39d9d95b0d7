import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { anchorRows, peerViews, roundLoop } from '../src/peer.ts'
import type { RoundTime } from '../src/clock.ts'
import { AnchorJournal } from '../src/datadir.ts'
import { startApi } from '../src/api.ts'
import type { PeersResponse } from '../src/api-types.ts'

describe('peer views', () => {
  test('mesh summaries become /peers rows: bound hotkey as SS58, its uid among members, scores', async () => {
    await cryptoWaitReady()
    const kr = new Keyring({ type: 'sr25519', ss58Format: 42 })
    const [a, b, stranger] = ['//pv-a', '//pv-b', '//pv-x'].map((u) => kr.addFromUri(u))
    const hexOf = (p: typeof a): string => Buffer.from(p.publicKey).toString('hex')
    const rows = peerViews([
      { peerId: '12D3KooWA', connected: true, gossipScore: 1.5, appScore: -2, banned: false, hotkeys: { 7: hexOf(b) }, latencyMs: 12.5 },
      { peerId: '12D3KooWB', connected: false, gossipScore: 0, appScore: 0, banned: true, hotkeys: { 7: '0x' + hexOf(stranger), 8: hexOf(a) }, latencyMs: null },
      { peerId: '12D3KooWC', connected: true, gossipScore: 0, appScore: 0, banned: false, hotkeys: {}, latencyMs: null },
    ], [a.address, b.address], 7)
    assert.deepEqual(rows.map((r) => [r.peerId, r.hotkey, r.uid, r.connected, r.score, r.appScore, r.banned, r.latencyMs]), [
      ['12D3KooWA', b.address, 1, true, 1.5, -2, false, 12.5],
      ['12D3KooWB', stranger.address, null, false, 0, 0, true, null],
      ['12D3KooWC', null, null, true, 0, 0, false, null],
    ])
  })

  test('GET /peers serves an async source', async () => {
    const rows: PeersResponse = { peers: [{ peerId: 'p', hotkey: null, uid: null, connected: true, score: 0, appScore: 0, banned: false, latencyMs: null }] }
    const server = await startApi({
      status: () => ({}), rankings: () => ({}), anchors: () => [],
      peers: async () => rows,
      control: () => ({ ok: true, paused: false, throttle: 1 }),
      onEvent: () => () => {},
    })
    try {
      const r = await fetch(server.url + '/peers', { headers: { authorization: `Bearer ${server.token}` } })
      assert.deepEqual(await r.json(), rows)
    } finally {
      await server.close()
    }
  })

  test('GET /anchors rows carry block and extrinsic hashes from the journal, never the ranking bytes', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tm-anchors-')), 'anchors.jsonl')
    const j = new AnchorJournal(path)
    j.record({ epoch: 3, netuid: 1, status: 'pending', bytes: 'abcd' })
    j.record({ epoch: 2, netuid: 1, status: 'pending', bytes: 'beef' })
    j.record({ epoch: 2, netuid: 1, status: 'done', blockNumber: 40, blockHash: '0x' + '11'.repeat(32), extrinsicHash: '0x' + '22'.repeat(32), recovered: false })
    j.record({ epoch: 1, netuid: 1, status: 'done', blockNumber: 20, recovered: true })
    const reread = new AnchorJournal(path)
    const rows = anchorRows([...reread.done(), ...reread.pending()])
    assert.deepEqual(rows.map(({ time: _t, ...r }) => r), [
      { epoch: 1, netuid: 1, status: 'done', blockNumber: 20, recovered: true },
      { epoch: 2, netuid: 1, status: 'done', blockNumber: 40, blockHash: '0x' + '11'.repeat(32), extrinsicHash: '0x' + '22'.repeat(32) },
      { epoch: 3, netuid: 1, status: 'pending' },
    ])
    assert.ok(rows.every((r) => !Number.isNaN(Date.parse(r.time)) && !('bytes' in r)))
  })

  test('round loop: a pause that arrives while waiting for a round holds that round too', async () => {
    // A clock the test drives by hand: each waitFor hands its resolver to the test.
    const waits: Array<{ round: number, resolve: (t: RoundTime) => void }> = []
    let notify: (() => void) | null = null
    const waited = async (n: number): Promise<void> => { while (waits.length < n) await new Promise<void>((resolve) => { notify = resolve }) }
    const clock = { waitFor: (round: number) => new Promise<RoundTime>((resolve) => { waits.push({ round, resolve }); notify?.() }) }
    let paused = false
    let resume: (() => void) | null = null
    let resumeAsked = 0
    const ran: number[] = []
    const loop = roundLoop({
      clock, first: 5, maxRounds: 7, signal: new AbortController().signal,
      isPaused: () => paused,
      untilResumed: () => { resumeAsked++; return new Promise<void>((resolve) => { resume = resolve }) },
      runRound: async (r) => { ran.push(r) },
    })
    await waited(1)
    assert.equal(waits[0].round, 5)
    paused = true // paused while waiting for round 5 to begin
    waits[0].resolve({ round: 5, startMs: 0, endMs: 1 })
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(ran, [])
    assert.equal(resumeAsked, 1)
    paused = false
    resume!()
    await waited(2)
    assert.equal(waits[1].round, 5)
    waits[1].resolve({ round: 6, startMs: 1, endMs: 2 }) // resumed late: skip to the round under way
    await loop
    assert.deepEqual(ran, [6])
  })
  test('round loop: an early start runs the round before its block; null or a block that comes first waits as usual', async () => {
    // A clock whose blocks the test releases by hand; waitFor resolves on abort like the real clocks.
    const blocks = new Map<number, (t: RoundTime) => void>()
    const clock = {
      waitFor: (round: number, signal: AbortSignal) => new Promise<RoundTime>((resolve) => {
        blocks.set(round, resolve)
        signal.addEventListener('abort', () => { resolve({ round: -1, startMs: 0, endMs: 0 }) }, { once: true })
      }),
    }
    const ran: Array<[number, number]> = []
    const earlyAborted: number[] = []
    const early = async (round: number, signal: AbortSignal): Promise<RoundTime | null> => {
      if (round === 1) return null // e.g. no leader yet: wait for the block
      if (round === 2) return { round, startMs: 200, endMs: 300 } // the leader already serves round 2's model
      return await new Promise<RoundTime | null>((resolve) => { signal.addEventListener('abort', () => { earlyAborted.push(round); resolve(null) }, { once: true }) })
    }
    const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
    const loop = roundLoop({
      clock, first: 1, maxRounds: 4, signal: new AbortController().signal, isPaused: () => false, untilResumed: async () => {},
      runRound: async (r, t) => { ran.push([r, t.startMs]) }, early,
    })
    await tick()
    assert.deepEqual(ran, [], 'round 1 waits for its block')
    blocks.get(1)!({ round: 1, startMs: 100, endMs: 200 })
    await tick(); await tick(); await tick()
    assert.deepEqual(ran, [[1, 100], [2, 200]], 'round 2 started early, with its estimated start')
    blocks.get(3)!({ round: 3, startMs: 300, endMs: 400 })
    await loop
    assert.deepEqual(ran, [[1, 100], [2, 200], [3, 300]])
    assert.deepEqual(earlyAborted, [3], 'the early wait for round 3 was aborted when its block came first')
  })
})
