// Gradient codec throughput and compression: encode (chunked top-k + quantisation), decode, error-feedback encode,
// splitting into wire-sized parts. MB/s counts the dense fp32 input (4 bytes per parameter); medians of several runs.
import { encodeUpdate, decodeUpdate, ErrorFeedback, splitUpdate, compressionRatio, encodedByteLength, type CodecOptions } from '@tensormesh/learn'

function vec(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0
    // heavy-ish tails like real pseudo-gradients
    const u = s / 2 ** 32 - 0.5
    out[i] = u * u * u * 8
  }
  return out
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

function time(fn: () => void, reps: number): number {
  fn()
  const ts: number[] = []
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now()
    fn()
    ts.push(performance.now() - t0)
  }
  return median(ts)
}

const MAX_MESSAGE = 1 << 20 // 1 MiB parts (the mesh's gossip limit is below 4 MiB)
const sizes = [101_770, 1_000_000, 10_000_000]
const configs: CodecOptions[] = [
  { chunkSize: 4096, topK: 16, bits: 2 },
  { chunkSize: 4096, topK: 64, bits: 2 },
  { chunkSize: 4096, topK: 16, bits: 8 },
  { chunkSize: 1024, topK: 64, bits: 8 },
]
console.log('params      config                 ratio   bytes      parts  encode MB/s  decode MB/s  EF-encode MB/s')
for (const n of sizes) {
  const v = vec(n, n)
  const mb = (4 * n) / 2 ** 20
  const reps = n > 5e6 ? 3 : 7
  for (const c of configs) {
    const enc = encodeUpdate(v, c)
    const parts = splitUpdate(enc, MAX_MESSAGE)
    const tEnc = time(() => encodeUpdate(v, c), reps)
    const tDec = time(() => decodeUpdate(enc), reps)
    const ef = new ErrorFeedback(n, c)
    const tEf = time(() => ef.encode(v), reps)
    console.log(
      `${String(n).padStart(10)}  ${`chunk ${c.chunkSize} top-${c.topK} ${c.bits}-bit`.padEnd(22)} ${compressionRatio(enc).toFixed(1).padStart(6)}x ${String(encodedByteLength(enc)).padStart(9)}  ${String(parts.length).padStart(5)}  ` +
        `${(mb / (tEnc / 1000)).toFixed(0).padStart(11)}  ${(mb / (tDec / 1000)).toFixed(0).padStart(11)}  ${(mb / (tEf / 1000)).toFixed(0).padStart(14)}`,
    )
  }
}
