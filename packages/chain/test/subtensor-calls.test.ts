import { test, describe, before } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady, blake2AsHex, sr25519Verify } from '@polkadot/util-crypto'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { offlineRuntime, signOffline, signingPayload, type RuntimeMaterial } from '../src/subtensor/offline.ts'
import { commitHash } from '../src/subtensor/calls.ts'

const require = createRequire(import.meta.url)
const materials: Array<[string, RuntimeMaterial & { at: { hash: string, height: string } }]> = [
  ['mainnet spec 219', require('@bitgo/sdk-coin-tao/dist/src/resources/mainnet.js').mainnetMaterial],
  ['testnet spec 224', require('@bitgo/sdk-coin-tao/dist/src/resources/testnet.js').testnetMaterial],
]

// SCALE by hand, independent of @polkadot/types.
const le16 = (x: number): string => u8aToHex(new Uint8Array([x & 0xff, x >> 8]), -1, false)
const le32 = (x: number): string => u8aToHex(new Uint8Array([x & 0xff, (x >> 8) & 0xff, (x >> 16) & 0xff, x >>> 24]), -1, false)
const le64 = (x: number): string => le32(x) + '00000000'
const vec16 = (xs: number[]): string => u8aToHex(new Uint8Array([xs.length << 2]), -1, false) + xs.map(le16).join('')

const ALICE_PUB = 'd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d'
const UIDS = [0, 1, 2]
const VALUES = [65535, 32768, 0]
const SALT = [1, 2, 3, 4, 5, 6, 7, 8]
const VERSION_KEY = 7

describe('subtensor calls against the real metadata (offline)', () => {
  let alice: ReturnType<Keyring['addFromUri']>
  before(async () => { await cryptoWaitReady(); alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice') })

  for (const [label, material] of materials) {
    test(`${label}: set_weights, commit_weights, reveal_weights, burned_register bytes; signed, verified, decoded`, () => {
      const rt = offlineRuntime(material)
      const st = rt.tx.subtensorModule
      const setWeights = st.setWeights(1, UIDS, VALUES, VERSION_KEY)
      assert.equal(setWeights.toHex(), `0x0700${le16(1)}${vec16(UIDS)}${vec16(VALUES)}${le64(VERSION_KEY)}`)

      const expectedHash = blake2AsHex(hexToU8a(`0x${ALICE_PUB}${le16(1)}${vec16(UIDS)}${vec16(VALUES)}${vec16(SALT)}${le64(VERSION_KEY)}`), 256)
      const hash = commitHash(rt.registry, alice.address, { netuid: 1, uids: UIDS, values: VALUES, versionKey: VERSION_KEY }, SALT)
      assert.equal(hash, expectedHash)
      assert.equal(st.commitWeights(1, hash).toHex(), `0x0760${le16(1)}${hash.slice(2)}`)
      assert.equal(st.revealWeights(1, UIDS, VALUES, SALT, VERSION_KEY).toHex(), `0x0761${le16(1)}${vec16(UIDS)}${vec16(VALUES)}${vec16(SALT)}${le64(VERSION_KEY)}`)
      const burned = st.burnedRegister(1, alice.address)
      assert.equal(burned.toHex(), `0x0707${le16(1)}${ALICE_PUB}`)

      const height = Number(material.at.height)
      const opts = { nonce: 5, tip: 0n, era: { current: height, period: 64 }, blockHash: material.at.hash }
      for (const call of [setWeights, st.commitWeights(1, hash), burned]) {
        const payload = signingPayload(rt, call, opts)
        // call ‖ era ‖ nonce ‖ tip ‖ CheckMetadataHash mode ‖ spec ‖ tx version ‖ genesis ‖ era block ‖ metadata hash (None)
        const phase = height % 64
        const era = (5 | (phase << 4))
        const expected = `${call.toHex()}${le16(era)}14` + '00' + '00' + le32(Number(material.specVersion)) + le32(Number(material.txVersion)) +
          material.genesisHash.slice(2) + material.at.hash.slice(2) + '00'
        assert.equal(u8aToHex(payload.toU8a({ method: true })), expected)

        const signed = signOffline(rt, call, alice, opts)
        assert.equal(signed.payload, expected)
        // MultiSignature: 0x01 = Sr25519, then the 64-byte signature over the payload.
        assert.equal(signed.signature.slice(0, 4), '0x01')
        const sig = hexToU8a(signed.signature).subarray(1)
        assert.ok(sr25519Verify(hexToU8a(expected), sig, alice.publicKey))
        const back = rt.registry.createType('Extrinsic', signed.extrinsic)
        assert.equal(back.isSigned, true)
        assert.equal(back.signer.toString(), alice.address)
        assert.equal(back.nonce.toNumber(), 5)
        assert.equal(back.method.toHex(), call.toHex())
        assert.equal(back.era.asMortalEra.period.toNumber(), 64)
        assert.equal(back.era.asMortalEra.phase.toNumber(), phase)
        assert.equal(back.signature.toHex(), u8aToHex(sig))
        assert.equal(back.hash.toHex(), blake2AsHex(hexToU8a(signed.extrinsic), 256))
      }
      const decoded = rt.registry.createType('Call', setWeights.toU8a())
      assert.equal(`${decoded.section}.${decoded.method}`, 'subtensorModule.setWeights')
      assert.deepEqual(decoded.args.map((a) => a.toJSON()), [1, UIDS, VALUES, VERSION_KEY])
    })
  }
})
