// Mesh latency and throughput on loopback, 4 processes (1 publisher/requester, 3 receivers/servers):
//  - gossip: a 1 MB gradient to 3 peers, through the full stack (MeshClient -> worker thread -> wire
//    encode -> gossipsub -> validation queue + identity/round/rate checks + wire decode -> worker -> main
//    thread event), beside a bare libp2p gossipsub publisher (same transports, StrictSign, D=4, no
//    validator, in the processes' main threads);
//  - request/response: fetch a 1 MB gradient by hash (MeshClient.fetchGradient, sha256-checked),
//    beside a bare libp2p request for 1 MB over the same transports.
// Latency = receive time - send time, wall clock of one machine. Prints p50/p95 and ratios; never fails.
// Run: npx node bench/mesh-latency.bench.ts   (MESH_BENCH_N=40 for more samples)
import { fork } from 'node:child_process'
import { lpStream } from '@libp2p/utils'
import { MeshClient } from '../packages/mesh/src/client.ts'
import { createMeshNode } from '../packages/mesh/src/node.ts'
import { StaticHotkeyRegistry } from '../packages/mesh/src/registry.ts'
import { gradient, hotkey, identity, ready } from '../packages/mesh/test/fixtures/messages.ts'
import type { ChildProcess } from 'node:child_process'
import type { MeshLibp2p } from '../packages/mesh/src/node.ts'

const NETUID = 1
const PEERS = 4
const N = Number(process.env.MESH_BENCH_N ?? 20)
const PARAMS = 262_000 // dense f32: 1,048,000 B of values, 1,048,132 B encoded (just under 1 MiB)
const BARE_TOPIC = '/bench/bare/1'
const BARE_PROTO = '/bench/bare-req/1'
const BARE_BYTES = 1_048_132
const now = (): number => performance.timeOrigin + performance.now()

