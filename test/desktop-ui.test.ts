/**
 * The desktop renderer in a real browser (Debian Chromium driven by playwright-core) against a REAL running demo:
 * the devnet and 4 peer processes (1 validator, 2 honest miners, 1 free-rider) from packages/node's `startDemo`, the
 * built renderer served by the desktop's browser host (static files + /api proxied to the node's local API).
 *
 * Checks: onboarding creates a btcli wallet (keyfiles on disk, no mnemonic in the page); the chain in use is shown;
 * rankings fill with live data that match the node's /rankings and sort, filter and explain; pausing from the UI stops
 * the validator's rounds and resuming restarts them; the throttle from the UI cuts a miner's training samples;
 * no console errors, no CSP violations. Screenshots go to test-output/desktop/.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { loadHotkey } from '@tensormesh/chain'
import { startDemo, type Demo } from '../packages/node/src/demo.ts'
import type { PeerEventName, PeerEvents, RankingsResponse, StatusResponse } from '../packages/node/src/api-types.ts'
import { HostCore, type Backup } from '../desktop/src/host/core.ts'
import { startHostServer, type HostServer } from '../desktop/src/host/server.ts'
import { callNode, followEvents, type NodeLink } from '../desktop/src/host/node-link.ts'

const REPO = resolve(import.meta.dirname, '..')
const RENDERER = join(REPO, 'desktop', 'dist', 'renderer')
const SHOTS = join(REPO, 'test-output', 'desktop')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const BLOCK_MS = 500
const BLOCKS_PER_ROUND = 10
const ROUND_MS = BLOCK_MS * BLOCKS_PER_ROUND

interface Seen { peer: string, name: PeerEventName, data: unknown, at: number }

/** Builds the renderer when dist is missing or older than any renderer source. */
function ensureRenderer (): void {
  const built = join(RENDERER, 'index.html')
  const src = join(REPO, 'desktop', 'src')
  const newest = Math.max(...readdirSync(src, { recursive: true }).map((f) => statSync(join(src, String(f))).mtimeMs))
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return
  execFileSync('npm', ['run', 'build:renderer', '-w', 'desktop'], { cwd: REPO, stdio: 'inherit' })
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms) })

async function until<T> (what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 120_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== null && v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(250)
  }
}

