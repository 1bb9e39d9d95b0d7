import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, appendFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appendJsonLine, readJson, readJsonLines, writeFileAtomic, writeJsonAtomic } from '../src/persist.ts'
import { AnchorJournal, emptyState, ensureDataDir, loadState, saveState } from '../src/datadir.ts'
import { createLogger, redact, type LogRecord } from '../src/logger.ts'

const dir = (): string => mkdtempSync(join(tmpdir(), 'tm-node-'))

describe('persistence', () => {
  test('atomic write replaces content and leaves no temporary files', () => {
    const d = dir()
    const p = join(d, 'a', 'x.json')
    writeJsonAtomic(p, { a: 1, big: 5n })
    writeFileAtomic(p, '{"a":2}')
    assert.deepEqual(readJson(p, null), { a: 2 })
    assert.deepEqual(readdirSync(join(d, 'a')), ['x.json'])
  })

  test('a corrupt JSON file is an error, a missing one the fallback', () => {
    const d = dir()
    assert.equal(readJson(join(d, 'none.json'), 42), 42)
    writeFileSync(join(d, 'bad.json'), '{"a":')
    assert.throws(() => readJson(join(d, 'bad.json'), 0), (e: Error & { code?: string }) => e.code === 'PERSIST_FAILED')
  })

  test('journal skips a torn last line (crash mid-append)', () => {
    const d = dir()
    const p = join(d, 'j.jsonl')
    appendJsonLine(p, { n: 1 })
    appendJsonLine(p, { n: 2 })
    appendFileSync(p, '{"n":3')
    const r = readJsonLines<{ n: number }>(p)
    assert.deepEqual(r.entries.map((e) => e.n), [1, 2])
    assert.equal(r.torn, 1)
  })

  test('anchors journal: pending then done survives a reopen; state round-trips', () => {
    const d = dir()
    const paths = ensureDataDir(d)
    const j = new AnchorJournal(paths.anchors)
    j.record({ epoch: 3, netuid: 1, status: 'pending', bytes: 'ab' })
    j.record({ epoch: 4, netuid: 1, status: 'pending', bytes: 'cd' })
    j.record({ epoch: 3, netuid: 1, status: 'done', blockNumber: 9 })
    const again = new AnchorJournal(paths.anchors)
    assert.equal(again.get(1, 3)?.status, 'done')
    assert.deepEqual(again.pending().map((e) => e.epoch), [4])
    const s = emptyState()
    s.ema = { 2: 0.5 }
    s.lastRound = 7
    saveState(paths, s)
    assert.deepEqual(loadState(paths).ema, { 2: 0.5 })
    assert.equal(loadState(paths).lastRound, 7)
    assert.ok(readFileSync(paths.state, 'utf8').endsWith('\n'))
  })
})

describe('logger', () => {
  test('levels filter and secrets are redacted at any depth', () => {
    const out: LogRecord[] = []
    const log = createLogger({ level: 'info', sinks: [(r) => { out.push(r) }] }).child('x')
    log.debug('hidden')
    log.info('hello', { password: 'p', nested: { mnemonic: 'm', keep: 1 }, apiToken: 't' })
    assert.equal(out.length, 1)
    assert.equal(out[0].module, 'node:x')
    assert.equal(out[0].password, '[redacted]')
    assert.deepEqual(out[0].nested, { mnemonic: '[redacted]', keep: 1 })
    assert.equal(out[0].apiToken, '[redacted]')
    assert.deepEqual(redact({ seed: new Uint8Array(3) }), { seed: '[redacted]' })
  })
})
