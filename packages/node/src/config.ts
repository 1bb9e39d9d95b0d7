/**
 * Peer configuration: defaults < JSON file (`<dataDir>/config.json` or --config) < environment (TENSORMESH_*) < flags.
 * Pure: the caller reads the file and passes the environment, so every rule here is unit-tested.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { GRADIENT_HEADER_RESERVE, MAX_GOSSIP_MESSAGE_BYTES } from '@tensormesh/wire'
import { TRAIN_SHARE } from './clock.ts'
import { NodeError } from './errors.ts'
import { isLogLevel, type LogLevel } from './logger.ts'

export type Role = 'miner' | 'validator' | 'both'
export type Network = 'devnet' | 'local' | 'test' | 'finney'
/** How a miner behaves. Anything but 'honest' exists for the demo and the adversarial tests. */
export type Behaviour = 'honest' | 'free-rider' | 'poisoner' | 'copier'

export interface RoundConfig {
  /** Round length in ms when rounds follow the wall clock (no chain, or `clock: 'wall'`). */
  roundMs: number
  /** Rounds follow chain blocks when a chain is present ('blocks') or the wall clock ('wall'). */
  clock: 'blocks' | 'wall'
  /** Blocks per round with the block clock. */
  blocksPerRound: number
  /** Rounds per epoch (tempo): validators anchor weights once per epoch. */
  roundsPerEpoch: number
  /** Epoch-0 reference: round r starts at `genesisMs + r·roundMs` (wall) or block `genesisBlock + r·blocksPerRound`. */
  genesisMs: number
  genesisBlock: number
  /** Share of the round a validator waits for gradients at least / at most (the deadline adapts in between). */
  minCollect: number
  maxCollect: number
}

export interface TrainConfig {
  /** Samples in a miner's assignment each round. */
  samples: number
  /** Reference inner steps: a miner trains until its share of the round ends (clock.ts TRAIN_SHARE), at most 16 × this. */
  steps: number
  batchSize: number
}

/** Gradient codec (protocols/gradient.md `topk`): 8-bit int8 or 2-bit codes; learn and wire agree on both. */
/** The largest encoded update that fits one gradient message. */
const MAX_UPDATE_BYTES = MAX_GOSSIP_MESSAGE_BYTES - GRADIENT_HEADER_RESERVE

export interface CodecConfig {
  chunkSize: number
  topK: number
  bits: 8 | 2
  /**
   * Largest encoded update one gossip message carries (learn's encodedByteLength); a larger one is split into chunks.
   * Default and maximum: the protocol's gossip limit less the gradient header reserve (protocols/gradient.md).
   */
  maxMessageBytes: number
}

export interface PeerConfig {
  dataDir: string
  role: Role
  netuid: number
  task: string
  network: Network
  /** Chain endpoint (ws://…). Default per network; devnet: started by `demo`, or given. */
  chain: string | null
  /** btcli wallet name (`--wallet.name`) under `walletPath`; its hotkey is the peer's identity. */
  wallet: string
  /** btcli hotkey name (`--wallet.hotkey`) inside the wallet. */
  hotkey: string
  /** btcli wallets directory (`--wallet.path`, default ~/.bittensor/wallets). */
  walletPath: string
  /**
   * Development key URI (`//Alice`-style) used instead of a wallet; only for the demo and tests (never logged).
   */
  devKeyUri: string | null
  listen: string[]
  bootstrap: string[]
  mdns: boolean
  /** Hotkeys (SS58) forming the devnet subnet; uid = index. */
  members: string[]
  api: { port: number, token: string | null }
  round: RoundConfig
  train: TrainConfig
  codec: CodecConfig
  /** Aggregation rule name for learn ('centred-clipping', 'trimmed-mean', 'median', 'norm-clip', 'mean'). */
  aggregation: string
  behaviour: Behaviour
  logLevel: LogLevel
  /** Stop after round `maxRounds − 1`, counted from the subnet's genesis (0 = run until stopped). */
  maxRounds: number
  /** Start paused (the API resumes). */
  paused: boolean
  /** Throttle in [0.05, 1]: share of the default training work per round. */
  throttle: number
}

