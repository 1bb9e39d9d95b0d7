/**
 * The TensorMesh renderer: onboarding, dashboard, mesh, rankings, chain, settings and logs over the node's local API.
 * It talks to the node through one client (the preload bridge in the app, HTTP + SSE in a browser) and renders with
 * plain DOM (textContent only) and uPlot charts, under a CSP without 'unsafe-inline' or 'unsafe-eval'.
 */
import type uPlot from 'uplot'
import type { HostInfo, OnboardRequest, PeerEventName, PeerEvents, ShellSettings, TensorMeshBridge } from '../shared/bridge-types.ts'
import { NETWORKS, ROLES } from '../shared/bridge-types.ts'
import { HttpClient, tokenFromFragment } from './client.ts'
import { clear, fmt, h } from './dom.ts'
import { lineChart, type Series } from './charts.ts'
import { applyAnchors, applyEvent, applyRankings, chainLabel, emptyModel, type Model } from './store.ts'
import { explain, filterRows, rankRows, sortRows, type RankRow, type SortKey } from './rankings.ts'
import './style.css'

type Screen = 'onboarding' | 'dashboard' | 'mesh' | 'rankings' | 'chain' | 'settings' | 'logs'
const SCREENS: Array<[Screen, string]> = [['dashboard', 'Dashboard'], ['mesh', 'Mesh'], ['rankings', 'Rankings'], ['chain', 'Chain'], ['settings', 'Settings'], ['logs', 'Logs']]

interface Ui {
  client: TensorMeshBridge
  model: Model
  host: HostInfo | null
  screen: Screen
  sort: { key: SortKey, dir: 'asc' | 'desc' }
  filter: string
  selectedUid: number | null
  logLevel: string
  charts: Map<string, uPlot | null>
  connected: boolean
  error: string | null
}

declare global { interface Window { tensormesh?: TensorMeshBridge } }

function makeClient (): TensorMeshBridge | null {
  if (window.tensormesh !== undefined) return window.tensormesh
  const token = tokenFromFragment(location.hash)
  if (token === null) return null
  // Keep the token out of the visible URL and history once read.
  history.replaceState(null, '', location.pathname + location.search)
  const c = new HttpClient(token)
  c.onConnection = (s) => { ui.connected = s.connected; ui.error = s.error; renderHeader() }
  return c
}

const root = document.getElementById('app')!
let ui: Ui

function main (): void {
  const client = makeClient()
  if (client === null) {
    root.append(h('div', { class: 'fatal' }, h('h1', {}, 'TensorMesh'), h('p', {}, 'No access token. Open the address printed by the host (it ends with #token=…).')))
    return
  }
  ui = { client, model: emptyModel(), host: null, screen: 'dashboard', sort: { key: 'rank', dir: 'asc' }, filter: '', selectedUid: null, logLevel: 'info', charts: new Map(), connected: false, error: null }
  root.append(h('header', { id: 'top' }), h('nav', { id: 'nav' }), h('main', { id: 'screen' }))
  void refresh(true)
  setInterval(() => { void refresh(false) }, 4000)
}

async function refresh (first: boolean): Promise<void> {
  const c = ui.client
  try {
    const wasFirst = ui.host === null
    ui.host = await c.hostInfo()
    if (wasFirst && !ui.host.onboarded) ui.screen = 'onboarding'
    if (ui.host.nodeError !== null) {
      // The node is not up yet (onboarding comes before it): ask nothing of it, say why.
      ui.connected = false
      ui.error = ui.host.nodeError
      if (first) renderAll(); else renderHeader()
      return
    }
    if (unsubscribe === null) unsubscribe = c.onEvent((name, data) => { onEvent(name, data) })
    const [status, rankings, anchors] = await Promise.all([c.status(), c.rankings(), c.anchors()])
    ui.model.status = status
    applyRankings(ui.model, rankings)
    applyAnchors(ui.model, anchors)
    ui.connected = true
    ui.error = null
  } catch (e) {
    ui.connected = false
    ui.error = e instanceof Error ? e.message : String(e)
  }
  if (first) renderAll()
  else scheduleRender()
}

function onEvent<N extends PeerEventName> (name: N, data: PeerEvents[N]): void {
  applyEvent(ui.model, name, data)
  scheduleRender()
}

let unsubscribe: (() => void) | null = null
let pending: ReturnType<typeof setTimeout> | null = null
function scheduleRender (): void {
  if (pending !== null) return
  pending = setTimeout(() => { pending = null; renderHeader(); if (ui.screen !== 'onboarding' && ui.screen !== 'settings') renderScreen() }, 300)
}

