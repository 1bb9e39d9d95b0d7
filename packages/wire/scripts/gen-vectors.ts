/**
 * Regenerates protocols/vectors/<kind>.json from test/samples.ts. Deterministic: keys come from fixed seeds and existing
 * sr25519 signatures are reused while they still verify (sr25519 signing is randomised). Run:
 *   npx node packages/wire/scripts/gen-vectors.ts
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encode } from '../src/index.ts'
import type { MessageKind, MessageMap } from '../src/index.ts'
import { buildVectorFiles, readVectorFiles, signatureCache, VECTORS_DIR, vectorFileText } from '../test/vector-json.ts'

if (!existsSync(VECTORS_DIR)) mkdirSync(VECTORS_DIR, { recursive: true })
const cache = signatureCache(readVectorFiles())
const files = buildVectorFiles((k: MessageKind, m: unknown) => encode(k, m as MessageMap[typeof k]), cache)
for (const f of files) {
  const path = join(VECTORS_DIR, `${f.kind}.json`)
  writeFileSync(path, vectorFileText(f))
  console.log(`${path}: ${f.valid.length} valid, ${f.invalid.length} invalid`)
}
