/** Pure logic of the desktop: renderer model and rankings, power policy, notices, tray, IPC sender checks, paths, SSE, input parsing. */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ConsensusView, PeerEvents, StatusResponse } from '../src/shared/bridge-types.ts'
import { applyEvent, applyRankings, chainLabel, emptyModel, LIMITS } from '../src/renderer/store.ts'
import { explain, filterRows, rankRows, sortRows } from '../src/renderer/rankings.ts'
import { controlsFor, decide } from '../src/main/policy.ts'
import { noticeFor } from '../src/main/notices.ts'
import { trayState } from '../src/main/tray.ts'
import { trustedSender } from '../src/main/ipc.ts'
import { appFile } from '../src/main/protocol.ts'
import { staticPath } from '../src/host/server.ts'
import { parseSse } from '../src/host/node-link.ts'
import { DEFAULT_SETTINGS, parseOnboard, parseSettings } from '../src/host/settings.ts'
import { DesktopError } from '../src/host/errors.ts'

const consensus = (epoch: number, rank: number[], incentive: number[]): ConsensusView => ({
  epoch, validators: [0], hotkeys: ['5V', '5A', '5B'], incentive, dividends: [1, 0, 0], consensus: incentive, trust: [1, 0, 0], rank,
  anchored: [{ validatorUid: 0, blockNumber: 42, uids: [1, 2], weights: [49151, 16384] }], source: 'devnet-yuma',
})

const status = (): StatusResponse => ({
  peerId: '12D3KooWself', hotkey: '5V', uid: 0, role: 'validator', netuid: 1, task: 'mnist-mlp', network: 'devnet',
  chain: { kind: 'devnet', endpoint: 'ws://127.0.0.1:9', head: 7 }, backend: 'wasm', round: 3, epoch: 1, modelHash: null, paused: false,
  throttle: 1, testAccuracy: null, uptimeMs: 1,
  contribution: { cpuSeconds: 0, gpuSeconds: 0, samples: 640, updatesPublished: 0, updatesAccepted: 0, roundsCompleted: 3, lastScores: {}, estimatedEmissionShare: 0 },
})

