import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { EventLog, authorized, newToken, parseControl, replayFrom, startApi, type ApiServer } from '../src/api.ts'
import type { PeerEventName } from '../src/api-types.ts'

interface Frame { id: number | null, event: string, data: unknown }

/** Reads an SSE response frame by frame. */
function sseReader (res: Response): { next (): Promise<Frame> } {
  const reader = res.body!.getReader()
  const dec = new TextDecoder()
  let buf = ''
  return {
    async next () {
      while (!buf.includes('\n\n')) {
        const { done, value } = await reader.read()
        if (done) throw new Error('stream ended')
        buf += dec.decode(value, { stream: true })
      }
      const i = buf.indexOf('\n\n')
      const block = buf.slice(0, i)
      buf = buf.slice(i + 2)
      const f: Frame = { id: null, event: 'message', data: null }
      for (const line of block.split('\n')) {
        const k = line.indexOf(':')
        const field = line.slice(0, k)
        const value = line.slice(k + 1).trimStart()
        if (field === 'id') f.id = Number(value)
        if (field === 'event') f.event = value
        if (field === 'data') f.data = JSON.parse(value)
      }
      return f
    },
  }
}

/** A server whose events the test emits itself. */
async function eventServer (replay?: { maxEvents?: number, maxBytes?: number }): Promise<{ server: ApiServer, emit: (n: PeerEventName, d: unknown) => void }> {
  let listener: ((n: PeerEventName, d: unknown) => void) | null = null
  const server = await startApi({
    status: () => ({}), rankings: () => ({}), anchors: () => [],
    control: () => ({ ok: true, paused: false, throttle: 1 }),
    onEvent: (fn) => { listener = fn; return () => { listener = null } },
  }, replay === undefined ? {} : { replay })
  return { server, emit: (n, d) => { listener!(n, d) } }
}