export const NETWORK_ENDPOINTS: Record<Exclude<Network, 'devnet'>, string> = {
  local: 'ws://127.0.0.1:9944',
  test: 'wss://test.finney.opentensor.ai:443',
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
}

export function defaultDataDir (env: NodeJS.ProcessEnv = process.env): string {
  return env.TENSORMESH_DATA_DIR ?? join(homedir(), '.tensormesh')
}

export function defaultConfig (dataDir: string): PeerConfig {
  return {
    dataDir,
    role: 'both',
    netuid: 1,
    task: 'mnist-mlp',
    network: 'devnet',
    chain: null,
    wallet: 'default',
    hotkey: 'default',
    walletPath: join(homedir(), '.bittensor', 'wallets'),
    devKeyUri: null,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    mdns: false,
    members: [],
    api: { port: 0, token: null },
    round: { roundMs: 12_000, clock: 'blocks', blocksPerRound: 4, roundsPerEpoch: 3, genesisMs: 0, genesisBlock: 0, minCollect: 0.72, maxCollect: 0.85 },
    train: { samples: 800, steps: 25, batchSize: 32 },
    codec: { chunkSize: 1024, topK: 128, bits: 8, maxMessageBytes: MAX_UPDATE_BYTES },
    aggregation: 'centred-clipping',
    behaviour: 'honest',
    logLevel: 'info',
    maxRounds: 0,
    paused: false,
    throttle: 1,
  }
}

const ROLES: readonly Role[] = ['miner', 'validator', 'both']
const NETWORKS: readonly Network[] = ['devnet', 'local', 'test', 'finney']
const BEHAVIOURS: readonly Behaviour[] = ['honest', 'free-rider', 'poisoner', 'copier']
const AGGREGATIONS = ['centred-clipping', 'trimmed-mean', 'median', 'norm-clip', 'mean', 'krum']

type Source = 'file' | 'env' | 'flag'
const bad = (source: Source, key: string, why: string, value: unknown): never => {
  throw new NodeError(source === 'flag' ? 'BAD_FLAG' : 'BAD_CONFIG', `${source === 'flag' ? `--${key}` : source === 'env' ? envName(key) : `config "${key}"`}: ${why} (got ${JSON.stringify(value)})`, { key, value, source })
}

function envName (key: string): string {
  return 'TENSORMESH_' + key.replace(/[A-Z]/g, (c) => '_' + c).replace(/[-.]/g, '_').toUpperCase()
}

function int (source: Source, key: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) bad(source, key, `must be an integer in [${min}, ${max}]`, v)
  return n as number
}

function num (source: Source, key: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) bad(source, key, `must be a number in [${min}, ${max}]`, v)
  return n as number
}

function oneOf<T extends string> (source: Source, key: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) bad(source, key, `must be one of ${allowed.join(', ')}`, v)
  return v as T
}

function strList (source: Source, key: string, v: unknown): string[] {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) bad(source, key, 'must be a list of strings', v)
  return v as string[]
}

function bool (source: Source, key: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  return bad(source, key, 'must be true or false', v)
}

/** A flat, partial config as it comes from one source: keys are dotted paths (`round.roundMs`) or top-level names. */
export type PartialConfig = Record<string, unknown>