function watchPage (page: Page, problems: string[]): void {
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`) })
  page.on('pageerror', (e) => { problems.push(`page error: ${e.message}`) })
}

test('desktop renderer in Chromium against a live demo node', { timeout: 9 * 60_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) { t.skip(`no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`); return }
  ensureRenderer()
  mkdirSync(SHOTS, { recursive: true })
  const tmp = mkdtempSync(join(tmpdir(), 'tm-desktop-ui-'))
  const seen: Seen[] = []
  const abort = new AbortController()
  let demo: Demo | null = null
  let demoStarting: Promise<Demo> | null = null
  const hosts: HostServer[] = []
  let ctx: BrowserContext | null = null
  try {
    // The demo starts while the user onboards (the app onboards before it starts its node, too).
    demoStarting = startDemo({
      dataDir: join(tmp, 'demo'), rounds: 0, validators: 1, miners: 2, freeRiders: 1, poisoners: 0,
      blockMs: BLOCK_MS, blocksPerRound: BLOCKS_PER_ROUND, roundsPerEpoch: 1, fresh: true, logLevel: 'info', json: true,
      train: { samples: 256, steps: 8 },
    })
    let vLink: NodeLink | null = null
    let mLink: NodeLink | null = null
    const backups: Backup[] = []
    const caps = { startAtLogin: false, powerMonitor: false, notifications: false }
    const core = new HostCore({
      kind: 'browser', dataDir: join(tmp, 'desktop'), walletRoot: join(tmp, 'wallets'), capabilities: caps,
      showBackup: async (b) => { backups.push(b); return 'terminal' },
      nodeError: () => vLink === null ? 'the node is starting…' : null,
    })
    const host = await startHostServer({ rendererDir: RENDERER, core, node: () => vLink })
    hosts.push(host)
    const minerCore = new HostCore({ kind: 'browser', dataDir: join(tmp, 'desktop-miner'), walletRoot: join(tmp, 'wallets'), capabilities: caps, showBackup: async () => 'none', nodeError: () => mLink === null ? 'the node is starting…' : null })
    const minerHost = await startHostServer({ rendererDir: RENDERER, core: minerCore, node: () => mLink })
    hosts.push(minerHost)

    ctx = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } })
    // Records CSP violations in the page (an init script runs outside the page's CSP).
    await ctx.addInitScript('window.__csp = []; document.addEventListener("securitypolicyviolation", (e) => { window.__csp.push(e.violatedDirective + " " + e.blockedURI) })')
    const problems: string[] = []
    const page = ctx.pages()[0] ?? await ctx.newPage()
    watchPage(page, problems)

    // ---- onboarding -------------------------------------------------------------------------------
    await page.goto(`${host.url}/#token=${host.token}`)
    await page.locator('#onboard-form').waitFor()
    assert.equal(await page.locator('#ob-network').inputValue(), 'devnet', 'devnet is the default network')
    await page.fill('#ob-wallet', 'desk')
    await page.fill('#ob-password', 'correct horse battery')
    await page.selectOption('#ob-role', 'miner')
    await page.screenshot({ path: join(SHOTS, '01-onboarding.png'), fullPage: true })
    await page.click('#ob-submit')
    // btcli's coldkey encryption (Argon2i, 512 MiB, opslimit 8) takes ~16 s alone, much longer beside the demo starting.
    await page.locator('#ob-done').waitFor({ timeout: 240_000 })
    assert.equal(backups.length, 1, 'recovery phrases went to the host, once')
    const shown = await page.locator('#ob-done').innerText()
    assert.ok(shown.includes(backups[0].coldkey) && shown.includes(backups[0].hotkey), 'the page shows the new addresses')
    const html = await page.content()
    for (const word of [backups[0].coldkeyMnemonic, backups[0].hotkeyMnemonic]) assert.ok(!html.includes(word), 'no mnemonic in the renderer')
    assert.equal(readFileSync(join(tmp, 'wallets', 'desk', 'coldkey')).subarray(0, 5).toString(), '$NACL', 'btcli-encrypted coldkey on disk')
    const hot = await loadHotkey({ root: join(tmp, 'wallets'), name: 'desk' })
    assert.equal(hot.address, backups[0].hotkey, 'the hotkey keyfile loads back to the shown address')
    assert.equal(core.info().profile?.role, 'miner')
    await page.screenshot({ path: join(SHOTS, '02-onboarded.png'), fullPage: true })
    await page.click('#ob-continue')
    demo = await demoStarting
    demo.onEvent((child, name, data) => { seen.push({ peer: child.spec.name, name, data, at: Date.now() }) })
    const validator = demo.children[0]
    const miner = demo.children[1]
    vLink = validator.api!
    mLink = miner.api!
    const hostSeen: string[] = []
    const following = followEvents(vLink, (name) => { hostSeen.push(name) }, abort.signal) // the host's SSE reader (tray, notifications) against the real node

    // ---- dashboard: which chain is in use is always visible --------------------------------------
    await page.locator('#dash-peer').waitFor()
    const label = await page.locator('#chain-label').innerText()
    assert.match(label, /devnet/)
    assert.ok(label.includes(demo.devnet.endpoint), `chain label names the endpoint: ${label}`)
    const vStatus = await callNode<StatusResponse>(vLink, '/status')
    assert.ok((await page.locator('#dash-peer').innerText()).includes(vStatus.hotkey), 'dashboard shows the node\'s hotkey')
    assert.ok(vStatus.backend !== null && (await page.locator('#dash-backend').innerText()).includes(vStatus.backend), 'dashboard shows the training backend')
    await page.screenshot({ path: join(SHOTS, '02b-dashboard.png'), fullPage: true })

    // ---- rankings fill with live data -------------------------------------------------------------
    await page.click('nav button[data-screen=rankings]')
    await until('a consensus view in the UI', async () => (await page.locator('#rank-source').innerText()).startsWith('Consensus of epoch'), 180_000)
    await until('scores in the rankings table', async () => (await page.locator('#rank-table tbody tr').count()) >= demo!.children.length)
    const api = await callNode<RankingsResponse>(vLink, '/rankings')
    assert.ok(api.consensus !== null && api.scores.length >= 3, 'the node has rankings')
    const uidsShown = (await page.locator('#rank-table tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-uid'))))).sort((a, b) => a - b)
    assert.deepEqual(uidsShown, api.consensus!.hotkeys.map((_h, i) => i), 'one row per uid of the consensus view')
    // Sorting by uid, both directions.
    await page.click('th[data-sort=uid]')
    const asc = await page.locator('#rank-table tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-uid'))))
    await page.click('th[data-sort=uid]')
    const desc = await page.locator('#rank-table tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-uid'))))
    assert.deepEqual(asc, [...uidsShown])
    assert.deepEqual(desc, [...uidsShown].reverse())
    // Filtering by a hotkey keeps exactly that uid.
    const target = api.scores.find((s) => s.uid !== 0)!
    await page.fill('#rank-filter', target.hotkey.slice(0, 12))
    assert.deepEqual(await page.locator('#rank-table tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-uid')))), [target.uid])
    // Clicking a peer explains its score with the node's evidence.
    await page.click(`#rank-table tbody tr[data-uid="${target.uid}"]`)
    const why = await page.locator('#rank-explain').innerText()
    assert.match(why, new RegExp(`Why uid ${target.uid}`))
    assert.match(why, /Latest local score/)
    assert.match(why, /Yuma consensus/)
    await page.fill('#rank-filter', '')
    await page.screenshot({ path: join(SHOTS, '03-rankings.png'), fullPage: true })

    // ---- chain and mesh -----------------------------------------------------------------------------
    await page.click('nav button[data-screen=chain]')
    await until('an anchor row with a block number', async () => /#\d+/.test(await page.locator('#anchor-table').innerText().catch(() => '')))
    await page.screenshot({ path: join(SHOTS, '04-chain.png'), fullPage: true })
    await page.click('nav button[data-screen=mesh]')
    await until('peers in the mesh table', async () => (await page.locator('#peer-table tbody tr').count()) >= 1)
    await page.screenshot({ path: join(SHOTS, '05-mesh.png'), fullPage: true })
    await page.click('nav button[data-screen=logs]')
    await page.locator('#log-list').waitFor({ state: 'attached' })
    await page.screenshot({ path: join(SHOTS, '06-logs.png'), fullPage: true })

    // ---- pause and resume change what the validator does ------------------------------------------
    await page.click('nav button[data-screen=settings]')
    await page.click('#pause-btn')
    await until('the node to report paused', async () => (await callNode<StatusResponse>(vLink, '/status')).paused)
    await page.locator('#paused-state', { hasText: 'paused' }).waitFor()
    await page.screenshot({ path: join(SHOTS, '07-paused.png'), fullPage: true })
    // The peer finishes the round under way (or the one it was already waiting for, which then starts once);
    // after that it starts no round for two round lengths.
    const pausedAt = Date.now()
    const vRounds = (name: 'round:start' | 'round:end', from = 0): number[] => seen.filter((s) => s.peer === validator.spec.name && s.name === name && s.at >= from).map((s) => (s.data as { round: number }).round)
    await sleep(ROUND_MS + 2000)
    await until('the round under way to end', () => Math.max(-1, ...vRounds('round:start')) <= Math.max(-1, ...vRounds('round:end')), 120_000)
    const quietFrom = Date.now()
    await sleep(2 * ROUND_MS)
    assert.ok(vRounds('round:start', pausedAt).length <= 1, `at most the round already scheduled starts after the pause: ${vRounds('round:start', pausedAt).join(',')}`)
    assert.deepEqual(vRounds('round:start', quietFrom), [], 'a paused validator starts no round')
    const resumedAt = Date.now()
    await page.click('#pause-btn')
    await until('the node to report running', async () => !(await callNode<StatusResponse>(vLink, '/status')).paused)
    await until('a round to start after resuming', () => seen.some((s) => s.peer === validator.spec.name && s.name === 'round:start' && s.at >= resumedAt), 4 * ROUND_MS + 10_000)

    // ---- the throttle from the UI cuts a miner's training ------------------------------------------
    const mPage = await ctx.newPage()
    watchPage(mPage, problems)
    await mPage.goto(`${minerHost.url}/#token=${minerHost.token}`)
    await mPage.click('nav button[data-screen=settings]')
    await mPage.locator('#throttle').fill('25')
    await mPage.click('#throttle-apply')
    await until('the miner to report throttle 0.25', async () => (await callNode<StatusResponse>(mLink, '/status')).throttle === 0.25)
    const throttledAt = Date.now()
    const before = seen.filter((s) => s.peer === miner.spec.name && s.name === 'train:done' && s.at < throttledAt).map((s) => (s.data as PeerEvents['train:done']).samples)
    const after = await until('two training rounds after the throttle', () => {
      const xs = seen.filter((s) => s.peer === miner.spec.name && s.name === 'train:done' && s.at > throttledAt).map((s) => (s.data as PeerEvents['train:done']).samples)
      return xs.length >= 2 ? xs : null
    }, 6 * ROUND_MS + 20_000)
    assert.ok(before.length > 0, 'the miner trained before the throttle')
    // The first round after may have started before the change; the next one runs throttled. Compared with the last
    // unthrottled round (the first round trains the configured steps; later ones fill their share of the round).
    assert.ok(after.at(-1)! < before.at(-1)!, `training shrinks with the throttle: ${before.join(',')} → ${after.join(',')}`)
    await mPage.screenshot({ path: join(SHOTS, '08-throttled.png'), fullPage: true })

    // ---- no console errors, no CSP violations ------------------------------------------------------
    for (const p of [page, mPage]) {
      const csp = await p.evaluate('window.__csp') as string[]
      assert.deepEqual(csp, [], `CSP violations: ${csp.join('; ')}`)
    }
    assert.deepEqual(problems, [], problems.join('\n'))
    for (const n of ['round:start', 'state:paused', 'rankings:consensus']) assert.ok(hostSeen.includes(n), `the host's event reader saw ${n}`)
    abort.abort()
    await following
  } finally {
    abort.abort()
    await ctx?.close().catch(() => {})
    for (const h of hosts) await h.close().catch(() => {})
    demo ??= await demoStarting?.catch(() => null) ?? null
    await demo?.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
})
