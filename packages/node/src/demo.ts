/**
 * `tensormesh demo`: the embedded, offline default. Starts the devnet (Chopsticks, in this process), funds one
 * development hotkey per peer, spawns the peers as separate processes (`tensormesh start`) on loopback — validators,
 * honest miners and adversaries (a free-rider and a poisoner) — connects them, and shows a live view of rounds,
 * per-miner scores and ranks, anchors and the consensus. Ctrl-C stops every peer, then the devnet.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ConsensusView, MinerScore, PeerEventName, PeerEvents } from './api-types.ts'
import { defaultDataDir, type Behaviour, type PartialConfig, type Role } from './config.ts'
import { NodeError } from './errors.ts'
import { readJson, writeJsonAtomic } from './persist.ts'
import { devPair } from './wallet.ts'

export interface DemoPeerSpec { name: string, role: Role, behaviour: Behaviour, stake: bigint }

export interface DemoOptions {
  dataDir: string
  /** Rounds each peer runs (0: until Ctrl-C). */
  rounds: number
  validators: number
  miners: number
  freeRiders: number
  poisoners: number
  blockMs: number
  blocksPerRound: number
  roundsPerEpoch: number
  /** Start over even when the previous demo could be resumed. */
  fresh: boolean
  logLevel: string
  /** Print JSON lines of events instead of the live view (tests, CI). */
  json: boolean
  /** Training work per miner per round. */
  train?: { samples: number, steps: number }
  /** Largest encoded update per gossip message, for every peer (default: the protocol's limit; tests lower it to split updates). */
  maxMessageBytes?: number
  /** Renders the live view (default: to stdout). */
  out?: NodeJS.WriteStream
}

const int = (v: unknown, name: string, dflt: number, min: number, max: number): number => {
  if (v === undefined) return dflt
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new NodeError('BAD_FLAG', `--${name} must be an integer in [${min}, ${max}] (got ${JSON.stringify(v)})`)
  return n
}

export function demoOptionsFromFlags (v: Record<string, unknown>): DemoOptions {
  return {
    dataDir: typeof v['data-dir'] === 'string' ? v['data-dir'] : join(defaultDataDir(), 'demo'),
    rounds: int(v.rounds, 'rounds', 0, 0, 1_000_000),
    validators: int(v.validators, 'validators', 2, 1, 8),
    miners: int(v.miners, 'miners', 3, 1, 16),
    freeRiders: int(v['free-riders'], 'free-riders', 1, 0, 8),
    poisoners: int(v.poisoners, 'poisoners', 1, 0, 8),
    blockMs: int(v['block-ms'], 'block-ms', 2000, 200, 60_000),
    blocksPerRound: int(v['blocks-per-round'], 'blocks-per-round', 6, 2, 10_000),
    roundsPerEpoch: int(v['rounds-per-epoch'], 'rounds-per-epoch', 3, 1, 1000),
    fresh: v.fresh === true,
    logLevel: typeof v['log-level'] === 'string' ? v['log-level'] : 'warn',
    json: v.json === true,
  }
}

export function demoPeers (o: Pick<DemoOptions, 'validators' | 'miners' | 'freeRiders' | 'poisoners'>): DemoPeerSpec[] {
  const out: DemoPeerSpec[] = []
  // Distinct validator stakes make the leader (highest stake) unique; miners hold dust for fees only.
  for (let i = 0; i < o.validators; i++) out.push({ name: `validator-${i + 1}`, role: 'validator', behaviour: 'honest', stake: 10n ** 18n * BigInt(o.validators - i + 1) })
  for (let i = 0; i < o.miners; i++) out.push({ name: `miner-${i + 1}`, role: 'miner', behaviour: 'honest', stake: 10n ** 13n })
  for (let i = 0; i < o.freeRiders; i++) out.push({ name: `free-rider-${i + 1}`, role: 'miner', behaviour: 'free-rider', stake: 10n ** 13n })
  for (let i = 0; i < o.poisoners; i++) out.push({ name: `poisoner-${i + 1}`, role: 'miner', behaviour: 'poisoner', stake: 10n ** 13n })
  return out
}

export interface DemoChild {
  spec: DemoPeerSpec
  uid: number
  hotkey: string
  dataDir: string
  proc: ChildProcess | null
  peerId: string | null
  multiaddrs: string[]
  api: { url: string, token: string } | null
  exited: Promise<number | null>
}

type EventSink = <N extends PeerEventName>(child: DemoChild, name: N, data: PeerEvents[N]) => void