/** Applies one source onto a config, validating every value it sets; unknown keys are errors. */
export function applySource (base: PeerConfig, partial: PartialConfig, source: Source): PeerConfig {
  const c: PeerConfig = structuredClone(base)
  for (const [key, v] of Object.entries(flatten(partial))) {
    if (v === undefined) continue
    switch (key) {
      case 'dataDir': if (typeof v !== 'string' || v === '') bad(source, key, 'must be a path', v); c.dataDir = resolve(v as string); break
      case 'role': c.role = oneOf(source, key, v, ROLES); break
      case 'netuid': c.netuid = int(source, key, v, 0, 65535); break
      case 'task': if (typeof v !== 'string' || v === '') bad(source, key, 'must be a task id', v); c.task = v as string; break
      case 'network': c.network = oneOf(source, key, v, NETWORKS); break
      case 'chain': if (v !== null && (typeof v !== 'string' || !/^wss?:\/\//.test(v))) bad(source, key, 'must be a ws:// or wss:// URL', v); c.chain = v as string | null; break
      case 'wallet': if (typeof v !== 'string' || !/^[\w.-]{1,64}$/.test(v)) bad(source, key, 'must be a wallet name (letters, digits, . _ -)', v); c.wallet = v as string; break
      case 'hotkey': if (typeof v !== 'string' || !/^[\w.-]{1,64}$/.test(v) || v === '.' || v === '..') bad(source, key, 'must be a hotkey name (letters, digits, . _ -)', v); c.hotkey = v as string; break
      case 'walletPath': if (typeof v !== 'string' || v === '') bad(source, key, 'must be a path', v); c.walletPath = resolve(v as string); break
      case 'devKeyUri': if (v !== null && typeof v !== 'string') bad(source, key, 'must be a key URI', '[redacted]'); c.devKeyUri = v as string | null; break
      case 'listen': c.listen = strList(source, key, v); break
      case 'bootstrap': c.bootstrap = strList(source, key, v); break
      case 'mdns': c.mdns = bool(source, key, v); break
      case 'members': c.members = strList(source, key, v); break
      case 'api.port': c.api.port = int(source, key, v, 0, 65535); break
      case 'api.token': if (v !== null && (typeof v !== 'string' || v.length < 16)) bad(source, key, 'must be at least 16 characters', '[redacted]'); c.api.token = v as string | null; break
      case 'round.roundMs': c.round.roundMs = int(source, key, v, 500, 3_600_000); break
      case 'round.clock': c.round.clock = oneOf(source, key, v, ['blocks', 'wall'] as const); break
      case 'round.blocksPerRound': c.round.blocksPerRound = int(source, key, v, 1, 100_000); break
      case 'round.roundsPerEpoch': c.round.roundsPerEpoch = int(source, key, v, 1, 100_000); break
      case 'round.genesisMs': c.round.genesisMs = int(source, key, v, 0, Number.MAX_SAFE_INTEGER); break
      case 'round.genesisBlock': c.round.genesisBlock = int(source, key, v, 0, 2 ** 32); break
      case 'round.minCollect': c.round.minCollect = num(source, key, v, 0.05, 0.95); break
      case 'round.maxCollect': c.round.maxCollect = num(source, key, v, 0.05, 0.95); break
      case 'train.samples': c.train.samples = int(source, key, v, 1, 1_000_000); break
      case 'train.steps': c.train.steps = int(source, key, v, 1, 100_000); break
      case 'train.batchSize': c.train.batchSize = int(source, key, v, 1, 65_536); break
      case 'codec.chunkSize': c.codec.chunkSize = int(source, key, v, 16, 1 << 20); break
      case 'codec.topK': c.codec.topK = int(source, key, v, 1, 1 << 20); break
      case 'codec.maxMessageBytes': c.codec.maxMessageBytes = int(source, key, v, 4096, MAX_UPDATE_BYTES); break
      case 'codec.bits': { const b = int(source, key, v, 2, 8); if (b !== 2 && b !== 8) bad(source, key, 'must be 2 or 8', v); c.codec.bits = b as 8 | 2; break }
      case 'aggregation': c.aggregation = oneOf(source, key, v, AGGREGATIONS); break
      case 'behaviour': c.behaviour = oneOf(source, key, v, BEHAVIOURS); break
      case 'logLevel': if (!isLogLevel(v)) bad(source, key, 'must be one of debug, info, warn, error, silent', v); c.logLevel = v as LogLevel; break
      case 'maxRounds': c.maxRounds = int(source, key, v, 0, Number.MAX_SAFE_INTEGER); break
      case 'paused': c.paused = bool(source, key, v); break
      case 'throttle': c.throttle = num(source, key, v, 0.05, 1); break
      default: bad(source, key, 'unknown setting', v)
    }
  }
  if (c.round.minCollect > c.round.maxCollect) bad(source, 'round.minCollect', 'must not exceed round.maxCollect', c.round.minCollect)
  if (c.round.minCollect <= TRAIN_SHARE) bad(source, 'round.minCollect', `must exceed the miners' training share of the round (${TRAIN_SHARE}), or honest gradients arrive after the deadline`, c.round.minCollect)
  if (c.codec.topK > c.codec.chunkSize) bad(source, 'codec.topK', 'must not exceed codec.chunkSize', c.codec.topK)
  return c
}

function flatten (o: PartialConfig, prefix = ''): PartialConfig {
  const out: PartialConfig = {}
  for (const [k, v] of Object.entries(o)) {
    const key = prefix === '' ? k : `${prefix}.${k}`
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as PartialConfig, key))
    else out[key] = v
  }
  return out
}

