/**
 * Bittensor wallet directories: `<root>/<wallet>/coldkey` (encrypted), `coldkeypub.txt` (public),
 * `hotkeys/<name>` (plain by default, as btcli writes hotkeys). Default root `~/.bittensor/wallets`.
 * Files are written atomically (temp file, fsync, rename) with mode 0600, directories 0700.
 */
import { promises as fs, constants as fsc } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { KeyringPair } from '@polkadot/keyring/types'
import { mnemonicGenerate, cryptoWaitReady } from '@polkadot/util-crypto'
import { ChainError } from '../errors.ts'
import { writeFileAtomic } from '../util/fs.ts'
import {
  decryptKeyfile, encryptKeyfile, keyfileDataFromMnemonic, keyfileEncryption, pairFromKeyfileData, parseKeyfileData,
  publicKeyfileData, serializeKeyfileData, type KeyfileData, type KeyfileEncryption,
} from './keyfile.ts'

export const DEFAULT_WALLET_ROOT = join(homedir(), '.bittensor', 'wallets')

export interface WalletRef {
  /** Wallets directory (default ~/.bittensor/wallets). */
  root?: string
  /** Wallet name (btcli `--wallet.name`, default 'default'). */
  name?: string
}

export interface WalletInfo {
  name: string
  path: string
  coldkeypub: string | null
  coldkeyEncryption: KeyfileEncryption | null
  hotkeys: Array<{ name: string, ss58Address: string | null, encryption: KeyfileEncryption }>
}

const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/

function checkName (kind: string, name: string): string {
  if (!NAME_RE.test(name) || name === '.' || name === '..') throw new ChainError('BAD_INPUT', `${kind} name must be 1-64 of [A-Za-z0-9._-]`, { kind })
  return name
}

export function walletPaths (ref: WalletRef = {}, hotkey = 'default'): { dir: string, coldkey: string, coldkeypub: string, hotkey: string } {
  const root = ref.root ?? DEFAULT_WALLET_ROOT
  const dir = join(root, checkName('wallet', ref.name ?? 'default'))
  return { dir, coldkey: join(dir, 'coldkey'), coldkeypub: join(dir, 'coldkeypub.txt'), hotkey: join(dir, 'hotkeys', checkName('hotkey', hotkey)) }
}

async function exists (p: string): Promise<boolean> {
  try { await fs.access(p, fsc.F_OK); return true } catch { return false }
}

/**
 * A keyfile password, or the Argon2i key derived from it with `deriveKeyfileKey` (derive once per unlock: each
 * derivation costs seconds and 512 MiB).
 */
export type KeyfileSecret = string | { key: Uint8Array }

const asSecret = (s: KeyfileSecret): { password: string } | { key: Uint8Array } => (typeof s === 'string' ? { password: s } : s)

async function writeKeyfile (path: string, data: KeyfileData, password: KeyfileSecret | undefined, overwrite: boolean): Promise<void> {
  if (!overwrite && await exists(path)) throw new ChainError('WALLET_EXISTS', `keyfile ${path} exists; pass overwrite to replace it`, { path })
  const plain = serializeKeyfileData(data)
  await writeFileAtomic(path, password === undefined ? plain : await encryptKeyfile(plain, asSecret(password)))
}

async function readKeyfile (path: string, password: KeyfileSecret | undefined): Promise<KeyfileData> {
  let bytes: Uint8Array
  try { bytes = new Uint8Array(await fs.readFile(path)) } catch { throw new ChainError('WALLET_NOT_FOUND', `no keyfile at ${path}`, { path }) }
  if (keyfileEncryption(bytes) !== 'none') {
    if (password === undefined) throw new ChainError('PASSWORD_REQUIRED', `keyfile ${path} is encrypted; a password is required`, { path })
    bytes = await decryptKeyfile(bytes, asSecret(password))
  }
  return await parseKeyfileData(bytes)
}

export interface CreateWalletOptions extends WalletRef {
  hotkey?: string
  /** Password for the coldkey (required: btcli always encrypts coldkeys). */
  coldkeyPassword: KeyfileSecret
  /** Encrypt the hotkey too (btcli default: no). */
  hotkeyPassword?: KeyfileSecret
  words?: 12 | 15 | 18 | 21 | 24
  overwrite?: boolean
}

/**
 * Create a new coldkey + hotkey. Returns the mnemonics exactly once so the caller can show them to the user for
 * backup; this function never prints or logs them.
 */
