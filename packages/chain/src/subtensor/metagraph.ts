/** Metagraph reader over a live subtensor, driven by what the runtime's metadata says exists. */
import type { ApiPromise } from '@polkadot/api'
import type { Codec } from '@polkadot/types/types'
import { encodeAddress } from '@polkadot/util-crypto'
import { ChainError } from '../errors.ts'
import type { Metagraph } from '../types.ts'
import { HYPERPARAMETER_STORAGE, METAGRAPH_STORAGE, jsName, missingStorage, requireStorage, type SubtensorCapabilities } from './capabilities.ts'

type QueryFn = ((...args: unknown[]) => Promise<Codec>) & { entries: (...args: unknown[]) => Promise<Array<[{ args: Codec[] }, Codec]>>, multi: (args: unknown[]) => Promise<Codec[]> }

function q (api: ApiPromise, item: string): QueryFn {
  const fn = (api.query.subtensorModule as unknown as Record<string, QueryFn | undefined>)[jsName(item)]
  if (fn === undefined) throw new ChainError('MISSING_STORAGE', `SubtensorModule.${item} is not decorated by the API`, { missing: [item] })
  return fn
}

const nums = (c: Codec): number[] => (c.toJSON() as Array<number | string>).map((x) => Number(x))
const bigs = (c: Codec): bigint[] => (c.toJSON() as Array<number | string>).map((x) => BigInt(x))
const bools = (c: Codec): boolean[] => c.toJSON() as boolean[]

/** Pad/trim a per-uid vector to n (a vector shorter than n means trailing defaults). */
function fit<T> (xs: T[], n: number, dflt: T): T[] {
  return Array.from({ length: n }, (_, i) => (i < xs.length ? xs[i] : dflt))
}

export async function readHyperparameters (api: ApiPromise, caps: SubtensorCapabilities, netuid: number): Promise<{ values: Metagraph['hyperparameters'], missing: string[] }> {
  const present = HYPERPARAMETER_STORAGE.filter((n) => caps.storage.has(n))
  const values: Metagraph['hyperparameters'] = {}
  const read = await Promise.all(present.map((n) => q(api, n)(netuid)))
  present.forEach((n, i) => {
    const j = read[i].toJSON() as unknown
    values[jsName(n)] = Array.isArray(j) ? j.map(Number) : (typeof j === 'boolean' || typeof j === 'number' ? j : String(j))
  })
  return { values, missing: missingStorage(caps, HYPERPARAMETER_STORAGE) }
}

/** Reads the metagraph of `netuid` (mechanism 0). Throws MISSING_STORAGE naming absent items. */
export async function readMetagraph (api: ApiPromise, caps: SubtensorCapabilities, netuid: number): Promise<Metagraph> {
  requireStorage(caps, METAGRAPH_STORAGE, 'reading the metagraph')
  if (caps.stakeSource === null) requireStorage(caps, ['TotalHotkeyAlpha'], 'reading stakes')
  const header = await api.rpc.chain.getHeader()
  const n = Number((await q(api, 'SubnetworkN')(netuid)).toString())
  if (n === 0 && !(await subnetExists(api, caps, netuid))) throw new ChainError('BAD_INPUT', `subnet ${netuid} does not exist on this chain`, { netuid })
  const keyEntries = await q(api, 'Keys').entries(netuid)
  const hotkeys = new Array<string>(n).fill('')
  for (const [k, v] of keyEntries) {
    const uid = Number(k.args[1].toString())
    if (uid < n) hotkeys[uid] = encodeAddress(v.toU8a(), 42)
  }
  const [active, permit, consensus, incentive, dividends, emission, lastUpdate] = await Promise.all([
    q(api, 'Active')(netuid), q(api, 'ValidatorPermit')(netuid), q(api, 'Consensus')(netuid), q(api, 'Incentive')(netuid),
    q(api, 'Dividends')(netuid), q(api, 'Emission')(netuid), q(api, 'LastUpdate')(netuid),
  ])
  const vtrust = caps.storage.has('ValidatorTrust') ? nums(await q(api, 'ValidatorTrust')(netuid)) : []
  const stake = await readStakes(api, caps, netuid, hotkeys)
  const owners = caps.storage.has('Owner') ? await q(api, 'Owner').multi(hotkeys) : []
  const { values: hyperparameters } = await readHyperparameters(api, caps, netuid)
  return {
    netuid,
    block: header.number.toNumber(),
    n,
    uids: hotkeys.map((_, i) => i),
    hotkeys,
    coldkeys: hotkeys.map((_, i) => (owners[i] === undefined ? '' : encodeAddress(owners[i].toU8a(), 42))),
    stake: hotkeys.map((h) => stake.get(h) ?? 0n),
    validatorPermit: fit(bools(permit), n, false),
    active: fit(bools(active), n, false),
    incentive: fit(nums(incentive), n, 0),
    dividends: fit(nums(dividends), n, 0),
    consensus: fit(nums(consensus), n, 0),
    validatorTrust: fit(vtrust, n, 0),
    emission: fit(bigs(emission), n, 0n),
    lastUpdate: fit(nums(lastUpdate), n, 0),
    hyperparameters,
  }
}

async function subnetExists (api: ApiPromise, caps: SubtensorCapabilities, netuid: number): Promise<boolean> {
  if (caps.storage.has('NetworksAdded')) return (await q(api, 'NetworksAdded')(netuid)).toJSON() === true
  return true
}

/** Stake per hotkey on `netuid`: TotalHotkeyAlpha(hotkey, netuid) on dTAO runtimes, TotalHotkeyStake(hotkey) before. */
export async function readStakes (api: ApiPromise, caps: SubtensorCapabilities, netuid: number, hotkeys: readonly string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>()
  const keys = hotkeys.filter((h) => h !== '')
  if (keys.length === 0) return out
  let values: Codec[]
  if (caps.stakeSource === 'TotalHotkeyAlpha') values = await q(api, 'TotalHotkeyAlpha').multi(keys.map((h) => [h, netuid]))
  else if (caps.stakeSource === 'TotalHotkeyStake') values = await q(api, 'TotalHotkeyStake').multi(keys)
  else throw new ChainError('MISSING_STORAGE', 'this runtime has neither TotalHotkeyAlpha nor TotalHotkeyStake: cannot read stake', { missing: ['TotalHotkeyAlpha', 'TotalHotkeyStake'], specVersion: caps.specVersion })
  keys.forEach((h, i) => out.set(h, BigInt(values[i].toString())))
  return out
}