export interface Demo {
  devnet: DevnetHandle
  children: DemoChild[]
  members: string[]
  genesisBlock: number
  /** Subscribe to every peer's events. */
  onEvent (fn: EventSink): () => void
  /** Starts (or restarts) one peer process and connects it to the others. */
  startPeer (child: DemoChild): Promise<void>
  /** Kills a peer process hard (SIGKILL), as a crash would. */
  kill (child: DemoChild): Promise<void>
  stop (): Promise<void>
}

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url))
const DEVNET = fileURLToPath(new URL('./devnet-process.ts', import.meta.url))

/** The devnet as the demo sees it: in a child process (see devnet-process.ts). */
export interface DevnetHandle { endpoint: string, head (): number, stop (): Promise<void>, proc: ChildProcess }

export async function spawnDevnet (dataDir: string, accounts: Array<{ address: string, free: bigint }>, blockTimeMs: number): Promise<DevnetHandle> {
  const proc = fork(DEVNET, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  let head = 0
  const exited = new Promise<void>((resolve) => { proc.once('exit', () => { resolve() }) })
  const endpoint = await new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => { reject(new NodeError('CHAIN_UNREACHABLE', `the devnet process exited with code ${code} before it was ready`)) })
    proc.on('message', (m: { type: string, endpoint?: string, head?: number, message?: string }) => {
      if (m.head !== undefined) head = m.head
      if (m.type === 'ready') resolve(m.endpoint!)
      if (m.type === 'error') reject(new NodeError('CHAIN_UNREACHABLE', `devnet failed to start: ${m.message ?? ''}`))
    })
    proc.send({ type: 'start', dataDir, accounts: accounts.map((a) => ({ address: a.address, free: a.free.toString() })), blockTimeMs })
  })
  return {
    endpoint,
    proc,
    head: () => head,
    async stop () {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.send({ type: 'stop' }, undefined, {}, () => {})
      const t = setTimeout(() => { proc.kill('SIGKILL') }, 12_000)
      await exited
      clearTimeout(t)
    },
  }
}