export async function createWallet (o: CreateWalletOptions): Promise<{ coldkey: string, hotkey: string, coldkeyMnemonic: string, hotkeyMnemonic: string }> {
  await cryptoWaitReady()
  const coldkeyMnemonic = mnemonicGenerate(o.words ?? 12)
  const hotkeyMnemonic = mnemonicGenerate(o.words ?? 12)
  const coldkey = await importColdkey({ ...o, mnemonic: coldkeyMnemonic, password: o.coldkeyPassword })
  const hotkey = await importHotkey({ ...o, mnemonic: hotkeyMnemonic, password: o.hotkeyPassword })
  return { coldkey, hotkey, coldkeyMnemonic, hotkeyMnemonic }
}

/** `btcli wallet regen_coldkey`: coldkey (encrypted) + coldkeypub.txt from a mnemonic. Returns the SS58 address. */
export async function importColdkey (o: WalletRef & { mnemonic: string, password: KeyfileSecret, overwrite?: boolean }): Promise<string> {
  if (o.password === undefined || o.password === '') throw new ChainError('PASSWORD_REQUIRED', 'a coldkey password is required')
  const p = walletPaths(o)
  const data = await keyfileDataFromMnemonic(o.mnemonic)
  await writeKeyfile(p.coldkey, data, o.password, o.overwrite ?? false)
  await writeKeyfile(p.coldkeypub, publicKeyfileData(data.publicKey), undefined, true)
  return data.ss58Address
}

/** `btcli wallet regen_hotkey`: hotkey file from a mnemonic (plain unless a password is given). */
export async function importHotkey (o: WalletRef & { hotkey?: string, mnemonic: string, password?: KeyfileSecret, overwrite?: boolean }): Promise<string> {
  const p = walletPaths(o, o.hotkey ?? 'default')
  const data = await keyfileDataFromMnemonic(o.mnemonic)
  await writeKeyfile(p.hotkey, data, o.password, o.overwrite ?? false)
  return data.ss58Address
}

/** The coldkey's signing pair (decrypts with `password`). */
export async function loadColdkey (o: WalletRef & { password?: KeyfileSecret }): Promise<KeyringPair> {
  return pairFromKeyfileData(await readKeyfile(walletPaths(o).coldkey, o.password))
}

export async function loadHotkey (o: WalletRef & { hotkey?: string, password?: KeyfileSecret }): Promise<KeyringPair> {
  return pairFromKeyfileData(await readKeyfile(walletPaths(o, o.hotkey ?? 'default').hotkey, o.password))
}

/** Coldkey SS58 from coldkeypub.txt (no password). */
export async function readColdkeypub (o: WalletRef): Promise<string> {
  return (await readKeyfile(walletPaths(o).coldkeypub, undefined)).ss58Address
}

/** Wallets under `root` with their public addresses; never decrypts anything. */
export async function listWallets (root: string = DEFAULT_WALLET_ROOT): Promise<WalletInfo[]> {
  let names: string[]
  try { names = (await fs.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && NAME_RE.test(d.name)).map((d) => d.name).sort() } catch { return [] }
  const out: WalletInfo[] = []
  for (const name of names) {
    const p = walletPaths({ root, name })
    let coldkeypub: string | null = null
    try { coldkeypub = await readColdkeypub({ root, name }) } catch { coldkeypub = null }
    let coldkeyEncryption: KeyfileEncryption | null = null
    try { coldkeyEncryption = keyfileEncryption(new Uint8Array(await fs.readFile(p.coldkey))) } catch { coldkeyEncryption = null }
    const hotkeys: WalletInfo['hotkeys'] = []
    let hk: string[] = []
    try { hk = (await fs.readdir(join(p.dir, 'hotkeys'))).filter((n) => NAME_RE.test(n)).sort() } catch { hk = [] }
    for (const h of hk) {
      const bytes = new Uint8Array(await fs.readFile(join(p.dir, 'hotkeys', h)))
      const encryption = keyfileEncryption(bytes)
      let ss58Address: string | null = null
      if (encryption === 'none') { try { ss58Address = (await parseKeyfileData(bytes)).ss58Address } catch { ss58Address = null } }
      hotkeys.push({ name: h, ss58Address, encryption })
    }
    if (coldkeypub !== null || coldkeyEncryption !== null || hotkeys.length > 0) out.push({ name, path: p.dir, coldkeypub, coldkeyEncryption, hotkeys })
  }
  return out
}
