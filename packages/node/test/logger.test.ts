import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger, logEventOf } from '../src/logger.ts'
import { PeerEmitter } from '../src/peer.ts'
import { startApi } from '../src/api.ts'
import type { PeerEventName } from '../src/api-types.ts'

describe('log events', () => {
  test('log lines reach the API event stream as structured, redacted `log` events', async () => {
    const events = new PeerEmitter()
    const log = createLogger({ level: 'info', sinks: [(r) => { if (r.level !== 'debug') events.emit('log', logEventOf(r)) }] }).child('peer')
    const server = await startApi({
      status: () => ({}), rankings: () => ({}), anchors: () => [],
      control: () => ({ ok: true, paused: false, throttle: 1 }),
      onEvent: (fn) => events.onAny(fn as (n: PeerEventName, d: unknown) => void),
    })
    const ac = new AbortController()
    try {
      const sse = await fetch(`${server.url}/events?token=${server.token}`, { signal: ac.signal })
      const reader = sse.body!.getReader()
      let text = new TextDecoder().decode((await reader.read()).value)
      log.debug('not streamed')
      log.warn('gradient publish failed', { round: 4, password: 'hunter2-secret', nested: { mnemonic: 'abandon abandon' } })
      while (!text.includes('event: log')) text += new TextDecoder().decode((await reader.read()).value)
      const data = JSON.parse(/event: log\ndata: (.*)\n/.exec(text)![1]) as { level: string, module: string, msg: string, time: string, fields: Record<string, unknown> }
      assert.equal(data.level, 'warn')
      assert.equal(data.module, 'node:peer')
      assert.equal(data.msg, 'gradient publish failed')
      assert.ok(!Number.isNaN(Date.parse(data.time)))
      assert.deepEqual(data.fields, { round: 4, password: '[redacted]', nested: { mnemonic: '[redacted]' } })
      assert.ok(!text.includes('hunter2') && !text.includes('abandon') && !text.includes('not streamed'))
    } finally {
      ac.abort()
      await server.close()
    }
  })
})
