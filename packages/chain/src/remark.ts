/**
 * Framing of ranking messages inside `system.remarkWithEvent`: a 4-byte tag so that other remarks on the same chain
 * are ignored cheaply, then the wire message bytes unchanged.
 */
import { ChainError } from './errors.ts'

/** ASCII "TMR1": TensorMesh ranking, framing version 1. */
export const RANKING_REMARK_TAG = new Uint8Array([0x54, 0x4d, 0x52, 0x31])
/** Largest ranking message we anchor (a full 4096-uid ranking is ~16 KiB; the remark must also fit a block). */
export const MAX_RANKING_BYTES = 128 * 1024

export function frameRanking (bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) throw new ChainError('BAD_INPUT', 'empty ranking message')
  if (bytes.length > MAX_RANKING_BYTES) throw new ChainError('PAYLOAD_TOO_LARGE', `ranking message of ${bytes.length} bytes exceeds ${MAX_RANKING_BYTES}`, { size: bytes.length, max: MAX_RANKING_BYTES })
  const out = new Uint8Array(RANKING_REMARK_TAG.length + bytes.length)
  out.set(RANKING_REMARK_TAG, 0)
  out.set(bytes, RANKING_REMARK_TAG.length)
  return out
}

/** The message bytes if `remark` carries our tag, else null. */
export function unframeRanking (remark: Uint8Array): Uint8Array | null {
  if (remark.length <= RANKING_REMARK_TAG.length || remark.length > RANKING_REMARK_TAG.length + MAX_RANKING_BYTES) return null
  for (let i = 0; i < RANKING_REMARK_TAG.length; i++) if (remark[i] !== RANKING_REMARK_TAG[i]) return null
  return remark.subarray(RANKING_REMARK_TAG.length)
}
