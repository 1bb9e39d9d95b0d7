// Behaviour of individual epoch steps (YUMA.md §1.2), each checked on a small hand-built subnet.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  DEFAULT_HYPERPARAMETERS, ONE, YumaError, bondsMovingAverageAlpha, epoch, epochPacked, liquidAlphaSigmoid, type EpochSnapshot,
  u16ToProportion,
} from '../src/index.ts'

// 2 validators (uids 0, 1) and 2 miners (uids 2, 3), all registered at block 0, weights at block 10.
function base(over: Partial<EpochSnapshot> = {}): EpochSnapshot {
  return {
    n: 4,
    block: 20,
    stakes: [1000n, 1000n, 0n, 0n],
    weights: [[[2, 65535], [3, 65535]], [[2, 65535], [3, 65535]], [], []],
    bonds: [],
    lastUpdate: [10, 10, 0, 0],
    blockAtRegistration: [0, 0, 0, 0],
    validatorPermit: [true, true, false, false],
    ownerUid: null,
    emission: 1_000_000_000n,
    ...over,
    hyperparameters: { tempo: 10, commitRevealWeightsEnabled: false, maxAllowedValidators: 4, ...(over.hyperparameters ?? {}) },
  }
}

describe('activity, stake and permits', () => {
  test('activity cutoff = max(1, factor·tempo/1000); inactive validators lose active stake', () => {
    const r = epoch(base({ block: 10 + 14, hyperparameters: { tempo: 1 } })) // cutoff 13
    assert.equal(r.activityCutoff, 13)
    assert.deepEqual(r.active, [false, false, false, false])
    const r2 = epoch(base({ block: 10 + 13, hyperparameters: { tempo: 1 } }))
    assert.deepEqual(r2.active.slice(0, 2), [true, true])
    assert.equal(epoch(base({ hyperparameters: { tempo: 360 } })).activityCutoff, 5000)
    assert.equal(epoch(base({ hyperparameters: { activityCutoffBlocks: 7 } })).activityCutoff, 7)
  })

  test('stake below the threshold counts as zero, except the owner', () => {
    const s = base({ stakes: [1000n, 10n, 0n, 0n], hyperparameters: { stakeThreshold: 100n } })
    assert.deepEqual(epoch(s).proportions.stake.slice(0, 2), [1, 0])
    const owner = epoch({ ...s, ownerUid: 1 })
    assert.ok(owner.proportions.stake[1] > 0)
  })

  test('top-k permits: stable ascending sort drops the lowest, ties drop the lower uid; zero stake never', () => {
    const s = base({ n: 4, stakes: [5n, 5n, 5n, 0n], weights: [], lastUpdate: [0, 0, 0, 0], hyperparameters: { maxAllowedValidators: 2 } })
    assert.deepEqual(epoch(s).validatorPermit, [false, true, true, false])
    assert.deepEqual(epoch({ ...s, hyperparameters: { maxAllowedValidators: 8 } }).validatorPermit, [true, true, true, false])
    assert.deepEqual(epoch({ ...s, ownerUid: 3, hyperparameters: { maxAllowedValidators: 2 } }).validatorPermit, [false, true, true, true])
  })
})

describe('weight masks', () => {
  test('rows of uids without a (previous) permit are ignored', () => {
    const r = epoch(base({ validatorPermit: [true, false, false, false] }))
    assert.deepEqual(r.proportions.activeStake.slice(0, 2), [1, 0])
    assert.equal(r.validatorTrust[1], 0)
  })

  test("self-weight is masked except the owner's", () => {
    const self = base({ weights: [[[0, 65535]], [[1, 65535]], [], []], stakes: [1000n, 1000n, 5n, 0n] })
    assert.deepEqual(epoch(self).incentive, [0, 0, 0, 0])
    const owner = epoch({ ...self, ownerUid: 0 })
    assert.equal(owner.incentive[0], 65535)
  })

  test('weights set before a uid registered (outdated) are dropped', () => {
    const r = epoch(base({ blockAtRegistration: [0, 0, 10, 0] })) // last_update 10 ≤ reg 10 → drop col 2
    assert.equal(r.incentive[2], 0)
    assert.equal(r.incentive[3], 65535)
  })

  test('commit-reveal: weights committed before the target registered are dropped', () => {
    const h = { commitRevealWeightsEnabled: true }
    const s = base({ blockAtRegistration: [0, 0, 5, 0], hyperparameters: h })
    assert.ok(epoch({ ...s, commitBlocks: [null, null, null, null] }).incentive[2] > 0)
    const r = epoch({ ...s, commitBlocks: [4, 4, null, null] })
    assert.equal(r.incentive[2], 0)
    assert.equal(r.incentive[3], 65535)
  })
})

