/**
 * Event-stream replay end to end, against packages/node's real local API (startApi) behind a TCP relay the test can
 * cut: (1) the Electron main process's reader (followEvents) reconnects with Last-Event-ID and delivers every event
 * exactly once, in order, across a drop; (2) the renderer's HttpClient in real Chromium (Debian's, via
 * playwright-core), through the desktop's browser host, recovers the events missed both when EventSource reconnects
 * by itself (Last-Event-ID, forwarded by the host) and when it gives up on a 502 while the node is away (the client
 * reopens with ?since=). Without replay the events emitted during each cut would be lost.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { chromium, type BrowserContext } from 'playwright-core'
import { startApi, type ApiServer } from '../packages/node/src/api.ts'
import type { PeerEventName } from '../packages/node/src/api-types.ts'
import { HostCore } from '../desktop/src/host/core.ts'
import { startHostServer } from '../desktop/src/host/server.ts'
import { followEvents } from '../desktop/src/host/node-link.ts'

const REPO = resolve(import.meta.dirname, '..')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms) })

async function until<T> (what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== null && v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

/** A node API whose events the test emits. */
async function node (): Promise<{ api: ApiServer, emit: (round: number) => void }> {
  let listener: ((n: PeerEventName, d: unknown) => void) | null = null
  const api = await startApi({
    status: () => ({}), rankings: () => ({}), anchors: () => [],
    control: () => ({ ok: true, paused: false, throttle: 1 }),
    onEvent: (fn) => { listener = fn; return () => { listener = null } },
  })
  return { api, emit: (round) => { listener!('round:start', { round }) } }
}

/** A TCP relay in front of the API: `cut()` drops every connection, `down()`/`up()` refuse and accept new ones. */
async function relay (port: number): Promise<{ url: string, cut (): void, down (): Promise<void>, up (): Promise<void>, close (): Promise<void> }> {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let listenPort = 0
  const listen = async (): Promise<void> => {
    server = createServer((c) => {
      const u = connect(port, '127.0.0.1')
      for (const s of [c, u]) { sockets.add(s); s.on('close', () => { sockets.delete(s) }); s.on('error', () => { c.destroy(); u.destroy() }) }
      c.pipe(u)
      u.pipe(c)
    })
    await new Promise<void>((resolve) => { server!.listen(listenPort, '127.0.0.1', () => { resolve() }) })
    listenPort = (server!.address() as { port: number }).port
  }
  await listen()
  const cut = (): void => { for (const s of sockets) s.destroy() }
  const down = async (): Promise<void> => {
    const s = server!
    server = null
    await new Promise<void>((resolve) => { s.close(() => { resolve() }); cut() })
  }
  return { url: `http://127.0.0.1:${listenPort}`, cut, down, up: listen, close: async () => { if (server !== null) await down() } }
}

test('main process: followEvents reconnects with Last-Event-ID and loses nothing across a drop', { timeout: 60_000 }, async () => {
  const { api, emit } = await node()
  const r = await relay(api.port)
  const abort = new AbortController()
  const got: number[] = []
  let n = 0
  try {
    void followEvents({ url: r.url, token: api.token }, (name, data) => { if (name === 'round:start') got.push((data as { round: number }).round) }, abort.signal, 200)
    // The reader is connected once an event emitted now arrives (earlier ones were before its stream opened).
    await until('the stream', () => { emit(++n); return got.length > 0 })
    const first = got[0]
    const upTo = async (k: number): Promise<void> => { await until(`event ${k}`, () => got.includes(k)) }
    for (let i = 0; i < 3; i++) emit(++n)
    await upTo(n)
    r.cut()
    for (let i = 0; i < 6; i++) emit(++n) // emitted while the reader is disconnected
    await upTo(n)
    emit(++n)
    await upTo(n)
    await sleep(300)
    assert.deepEqual(got, Array.from({ length: n - first + 1 }, (_x, i) => first + i), 'every event exactly once, in order')
  } finally {
    abort.abort()
    await r.close()
    await api.close()
  }
})

test('renderer HttpClient in Chromium: missed events come back after a dropped stream and after the node was away', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) { t.skip(`no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`); return }
  const tmp = mkdtempSync(join(tmpdir(), 'tm-desktop-replay-'))
  const rendererDir = join(tmp, 'renderer')
  mkdirSync(rendererDir)
  // A page with the real renderer client, bundled as the app's renderer is (an ES module, no inline script: CSP).
  writeFileSync(join(tmp, 'harness.ts'), [
    `import { HttpClient, tokenFromFragment } from ${JSON.stringify(join(REPO, 'desktop/src/renderer/client.ts'))}`,
    'const w = globalThis as unknown as { rounds: number[], states: string[] }',
    'w.rounds = []; w.states = []',
    'const c = new HttpClient(tokenFromFragment(location.hash) ?? \'\')',
    'c.onConnection = (s) => { w.states.push(s.connected ? \'open\' : String(s.error)) }',
    'c.onEvent((name, data) => { if (name === \'round:start\') w.rounds.push((data as { round: number }).round) })',
  ].join('\n'))
  await build({ entryPoints: [join(tmp, 'harness.ts')], bundle: true, format: 'esm', outfile: join(rendererDir, 'harness.js'), logLevel: 'error' })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>replay</title><script type="module" src="/harness.js"></script>')

  const { api, emit } = await node()
  const r = await relay(api.port)
  const core = new HostCore({ kind: 'browser', dataDir: join(tmp, 'desk'), walletRoot: join(tmp, 'wallets'), capabilities: { startAtLogin: false, powerMonitor: false, notifications: false }, showBackup: async () => 'terminal', nodeError: () => null })
  const host = await startHostServer({ rendererDir, core, node: () => ({ url: r.url, token: api.token }) })
  let ctx: BrowserContext | null = null
  let n = 0
  try {
    ctx = await chromium.launchPersistentContext(join(tmp, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS })
    const page = ctx.pages()[0] ?? await ctx.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => { problems.push(e.message) })
    await page.goto(`${host.url}/index.html#token=${host.token}`)
    const rounds = async (): Promise<number[]> => await page.evaluate(() => (globalThis as unknown as { rounds: number[] }).rounds)
    await until('the page to receive a live event', async () => { emit(++n); return (await rounds()).length > 0 })
    const base = (await rounds())[0] - 1 // events emitted before the stream opened were never the page's
    const upTo = async (k: number): Promise<void> => { await until(`event ${k}`, async () => (await rounds()).includes(k)) }
    for (let i = 0; i < 2; i++) emit(++n)
    await upTo(n)

    // 1. The stream drops; EventSource reconnects by itself with Last-Event-ID (forwarded by the host).
    r.cut()
    for (let i = 0; i < 3; i++) emit(++n)
    await upTo(n)

    // 2. The node is away: the host answers 502, EventSource gives up (CLOSED), the client reopens with ?since=.
    await r.down()
    for (let i = 0; i < 3; i++) emit(++n)
    await until('the client to notice the node is away', async () => (await page.evaluate(() => (globalThis as unknown as { states: string[] }).states)).some((s) => s.startsWith('event stream closed')))
    await r.up()
    await upTo(n)
    emit(++n)
    await upTo(n)
    await sleep(300)
    assert.deepEqual(await rounds(), Array.from({ length: n - base }, (_x, i) => base + i + 1), 'every event exactly once, in order')
    assert.deepEqual(problems, [])
  } finally {
    await ctx?.close()
    await host.close()
    await r.close()
    await api.close()
    rmSync(tmp, { recursive: true, force: true })
  }
})
