/**
 * The embedded devnet of the desktop app's node: on network devnet with no chain endpoint configured, the node's
 * utility process starts a devnet of its own (packages/node's `spawnDevnet`: Chopsticks in a child process, as
 * `tensormesh demo` does), funds this peer's hotkey, makes it a member of the subnet, and stops it on shutdown.
 * Its database lives in `<dataDir>/devnet`, so a restart of the app resumes the same chain (anchors, rounds).
 */
import { join } from 'node:path'
import type { PeerConfig } from '@tensormesh/node'

/** A validator-sized balance for our own hotkey (the devnet's stake is the free balance); dust for other members. */
const OWN_BALANCE = 10n ** 18n
const MEMBER_BALANCE = 10n ** 13n
export const DEFAULT_DEVNET_BLOCK_MS = 2000

export interface DevnetPlan {
  dataDir: string
  accounts: Array<{ address: string, free: bigint }>
  /** Subnet members (uid = index); our hotkey is one of them. */
  members: string[]
  blockTimeMs: number
}

/**
 * Whether (and how) to start a devnet for this config. Pure: null unless the network is devnet and no endpoint is
 * given. Configured members are kept in their order (their uids); our hotkey is appended when missing.
 */
export function devnetPlan (config: PeerConfig, hotkey: string, env: NodeJS.ProcessEnv = {}): DevnetPlan | null {
  if (config.network !== 'devnet' || config.chain !== null) return null
  const members = config.members.includes(hotkey) ? [...config.members] : [...config.members, hotkey]
  const ms = Number(env.TENSORMESH_DEVNET_BLOCK_MS ?? DEFAULT_DEVNET_BLOCK_MS)
  const blockTimeMs = Number.isInteger(ms) && ms >= 100 && ms <= 60_000 ? ms : DEFAULT_DEVNET_BLOCK_MS
  return {
    dataDir: join(config.dataDir, 'devnet'),
    accounts: members.map((address) => ({ address, free: address === hotkey ? OWN_BALANCE : MEMBER_BALANCE })),
    members,
    blockTimeMs,
  }
}

/** The running devnet as the node entry sees it (packages/node's DevnetHandle satisfies it). */
export interface EmbeddedDevnet { endpoint: string, stop (): Promise<void> }

export type SpawnDevnet = (dataDir: string, accounts: Array<{ address: string, free: bigint }>, blockTimeMs: number) => Promise<EmbeddedDevnet>

/**
 * Starts the planned devnet and returns the config pointed at it. Under Electron the devnet child is forked from the
 * utility process with Electron's own binary: ELECTRON_RUN_AS_NODE makes that binary behave as plain Node there.
 */
export async function startEmbeddedDevnet (config: PeerConfig, plan: DevnetPlan, spawn: SpawnDevnet): Promise<{ config: PeerConfig, devnet: EmbeddedDevnet }> {
  if (process.versions.electron !== undefined) process.env.ELECTRON_RUN_AS_NODE = '1'
  const devnet = await spawn(plan.dataDir, plan.accounts, plan.blockTimeMs)
  // Round lengths follow the devnet's block time (the config's roundMs is only the wall-clock fallback).
  const round = { ...config.round, roundMs: config.round.blocksPerRound * plan.blockTimeMs }
  return { config: { ...config, chain: devnet.endpoint, members: plan.members, round }, devnet }
}
