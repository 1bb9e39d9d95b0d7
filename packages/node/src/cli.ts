#!/usr/bin/env node
/**
 * `tensormesh`: the peer's command line.
 *
 *   tensormesh wallet create|import|list [--name N] [--hotkey H] [--wallet-path DIR]   (btcli layout and keyfiles)
 *   tensormesh start [--role miner|validator|both] [--task ID] [--netuid N] [--network devnet|local|test|finney] [--chain URL] …
 *   tensormesh status | rankings          (ask the running peer's local API)
 *   tensormesh doctor                     (backend, ports, chain reachability, what to fix)
 *   tensormesh demo [--rounds N] …        (devnet + local peers, live view)
 *   tensormesh replay [--round N]         (re-verify a round transcript)
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { createInterface } from 'node:readline'
import { existsSync, readFileSync } from 'node:fs'
import { defaultDataDir, resolveConfig, type PartialConfig, type PeerConfig } from './config.ts'
import { dataPaths, ensureDataDir } from './datadir.ts'
import { NodeError, errorMessage } from './errors.ts'
import { readJson } from './persist.ts'
import type { RankingsResponse, StatusResponse } from './api-types.ts'

const USAGE = `tensormesh <command> [flags]

Commands:
  wallet create --name N      create a btcli wallet (encrypted coldkey + hotkey); prints both mnemonics once
  wallet import --name N      import a hotkey mnemonic (prompted, or TENSORMESH_WALLET_MNEMONIC); a coldkey too
                              with TENSORMESH_COLDKEY_MNEMONIC (then a password is asked for)
  wallet list                 list wallets (coldkey and hotkey addresses)
  wallet flags: --name N (default 'default') --hotkey H (default 'default')
                --wallet-path DIR (btcli's wallets folder, default ~/.bittensor/wallets, env TENSORMESH_WALLET_PATH)
  start                       run a peer (see flags below)
  status                      status of the running peer
  rankings                    local and consensus rankings of the running peer
  doctor                      check backend, ports and chain; say what to fix
  demo                        offline demo: devnet + local peers with a live view
  replay [--round N]          re-verify a round transcript (default: the latest)

Common flags:
  --data-dir DIR              data directory (default ~/.tensormesh, env TENSORMESH_DATA_DIR)
  --config FILE               JSON config (default <data-dir>/config.json)
start flags:
  --role miner|validator|both --task ID --netuid N --network devnet|local|test|finney --chain ws://…
  --wallet NAME --hotkey H --wallet-path DIR --listen MA --bootstrap MA (repeatable) --api-port N --log-level L --rounds N
demo flags:
  --rounds N (0 = until Ctrl-C) --validators N --miners N --free-riders N --poisoners N --block-ms MS
  --blocks-per-round N --rounds-per-epoch N --fresh
Passwords come from a TTY prompt or TENSORMESH_WALLET_PASSWORD.`

const COMMON = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

const START = {
  ...COMMON,
  role: { type: 'string' },
  task: { type: 'string' },
  netuid: { type: 'string' },
  network: { type: 'string' },
  chain: { type: 'string' },
  wallet: { type: 'string' },
  hotkey: { type: 'string' },
  'wallet-path': { type: 'string' },
  listen: { type: 'string', multiple: true },
  bootstrap: { type: 'string', multiple: true },
  'api-port': { type: 'string' },
  'log-level': { type: 'string' },
  rounds: { type: 'string' },
} as const

const DEMO = {
  ...COMMON,
  rounds: { type: 'string' },
  validators: { type: 'string' },
  miners: { type: 'string' },
  'free-riders': { type: 'string' },
  poisoners: { type: 'string' },
  'block-ms': { type: 'string' },
  'blocks-per-round': { type: 'string' },
  'rounds-per-epoch': { type: 'string' },
  'log-level': { type: 'string' },
  fresh: { type: 'boolean' },
  json: { type: 'boolean' },
} as const

type Options = NonNullable<ParseArgsConfig['options']>

/** parseArgs with strict checking; its errors become BAD_FLAG with the usage hint. */
export function parseFlags<O extends Options> (args: string[], options: O, allowPositionals = false): { values: Record<string, string | boolean | string[] | undefined>, positionals: string[] } {
  try {
    const r = parseArgs({ args, options, strict: true, allowPositionals })
    return { values: r.values as Record<string, string | boolean | string[] | undefined>, positionals: r.positionals }
  } catch (e) {
    throw new NodeError('BAD_FLAG', `${errorMessage(e).replace(/\. To specify.*$/s, '')} (see tensormesh --help)`)
  }
}

