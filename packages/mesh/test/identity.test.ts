/**
 * Identity republishing: in a line A — B — C where C joins after A published its binding, C has no
 * gossip connection to A, so it can only learn A's binding when A publishes again and B forwards it.
 * Loopback, in-process MeshCores; the registry is a static set of hotkeys (a stand-in for the chain).
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { MeshCore } from '../src/core.ts'
import { StaticHotkeyRegistry } from '../src/registry.ts'
import { hotkey, identity, ready } from './fixtures/messages.ts'

const NETUID = 9
const registry = new StaticHotkeyRegistry({ [NETUID]: [0, 1, 2].map((i) => hotkey(i).publicKey) })
const base = {
  netuids: [NETUID], listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, autoNat: false, dcutr: false,
  inboundConnectionThreshold: 100, gossipRate: { identity: { quota: 100, windowMs: 30_000 } }, registry
}
const cores: MeshCore[] = []
after(async () => { for (const c of cores) await c.stop() })

async function node (i: number, republishMs: number): Promise<MeshCore> {
  const c = new MeshCore({ ...base, identityRepublishMs: republishMs })
  cores.push(c)
  const info = await c.start()
  c.setIdentity(identity(hotkey(i), NETUID, info.peerIdBytes))
  return c
}

async function learns (c: MeshCore, peerId: string, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until;) {
    if (c.hotkeyOf(peerId, NETUID) != null) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

for (const republishMs of [0, 1000]) {
  test(`a late joiner two hops away ${republishMs > 0 ? 'learns' : 'never learns'} a binding (identityRepublishMs ${republishMs})`, async () => {
    await ready()
    const a = await node(0, republishMs)
    const b = await node(1, republishMs)
    await b.dial(a.info().multiaddrs[0])
    assert.ok(await learns(b, a.info().peerId, 10_000), 'B binds A')
    // Past gossipsub's message cache (5 heartbeats of 700 ms), so B cannot offer A's old binding by IHAVE.
    await new Promise((resolve) => setTimeout(resolve, 4000))
    const c = await node(2, republishMs)
    await c.dial(b.info().multiaddrs[0])
    assert.ok(await learns(c, b.info().peerId, 10_000), 'C binds its neighbour B')
    assert.equal(await learns(c, a.info().peerId, 4000), republishMs > 0, 'C binds A only if A republishes')
  })
}
