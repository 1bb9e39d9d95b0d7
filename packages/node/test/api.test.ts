import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { authorized, newToken, parseControl, startApi } from '../src/api.ts'
import type { PeerEventName } from '../src/api-types.ts'

describe('local API', () => {
  test('token check: header or query, constant-time, wrong or missing refused', () => {
    const t = newToken()
    assert.ok(t.length >= 32)
    assert.ok(authorized({ headers: { authorization: `Bearer ${t}` } }, t))
    assert.ok(authorized({ headers: {}, url: `/events?token=${t}` }, t))
    assert.ok(!authorized({ headers: {} , url: '/status' }, t))
    assert.ok(!authorized({ headers: { authorization: `Bearer ${t}x` } }, t))
    assert.ok(!authorized({ headers: { authorization: t } }, t))
  })

  test('control bodies are validated', () => {
    assert.deepEqual(parseControl({ action: 'pause' }), { action: 'pause' })
    assert.deepEqual(parseControl({ action: 'throttle', value: 0.5 }), { action: 'throttle', value: 0.5 })
    assert.throws(() => parseControl({ action: 'throttle', value: 7 }), /throttle/)
    assert.throws(() => parseControl({ action: 'reboot' }), /action/)
  })

  test('HTTP: 401 without token, JSON with it, control, SSE events', async () => {
    let listener: ((n: PeerEventName, d: unknown) => void) | null = null
    let paused = false
    const server = await startApi({
      status: () => ({ round: 3 }),
      rankings: () => ({ local: null, scores: [], consensus: null }),
      anchors: () => [{ epoch: 1, netuid: 1, status: 'done' }],
      control: (r) => { if (r.action === 'pause') paused = true; return { ok: true, paused, throttle: 1 } },
      onEvent: (fn) => { listener = fn; return () => { listener = null } },
    })
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const no = await fetch(server.url + '/status')
      assert.equal(no.status, 401)
      assert.equal(((await no.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED')
      const h = { authorization: `Bearer ${server.token}` }
      assert.deepEqual(await (await fetch(server.url + '/status', { headers: h })).json(), { round: 3 })
      assert.equal(((await (await fetch(server.url + '/anchors', { headers: h })).json()) as { anchors: unknown[] }).anchors.length, 1)
      const c = await fetch(server.url + '/control', { method: 'POST', headers: h, body: JSON.stringify({ action: 'pause' }) })
      assert.equal(((await c.json()) as { paused: boolean }).paused, true)
      const bad = await fetch(server.url + '/control', { method: 'POST', headers: h, body: '{"action":"x"}' })
      assert.equal(bad.status, 400)
      assert.equal((await fetch(server.url + '/nope', { headers: h })).status, 404)
      const ac = new AbortController()
      const sse = await fetch(`${server.url}/events?token=${server.token}`, { signal: ac.signal })
      assert.equal(sse.headers.get('content-type'), 'text/event-stream')
      const reader = sse.body!.getReader()
      let text = ''
      text += new TextDecoder().decode((await reader.read()).value)
      listener!('round:start', { round: 9, epoch: 3, startMs: 0, endMs: 1, deadlineMs: null })
      while (!text.includes('round:start')) text += new TextDecoder().decode((await reader.read()).value)
      assert.match(text, /event: round:start\ndata: \{"round":9/)
      ac.abort()
    } finally {
      await server.close()
    }
  })
})
