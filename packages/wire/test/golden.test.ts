// Golden vectors (protocols/vectors/*.json) checked in both directions, plus: the stored files are exactly what the
// generator produces (so the spec's vectors never drift from the code).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decode, encode, identitySigningPayload, MESSAGE_KINDS, rankingSigningPayload, verifyIdentity, verifyRanking, WireError } from '../src/index.ts'
import type { IdentityBinding, MessageKind, MessageMap, RankingMessage } from '../src/index.ts'
import { hex, unhex } from './samples.ts'
import { buildVectorFiles, fromJson, readVectorFiles, signatureCache, toJson, vectorFileText } from './vector-json.ts'

const files = readVectorFiles()

function verify(kind: MessageKind, m: unknown): void {
  if (kind === 'identity') verifyIdentity(m as IdentityBinding)
  if (kind === 'ranking') verifyRanking(m as RankingMessage)
}

describe('golden vectors', () => {
  test('a vector file exists for every message kind', () => {
    assert.deepEqual(files.map((f) => f.kind).sort(), [...MESSAGE_KINDS].sort())
  })

  for (const f of files) {
    describe(f.kind, () => {
      for (const v of f.valid) {
        test(`${v.name}: decode(hex) equals the JSON message`, () => {
          const m = decode(f.kind, unhex(v.hex))
          assert.deepStrictEqual(m, fromJson(v.message))
          assert.deepStrictEqual(toJson(m), v.message)
          verify(f.kind, m)
        })
        test(`${v.name}: encode(JSON message) equals hex`, () => {
          const m = fromJson(v.message) as MessageMap[typeof f.kind]
          assert.equal(hex(encode(f.kind, m)), v.hex)
          if (v.signingPayloadHex !== undefined) {
            const p = f.kind === 'identity' ? identitySigningPayload(m as IdentityBinding) : rankingSigningPayload(m as RankingMessage)
            assert.equal(hex(p), v.signingPayloadHex)
          }
        })
      }
      for (const v of f.invalid) {
        test(`${v.name}: refused with ${v.error} at ${v.stage}`, () => {
          const run = (): void => {
            const m = decode(f.kind, unhex(v.hex))
            if (v.stage === 'verify') verify(f.kind, m)
          }
          if (v.stage === 'verify') assert.doesNotThrow(() => decode(f.kind, unhex(v.hex)))
          assert.throws(run, (e: unknown) => e instanceof WireError && e.code === v.error)
        })
      }
    })
  }

  test('stored files are exactly what scripts/gen-vectors.ts produces', () => {
    const built = buildVectorFiles((k, m) => encode(k, m as MessageMap[typeof k]), signatureCache(files))
    for (const b of built) {
      const stored = files.find((f) => f.kind === b.kind)
      assert.ok(stored, `no stored file for ${b.kind}`)
      assert.equal(vectorFileText(stored), vectorFileText(b), `protocols/vectors/${b.kind}.json is stale: run gen-vectors`)
    }
  })
})
