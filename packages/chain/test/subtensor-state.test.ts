import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { offlineRuntime } from '../src/subtensor/offline.ts'
import { subtensorCapabilities, requireStorage, missingStorage, METAGRAPH_STORAGE, HYPERPARAMETER_STORAGE } from '../src/subtensor/capabilities.ts'
import { resolveSubtensorNetwork } from '../src/subtensor/presets.ts'
import { PendingCommitStore } from '../src/subtensor/commits.ts'
import { ChainError } from '../src/errors.ts'

const require = createRequire(import.meta.url)
const mainnet = require('@bitgo/sdk-coin-tao/dist/src/resources/mainnet.js').mainnetMaterial
const testnet = require('@bitgo/sdk-coin-tao/dist/src/resources/testnet.js').testnetMaterial

describe('runtime capabilities from real subtensor metadata', () => {
  test('spec 219 (mainnet) and 224 (testnet): metagraph storage present, pre-dTAO stake, CRv3 call', () => {
    for (const m of [mainnet, testnet]) {
      const caps = subtensorCapabilities(offlineRuntime(m).metadata, Number(m.specVersion))
      assert.equal(caps.palletIndex, 7)
      assert.deepEqual(missingStorage(caps, METAGRAPH_STORAGE), [])
      requireStorage(caps, METAGRAPH_STORAGE, 'reading the metagraph')
      assert.equal(caps.hashCommitReveal, true)
      assert.ok(caps.calls.has('set_weights') && caps.calls.has('burned_register'))
    }
    const caps = subtensorCapabilities(offlineRuntime(mainnet).metadata, 219)
    // Spec 219 predates dynamic TAO: stake is the global TotalHotkeyStake, and the timelocked call is the old CRv3 one.
    assert.equal(caps.stakeSource, 'TotalHotkeyStake')
    assert.equal(caps.timelockedCommit, 'commit_crv3_weights')
    assert.ok(caps.storage.has('ActivityCutoff') && !caps.storage.has('ActivityCutoffFactorMilli'))
  })

  test('missing storage fails with a message naming every missing item and the spec', () => {
    const caps = subtensorCapabilities(offlineRuntime(mainnet).metadata, 219)
    const missing = missingStorage(caps, HYPERPARAMETER_STORAGE)
    assert.ok(missing.includes('Yuma3On') && missing.includes('CommitRevealWeightsVersion') && !missing.includes('Tempo'))
    assert.throws(() => requireStorage(caps, ['Tempo', 'TotalHotkeyAlpha', 'SubnetOwnerHotkey'], 'reading stakes'), (e: unknown) => {
      assert.ok(e instanceof ChainError)
      assert.equal(e.code, 'MISSING_STORAGE')
      assert.deepEqual(e.data.missing, ['TotalHotkeyAlpha', 'SubnetOwnerHotkey'])
      assert.match(e.message, /TotalHotkeyAlpha, SubnetOwnerHotkey.*spec 219/)
      return true
    })
  })

  test('network presets as btcli names them', () => {
    assert.deepEqual(resolveSubtensorNetwork('finney'), { network: 'finney', endpoint: 'wss://entrypoint-finney.opentensor.ai:443' })
    assert.deepEqual(resolveSubtensorNetwork('test'), { network: 'test', endpoint: 'wss://test.finney.opentensor.ai:443' })
    assert.deepEqual(resolveSubtensorNetwork('local'), { network: 'local', endpoint: 'ws://127.0.0.1:9944' })
    assert.deepEqual(resolveSubtensorNetwork('ws://10.0.0.5:9944'), { network: 'ws://10.0.0.5:9944', endpoint: 'ws://10.0.0.5:9944' })
    assert.throws(() => resolveSubtensorNetwork('http://x'), { code: 'BAD_INPUT' })
    assert.throws(() => resolveSubtensorNetwork('nonsense'), { code: 'BAD_INPUT' })
  })
})

describe('pending commits store', () => {
  test('survives a restart, leftover temp files are ignored, corruption is an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-commits-'))
    try {
      const path = join(dir, 'pending-commits.json')
      const a = await new PendingCommitStore(path).load()
      const base = { netuid: 1, hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', uids: [0, 1], values: [65535, 1], salt: [1, 2, 3, 4, 5, 6, 7, 8], versionKey: '3', extrinsicHash: '0x01' }
      await a.put({ ...base, commitHash: '0xaa', status: 'signed' })
      await a.put({ ...base, commitHash: '0xbb', status: 'signed' })
      await a.update('0xaa', base.hotkey, { status: 'committed', commitBlock: 100 })
      // A crash mid-write leaves a temp file next to the store; it must not be read.
      writeFileSync(join(dir, '.pending-commits.json.999.1.x.tmp'), '{"version":1,"commits":[]')
      const b = await new PendingCommitStore(path).load()
      assert.deepEqual(b.list().map((c) => [c.commitHash, c.status, c.commitBlock, c.salt]), [['0xaa', 'committed', 100, base.salt], ['0xbb', 'signed', undefined, base.salt]])
      assert.deepEqual(b.list({ status: 'signed' }).map((c) => c.commitHash), ['0xbb'])
      await assert.rejects(b.update('0xcc', base.hotkey, { status: 'revealed' }), { code: 'COMMIT_NOT_FOUND' })
      assert.ok(readdirSync(dir).every((f) => f === 'pending-commits.json' || f.endsWith('.x.tmp')))
      assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, 1)
      writeFileSync(path, '{"version":1,"commits":[')
      await assert.rejects(new PendingCommitStore(path).load(), { code: 'STORE_CORRUPT' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
