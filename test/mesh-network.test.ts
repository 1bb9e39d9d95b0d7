/**
 * End-to-end mesh tests with real processes on loopback: 6 honest peers (each a process with its
 * network in a worker thread) and one process hosting several attacking nodes. The hotkey registry
 * is a static set of hotkeys standing in for the chain's metagraph (for tests only).
 *
 * Topology: honest peer i dials peers 0..i-1 (a full mesh of 6); every attacker dials only H0 and
 * H1, and nobody dials back (no mDNS, no DHT here), so H2..H5 can only see an attacker's messages
 * if H0 or H1 forwarded them.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { PeerProcess, killAll, waitFor } from '../packages/mesh/test/fixtures/cluster.ts'
import type { PeerInit } from '../packages/mesh/test/fixtures/peer.ts'

const NETUID = 3
const HONEST = 6
// Hotkeys 0..5 honest, 10..15 attackers (registered: a bound attacker must still be caught), 20 unregistered.
const REGISTERED = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]
const ATTACKERS = { badsig: 10, unsigned: 11, oversize: 12, round: 13, nonfinite: 14, flood: 15, unbound: -1, corrupt: 12 }
const OPTIONS = {
  // All peers share 127.0.0.1: lift gossipsub's per-IP penalty, which is for the real Internet.
  scoring: { ipColocationThreshold: 64 },
  // ... and libp2p's per-host inbound connection rate (5/s), for the same reason.
  inboundConnectionThreshold: 100,
  gossipRate: { gradient: { quota: 10, windowMs: 60_000 } },
  bindingWaitMs: 1500,
  roundWindow: 1
}

const peers: PeerProcess[] = []
let attackers: PeerProcess
let ids: Record<string, string>
const keys: string[] = []

function initFor (i: number, bootstrap: string[]): PeerInit {
  return { role: 'honest', netuid: NETUID, registered: REGISTERED, hotkey: i, privateKey: keys[i], bootstrap, options: OPTIONS }
}

/** Starts honest peers in parallel (process start dominates), then each dials every other live one. */
async function startHonest (ids: number[]): Promise<void> {
  await Promise.all(ids.map(async (i) => {
    const p = new PeerProcess(`H${i}`)
    await p.start(initFor(i, []))
    peers[i] = p
  }))
  const live = peers.filter((q) => q.child.exitCode == null && q.child.signalCode == null)
  for (const i of ids) {
    for (const q of live) if (q !== peers[i] && (!ids.includes(peers.indexOf(q)) || peers.indexOf(q) < i)) await peers[i].call('dial', { addr: q.addr })
  }
}

/** Waits until `p` has bound identities for all `n` other honest peers. */
async function bound (p: PeerProcess, others: PeerProcess[]): Promise<void> {
  await waitFor(`${p.name} binding ${others.length} peers`, async () => {
    const list: Array<{ peerId: string, hotkeys: Record<number, string> }> = await p.call('peers')
    return others.every((o) => list.some((x) => x.peerId === o.peerId && x.hotkeys[NETUID] != null))
  })
}

function receivedFrom (p: PeerProcess, from: string, seed?: number): number {
  return p.events.filter((e) => e.event === 'gradient:received' && e.detail.from === from && (seed == null || e.detail.seed === seed)).length
}

async function scoreAt (p: PeerProcess, peerId: string): Promise<{ gossipScore: number, appScore: number, banned: boolean } | undefined> {
  const list: Array<{ peerId: string, gossipScore: number, appScore: number, banned: boolean }> = await p.call('peers')
  return list.find((x) => x.peerId === peerId)
}

async function verdicts (p: PeerProcess): Promise<Record<string, number>> {
  return (await p.call('stats')).verdicts
}