describe('bonds', () => {
  const y3 = { yuma3On: true, liquidAlphaOn: false }
  const held = [[[2, 65535], [3, 65535]], [[2, 65535], [3, 65535]], [], []] as const

  test('Yuma3 + liquid alpha: omitting a miner drops its bond, an explicit 0 decays it by (1 − α)', () => {
    const la = { yuma3On: true, liquidAlphaOn: true }
    const omit = epoch(base({ bonds: held, weights: [[[2, 65535]], [[2, 65535], [3, 65535]], [], []], hyperparameters: la }))
    assert.deepEqual(omit.bonds[0].map(([j]) => j), [2])
    const zero = epoch(base({ bonds: held, weights: [[[2, 65535], [3, 0]], [[2, 65535], [3, 65535]], [], []], hyperparameters: la }))
    // w = 0 < b = 1: diff = 1, σ = 1/(1+e^-5), α = 0.7 + 0.2σ; b' = (1 − α)·1.
    const want = (1 - (0.7 + 0.2 / (1 + Math.exp(-5)))) * 65535
    const b03 = zero.bonds[0].find(([j]) => j === 3)?.[1] ?? -1
    assert.ok(Math.abs(b03 - want) <= 2, `decayed bond ${b03} vs ${want}`)
  })

  test('Yuma3 without liquid alpha: the plain EMA decays an omitted miner by (1 − α) = 0.9', () => {
    const omit = epoch(base({ bonds: held, weights: [[[2, 65535]], [[2, 65535], [3, 65535]], [], []], hyperparameters: y3 }))
    const b03 = omit.bonds[0].find(([j]) => j === 3)?.[1] ?? -1
    assert.ok(Math.abs(b03 - 0.9 * 65535) <= 2, `decayed bond ${b03}`)
  })

  test('Yuma3 liquid alpha: a validator at consensus moves its bond with α ≈ alpha_low', () => {
    const h = { yuma3On: true, liquidAlphaOn: true }
    const bonds = [[[2, 0], [3, 0]], [[2, 0], [3, 0]], [], []] as const
    const r = epoch(base({ bonds, hyperparameters: h }))
    // w = C = 0.5 → diff 0 → σ = 1/(1+e^5) → α = 0.7 + 0.2σ ≈ 0.7013; b' = α·0.5.
    const want = (0.7 + 0.2 / (1 + Math.exp(5))) * 0.5 * 65535
    assert.ok(Math.abs((r.bonds[0][0]?.[1] ?? 0) - want) <= 2, `${r.bonds[0][0]?.[1]} vs ${want}`)
  })

  test('Yuma2 stores the column-max-upscaled EMA; losing a permit empties the row', () => {
    const r = epoch(base({ hyperparameters: { yuma3On: false } }))
    assert.deepEqual(r.bonds[0], [[2, 65535], [3, 65535]])
    assert.deepEqual(r.proportions.bonds[0], [[2, 1], [3, 1]])
    assert.deepEqual(r.proportions.bonds[2], [])
    const lost = epoch(base({ stakes: [1000n, 0n, 0n, 0n], bonds: held, hyperparameters: { yuma3On: false } }))
    assert.deepEqual(lost.validatorPermit[1], false)
    assert.deepEqual(lost.bonds[1], [])
  })

  test('bond columns of uids registered since the last epoch step are dropped', () => {
    const s = base({
      bonds: held, blockAtRegistration: [0, 0, 0, 15], lastUpdate: [18, 18, 0, 0], lastMechanismStepBlock: 12,
      hyperparameters: { yuma3On: true, liquidAlphaOn: true },
    })
    // last_tempo = 13 ≤ reg 15 → old bonds to uid 3 are discarded before the EMA.
    const r = epoch({ ...s, weights: [[[2, 65535]], [[2, 65535]], [], []] })
    assert.deepEqual(r.bonds[0].map(([j]) => j), [2])
    const r2 = epoch({ ...s, weights: [[[2, 65535], [3, 0]], [[2, 65535], [3, 0]], [], []] })
    assert.deepEqual(r2.bonds[0].map(([j]) => j), [2]) // nothing to decay: the old bond was masked
    // With the previous step before the registration, the same explicit 0 decays the kept bond.
    const r3 = epoch({ ...s, lastMechanismStepBlock: 15, weights: [[[2, 65535], [3, 0]], [[2, 65535], [3, 0]], [], []] })
    assert.deepEqual(r3.bonds[0].map(([j]) => j), [2, 3])
  })

  test('α = 1 − BondsMovingAverage/1e6 through I64F64 then I32F32', () => {
    assert.equal(bondsMovingAverageAlpha(900000), ONE - Math.floor((0.9 * 2 ** 32)))
    assert.equal(bondsMovingAverageAlpha(0), ONE)
  })
})