function renderAll (): void { renderHeader(); renderNav(); renderScreen() }

function renderHeader (): void {
  const top = document.getElementById('top')!
  clear(top)
  const s = ui.model.status
  top.append(
    h('span', { class: 'brand' }, 'TensorMesh'),
    h('span', { id: 'chain-label', class: 'chain', title: 'chain in use' }, chainLabel(s)),
    h('span', { id: 'conn-state', class: ui.connected ? 'ok' : 'bad' }, ui.connected ? 'connected' : ui.error ?? 'connecting…'),
  )
  if (s !== null) top.append(h('span', { id: 'run-state', class: s.paused ? 'bad' : 'ok' }, s.paused ? 'paused' : `running · round ${s.round} · throttle ${Math.round(s.throttle * 100)} %`))
}

function renderNav (): void {
  const nav = document.getElementById('nav')!
  clear(nav)
  const items: Array<[Screen, string]> = ui.host?.onboarded === true ? SCREENS : [['onboarding', 'Get started'], ...SCREENS]
  for (const [id, label] of items) {
    nav.append(h('button', { type: 'button', 'data-screen': id, class: ui.screen === id ? 'active' : null, onclick: () => { ui.screen = id; renderNav(); renderScreen() } }, label))
  }
}

function renderScreen (): void {
  const el = document.getElementById('screen')!
  for (const c of ui.charts.values()) c?.destroy()
  ui.charts.clear()
  clear(el)
  el.setAttribute('data-screen', ui.screen)
  const views: Record<Screen, (el: HTMLElement) => void> = { onboarding, dashboard, mesh, rankings, chain, settings, logs }
  views[ui.screen](el)
}

// ---- onboarding ---------------------------------------------------------------------------------

function onboarding (el: HTMLElement): void {
  const mode = h('select', { id: 'ob-mode' }, h('option', { value: 'create' }, 'Create a new wallet'), h('option', { value: 'import' }, 'Import a btcli wallet (mnemonics)'))
  const wallet = h('input', { id: 'ob-wallet', value: 'default', required: true, pattern: '[A-Za-z0-9._\\-]{1,64}', autocomplete: 'off' })
  const hotkey = h('input', { id: 'ob-hotkey', value: 'default', required: true, pattern: '[A-Za-z0-9._\\-]{1,64}', autocomplete: 'off' })
  const password = h('input', { id: 'ob-password', type: 'password', minlength: 8, required: true, autocomplete: 'new-password' })
  const cold = h('textarea', { id: 'ob-cold-mnemonic', rows: 2, autocomplete: 'off', spellcheck: 'false' })
  const hot = h('textarea', { id: 'ob-hot-mnemonic', rows: 2, autocomplete: 'off', spellcheck: 'false' })
  const network = h('select', { id: 'ob-network' }, ...NETWORKS.map((n) => h('option', { value: n, selected: n === 'devnet' }, n === 'devnet' ? 'devnet (embedded, offline — default)' : n === 'local' ? 'local subtensor (ws://127.0.0.1:9944)' : n === 'test' ? 'Bittensor testnet' : 'Bittensor finney (mainnet)')))
  const role = h('select', { id: 'ob-role' }, ...ROLES.map((r) => h('option', { value: r }, r === 'both' ? 'miner and validator' : r)))
  const importBox = h('fieldset', { id: 'ob-import', hidden: true }, h('legend', {}, 'Mnemonics'), h('label', {}, 'Coldkey mnemonic', cold), h('label', {}, 'Hotkey mnemonic', hot))
  const result = h('div', { id: 'ob-result', role: 'status' })
  mode.addEventListener('change', () => { importBox.hidden = mode.value !== 'import' })
  const form = h('form', { id: 'onboard-form', class: 'card' },
    h('h2', {}, 'Join the mesh'),
    h('p', { class: 'muted' }, 'Your wallet uses the btcli layout and keyfile format; keys stay in the app\'s main process and the node, never in this window.'),
    h('label', {}, 'Wallet', mode), h('label', {}, 'Wallet name', wallet), h('label', {}, 'Hotkey name', hotkey),
    h('label', {}, 'Coldkey password (8+ characters)', password), importBox,
    h('label', {}, 'Network', network), h('label', {}, 'Role', role),
    h('button', { id: 'ob-submit', type: 'submit' }, 'Continue'), result)
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    const req: OnboardRequest = {
      mode: mode.value as OnboardRequest['mode'], wallet: wallet.value.trim(), hotkey: hotkey.value.trim(), password: password.value,
      network: network.value as OnboardRequest['network'], role: role.value as OnboardRequest['role'],
      ...(mode.value === 'import' ? { coldkeyMnemonic: cold.value.trim(), hotkeyMnemonic: hot.value.trim() } : {}),
    }
    clear(result)
    result.append(h('p', { class: 'muted' }, 'Creating the keyfiles (the coldkey password is stretched with Argon2i, this takes a few seconds)…'))
    const submit = form.querySelector('button[type=submit]') as HTMLButtonElement
    submit.disabled = true
    ui.client.onboard(req).then((r) => {
      password.value = ''; cold.value = ''; hot.value = ''
      ui.host = ui.host === null ? null : { ...ui.host, onboarded: true, profile: r.profile }
      clear(result)
      result.append(h('div', { class: 'ok-box', id: 'ob-done' },
        h('p', {}, `Wallet "${r.profile.wallet}" ready on ${r.profile.network} as ${r.profile.role}.`),
        h('p', {}, 'Coldkey ', h('code', {}, r.profile.coldkey)), h('p', {}, 'Hotkey ', h('code', {}, r.profile.hotkey)),
        r.backupShownIn === 'none' ? null : h('p', { class: 'warn' }, `Your recovery phrases were shown once in ${r.backupShownIn === 'dialog' ? 'a system dialog' : 'the terminal running the TensorMesh host'}: write them down.`),
        h('button', { type: 'button', id: 'ob-continue', onclick: () => { ui.screen = 'dashboard'; renderAll() } }, 'Open the dashboard')))
    }).catch((e: unknown) => {
      submit.disabled = false
      clear(result)
      result.append(h('p', { class: 'error', id: 'ob-error' }, e instanceof Error ? e.message : String(e)))
    })
  })
  el.append(form)
}

