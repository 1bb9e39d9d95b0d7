/**
 * NAT traversal with real address translation, on one machine: Linux network namespaces joined by
 * veth pairs, with iptables MASQUERADE routers. Needs root, `ip` and `iptables` (Debian: iproute2,
 * iptables); skips with a reason otherwise.
 *
 *   pub ns ("the Internet", bridge 7.77.0.0/24)    relay + bootstrap peer P at 7.77.0.1
 *     ├── r1 ns: WAN 7.77.0.2, LAN 10.77.1.1, MASQUERADE ── h1 ns: home peer H1 at 10.77.1.2
 *     └── r2 ns: WAN 7.77.0.3, LAN 10.77.2.1, MASQUERADE ── h2 ns: home peer H2 at 10.77.2.2
 *
 * The "Internet" range is deliberately not a private one (libp2p's AutoNAT and DCUtR ignore private
 * addresses, so a 10.x WAN would never exercise them); it exists only inside these namespaces, which
 * have no link to the host's interfaces. Home peers can dial out; nothing can dial in (the routers
 * forward only established/related traffic from the WAN side and have no port forwarding).
 *
 * Checks: P sees each home peer at its router's WAN address and cannot open a TCP connection to
 * either home (LAN or WAN side); H1 and H2 get circuit relay v2 reservations on P; H1 reaches H2 only through the relay
 * (a limited connection); gradients gossip H1 → H2, H2 → H1 and both → P (gossip runs on the direct
 * outbound connections to P, never on the limited one). What DCUtR and AutoNAT did is printed
 * (from libp2p's own debug log), not asserted: see the README's NAT section for why.
 * The hotkey registry is a static set (a stand-in for the chain's metagraph, for tests only).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { waitFor } from '../packages/mesh/test/fixtures/cluster.ts'
import type { NatPeerInit } from '../packages/mesh/test/fixtures/nat-peer.ts'

const NETUID = 5
const REGISTERED = [0, 1, 2]
const PEER = new URL('../packages/mesh/test/fixtures/nat-peer.ts', import.meta.url).pathname
const tag = `tm${process.pid}`
const ns = { pub: `${tag}-pub`, r1: `${tag}-r1`, r2: `${tag}-r2`, h1: `${tag}-h1`, h2: `${tag}-h2` }
const live = new Set<ChildProcess>()
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); teardown() })

function sh (args: string[], allowFail = false): string {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8' })
  if (r.status !== 0 && !allowFail) throw new Error(`${args.join(' ')}: ${r.stderr ?? r.error?.message}`)
  return r.stdout ?? ''
}
const inNs = (name: string, ...args: string[]): string => sh(['ip', 'netns', 'exec', name, ...args])

/** Why this machine cannot run the test, or null. */
function cannotRun (): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'needs root (ip netns, iptables)'
  for (const tool of ['ip', 'iptables']) {
    if (spawnSync(tool, ['-V']).error != null) return `\`${tool}\` is missing (apt-get install iproute2 iptables)`
  }
  // Root in a container may still lack the rights for namespaces or netfilter: try both once.
  const probe = `${tag}-probe`
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' })
  if (made.status !== 0) return `cannot create a network namespace: ${made.stderr.trim()}`
  const nat = spawnSync('ip', ['netns', 'exec', probe, 'iptables', '-t', 'nat', '-L', '-n'], { encoding: 'utf8' })
  spawnSync('ip', ['netns', 'del', probe])
  if (nat.status !== 0) return `iptables cannot use the nat table: ${nat.stderr.trim()}`
  return null
}

function veth (a: string, aNs: string, b: string, bNs: string): void {
  sh(['ip', 'link', 'add', a, 'netns', aNs, 'type', 'veth', 'peer', 'name', b, 'netns', bNs])
}