async function openEvents (server: ApiServer, o: { lastEventId?: string, since?: string, signal: AbortSignal }): Promise<Response> {
  const q = o.since === undefined ? '' : `?since=${o.since}`
  return await fetch(`${server.url}/events${q}`, { signal: o.signal, headers: { authorization: `Bearer ${server.token}`, ...(o.lastEventId !== undefined ? { 'last-event-id': o.lastEventId } : {}) } })
}

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

  test('EventLog: events after an id; past its bounds the latest of each lost kind, then the whole log', () => {
    const log = new EventLog({ maxEvents: 3 })
    const names: PeerEventName[] = ['round:start', 'train:done', 'round:end', 'round:start', 'log']
    names.forEach((n, i) => { log.append(n, { i }) })
    assert.equal(log.seq, 5)
    assert.equal(log.oldest, 3)
    assert.deepEqual(log.after(3).events.map((e) => e.id), [4, 5])
    assert.equal(log.after(3).gap, false)
    assert.deepEqual(log.after(2).events.map((e) => e.id), [3, 4, 5], 'all kept events after 2: nothing lost')
    assert.deepEqual(log.after(5), { events: [], gap: false })
    // Events 1 and 2 are gone: train:done (2) is the only kind whose latest is no longer in the log.
    const stale = log.after(1)
    assert.equal(stale.gap, true)
    assert.deepEqual(stale.events.map((e) => [e.id, e.name]), [[2, 'train:done'], [3, 'round:end'], [4, 'round:start'], [5, 'log']])
    assert.deepEqual(log.after(0).events.map((e) => e.id), [2, 3, 4, 5])
    assert.deepEqual(log.after(99), stale, 'an id from an earlier run of the node gets the full state')
    assert.match(log.after(4).events[0].frame, /^id: 5\nevent: log\ndata: \{"i":4\}\n\n$/)

    const small = new EventLog({ maxBytes: 100 })
    for (let i = 0; i < 10; i++) small.append('log', { pad: 'x'.repeat(40) })
    assert.ok(small.size >= 1 && small.size <= 2, 'bounded by bytes')
    const huge = new EventLog({ maxBytes: 10 })
    huge.append('log', { pad: 'x'.repeat(100) })
    assert.equal(huge.size, 1, 'the newest event is kept even when larger than the bound')
  })

  test('replay point: Last-Event-ID before ?since=, malformed values refused', () => {
    assert.equal(replayFrom({ headers: {}, url: '/events' }), null)
    assert.equal(replayFrom({ headers: {}, url: '/events?since=7' }), 7)
    assert.equal(replayFrom({ headers: { 'last-event-id': '12' }, url: '/events?since=7' }), 12)
    for (const bad of ['-1', '1.5', 'abc', '1e3', '9'.repeat(16)]) assert.throws(() => replayFrom({ headers: { 'last-event-id': bad } }), /non-negative integer/, bad)
    assert.throws(() => replayFrom({ headers: {}, url: '/events?since=x' }), /non-negative integer/)
  })

  test('SSE: reconnecting with Last-Event-ID (or ?since=) gets exactly the missed events, in order, then live ones', async () => {
    const { server, emit } = await eventServer()
    try {
      const ac1 = new AbortController()
      const first = sseReader(await openEvents(server, { signal: ac1.signal }))
      assert.deepEqual((await first.next()).data, { seq: 0, since: null, replayed: 0, gap: false })
      for (let r = 1; r <= 3; r++) emit('round:start', { round: r })
      const seen = [await first.next(), await first.next(), await first.next()]
      assert.deepEqual(seen.map((f) => f.id), [1, 2, 3], 'ids increase by one')
      ac1.abort()

      // While disconnected: three more events of several kinds.
      emit('train:done', { round: 3, loss: 0.5 })
      emit('log', { level: 'info', msg: 'm' })
      emit('round:end', { round: 3 })
      const missed = [[4, 'train:done'], [5, 'log'], [6, 'round:end']]

      for (const how of [{ lastEventId: '3' }, { since: '3' }]) {
        const ac = new AbortController()
        const again = sseReader(await openEvents(server, { ...how, signal: ac.signal }))
        assert.deepEqual((await again.next()).data, { seq: 6, since: 3, replayed: 3, gap: false }, JSON.stringify(how))
        const got = [await again.next(), await again.next(), await again.next()]
        assert.deepEqual(got.map((f) => [f.id, f.event]), missed, JSON.stringify(how))
        assert.deepEqual(got[0].data, { round: 3, loss: 0.5 })
        ac.abort()
      }

      const ac2 = new AbortController()
      const live = sseReader(await openEvents(server, { lastEventId: '6', signal: ac2.signal }))
      assert.equal(((await live.next()).data as { replayed: number }).replayed, 0, 'up to date: nothing replayed')
      emit('round:start', { round: 4 })
      const f = await live.next()
      assert.deepEqual([f.id, f.event, f.data], [7, 'round:start', { round: 4 }], 'then the live stream goes on')
      ac2.abort()

      const bad = await openEvents(server, { lastEventId: 'yesterday', signal: AbortSignal.timeout(5000) })
      assert.equal(bad.status, 400)
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST')
    } finally {
      await server.close()
    }
  })

  test('SSE: a stale Last-Event-ID gets the latest event of each kind first, then the kept events (gap flagged)', async () => {
    const { server, emit } = await eventServer({ maxEvents: 4 })
    try {
      emit('peer:started', { peerId: 'P' }) // 1
      emit('state:paused', { paused: true }) // 2
      emit('round:start', { round: 1 }) // 3
      emit('state:paused', { paused: false }) // 4
      for (let r = 2; r <= 5; r++) emit('round:start', { round: r }) // 5..8: the log keeps 5..8
      const ac = new AbortController()
      const s = sseReader(await openEvents(server, { lastEventId: '2', signal: ac.signal }))
      assert.deepEqual((await s.next()).data, { seq: 8, since: 2, replayed: 6, gap: true })
      const got: Frame[] = []
      for (let i = 0; i < 6; i++) got.push(await s.next())
      assert.deepEqual(got.map((f) => [f.id, f.event]), [
        [1, 'peer:started'], [4, 'state:paused'], // the latest of each kind no longer kept, by id
        [5, 'round:start'], [6, 'round:start'], [7, 'round:start'], [8, 'round:start'],
      ])
      assert.deepEqual(got[1].data, { paused: false }, 'the latest state, not the first')
      ac.abort()
    } finally {
      await server.close()
    }
  })
})
