/**
 * Bittensor keyfiles, byte-compatible with btcli / bittensor-wallet (btwallet, `src/keyfile.rs`); spec in
 * protocols/wallet.md. Plain form: JSON with `accountId`, `publicKey`, `privateKey`, `secretPhrase`, `secretSeed`,
 * `ss58Address`. Encrypted form: `$NACL` ‖ 24-byte nonce ‖ NaCl secretbox (XSalsa20-Poly1305, MAC first), key =
 * Argon2i v1.3 (libsodium `crypto_pwhash` SENSITIVE limits: 8 passes, 512 MiB, 1 lane) over the password with
 * btwallet's fixed salt.
 */
import { argon2i } from 'hash-wasm'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex, hexToU8a, isHex, stringToU8a, u8aToString } from '@polkadot/util'
import {
  cryptoWaitReady, decodeAddress, encodeAddress, mnemonicToMiniSecret, mnemonicValidate, naclDecrypt, naclEncrypt,
  randomAsU8a, sr25519PairFromSeed, sr25519Sign, sr25519Verify,
} from '@polkadot/util-crypto'
import { ChainError } from '../errors.ts'

/** btwallet `NACL_SALT` (b"\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1"). */
export const NACL_SALT = new Uint8Array([0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1])
export const NACL_MAGIC = stringToU8a('$NACL')
/** libsodium crypto_pwhash_argon2i_OPSLIMIT_SENSITIVE / MEMLIMIT_SENSITIVE (bytes). */
export const ARGON2I_OPSLIMIT = 8
export const ARGON2I_MEMLIMIT = 536_870_912

export type KeyfileEncryption = 'none' | 'nacl' | 'ansible-vault' | 'legacy-fernet'

/** What a keyfile holds, decoded. Secret fields are absent on public-only files (coldkeypub.txt). */
export interface KeyfileData {
  publicKey: Uint8Array
  ss58Address: string
  /** BIP39 phrase, when the key came from one. */
  mnemonic?: string
  /** 32-byte mini secret (`secretSeed`). */
  seed?: Uint8Array
  /** 64-byte schnorrkel secret key in btwallet's byte order (`privateKey`). */
  privateKey?: Uint8Array
}

export function keyfileEncryption (bytes: Uint8Array): KeyfileEncryption {
  const head = u8aToString(bytes.subarray(0, 14))
  if (head.startsWith('$NACL')) return 'nacl'
  if (head.startsWith('$ANSIBLE_VAULT')) return 'ansible-vault'
  if (head.startsWith('gAAAAA')) return 'legacy-fernet'
  return 'none'
}

/**
 * Schnorrkel keeps its secret scalar "divided by the cofactor" (`SecretKey::to_bytes`, what btwallet writes) while
 * @polkadot/util-crypto keeps the ed25519-style form (scalar × 8). Converting is a 3-bit shift of the 32-byte
 * little-endian scalar; the 32-byte nonce is unchanged.
 */
export function secretKeyToBtwallet (polkadotSecret: Uint8Array): Uint8Array {
  return shiftScalar(polkadotSecret, -3)
}
export function secretKeyFromBtwallet (btwalletSecret: Uint8Array): Uint8Array {
  return shiftScalar(btwalletSecret, 3)
}
function shiftScalar (secret: Uint8Array, bits: number): Uint8Array {
  if (secret.length !== 64) throw new ChainError('KEYFILE_MALFORMED', 'sr25519 secret key must be 64 bytes')
  let x = 0n
  for (let i = 31; i >= 0; i--) x = (x << 8n) | BigInt(secret[i])
  x = bits > 0 ? (x << BigInt(bits)) & ((1n << 256n) - 1n) : x >> BigInt(-bits)
  const out = new Uint8Array(64)
  for (let i = 0; i < 32; i++) { out[i] = Number(x & 0xffn); x >>= 8n }
  out.set(secret.subarray(32), 32)
  return out
}

/** Keyfile data for a key made from a mnemonic (what `btcli wallet create/regen_*` writes). */
export async function keyfileDataFromMnemonic (mnemonic: string): Promise<KeyfileData> {
  await cryptoWaitReady()
  const phrase = mnemonic.trim().split(/\s+/).join(' ')
  if (!mnemonicValidate(phrase)) throw new ChainError('BAD_MNEMONIC', 'mnemonic is not a valid BIP39 phrase')
  const seed = mnemonicToMiniSecret(phrase)
  return { ...keyfileDataFromSeed(seed), mnemonic: phrase }
}

