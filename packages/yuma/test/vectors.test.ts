// YUMA.md §4: every vector of subtensor's own tests (A, B, D, E) and the SDK rounding vector (F),
// reproduced through the public API, multi-epoch sequences carried through the bonds.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  convertWeightsAndUidsForEmit, sparseRow, vecMaxUpscaleToU16, weightedMedianColSparse, type SparseMatrix,
} from '../src/index.ts'
import { Subnet } from './helpers.ts'

// The chain tests build fixed values from f32 literals (`I32F32::from_num(f32)`).
const f32fixed = (x: number): number => Math.round(Math.fround(x) * 2 ** 32)

describe('A. test_bonds (Yuma2, sparse)', () => {
  const setup = (): Subnet => {
    // tempo 1 → activity cutoff max(1, 13889·1/1000) = 13; all registered at block 0.
    const s = new Subnet(8, [1, 2, 3, 4, 0, 0, 0, 0], {
      tempo: 1, yuma3On: false, bondsPenalty: 65535, bondsMovingAverage: 900000, kappa: 32767,
      maxAllowedValidators: 8, commitRevealWeightsEnabled: false,
    })
    s.epoch() // first epoch issues the permits
    s.toBlock(1)
    for (let uid = 0; uid < 4; uid++) s.setWeights(uid, [[4, 16383], [5, 32767], [6, 49149], [7, 65535]])
    return s
  }
  const col = (s: Subnet, j: number): number[] => [0, 1, 2, 3].map((i) => s.bond(i, j))

  test('first weighted epoch: bonds, incentive and emissions', () => {
    const s = setup()
    const r = s.epoch()
    assert.equal(r.activityCutoff, 13)
    assert.deepEqual(r.validatorPermit, [true, true, true, true, false, false, false, false])
    assert.deepEqual(col(s, 4), [16383, 32767, 49151, 65535])
    assert.deepEqual(r.incentive.slice(4), [6553, 13107, 19660, 26214])
    assert.deepEqual(r.serverEmission.slice(4), [49998779n, 100000610n, 149996337n, 200004272n])
    assert.deepEqual(r.validatorEmission.slice(0, 4), [49999998n, 99999999n, 150000000n, 200000001n])
  })

  test('full sequence: self-weights, re-weighting and unchanged epochs', () => {
    const s = setup()
    s.epoch()
    s.setWeights(0, [[0, 65535]]) // uid0 switches to self-weight only
    s.toBlock(2)
    s.epoch()
    assert.equal(s.bond(0, 4), 14582)
    s.setWeights(1, [[1, 65535]])
    s.toBlock(3)
    s.epoch()
    assert.deepEqual(col(s, 4), [12603, 28321, 49151, 65535])
    s.setWeights(2, [[2, 65535]])
    s.toBlock(4)
    let r = s.epoch()
    assert.deepEqual(col(s, 7), [12602, 28320, 49150, 65535])
    assert.deepEqual(r.incentive, [0, 0, 0, 0, 0, 0, 0, 0])
    assert.deepEqual(r.emission.slice(0, 4), [99999999n, 199999999n, 299999999n, 399999999n])
    s.setWeights(2, [[7, 65535]])
    s.toBlock(5)
    r = s.epoch()
    assert.deepEqual(col(s, 7), [10951, 24609, 49150, 65535])
    assert.equal(r.serverEmission[7], 500000000n)
    s.toBlock(6)
    s.epoch()
    assert.deepEqual(col(s, 7), [9559, 21482, 49150, 65535])
    s.toBlock(7)
    s.epoch()
    assert.deepEqual(col(s, 7), [8376, 18824, 49150, 65535])
  })
})

