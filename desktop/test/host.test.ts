/** The browser host over real HTTP: token, static files with the CSP, routes, bad bodies, node absent, wallet conflicts. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HostCore } from '../src/host/core.ts'
import { startHostServer } from '../src/host/server.ts'

test('browser host: token, CSP, routes, input errors, no node, existing wallet', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tm-host-'))
  const renderer = join(dir, 'renderer')
  mkdirSync(join(renderer, 'assets'), { recursive: true })
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>x</title>')
  writeFileSync(join(renderer, 'assets', 'a.js'), 'export {}')
  writeFileSync(join(dir, 'secret.txt'), 'nope')
  mkdirSync(join(dir, 'wallets', 'taken'), { recursive: true })
  writeFileSync(join(dir, 'wallets', 'taken', 'coldkey'), 'x')
  const core = new HostCore({ kind: 'browser', dataDir: join(dir, 'desk'), walletRoot: join(dir, 'wallets'), capabilities: { startAtLogin: false, powerMonitor: false, notifications: false }, showBackup: async () => 'terminal', nodeError: () => 'no node here' })
  const host = await startHostServer({ rendererDir: renderer, core, node: () => null })
  const get = (path: string, token: string | null = host.token, init: RequestInit = {}): Promise<Response> => fetch(host.url + path, { ...init, headers: token === null ? {} : { authorization: `Bearer ${token}` } })
  try {
    const index = await get('/', null)
    assert.equal(index.status, 200)
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'.*frame-ancestors 'none'/)
    assert.equal((await get('/assets/a.js', null)).headers.get('content-type'), 'text/javascript; charset=utf-8')
    assert.equal((await get('/..%2fsecret.txt', null)).status, 400, 'an encoded escape is refused')
    assert.equal((await get('/missing.js', null)).status, 404)
    assert.equal((await get('/', null, { method: 'POST' })).status, 404)

    assert.equal((await get('/host/info', null)).status, 401)
    assert.equal((await get('/host/info', 'x'.repeat(host.token.length))).status, 401)
    assert.equal((await get(`/host/info?token=${host.token}`, null)).status, 200, 'query token (EventSource)')
    const info = await (await get('/host/info')).json() as { onboarded: boolean, nodeError: string }
    assert.deepEqual([info.onboarded, info.nodeError], [false, 'no node here'])
    const api = await get('/api/status')
    assert.equal(api.status, 502)
    assert.equal((await api.json() as { error: { code: string } }).error.code, 'NODE_UNAVAILABLE')

    const post = (path: string, body: string): Promise<Response> => fetch(host.url + path, { method: 'POST', body, headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' } })
    assert.equal((await post('/host/settings', '{not json')).status, 400)
    assert.equal((await post('/host/settings', JSON.stringify({ throttle: 5 }))).status, 400)
    assert.equal((await post('/host/settings', 'x'.repeat(70_000))).status, 400)
    const saved = await (await post('/host/settings', JSON.stringify({ throttle: 0.5, pauseOnBattery: false }))).json() as { throttle: number, pauseOnBattery: boolean }
    assert.deepEqual([saved.throttle, saved.pauseOnBattery], [0.5, false])
    assert.equal((await post('/host/settings', JSON.stringify({ startAtLogin: true }))).status, 400, 'a browser host cannot start at login')
    const taken = await post('/host/onboard', JSON.stringify({ mode: 'create', wallet: 'taken', password: '12345678', network: 'devnet', role: 'both' }))
    assert.equal(taken.status, 409)
    assert.equal((await taken.json() as { error: { code: string } }).error.code, 'WALLET_EXISTS')
    assert.equal(core.info().onboarded, false)
    assert.equal((await get('/host/nope')).status, 404)
  } finally {
    await host.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