export function keyfileDataFromSeed (seed: Uint8Array): KeyfileData {
  if (seed.length !== 32) throw new ChainError('KEYFILE_MALFORMED', 'secretSeed must be 32 bytes')
  const pair = sr25519PairFromSeed(seed)
  return { publicKey: pair.publicKey, ss58Address: encodeAddress(pair.publicKey, 42), seed: seed.slice(), privateKey: secretKeyToBtwallet(pair.secretKey) }
}

/** Public-only data (coldkeypub.txt). */
export function publicKeyfileData (address: string | Uint8Array): KeyfileData {
  const publicKey = typeof address === 'string' ? decodeAddress(address) : address
  return { publicKey, ss58Address: encodeAddress(publicKey, 42) }
}

/** Serialise like btwallet's `serialized_keypair_to_keyfile_data` (absent fields are omitted). */
export function serializeKeyfileData (d: KeyfileData): Uint8Array {
  const o: Record<string, string> = { accountId: u8aToHex(d.publicKey), publicKey: u8aToHex(d.publicKey) }
  if (d.privateKey !== undefined) o.privateKey = u8aToHex(d.privateKey)
  if (d.mnemonic !== undefined) o.secretPhrase = d.mnemonic
  if (d.seed !== undefined) o.secretSeed = u8aToHex(d.seed)
  o.ss58Address = d.ss58Address
  return stringToU8a(JSON.stringify(o))
}

/**
 * Parse plain keyfile JSON. Like btwallet, the key is rebuilt from `secretPhrase`, else `secretSeed`, else
 * `privateKey`, else only the address; unlike it we also check that every present field agrees with the public key.
 */
export async function parseKeyfileData (bytes: Uint8Array): Promise<KeyfileData> {
  const enc = keyfileEncryption(bytes)
  if (enc !== 'none') throw new ChainError('PASSWORD_REQUIRED', `keyfile is encrypted (${enc}); decrypt it first`, { encryption: enc })
  let o: Record<string, unknown>
  try {
    o = JSON.parse(u8aToString(bytes)) as Record<string, unknown>
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('not an object')
  } catch {
    throw new ChainError('KEYFILE_MALFORMED', 'keyfile is not JSON in the Bittensor keyfile format')
  }
  const str = (k: string): string | undefined => (typeof o[k] === 'string' && o[k] !== '' ? o[k] : undefined)
  const hexField = (k: string, len: number): Uint8Array | undefined => {
    const v = str(k)
    if (v === undefined) return undefined
    const h = v.startsWith('0x') ? v : `0x${v}`
    if (!isHex(h) || (h.length - 2) / 2 !== len) throw new ChainError('KEYFILE_MALFORMED', `keyfile field ${k} must be ${len} bytes of hex`, { field: k })
    return hexToU8a(h)
  }
  let d: KeyfileData
  const phrase = str('secretPhrase')
  const seed = hexField('secretSeed', 32)
  const priv = hexField('privateKey', 64)
  if (phrase !== undefined) d = await keyfileDataFromMnemonic(phrase)
  else if (seed !== undefined) d = keyfileDataFromSeed(seed)
  else if (priv !== undefined) {
    const pub = hexField('publicKey', 32) ?? hexField('accountId', 32) ?? (str('ss58Address') !== undefined ? decodeAddress(str('ss58Address') as string) : undefined)
    if (pub === undefined) throw new ChainError('KEYFILE_MALFORMED', 'keyfile has a privateKey but no public key')
    await cryptoWaitReady()
    const secretKey = secretKeyFromBtwallet(priv)
    const probe = stringToU8a('tensormesh keyfile check')
    if (!sr25519Verify(probe, sr25519Sign(probe, { publicKey: pub, secretKey }), pub)) throw new ChainError('KEYFILE_MALFORMED', 'keyfile privateKey does not match its public key')
    d = { publicKey: pub, ss58Address: encodeAddress(pub, 42), privateKey: priv }
  } else {
    const addr = str('ss58Address')
    const pub = hexField('publicKey', 32) ?? hexField('accountId', 32)
    if (addr === undefined && pub === undefined) throw new ChainError('KEYFILE_MALFORMED', 'keyfile has neither a secret nor a public key')
    try {
      d = publicKeyfileData(pub ?? (addr as string))
    } catch (e) {
      throw e instanceof ChainError ? e : new ChainError('KEYFILE_MALFORMED', 'keyfile ss58Address is not a valid address')
    }
  }
  const statedPub = hexField('publicKey', 32) ?? hexField('accountId', 32)
  if (statedPub !== undefined && u8aToHex(statedPub) !== u8aToHex(d.publicKey)) throw new ChainError('KEYFILE_MALFORMED', 'keyfile publicKey does not match its secret')
  const addr = str('ss58Address')
  if (addr !== undefined) {
    let ok = false
    try { ok = u8aToHex(decodeAddress(addr)) === u8aToHex(d.publicKey) } catch { ok = false }
    if (!ok) throw new ChainError('KEYFILE_MALFORMED', 'keyfile ss58Address does not match its key')
  }
  return d
}