describe('liquid-alpha sigmoid', () => {
  test('matches 1/(1+e^{-s(d-½)/100}) between alpha_low and alpha_high', () => {
    const lo = u16ToProportion(45875)
    const hi = u16ToProportion(58982)
    for (const steep of [1000, 300, -500]) {
      for (const [c, w, b] of [[0.3, 0.9, 0.1], [0.5, 0.5, 0.2], [0.2, 0.1, 0.8], [0, 1, 0], [0.4, 0.4, 0.4]]) {
        const raw = (x: number): number => Math.round(x * ONE)
        const got = liquidAlphaSigmoid(raw(c), raw(w), raw(b), { alphaLow: lo, alphaHigh: hi, steepness: steep * ONE }) / ONE
        const d = w >= b ? Math.min(Math.max(w - c, 0), 1) : Math.min(Math.max(b - w, 0), 1)
        const sig = 1 / (1 + Math.exp((-steep / 100) * (d - 0.5)))
        const want = Math.min(Math.max(lo / ONE + sig * (hi - lo) / ONE, lo / ONE), hi / ONE)
        assert.ok(Math.abs(got - want) < 1e-6, `s=${steep} (${c},${w},${b}): ${got} vs ${want}`)
      }
    }
  })
})

describe('emission', () => {
  test('server and validator shares split E; Σ = 0 falls back to active stake', () => {
    const r = epoch(base())
    assert.deepEqual(r.serverEmission, [0n, 0n, 250000000n, 250000000n])
    assert.deepEqual(r.validatorEmission.slice(0, 2), [250000000n, 250000000n])
    const none = epoch(base({ weights: [], stakes: [3000n, 1000n, 0n, 0n] }))
    assert.deepEqual(none.validatorEmission, [750000000n, 250000000n, 0n, 0n])
    assert.deepEqual(none.emission, none.validatorEmission)
  })
})

describe('input validation', () => {
  test('malformed snapshots throw INVALID_SNAPSHOT with the field', () => {
    const bad: Array<[Partial<EpochSnapshot>, string]> = [
      [{ stakes: [1n, 2n] }, 'stakes'],
      [{ stakes: [1n, -2n, 0n, 0n] }, 'stakes'],
      [{ stakes: [1, Number.NaN, 0, 0] }, 'stakes'],
      [{ weights: [[[2, 70000]], [], [], []] }, 'weights'],
      [{ weights: [[[2, 1], [2, 5]], [], [], []] }, 'weights'],
      [{ lastUpdate: [1, 2, 3] }, 'lastUpdate'],
      [{ block: -1 }, 'block'],
      [{ emission: -1 }, 'emission'],
      [{ hyperparameters: { kappa: 70000 } }, 'hyperparameters.kappa'],
    ]
    for (const [over, field] of bad) {
      assert.throws(() => epoch(base(over)), (e) => e instanceof YumaError && e.code === 'INVALID_SNAPSHOT' && e.data.field === field, field)
    }
  })

  test('a repeated uid is rejected wherever it sits in a row, tuple or packed; other u16 rows pass', () => {
    const rows: Array<[number[], boolean]> = [
      [[1, 2, 3], true], [[3, 2, 1], true], [[0, 5, 9, 2, 7], true], [[65535, 0], true],
      [[1, 1], false], [[1, 2, 3, 3], false], [[4, 6, 2, 6], false], [[4, 6, 2, 4], false], [[9, 3, 5, 3], false],
    ]
    for (const [uids, ok] of rows) {
      const tuples = uids.map((j): [number, number] => [j, 7])
      const packed = { uids: Uint16Array.from(uids), values: Uint16Array.from(uids, () => 7) }
      const isDuplicate = (e: unknown): boolean => e instanceof YumaError && e.code === 'INVALID_SNAPSHOT' && e.data.field === 'bonds'
      for (const run of [() => epoch(base({ bonds: [tuples] })), () => epochPacked({ ...base(), weights: [], bonds: [packed] })]) {
        if (ok) assert.doesNotThrow(run, String(uids))
        else assert.throws(run, isDuplicate, String(uids))
      }
    }
    for (const entry of [[1.5, 3], [-1, 3], [65536, 3], [2, 65536], [2, -0.5], ['2', 3], [Number.NaN, 3], [2]]) {
      assert.throws(() => epoch(base({ bonds: [[[0, 1], entry as unknown as [number, number]]] })),
        (e) => e instanceof YumaError && e.data.field === 'bonds', String(entry))
    }
  })

  test('uids ≥ n in weights are ignored, as the chain filters them', () => {
    const r = epoch(base({ weights: [[[2, 65535], [3, 65535], [9, 65535]], [[2, 65535], [3, 65535]], [], []] }))
    assert.deepEqual(r.incentive, epoch(base()).incentive)
  })

  test('defaults are the new-subnet values of YUMA.md §1.4', () => {
    assert.equal(DEFAULT_HYPERPARAMETERS.kappa, 32767)
    assert.equal(DEFAULT_HYPERPARAMETERS.yuma3On, true)
    assert.equal(DEFAULT_HYPERPARAMETERS.activityCutoffFactorMilli, 13889)
  })
})
