// Property tests (fast-check) of the epoch on random small subnets.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ONE, epoch, safeDivN, sparseRow, weightedMedianColSparse, type EpochSnapshot } from '../src/index.ts'

const E = 1_000_000_000n

// A random subnet: validators are uids 0..v-1 (with permits), miners v..n-1.
const subnet = fc.integer({ min: 2, max: 10 }).chain((n) => fc.integer({ min: 1, max: n - 1 }).chain((v) => fc.record({
  n: fc.constant(n),
  v: fc.constant(v),
  stakes: fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: v, maxLength: v }),
  rows: fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: 65535 })), { maxLength: n }), { minLength: v, maxLength: v }),
  yuma3: fc.boolean(),
  liquid: fc.boolean(),
  kappa: fc.integer({ min: 1, max: 65535 }),
  penalty: fc.constantFrom(0, 32767, 65535),
}))).map((g): EpochSnapshot => ({
  n: g.n,
  block: 100,
  stakes: [...g.stakes, ...new Array(g.n - g.v).fill(0n)],
  weights: g.rows.map((r) => dedupe(r)),
  bonds: g.rows.map((r) => dedupe(r.map(([j, w]) => [j, 65535 - w] as [number, number]))),
  lastUpdate: new Array(g.n).fill(90),
  blockAtRegistration: new Array(g.n).fill(0),
  validatorPermit: Array.from({ length: g.n }, (_, i) => i < g.v),
  emission: E,
  hyperparameters: {
    tempo: 10, commitRevealWeightsEnabled: false, maxAllowedValidators: g.n, yuma3On: g.yuma3,
    liquidAlphaOn: g.liquid, kappa: g.kappa, bondsPenalty: g.penalty,
  },
}))

function dedupe(row: Array<[number, number]>): Array<[number, number]> {
  const seen = new Set<number>()
  return row.filter(([j]) => (seen.has(j) ? false : (seen.add(j), true)))
}

const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

