/**
 * Types shared by the renderer, the preload bridge, the Electron main process and the browser host. The node's own
 * local API types are re-exported unchanged from `@tensormesh/node/api-types` (the renderer never redefines them);
 * what is added here is the desktop shell's part: onboarding, the profile and the shell's settings. Pure types.
 */
import type {
  AnchorsResponse, ControlRequest, ControlResponse, PeerEventName, PeerEvents, PeerView, RankingsResponse, RoleName,
  StatusResponse,
} from '@tensormesh/node/api-types'

export type {
  AnchorsResponse, ConsensusView, ContributionView, ControlRequest, ControlResponse, MinerScore, PeerEventName, PeerEvents,
  PeerView, RankingsResponse, RoleName, StatusResponse,
} from '@tensormesh/node/api-types'

export type NetworkName = 'devnet' | 'local' | 'test' | 'finney'
export const NETWORKS: readonly NetworkName[] = ['devnet', 'local', 'test', 'finney']
export const ROLES: readonly RoleName[] = ['both', 'miner', 'validator']

/** Onboarding: create a new btcli wallet (coldkey + hotkey) or import one from mnemonics. */
export interface OnboardRequest {
  mode: 'create' | 'import'
  /** btcli `--wallet.name`. */
  wallet: string
  /** btcli `--wallet.hotkey` (default 'default'). */
  hotkey?: string
  /** Coldkey password (btcli always encrypts coldkeys); at least 8 characters. */
  password: string
  /** Import only: the coldkey mnemonic (12–24 words). */
  coldkeyMnemonic?: string
  /** Import only: the hotkey mnemonic (12–24 words). */
  hotkeyMnemonic?: string
  network: NetworkName
  role: RoleName
}

/** What the renderer learns from onboarding: public addresses only, never a mnemonic or a secret key. */
export interface Profile {
  wallet: string
  hotkeyName: string
  coldkey: string
  hotkey: string
  network: NetworkName
  role: RoleName
  /** Where the wallet lives (btcli layout). */
  walletDir: string
  createdAt: string
}

export interface OnboardResponse {
  profile: Profile
  /** Where the recovery phrases of a new wallet were shown: a native dialog (app) or the host's terminal (browser). */
  backupShownIn: 'dialog' | 'terminal' | 'none'
}

/** Settings of the desktop shell (the node's own pause/throttle go through the node API). */
export interface ShellSettings {
  startAtLogin: boolean
  pauseOnBattery: boolean
  pauseWhileActive: boolean
  /** Seconds without input after which the user counts as away (pauseWhileActive). */
  idleSeconds: number
  /** Share of CPU/GPU work per round the user wants, in [0.05, 1] (sent to the node as its throttle). */
  throttle: number
  notifyAnchors: boolean
  notifyRankChanges: boolean
}

export interface HostInfo {
  kind: 'electron' | 'browser'
  onboarded: boolean
  profile: Profile | null
  settings: ShellSettings
  /** Settings this host can apply (a browser host has no tray, login item or power monitor). */
  capabilities: { startAtLogin: boolean, powerMonitor: boolean, notifications: boolean }
  /** Why the node is not connected, when it is not. */
  nodeError: string | null
}

export interface HostErrorBody { error: { code: string, message: string } }

/** The preload bridge (`window.tensormesh`): the node API mirrored one to one, plus the shell's calls. */
export interface TensorMeshBridge {
  status (): Promise<StatusResponse>
  rankings (): Promise<RankingsResponse>
  anchors (): Promise<AnchorsResponse>
  peers (): Promise<{ peers: PeerView[] }>
  control (req: ControlRequest): Promise<ControlResponse>
  /** Subscribes to node events; returns an unsubscribe function. */
  onEvent (fn: <N extends PeerEventName>(name: N, data: PeerEvents[N]) => void): () => void
  hostInfo (): Promise<HostInfo>
  onboard (req: OnboardRequest): Promise<OnboardResponse>
  setSettings (s: Partial<ShellSettings>): Promise<ShellSettings>
}

/** IPC channel names (main ↔ preload); every handler checks the sender. */
export const IPC = {
  status: 'tm:status',
  rankings: 'tm:rankings',
  anchors: 'tm:anchors',
  peers: 'tm:peers',
  control: 'tm:control',
  hostInfo: 'tm:host-info',
  onboard: 'tm:onboard',
  setSettings: 'tm:set-settings',
  event: 'tm:event',
} as const
export type IpcChannel = typeof IPC[keyof typeof IPC]
