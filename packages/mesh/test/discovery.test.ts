/**
 * Kademlia rendezvous: four peers that each know only peer 0 find the other peers of their subnet
 * through the DHT (provide + findProviders on the subnet's key) and connect to them.
 * Registry: a static set of hotkeys (a stand-in for the chain, for tests only).
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { MeshCore } from '../src/core.ts'
import { StaticHotkeyRegistry } from '../src/registry.ts'

const NETUID = 11
const registry = new StaticHotkeyRegistry()
const cores = Array.from({ length: 4 }, () => new MeshCore({
  registry, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: true, dhtAllowPrivate: true, autoNat: false, inboundConnectionThreshold: 100
}))

after(async () => { for (const c of cores) await c.stop() })

test('peers that share only a bootstrap peer find each other through the DHT', async () => {
  for (const c of cores) await c.start()
  for (const c of cores.slice(1)) await c.dial(cores[0].info().multiaddrs[0])
  const [, a, b, c] = cores
  assert.equal(c.connections().length, 1, 'only the bootstrap peer at first')
  // Let identify tell everyone that peer 0 speaks the DHT protocol, then join: provide and look up.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  for (const x of [a, b]) x.joinSubnet(NETUID)
  await Promise.all([a, b].map(async (x) => await x.discoverSubnet(NETUID)))
  c.joinSubnet(NETUID)
  // The lookup walks the DHT through peer 0, which dials the providers (or discoverSubnet does).
  await c.discoverSubnet(NETUID)
  const conns = c.connections()
  for (const x of [a, b]) assert.ok(conns.includes(x.info().peerId), 'connected to a subnet peer it was never told about')
})