describe('mesh over real processes', { timeout: 280_000 }, () => {
  before(async () => {
    for (let i = 0; i < HONEST; i++) keys.push(Buffer.from(privateKeyToProtobuf(await generateKeyPair('Ed25519'))).toString('hex'))
    await startHonest(Array.from({ length: HONEST }, (_, i) => i))
    for (const p of peers) await bound(p, peers.filter((q) => q !== p))
  })

  after(async () => {
    await Promise.all([...peers, attackers].filter((p) => p != null).map(async (p) => await p.stop()))
    await killAll([...peers, attackers].filter((p) => p != null))
  })

  test('every valid gradient reaches every subscriber', async () => {
    for (const p of peers) await p.call('setRound', { round: 1 })
    const results = await Promise.all(peers.map(async (p, i) => await p.call('publishGradient', { round: 1, params: 50_000, seed: 100 + i })))
    for (const r of results) assert.ok(r.recipients >= 1, 'published to at least one peer')
    for (const [i, p] of peers.entries()) {
      for (const [j, q] of peers.entries()) {
        if (i === j) continue
        await waitFor(`${q.name} receiving ${p.name}'s gradient`, () => receivedFrom(q, p.peerId, 100 + i) > 0)
        assert.equal(receivedFrom(q, p.peerId, 100 + i), 1, 'delivered exactly once')
      }
    }
  })

  describe('invalid messages are rejected, not forwarded, and cost the sender', () => {
    before(async () => {
      attackers = new PeerProcess('attackers')
      ids = await attackers.start({ role: 'attackers', netuid: NETUID, registered: REGISTERED, bootstrap: [peers[0].addr, peers[1].addr], options: OPTIONS, attackers: ATTACKERS })
      // Bound attackers must be known as bound first, so each rejection is for the reason under test.
      for (const name of ['badsig', 'oversize', 'round', 'nonfinite', 'flood']) {
        await waitFor(`${name} bound at H0 and H1`, async () => {
          for (const h of [peers[0], peers[1]]) {
            const list: Array<{ peerId: string, hotkeys: Record<number, string> }> = await h.call('peers')
            if (list.find((x) => x.peerId === ids[name])?.hotkeys[NETUID] == null) return false
          }
          return true
        })
      }
    })

    const cases: Array<[string, string, string, Record<string, number>]> = [
      ['bad ranking signature', 'badsig', 'ranking:reject:BAD_SIGNATURE', {}],
      ['unbound peer', 'unbound', 'gradient:reject:UNBOUND_PEER', { as: 0 }],
      ['oversize message', 'oversize', 'gradient:reject:OVERSIZE', {}],
      ['round outside the window', 'round', 'gradient:reject:ROUND_OUT_OF_WINDOW', { round: 9 }],
      ['non-finite tensor', 'nonfinite', 'gradient:reject:NON_FINITE', {}]
    ]
    for (const [title, name, key, args] of cases) {
      test(title, async () => {
        const before = [await scoreAt(peers[0], ids[name]), await scoreAt(peers[1], ids[name])]
        const what = name === 'badsig' ? 'bad-signature' : name === 'oversize' ? 'oversize' : name === 'nonfinite' ? 'non-finite' : 'gradient'
        await attackers.call('attack', { name, what, args })
        // Both neighbours reject it ...
        for (const h of [peers[0], peers[1]]) await waitFor(`${h.name} rejecting (${key})`, async () => ((await verdicts(h))[key] ?? 0) >= 1)
        // ... and charge the sender: gossipsub's score (P4 + weighted app score) and our local score drop.
        // (gossipsub caches a score for one heartbeat, hence the wait.)
        for (const [k, h] of [peers[0], peers[1]].entries()) {
          const after = await scoreAt(h, ids[name])
          assert.ok(after != null)
          assert.ok(after.appScore < (before[k]?.appScore ?? 0), `${h.name}: app score dropped`)
          await waitFor(`${h.name}: gossip score below ${before[k]?.gossipScore}`, async () => ((await scoreAt(h, ids[name]))?.gossipScore ?? 0) < Math.min(0, before[k]?.gossipScore ?? 0))
        }
        // ... and never forward it: peers that only hear the attacker through H0/H1 never see it at all.
        await new Promise((resolve) => setTimeout(resolve, 500))
        for (const h of peers.slice(2)) {
          assert.equal((await verdicts(h))[key] ?? 0, 0, `${h.name} never validated it`)
          assert.equal(receivedFrom(h, ids[name]), 0, `${h.name} never delivered it`)
        }
      })
    }

    test('unsigned gossip (StrictSign violated) is dropped by gossipsub and costs score', async () => {
      const before = await scoreAt(peers[0], ids.unsigned)
      let seed = 7
      await waitFor('the unsigned sender seeing subscribers', async () => (await attackers.call('attack', { name: 'unsigned', what: 'gradient', args: { as: 11, seed: seed++ } })).recipients > 0)
      await waitFor('H0 penalising the unsigned sender', async () => ((await scoreAt(peers[0], ids.unsigned))?.gossipScore ?? 0) < Math.min(0, before?.gossipScore ?? 0))
      for (const h of peers) assert.equal(receivedFrom(h, ids.unsigned), 0)
    })

    test('a flooding peer is graylisted and banned; the others keep working', async () => {
      const sent = await attackers.call('attack', { name: 'flood', what: 'flood', args: { count: 60 } })
      assert.ok(sent > 10, `flooder published ${sent}`)
      for (const h of [peers[0], peers[1]]) {
        await waitFor(`${h.name} banning the flooder`, async () => (await scoreAt(h, ids.flood))?.banned === true)
        // Graylisted: gossipsub's score is below graylistThreshold (-1600), so its RPCs are dropped unread.
        await waitFor(`${h.name} graylisting the flooder`, async () => {
          const s = (await scoreAt(h, ids.flood))?.gossipScore ?? 0
          if (s >= -1600) throw new Error(`score ${s}, stats ${JSON.stringify((await h.call('stats')).verdicts)}`)
          return true
        })
        assert.ok(((await verdicts(h))['gradient:reject:RATE_LIMITED'] ?? 0) >= 1)
      }
      // At most the per-publisher quota of flood messages got through anywhere.
      for (const h of peers) assert.ok(receivedFrom(h, ids.flood) <= OPTIONS.gossipRate.gradient.quota, `${h.name} accepted at most the quota`)
      // Banned means disconnected and refused.
      await waitFor('flooder disconnected from H0', async () => !(await peers[0].call('connections')).includes(ids.flood))
      // Honest traffic still flows everywhere.
      await peers[0].call('publishGradient', { round: 1, params: 1000, seed: 500 })
      await peers[5].call('publishGradient', { round: 1, params: 1000, seed: 505 })
      for (const h of peers) {
        if (h !== peers[0]) await waitFor(`${h.name} after flood (H0)`, () => receivedFrom(h, peers[0].peerId, 500) === 1)
        if (h !== peers[5]) await waitFor(`${h.name} after flood (H5)`, () => receivedFrom(h, peers[5].peerId, 505) === 1)
      }
    })

    test('a corrupted checkpoint chunk is detected', async () => {
      const hash = await attackers.call('attack', { name: 'corrupt', what: 'corrupt-checkpoint', args: { size: 4 * 1024 * 1024 } })
      const r = await peers[0].call('fetchCheckpoint', { peerId: ids.corrupt, hash })
      assert.equal(r.ok, false)
      assert.equal(r.code, 'MESH_CHUNK_HASH_MISMATCH')
      assert.ok(((await scoreAt(peers[0], ids.corrupt))?.appScore ?? 0) < 0, 'server penalised')
    })
  })

  test('a checkpoint of 24 MB transfers and verifies, with progress', async () => {
    const size = 24 * 1024 * 1024
    const { hash, sha256 } = await peers[2].call('provideCheckpoint', { size, seed: 42 })
    assert.equal(hash, sha256)
    const r = await peers[4].call('fetchCheckpoint', { peerId: peers[2].peerId, hash })
    assert.equal(r.ok, true, r.message)
    assert.equal(r.bytes, size)
    assert.equal(r.sha256, sha256)
    assert.equal(r.progress, 24, 'one progress report per 1 MiB chunk')
    assert.equal(r.last.receivedBytes, size)
  })

  test('churn: two peers killed with SIGKILL and restarted rejoin and receive again', async () => {
    const victims = [4, 5]
    const oldIds = victims.map((i) => peers[i].peerId)
    for (const i of victims) peers[i].kill('SIGKILL')
    await Promise.all(victims.map(async (i) => await peers[i].exited))
    await startHonest(victims)
    assert.deepEqual(victims.map((i) => peers[i].peerId), oldIds, 'same PeerIds after restart')
    const survivors = peers.filter((_, i) => !victims.includes(i))
    for (const i of victims) await bound(peers[i], peers.filter((q) => q !== peers[i]))
    await peers[0].call('publishGradient', { round: 1, params: 2000, seed: 700 })
    await peers[4].call('publishGradient', { round: 1, params: 2000, seed: 704 })
    for (const i of victims) await waitFor(`restarted H${i} receiving`, () => receivedFrom(peers[i], peers[0].peerId, 700) === 1)
    for (const h of [...survivors, peers[5]]) await waitFor(`${h.name} receiving from restarted H4`, () => receivedFrom(h, peers[4].peerId, 704) === 1)
  })
})
