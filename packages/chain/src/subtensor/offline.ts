/**
 * Offline building and signing against a runtime's metadata, no node needed: used for the test vectors against
 * the real subtensor metadata shipped in @bitgo/sdk-coin-tao, and usable for air-gapped signing.
 */
import { TypeRegistry, Metadata } from '@polkadot/types'
import { decorateExtrinsics } from '@polkadot/types/metadata/decorate'
import type { Call, ExtrinsicPayload } from '@polkadot/types/interfaces'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { SUBTENSOR_SIGNED_EXTENSIONS } from './presets.ts'

export interface RuntimeMaterial {
  /** SCALE metadata hex (`state_getMetadata`). */
  metadata: string
  genesisHash: string
  specVersion: number | string
  txVersion: number | string
  specName?: string
}

export interface OfflineRuntime {
  registry: TypeRegistry
  metadata: Metadata
  /** Call builders by pallet/method, as `api.tx` (returns unsigned `Call`s). */
  tx: ReturnType<typeof decorateExtrinsics>
  material: RuntimeMaterial
}

export function offlineRuntime (material: RuntimeMaterial): OfflineRuntime {
  const registry = new TypeRegistry()
  const metadata = new Metadata(registry, material.metadata as `0x${string}`)
  registry.setMetadata(metadata, undefined, SUBTENSOR_SIGNED_EXTENSIONS as never)
  const tx = decorateExtrinsics(registry, metadata.asLatest, metadata.version)
  return { registry, metadata, tx, material }
}

export interface OfflineSignOptions {
  nonce: number
  tip?: bigint
  /** Mortal era: the checkpoint block and the period (power of two, 4..65536). */
  era: { current: number, period: number }
  /** Hash of block `era.current`. */
  blockHash: string
}

export interface OfflineSigned {
  /** Signing payload as it is signed (before the >256-byte blake2 rule). */
  payload: string
  signature: string
  /** Full signed extrinsic (length-prefixed). */
  extrinsic: string
  hash: string
}

export function signingPayload (rt: OfflineRuntime, call: Call, o: OfflineSignOptions): ExtrinsicPayload {
  const { registry, material } = rt
  return registry.createType('ExtrinsicPayload', {
    method: call.toHex(),
    era: registry.createType('ExtrinsicEra', { current: o.era.current, period: o.era.period }),
    nonce: o.nonce,
    tip: o.tip ?? 0n,
    mode: 0,
    specVersion: Number(material.specVersion),
    transactionVersion: Number(material.txVersion),
    genesisHash: material.genesisHash,
    blockHash: o.blockHash,
    version: 4,
  }, { version: 4 })
}

/** Build and sign a v4 extrinsic for `call` with explicit nonce/era/tip (sr25519 signatures are randomized). */
export function signOffline (rt: OfflineRuntime, call: Call, signer: KeyringPair, o: OfflineSignOptions): OfflineSigned {
  const payload = signingPayload(rt, call, o)
  const { signature } = payload.sign(signer)
  const ext = rt.registry.createType('Extrinsic', call, { version: 4 })
  ext.addSignature(signer.address, signature, payload.toHex())
  return { payload: u8aToHex(payload.toU8a({ method: true })), signature, extrinsic: ext.toHex(), hash: ext.hash.toHex() }
}
