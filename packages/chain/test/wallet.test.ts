import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, readFileSync, writeFileSync, statSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { u8aToHex, stringToU8a, u8aToString } from '@polkadot/util'
import { cryptoWaitReady, sr25519Verify } from '@polkadot/util-crypto'
import {
  deriveKeyfileKey, encryptKeyfile, decryptKeyfile, keyfileDataFromMnemonic, parseKeyfileData, serializeKeyfileData,
  pairFromKeyfileData, keyfileEncryption, secretKeyFromBtwallet, secretKeyToBtwallet,
} from '../src/wallet/keyfile.ts'
import { createWallet, listWallets, loadColdkey, loadHotkey, readColdkeypub, importHotkey, walletPaths } from '../src/wallet/wallet.ts'

// From opentensor/btwallet tests/test_keyfile.py (test_create_sr25519_keypair, test_create_keypair_from_private_key,
// test_unsupport_crypto_type): one key seen through btwallet's own fields.
const BT_MNEMONIC = 'old leopard transfer rib spatial phone calm indicate online fire caution review'
const BT_SS58 = '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX'
const BT_PUBLIC = '0xe4359ad3e2716c539a1d663ebd0a51bdc5c98a12e663bb4c4402db47828c9446'
const BT_SEED = '0xda3cf5b1e9144931a0f0db65664aab662673b099415a7f8121b7245fb0be4143'
const BT_PRIVATE = '0x1f1995bdf3a17b60626a26cfe6f564b337d46056b7a1281b64c649d592ccda0a9cffd34d9fb01cae1fba61aeed184c817442a2186d5172416729a4b54dd4b84e'
// Argon2i(v1.3, t=8, m=512 MiB, p=1, salt=NACL_SALT) of "pw": computed identically by hash-wasm and by
// @noble/hashes' independent pure-JS argon2i.
const KDF_PW = '0xdd7366a7ef74d6f557dc4d5c029a98847630ea375f25a96ab233d147a8bf057e'