/** Settings the environment may carry, by variable name. */
export const ENV_KEYS: Record<string, string> = {
  TENSORMESH_DATA_DIR: 'dataDir',
  TENSORMESH_ROLE: 'role',
  TENSORMESH_NETUID: 'netuid',
  TENSORMESH_TASK: 'task',
  TENSORMESH_NETWORK: 'network',
  TENSORMESH_CHAIN: 'chain',
  TENSORMESH_WALLET: 'wallet',
  TENSORMESH_WALLET_HOTKEY: 'hotkey',
  TENSORMESH_WALLET_PATH: 'walletPath',
  TENSORMESH_LISTEN: 'listen',
  TENSORMESH_BOOTSTRAP: 'bootstrap',
  TENSORMESH_API_PORT: 'api.port',
  TENSORMESH_API_TOKEN: 'api.token',
  TENSORMESH_LOG_LEVEL: 'logLevel',
  TENSORMESH_THROTTLE: 'throttle',
}

export function envPartial (env: NodeJS.ProcessEnv): PartialConfig {
  const out: PartialConfig = {}
  for (const [name, key] of Object.entries(ENV_KEYS)) if (env[name] !== undefined && env[name] !== '') out[key] = env[name]
  return out
}

/** Resolves the full config from the four sources (file content already parsed, or null when absent). */
export function resolveConfig (sources: { dataDir: string, file: PartialConfig | null, env: NodeJS.ProcessEnv, flags: PartialConfig }): PeerConfig {
  let c = defaultConfig(sources.dataDir)
  if (sources.file !== null) {
    if (typeof sources.file !== 'object' || Array.isArray(sources.file)) throw new NodeError('BAD_CONFIG', 'config file must hold a JSON object')
    c = applySource(c, sources.file, 'file')
  }
  c = applySource(c, envPartial(sources.env), 'env')
  c = applySource(c, sources.flags, 'flag')
  return c
}

/** Default chain endpoint of a network (devnet has none: it is started by `demo` or given with --chain). */
export function chainEndpoint (c: PeerConfig): string | null {
  if (c.chain !== null) return c.chain
  return c.network === 'devnet' ? null : NETWORK_ENDPOINTS[c.network]
}

/** What the config looks like with secrets hidden (for logs, `status`, the API). */
export function publicConfig (c: PeerConfig): Omit<PeerConfig, 'devKeyUri' | 'api'> & { api: { port: number } } {
  const { devKeyUri: _u, api, ...rest } = c
  return { ...rest, api: { port: api.port } }
}