/** Flags of `start` as a partial config (validated by config.ts: wrong values are BAD_FLAG). */
export function startFlagsToPartial (v: Record<string, unknown>): PartialConfig {
  const p: PartialConfig = {}
  const map: Record<string, string> = { role: 'role', task: 'task', netuid: 'netuid', network: 'network', chain: 'chain', wallet: 'wallet', hotkey: 'hotkey', 'wallet-path': 'walletPath', listen: 'listen', bootstrap: 'bootstrap', 'api-port': 'api.port', 'log-level': 'logLevel', rounds: 'maxRounds' }
  for (const [flag, key] of Object.entries(map)) if (v[flag] !== undefined) p[key] = v[flag]
  return p
}

export function loadConfig (values: Record<string, unknown>, flags: PartialConfig, env: NodeJS.ProcessEnv = process.env): PeerConfig {
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir(env)
  const file = typeof values.config === 'string' ? values.config : dataPaths(dataDir).config
  if (typeof values.config === 'string' && !existsSync(file)) throw new NodeError('BAD_FLAG', `--config: no such file ${file}`)
  let parsed: PartialConfig | null = null
  if (existsSync(file)) {
    try { parsed = JSON.parse(readFileSync(file, 'utf8')) as PartialConfig } catch (e) { throw new NodeError('BAD_CONFIG', `${file} is not valid JSON: ${errorMessage(e)}`) }
  }
  return resolveConfig({ dataDir, file: parsed, env, flags: { ...flags, ...(typeof values['data-dir'] === 'string' ? { dataDir: values['data-dir'] } : {}) } })
}

async function prompt (question: string, hidden: boolean): Promise<string> {
  if (process.stdin.isTTY !== true) throw new NodeError('WALLET_LOCKED', `${question.replace(/:\s*$/, '')} needed: no terminal to ask on; set TENSORMESH_WALLET_PASSWORD`)
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true })
  if (hidden) {
    const out = rl as unknown as { _writeToOutput: (s: string) => void, output: NodeJS.WriteStream }
    out._writeToOutput = (s: string) => { if (s.includes(question)) process.stdout.write(s); else if (s.includes('\n')) process.stdout.write('\n') }
  }
  return await new Promise((resolve) => { rl.question(question, (a) => { rl.close(); resolve(a) }) })
}

async function password (confirm: boolean): Promise<string> {
  const env = process.env.TENSORMESH_WALLET_PASSWORD
  if (env !== undefined && env !== '') return env
  const p = await prompt('Wallet password: ', true)
  if (confirm && (await prompt('Repeat password: ', true)) !== p) throw new NodeError('WALLET_LOCKED', 'passwords differ')
  return p
}

async function walletCmd (args: string[]): Promise<void> {
  const { values, positionals } = parseFlags(args, { ...COMMON, name: { type: 'string' }, hotkey: { type: 'string' }, 'wallet-path': { type: 'string' } }, true)
  const sub = positionals[0]
  const config = loadConfig(values, startFlagsToPartial({ wallet: values.name, hotkey: values.hotkey, 'wallet-path': values['wallet-path'] }))
  const loc = { root: config.walletPath, name: config.wallet, hotkey: config.hotkey }
  const { createWallet, importWallet, listWallets } = await import('./wallet.ts')
  if (sub === 'create') {
    const w = await createWallet(loc, await password(true))
    console.log(`wallet "${w.name}" created in ${loc.root}\ncoldkey: ${w.coldkey}\nhotkey: ${w.hotkey}\n\n` +
      `coldkey mnemonic (write it down, it is shown only once):\n  ${w.coldkeyMnemonic}\n` +
      `hotkey mnemonic (write it down, it is shown only once):\n  ${w.hotkeyMnemonic}`)
  } else if (sub === 'import') {
    const hotkeyMnemonic = process.env.TENSORMESH_WALLET_MNEMONIC ?? await prompt('Hotkey mnemonic: ', true)
    const coldkeyMnemonic = process.env.TENSORMESH_COLDKEY_MNEMONIC
    const w = await importWallet(loc, { hotkeyMnemonic, ...(coldkeyMnemonic !== undefined && coldkeyMnemonic !== '' ? { coldkeyMnemonic, password: await password(true) } : {}) })
    console.log(`wallet "${w.name}" imported into ${loc.root}\n${w.coldkey !== null ? `coldkey: ${w.coldkey}\n` : ''}hotkey: ${w.hotkey}`)
  } else if (sub === 'list') {
    const ws = await listWallets(loc.root)
    if (ws.length === 0) console.log(`no wallets in ${loc.root}; create one with \`tensormesh wallet create --name NAME\``)
    for (const w of ws) {
      console.log(`${w.name.padEnd(16)} coldkey ${w.coldkey ?? '(none)'}`)
      for (const h of w.hotkeys) console.log(`  ${h.name.padEnd(14)} hotkey  ${h.hotkey ?? '(encrypted)'}`)
    }
  } else {
    throw new NodeError('BAD_FLAG', `wallet needs create, import or list (got ${sub ?? 'nothing'})`)
  }
}

