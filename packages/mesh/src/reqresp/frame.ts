/**
 * Unsigned-varint length-prefixed frames (wire's protocols/encoding.md) over a libp2p byte stream.
 * Own reader instead of lpStream so the first byte can have its own deadline (time to first byte)
 * and an oversize length is refused before any payload is buffered.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import type { ByteStream } from '@libp2p/utils'
import type { MessageStream } from '@libp2p/interface'

export class FrameTooLargeError extends Error {
  readonly length: number
  constructor (length: number, max: number) {
    super(`frame of ${length} bytes exceeds the limit of ${max}`)
    this.name = 'FrameTooLargeError'
    this.length = length
  }
}

export function encodeVarint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Uint8Array.from(out)
}

export async function writeFrame (bs: ByteStream<MessageStream>, payload: Uint8Array, signal?: AbortSignal): Promise<void> {
  await bs.write(new Uint8ArrayList(encodeVarint(payload.byteLength), payload), { signal })
}

/**
 * Reads one frame. `firstByteSignal` bounds the wait for the first length byte; `signal` the rest.
 * Throws FrameTooLargeError for a length above `max`, and on a stream that ends mid-frame.
 */
export async function readFrame (bs: ByteStream<MessageStream>, max: number, signal: AbortSignal, firstByteSignal: AbortSignal = signal): Promise<Uint8Array> {
  let len = 0
  let mul = 1
  for (let i = 0; ; i++) {
    if (i >= 5) throw new FrameTooLargeError(Number.MAX_SAFE_INTEGER, max)
    const b = (await bs.read({ bytes: 1, signal: i === 0 ? firstByteSignal : signal })).get(0)
    len += (b & 0x7f) * mul
    mul *= 0x80
    if (b < 0x80) break
  }
  if (len > max) throw new FrameTooLargeError(len, max)
  if (len === 0) return new Uint8Array(0)
  return (await bs.read({ bytes: len, signal })).subarray()
}
