/** Network presets as btcli names them (`--subtensor.network`). */
import { ChainError } from '../errors.ts'

export const SUBTENSOR_NETWORKS = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const

export type SubtensorNetworkName = keyof typeof SUBTENSOR_NETWORKS

/** `finney` | `test` | `local` | a ws(s):// URL -> network name shown to the user and endpoint. */
export function resolveSubtensorNetwork (nameOrUrl: string): { network: string, endpoint: string } {
  const key = nameOrUrl.trim()
  if (key in SUBTENSOR_NETWORKS) return { network: key, endpoint: SUBTENSOR_NETWORKS[key as SubtensorNetworkName] }
  if (key === 'mainnet' || key === 'archive') return { network: 'finney', endpoint: SUBTENSOR_NETWORKS.finney }
  let url: URL
  try { url = new URL(key) } catch { throw new ChainError('BAD_INPUT', `unknown subtensor network "${key}": use finney, test, local or a ws:// / wss:// URL`, { network: key }) }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new ChainError('BAD_INPUT', `subtensor endpoint must be ws:// or wss://, got ${url.protocol}`, { network: key })
  const known = Object.entries(SUBTENSOR_NETWORKS).find(([, v]) => new URL(v).host === url.host)
  return { network: known?.[0] ?? key, endpoint: key }
}

/**
 * Signed extensions subtensor adds that carry no bytes in the extrinsic or the signing payload (unit structs);
 * declaring them keeps @polkadot/api from warning and keeps payloads exact.
 */
export const SUBTENSOR_SIGNED_EXTENSIONS = {
  SubtensorSignedExtension: { extrinsic: {}, payload: {} },
  CommitmentsSignedExtension: { extrinsic: {}, payload: {} },
} as const
