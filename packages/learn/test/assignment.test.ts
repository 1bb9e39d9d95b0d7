import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { splitDataset, assignSamples, HashStream, LearnError } from '../src/index.ts'

const code = (e: unknown): string | undefined => (e instanceof LearnError ? e.code : undefined)

/** Independent implementation of the README's "Data assignment" text, written from the spec, not the source. */
function* words(domain: string, fields: Buffer): Generator<number> {
  const key = createHash('sha256').update(Buffer.concat([Buffer.from(domain, 'utf8'), Buffer.from([0]), fields])).digest()
  for (let b = 0; ; b++) {
    const counter = Buffer.alloc(4)
    counter.writeUInt32LE(b)
    const block = createHash('sha256').update(Buffer.concat([key, counter])).digest()
    for (let w = 0; w < 8; w++) yield block.readUInt32LE(4 * w)
  }
}
function uniform(g: Generator<number>, m: number): number {
  const limit = 2 ** 32 - (2 ** 32 % m)
  for (;;) {
    const r = g.next().value as number
    if (r < limit) return r % m
  }
}
function referenceAssign(hotkey: string, round: number, seed: number, pool: number[], count: number): number[] {
  const hk = Buffer.from(hotkey, 'utf8')
  const f = Buffer.alloc(4 + hk.length + 8 + 4)
  f.writeUInt32LE(hk.length, 0)
  hk.copy(f, 4)
  f.writeBigUInt64LE(BigInt(round), 4 + hk.length)
  f.writeUInt32LE(seed, 12 + hk.length)
  const g = words('tensormesh/assign/v1', f)
  const a = [...pool]
  for (let i = 0; i < count; i++) {
    const j = i + uniform(g, a.length - i)
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a.slice(0, count)
}
function referenceSplit(n: number, seed: number, t: number, h: number): { test: number[]; heldout: number[]; train: number[] } {
  const f = Buffer.alloc(4)
  f.writeUInt32LE(seed)
  const g = words('tensormesh/split/v1', f)
  const p = Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i + 1 < n; i++) {
    const j = i + uniform(g, n - i)
    ;[p[i], p[j]] = [p[j], p[i]]
  }
  const T = Math.floor(n * t), H = Math.floor(n * h)
  const asc = (x: number[]): number[] => x.sort((a, b) => a - b)
  return { test: asc(p.slice(0, T)), heldout: asc(p.slice(T, T + H)), train: asc(p.slice(T + H)) }
}

describe('splitDataset', () => {
  test('matches the README algorithm', () => {
    const s = splitDataset(1000, 42, { testFraction: 0.1, heldoutFraction: 0.15 })
    const r = referenceSplit(1000, 42, 0.1, 0.15)
    assert.deepEqual(Array.from(s.test), r.test)
    assert.deepEqual(Array.from(s.heldout), r.heldout)
    assert.deepEqual(Array.from(s.train), r.train)
  })

  test('test, held-out and train partition the samples', () => {
    const s = splitDataset(10000, 1)
    assert.equal(s.test.length, 1000)
    assert.equal(s.heldout.length, 1000)
    const all = new Set([...s.test, ...s.heldout, ...s.train])
    assert.equal(all.size, 10000)
    assert.equal(s.test.length + s.heldout.length + s.train.length, 10000)
  })

  test('another task seed gives another split; bad fractions are rejected', () => {
    assert.notDeepEqual(splitDataset(500, 1).test, splitDataset(500, 2).test)
    assert.throws(() => splitDataset(10, 1, { testFraction: 0.6, heldoutFraction: 0.5 }), (e) => code(e) === 'BAD_ARGUMENT')
    assert.throws(() => splitDataset(10, -1), (e) => code(e) === 'BAD_ARGUMENT')
  })
})

describe('assignSamples', () => {
  const split = splitDataset(10000, 1)
  const key = { hotkey: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', round: 12, taskSeed: 1 }

  test('matches the README algorithm (independent implementation)', () => {
    for (const [hk, round, count] of [[key.hotkey, 12, 800], ['ü-hotkey', 2 ** 40 + 3, 37]] as const) {
      assert.deepEqual(Array.from(assignSamples({ hotkey: hk, round, taskSeed: 1 }, split.train, count)), referenceAssign(hk, round, 1, Array.from(split.train), count))
    }
  })

  test('is reproducible, distinct, and drawn only from the train pool — never from held-out or test', () => {
    const a = assignSamples(key, split.train, 2000)
    assert.deepEqual(a, assignSamples(key, split.train, 2000))
    assert.equal(new Set(a).size, 2000)
    const train = new Set(split.train)
    for (const i of a) assert.ok(train.has(i))
    for (let round = 0; round < 50; round++) {
      const held = new Set([...split.heldout, ...split.test])
      for (const i of assignSamples({ ...key, round }, split.train, 400)) assert.ok(!held.has(i))
    }
  })

  test('changes with the hotkey, the round and the task seed', () => {
    const a = Array.from(assignSamples(key, split.train, 100))
    for (const other of [{ ...key, hotkey: key.hotkey + 'x' }, { ...key, round: 13 }, { ...key, taskSeed: 2 }]) {
      const b = new Set(assignSamples(other, split.train, 100))
      assert.ok(a.filter((i) => b.has(i)).length < 20)
    }
  })

  test('rejects impossible requests with coded errors', () => {
    assert.throws(() => assignSamples(key, split.train, split.train.length + 1), (e) => code(e) === 'ASSIGNMENT_TOO_LARGE')
    assert.throws(() => assignSamples({ ...key, round: -1 }, split.train, 1), (e) => code(e) === 'BAD_ARGUMENT')
    assert.throws(() => assignSamples({ ...key, hotkey: '' }, split.train, 1), (e) => code(e) === 'BAD_ARGUMENT')
    assert.throws(() => assignSamples({ ...key, taskSeed: 2 ** 32 }, split.train, 1), (e) => code(e) === 'BAD_ARGUMENT')
  })

  test('HashStream.uniform is unbiased enough over a small range', () => {
    const s = HashStream.of('test', new Uint8Array([1]))
    const counts = [0, 0, 0]
    for (let i = 0; i < 30000; i++) counts[s.uniform(3)]++
    for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `${counts}`)
  })
})