async function startCmd (args: string[]): Promise<void> {
  const { values } = parseFlags(args, START)
  const config = loadConfig(values, startFlagsToPartial(values))
  ensureDataDir(config.dataDir)
  const { runPeer } = await import('./runtime.ts')
  let pair
  if (config.devKeyUri !== null) {
    pair = await (await import('./wallet.ts')).devPair(config.devKeyUri)
  } else {
    const { unlockWallet } = await import('./wallet.ts')
    pair = await unlockWallet({ root: config.walletPath, name: config.wallet, hotkey: config.hotkey }, () => password(false))
  }
  const running = await runPeer(config, pair)
  if (typeof process.send !== 'function') {
    console.log(`peer running — local API ${running.api.url}  token ${running.api.token}`)
  }
  const shutdown = (sig: string): void => { void running.stop(sig).then(() => { process.exit(0) }) }
  process.once('SIGINT', () => { shutdown('SIGINT') })
  process.once('SIGTERM', () => { shutdown('SIGTERM') })
  await running.peer.done()
  await running.stop('rounds done')
  process.exit(0)
}

async function api<T> (dataDir: string, path: string): Promise<T> {
  const a = readJson<{ url: string, token: string } | null>(dataPaths(dataDir).api, null)
  if (a === null) throw new NodeError('NOT_RUNNING', `no peer running for ${dataDir} (start one with \`tensormesh start\`)`)
  let res: Response
  try {
    res = await fetch(a.url + path, { headers: { authorization: `Bearer ${a.token}` } })
  } catch {
    throw new NodeError('NOT_RUNNING', `the peer's API at ${a.url} does not answer (stale ${dataPaths(dataDir).api}?)`)
  }
  if (!res.ok) throw new NodeError('UNAUTHORIZED', `API ${path}: HTTP ${res.status}`)
  return await res.json() as T
}

async function statusCmd (args: string[]): Promise<void> {
  const { values } = parseFlags(args, COMMON)
  const s = await api<StatusResponse>(typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir(), '/status')
  const rows: Array<[string, string]> = [
    ['hotkey', `${s.hotkey} (uid ${s.uid ?? '-'})`], ['peer id', s.peerId ?? '-'], ['role', s.role], ['subnet', `${s.netuid} (${s.task})`],
    ['network', s.network + (s.chain !== null ? ` ${s.chain.kind} ${s.chain.endpoint} head #${s.chain.head ?? '?'}` : ' (no chain)')],
    ['backend', s.backend ?? '-'], ['round / epoch', `${s.round} / ${s.epoch}`], ['model', s.modelHash?.slice(0, 16) ?? '-'],
    ['test accuracy', s.testAccuracy === null ? '-' : s.testAccuracy.toFixed(3)], ['paused', String(s.paused)], ['throttle', String(s.throttle)],
    ['samples', String(s.contribution.samples)], ['updates published', String(s.contribution.updatesPublished)], ['cpu seconds', s.contribution.cpuSeconds.toFixed(1)],
    ['emission share', (100 * s.contribution.estimatedEmissionShare).toFixed(2) + ' %'],
  ]
  for (const [k, v] of rows) console.log(`${k.padEnd(18)} ${v}`)
}