// ---------------------------------------------------------------- child: one peer, mesh + bare node
async function child (): Promise<void> {
  await ready()
  let mesh: MeshClient
  let bare: MeshLibp2p
  let me = 0
  const receipts: Array<{ kind: string, seed: number, t: number }> = []
  const payload = new Uint8Array(BARE_BYTES).map((_, i) => i & 0xff)
  const send = (m: unknown): void => { process.send?.(m) }
  const cmds: Record<string, (a: any) => Promise<unknown>> = {
    start: async (a: { index: number }) => {
      me = a.index
      const registry = new StaticHotkeyRegistry({ [NETUID]: Array.from({ length: PEERS }, (_, i) => hotkey(i).publicKey) })
      mesh = new MeshClient({
        netuids: [NETUID], registry, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, autoNat: false, dcutr: false,
        inboundConnectionThreshold: 100, scoring: { ipColocationThreshold: 64 }, gossipRate: { gradient: { quota: 10_000, windowMs: 1000 } }
      })
      mesh.events.on('gradient:received', (g) => { receipts.push({ kind: 'mesh', seed: g.message.assignmentSeed, t: now() }) })
      const info = await mesh.start()
      await mesh.setIdentity(identity(hotkey(me), NETUID, info.peerIdBytes))
      bare = await createMeshNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, autoNat: false, dcutr: false, inboundConnectionThreshold: 100, gossip: { maxInboundDataLength: 4 << 20 } })
      bare.services.pubsub.addEventListener('message', (e) => {
        if (e.detail.topic === BARE_TOPIC) receipts.push({ kind: 'bare', seed: new DataView(e.detail.data.buffer, e.detail.data.byteOffset).getUint32(0), t: now() })
      })
      await bare.handle(BARE_PROTO, async (stream) => {
        const lp = lpStream(stream, { maxDataLength: 2 << 20 })
        await lp.read()
        await lp.write(payload)
        await stream.close()
      })
      await bare.start()
      bare.services.pubsub.subscribe(BARE_TOPIC)
      return { mesh: info.multiaddrs[0], meshId: info.peerId, bare: bare.getMultiaddrs()[0].toString(), bareId: bare.peerId.toString() }
    },
    connect: async (a: { mesh: string[], bare: string[] }) => {
      for (const m of a.mesh) await mesh.dial(m)
      for (const b of a.bare) await bare.dial((await import('@multiformats/multiaddr')).multiaddr(b))
    },
    bound: async () => (await mesh.peers()).filter((p) => p.hotkeys[NETUID] != null).length,
    bareSubscribers: async () => bare.services.pubsub.getSubscribers(BARE_TOPIC).length,
    publishMesh: async (a: { seed: number }) => {
      const g = gradient(hotkey(me), NETUID, 1, PARAMS, a.seed)
      const t = now()
      const r = await mesh.publishGradient(g)
      return { t, hash: r.hash, bytes: r.bytes }
    },
    publishBare: async (a: { seed: number }) => {
      const data = new Uint8Array(payload)
      new DataView(data.buffer).setUint32(0, a.seed)
      const t = now()
      await bare.services.pubsub.publish(BARE_TOPIC, data)
      return { t }
    },
    fetchMesh: async (a: { hash: string, from: string }) => {
      const t = now()
      const g = await mesh.fetchGradient(a.hash, [a.from])
      return { ms: now() - t, bytes: g.bytes }
    },
    fetchBare: async (a: { peer: string }) => {
      const { peerIdFromString } = await import('@libp2p/peer-id')
      const t = now()
      const stream = await bare.dialProtocol(peerIdFromString(a.peer), BARE_PROTO)
      const lp = lpStream(stream, { maxDataLength: 2 << 20 })
      await lp.write(new Uint8Array(32))
      const r = await lp.read()
      await stream.close()
      return { ms: now() - t, bytes: r.byteLength }
    },
    receipts: async () => receipts.splice(0),
    stop: async () => {
      await mesh.stop()
      await bare.stop()
      setImmediate(() => process.exit(0))
    }
  }
  process.on('message', (m: { id: number, cmd: string, args: unknown }) => {
    cmds[m.cmd](m.args).then((result) => { send({ id: m.id, result }) }, (err: Error) => { send({ id: m.id, error: err.message }) })
  })
  process.on('disconnect', () => process.exit(0))
}

// ---------------------------------------------------------------- parent: orchestration and figures
class Peer {
  readonly proc: ChildProcess
  private id = 1
  private readonly pending = new Map<number, (m: any) => void>()
  constructor () {
    this.proc = fork(new URL(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
    this.proc.on('message', (m: any) => { this.pending.get(m.id)?.(m); this.pending.delete(m.id) })
  }

  async call<T = any> (cmd: string, args: unknown = {}): Promise<T> {
    const id = this.id++
    return await new Promise((resolve, reject) => {
      this.pending.set(id, (m) => { if (m.error != null) reject(new Error(m.error)); else resolve(m.result) })
      this.proc.send({ id, cmd, args })
    })
  }
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))
function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const fmt = (x: number): string => x.toFixed(1).padStart(7)

async function until (check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) { if (await check()) return; await sleep(100) }
  throw new Error(`timed out: ${what}`)
}

async function gossipRound (peers: Peer[], kind: 'mesh' | 'bare', seed: number): Promise<{ lat: number[], all: number, hash?: string }> {
  const r = await peers[0].call(kind === 'mesh' ? 'publishMesh' : 'publishBare', { seed })
  const lat: number[] = []
  let last = 0
  for (const p of peers.slice(1)) {
    let got: { t: number } | undefined
    for (let i = 0; i < 500 && got == null; i++) {
      const rs: Array<{ kind: string, seed: number, t: number }> = await p.call('receipts')
      got = rs.find((x) => x.kind === kind && x.seed === seed)
      if (got == null) await sleep(5)
    }
    if (got == null) throw new Error(`${kind} message ${seed} not received`)
    lat.push(got.t - r.t)
    last = Math.max(last, got.t - r.t)
  }
  return { lat, all: last, hash: r.hash }
}

