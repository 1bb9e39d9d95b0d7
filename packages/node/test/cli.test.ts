import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { loadConfig, main, parseFlags, rankingsTable, startFlagsToPartial } from '../src/cli.ts'
import { NodeError } from '../src/errors.ts'
import { unlockWallet } from '../src/wallet.ts'
import { readColdkeypub } from '@tensormesh/chain'
import { mnemonicGenerate } from '@polkadot/util-crypto'
import { demoOptionsFromFlags, demoPeers } from '../src/demo.ts'

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

async function codeOf (p: Promise<unknown>): Promise<string> {
  try { await p } catch (e) { if (e instanceof NodeError) return e.code; throw e }
  return 'none'
}

describe('CLI', () => {
  test('unknown commands and flags, missing values: clear coded errors', async () => {
    assert.equal(await codeOf(main(['frobnicate'])), 'UNKNOWN_COMMAND')
    assert.equal(await codeOf(main(['status', '--nope'])), 'BAD_FLAG')
    assert.throws(() => parseFlags(['--role'], { role: { type: 'string' } }), /--role/)
    assert.equal(await codeOf(main(['wallet', 'dance'])), 'BAD_FLAG')
    assert.equal(await codeOf(main(['replay', '--round', 'x', '--data-dir', mkdtempSync(join(tmpdir(), 'tm-cli-'))])), 'BAD_FLAG')
    assert.throws(() => demoOptionsFromFlags({ validators: '0' }), /--validators/)
  })

  test('flag values are checked by the config rules', () => {
    const d = mkdtempSync(join(tmpdir(), 'tm-cli-'))
    assert.throws(() => loadConfig({ 'data-dir': d }, startFlagsToPartial({ role: 'boss' }), {}), /--role: must be one of miner, validator, both/)
    const c = loadConfig({ 'data-dir': d }, startFlagsToPartial({ role: 'miner', rounds: '3', bootstrap: ['/ip4/1.1.1.1/tcp/1'] }), {})
    assert.equal(c.maxRounds, 3)
    assert.deepEqual(c.bootstrap, ['/ip4/1.1.1.1/tcp/1'])
    writeFileSync(join(d, 'config.json'), '{ not json')
    assert.throws(() => loadConfig({ 'data-dir': d }, {}, {}), /not valid JSON/)
    assert.throws(() => loadConfig({ 'data-dir': d, config: join(d, 'missing.json') }, {}, {}), /--config: no such file/)
  })

  test('start without a wallet, status without a peer: told what to do (exit codes 1 and 2)', () => {
    const d = mkdtempSync(join(tmpdir(), 'tm-cli-'))
    const env = { ...process.env, TENSORMESH_WALLET_PASSWORD: 'password1' }
    const r = spawnSync(process.execPath, [CLI, 'start', '--data-dir', d, '--wallet-path', join(d, 'bt'), '--wallet', 'ghost'], { encoding: 'utf8', env, timeout: 60_000 })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /no wallet "ghost".*tensormesh wallet create --name ghost.*WALLET_NOT_FOUND/s)
    const s = spawnSync(process.execPath, [CLI, 'status', '--data-dir', d], { encoding: 'utf8', timeout: 60_000 })
    assert.match(s.stderr, /no peer running.*NOT_RUNNING/)
    const b = spawnSync(process.execPath, [CLI, 'start', '--data-dir', d, '--netuid', 'x'], { encoding: 'utf8', timeout: 60_000 })
    assert.equal(b.status, 2)
    assert.match(b.stderr, /--netuid: must be an integer/)
  })

  test('an unreachable chain is a clear error naming the endpoint (plain btcli hotkey: no password asked)', () => {
    const d = mkdtempSync(join(tmpdir(), 'tm-cli-'))
    // No TENSORMESH_WALLET_PASSWORD: a plain hotkey (btcli's default) must unlock without one.
    const env = { ...process.env, TENSORMESH_WALLET_PASSWORD: '', TENSORMESH_WALLET_PATH: join(d, 'bt'), TENSORMESH_WALLET_MNEMONIC: mnemonicGenerate(12) }
    const i = spawnSync(process.execPath, [CLI, 'wallet', 'import', '--name', 'w', '--data-dir', d], { encoding: 'utf8', env, timeout: 60_000 })
    assert.equal(i.status, 0, i.stderr)
    // A closed loopback port: the devnet adapter cannot connect.
    const r = spawnSync(process.execPath, [CLI, 'start', '--data-dir', d, '--wallet', 'w', '--chain', 'ws://127.0.0.1:9'], { encoding: 'utf8', env, timeout: 90_000 })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /cannot reach the chain at ws:\/\/127\.0\.0\.1:9.*CHAIN_UNREACHABLE/s)
  })

  test('wallet create / import / list in btcli layout and keyfile format (one Argon2i run)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'tm-cli-'))
    const root = join(d, 'wallets')
    const env = { ...process.env, TENSORMESH_WALLET_PASSWORD: 'correct horse' }
    const c = spawnSync(process.execPath, [CLI, 'wallet', 'create', '--name', 'w1', '--wallet-path', root, '--data-dir', d], { encoding: 'utf8', env, timeout: 120_000 })
    assert.equal(c.status, 0, c.stderr)
    const coldkey = /coldkey: (\w+)/.exec(c.stdout)![1]
    const hotkey = /hotkey: (\w+)/.exec(c.stdout)![1]
    const hotkeyMnemonic = /hotkey mnemonic.*:\n\s+(.+)/.exec(c.stdout)![1].trim()
    assert.equal(hotkeyMnemonic.split(' ').length, 12)
    // btcli's files: an encrypted $NACL coldkey, coldkeypub.txt and a plain JSON hotkey, read back by chain's API.
    assert.equal(readFileSync(join(root, 'w1', 'coldkey')).subarray(0, 5).toString(), '$NACL')
    assert.equal(await readColdkeypub({ root, name: 'w1' }), coldkey)
    assert.equal(JSON.parse(readFileSync(join(root, 'w1', 'hotkeys', 'default'), 'utf8')).ss58Address, hotkey)
    assert.equal((await unlockWallet({ root, name: 'w1', hotkey: 'default' }, () => { throw new Error('no password needed') })).address, hotkey)
    const dup = spawnSync(process.execPath, [CLI, 'wallet', 'create', '--name', 'w1', '--wallet-path', root, '--data-dir', d], { encoding: 'utf8', env, timeout: 120_000 })
    assert.match(dup.stderr, /WALLET_EXISTS/)
    const i = spawnSync(process.execPath, [CLI, 'wallet', 'import', '--name', 'w2', '--hotkey', 'h2', '--wallet-path', root, '--data-dir', d], { encoding: 'utf8', env: { ...env, TENSORMESH_WALLET_MNEMONIC: hotkeyMnemonic }, timeout: 60_000 })
    assert.equal(i.status, 0, i.stderr)
    assert.ok(i.stdout.includes(hotkey))
    const l = spawnSync(process.execPath, [CLI, 'wallet', 'list', '--wallet-path', root, '--data-dir', d], { encoding: 'utf8', timeout: 60_000 })
    assert.match(l.stdout, new RegExp(`w1\\s+coldkey ${coldkey}`))
    assert.match(l.stdout, new RegExp(`h2\\s+hotkey\\s+${hotkey}`))
    assert.ok(!l.stdout.includes(hotkeyMnemonic))
    assert.equal(await codeOf(unlockWallet({ root, name: 'nope', hotkey: 'default' }, async () => 'x')), 'WALLET_NOT_FOUND')
  })

  test('demo roster and rankings table', () => {
    const peers = demoPeers({ validators: 2, miners: 3, freeRiders: 1, poisoners: 1 })
    assert.equal(peers.length, 7)
    assert.ok(peers[0].stake > peers[1].stake && peers[1].stake > peers[2].stake * 1000n)
    const t = rankingsTable({ local: null, scores: [{ uid: 2, hotkey: '5Abc', score: 0.5, ema: 0.25, penalties: ['late'], gradient: 0.1 }], consensus: null })
    assert.match(t, /^2\s+5Abc\s+0\.500\s+0\.250/m)
    assert.match(t, /late/)
  })
})
