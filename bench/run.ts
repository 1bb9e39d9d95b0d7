// Runs every benchmark under bench/ (files named *.bench.ts) one after another and prints their figures.
// Benchmarks print numbers; they never fail on speed. `npm run bench -- <filter>` runs only matching files.
import { readdirSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const filter = process.argv[2] ?? ''
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort()
let failed = 0
for (const file of files) {
  console.log(`\n=== ${file} ===`)
  const r = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' })
  if (r.status !== 0) { failed++; console.log(`(${file} exited with ${r.status})`) }
}
if (failed > 0) process.exitCode = 1
