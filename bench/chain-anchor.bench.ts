// Devnet anchor latency: DevnetAnchor.anchorRanking (decode + verify + explicit nonce + drop-safe submit + event check)
// against a bare signAndSend remark of the same bytes, interleaved in one run; then the read-back scan rate.
// Also devnet start/resume time. Prints medians; never fails on speed. ANCHOR_BENCH_N sets the sample count.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { u8aToHex } from '@polkadot/util'
import { encodeRanking, signRanking } from '@tensormesh/wire'
import { startDevnet, DevnetAnchor, wireRankingCodec, frameRanking } from '@tensormesh/chain'

const N = Number(process.env.ANCHOR_BENCH_N ?? 15)
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

await cryptoWaitReady()
const kr = new Keyring({ type: 'sr25519', ss58Format: 42 })
const v = kr.addFromUri('//Bench')
const dir = mkdtempSync(join(tmpdir(), 'tm-bench-devnet-'))
let t = performance.now()
let devnet = await startDevnet({ dataDir: dir, accounts: [{ address: v.address, free: 10n ** 16n }] })
const startMs = performance.now() - t
const anchor = new DevnetAnchor({ endpoint: devnet.endpoint, codec: wireRankingCodec, members: [v.address] })
await anchor.connect()
const uids = Uint16Array.from({ length: 256 }, (_, i) => i)
const weights = Uint16Array.from({ length: 256 }, (_, i) => (i * 257) & 0xffff)
const ours: number[] = []
const bare: number[] = []
for (let i = 0; i < N; i++) {
  const bytes = encodeRanking(signRanking(v, { netuid: 1, epoch: i, uids, weights, versionKey: 0 }))
  t = performance.now()
  await anchor.anchorRanking(v, bytes)
  ours.push(performance.now() - t)
  const nonce = (await anchor.api.rpc.system.accountNextIndex(v.address)).toNumber()
  t = performance.now()
  await new Promise<void>((resolve, reject) => {
    anchor.api.tx.system.remarkWithEvent(u8aToHex(frameRanking(bytes))).signAndSend(v, { nonce }, (r) => { if (r.status.isInBlock) resolve() }).catch(reject)
  })
  bare.push(performance.now() - t)
}
const best = (await anchor.bestBlock()).number
const fresh = new DevnetAnchor({ endpoint: devnet.endpoint, codec: wireRankingCodec, members: [v.address] })
await fresh.connect()
t = performance.now()
const read = await fresh.readRankings(1, 0)
const scanMs = performance.now() - t
await fresh.close()
await anchor.close()
await devnet.stop()
t = performance.now()
devnet = await startDevnet({ dataDir: dir })
const resumeMs = performance.now() - t
const resumedAt = devnet.resumedAt
await devnet.stop()
rmSync(dir, { recursive: true, force: true })

console.log(`devnet start (fresh db): ${startMs.toFixed(0)} ms; resume at #${resumedAt}: ${resumeMs.toFixed(0)} ms`)
console.log(`anchorRanking, 256-uid ranking (${N} runs): median ${median(ours).toFixed(0)} ms`)
console.log(`bare signAndSend remark, same bytes:        median ${median(bare).toFixed(0)} ms  (ratio ${(median(ours) / median(bare)).toFixed(2)}x)`)
console.log(`read-back scan of ${best} blocks: ${scanMs.toFixed(0)} ms (${(best / (scanMs / 1000)).toFixed(0)} blocks/s), ${read.rankings.length} ranking(s) of epoch 0`)