describe('B. test_active_stake (Yuma2)', () => {
  test('dividends, emission and bonds as one validator goes inactive and returns', () => {
    const s = new Subnet(4, [1, 1, 1, 1], {
      tempo: 1, yuma3On: false, maxAllowedValidators: 4, commitRevealWeightsEnabled: false,
    })
    s.epoch()
    s.toBlock(1)
    s.setWeights(0, [[2, 32767], [3, 32767]])
    s.setWeights(1, [[2, 32767], [3, 32767]])
    let r = s.epoch()
    assert.deepEqual(r.dividends.slice(0, 2), [32767, 32767])
    assert.deepEqual(r.emission, [250000000n, 250000000n, 250000000n, 250000000n])
    for (const i of [0, 1]) for (const j of [2, 3]) assert.equal(s.bond(i, j), 65535)

    s.toBlock(r.activityCutoff + 2) // uid1's weights are now older than the cutoff
    s.setWeights(0, [[2, 32767], [3, 32767]])
    r = s.epoch()
    assert.deepEqual(r.active, [true, false, false, false])
    assert.deepEqual(r.dividends.slice(0, 2), [36044, 29490])
    assert.deepEqual(r.emission, [274999999n, 224999999n, 250000000n, 250000000n])
    assert.equal(s.bond(0, 2), 65535)
    assert.equal(s.bond(1, 2), 53619)

    s.setWeights(1, [[2, 32767], [3, 32767]])
    s.toBlock(r.activityCutoff + 3)
    r = s.epoch()
    assert.deepEqual(r.dividends.slice(0, 2), [35716, 29818])
    assert.deepEqual(r.emission.slice(0, 2), [272501132n, 227498866n])
    assert.equal(s.bond(1, 2), 54712)
  })
})

describe('D. test_10_graph', () => {
  test('self-weights only and no permits: Σ = 0, emission follows stake', () => {
    const s = new Subnet(10, new Array(10).fill(1), {
      tempo: 1, yuma3On: false, maxAllowedValidators: 10, commitRevealWeightsEnabled: false,
    })
    s.toBlock(1)
    for (let uid = 0; uid < 10; uid++) s.setWeights(uid, [[uid, 65535]])
    const r = s.epoch()
    assert.deepEqual(r.emission, new Array(10).fill(99999999n))
    assert.deepEqual(r.validatorEmission, new Array(10).fill(99999999n))
    assert.deepEqual(r.serverEmission, new Array(10).fill(0n))
  })
})

describe('E. math unit vectors', () => {
  test('weighted_median_col_sparse with κ = .24, .26, .76', () => {
    const stake = [0, 0.75, 0.25, 0].map(f32fixed)
    const dense = [[0, 0.1, 0], [0, 0.2, 0.4], [0, 0.3, 0.1], [0, 0.4, 0.5]]
    const m: SparseMatrix = dense.map((row) => {
      const idx: number[] = []
      const val: number[] = []
      row.forEach((v, j) => { if (v !== 0) { idx.push(j); val.push(f32fixed(v)) } })
      return sparseRow(idx, val)
    })
    const want = (xs: number[]): number[] => xs.map(f32fixed)
    assert.deepEqual(weightedMedianColSparse(stake, m, 3, f32fixed(0.24)), want([0, 0.3, 0.4]))
    assert.deepEqual(weightedMedianColSparse(stake, m, 3, f32fixed(0.26)), want([0, 0.2, 0.4]))
    assert.deepEqual(weightedMedianColSparse(stake, m, 3, f32fixed(0.76)), want([0, 0.2, 0.1]))
    assert.deepEqual(weightedMedianColSparse([], [], 0, f32fixed(0.5)), [])
    assert.deepEqual(weightedMedianColSparse([0, 0], [sparseRow([], []), sparseRow([], [])], 2, f32fixed(0.5)), [0, 0])
  })

  test('vec_max_upscale_to_u16', () => {
    const raw = [0, 0.5, 1, 1.5, 2, 32768, 32769].map(f32fixed)
    assert.deepEqual(vecMaxUpscaleToU16(raw), [0, 1, 2, 3, 4, 65533, 65535])
  })
})

describe('F. SDK rounding', () => {
  test('[0.1, 0.2, 0.3, 0.4] → [16384, 32768, 49151, 65535] (32767.5 rounds to even)', () => {
    const r = convertWeightsAndUidsForEmit([0, 1, 2, 3], [0.1, 0.2, 0.3, 0.4])
    assert.deepEqual(r.uids, [0, 1, 2, 3])
    assert.deepEqual(r.values, [16384, 32768, 49151, 65535])
  })
})
