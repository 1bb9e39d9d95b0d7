/**
 * The node's utility-process entry (src/main/node-entry.ts) forked the way the app forks it (FakeElectron in
 * main-app.test.ts does the same: a plain Node fork with the profile and data dir in the environment), with a fresh
 * data dir and a real btcli hotkey: on network devnet with no endpoint it starts the embedded devnet, the node's API
 * reports that chain with a head that advances, and {type:'stop'} stops the node and then the devnet.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mnemonicGenerate } from '@polkadot/util-crypto'
import { importHotkey } from '@tensormesh/chain'
import { defaultConfig, type StatusResponse } from '@tensormesh/node'
import type { Profile } from '../src/shared/bridge-types.ts'
import { devnetPlan } from '../src/main/embedded-devnet.ts'

// TENSORMESH_NODE_ENTRY=desktop/dist/main/node-entry.mjs runs the same test against the esbuild bundle.
const NODE_ENTRY = process.env.TENSORMESH_NODE_ENTRY ?? fileURLToPath(new URL('../src/main/node-entry.ts', import.meta.url))

test('devnetPlan: only devnet without an endpoint; our hotkey joins the members, funded', () => {
  const c = defaultConfig('/tmp/x')
  const plan = devnetPlan(c, '5Me', { TENSORMESH_DEVNET_BLOCK_MS: '500' })
  assert.deepEqual(plan?.members, ['5Me'])
  assert.equal(plan?.dataDir, join('/tmp/x', 'devnet'))
  assert.equal(plan?.blockTimeMs, 500)
  assert.ok(plan!.accounts[0].free > 0n)
  assert.equal(devnetPlan({ ...c, chain: 'ws://127.0.0.1:9' }, '5Me'), null, 'an endpoint is given')
  assert.equal(devnetPlan({ ...c, network: 'test' }, '5Me'), null, 'not devnet')
  const kept = devnetPlan({ ...c, members: ['5A', '5Me', '5B'] }, '5Me', { TENSORMESH_DEVNET_BLOCK_MS: 'nope' })
  assert.deepEqual(kept?.members, ['5A', '5Me', '5B'], 'configured uids keep their order')
  assert.equal(kept?.blockTimeMs, 2000, 'a bad block time falls back to the default')
  assert.ok(kept!.accounts[1].free > kept!.accounts[0].free, 'our hotkey holds the stake')
})

async function until<T> (what: string, fn: () => Promise<T | null | false | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn().catch(() => null)
    if (v !== null && v !== false && v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => { setTimeout(resolve, 200) })
  }
}

const refused = (endpoint: string): Promise<boolean> => new Promise((resolve) => {
  const u = new URL(endpoint)
  const s = connect(Number(u.port), u.hostname)
  s.once('connect', () => { s.destroy(); resolve(false) })
  s.once('error', () => { resolve(true) })
})

test('node entry on devnet with no endpoint starts the embedded devnet, follows its blocks, stops it on stop', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tm-entry-'))
  const walletRoot = join(dir, 'wallets')
  const hotkey = await importHotkey({ root: walletRoot, name: 'desk', mnemonic: mnemonicGenerate(12) })
  const profile: Profile = { wallet: 'desk', hotkeyName: 'default', coldkey: hotkey, hotkey, network: 'devnet', role: 'miner', walletDir: join(walletRoot, 'desk'), createdAt: new Date().toISOString() }
  const child = fork(NODE_ENTRY, [], {
    execArgv: [],
    env: { ...process.env, TENSORMESH_DESKTOP_PROFILE: JSON.stringify(profile), TENSORMESH_DATA_DIR: join(dir, 'node'), TENSORMESH_DEVNET_BLOCK_MS: '500', TENSORMESH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  const exited = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  const messages: Array<{ type?: string, endpoint?: string, url?: string, token?: string, message?: string }> = []
  child.on('message', (m) => { messages.push(m as never) })
  try {
    const api = await until('the API address', async () => {
      const err = messages.find((m) => m.type === 'error')
      if (err !== undefined) throw new Error(`node entry failed: ${err.message ?? ''}\n${stderr}`)
      return messages.find((m) => m.type === 'api') ?? null
    }).catch((e: unknown) => { throw new Error(`${String(e)}\n${stderr}`) })
    const devnet = messages.find((m) => m.type === 'devnet')
    assert.ok(devnet?.endpoint?.startsWith('ws://127.0.0.1:') === true, 'the embedded devnet announced its endpoint before the API')
    const status = async (): Promise<StatusResponse> => await (await fetch(`${api.url}/status`, { headers: { authorization: `Bearer ${api.token!}` } })).json() as StatusResponse
    const first = await until('a devnet head', async () => { const s = await status(); return s.chain?.head != null && s.chain.head > 0 ? s : null })
    assert.equal(first.chain?.kind, 'devnet')
    assert.equal(first.chain?.endpoint, devnet.endpoint)
    assert.equal(first.network, 'devnet')
    assert.equal(first.hotkey, hotkey)
    assert.equal(first.uid, 0, 'our hotkey is a member of the embedded subnet')
    const later = await until('a later devnet block', async () => { const s = await status(); return s.chain!.head! > first.chain!.head! ? s : null })
    assert.ok(later.chain!.head! > first.chain!.head!)

    child.send({ type: 'stop' })
    assert.equal(await exited, 0, `the entry exits cleanly\n${stderr}`)
    assert.ok(await refused(devnet.endpoint!), 'the devnet is stopped with the node')
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
})
