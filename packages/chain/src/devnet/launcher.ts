/**
 * Embedded devnet: a real Substrate runtime (Rococo Asset Hub, from the chain spec shipped in
 * @substrate/connect-known-chains) executed in-process by Chopsticks, offline, persisted in a sqlite file.
 */
import { mkdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import type { setupWithServer as SetupWithServer } from '@acala-network/chopsticks'
import { ChainError } from '../errors.ts'

export interface DevnetAccount {
  /** SS58 address (any prefix). */
  address: string
  /** Free balance to top up to, in planck (the devnet token has 12 decimals). */
  free: bigint
}

export interface DevnetOptions {
  /** Directory for `devnet.sqlite`; omitted = in-memory only (nothing persisted). */
  dataDir?: string
  /** Accounts to fund at start (topped up to `free`, nonce preserved). */
  accounts?: DevnetAccount[]
  /** Produce a block every N ms (empty blocks too); default: a block per submitted extrinsic (instant). */
  blockTimeMs?: number
  /** Chopsticks log level (default 'error'). */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug'
  /** Port to listen on (default 0 = any free port), always on 127.0.0.1. */
  port?: number
}

export interface Devnet {
  /** ws://127.0.0.1:PORT */
  readonly endpoint: string
  readonly dbPath: string | undefined
  /** Head number when the devnet started (after resuming from the db). */
  readonly resumedAt: number
  head (): number
  /** Build one block now. */
  newBlock (): Promise<void>
  /** Top up balances (keeps each account's nonce). */
  fund (accounts: DevnetAccount[]): Promise<void>
  stop (): Promise<void>
}

interface AccountInfoLike {
  nonce: { toNumber (): number }
  providers: { toNumber (): number }
  consumers: { toNumber (): number }
  sufficients: { toNumber (): number }
  data: { free: { toBigInt (): bigint } }
}

type Ctx = Awaited<ReturnType<typeof SetupWithServer>>
type Chopsticks = typeof import('@acala-network/chopsticks')

/** Chopsticks' loggers take their level from LOG_LEVEL when first imported, so import lazily after setting it. */
async function loadChopsticks (level: string): Promise<Chopsticks> {
  process.env.LOG_LEVEL ??= level
  return await import('@acala-network/chopsticks')
}

async function loadSpec (): Promise<Record<string, unknown>> {
  const { chainSpec } = await import('@substrate/connect-known-chains/rococo_v2_2_asset_hub')
  return JSON.parse(chainSpec) as Record<string, unknown>
}

/**
 * Chopsticks builds block #1 right after starting from a genesis spec and (with saving on) overwrites the persisted
 * block #1, which breaks the parent chain on resume (block 0 then resolves to the old #1 and signatures fail with
 * BadProof). So we start with saving off, resume the saved head ourselves, then turn saving on.
 */
async function resumeFromDb (ctx: Ctx): Promise<void> {
  const chain = ctx.chain
  const db = chain.db
  if (db === undefined) return
  const highest = await db.queryHighestBlock()
  if (highest !== null && highest !== undefined) {
    const block = await chain.loadBlockFromDB(highest.number)
    if (block === undefined) throw new ChainError('DEVNET_RESUME_FAILED', `cannot load block #${highest.number} from the devnet database`, { number: highest.number })
    await chain.setHead(block)
  }
  // `saveBlocks` is typed readonly but is a plain field read at every save.
  ;(chain as { saveBlocks: boolean }).saveBlocks = true
  if (highest === null || highest === undefined) await chain.saveBlockToDB(chain.head)
}

async function waitSaved (ctx: Ctx): Promise<void> {
  const db = ctx.chain.db
  if (db === undefined || !ctx.chain.saveBlocks) return
  const end = Date.now() + 5000
  while (Date.now() < end) {
    const hi = await db.queryHighestBlock()
    if ((hi?.number ?? -1) >= ctx.chain.head.number) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

export async function startDevnet (opts: DevnetOptions = {}): Promise<Devnet> {
  const { setupWithServer, destroyWorker, BuildBlockMode, setStorage } = await loadChopsticks(opts.logLevel ?? 'error')
  let dbPath: string | undefined
  if (opts.dataDir !== undefined) {
    mkdirSync(opts.dataDir, { recursive: true })
    dbPath = join(opts.dataDir, 'devnet.sqlite')
  }
  const hadDb = dbPath !== undefined && existsSync(dbPath)
  let ctx: Ctx
  try {
    ctx = await setupWithServer({
      genesis: await loadSpec(),
      host: '127.0.0.1',
      port: opts.port ?? 0,
      'build-block-mode': opts.blockTimeMs === undefined ? BuildBlockMode.Instant : BuildBlockMode.Manual,
      db: dbPath,
      'save-blocks': false,
      'runtime-log-level': 0,
    } as Parameters<typeof SetupWithServer>[0])
  } catch (e) {
    throw new ChainError('DEVNET_START_FAILED', `devnet failed to start: ${e instanceof Error ? e.message : String(e)}`, { dbPath }, { cause: e })
  }
  try {
    if (dbPath !== undefined) await resumeFromDb(ctx)
  } catch (e) {
    await ctx.close().catch(() => {})
    throw e instanceof ChainError ? e : new ChainError('DEVNET_RESUME_FAILED', `devnet resume failed: ${e instanceof Error ? e.message : String(e)}`, { dbPath, hadDb }, { cause: e })
  }
  const resumedAt = ctx.chain.head.number
  let building: Promise<unknown> = Promise.resolve()
  const newBlock = async (): Promise<void> => {
    building = building.then(() => ctx.chain.newBlock()).catch(() => {})
    await building
  }
  // A tick that finds the previous block still building is dropped, not queued: on a loaded machine a queue of ticks
  // would later drain as a burst of blocks, and rounds paced by blocks would shrink to a fraction of their length.
  let ticking = false
  const tick = (): void => {
    if (ticking) return
    ticking = true
    newBlock().finally(() => { ticking = false }).catch(() => {})
  }
  const timer = opts.blockTimeMs === undefined ? undefined : setInterval(tick, opts.blockTimeMs)

  const fund = async (accounts: DevnetAccount[]): Promise<void> => {
    if (accounts.length === 0) return
    const { decodeAddress, encodeAddress } = await import('@polkadot/util-crypto')
    const head = ctx.chain.head
    const meta = await head.meta
    const entries: [string[], unknown][] = []
    for (const a of accounts) {
      const addr = encodeAddress(decodeAddress(a.address), 42)
      const info = (await head.read('AccountInfo', meta.query.system.account, addr)) as unknown as AccountInfoLike | undefined
      if (info !== undefined && info.data.free.toBigInt() >= a.free) continue
      entries.push([[addr], {
        nonce: info?.nonce.toNumber() ?? 0,
        consumers: info?.consumers.toNumber() ?? 0,
        providers: Math.max(1, info?.providers.toNumber() ?? 0),
        sufficients: info?.sufficients.toNumber() ?? 0,
        data: { free: a.free.toString() },
      }])
    }
    if (entries.length === 0) return
    await setStorage(ctx.chain, { System: { Account: entries } })
    await newBlock() // persist the change in a block of its own
  }
  if (opts.accounts !== undefined) await fund(opts.accounts)

  let stopped = false
  return {
    endpoint: `ws://${ctx.addr}`,
    dbPath,
    resumedAt,
    head: () => ctx.chain.head.number,
    newBlock,
    fund,
    async stop () {
      if (stopped) return
      stopped = true
      if (timer !== undefined) clearInterval(timer)
      await building
      await waitSaved(ctx)
      await ctx.close()
      // Chopsticks keeps a wasm executor worker alive; without this the process never exits.
      await destroyWorker()
    },
  }
}