function setup (): void {
  for (const n of Object.values(ns)) sh(['ip', 'netns', 'add', n])
  for (const n of Object.values(ns)) inNs(n, 'ip', 'link', 'set', 'lo', 'up')
  inNs(ns.pub, 'ip', 'link', 'add', 'br0', 'type', 'bridge')
  inNs(ns.pub, 'ip', 'addr', 'add', '7.77.0.1/24', 'dev', 'br0')
  inNs(ns.pub, 'ip', 'link', 'set', 'br0', 'up')
  const homes = [[ns.r1, ns.h1, 1], [ns.r2, ns.h2, 2]] as const
  for (const [r, h, i] of homes) {
    veth(`${tag}w${i}`, ns.pub, 'wan', r)
    inNs(ns.pub, 'ip', 'link', 'set', `${tag}w${i}`, 'master', 'br0', 'up')
    veth('lan', r, 'eth0', h)
    inNs(r, 'ip', 'addr', 'add', `7.77.0.${i + 1}/24`, 'dev', 'wan')
    inNs(r, 'ip', 'addr', 'add', `10.77.${i}.1/24`, 'dev', 'lan')
    inNs(r, 'ip', 'link', 'set', 'wan', 'up')
    inNs(r, 'ip', 'link', 'set', 'lan', 'up')
    inNs(r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
    inNs(r, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE')
    inNs(r, 'iptables', '-A', 'FORWARD', '-i', 'lan', '-o', 'wan', '-j', 'ACCEPT')
    inNs(r, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT')
    inNs(r, 'iptables', '-P', 'FORWARD', 'DROP')
    inNs(h, 'ip', 'addr', 'add', `10.77.${i}.2/24`, 'dev', 'eth0')
    inNs(h, 'ip', 'link', 'set', 'eth0', 'up')
    inNs(h, 'ip', 'route', 'add', 'default', 'via', `10.77.${i}.1`)
  }
}

/** Whether a TCP connection from namespace `from` to addr:port is accepted (bash's /dev/tcp, 2 s). */
function tcpOpen (from: string, addr: string, port: number): boolean {
  return spawnSync('ip', ['netns', 'exec', from, 'timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${addr}/${port}`]).status === 0
}

function teardown (): void {
  for (const n of Object.values(ns)) spawnSync('ip', ['netns', 'del', n])
}

/** A mesh peer process inside a namespace, driven over IPC (fixtures/nat-peer.ts). */
class NsPeer {
  readonly child: ChildProcess
  readonly events: Array<{ event: string, detail: any }> = []
  /** libp2p debug lines from DCUtR and AutoNAT. */
  readonly log: string[] = []
  readonly exited: Promise<void>
  private readonly pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  private nextId = 1
  info: { peerId: string, multiaddrs: string[] } = { peerId: '', multiaddrs: [] }

  readonly name: string

  constructor (name: string, netns: string) {
    this.name = name
    this.child = spawn('ip', ['netns', 'exec', netns, process.execPath, PEER], {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, DEBUG: 'libp2p:dcutr*,libp2p:auto-nat*' }
    })
    live.add(this.child)
    let rest = ''
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      const lines = (rest + d).split('\n')
      rest = lines.pop() ?? ''
      // Keep DCUtR/AutoNAT debug lines for the report; pass other first lines through, not stack traces.
      for (const l of lines) {
        if (/dcutr|auto-nat/.test(l)) this.log.push(l.replace(/^\S+ /, ''))
        else if (l.trim() !== '' && !/^\s/.test(l)) process.stderr.write(`[${name}] ${l}\n`)
      }
    })
    this.exited = new Promise((resolve) => {
      this.child.on('exit', () => {
        live.delete(this.child)
        for (const p of this.pending.values()) p.reject(new Error(`${name} exited`))
        this.pending.clear()
        resolve()
      })
    })
    this.child.on('message', (m: any) => {
      if (m.event != null) { this.events.push(m); return }
      const p = this.pending.get(m.id)
      this.pending.delete(m.id)
      if (m.error != null) p?.reject(new Error(`${name}: ${m.error.message as string}`))
      else p?.resolve(m.result)
    })
  }

  async call<T = any> (cmd: string, args: unknown = {}): Promise<T> {
    const id = this.nextId++
    return await new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.child.send({ id, cmd, args })
    })
  }

  async start (init: NatPeerInit): Promise<void> { this.info = await this.call('start', init) }

  received (from: string, seed: number): boolean {
    return this.events.some((e) => e.event === 'gradient:received' && e.detail.from === from && e.detail.seed === seed)
  }

  async stop (): Promise<void> {
    const t = setTimeout(() => { this.child.kill('SIGKILL') }, 3000)
    await this.call('stop').catch(() => {})
    await this.exited
    clearTimeout(t)
  }
}

const OPTIONS = {
  autoNat: true,
  dcutr: true,
  bindingWaitMs: 3000,
  // H1 and H2 share no gossip connection: H2, joining later, learns H1's binding only from P's
  // forwarding of a republished identity, so republish often (and let the identity rate limit allow it).
  identityRepublishMs: 2000,
  gossipRate: { identity: { quota: 100, windowMs: 30_000 } }
}