/** A signing pair for keyfile data with a secret. */
export function pairFromKeyfileData (d: KeyfileData): KeyringPair {
  const kr = new Keyring({ type: 'sr25519', ss58Format: 42 })
  if (d.seed !== undefined) return kr.addFromSeed(d.seed)
  if (d.privateKey !== undefined) return kr.addFromPair({ publicKey: d.publicKey, secretKey: secretKeyFromBtwallet(d.privateKey) })
  throw new ChainError('KEYFILE_MALFORMED', 'keyfile holds only a public key; it cannot sign')
}

/** Argon2i key for `$NACL` keyfiles (about 1.5–8 s and 512 MiB: derive once, reuse for encrypt+decrypt). */
export async function deriveKeyfileKey (password: string): Promise<Uint8Array> {
  if (typeof password !== 'string') throw new ChainError('PASSWORD_REQUIRED', 'a password is required')
  return await argon2i({
    password: stringToU8a(password), salt: NACL_SALT, iterations: ARGON2I_OPSLIMIT, memorySize: ARGON2I_MEMLIMIT / 1024,
    parallelism: 1, hashLength: 32, outputType: 'binary',
  })
}

async function keyOf (secret: { password: string } | { key: Uint8Array }): Promise<Uint8Array> {
  return 'key' in secret ? secret.key : await deriveKeyfileKey(secret.password)
}

/** `$NACL` ‖ nonce ‖ secretbox(plain). */
export async function encryptKeyfile (plain: Uint8Array, secret: { password: string } | { key: Uint8Array }, nonce: Uint8Array = randomAsU8a(24)): Promise<Uint8Array> {
  const key = await keyOf(secret)
  const { encrypted } = naclEncrypt(plain, key, nonce)
  const out = new Uint8Array(NACL_MAGIC.length + 24 + encrypted.length)
  out.set(NACL_MAGIC, 0); out.set(nonce, NACL_MAGIC.length); out.set(encrypted, NACL_MAGIC.length + 24)
  return out
}

/** Decrypt a keyfile. Wrong password -> `WRONG_PASSWORD`; ansible-vault / fernet files -> `KEYFILE_LEGACY_FORMAT`. */
export async function decryptKeyfile (bytes: Uint8Array, secret: { password: string } | { key: Uint8Array }): Promise<Uint8Array> {
  const enc = keyfileEncryption(bytes)
  if (enc === 'none') return bytes
  if (enc !== 'nacl') {
    throw new ChainError('KEYFILE_LEGACY_FORMAT', `keyfile uses the legacy ${enc} encryption, which TensorMesh does not read; run \`btcli wallet update\` (or regenerate the key from its mnemonic) to convert it to $NACL`, { encryption: enc })
  }
  if (bytes.length < NACL_MAGIC.length + 24 + 16) throw new ChainError('KEYFILE_MALFORMED', 'encrypted keyfile is truncated')
  const nonce = bytes.subarray(NACL_MAGIC.length, NACL_MAGIC.length + 24)
  const plain = naclDecrypt(bytes.subarray(NACL_MAGIC.length + 24), nonce, await keyOf(secret))
  if (plain === null) throw new ChainError('WRONG_PASSWORD', 'wrong password for this keyfile')
  return plain
}