// ---- dashboard ----------------------------------------------------------------------------------

function kv (rows: Array<[string, string | Node]>, id?: string): HTMLElement {
  return h('dl', { class: 'kv', id }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))
}

function dashboard (el: HTMLElement): void {
  const m = ui.model
  const s = m.status
  if (s === null) { el.append(h('p', { class: 'muted' }, 'Waiting for the node…')); return }
  const c = s.contribution
  const scores = Object.values(c.lastScores)
  const myScore = ui.model.scores.find((x) => x.uid === s.uid)
  el.append(
    h('section', { class: 'card' }, h('h2', {}, 'This peer'), kv([
      ['hotkey', h('code', {}, s.hotkey)], ['uid', s.uid === null ? 'not registered' : String(s.uid)], ['PeerId', h('code', {}, s.peerId ?? '—')],
      ['role', s.role], ['subnet', `${s.netuid} (${s.task})`], ['round / epoch', `${s.round} / ${s.epoch}`],
      ['model', fmt.short(s.modelHash, 12)], ['test accuracy', fmt.num(s.testAccuracy)], ['uptime', fmt.secs(s.uptimeMs / 1000)],
    ], 'dash-peer')),
    h('section', { class: 'card' }, h('h2', {}, 'Backend and device'), kv([
      ['backend', m.backend?.backend ?? s.backend ?? '—'], ['device', m.backend === null ? '—' : m.backend.gpu ? 'GPU' : 'CPU (no GPU backend loaded)'],
      ['tried', m.backend === null ? '—' : m.backend.tried.map((t) => `${t.name} ${t.ok ? '✓' : '✗'}`).join(', ')],
    ], 'dash-backend')),
    h('section', { class: 'card' }, h('h2', {}, 'Contribution'), kv([
      ['GPU time', fmt.secs(c.gpuSeconds)], ['CPU time', fmt.secs(c.cpuSeconds)], ['samples trained', String(c.samples)],
      ['rounds completed', String(c.roundsCompleted)], ['updates published / accepted', `${c.updatesPublished} / ${c.updatesAccepted}`],
      ['score', scores.length > 0 ? `${fmt.num(scores.reduce((a, b) => a + b, 0) / scores.length)} (mean over ${scores.length} validator(s))` : myScore !== undefined ? fmt.num(myScore.ema) : '—'],
      ['estimated earnings', `${fmt.pct(c.estimatedEmissionShare)} of the subnet's miner emission${s.network === 'devnet' ? ' (devnet: no real value)' : ''}`],
    ], 'dash-contrib')),
  )
  const chartEl = h('div', { class: 'chart', id: 'chart-accuracy' })
  el.append(h('section', { class: 'card wide' }, h('h2', {}, 'Model and training'), chartEl))
  const series: Series[] = []
  if (m.accuracy.length > 0) series.push({ label: 'test accuracy', points: m.accuracy.map((a) => [a.round, a.accuracy]) })
  if (m.train.length > 0) series.push({ label: 'samples / 1000', points: m.train.map((t) => [t.round, t.samples / 1000]) })
  ui.charts.set('acc', lineChart(chartEl, 'per round', 'round', series, null))
}

