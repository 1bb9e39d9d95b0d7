/**
 * The desktop host's logic, shared by the Electron main process (over IPC) and the browser host (over HTTP):
 * onboarding into a btcli-compatible wallet, the profile and the shell settings. Key material lives only here: the
 * renderer gets public addresses, recovery phrases go to a native dialog or the host's terminal.
 */
import { join } from 'node:path'
import type { HostInfo, OnboardResponse, Profile, ShellSettings } from '../shared/bridge-types.ts'
import { DesktopError } from './errors.ts'
import { loadState, parseOnboard, parseSettings, saveState, type DesktopState } from './settings.ts'
import { workerRunner, type WalletRunner } from './wallet-ops.ts'

export interface Backup { wallet: string, coldkey: string, hotkey: string, coldkeyMnemonic: string, hotkeyMnemonic: string }

export interface HostCoreOptions {
  kind: HostInfo['kind']
  /** Where desktop.json lives. */
  dataDir: string
  /** btcli wallets root (~/.bittensor/wallets by default). */
  walletRoot: string
  capabilities: HostInfo['capabilities']
  /** Shows a new wallet's recovery phrases to the user outside the renderer; says where. */
  showBackup: (b: Backup) => Promise<OnboardResponse['backupShownIn']>
  /** Applies changed settings (login item, throttle, power policy); errors are reported to the caller. */
  applySettings?: (s: ShellSettings, changed: Partial<ShellSettings>) => Promise<void> | void
  nodeError?: () => string | null
  /** Runs wallet operations (default: in a worker thread, Argon2i takes seconds). */
  wallets?: WalletRunner
  now?: () => Date
}

export class HostCore {
  private readonly o: HostCoreOptions
  private state: DesktopState
  private busy = false

  constructor (o: HostCoreOptions) {
    this.o = o
    this.state = loadState(o.dataDir)
  }

  get profile (): Profile | null { return this.state.profile }
  get settings (): ShellSettings { return { ...this.state.settings } }

  info (): HostInfo {
    return { kind: this.o.kind, onboarded: this.state.profile !== null, profile: this.state.profile, settings: this.settings, capabilities: this.o.capabilities, nodeError: this.o.nodeError?.() ?? null }
  }

  /** Validates, then creates or imports the wallet; one onboarding at a time. */
  async onboard (input: unknown): Promise<OnboardResponse> {
    const req = parseOnboard(input)
    if (this.busy) throw new DesktopError('BAD_REQUEST', 'onboarding already in progress')
    this.busy = true
    try {
      const ref = { root: this.o.walletRoot, name: req.wallet, hotkey: req.hotkey ?? 'default' }
      const run = this.o.wallets ?? workerRunner()
      const w = req.mode === 'create'
        ? await run({ kind: 'create', root: ref.root, wallet: ref.name, hotkey: ref.hotkey, password: req.password })
        : await run({ kind: 'import', root: ref.root, wallet: ref.name, hotkey: ref.hotkey, password: req.password, coldkeyMnemonic: req.coldkeyMnemonic!, hotkeyMnemonic: req.hotkeyMnemonic! })
      const { coldkey, hotkey } = w
      let backupShownIn: OnboardResponse['backupShownIn'] = 'none'
      if (w.coldkeyMnemonic !== null && w.hotkeyMnemonic !== null) {
        backupShownIn = await this.o.showBackup({ wallet: req.wallet, coldkey, hotkey, coldkeyMnemonic: w.coldkeyMnemonic, hotkeyMnemonic: w.hotkeyMnemonic })
      }
      const profile: Profile = {
        wallet: req.wallet, hotkeyName: ref.hotkey, coldkey, hotkey, network: req.network, role: req.role,
        walletDir: join(ref.root, ref.name), // btcli layout: <root>/<wallet>/{coldkey,coldkeypub.txt,hotkeys/}
        createdAt: (this.o.now?.() ?? new Date()).toISOString(),
      }
      this.state = { ...this.state, profile }
      await saveState(this.o.dataDir, this.state)
      return { profile, backupShownIn }
    } finally {
      this.busy = false
    }
  }

  async setSettings (input: unknown): Promise<ShellSettings> {
    const changed = parseSettings(input)
    const next = { ...this.state.settings, ...changed }
    if (changed.startAtLogin === true && !this.o.capabilities.startAtLogin) throw new DesktopError('BAD_REQUEST', 'this host cannot start at login')
    await this.o.applySettings?.(next, changed)
    this.state = { ...this.state, settings: next }
    await saveState(this.o.dataDir, this.state)
    return this.settings
  }
}
