/**
 * Wallets of this peer, in Bittensor's btcli layout and keyfile format through @tensormesh/chain's wallet API:
 * `<walletPath>/<name>/coldkey` (`$NACL`, Argon2i + secretbox), `coldkeypub.txt`, `hotkeys/<hotkey>` (plain, as btcli
 * writes hotkeys, unless a password is given). The default wallet path is btcli's own `~/.bittensor/wallets`, so a
 * wallet made with btcli works here and the other way round. The peer's identity is the hotkey; the coldkey is only
 * written (create / import), never unlocked by the peer.
 */
import { promises as fs } from 'node:fs'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import {
  ChainError, DEFAULT_WALLET_ROOT, createWallet as chainCreateWallet, importColdkey, importHotkey, keyfileEncryption,
  listWallets as chainListWallets, loadHotkey, walletPaths,
} from '@tensormesh/chain'
import { NodeError } from './errors.ts'

export { DEFAULT_WALLET_ROOT }

/** Where a wallet lives: btcli's `--wallet.path`, `--wallet.name`, `--wallet.hotkey`. */
export interface WalletLocation { root: string, name: string, hotkey: string }

export interface WalletInfo {
  name: string
  /** The wallet's directory. */
  path: string
  /** Coldkey SS58 from coldkeypub.txt (null when absent). */
  coldkey: string | null
  /** SS58 of each hotkey; null when the hotkey file is encrypted (its address needs the password). */
  hotkeys: Array<{ name: string, hotkey: string | null, encrypted: boolean }>
}

function checkPassword (password: string): void {
  if (password.length < 8) throw new NodeError('WALLET_LOCKED', 'the wallet password must have at least 8 characters')
}

/** Chain errors of the wallet API as this package's codes (same messages). */
function mapError (e: unknown, loc: WalletLocation): never {
  if (e instanceof ChainError) {
    const data = { name: loc.name, hotkey: loc.hotkey }
    switch (e.code) {
      case 'WALLET_EXISTS': throw new NodeError('WALLET_EXISTS', `wallet "${loc.name}" already has that key: ${e.message}`, data, { cause: e })
      case 'WALLET_NOT_FOUND': throw new NodeError('WALLET_NOT_FOUND', `no wallet "${loc.name}" (hotkey "${loc.hotkey}") in ${loc.root}; create one with \`tensormesh wallet create --name ${loc.name}\``, data, { cause: e })
      case 'WRONG_PASSWORD': throw new NodeError('WALLET_LOCKED', `wrong password for wallet "${loc.name}"`, data, { cause: e })
      case 'PASSWORD_REQUIRED': throw new NodeError('WALLET_LOCKED', `wallet "${loc.name}" is encrypted: a password is required`, data, { cause: e })
      case 'BAD_MNEMONIC': throw new NodeError('BAD_FLAG', 'not a valid BIP-39 mnemonic (12 to 24 words)', data, { cause: e })
      case 'BAD_INPUT': throw new NodeError('BAD_FLAG', e.message, data, { cause: e })
      default: throw new NodeError('WALLET_LOCKED', e.message, data, { cause: e })
    }
  }
  throw e
}

/**
 * Creates a wallet like `btcli wallet create`: a coldkey (encrypted with `password`, one Argon2i derivation) and a
 * plain hotkey. Returns both mnemonics once so the user can write them down; nothing here logs them.
 */
export async function createWallet (loc: WalletLocation, password: string): Promise<{ name: string, coldkey: string, hotkey: string, coldkeyMnemonic: string, hotkeyMnemonic: string }> {
  checkPassword(password)
  try {
    const w = await chainCreateWallet({ root: loc.root, name: loc.name, hotkey: loc.hotkey, coldkeyPassword: password })
    return { name: loc.name, ...w }
  } catch (e) { return mapError(e, loc) }
}

/**
 * Imports a hotkey mnemonic like `btcli wallet regen_hotkey` (plain unless `password` is given), and optionally the
 * coldkey like `regen_coldkey` (needs `password`). Returns the SS58 addresses written.
 */
export async function importWallet (loc: WalletLocation, o: { hotkeyMnemonic: string, coldkeyMnemonic?: string, password?: string }): Promise<{ name: string, hotkey: string, coldkey: string | null }> {
  if (o.password !== undefined) checkPassword(o.password)
  try {
    let coldkey: string | null = null
    if (o.coldkeyMnemonic !== undefined) {
      if (o.password === undefined) throw new NodeError('WALLET_LOCKED', 'importing a coldkey needs a password (btcli always encrypts coldkeys)')
      coldkey = await importColdkey({ root: loc.root, name: loc.name, mnemonic: o.coldkeyMnemonic, password: o.password })
    }
    const hotkey = await importHotkey({ root: loc.root, name: loc.name, hotkey: loc.hotkey, mnemonic: o.hotkeyMnemonic, ...(o.password !== undefined && o.coldkeyMnemonic === undefined ? { password: o.password } : {}) })
    return { name: loc.name, hotkey, coldkey }
  } catch (e) { return mapError(e, loc) }
}

/** Wallets under `root` with their public addresses; never decrypts anything. */
export async function listWallets (root: string): Promise<WalletInfo[]> {
  return (await chainListWallets(root)).map((w) => ({
    name: w.name,
    path: w.path,
    coldkey: w.coldkeypub,
    hotkeys: w.hotkeys.map((h) => ({ name: h.name, hotkey: h.ss58Address, encrypted: h.encryption !== 'none' })),
  }))
}

/** Whether the hotkey file exists and whether it is encrypted (so a caller asks for a password only when needed). */
export async function hotkeyState (loc: WalletLocation): Promise<'missing' | 'plain' | 'encrypted'> {
  let bytes: Uint8Array
  try { bytes = new Uint8Array(await fs.readFile(walletPaths({ root: loc.root, name: loc.name }, loc.hotkey).hotkey)) } catch { return 'missing' }
  return keyfileEncryption(bytes) === 'none' ? 'plain' : 'encrypted'
}

/** The hotkey's signing pair; `password` is asked for (and Argon2i run) only when the hotkey file is encrypted. */
export async function unlockWallet (loc: WalletLocation, password: () => Promise<string>): Promise<KeyringPair> {
  const state = await hotkeyState(loc)
  if (state === 'missing') mapError(new ChainError('WALLET_NOT_FOUND', 'missing'), loc)
  try {
    return await loadHotkey({ root: loc.root, name: loc.name, hotkey: loc.hotkey, ...(state === 'encrypted' ? { password: await password() } : {}) })
  } catch (e) { return mapError(e, loc) }
}

/** A development key from a URI (`//tm-demo-1`): demo and tests only. */
export async function devPair (uri: string): Promise<KeyringPair> {
  await cryptoWaitReady()
  return new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(uri)
}
