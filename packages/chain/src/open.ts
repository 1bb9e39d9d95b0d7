/** One entry point for the app: open the configured chain (devnet by default) behind the ChainAnchor interface. */
import type { RankingMessage } from '@tensormesh/wire'
import { startDevnet, type Devnet, type DevnetAccount } from './devnet/launcher.ts'
import { DevnetAnchor } from './devnet/anchor.ts'
import { SubtensorAnchor } from './subtensor/anchor.ts'
import { wireRankingCodec } from './wire-codec.ts'
import type { RankingCodec } from './types.ts'

export type ChainConfig =
  | { kind: 'devnet', dataDir?: string, accounts?: DevnetAccount[], members?: string[], blockTimeMs?: number, tempo?: number }
  | { kind: 'subtensor', network: string, pendingCommitsPath?: string, commitReveal?: 'hash' | 'refuse-timelocked' }

export interface OpenedChain {
  anchor: DevnetAnchor<RankingMessage> | SubtensorAnchor<RankingMessage>
  /** The embedded devnet, when kind is 'devnet'. */
  devnet: Devnet | null
  /** Closes the connection and stops the devnet (never hangs on Chopsticks' worker). */
  close (): Promise<void>
}

export async function openChain (config: ChainConfig, codec: RankingCodec<RankingMessage> = wireRankingCodec): Promise<OpenedChain> {
  if (config.kind === 'subtensor') {
    const anchor = new SubtensorAnchor({ network: config.network, codec, pendingCommitsPath: config.pendingCommitsPath, commitReveal: config.commitReveal })
    await anchor.connect()
    return { anchor, devnet: null, close: () => anchor.close() }
  }
  const devnet = await startDevnet({ dataDir: config.dataDir, accounts: config.accounts, blockTimeMs: config.blockTimeMs })
  const anchor = new DevnetAnchor({ endpoint: devnet.endpoint, codec, members: config.members, tempo: config.tempo })
  try {
    await anchor.connect()
  } catch (e) {
    await devnet.stop()
    throw e
  }
  return {
    anchor,
    devnet,
    async close () {
      await anchor.close()
      await devnet.stop()
    },
  }
}
