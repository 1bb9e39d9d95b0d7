/**
 * Wallets of this peer: named sr25519 hotkeys kept in `<dataDir>/wallets/<name>.json` as Polkadot JSON keystores
 * (scrypt + xsalsa20-poly1305, encrypted with the wallet password). A thin adapter until packages/chain's
 * btcli-compatible wallet API lands; the peer only needs create / import / list / unlock.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair, KeyringPair$Json } from '@polkadot/keyring/types'
import { cryptoWaitReady, mnemonicGenerate, mnemonicValidate } from '@polkadot/util-crypto'
import { NodeError } from './errors.ts'
import { readJson, writeJsonAtomic } from './persist.ts'

export interface WalletFile {
  name: string
  /** SS58 (prefix 42) of the hotkey. */
  hotkey: string
  createdAt: string
  keystore: KeyringPair$Json
}

export interface WalletInfo { name: string, hotkey: string, createdAt: string }

const NAME = /^[\w.-]{1,64}$/

function walletPath (dir: string, name: string): string {
  if (!NAME.test(name)) throw new NodeError('BAD_FLAG', `wallet name "${name}" must be 1-64 letters, digits, . _ or -`, { name })
  return join(dir, `${name}.json`)
}

function keyring (): Keyring {
  return new Keyring({ type: 'sr25519', ss58Format: 42 })
}

function checkPassword (password: string): void {
  if (password.length < 8) throw new NodeError('WALLET_LOCKED', 'the wallet password must have at least 8 characters')
}

/** Creates a wallet with a fresh 12-word mnemonic; returns it once so the user can write it down. */
export async function createWallet (dir: string, name: string, password: string): Promise<WalletInfo & { mnemonic: string }> {
  await cryptoWaitReady()
  const mnemonic = mnemonicGenerate(12)
  const info = await importWallet(dir, name, mnemonic, password)
  return { ...info, mnemonic }
}

/** Imports a mnemonic (or a `//dev` URI) as a named wallet. */
export async function importWallet (dir: string, name: string, secret: string, password: string): Promise<WalletInfo> {
  await cryptoWaitReady()
  const path = walletPath(dir, name)
  if (existsSync(path)) throw new NodeError('WALLET_EXISTS', `wallet "${name}" already exists at ${path}`, { name })
  checkPassword(password)
  const phrase = secret.trim()
  if (!phrase.startsWith('//') && !mnemonicValidate(phrase)) throw new NodeError('BAD_FLAG', 'not a valid BIP-39 mnemonic (12 or 24 words) or //dev URI')
  const pair = keyring().addFromUri(phrase)
  const file: WalletFile = { name, hotkey: pair.address, createdAt: new Date().toISOString(), keystore: pair.toJson(password) }
  writeJsonAtomic(path, file)
  return { name, hotkey: pair.address, createdAt: file.createdAt }
}

export function listWallets (dir: string): WalletInfo[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => {
    const w = readJson<WalletFile | null>(join(dir, f), null)
    return w === null ? null : { name: w.name, hotkey: w.hotkey, createdAt: w.createdAt }
  }).filter((w): w is WalletInfo => w !== null).sort((a, b) => a.name.localeCompare(b.name))
}

/** Decrypts a wallet's hotkey. */
export async function unlockWallet (dir: string, name: string, password: string): Promise<KeyringPair> {
  await cryptoWaitReady()
  const path = walletPath(dir, name)
  const w = readJson<WalletFile | null>(path, null)
  if (w === null) throw new NodeError('WALLET_NOT_FOUND', `no wallet "${name}" in ${dir}; create one with \`tensormesh wallet create --name ${name}\``, { name })
  const pair = keyring().addFromJson(w.keystore)
  try {
    pair.decodePkcs8(password)
  } catch {
    throw new NodeError('WALLET_LOCKED', `wrong password for wallet "${name}"`, { name })
  }
  return pair
}

/** A development key from a URI (`//tm-demo-1`): demo and tests only. */
export async function devPair (uri: string): Promise<KeyringPair> {
  await cryptoWaitReady()
  return keyring().addFromUri(uri)
}