describe('keyfile format (btwallet compatible)', () => {
  before(async () => { await cryptoWaitReady() })

  test('mnemonic gives btwallet’s address, seed and privateKey bytes', async () => {
    const d = await keyfileDataFromMnemonic(BT_MNEMONIC)
    assert.equal(d.ss58Address, BT_SS58)
    assert.equal(u8aToHex(d.publicKey), BT_PUBLIC)
    assert.equal(u8aToHex(d.seed), BT_SEED)
    assert.equal(u8aToHex(d.privateKey), BT_PRIVATE)
    const json = JSON.parse(u8aToString(serializeKeyfileData(d)))
    assert.deepEqual(Object.keys(json).sort(), ['accountId', 'privateKey', 'publicKey', 'secretPhrase', 'secretSeed', 'ss58Address'])
    assert.equal(json.accountId, BT_PUBLIC)
    assert.equal(json.secretPhrase, BT_MNEMONIC)
  })

  test('a privateKey-only keyfile (btwallet create_from_private_key) signs as that key', async () => {
    const d = await parseKeyfileData(stringToU8a(JSON.stringify({ privateKey: BT_PRIVATE, publicKey: BT_PUBLIC, ss58Address: BT_SS58 })))
    const pair = pairFromKeyfileData(d)
    assert.equal(pair.address, BT_SS58)
    const msg = stringToU8a('weights')
    assert.ok(sr25519Verify(msg, pair.sign(msg), BT_PUBLIC))
    assert.deepEqual(secretKeyToBtwallet(secretKeyFromBtwallet(d.privateKey as Uint8Array)), d.privateKey)
  })

  test('inconsistent or malformed keyfiles are refused with a code', async () => {
    const wrongAddr = JSON.stringify({ secretPhrase: BT_MNEMONIC, ss58Address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' })
    await assert.rejects(parseKeyfileData(stringToU8a(wrongAddr)), { code: 'KEYFILE_MALFORMED' })
    await assert.rejects(parseKeyfileData(stringToU8a('{"privateKey":"0x1234"}')), { code: 'KEYFILE_MALFORMED' })
    await assert.rejects(parseKeyfileData(stringToU8a('not json')), { code: 'KEYFILE_MALFORMED' })
    await assert.rejects(parseKeyfileData(stringToU8a('{"secretPhrase":"one two three"}')), { code: 'BAD_MNEMONIC' })
    await assert.rejects(parseKeyfileData(stringToU8a(JSON.stringify({ privateKey: BT_PRIVATE.replace('1f19', '1f18'), publicKey: BT_PUBLIC }))), { code: 'KEYFILE_MALFORMED' })
  })

  test('$NACL: argon2i key vector, layout, round trip, wrong password, legacy formats', async () => {
    const key = await deriveKeyfileKey('pw')
    assert.equal(u8aToHex(key), KDF_PW)
    const plain = serializeKeyfileData(await keyfileDataFromMnemonic(BT_MNEMONIC))
    const enc = await encryptKeyfile(plain, { key })
    assert.equal(u8aToString(enc.subarray(0, 5)), '$NACL')
    assert.equal(enc.length, 5 + 24 + 16 + plain.length)
    assert.equal(keyfileEncryption(enc), 'nacl')
    assert.deepEqual(await decryptKeyfile(enc, { key }), plain)
    const wrong = key.slice(); wrong[0] ^= 1
    await assert.rejects(decryptKeyfile(enc, { key: wrong }), { code: 'WRONG_PASSWORD' })
    const tampered = enc.slice(); tampered[tampered.length - 1] ^= 1
    await assert.rejects(decryptKeyfile(tampered, { key }), { code: 'WRONG_PASSWORD' })
    await assert.rejects(decryptKeyfile(stringToU8a('$ANSIBLE_VAULT;1.1;AES256\n6162'), { key }), { code: 'KEYFILE_LEGACY_FORMAT' })
    await assert.rejects(decryptKeyfile(stringToU8a('gAAAAABlegacyfernettoken'), { key }), { code: 'KEYFILE_LEGACY_FORMAT' })
    await assert.rejects(parseKeyfileData(enc), { code: 'PASSWORD_REQUIRED' })
  })
})

describe('wallet directories (btcli layout)', () => {
  let root: string
  before(async () => { await cryptoWaitReady(); root = mkdtempSync(join(tmpdir(), 'tm-wallets-')) })
  after(() => rmSync(root, { recursive: true, force: true }))

  test('create, list, load with the password, wrong password refused, import a hotkey', async () => {
    // One derivation for the right password, reused (each costs seconds and 512 MiB); the wrong one goes the
    // password path end to end.
    const key = { key: await deriveKeyfileKey('correct horse') }
    const made = await createWallet({ root, name: 'alice', hotkey: 'validator', coldkeyPassword: key })
    const p = walletPaths({ root, name: 'alice' }, 'validator')
    assert.equal(keyfileEncryption(readFileSync(p.coldkey)), 'nacl')
    assert.equal(statSync(p.coldkey).mode & 0o777, 0o600)
    assert.equal(await readColdkeypub({ root, name: 'alice' }), made.coldkey)
    const pub = JSON.parse(readFileSync(p.coldkeypub, 'utf8'))
    assert.deepEqual(Object.keys(pub).sort(), ['accountId', 'publicKey', 'ss58Address'])
    // The plain hotkey file is what btcli writes for hotkeys: secretPhrase et al. in clear JSON.
    assert.equal(JSON.parse(readFileSync(p.hotkey, 'utf8')).secretPhrase, made.hotkeyMnemonic)

    const cold = await loadColdkey({ root, name: 'alice', password: key })
    assert.equal(cold.address, made.coldkey)
    await assert.rejects(loadColdkey({ root, name: 'alice', password: 'wrong horse' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'WRONG_PASSWORD')
      assert.ok(!e.message.includes('wrong horse') && !e.message.includes(made.coldkeyMnemonic.split(' ')[0] + ' '))
      return true
    })
    await assert.rejects(loadColdkey({ root, name: 'alice' }), { code: 'PASSWORD_REQUIRED' })
    assert.equal((await loadHotkey({ root, name: 'alice', hotkey: 'validator' })).address, made.hotkey)

    await importHotkey({ root, name: 'alice', hotkey: 'bt', mnemonic: BT_MNEMONIC })
    await assert.rejects(importHotkey({ root, name: 'alice', hotkey: 'bt', mnemonic: BT_MNEMONIC }), { code: 'WALLET_EXISTS' })
    assert.equal((await loadHotkey({ root, name: 'alice', hotkey: 'bt' })).address, BT_SS58)

    // A btcli-style wallet written by hand (privateKey-only hotkey) is listed and loads.
    mkdirSync(join(root, 'legacy', 'hotkeys'), { recursive: true })
    writeFileSync(join(root, 'legacy', 'coldkeypub.txt'), JSON.stringify({ accountId: BT_PUBLIC, publicKey: BT_PUBLIC, secretPhrase: null, secretSeed: null, ss58Address: BT_SS58 }))
    writeFileSync(join(root, 'legacy', 'hotkeys', 'default'), JSON.stringify({ accountId: BT_PUBLIC, privateKey: BT_PRIVATE, publicKey: BT_PUBLIC, ss58Address: BT_SS58 }))
    const list = await listWallets(root)
    assert.deepEqual(list.map((w) => [w.name, w.coldkeypub, w.coldkeyEncryption, w.hotkeys.map((h) => [h.name, h.ss58Address])]), [
      ['alice', made.coldkey, 'nacl', [['bt', BT_SS58], ['validator', made.hotkey]]],
      ['legacy', BT_SS58, null, [['default', BT_SS58]]],
    ])
    assert.equal((await loadHotkey({ root, name: 'legacy' })).address, BT_SS58)
    await assert.rejects(loadHotkey({ root, name: 'nobody' }), { code: 'WALLET_NOT_FOUND' })
    assert.throws(() => walletPaths({ root, name: '../etc' }), { code: 'BAD_INPUT' })
  })
})
