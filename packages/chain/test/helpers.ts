/**
 * Test-only pieces: a small signed ranking codec standing in for @tensormesh/wire's format, and a TCP proxy that can
 * cut the websocket between the API and the devnet at a chosen moment.
 */
import net from 'node:net'
import { sr25519Verify } from '@polkadot/util-crypto'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { RankingCodec, RankingView } from '../src/types.ts'

export interface TestRanking extends RankingView { hotkey: Uint8Array, versionKey: bigint, signature: Uint8Array }

function body (r: Omit<TestRanking, 'signature'>): Uint8Array {
  const n = r.uids.length
  const out = new Uint8Array(2 + 4 + 32 + 8 + 2 + 4 * n)
  const dv = new DataView(out.buffer)
  dv.setUint16(0, r.netuid, true); dv.setUint32(2, r.epoch, true); out.set(r.hotkey, 6)
  dv.setBigUint64(38, BigInt(r.versionKey), true); dv.setUint16(46, n, true)
  for (let i = 0; i < n; i++) { dv.setUint16(48 + 2 * i, r.uids[i], true); dv.setUint16(48 + 2 * n + 2 * i, r.weights[i], true) }
  return out
}

export function encodeTestRanking (pair: KeyringPair, r: { netuid: number, epoch: number, uids: number[], weights: number[], versionKey?: bigint }): Uint8Array {
  const b = body({ netuid: r.netuid, epoch: r.epoch, hotkey: pair.publicKey, uids: Uint16Array.from(r.uids), weights: Uint16Array.from(r.weights), versionKey: r.versionKey ?? 0n })
  const sig = pair.sign(b)
  const out = new Uint8Array(b.length + 64)
  out.set(b); out.set(sig, b.length)
  return out
}

export const testCodec: RankingCodec<TestRanking> = {
  decode (bytes) {
    if (bytes.length < 48 + 64) throw new Error('short')
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const n = dv.getUint16(46, true)
    if (bytes.length !== 48 + 4 * n + 64) throw new Error('length')
    const uids = new Uint16Array(n); const weights = new Uint16Array(n)
    for (let i = 0; i < n; i++) { uids[i] = dv.getUint16(48 + 2 * i, true); weights[i] = dv.getUint16(48 + 2 * n + 2 * i, true) }
    return { netuid: dv.getUint16(0, true), epoch: dv.getUint32(2, true), hotkey: bytes.slice(6, 38), versionKey: dv.getBigUint64(38, true), uids, weights, signature: bytes.slice(bytes.length - 64) }
  },
  verify (r, bytes) {
    return sr25519Verify(bytes.subarray(0, bytes.length - 64), r.signature, r.hotkey)
  },
}

/** TCP proxy in front of a ws server; can drop every connection when the server sends a matching frame. */
export class DropProxy {
  readonly #target: { host: string, port: number }
  readonly #server = net.createServer((c) => this.#onClient(c))
  readonly #sockets = new Set<net.Socket>()
  #refusing = false
  #armed: { pattern: string, resolve: () => void } | undefined
  drops = 0

  constructor (endpoint: string) {
    const u = new URL(endpoint)
    this.#target = { host: u.hostname, port: Number(u.port) }
  }

  async listen (): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r))
    return `ws://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`
  }

  #onClient (client: net.Socket): void {
    if (this.#refusing) { client.destroy(); return }
    const upstream = net.connect(this.#target)
    this.#sockets.add(client); this.#sockets.add(upstream)
    const forget = (): void => { this.#sockets.delete(client); this.#sockets.delete(upstream); client.destroy(); upstream.destroy() }
    client.on('close', forget); upstream.on('close', forget); client.on('error', forget); upstream.on('error', forget)
    client.on('data', (d) => upstream.write(d))
    upstream.on('data', (d) => {
      const armed = this.#armed
      if (armed !== undefined && d.includes(armed.pattern)) {
        this.#armed = undefined
        this.cut()
        armed.resolve()
        return
      }
      client.write(d)
    })
  }

  /** Resolves after the connection was cut at the first server frame containing `pattern` (frame not delivered). */
  dropOn (pattern: string): Promise<void> {
    return new Promise((resolve) => { this.#armed = { pattern, resolve } })
  }

  /** Destroy every connection and refuse new ones until {@link restore}. */
  cut (): void {
    this.drops++
    this.#refusing = true
    for (const s of this.#sockets) s.destroy()
    this.#sockets.clear()
  }

  restore (): void { this.#refusing = false }

  async close (): Promise<void> {
    this.cut()
    await new Promise<void>((r) => this.#server.close(() => r()))
  }
}
