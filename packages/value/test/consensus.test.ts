import { test } from 'node:test'
import assert from 'node:assert/strict'
import { YumaSubnet } from '../src/sim/consensus.ts'
import { emaToWeights } from '../src/index.ts'

test('validators’ EMA weights pass the chain checks, become SDK u16 rows and Yuma incentive', () => {
  const subnet = new YumaSubnet(3, [600, 400])
  // Validator 0 values miner 1 three times as much as miner 0; validator 1 agrees on miner 1 only; nobody values miner 2.
  const w0 = emaToWeights({ 0: 0.25, 1: 0.75, 2: 0 }, { relativeFloor: 0 })
  const w1 = emaToWeights({ 1: 1 }, { relativeFloor: 0 })
  const view = subnet.epoch([w0, w1])
  assert.deepEqual(view.rejected, [])
  assert.deepEqual(view.u16, [{ uid: 3, uids: [0, 1], values: [21845, 65535] }, { uid: 4, uids: [1], values: [65535] }])
  // By hand: consensus = the weight backed by ≥ κ≈½ of stake: miner 0 → 0.25 (validator 0 holds 60%), miner 1 → 0.75
  // (validator 1's 1.0 is clipped to it). Incentive ∝ Σ stake·clipped weight: 0.6·0.25 = 0.15 and 0.6·0.75 + 0.4·0.75 = 0.75.
  assert.equal(view.incentive[2], 0)
  assert.ok(Math.abs(view.incentive[0] - 0.15 / 0.9) < 1e-6, `miner 0: ${view.incentive[0]}`)
  assert.ok(Math.abs(view.incentive[1] - 0.75 / 0.9) < 1e-6, `miner 1: ${view.incentive[1]}`)
  assert.ok(Math.abs(view.incentive.reduce((s, x) => s + x, 0) - 1) < 1e-6)
  // Bonds carry over: a second epoch with the same weights gives dividends to both validators.
  const again = subnet.epoch([w0, w1])
  assert.ok(again.dividends[3] > 0 && again.dividends[4] > 0)
})

test('no weights from anyone: no incentive', () => {
  const view = new YumaSubnet(2, [1]).epoch([{ uids: [], weights: [] }])
  assert.deepEqual(view.incentive.slice(0, 2), [0, 0])
  assert.deepEqual(view.u16, [])
})
