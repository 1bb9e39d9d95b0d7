import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { adaptiveCollectMs, blockClock, blockRound, wallRound } from '../src/clock.ts'
import { consensusFromAnchors, consensusInput, fromWireTensor, toWireTensor } from '../src/peer.ts'
import { encodeUpdate, decodeUpdate } from '@tensormesh/learn'

describe('round timing', () => {
  test('wall and block rounds', () => {
    assert.deepEqual(wallRound(25_000, 1_000, 10_000), { round: 2, startMs: 21_000, endMs: 31_000 })
    assert.equal(wallRound(0, 1_000, 10_000).round, 0)
    assert.deepEqual(blockRound(37, 5, 4), { round: 8, firstBlock: 37 })
    assert.deepEqual(blockRound(40, 5, 4), { round: 8, firstBlock: 37 })
  })

  test('block clock advances on heads and wakes waiters', async () => {
    const c = blockClock(10, 4, 100)
    c.onHead(13)
    assert.equal(c.now().round, 0)
    const ac = new AbortController()
    const w = c.waitFor(2, ac.signal)
    c.onHead(17)
    c.onHead(18)
    assert.equal((await w).round, 2)
    c.onHead(12) // an older head is ignored
    assert.equal(c.head(), 18)
  })

  test('adaptive deadline stays inside its bounds and follows slow arrivals', () => {
    assert.equal(adaptiveCollectMs([], 10_000, 0.3, 0.7), 7000)
    assert.equal(adaptiveCollectMs([100, 200, 300], 10_000, 0.3, 0.7), 3000)
    const slow = adaptiveCollectMs([1000, 2000, 4000, 4500], 10_000, 0.3, 0.7)
    assert.ok(slow > 4500 && slow <= 7000)
  })
})

describe('glue', () => {
  test('learn codec output round-trips through the wire tensor', () => {
    const dense = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i) * (i % 7))
    const enc = encodeUpdate(dense, { chunkSize: 256, topK: 32, bits: 8 })
    assert.deepEqual(fromWireTensor(toWireTensor(enc)), decodeUpdate(enc))
  })

  test('consensus from anchored rankings: later anchor wins, miners ranked by incentive', () => {
    const hotkeys = ['5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y', '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy']
    const mk = (uids: number[], weights: number[]): never => ({ uids: Uint16Array.from(uids), weights: Uint16Array.from(weights) }) as never
    const input = consensusInput(hotkeys, [100n, 50n, 0n, 0n], [
      { hotkey: hotkeys[0], blockNumber: 5, ranking: mk([2, 3], [10, 65535]) },
      { hotkey: hotkeys[0], blockNumber: 6, ranking: mk([2, 3], [65535, 10]) },
      { hotkey: hotkeys[1], blockNumber: 6, ranking: mk([2, 3], [65535, 20000]) },
    ])
    assert.deepEqual(input.validators, [0, 1])
    assert.deepEqual(input.weights[0], [[2, 65535], [3, 10]])
    const v = consensusFromAnchors(input, 10, 0, 100, [])
    assert.ok(v.incentive[2] > v.incentive[3])
    assert.equal(v.rank[2], 1)
    assert.ok(Math.abs(v.incentive.reduce((a, b) => a + b, 0) - 1) < 1e-6)
  })
})

describe('miner pace', () => {
  test('speed estimate drops at once and grows halfway', async () => {
    const { nextSpeed } = await import('../src/peer.ts')
    assert.equal(nextSpeed(null, 10, 1000), 0.01)
    assert.equal(nextSpeed(0.02, 10, 1000), 0.01) // slower: take the measurement
    assert.equal(nextSpeed(0.01, 30, 1000), 0.02) // faster: halfway
    assert.equal(nextSpeed(0.01, 10, 0), 0.01) // nothing measured: unchanged
  })

  test('training runs until its share of the round (scaled by the throttle), steps bounded by the speed', async () => {
    const { planTraining, TRAIN_SHARE } = await import('../src/peer.ts')
    const base = { nowMs: 1000, startMs: 1000, roundMs: 10_000, configuredSteps: 24 }
    const share = TRAIN_SHARE * 10_000
    // First round: speed unknown, the cap (16 × configured, × throttle); stopAt ends it at the share.
    assert.deepEqual(planTraining({ ...base, speed: null, throttle: 1 }), { maxSteps: 24 * 16, stopAt: 1000 + share })
    assert.deepEqual(planTraining({ ...base, speed: null, throttle: 0.25 }), { maxSteps: 24 * 4, stopAt: 1000 + share / 4 })
    // Known speed: the steps that fit, with 50 % headroom; a throttle of 0.25 trains a quarter of the time.
    assert.deepEqual(planTraining({ ...base, speed: 0.02, throttle: 1 }), { maxSteps: Math.ceil(1.5 * 0.02 * share), stopAt: 1000 + share })
    assert.deepEqual(planTraining({ ...base, speed: 0.02, throttle: 0.25 }), { maxSteps: Math.ceil(1.5 * 0.02 * share / 4), stopAt: 1000 + share / 4 })
    // Already past the share (a late start): one step, still takes part.
    assert.deepEqual(planTraining({ ...base, nowMs: 1000 + share + 500, speed: 0.02, throttle: 1 }), { maxSteps: 1, stopAt: 1000 + share + 500 })
    // Very fast hardware: capped at 16 × the configured steps.
    assert.equal(planTraining({ ...base, speed: 10, throttle: 1 }).maxSteps, 24 * 16)
    assert.equal(planTraining({ ...base, speed: 10, throttle: 0.25 }).maxSteps, 24 * 4, 'the cap scales with the throttle')
  })
})