async function parent (): Promise<void> {
  const peers = Array.from({ length: PEERS }, () => new Peer())
  const kill = (): void => { for (const p of peers) p.proc.kill('SIGKILL') }
  process.on('exit', kill)
  try {
    const infos = await Promise.all(peers.map(async (p, i) => await p.call('start', { index: i })))
    // Full mesh among the 4 peers, for both stacks.
    for (let i = 1; i < PEERS; i++) await peers[i].call('connect', { mesh: infos.slice(0, i).map((x) => x.mesh), bare: infos.slice(0, i).map((x) => x.bare) })
    for (const p of peers) await until(async () => (await p.call('bound')) === PEERS - 1, 'identity bindings')
    for (const p of peers) await until(async () => (await p.call('bareSubscribers')) === PEERS - 1, 'bare subscriptions')
    await sleep(1500) // let the gossipsub meshes form (heartbeat 700 ms)

    const res = { mesh: [] as number[], bare: [] as number[], meshAll: [] as number[], bareAll: [] as number[], rrMesh: [] as number[], rrBare: [] as number[] }
    const hashes: string[] = []
    // Warm-up, then alternate the two stacks so drift hits both alike.
    for (let i = 0; i < 3; i++) { await gossipRound(peers, 'mesh', 9000 + i); await gossipRound(peers, 'bare', 9000 + i) }
    for (let i = 0; i < N; i++) {
      const m = await gossipRound(peers, 'mesh', i)
      res.mesh.push(...m.lat); res.meshAll.push(m.all); hashes.push(m.hash!)
      const b = await gossipRound(peers, 'bare', i)
      res.bare.push(...b.lat); res.bareAll.push(b.all)
    }
    for (let i = 0; i < 3; i++) { await peers[1].call('fetchMesh', { hash: hashes[i], from: infos[0].meshId }); await peers[1].call('fetchBare', { peer: infos[0].bareId }) }
    for (let i = 0; i < N; i++) {
      res.rrMesh.push((await peers[1 + (i % 3)].call('fetchMesh', { hash: hashes[i], from: infos[0].meshId })).ms)
      res.rrBare.push((await peers[1 + (i % 3)].call('fetchBare', { peer: infos[0].bareId })).ms)
    }

    const MB = 1_048_132 / 1e6
    console.log(`mesh-latency: ${PEERS} processes on loopback, ${N} samples each, 1 MB = ${MB.toFixed(3)} MB payload (mesh: wire-encoded gradient)`)
    console.log('                                     p50 ms  p95 ms   MB/s(p50)  ratio p50 (mesh/bare)')
    const row = (name: string, xs: number[], mbs: number, base?: number[]): void => {
      const ratio = base == null ? '' : `   ${(pct(xs, 50) / pct(base, 50)).toFixed(2)}x`
      console.log(`${name.padEnd(36)} ${fmt(pct(xs, 50))} ${fmt(pct(xs, 95))}  ${fmt(mbs / (pct(xs, 50) / 1000))}${ratio}`)
    }
    row('gossip bare, per receiver', res.bare, MB)
    row('gossip mesh, per receiver', res.mesh, MB, res.bare)
    row('gossip bare, all 3 received', res.bareAll, 3 * MB)
    row('gossip mesh, all 3 received', res.meshAll, 3 * MB, res.bareAll)
    row('req/resp bare, 1 MB', res.rrBare, MB)
    row('req/resp mesh, 1 MB by hash', res.rrMesh, MB, res.rrBare)
    console.log('(MB/s column: payload bytes delivered / p50 latency; "all 3": 3 MB delivered per publish.)')
  } finally {
    await Promise.all(peers.map(async (p) => await p.call('stop').catch(() => {})))
    await sleep(200)
    kill()
  }
}

if (process.argv.includes('--child')) await child()
else await parent()