describe('epoch properties', () => {
  test('outputs are normalised as the chain normalises them (truncating division: Σ ≤ 1, short by < n ulp)', () => {
    fc.assert(fc.property(subnet, (s) => {
      const r = epoch(s)
      const ulp = s.n / ONE
      for (const xs of [r.proportions.incentive, r.proportions.dividends, r.proportions.activeStake, r.proportions.stake]) {
        const t = total(xs)
        assert.ok(t === 0 || (t <= 1 && t > 1 - ulp - 1e-12), `Σ = ${t}`)
      }
      const paid = total([...r.serverEmission, ...r.validatorEmission].map(Number))
      const noStake = s.stakes.every((x) => x === 0n)
      assert.ok(paid <= Number(E) && (paid >= Number(E) - 4 * s.n || (noStake && paid === 0)), `paid ${paid}`)
      assert.ok(total(r.emission.map(Number)) <= Number(E))
      for (const u of [r.incentive, r.dividends, r.consensus, r.validatorTrust, r.stakeWeight]) {
        assert.ok(u.every((x) => Number.isInteger(x) && x >= 0 && x <= 65535))
      }
      for (const row of r.bonds) for (const [j, b] of row) assert.ok(j < s.n && b >= 0 && b <= 65535)
    }), { numRuns: 300 })
  })

  test('raising the stake of validators who agree never lowers the consensus they agree on', () => {
    const scenario = fc.record({
      others: fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })), { minLength: 1, maxLength: 5 }),
      agree: fc.array(fc.bigInt({ min: 1n, max: 10n ** 9n }), { minLength: 1, maxLength: 4 }),
      factor: fc.bigInt({ min: 2n, max: 50n }),
      kappa: fc.integer({ min: 1000, max: 64000 }),
    })
    fc.assert(fc.property(scenario, ({ others, agree, factor, kappa }) => {
      const v = others.length + agree.length
      const n = v + 2 // miners m = v (the one they agree on) and v + 1
      const m = v
      const build = (k: bigint): EpochSnapshot => ({
        n,
        block: 100,
        stakes: [...others.map(([st]) => st), ...agree.map((st) => st * k), 0n, 0n],
        weights: [
          ...others.map(([, a, b]) => [[m, a], [m + 1, b]] as Array<[number, number]>),
          ...agree.map(() => [[m, 65535]] as Array<[number, number]>), // all their weight on m
          [], [],
        ],
        bonds: [],
        lastUpdate: new Array(n).fill(90),
        blockAtRegistration: new Array(n).fill(0),
        validatorPermit: Array.from({ length: n }, (_, i) => i < v),
        emission: E,
        hyperparameters: { tempo: 10, commitRevealWeightsEnabled: false, maxAllowedValidators: n, kappa },
      })
      const before = epoch(build(1n)).proportions.consensus[m]
      const after = epoch(build(factor)).proportions.consensus[m]
      assert.ok(after >= before, `${after} < ${before}`)
    }), { numRuns: 300 })
  })

  test('κ: the consensus is supported by ≥ κ of stake and nothing above it is', () => {
    const column = fc.array(fc.tuple(fc.integer({ min: 1, max: ONE }), fc.integer({ min: 0, max: ONE })), { minLength: 1, maxLength: 12 })
    fc.assert(fc.property(column, fc.integer({ min: 1, max: ONE }), fc.integer({ min: 1, max: ONE }), (cells, k1, k2) => {
      const stake = cells.map(([st]) => st)
      const rows = cells.map(([, w]) => sparseRow([0], [w]))
      // The median normalises the positive stakes itself; redo that here to measure support.
      const sum = stake.reduce((a, b) => a + b, 0)
      const normed = stake.map((st) => Number(safeDivN(BigInt(st), BigInt(sum))))
      const S = normed.reduce((a, b) => a + b, 0)
      const support = (pred: (w: number) => boolean): number =>
        cells.reduce((a, [, w], i) => a + (pred(w) ? normed[i] : 0), 0)
      const [lo, hi] = k1 <= k2 ? [k1, k2] : [k2, k1]
      const cLo = weightedMedianColSparse(stake, rows, 1, lo)[0]
      const cHi = weightedMedianColSparse(stake, rows, 1, hi)[0]
      assert.ok(cHi <= cLo, 'a larger κ never raises the consensus')
      for (const [kappa, c] of [[lo, cLo], [hi, cHi]]) {
        if (kappa > S) continue // κ above the (truncated) total: minority < 0, no support guarantee
        assert.ok(cells.some(([, w]) => w === c), 'the consensus is one of the weights')
        assert.ok(support((w) => w >= c) >= kappa, 'stake at or above the consensus ≥ κ')
        assert.ok(support((w) => w > c) < kappa, 'stake strictly above the consensus < κ')
      }
    }), { numRuns: 1000 })
  })

  test('a cabal below κ that over-weights its own miner is clipped to consensus', () => {
    const scenario = fc.record({
      honest: fc.array(fc.bigInt({ min: 10n ** 6n, max: 10n ** 9n }), { minLength: 2, maxLength: 5 }),
      cabalShare: fc.integer({ min: 1, max: 45 }), // percent of total stake, below κ = 50%
      cabalSize: fc.integer({ min: 1, max: 3 }),
      honestOnM: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20000 })),
      yuma3: fc.boolean(),
    })
    fc.assert(fc.property(scenario, ({ honest, cabalShare, cabalSize, honestOnM, yuma3 }) => {
      const hTotal = honest.reduce((a, b) => a + b, 0n)
      // cabal stake c with c / (hTotal + c) = share → c = share·hTotal / (100 − share), split evenly.
      const each = (BigInt(cabalShare) * hTotal) / BigInt(100 - cabalShare) / BigInt(cabalSize)
      const v = honest.length + cabalSize
      const n = v + 3
      const good = v
      const m = v + 2 // the cabal's miner
      const honestRow: Array<[number, number]> = [[good, 65535], [v + 1, 40000], [m, honestOnM]]
      const s: EpochSnapshot = {
        n,
        block: 100,
        stakes: [...honest, ...new Array(cabalSize).fill(each), 0n, 0n, 0n],
        weights: [...honest.map(() => honestRow), ...new Array(cabalSize).fill([[m, 65535]]), [], [], []],
        bonds: [],
        lastUpdate: new Array(n).fill(90),
        blockAtRegistration: new Array(n).fill(0),
        validatorPermit: Array.from({ length: n }, (_, i) => i < v),
        emission: E,
        hyperparameters: { tempo: 10, commitRevealWeightsEnabled: false, maxAllowedValidators: n, kappa: 32767, yuma3On: yuma3 },
      }
      const r = epoch(s)
      // Consensus on m is the honest (row-normalised) weight, whatever the cabal sets.
      const honestNorm = Number(safeDivN(BigInt(honestOnM) << 32n, BigInt(65535 + 40000 + honestOnM) << 32n)) / ONE
      assert.equal(r.proportions.consensus[m], honestNorm)
      // The cabal's trust is its weight clipped to that consensus; honest validators keep ≈ 1.
      for (let i = honest.length; i < v; i++) assert.ok(Math.abs(r.proportions.validatorTrust[i] - honestNorm) < 1e-9)
      for (let i = 0; i < honest.length; i++) assert.ok(r.proportions.validatorTrust[i] > 1 - 1e-8)
      // If the honest majority gives m nothing, the cabal's whole weight is clipped away.
      if (honestOnM === 0) {
        assert.equal(r.incentive[m], 0)
        for (let i = honest.length; i < v; i++) assert.equal(r.validatorTrust[i], 0)
      }
    }), { numRuns: 200 })
  })
})
