/**
 * Subtensor call arguments that need care: the commit-reveal hash and salts. Call layout comes from the chain's
 * metadata (YUMA.md §2); nothing here hard-codes call indices.
 */
import type { Registry } from '@polkadot/types/types'
import { blake2AsU8a, decodeAddress, randomAsU8a } from '@polkadot/util-crypto'
import { u8aToHex } from '@polkadot/util'
import { ChainError } from '../errors.ts'

export interface WeightsPayload {
  netuid: number
  uids: readonly number[]
  values: readonly number[]
  versionKey: bigint | number
}

function u16s (name: string, xs: readonly number[]): number[] {
  for (const x of xs) if (!Number.isInteger(x) || x < 0 || x > 0xffff) throw new ChainError('BAD_INPUT', `${name} must be u16 values`, { field: name })
  return [...xs]
}

/**
 * `get_commit_hash`: BlakeTwo256 of the SCALE tuple (hotkey AccountId32, netuid-or-mechanism index u16, uids
 * Vec<u16>, values Vec<u16>, salt Vec<u16>, version_key u64). Same as the SDK's `generate_weight_hash`.
 */
export function commitHash (registry: Registry, hotkey: string | Uint8Array, w: WeightsPayload, salt: readonly number[], mecid = 0): string {
  const who = typeof hotkey === 'string' ? decodeAddress(hotkey) : hotkey
  if (who.length !== 32) throw new ChainError('BAD_INPUT', 'hotkey must be a 32-byte account id')
  if (w.uids.length !== w.values.length) throw new ChainError('BAD_INPUT', 'uids and values differ in length')
  const idx = mecid * 4096 + w.netuid
  const tuple = registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [
    who, u16s('netuid', [idx])[0], u16s('uids', w.uids), u16s('values', w.values), u16s('salt', salt), BigInt(w.versionKey),
  ])
  return u8aToHex(blake2AsU8a(tuple.toU8a(), 256))
}

/** A fresh random salt (8 × u16, as the SDK uses). */
export function randomSalt (n = 8): number[] {
  const b = randomAsU8a(2 * n)
  return Array.from({ length: n }, (_, i) => b[2 * i] | (b[2 * i + 1] << 8))
}
