// The epoch runs on JS numbers with exact fast paths; here whole epochs on random subnets are run
// twice — fast, and with every arithmetic helper routed through the BigInt reference — and must
// agree on every output bit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { epoch, type EpochSnapshot } from '../src/index.ts'
import { setReferenceArithmetic } from '../src/fixed.ts'

const snapshot = fc.integer({ min: 2, max: 40 }).chain((n) => fc.record({
  n: fc.constant(n),
  stakes: fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 15n })), { minLength: n, maxLength: n }),
  density: fc.double({ min: 0, max: 1, noNaN: true }),
  seed: fc.integer(),
  lastUpdate: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: n, maxLength: n }),
  reg: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: n, maxLength: n }),
  permits: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  owner: fc.option(fc.integer({ min: 0, max: n - 1 })),
  commit: fc.option(fc.array(fc.option(fc.integer({ min: 0, max: 1000 })), { minLength: n, maxLength: n })),
  h: fc.record({
    yuma3On: fc.boolean(),
    liquidAlphaOn: fc.boolean(),
    kappa: fc.integer({ min: 0, max: 65535 }),
    bondsPenalty: fc.oneof(fc.constantFrom(0, 65535), fc.integer({ min: 0, max: 65535 })),
    bondsMovingAverage: fc.integer({ min: 0, max: 1_000_000 }),
    alphaLow: fc.integer({ min: 1638, max: 40000 }),
    alphaHigh: fc.integer({ min: 40000, max: 65535 }),
    alphaSigmoidSteepness: fc.integer({ min: -3000, max: 3000 }),
    maxAllowedValidators: fc.integer({ min: 0, max: 64 }),
    tempo: fc.integer({ min: 1, max: 400 }),
    commitRevealWeightsEnabled: fc.boolean(),
  }),
  block: fc.integer({ min: 0, max: 1200 }),
  lms: fc.integer({ min: 0, max: 1200 }),
})).map((g): EpochSnapshot => {
  let s = g.seed >>> 0
  const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
  const rows = (): Array<Array<[number, number]>> => Array.from({ length: g.n }, () => {
    const row: Array<[number, number]> = []
    const cols = Array.from({ length: g.n }, (_, j) => j).sort(() => rnd() - 0.5) // unsorted rows too
    for (const j of cols) if (rnd() < g.density) row.push([j, Math.floor(rnd() * 65536)])
    return row
  })
  return {
    n: g.n,
    block: g.block,
    stakes: g.stakes,
    weights: rows(),
    bonds: rows(),
    lastUpdate: g.lastUpdate,
    blockAtRegistration: g.reg,
    validatorPermit: g.permits,
    ownerUid: g.owner,
    commitBlocks: g.commit ?? undefined,
    lastMechanismStepBlock: g.lms,
    emission: 10n ** 12n,
    hyperparameters: g.h,
  }
})

test('fast number arithmetic and the BigInt reference give identical epochs', () => {
  fc.assert(fc.property(snapshot, (s) => {
    const fast = epoch(s)
    setReferenceArithmetic(true)
    try {
      assert.deepEqual(epoch(s), fast)
    } finally {
      setReferenceArithmetic(false)
    }
  }), { numRuns: 250 })
})

// Larger subnets with rows in ascending uid order (as the chain stores them) take the blocked
// weighted median and the other fast loops over many columns; weights and bonds drawn from a small
// pool half the time give ties in the median, repeated liquid-alpha differences, zero and saturated
// (65535) entries.
const wideSnapshot = fc.record({
  n: fc.integer({ min: 33, max: 72 }),
  seed: fc.integer(),
  density: fc.oneof(fc.constant(1), fc.double({ min: 0.05, max: 1, noNaN: true })),
  pool: fc.boolean(),
  zeroStakes: fc.double({ min: 0, max: 0.8, noNaN: true }),
  aligned: fc.boolean(),
  h: fc.record({
    yuma3On: fc.boolean(),
    liquidAlphaOn: fc.boolean(),
    kappa: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(0, 32767, 65535)),
    bondsPenalty: fc.oneof(fc.constantFrom(0, 65535), fc.integer({ min: 0, max: 65535 })),
    alphaSigmoidSteepness: fc.oneof(fc.constantFrom(1000, -1000), fc.integer({ min: -32768, max: 32767 })),
    maxAllowedValidators: fc.integer({ min: 1, max: 72 }),
  }),
}).map((g): EpochSnapshot => {
  let s = g.seed >>> 0
  const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
  const values = [0, 1, 65535, 32768, 777]
  const value = (): number => (g.pool ? values[Math.floor(rnd() * values.length)] : Math.floor(rnd() * 65536))
  const rows = (): Array<Array<[number, number]>> => Array.from({ length: g.n }, () => {
    const row: Array<[number, number]> = []
    for (let j = 0; j < g.n; j++) if (rnd() < g.density) row.push([j, value()])
    return row
  })
  // Aligned: no masks and bond rows on the weight rows' columns (without the diagonal), as in the
  // steady state, so the liquid-alpha EMA takes its aligned-row path.
  const weights = g.aligned ? rows().map((row, i) => row.filter(([j]) => j !== i)) : rows()
  const bonds = g.aligned ? weights.map((row) => row.map(([j]): [number, number] => [j, value()])) : rows()
  return {
    n: g.n,
    block: 1000,
    stakes: Array.from({ length: g.n }, () => (rnd() < g.zeroStakes ? 0n : BigInt(Math.floor(rnd() * 1e15)))),
    weights,
    bonds,
    lastUpdate: Array.from({ length: g.n }, () => 900 + Math.floor(rnd() * 100)),
    blockAtRegistration: Array.from({ length: g.n }, () => (g.aligned ? 0 : Math.floor(rnd() * 950))),
    validatorPermit: Array.from({ length: g.n }, () => rnd() < 0.8),
    ownerUid: !g.aligned && rnd() < 0.5 ? Math.floor(rnd() * g.n) : null,
    lastMechanismStepBlock: 0,
    emission: 10n ** 12n,
    hyperparameters: { ...g.h, tempo: 100, commitRevealWeightsEnabled: false },
  }
})

test('wide subnets with ascending rows: fast and BigInt-reference epochs are identical', () => {
  fc.assert(fc.property(wideSnapshot, (s) => {
    const fast = epoch(s)
    const second = epoch({ ...s, bonds: fast.bonds, validatorPermit: fast.validatorPermit })
    setReferenceArithmetic(true)
    try {
      assert.deepEqual(epoch(s), fast)
      assert.deepEqual(epoch({ ...s, bonds: fast.bonds, validatorPermit: fast.validatorPermit }), second)
    } finally {
      setReferenceArithmetic(false)
    }
  }), { numRuns: 60 })
})
