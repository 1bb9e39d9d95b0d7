/**
 * Peer latency: LatencyBook's moving average, LatencyProber's scheduling (bounded concurrency, one ping per peer at a
 * time, failures counted, nothing left running after stop), and two real libp2p peers on loopback whose peer summaries
 * carry a measured round-trip time through libp2p's ping protocol.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { noise } from '@libp2p/noise'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { MeshCore } from '../src/core.ts'
import { LatencyBook, LatencyProber } from '../src/latency.ts'
import { StaticHotkeyRegistry } from '../src/registry.ts'
import { ready } from './fixtures/messages.ts'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms) })

test('LatencyBook: first sample, then an exponentially weighted average; bad samples count as failures', () => {
  const b = new LatencyBook(0.5)
  assert.equal(b.get('p'), null)
  b.record('p', 10)
  assert.equal(b.get('p'), 10)
  b.record('p', 20)
  assert.equal(b.get('p'), 15)
  b.record('p', Number.NaN)
  b.record('p', -1)
  b.fail()
  assert.equal(b.get('p'), 15)
  assert.deepEqual([b.ok, b.failed], [2, 3])
  b.forget('p')
  assert.equal(b.get('p'), null)
})

test('LatencyProber: at most `concurrency` pings in flight, one per peer, errors counted, stop aborts', async () => {
  let inFlight = 0
  let most = 0
  const aborted: string[] = []
  const prober = new LatencyProber({
    connected: () => [],
    ping: async (peerId, signal) => {
      inFlight++
      most = Math.max(most, inFlight)
      try {
        if (peerId === 'hang') {
          await new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { aborted.push(peerId); reject(new Error('aborted')) }) })
        }
        await sleep(20)
        if (peerId.startsWith('bad')) throw new Error('stream refused')
        return 7
      } finally { inFlight-- }
    },
  }, { intervalMs: 0, concurrency: 2, timeoutMs: 60_000 })
  prober.start()
  for (const p of ['a', 'b', 'bad1', 'c', 'a', 'a', 'bad2']) prober.enqueue(p)
  for (let i = 0; i < 100 && prober.book.ok + prober.book.failed < 5; i++) await sleep(20)
  assert.equal(most, 2, 'never more than the concurrency bound')
  assert.deepEqual([prober.book.ok, prober.book.failed], [3, 2], 'a, b, c answered; the duplicate a was not queued twice')
  assert.equal(prober.book.get('a'), 7)
  prober.enqueue('hang')
  await sleep(10)
  prober.stop()
  await sleep(10)
  assert.deepEqual(aborted, ['hang'], 'stop aborts pings in flight')
  assert.equal(prober.book.get('a'), null, 'stop forgets measurements')
})

const registry = new StaticHotkeyRegistry({})
const cores: MeshCore[] = []
after(async () => { for (const c of cores) await c.stop() })

test('two libp2p peers on loopback measure a finite round-trip time to each other', async () => {
  await ready()
  const opts = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, autoNat: false, dcutr: false, registry, ping: { intervalMs: 300 } }
  const a = new MeshCore(opts)
  const b = new MeshCore(opts)
  cores.push(a, b)
  await a.start()
  await b.start()
  const bId = await a.dial(b.info().multiaddrs[0])
  const latencyOf = (c: MeshCore, id: string): number | null | undefined => c.peers().find((p) => p.peerId === id)?.latencyMs
  for (let i = 0; i < 100 && (latencyOf(a, bId) == null || latencyOf(b, a.info().peerId) == null); i++) await sleep(100)
  for (const [c, id] of [[a, bId], [b, a.info().peerId]] as const) {
    const ms = latencyOf(c, id)
    assert.equal(typeof ms, 'number', 'latency measured')
    assert.ok(Number.isFinite(ms) && ms! >= 0, `finite RTT: ${String(ms)}`)
    assert.ok(c.stats().ping.ok >= 1)
  }
  await a.libp2p.hangUp(peerIdFromString(bId))
  for (let i = 0; i < 50 && a.peers().some((p) => p.peerId === bId && p.connected); i++) await sleep(50)
  assert.ok(a.peers().every((p) => p.peerId !== bId || p.latencyMs === null), 'no latency for a disconnected peer')
})

test('through MeshClient (the core in a worker thread) the peer summary carries the latency too', async () => {
  const { MeshClient } = await import('../src/client.ts')
  const opts = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, autoNat: false, dcutr: false, registry, ping: { intervalMs: 300 } }
  const a = new MeshClient(opts)
  const b = new MeshClient(opts)
  try {
    await a.start()
    const bInfo = await b.start()
    const bId = await a.dial(bInfo.multiaddrs[0])
    let ms: number | null | undefined
    for (let i = 0; i < 100 && ms == null; i++) { ms = (await a.peers()).find((p) => p.peerId === bId)?.latencyMs; if (ms == null) await sleep(100) }
    assert.ok(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0, `finite RTT across the worker: ${String(ms)}`)
  } finally {
    await a.stop()
    await b.stop()
  }
})

test('pinging all the time next to libp2p\'s connection monitor costs no connection (own ping protocol)', async () => {
  // Both on /ipfs/ping/1.0.0, a ping of ours overlapping the monitor's exceeds that protocol's one outbound stream,
  // the monitor's ping fails and it aborts the connection (18 aborts in 3 s when tried): hence /tensormesh/ping.
  const opts = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, autoNat: false, dcutr: false, registry, monitorPingMs: 100, ping: { intervalMs: 5 } }
  const a = new MeshCore(opts)
  const b = new MeshCore(opts)
  cores.push(a, b)
  await a.start()
  await b.start()
  let drops = 0
  a.events.on('peer:disconnected', () => { drops++ })
  const bId = await a.dial(b.info().multiaddrs[0])
  await sleep(2000)
  assert.equal(drops, 0, 'no connection lost')
  assert.ok(a.connections().includes(bId))
  const s = a.stats().ping
  assert.ok(s.ok >= 20, `pinged throughout (${s.ok} answered)`)
  assert.equal(s.failed, 0)
  await a.stop()
  await b.stop()
})

test('a libp2p peer without the mesh\'s ping protocol: latency from libp2p\'s connection monitor', async () => {
  const plain = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { ping: ping() } })
  const a = new MeshCore({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, autoNat: false, dcutr: false, registry, monitorPingMs: 100, ping: { intervalMs: 150 } })
  cores.push(a)
  try {
    await a.start()
    const id = await a.dial(plain.getMultiaddrs()[0].toString())
    let ms: number | null | undefined
    for (let i = 0; i < 50 && ms == null; i++) { await sleep(100); ms = a.peers().find((p) => p.peerId === id)?.latencyMs }
    assert.ok(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0, `latency from the monitor: ${String(ms)}`)
  } finally {
    await a.stop()
    await plain.stop()
  }
})
