/**
 * Test-only pieces: wire ranking messages from keyring pairs, and a TCP proxy that can cut the websocket between the
 * API and the devnet at a chosen moment.
 */
import net from 'node:net'
import type { KeyringPair } from '@polkadot/keyring/types'
import { encodeRanking, signRanking } from '@tensormesh/wire'

/** A wire ranking message signed by `pair`. */
export function rankingBytes (pair: KeyringPair, r: { netuid: number, epoch: number, uids: number[], weights: number[], versionKey?: number }): Uint8Array {
  return encodeRanking(signRanking(pair, { netuid: r.netuid, epoch: r.epoch, uids: Uint16Array.from(r.uids), weights: Uint16Array.from(r.weights), versionKey: r.versionKey ?? 0 }))
}

/** TCP proxy in front of a ws server; can drop every connection when the server sends a matching frame. */
export class DropProxy {
  readonly #target: { host: string, port: number }
  readonly #server = net.createServer((c) => this.#onClient(c))
  readonly #sockets = new Set<net.Socket>()
  #refusing = false
  #armed: { pattern: string, resolve: () => void } | undefined
  #armedClient: { pattern: string, resolve: () => void } | undefined
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
    client.on('data', (d) => {
      const armed = this.#armedClient
      if (armed !== undefined && unmaskFirstFrame(d).includes(armed.pattern)) {
        this.#armedClient = undefined
        this.cut()
        armed.resolve()
        return
      }
      upstream.write(d)
    })
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

  /** Resolves after the connection was cut at the first client frame containing `pattern` (frame never sent on). */
  dropOnClient (pattern: string): Promise<void> {
    return new Promise((resolve) => { this.#armedClient = { pattern, resolve } })
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

/** Payload text of the first websocket frame in a client chunk (client frames are masked, RFC 6455 §5.3). */
function unmaskFirstFrame (d: Buffer): string {
  if (d.length < 2 || (d[1] & 0x80) === 0) return ''
  let len = d[1] & 0x7f
  let off = 2
  if (len === 126) { len = d.readUInt16BE(2); off = 4 } else if (len === 127) { len = Number(d.readBigUInt64BE(2)); off = 10 }
  const mask = d.subarray(off, off + 4)
  const body = d.subarray(off + 4, Math.min(d.length, off + 4 + len))
  const out = Buffer.alloc(body.length)
  for (let i = 0; i < body.length; i++) out[i] = body[i] ^ mask[i & 3]
  return out.toString('latin1')
}
