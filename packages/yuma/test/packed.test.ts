// `epochPacked` reads and writes rows as typed arrays; on random subnets (dense and sparse,
// unsorted rows, every mode) it must give exactly what `epoch` gives on the same rows as tuples.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { epoch, epochPacked, YumaError, type EpochSnapshot, type PackedU16Row, type U16Row } from '../src/index.ts'

function pack(row: U16Row | undefined): PackedU16Row | undefined {
  if (row === undefined) return undefined
  return { uids: Uint16Array.from(row, (p) => p[0]), values: Uint16Array.from(row, (p) => p[1]) }
}

function unpack(row: PackedU16Row): Array<[number, number]> {
  return Array.from(row.uids, (j, t): [number, number] => [j, row.values[t]])
}

const snapshot = fc.integer({ min: 1, max: 48 }).chain((n) => fc.record({
  n: fc.constant(n),
  rowsPresent: fc.integer({ min: 0, max: n + 2 }),
  stakes: fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 15n })), { minLength: n, maxLength: n }),
  density: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
  seed: fc.integer(),
  lastUpdate: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: n, maxLength: n }),
  reg: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: n, maxLength: n }),
  permits: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  owner: fc.option(fc.integer({ min: 0, max: n - 1 })),
  h: fc.record({
    yuma3On: fc.boolean(),
    liquidAlphaOn: fc.boolean(),
    kappa: fc.integer({ min: 0, max: 65535 }),
    bondsPenalty: fc.integer({ min: 0, max: 65535 }),
    bondsMovingAverage: fc.integer({ min: 0, max: 1_000_000 }),
    alphaSigmoidSteepness: fc.integer({ min: -3000, max: 3000 }),
    maxAllowedValidators: fc.integer({ min: 0, max: 64 }),
    commitRevealWeightsEnabled: fc.boolean(),
  }),
  block: fc.integer({ min: 0, max: 1200 }),
})).map((g): EpochSnapshot => {
  let s = g.seed >>> 0
  const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
  // Rows may run past n (ignored) or stop short (empty), hold uids ≥ n, be unsorted or missing.
  const rows = (): Array<U16Row | undefined> => Array.from({ length: g.rowsPresent }, () => {
    if (rnd() < 0.05) return undefined
    const row: Array<[number, number]> = []
    const cols = Array.from({ length: g.n + 2 }, (_, j) => j).sort(() => rnd() - 0.5)
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
    lastMechanismStepBlock: 0,
    emission: 10n ** 12n,
    hyperparameters: g.h,
  }
})

test('epochPacked equals epoch on the same rows, and its bonds carry over identically', () => {
  fc.assert(fc.property(snapshot, (s) => {
    const tuples = epoch(s)
    const packed = epochPacked({ ...s, weights: s.weights.map(pack), bonds: s.bonds.map(pack) })
    const { bonds, ...rest } = packed
    const { bonds: tupleBonds, ...tupleRest } = tuples
    assert.deepEqual(rest, tupleRest)
    assert.deepEqual(bonds.map(unpack), tupleBonds)
    // A second epoch fed the packed bonds agrees with one fed the tuple bonds.
    const next = epoch({ ...s, bonds: tupleBonds, validatorPermit: tuples.validatorPermit })
    const nextPacked = epochPacked({ ...s, weights: s.weights.map(pack), bonds, validatorPermit: packed.validatorPermit })
    assert.deepEqual(nextPacked.bonds.map(unpack), next.bonds)
    assert.deepEqual(nextPacked.dividends, next.dividends)
  }), { numRuns: 200 })
})

test('malformed packed rows throw INVALID_SNAPSHOT', () => {
  const base = {
    n: 2, block: 10, stakes: [1n, 1n], lastUpdate: [10, 10], blockAtRegistration: [0, 0],
    validatorPermit: [true, true], emission: 1000n, bonds: [],
  }
  const bad: unknown[] = [
    [{ uids: Uint16Array.of(1, 1), values: Uint16Array.of(5, 6) }], // duplicate uid
    [{ uids: Uint16Array.of(1), values: Uint16Array.of(5, 6) }], // length mismatch
    [{ uids: [1], values: [5] }], // not typed arrays
    [null],
  ]
  for (const weights of bad) {
    assert.throws(() => epochPacked({ ...base, weights: weights as PackedU16Row[] }),
      (e) => e instanceof YumaError && e.code === 'INVALID_SNAPSHOT' && e.data.field === 'weights')
  }
})