/** Sets the demo up: devnet, keys, configs, processes. The caller renders or tests. */
export async function startDemo (o: DemoOptions): Promise<Demo> {
  const specs = demoPeers(o)
  const pairs = await Promise.all(specs.map((s) => devPair(`//tensormesh-demo/${s.name}`)))
  const members = pairs.map((p) => p.address)
  // A rerun resumes the same subnet (devnet database, round numbering, scores, anchors journal) when the roster and
  // round settings are unchanged; otherwise it starts over.
  const metaPath = join(o.dataDir, 'demo.json')
  const roster = { members, blocksPerRound: o.blocksPerRound, roundsPerEpoch: o.roundsPerEpoch }
  const meta = readJson<{ roster: typeof roster, genesisBlock: number } | null>(metaPath, null)
  const resume = !o.fresh && meta !== null && JSON.stringify(meta.roster) === JSON.stringify(roster) && existsSync(join(o.dataDir, 'devnet', 'devnet.sqlite'))
  if (!resume) rmSync(o.dataDir, { recursive: true, force: true })
  mkdirSync(o.dataDir, { recursive: true })
  const devnet = await spawnDevnet(join(o.dataDir, 'devnet'), pairs.map((p, i) => ({ address: p.address, free: specs[i].stake })), o.blockMs)
  // Round 0 begins a few blocks from now so every peer is up before it.
  const startupBlocks = Math.ceil(25_000 / o.blockMs)
  const genesisBlock = resume ? meta.genesisBlock : devnet.head() + startupBlocks
  if (!resume) writeJsonAtomic(metaPath, { roster, genesisBlock })
  // --rounds counts from now: peers stop after the same absolute round.
  const firstRound = Math.max(0, Math.floor((devnet.head() + startupBlocks - genesisBlock) / o.blocksPerRound))
  const sinks = new Set<EventSink>()
  const children: DemoChild[] = specs.map((spec, uid) => ({ spec, uid, hotkey: members[uid], dataDir: join(o.dataDir, spec.name), proc: null, peerId: null, multiaddrs: [], api: null, exited: Promise.resolve(null) }))
  for (const c of children) {
    const cfg: PartialConfig = {
      role: c.spec.role, behaviour: c.spec.behaviour, network: 'devnet', chain: devnet.endpoint, netuid: 1, task: 'mnist-mlp',
      devKeyUri: `//tensormesh-demo/${c.spec.name}`, members, listen: ['/ip4/127.0.0.1/tcp/0'], logLevel: o.logLevel,
      round: { clock: 'blocks', blocksPerRound: o.blocksPerRound, roundsPerEpoch: o.roundsPerEpoch, genesisBlock, roundMs: o.blocksPerRound * o.blockMs },
      train: o.train ?? { samples: 320, steps: 24 },
      ...(o.maxMessageBytes !== undefined ? { codec: { maxMessageBytes: o.maxMessageBytes } } : {}),
      maxRounds: o.rounds === 0 ? 0 : firstRound + o.rounds,
    }
    writeJsonAtomic(join(c.dataDir, 'config.json'), cfg)
  }
  const emit: EventSink = (child, name, data) => { for (const s of sinks) s(child, name, data) }

  const connect = async (child: DemoChild): Promise<void> => {
    const addrs = children.filter((c) => c !== child && c.proc !== null && c.multiaddrs.length > 0).map((c) => c.multiaddrs[0])
    child.proc?.send({ type: 'dial', addrs })
  }

  const startPeer = async (child: DemoChild): Promise<void> => {
    // execArgv: [] so a test runner's flags (--test…) are not passed on to the peers.
    const proc = fork(CLI, ['start', '--data-dir', child.dataDir], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, TENSORMESH_DATA_DIR: child.dataDir } })
    child.proc = proc
    child.multiaddrs = []
    let stderrTail = ''
    proc.stderr?.on('data', (d: Buffer) => { stderrTail = (stderrTail + d.toString()).slice(-4000) })
    child.exited = new Promise((resolve) => { proc.once('exit', (code) => { resolve(code) }) })
    const started = new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => { reject(new NodeError('NOT_RUNNING', `${child.spec.name} exited with code ${code} during start:\n${stderrTail}`)) })
      proc.on('message', (m: { type?: string, name?: string, data?: unknown }) => {
        if (m.type !== 'event' || m.name === undefined) return
        if (m.name === 'peer:started') {
          const d = m.data as PeerEvents['peer:started']
          child.peerId = d.peerId
          child.multiaddrs = d.multiaddrs.filter((a) => a.includes('/tcp/') && !a.includes('/ws')).map((a) => a.includes('/p2p/') ? a : `${a}/p2p/${d.peerId}`)
        }
        if (m.name === 'api') { child.api = m.data as { url: string, token: string }; resolve() }
        emit(child, m.name as PeerEventName, m.data as never)
      })
    })
    await started
    await connect(child)
  }

  const kill = async (child: DemoChild): Promise<void> => {
    child.proc?.kill('SIGKILL')
    await child.exited
    child.proc = null
  }

  await Promise.all(children.map((c) => startPeer(c)))
  // Everyone dials everyone started before it; one more round makes the mesh complete.
  for (const c of children) await connect(c)

  let stopped = false
  return {
    devnet, children, members, genesisBlock,
    onEvent: (fn) => { sinks.add(fn); return () => { sinks.delete(fn) } },
    startPeer,
    kill,
    async stop () {
      if (stopped) return
      stopped = true
      await Promise.all(children.map(async (c) => {
        if (c.proc === null || c.proc.exitCode !== null) return
        c.proc.send({ type: 'stop' }, undefined, {}, () => {})
        const t = setTimeout(() => { c.proc?.kill('SIGKILL') }, 20_000)
        await c.exited
        clearTimeout(t)
      }))
      await devnet.stop()
    },
  }
}

/** The live view's state, folded from peer events. Pure. */
export interface DemoView {
  round: number
  epoch: number
  head: number
  scores: Map<number, MinerScore>
  accuracy: number | null
  accuracyFirst: number | null
  anchors: Array<{ epoch: number, uid: number, block: number }>
  consensus: ConsensusView | null
  published: number
  received: number
  log: string[]
}

export function emptyView (): DemoView {
  return { round: -1, epoch: 0, head: 0, scores: new Map(), accuracy: null, accuracyFirst: null, anchors: [], consensus: null, published: 0, received: 0, log: [] }
}

