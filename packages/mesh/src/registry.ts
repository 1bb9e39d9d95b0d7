/**
 * Which hotkeys may speak on a subnet. The chain package implements this from the metagraph (or the
 * devnet's funded accounts); the mesh only asks. Answers are cached briefly because validation runs
 * per message.
 */

export interface HotkeyRegistry {
  /** True when `hotkey` (32-byte sr25519 public key) is registered on `netuid`. */
  isRegistered: (netuid: number, hotkey: Uint8Array) => boolean | Promise<boolean>
}

/** A fixed set of hotkeys per subnet: for tests and for a closed devnet. */
export class StaticHotkeyRegistry implements HotkeyRegistry {
  private readonly sets = new Map<number, Set<string>>()

  constructor (entries: Record<number, Uint8Array[]> = {}) {
    for (const [netuid, keys] of Object.entries(entries)) {
      for (const k of keys) this.add(Number(netuid), k)
    }
  }

  add (netuid: number, hotkey: Uint8Array): void {
    const set = this.sets.get(netuid) ?? new Set<string>()
    set.add(Buffer.from(hotkey).toString('hex'))
    this.sets.set(netuid, set)
  }

  isRegistered (netuid: number, hotkey: Uint8Array): boolean {
    return this.sets.get(netuid)?.has(Buffer.from(hotkey).toString('hex')) ?? false
  }
}

/** Caches a registry's answers: positive ones for `ttlMs`, negative ones for `negativeTtlMs`. */
export class CachedHotkeyRegistry implements HotkeyRegistry {
  private readonly inner: HotkeyRegistry
  private readonly cache = new Map<string, { ok: boolean, until: number }>()
  private readonly ttlMs: number
  private readonly negativeTtlMs: number

  constructor (inner: HotkeyRegistry, ttlMs = 60_000, negativeTtlMs = 5_000) {
    this.inner = inner
    this.ttlMs = ttlMs
    this.negativeTtlMs = negativeTtlMs
  }

  async isRegistered (netuid: number, hotkey: Uint8Array): Promise<boolean> {
    const key = `${netuid}:${Buffer.from(hotkey).toString('hex')}`
    const hit = this.cache.get(key)
    const now = Date.now()
    if (hit != null && hit.until > now) return hit.ok
    const ok = await this.inner.isRegistered(netuid, hotkey)
    this.cache.set(key, { ok, until: now + (ok ? this.ttlMs : this.negativeTtlMs) })
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string)
    return ok
  }
}
