/**
 * End to end: the embedded devnet + 7 peer processes (2 validators, 3 honest miners, a free-rider, a poisoner) for
 * at least 3 epochs of tiny rounds. Checks that updates flow, scores are computed, rankings are anchored on the
 * devnet exactly once per validator and epoch, the consensus view matches the anchors, honest miners rank above the
 * adversaries, the model's test accuracy rises, and a validator killed while anchoring rejoins through a checkpoint
 * and anchors nothing twice. Every update is larger than the run's per-message limit, so each travels as several
 * gossip messages (chunks) that validators reassemble.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDemo, type DemoChild } from '../packages/node/src/demo.ts'
import { createDevnetPort } from '../packages/node/src/adapters.ts'
import { consensusFromAnchors, consensusInput, ss58 } from '../packages/node/src/peer.ts'
import type { ConsensusView, PeerEventName, PeerEvents } from '../packages/node/src/api-types.ts'

const EPOCHS = 4 // epochs 0..3 (0 may be partial: peers join when they are up); the restarted validator anchors again after its restart
const ROUNDS_PER_EPOCH = 2
// Few, slow blocks: Chopsticks spends about 0.3 CPU-seconds per block, which the peers need on a 2-core machine.
const BLOCK_MS = 2000
const BLOCKS_PER_ROUND = 5

interface Seen { child: DemoChild, name: PeerEventName, data: unknown, at: number }

test('devnet + 7 peer processes: rounds, scores, anchors, consensus, restart', { timeout: 15 * 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tm-e2e-'))
  const demo = await startDemo({
    dataDir, rounds: 0, validators: 2, miners: 3, freeRiders: 1, poisoners: 1,
    blockMs: BLOCK_MS, blocksPerRound: BLOCKS_PER_ROUND, roundsPerEpoch: ROUNDS_PER_EPOCH, fresh: true, logLevel: 'warn', json: true,
    // About 64 KB per update here: a 16 KiB limit sends each in several gossip messages, which validators reassemble.
    maxMessageBytes: 16 * 1024,
  })
  const seen: Seen[] = []
  const waiters = new Set<() => void>()
  demo.onEvent((child, name, data) => { seen.push({ child, name, data, at: Date.now() }); for (const w of waiters) w() })
  const t0 = Date.now()
  const waitFor = async (pred: (s: Seen) => boolean, what: string, ms = 240_000): Promise<Seen> => {
    const end = Date.now() + ms
    for (;;) {
      const hit = seen.find(pred)
      if (hit !== undefined) { console.log(`# ${((Date.now() - t0) / 1000).toFixed(0)} s: ${what}`); return hit }
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>((resolve) => { const t = setTimeout(done, 1000); function done (): void { clearTimeout(t); waiters.delete(done); resolve() } waiters.add(done) })
    }
  }
  const v1 = demo.children[0]
  const v2 = demo.children[1]
  try {
    // Kill validator 2 right after it submits its epoch-1 anchor (before it can journal the inclusion), restart it.
    await waitFor((s) => s.child === v2 && s.name === 'anchor:submitted' && (s.data as PeerEvents['anchor:submitted']).epoch === 1, 'validator 2 anchoring epoch 1')
    await demo.kill(v2)
    const killedAt = Date.now()
    const journalAtKill = readFileSync(join(v2.dataDir, 'anchors.jsonl'), 'utf8')
    await demo.startPeer(v2)
    const rejoined = await waitFor((s) => s.child === v2 && s.at > killedAt && s.name === 'model:synced' && (s.data as PeerEvents['model:synced']).fetched, 'validator 2 to fetch a checkpoint after its restart')
    assert.ok((rejoined.data as PeerEvents['model:synced']).bytes > 0)
    // Run until both validators anchored the last epoch and validator 1 computed its consensus view.
    for (const v of [v1, v2]) await waitFor((s) => s.child === v && s.name === 'anchor:done' && (s.data as PeerEvents['anchor:done']).epoch === EPOCHS - 1, `anchor of epoch ${EPOCHS - 1} by ${v.spec.name}`)
    await waitFor((s) => s.child === v1 && s.name === 'rankings:consensus' && (s.data as ConsensusView).epoch >= EPOCHS - 1 && (s.data as ConsensusView).validators.length === 2, 'a consensus view of both validators')

    // Updates flow and scores are computed, every round validator 1 ran.
    const scored = seen.filter((s) => s.child === v1 && s.name === 'round:scored').map((s) => s.data as PeerEvents['round:scored'])
    const rounds = scored.length
    assert.ok(rounds >= (EPOCHS - 1) * ROUNDS_PER_EPOCH, `validator 1 scored ${rounds} rounds`)
    assert.ok(scored.every((r) => r.scores.length >= 5 && r.scores.every((x) => Number.isFinite(x.score))))
    const published = seen.filter((s) => s.name === 'update:published')
    const honest = demo.children.filter((c) => c.spec.role === 'miner' && c.spec.behaviour === 'honest')
    const adversaries = demo.children.filter((c) => c.spec.role === 'miner' && c.spec.behaviour !== 'honest')
    for (const m of [...honest, ...adversaries]) assert.ok(published.filter((s) => s.child === m).length >= rounds - 2, `${m.spec.name} published (almost) every round`)
    const received = seen.filter((s) => s.child === v1 && s.name === 'update:received')
    assert.ok(received.length >= 5 * (rounds - 2), `validator 1 received ${received.length} gradients in ${rounds} rounds`)
    const chunked = published.filter((s) => honest.includes(s.child) && (s.data as PeerEvents['update:published']).chunks > 1)
    assert.ok(chunked.length >= honest.length * (rounds - 2), `honest updates went out as chunks (${chunked.length} of ${published.length} publications)`)
    const honestUids = new Set(honest.map((m) => m.uid))
    const broken = scored.flatMap((r) => r.scores.filter((x) => honestUids.has(x.uid) && x.penalties.includes('malformed')))
    assert.deepEqual(broken, [], 'every honest chunked update was reassembled')
    const late = scored.flatMap((r) => r.scores.filter((x) => x.penalties.some((p) => p === 'stale-base' || p === 'late')))
    assert.ok(late.length <= rounds, `few stale or late updates (${late.length})`)

    // Rankings are on the devnet exactly once per validator and epoch; the consensus view matches them.
    const chain = await createDevnetPort(demo.devnet.endpoint, demo.members, ROUNDS_PER_EPOCH * BLOCKS_PER_ROUND)
    await chain.connect()
    try {
      const stakes = await chain.stakes(1, demo.members)
      for (let e = 0; e < EPOCHS; e++) {
        const read = await chain.readRankings(1, e)
        const by = read.rankings.map((r) => ss58(r.hotkey))
        assert.equal(new Set(by).size, by.length, `epoch ${e}: no validator anchored twice (${by.join(', ')})`)
        if (e >= 1) assert.ok(by.includes(v1.hotkey), `epoch ${e} anchored by validator 1`)
        const view = seen.filter((s) => s.child === v1 && s.name === 'rankings:consensus' && (s.data as ConsensusView).epoch === e).map((s) => s.data as ConsensusView).at(-1)
        if (view === undefined) continue
        const chainRows = read.rankings.map((r) => ({ uid: demo.members.indexOf(ss58(r.hotkey)), uids: [...r.ranking.uids], weights: [...r.ranking.weights] }))
        for (const a of view.anchored) {
          assert.ok(chainRows.some((c) => c.uid === a.validatorUid && c.uids.join() === a.uids.join() && c.weights.join() === a.weights.join()), `epoch ${e}: view's ranking of uid ${a.validatorUid} is on chain`)
        }
        if (view.validators.length === new Set(chainRows.map((c) => c.uid)).size) {
          const again = consensusFromAnchors(consensusInput(demo.members, demo.members.map((h) => stakes.get(h) ?? 0n), read.rankings), 0, e, 36, [])
          again.incentive.forEach((x, i) => { assert.ok(Math.abs(x - view.incentive[i]) < 1e-9, `epoch ${e}: incentive of uid ${i} recomputed from the chain`) })
        }
      }
      const v2Entries = readFileSync(join(v2.dataDir, 'anchors.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number, status: string })
      const done = v2Entries.filter((x) => x.status === 'done').map((x) => x.epoch)
      assert.equal(new Set(done).size, done.length, 'validator 2 journaled each epoch once')
      assert.match(journalAtKill, /"epoch":1,"netuid":1,"status":"pending"/)
      assert.ok(done.includes(1), 'the interrupted epoch-1 anchor was resolved after the restart')
    } finally {
      await chain.close()
    }

    // Honest miners rank above the adversaries in the final consensus.
    const last = seen.filter((s) => s.child === v1 && s.name === 'rankings:consensus' && (s.data as ConsensusView).validators.length === 2).map((s) => s.data as ConsensusView).at(-1)!
    const honestInc = honest.map((m) => last.incentive[m.uid])
    const advInc = adversaries.map((m) => last.incentive[m.uid])
    assert.ok(Math.max(...advInc) < 0.02, `adversaries earn (almost) nothing: ${advInc.join(', ')}`)
    assert.ok(honestInc.reduce((a, b) => a + b, 0) > 0.95, `honest miners earn the emission: ${honestInc.join(', ')}`)
    const bestAdversaryRank = Math.min(...adversaries.map((m) => last.rank[m.uid]))
    const rewardedHonest = honest.filter((m) => last.incentive[m.uid] > 0)
    assert.ok(rewardedHonest.length >= 2 && rewardedHonest.every((m) => last.rank[m.uid] < bestAdversaryRank), 'rewarded honest miners rank above every adversary')

    // The model's test accuracy rises.
    const acc = seen.filter((s) => s.child === v1 && s.name === 'model:aggregated').map((s) => (s.data as PeerEvents['model:aggregated']).testAccuracy)
    assert.ok(acc.length >= 4)
    assert.ok(acc.at(-1)! > acc[0] + 0.05, `test accuracy rises: ${acc.map((a) => a.toFixed(3)).join(' → ')}`)
  } finally {
    await demo.stop()
  }
})