export function foldView (v: DemoView, child: DemoChild, name: PeerEventName, data: unknown): void {
  if (name === 'round:start') { const d = data as PeerEvents['round:start']; if (d.round > v.round) { v.round = d.round; v.epoch = d.epoch } }
  if (name === 'update:published') v.published++
  if (name === 'update:received') v.received++
  if (name === 'round:scored' && child.uid === 0) for (const s of (data as PeerEvents['round:scored']).scores) v.scores.set(s.uid, s)
  if (name === 'model:aggregated' && child.uid === 0) { const d = data as PeerEvents['model:aggregated']; v.accuracy = d.testAccuracy; v.accuracyFirst ??= d.testAccuracy }
  if (name === 'anchor:done') { const d = data as PeerEvents['anchor:done']; v.anchors.push({ epoch: d.epoch, uid: child.uid, block: d.blockNumber }) }
  if (name === 'rankings:consensus' && child.uid === 0) v.consensus = data as ConsensusView
  if (name === 'log') { const d = data as PeerEvents['log']; if (d.level === 'warn' || d.level === 'error') v.log = [...v.log, `${child.spec.name}: ${d.msg}`].slice(-4) }
}

export function renderView (v: DemoView, children: DemoChild[], header: string): string {
  const lines = [header, `round ${Math.max(0, v.round)}  epoch ${v.epoch}  gradients published ${v.published}  received ${v.received}  test accuracy ${v.accuracy === null ? '-' : v.accuracy.toFixed(3)}${v.accuracyFirst !== null ? ` (first ${v.accuracyFirst.toFixed(3)})` : ''}`, '']
  lines.push('uid  peer            kind         score   ema     incentive  rank')
  for (const c of children) {
    if (c.spec.role === 'validator') continue
    const s = v.scores.get(c.uid)
    const inc = v.consensus?.incentive[c.uid]
    lines.push(`${String(c.uid).padEnd(4)} ${c.spec.name.padEnd(15)} ${c.spec.behaviour.padEnd(12)} ${(s?.score ?? 0).toFixed(3).padEnd(7)} ${(s?.ema ?? 0).toFixed(3).padEnd(7)} ${inc === undefined ? '-'.padEnd(10) : inc.toFixed(4).padEnd(10)} ${v.consensus?.rank[c.uid] ?? '-'}${s !== undefined && s.penalties.length > 0 ? '  ' + s.penalties.join(',') : ''}`)
  }
  lines.push('')
  const recent = v.anchors.slice(-4).map((a) => `epoch ${a.epoch} by uid ${a.uid} in block #${a.block}`)
  lines.push(`anchors: ${v.anchors.length}${recent.length > 0 ? '  (' + recent.join('; ') + ')' : ''}`)
  if (v.consensus !== null) lines.push(`consensus (epoch ${v.consensus.epoch}): Yuma over ${v.consensus.validators.length} anchored ranking(s)`)
  for (const l of v.log) lines.push(`! ${l}`)
  return lines.join('\n')
}

/** `tensormesh demo`: start, show, stop on Ctrl-C or when every peer ran its rounds. */
export async function runDemo (o: DemoOptions): Promise<void> {
  const out = o.out ?? process.stdout
  out.write(`starting the devnet and ${o.validators + o.miners + o.freeRiders + o.poisoners} peers (data in ${o.dataDir}) …\n`)
  const demo = await startDemo(o)
  const view = emptyView()
  const ui = demo.children[0].api
  const header = `TensorMesh demo — devnet ${demo.devnet.endpoint} — local API ${ui?.url ?? '-'}  token ${ui?.token ?? '-'}\n` +
    `(try: curl -H "Authorization: Bearer ${ui?.token ?? ''}" ${ui?.url ?? ''}/status ; Ctrl-C stops)`
  out.write(header + '\n')
  demo.onEvent((child, name, data) => {
    foldView(view, child, name, data)
    if (o.json) out.write(JSON.stringify({ peer: child.spec.name, uid: child.uid, event: name, data }) + '\n')
  })
  const tty = out.isTTY === true && !o.json
  const timer = setInterval(() => {
    view.head = demo.devnet.head()
    if (tty) out.write('\x1b[H\x1b[2J' + renderView(view, demo.children, header) + '\n')
  }, 1000)
  let lastRound = -1
  const plain = o.json || tty ? null : setInterval(() => { if (view.round !== lastRound) { lastRound = view.round; out.write(renderView(view, demo.children, '') + '\n') } }, 2000)
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    clearInterval(timer)
    if (plain !== null) clearInterval(plain)
    out.write('\nstopping peers and the devnet …\n')
    await demo.stop()
    out.write(renderView(view, demo.children, 'final') + '\n')
  }
  process.once('SIGINT', () => { void stop().then(() => { process.exit(0) }) })
  process.once('SIGTERM', () => { void stop().then(() => { process.exit(0) }) })
  await Promise.all(demo.children.map((c) => c.exited))
  await stop()
}
