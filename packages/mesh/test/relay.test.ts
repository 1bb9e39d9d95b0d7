/**
 * NAT traversal, the part that can be exercised on one machine without a NAT: a peer with no
 * dialable address (it listens only on `/p2p-circuit`, as a peer behind NAT does) takes a circuit
 * relay v2 reservation on a relay, and another peer reaches it through the relay. The relayed
 * connection is "limited", so only protocols marked for limited connections (status) run on it.
 * Registry: a static set of hotkeys (a stand-in for the chain, for tests only).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { MeshCore } from '../src/core.ts'
import { StaticHotkeyRegistry } from '../src/registry.ts'
import { hotkey, ready } from './fixtures/messages.ts'
import type { StatusMessage } from '@tensormesh/wire'

const NETUID = 7
const base = { netuids: [NETUID], mdns: false, dht: false, autoNat: false, inboundConnectionThreshold: 100 }
const registry = new StaticHotkeyRegistry({ [NETUID]: [hotkey(0).publicKey] })
const relay = new MeshCore({ ...base, registry, listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: true })
const natted = new MeshCore({ ...base, registry, listen: ['/p2p-circuit'] })
const outside = new MeshCore({ ...base, registry, listen: ['/ip4/127.0.0.1/tcp/0'] })

function status (i: number): StatusMessage {
  return { netuid: NETUID, round: 5 + i, modelHash: new Uint8Array(32).fill(i), roles: ['miner'], hotkey: hotkey(i).publicKey, softwareVersion: 'test' }
}

before(async () => {
  await ready()
  for (const c of [relay, natted, outside]) await c.start()
})
after(async () => {
  for (const c of [outside, natted, relay]) await c.stop()
})

test('a peer without a dialable address is reachable through a circuit relay v2 reservation', async () => {
  assert.deepEqual(natted.info().multiaddrs, [], 'no direct address to dial')
  await natted.dial(relay.info().multiaddrs[0])
  // The reservation shows up as a /p2p-circuit address of the relay.
  let circuit: string | undefined
  for (let i = 0; i < 100 && circuit == null; i++) {
    circuit = natted.info().multiaddrs.find((a) => a.includes('/p2p-circuit'))
    if (circuit == null) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.ok(circuit != null, 'reservation obtained')
  assert.ok(circuit.startsWith(relay.info().multiaddrs[0]), 'via our relay')

  const remote = await outside.dial(circuit)
  assert.equal(remote, natted.info().peerId)
  const conns = outside.libp2p.getConnections(natted.libp2p.peerId)
  assert.ok(conns.length > 0 && conns.every((c) => c.limits != null), 'the connection is relayed (limited)')

  natted.setStatus(status(1))
  outside.setStatus(status(2))
  const theirs = await outside.requestStatus(natted.info().peerId, NETUID)
  assert.equal(theirs.round, 6, 'status runs over the limited connection')
})