test('peers behind two MASQUERADE NATs join through a circuit relay v2 and gossip', { timeout: 90_000 }, async (t) => {
  const why = cannotRun()
  if (why != null) { t.skip(why); return }
  const peers: NsPeer[] = []
  try {
    setup()
    const pub = new NsPeer('P', ns.pub)
    const h1 = new NsPeer('H1', ns.h1)
    const h2 = new NsPeer('H2', ns.h2)
    peers.push(pub, h1, h2)
    const base = { netuid: NETUID, registered: REGISTERED }
    await pub.start({ ...base, hotkey: 0, dial: [], options: { ...OPTIONS, listen: ['/ip4/7.77.0.1/tcp/4001'], announce: ['/ip4/7.77.0.1/tcp/4001'], relayServer: true } })
    const relayAddr = `/ip4/7.77.0.1/tcp/4001/p2p/${pub.info.peerId}`
    // A home peer listens on its LAN address (which nobody outside can reach) and on /p2p-circuit.
    const bound = async (p: NsPeer, others: NsPeer[]): Promise<void> => {
      await waitFor(`${p.name} binds ${others.map((o) => o.name).join(',')}`, async () => {
        const list: Array<{ peerId: string, hotkeys: Record<number, string> }> = await p.call('peers')
        return others.every((o) => list.some((x) => x.peerId === o.info.peerId && x.hotkeys[NETUID] != null))
      }, 20_000)
    }
    const home = async (h: NsPeer, i: number): Promise<void> => {
      await h.start({ ...base, hotkey: i, dial: [relayAddr], options: { ...OPTIONS, listen: [`/ip4/10.77.${i}.2/tcp/4001`, '/p2p-circuit'] } })
    }
    // H2 joins only after H1's binding has gone round: H2 must still learn it (identity republishing).
    await home(h1, 1)
    await bound(pub, [h1])
    await home(h2, 2)

    // NAT is real: P sees each home peer at its router's WAN address, never at 10.77.x.x ...
    for (const [h, wan] of [[h1, '7.77.0.2'], [h2, '7.77.0.3']] as const) {
      await waitFor(`P sees ${h.name} from ${wan}`, async () => {
        const c = (await pub.call('info')).connections.filter((x: any) => x.peerId === h.info.peerId)
        return c.length > 0 && c.every((x: any) => x.addr.startsWith(`/ip4/${wan}/tcp/`) && x.direction === 'inbound')
      }, 10_000)
    }
    // ... and neither the home peer's LAN address nor its router's WAN address accepts a connection from outside.
    for (const addr of ['10.77.1.2', '7.77.0.2', '10.77.2.2', '7.77.0.3']) {
      assert.ok(!tcpOpen(ns.pub, addr, 4001), `${addr}:4001 is not reachable from the public side`)
    }
    assert.ok(tcpOpen(ns.h2, '7.77.0.1', 4001), 'the probe itself works: P is reachable from a home')

    // Reservations: each home peer advertises a circuit address through P.
    const circuit = async (h: NsPeer): Promise<string> => await waitFor(`${h.name} reservation`, async () => {
      const i = await h.call('info')
      return (i.multiaddrs as string[]).find((a) => a.includes(`/p2p/${pub.info.peerId}/p2p-circuit`))
    }, 20_000)
    const [c1, c2] = await Promise.all([circuit(h1), circuit(h2)])
    assert.ok(c1.startsWith('/ip4/7.77.0.1/') && c2.startsWith('/ip4/7.77.0.1/'), `circuit addresses via P: ${c1} ${c2}`)

    // H1 reaches H2 through the relay.
    assert.equal(await h1.call('dial', { addr: c2 }), h2.info.peerId)
    const h1Conns = (await h1.call('info')).connections.filter((x: any) => x.peerId === h2.info.peerId)
    assert.ok(h1Conns.some((x: any) => x.limited && x.addr.includes('/p2p-circuit')), `H1→H2 is relayed: ${JSON.stringify(h1Conns)}`)

    // Gossip: identities and gradients flow through P (the limited H1–H2 connection carries no gossip).
    await Promise.all([bound(pub, [h1, h2]), bound(h1, [h2]), bound(h2, [h1])])
    await h1.call('publishGradient', { round: 1, seed: 11 })
    await h2.call('publishGradient', { round: 1, seed: 22 })
    await waitFor('H1 gradient at H2 and P', () => h2.received(h1.info.peerId, 11) && pub.received(h1.info.peerId, 11), 20_000)
    await waitFor('H2 gradient at H1 and P', () => h1.received(h2.info.peerId, 22) && pub.received(h2.info.peerId, 22), 20_000)

    // DCUtR: give it a few seconds, then report what it did and which H1–H2 connections exist.
    await new Promise((resolve) => setTimeout(resolve, 4000))
    const after = (await h1.call('info')).connections.filter((x: any) => x.peerId === h2.info.peerId)
    const direct = after.filter((x: any) => !x.limited)
    t.diagnostic(`H1–H2 connections after DCUtR: ${JSON.stringify(after)}`)
    t.diagnostic(`direct H1–H2 connection: ${direct.length > 0 ? 'yes' : 'no'}`)
    for (const p of peers) {
      const info = await p.call('info')
      t.diagnostic(`${p.name} addresses: ${JSON.stringify(info.multiaddrs)}`)
      // Each DCUtR/AutoNAT line once, with how often it was logged.
      const counts = new Map<string, number>()
      for (const l of p.log) counts.set(l, (counts.get(l) ?? 0) + 1)
      for (const [l, n] of counts) t.diagnostic(`${p.name} ${n}× ${l}`)
    }
  } finally {
    await Promise.all(peers.map(async (p) => { await p.stop() }))
    teardown()
  }
})
