import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { applySource, chainEndpoint, defaultConfig, envPartial, publicConfig, resolveConfig } from '../src/config.ts'
import { NodeError } from '../src/errors.ts'

const code = (fn: () => unknown): string => {
  try { fn() } catch (e) { if (e instanceof NodeError) return e.code; throw e }
  return 'none'
}

describe('config', () => {
  test('precedence: defaults < file < env < flags', () => {
    const c = resolveConfig({
      dataDir: '/tmp/x',
      file: { role: 'miner', netuid: 3, round: { roundsPerEpoch: 5 } },
      env: { TENSORMESH_NETUID: '4', TENSORMESH_LOG_LEVEL: 'debug' },
      flags: { netuid: '7' },
    })
    assert.equal(c.role, 'miner')
    assert.equal(c.netuid, 7)
    assert.equal(c.logLevel, 'debug')
    assert.equal(c.round.roundsPerEpoch, 5)
    assert.equal(c.task, defaultConfig('/x').task)
  })

  test('bad flag values are BAD_FLAG naming the flag; bad file values BAD_CONFIG; bad env names the variable', () => {
    const base = defaultConfig('/tmp/x')
    assert.equal(code(() => applySource(base, { role: 'king' }, 'flag')), 'BAD_FLAG')
    assert.throws(() => applySource(base, { netuid: '70000' }, 'flag'), /--netuid: must be an integer in \[0, 65535\]/)
    assert.equal(code(() => applySource(base, { bogus: 1 }, 'file')), 'BAD_CONFIG')
    assert.throws(() => resolveConfig({ dataDir: '/x', file: null, env: { TENSORMESH_API_PORT: 'abc' }, flags: {} }), /TENSORMESH_API_PORT/)
    assert.throws(() => applySource(base, { chain: 'http://x' }, 'flag'), /ws:\/\//)
    assert.throws(() => applySource(base, { round: { minCollect: 0.9, maxCollect: 0.5 } }, 'file'), /must not exceed/)
    assert.throws(() => applySource(base, { round: { minCollect: 0.4 } }, 'file'), /must exceed the miners' training share/)
    assert.throws(() => applySource(base, { codec: { bits: 4 } }, 'file'), /"codec.bits": must be 2 or 8/)
    assert.equal(applySource(base, { codec: { bits: 2 } }, 'file').codec.bits, 2)
    assert.equal(code(() => resolveConfig({ dataDir: '/x', file: [] as unknown as Record<string, unknown>, env: {}, flags: {} })), 'BAD_CONFIG')
  })

  test('env list values split on commas; unset env changes nothing', () => {
    const p = envPartial({ TENSORMESH_BOOTSTRAP: '/ip4/1.2.3.4/tcp/1, /ip4/5.6.7.8/tcp/2', HOME: '/root' })
    assert.deepEqual(Object.keys(p), ['bootstrap'])
    const c = applySource(defaultConfig('/x'), p, 'env')
    assert.deepEqual(c.bootstrap, ['/ip4/1.2.3.4/tcp/1', '/ip4/5.6.7.8/tcp/2'])
  })

  test('chain endpoints per network, and secrets never in the public view', () => {
    const c = applySource(defaultConfig('/x'), { devKeyUri: '//secret', api: { token: 'x'.repeat(20) } }, 'file')
    assert.equal(chainEndpoint(c), null)
    assert.match(chainEndpoint(applySource(c, { network: 'finney' }, 'flag'))!, /^wss:\/\//)
    assert.equal(chainEndpoint(applySource(c, { network: 'local' }, 'flag')), 'ws://127.0.0.1:9944')
    const pub = JSON.stringify(publicConfig(c))
    assert.ok(!pub.includes('//secret') && !pub.includes('xxxxxxxxxxxxxxxxxxxx'))
  })
})