describe('renderer model', () => {
  test('scores, consensus and anchors fold into rows that sort, filter and explain', () => {
    const m = emptyModel()
    m.status = status()
    const scored: PeerEvents['round:scored'] = { round: 3, baseLoss: 2, selected: [1], scores: [
      { uid: 1, hotkey: '5A', score: 0.3, ema: 0.2, penalties: [], gradient: 0.12 },
      { uid: 2, hotkey: '5B', score: 0, ema: 0.01, penalties: ['copy'], gradient: null },
    ] }
    applyEvent(m, 'round:scored', scored)
    applyEvent(m, 'rankings:local', { epoch: 1, uids: [1, 2], weights: [65535, 0] })
    applyEvent(m, 'rankings:consensus', consensus(1, [3, 1, 2], [0, 0.75, 0.25]))
    applyEvent(m, 'anchor:submitted', { epoch: 1, netuid: 1 })
    applyEvent(m, 'anchor:done', { epoch: 1, netuid: 1, blockNumber: 42, blockHash: '0xabc', recovered: false, resumed: false })
    applyEvent(m, 'peers', { peers: [{ peerId: '12D3KooWa', hotkey: '5A', uid: 1, connected: true, score: 1, appScore: 0, latencyMs: null, banned: false }] })
    assert.deepEqual(m.anchors, [{ epoch: 1, netuid: 1, status: 'done', blockNumber: 42, blockHash: '0xabc', extrinsicHash: null, error: null }])
    const rows = rankRows(m)
    assert.deepEqual(rows.map((r) => r.uid), [0, 1, 2])
    assert.equal(rows[1].peerId, '12D3KooWa')
    assert.equal(rows[0].peerId, '12D3KooWself', 'own PeerId from /status')
    assert.equal(rows[1].weight, 1)
    assert.deepEqual(sortRows(rows, 'incentive', 'desc').map((r) => r.uid), [1, 2, 0])
    assert.deepEqual(sortRows(rows, 'score', 'asc').map((r) => r.uid), [2, 1, 0], 'missing values last')
    assert.deepEqual(filterRows(rows, 'pen:').map((r) => r.uid), [2])
    assert.deepEqual(filterRows(rows, '12d3koowa').map((r) => r.uid), [1])
    const why2 = explain(rows[2], m).join('\n')
    assert.match(why2, /resembles one another miner published/)
    assert.match(why2, /anchored weight 25\.00 % for it in block #42/)
    assert.match(explain(rows[1], m).join('\n'), /lowered the held-out loss by 12\.00 %/)
    assert.equal(m.scoreHistory.get(1)?.length, 1)
    assert.match(chainLabel(m.status), /devnet · devnet ws:\/\/127\.0\.0\.1:9 · head #7/)
    assert.match(chainLabel({ ...status(), chain: null }), /no chain/)
  })

  test('a new consensus epoch keeps the previous ranks and extends the incentive history; logs are bounded', () => {
    const m = emptyModel()
    applyRankings(m, { local: null, scores: [], consensus: consensus(1, [3, 1, 2], [0, 0.75, 0.25]) })
    applyEvent(m, 'rankings:consensus', consensus(2, [3, 2, 1], [0, 0.25, 0.75]))
    assert.deepEqual(m.previousRank, [3, 1, 2])
    assert.deepEqual(m.incentiveHistory.get(2), [{ epoch: 1, incentive: 0.25 }, { epoch: 2, incentive: 0.75 }])
    for (let i = 0; i < LIMITS.logs + 20; i++) applyEvent(m, 'log', { level: 'info', module: 'x', msg: String(i), time: '' })
    assert.equal(m.logs.length, LIMITS.logs)
    assert.equal(m.logs[0].msg, '20')
  })
})

describe('power policy', () => {
  const s = { ...DEFAULT_SETTINGS, pauseOnBattery: true, pauseWhileActive: true, idleSeconds: 60, throttle: 0.5 }
  test('battery, user activity and the user decide; a locked screen means away', () => {
    assert.deepEqual(decide(s, { onBattery: true, idleSeconds: 999, locked: false }, false), { paused: true, reason: 'battery', throttle: 0.5 })
    assert.equal(decide(s, { onBattery: false, idleSeconds: 5, locked: false }, false).reason, 'user-active')
    assert.equal(decide(s, { onBattery: false, idleSeconds: 5, locked: true }, false).paused, false)
    assert.equal(decide(s, { onBattery: false, idleSeconds: 999, locked: false }, true).reason, 'user')
    assert.equal(decide({ ...s, pauseOnBattery: false }, { onBattery: true, idleSeconds: 999, locked: false }, false).paused, false)
  })
  test('controls only for what differs', () => {
    assert.deepEqual(controlsFor({ paused: false, throttle: 0.5 }, { paused: false, reason: null, throttle: 0.5 }), [])
    assert.deepEqual(controlsFor({ paused: false, throttle: 1 }, { paused: true, reason: 'battery', throttle: 0.5 }), [{ action: 'throttle', value: 0.5 }, { action: 'pause' }])
    assert.deepEqual(controlsFor(null, { paused: false, reason: null, throttle: 1 }), [{ action: 'throttle', value: 1 }, { action: 'resume' }])
  })
})

describe('notices and tray', () => {
  test('anchors notify; rank changes of this peer notify, the first view does not', () => {
    const st = { myUid: 1, lastRank: null }
    assert.match(noticeFor('anchor:done', { epoch: 4, netuid: 1, blockNumber: 99, blockHash: '', recovered: false, resumed: false }, st, DEFAULT_SETTINGS)!.body, /Epoch 4 .*block #99/)
    assert.equal(noticeFor('rankings:consensus', consensus(1, [3, 2, 1], [0, 0.2, 0.8]), st, DEFAULT_SETTINGS), null)
    const n = noticeFor('rankings:consensus', consensus(2, [3, 1, 2], [0, 0.8, 0.2]), st, DEFAULT_SETTINGS)
    assert.equal(n?.title, 'Your rank rose')
    assert.match(n!.body, /Rank 2 → 1/)
    assert.equal(noticeFor('anchor:done', { epoch: 4, netuid: 1, blockNumber: 99, blockHash: '', recovered: false, resumed: false }, st, { ...DEFAULT_SETTINGS, notifyAnchors: false }), null)
  })
  test('tray shows status and offers the opposite of the user\'s pause', () => {
    const t = trayState(status(), { paused: true, reason: 'user', throttle: 1 }, null)
    assert.match(t.tooltip, /paused \(by you\)/)
    assert.ok(t.items.some((i) => i.id === 'resume'))
    assert.ok(trayState(status(), { paused: false, reason: null, throttle: 1 }, null).items.some((i) => i.id === 'pause'))
    assert.match(trayState(null, null, 'boom').tooltip, /node stopped: boom/)
  })
})

describe('boundaries', () => {
  test('IPC senders: only the app window\'s main frame on app://renderer', () => {
    const ok = { webContentsId: 5, frameUrl: 'app://renderer/index.html', isMainFrame: true }
    assert.equal(trustedSender(ok, 5), true)
    assert.equal(trustedSender({ ...ok, webContentsId: 6 }, 5), false)
    assert.equal(trustedSender({ ...ok, isMainFrame: false }, 5), false)
    assert.equal(trustedSender({ ...ok, frameUrl: 'https://evil.example/' }, 5), false)
    assert.equal(trustedSender({ ...ok, frameUrl: 'app://rendererx/index.html' }, 5), false)
    assert.equal(trustedSender(ok, null), false)
  })
  test('app:// and static paths never leave the renderer folder', () => {
    assert.equal(appFile('/r', 'app://renderer/index.html'), '/r/index.html')
    assert.equal(appFile('/r', 'app://renderer/'), '/r/index.html')
    assert.equal(appFile('/r', 'app://renderer/%2e%2e/%2e%2e/etc/passwd'), '/r/etc/passwd', 'the URL parser resolves dot segments inside the root')
    assert.equal(staticPath('/r', '/%2e%2e/%2e%2e/etc/passwd'), null, 'encoded dot segments cannot escape')
    assert.equal(appFile('/r', 'app://other/index.html'), null)
    assert.equal(appFile('/r', 'file:///etc/passwd'), null)
    assert.equal(staticPath('/r', '/assets/a.js'), '/r/assets/a.js')
    assert.equal(staticPath('/r', '/../secret'), null)
    assert.equal(staticPath('/r', '/%00'), null)
    assert.equal(staticPath('/r', '/%E0%A4%A'), null)
  })
  test('SSE frames split across chunks', () => {
    const a = parseSse('event: hello\ndata: {"seq":0}\n\nid: 1\nevent: round:start\ndata: {"ro')
    assert.deepEqual(a.frames, [{ event: 'hello', data: '{"seq":0}', id: null }])
    const b = parseSse(a.rest + 'und":3}\n\n: comment\n\n')
    assert.deepEqual(b.frames, [{ event: 'round:start', data: '{"round":3}', id: '1' }])
    assert.equal(b.rest, '')
  })
  test('onboarding and settings input is validated before anything is touched', () => {
    const good = { mode: 'create', wallet: 'w', password: '12345678', network: 'devnet', role: 'both' }
    assert.equal(parseOnboard(good).hotkey, 'default')
    const bad: unknown[] = [null, [], { ...good, mode: 'x' }, { ...good, wallet: '../x' }, { ...good, wallet: '..' }, { ...good, password: 'short' },
      { ...good, network: 'mainnet' }, { ...good, role: 'god' }, { ...good, mode: 'import', coldkeyMnemonic: 'a b c', hotkeyMnemonic: 'a b c' }, { ...good, hotkey: 'a/b' }]
    for (const b of bad) assert.throws(() => parseOnboard(b), (e: unknown) => e instanceof DesktopError && e.code === 'BAD_REQUEST', JSON.stringify(b))
    const twelve = Array(12).fill('abandon').join('  ')
    assert.equal(parseOnboard({ ...good, mode: 'import', coldkeyMnemonic: twelve, hotkeyMnemonic: twelve }).coldkeyMnemonic, Array(12).fill('abandon').join(' '))
    assert.deepEqual(parseSettings({ throttle: 0.25, startAtLogin: true }), { throttle: 0.25, startAtLogin: true })
    for (const b of [{ throttle: 0 }, { throttle: Number.NaN }, { throttle: 2 }, { idleSeconds: 1.5 }, { startAtLogin: 'yes' }, { nope: 1 }, 'x']) {
      assert.throws(() => parseSettings(b), (e: unknown) => e instanceof DesktopError && e.code === 'BAD_REQUEST', JSON.stringify(b))
    }
  })
})
