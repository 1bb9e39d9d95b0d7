/** Shell settings and the onboarding profile: validated, persisted as `<dataDir>/desktop.json` (no secrets in it). */
import { readFileSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { NETWORKS, ROLES, type NetworkName, type OnboardRequest, type Profile, type RoleName, type ShellSettings } from '../shared/bridge-types.ts'
import { DesktopError } from './errors.ts'

export const DEFAULT_SETTINGS: ShellSettings = {
  startAtLogin: false, pauseOnBattery: true, pauseWhileActive: false, idleSeconds: 120, throttle: 1, notifyAnchors: true, notifyRankChanges: true,
}

export interface DesktopState { version: 1, profile: Profile | null, settings: ShellSettings }

const bad = (msg: string, data: Record<string, unknown> = {}): never => { throw new DesktopError('BAD_REQUEST', msg, data) }

/** Validates a partial settings update; unknown keys and wrong types are BAD_REQUEST. Pure. */
export function parseSettings (input: unknown): Partial<ShellSettings> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) bad('settings must be a JSON object')
  const out: Partial<ShellSettings> = {}
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    switch (k) {
      case 'startAtLogin': case 'pauseOnBattery': case 'pauseWhileActive': case 'notifyAnchors': case 'notifyRankChanges':
        if (typeof v !== 'boolean') bad(`${k} must be true or false`, { key: k })
        out[k] = v as boolean
        break
      case 'idleSeconds':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 10 || v > 86_400) bad('idleSeconds must be an integer in [10, 86400]', { key: k })
        out.idleSeconds = v as number
        break
      case 'throttle':
        if (typeof v !== 'number' || !(v >= 0.05 && v <= 1)) bad('throttle must be a number in [0.05, 1]', { key: k })
        out.throttle = v as number
        break
      default: bad(`unknown setting "${k}"`, { key: k })
    }
  }
  return out
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/
const words = (s: string): number => s.trim().split(/\s+/).filter((w) => w !== '').length

/** Validates an onboarding request before any key material is touched. Pure. */
export function parseOnboard (input: unknown): OnboardRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) bad('onboarding request must be a JSON object')
  const o = input as Record<string, unknown>
  if (o.mode !== 'create' && o.mode !== 'import') bad('mode must be create or import')
  if (typeof o.wallet !== 'string' || !NAME.test(o.wallet) || o.wallet === '.' || o.wallet === '..') bad('wallet name must be 1-64 of A-Z a-z 0-9 . _ -')
  const hotkey = o.hotkey === undefined || o.hotkey === '' ? 'default' : o.hotkey
  if (typeof hotkey !== 'string' || !NAME.test(hotkey) || hotkey === '.' || hotkey === '..') bad('hotkey name must be 1-64 of A-Z a-z 0-9 . _ -')
  if (typeof o.password !== 'string' || o.password.length < 8 || o.password.length > 1024) bad('the coldkey password must have 8 to 1024 characters')
  if (typeof o.network !== 'string' || !NETWORKS.includes(o.network as NetworkName)) bad(`network must be one of ${NETWORKS.join(', ')}`)
  if (typeof o.role !== 'string' || !ROLES.includes(o.role as RoleName)) bad(`role must be one of ${ROLES.join(', ')}`)
  const req: OnboardRequest = { mode: o.mode as OnboardRequest['mode'], wallet: o.wallet as string, hotkey: hotkey as string, password: o.password as string, network: o.network as NetworkName, role: o.role as RoleName }
  if (req.mode === 'import') {
    for (const key of ['coldkeyMnemonic', 'hotkeyMnemonic'] as const) {
      const v = o[key]
      if (typeof v !== 'string' || ![12, 15, 18, 21, 24].includes(words(v))) bad(`${key} must be a 12, 15, 18, 21 or 24-word mnemonic`)
      req[key] = (v as string).trim().split(/\s+/).join(' ')
    }
  }
  return req
}

export function statePath (dataDir: string): string { return join(dataDir, 'desktop.json') }

export function loadState (dataDir: string): DesktopState {
  try {
    const raw = JSON.parse(readFileSync(statePath(dataDir), 'utf8')) as Partial<DesktopState>
    const settings = { ...DEFAULT_SETTINGS, ...parseSettings(raw.settings ?? {}) }
    return { version: 1, profile: raw.profile ?? null, settings }
  } catch {
    return { version: 1, profile: null, settings: { ...DEFAULT_SETTINGS } }
  }
}

export async function saveState (dataDir: string, s: DesktopState): Promise<void> {
  const p = statePath(dataDir)
  await mkdir(dirname(p), { recursive: true, mode: 0o700 })
  const tmp = `${p}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 })
  await rename(tmp, p)
}