// ---- mesh ---------------------------------------------------------------------------------------

function mesh (el: HTMLElement): void {
  const ps = ui.model.peers
  el.append(h('section', { class: 'card wide' }, h('h2', {}, `Peers (${ps.filter((p) => p.connected).length} connected)`),
    ps.length === 0
      ? h('p', { class: 'muted' }, 'No peers reported yet (the node reports its peers at the end of every round).')
      : h('table', { id: 'peer-table' },
        h('thead', {}, h('tr', {}, ...['PeerId', 'uid', 'hotkey', 'state', 'gossip score', 'latency'].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...ps.map((p) => h('tr', {},
          h('td', {}, h('code', { title: p.peerId }, fmt.short(p.peerId, 12))), h('td', {}, p.uid === null ? '—' : String(p.uid)),
          h('td', {}, h('code', { title: p.hotkey ?? '' }, fmt.short(p.hotkey, 8))), h('td', { class: p.banned ? 'bad' : p.connected ? 'ok' : 'muted' }, p.banned ? 'banned' : p.connected ? 'connected' : 'gone'),
          h('td', {}, fmt.num(p.score, 2)),
          h('td', { class: 'latency', title: p.latencyMs === null ? 'not measured yet (libp2p ping every 15 s)' : 'ping round-trip time, moving average' }, p.latencyMs === null ? '—' : `${fmt.num(p.latencyMs, 1)} ms`)))))))
}

// ---- rankings -----------------------------------------------------------------------------------

const COLUMNS: Array<[SortKey | null, string]> = [['uid', 'uid'], ['hotkey', 'hotkey'], [null, 'PeerId'], ['score', 'local score'], ['ema', 'EMA'], [null, 'evidence'], ['weight', 'our weight'], ['consensus', 'consensus'], ['incentive', 'incentive'], ['dividends', 'dividends'], ['stake', 'stake'], ['rank', 'rank']]

function rankings (el: HTMLElement): void {
  const m = ui.model
  const all = rankRows(m)
  const rows = sortRows(filterRows(all, ui.filter), ui.sort.key, ui.sort.dir)
  const filter = h('input', { id: 'rank-filter', type: 'search', placeholder: 'filter: uid, hotkey, PeerId, penalty (pen:)', value: ui.filter })
  filter.addEventListener('input', () => { ui.filter = filter.value; renderTable() })
  const tableBox = h('div', { id: 'rank-table-box' })
  const detail = h('div', { id: 'rank-detail' })
  const c = m.consensus
  el.append(h('section', { class: 'card wide' },
    h('h2', {}, 'Rankings'),
    h('p', { class: 'muted', id: 'rank-source' }, c === null ? 'No consensus view yet (it appears after the first epoch is anchored).' : `Consensus of epoch ${c.epoch}: Yuma over ${c.validators.length} anchored ranking(s), ${c.source}. Local scores: ${m.scores.length} uid(s).`),
    filter, tableBox), detail)
  const chartEl = h('div', { class: 'chart', id: 'chart-incentive' })
  el.append(h('section', { class: 'card wide' }, h('h2', {}, 'Incentive history'), chartEl))
  const inc: Series[] = [...m.incentiveHistory].filter(([, hs]) => hs.some((x) => x.incentive > 0)).map(([uid, hs]) => ({ label: `uid ${uid}`, points: hs.map((x) => [x.epoch, x.incentive] as [number, number]) }))
  ui.charts.set('inc', lineChart(chartEl, 'incentive per epoch', 'epoch', inc, null))

  function renderTable (): void {
    clear(tableBox)
    const shown = sortRows(filterRows(all, ui.filter), ui.sort.key, ui.sort.dir)
    tableBox.append(table(shown))
  }
  function table (rs: RankRow[]): HTMLElement {
    return h('table', { id: 'rank-table' },
      h('thead', {}, h('tr', {}, ...COLUMNS.map(([key, label]) => h('th', key === null ? {} : {
        'data-sort': key, class: ui.sort.key === key ? `sorted ${ui.sort.dir}` : 'sortable', title: 'sort',
        onclick: () => { ui.sort = { key, dir: ui.sort.key === key && ui.sort.dir === 'asc' ? 'desc' : 'asc' }; renderTable() },
      }, label)))),
      h('tbody', {}, ...rs.map((r) => h('tr', { 'data-uid': r.uid, class: ui.selectedUid === r.uid ? 'selected' : null, onclick: () => { ui.selectedUid = r.uid; renderTable(); renderDetail() } },
        h('td', {}, String(r.uid)), h('td', {}, h('code', { title: r.hotkey }, fmt.short(r.hotkey, 6))), h('td', {}, h('code', { title: r.peerId ?? '' }, fmt.short(r.peerId, 6))),
        h('td', { class: 'num' }, fmt.num(r.score)), h('td', { class: 'num' }, fmt.num(r.ema)),
        h('td', { class: r.penalties.length > 0 ? 'bad' : '' }, r.penalties.length > 0 ? r.penalties.join(', ') : r.gradient === null ? (r.isValidator ? 'validator' : '—') : `Δloss ${fmt.pct(r.gradient)}`),
        h('td', { class: 'num' }, fmt.pct(r.weight)), h('td', { class: 'num' }, fmt.num(r.consensus)), h('td', { class: 'num' }, fmt.pct(r.incentive)),
        h('td', { class: 'num' }, fmt.pct(r.dividends)), h('td', { class: 'num', title: 'the node API does not report stake yet' }, r.stake ?? '—'), h('td', { class: 'num' }, r.rank === null ? '—' : String(r.rank))))))
  }
  function renderDetail (): void {
    ui.charts.get('detail')?.destroy()
    clear(detail)
    const row = all.find((r) => r.uid === ui.selectedUid)
    if (row === undefined) return
    const chartBox = h('div', { class: 'chart', id: 'chart-peer' })
    detail.append(h('section', { class: 'card wide', id: 'rank-explain' }, h('h2', {}, `Why uid ${row.uid} has this score`),
      h('ul', {}, ...explain(row, m).map((l) => h('li', {}, l))), chartBox))
    const hist = m.scoreHistory.get(row.uid) ?? []
    ui.charts.set('detail', lineChart(chartBox, `uid ${row.uid}`, 'round', [{ label: 'score', points: hist.map((x) => [x.round, x.score]) }, { label: 'EMA', points: hist.map((x) => [x.round, x.ema]) }], null))
  }
  tableBox.append(table(rows))
  renderDetail()
}

// ---- chain --------------------------------------------------------------------------------------

function chain (el: HTMLElement): void {
  const s = ui.model.status
  const as = ui.model.anchors
  el.append(
    h('section', { class: 'card wide' }, h('h2', {}, 'Chain in use'), kv([
      ['network', s?.network ?? '—'], ['kind', s?.chain?.kind ?? 'none'], ['endpoint', s?.chain?.endpoint ?? '—'], ['head', s?.chain?.head === null || s?.chain?.head === undefined ? '—' : `#${s.chain.head}`],
    ], 'chain-info')),
    h('section', { class: 'card wide' }, h('h2', {}, `Anchors (${as.filter((a) => a.status === 'done').length} in blocks, ${as.filter((a) => a.status !== 'done').length} pending)`),
      as.length === 0 ? h('p', { class: 'muted' }, 'Nothing anchored yet: validators anchor their weights at the end of each epoch.')
        : h('table', { id: 'anchor-table' },
          h('thead', {}, h('tr', {}, ...['epoch', 'netuid', 'status', 'block', 'block hash', 'extrinsic hash'].map((t) => h('th', {}, t)))),
          h('tbody', {}, ...as.map((a) => h('tr', { 'data-epoch': a.epoch },
            h('td', {}, String(a.epoch)), h('td', {}, String(a.netuid)), h('td', { class: a.status === 'done' ? 'ok' : a.status === 'failed' ? 'bad' : 'warn', title: a.error ?? '' }, a.status),
            h('td', {}, a.blockNumber === null ? '—' : `#${a.blockNumber}`), h('td', {}, h('code', { title: a.blockHash ?? '' }, fmt.short(a.blockHash, 10))),
            h('td', {}, h('code', { title: a.extrinsicHash ?? 'not reported by the node API yet' }, fmt.short(a.extrinsicHash, 10))))))),
    ),
  )
}

// ---- settings -----------------------------------------------------------------------------------

function settings (el: HTMLElement): void {
  const s = ui.model.status
  const host = ui.host
  const paused = s?.paused ?? false
  const value = h('output', { id: 'throttle-value' }, `${Math.round((s?.throttle ?? 1) * 100)} %`)
  const slider = h('input', { id: 'throttle', type: 'range', min: 5, max: 100, step: 5, value: Math.round((s?.throttle ?? 1) * 100) })
  slider.addEventListener('input', () => { value.textContent = `${slider.value} %` })
  const msg = h('p', { id: 'settings-msg', role: 'status', class: 'muted' })
  const act = (p: Promise<unknown>, done: string): void => {
    p.then(() => { msg.textContent = done; return refresh(false) }).then(() => { renderScreen() }).catch((e: unknown) => { msg.textContent = e instanceof Error ? e.message : String(e); msg.className = 'error' })
  }
  el.append(h('section', { class: 'card' }, h('h2', {}, 'Contribution'),
    h('p', {}, 'The node is ', h('strong', { id: 'paused-state' }, paused ? 'paused' : 'running'), '.'),
    h('button', { id: 'pause-btn', type: 'button', onclick: () => { act(ui.client.control({ action: paused ? 'resume' : 'pause' }), paused ? 'resumed' : 'paused') } }, paused ? 'Resume' : 'Pause'),
    h('label', {}, 'Share of CPU/GPU work per round ', slider, value),
    h('button', { id: 'throttle-apply', type: 'button', onclick: () => {
      const v = Number(slider.value) / 100
      act(Promise.all([ui.client.control({ action: 'throttle', value: v }), ui.client.setSettings({ throttle: v })]), `throttle set to ${slider.value} %`)
    } }, 'Apply'), msg))
  if (host === null) return
  const caps = host.capabilities
  const box = (id: keyof ShellSettings, label: string, enabled: boolean, why: string): HTMLElement => {
    const input = h('input', { type: 'checkbox', id: `set-${id}`, checked: host.settings[id] === true, disabled: !enabled })
    input.addEventListener('change', () => { act(ui.client.setSettings({ [id]: input.checked }).then((ns) => { if (ui.host !== null) ui.host.settings = ns }), 'saved') })
    return h('label', { class: 'check', title: enabled ? '' : why }, input, ` ${label}`, enabled ? null : h('span', { class: 'muted' }, ` (${why})`))
  }
  el.append(h('section', { class: 'card' }, h('h2', {}, 'App'),
    box('startAtLogin', 'Start at login', caps.startAtLogin, 'desktop app only'),
    box('pauseOnBattery', 'Pause on battery', caps.powerMonitor, 'desktop app only'),
    box('pauseWhileActive', 'Pause while I use the computer', caps.powerMonitor, 'desktop app only'),
    box('notifyAnchors', 'Notify when weights are anchored', caps.notifications, 'desktop app only'),
    box('notifyRankChanges', 'Notify when my rank changes', caps.notifications, 'desktop app only'),
    h('p', { class: 'muted' }, `Profile: ${host.profile === null ? 'not onboarded' : `${host.profile.wallet}/${host.profile.hotkeyName} on ${host.profile.network} as ${host.profile.role}`}`)))
}

// ---- logs ---------------------------------------------------------------------------------------

const LEVELS = ['debug', 'info', 'warn', 'error']
function logs (el: HTMLElement): void {
  const sel = h('select', { id: 'log-level' }, ...LEVELS.map((l) => h('option', { value: l, selected: l === ui.logLevel }, `${l} and above`)))
  sel.addEventListener('change', () => { ui.logLevel = sel.value; renderScreen() })
  const min = LEVELS.indexOf(ui.logLevel)
  const lines = ui.model.logs.filter((l) => LEVELS.indexOf(l.level) >= min).slice(-300).reverse()
  el.append(h('section', { class: 'card wide' }, h('h2', {}, 'Logs'), sel,
    ui.model.logs.length === 0 ? h('p', { class: 'muted', id: 'log-empty' }, 'No log lines from the node yet (they arrive as `log` events on its API stream).') : null,
    h('ol', { id: 'log-list', class: 'logs' }, ...lines.map((l) => h('li', { class: `lvl-${l.level}` }, h('time', {}, l.time.slice(11, 19)), ` ${l.level} ${l.module}: `, l.msg)))))
}

main()