export function rankingsTable (r: RankingsResponse): string {
  const lines = ['uid  hotkey            score   ema     incentive  rank  penalties']
  const c = r.consensus
  const uids = new Set<number>([...r.scores.map((s) => s.uid), ...(c?.incentive.map((_, i) => i) ?? [])])
  for (const uid of [...uids].sort((a, b) => a - b)) {
    const s = r.scores.find((x) => x.uid === uid)
    lines.push(`${String(uid).padEnd(4)} ${(s?.hotkey ?? c?.hotkeys[uid] ?? '').slice(0, 16).padEnd(17)} ${(s?.score ?? 0).toFixed(3).padEnd(7)} ${(s?.ema ?? 0).toFixed(3).padEnd(7)} ${(c?.incentive[uid] ?? 0).toFixed(4).padEnd(10)} ${String(c?.rank[uid] ?? '-').padEnd(5)} ${s?.penalties.join(',') ?? ''}`)
  }
  if (c !== null) lines.push(`consensus of epoch ${c.epoch} from ${c.validators.length} validator(s) (${c.source})`)
  return lines.join('\n')
}

async function rankingsCmd (args: string[]): Promise<void> {
  const { values } = parseFlags(args, COMMON)
  console.log(rankingsTable(await api<RankingsResponse>(typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir(), '/rankings')))
}

async function doctorCmd (args: string[]): Promise<void> {
  const { values } = parseFlags(args, { ...START })
  const { runDoctor } = await import('./doctor.ts')
  const config = loadConfig(values, startFlagsToPartial(values))
  const report = await runDoctor(config)
  for (const l of report.lines) console.log(l)
  if (report.fixes.length > 0) { console.log('\nWhat to fix:'); for (const f of report.fixes) console.log(`  - ${f}`) } else console.log('\nall good')
}

async function replayCmd (args: string[]): Promise<void> {
  const { values } = parseFlags(args, { ...COMMON, round: { type: 'string' } })
  const round = values.round === undefined || values.round === 'latest' ? 'latest' : Number(values.round)
  if (round !== 'latest' && (!Number.isInteger(round) || round < 0)) throw new NodeError('BAD_FLAG', `--round must be a round number or "latest" (got ${String(values.round)})`)
  const { replayRound } = await import('./replay.ts')
  const { progress } = await import('./progress.ts')
  const p = progress('replay')
  const steps = ['loading model', 'rebuilding the miner assignment', 'retraining', 're-scoring submissions', 're-aggregating']
  const r = await replayRound(typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir(), round, (w) => { p.update(Math.max(0, steps.indexOf(w)) / steps.length, w) })
  p.done(`round ${r.round}`)
  for (const c of r.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(28)} ${c.ok ? c.got : `expected ${c.expected}, got ${c.got}`}`)
  console.log(r.ok ? `round ${r.round} re-verified` : `round ${r.round} does NOT replay`)
  if (!r.ok) process.exitCode = 1
}

async function demoCmd (args: string[]): Promise<void> {
  const { values } = parseFlags(args, DEMO)
  const { demoOptionsFromFlags, runDemo } = await import('./demo.ts')
  await runDemo(demoOptionsFromFlags(values))
  process.exit(0)
}

export async function main (argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') { console.log(USAGE); return }
  if (rest.includes('--help') || rest.includes('-h')) { console.log(USAGE); return }
  switch (cmd) {
    case 'wallet': return await walletCmd(rest)
    case 'start': return await startCmd(rest)
    case 'status': return await statusCmd(rest)
    case 'rankings': return await rankingsCmd(rest)
    case 'doctor': return await doctorCmd(rest)
    case 'demo': return await demoCmd(rest)
    case 'replay': return await replayCmd(rest)
    default: throw new NodeError('UNKNOWN_COMMAND', `unknown command "${cmd}" (commands: wallet, start, status, rankings, doctor, demo, replay)`)
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    if (e instanceof NodeError) console.error(`tensormesh: ${e.message} [${e.code}]`)
    else console.error(`tensormesh: ${errorMessage(e)}`)
    process.exit(e instanceof NodeError && (e.code === 'BAD_FLAG' || e.code === 'UNKNOWN_COMMAND') ? 2 : 1)
  })
}
