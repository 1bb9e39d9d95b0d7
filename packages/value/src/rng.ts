// Seeded randomness: every sampled quantity (Shapley permutations, batch choice) must be replayable from its seed,
// so Math.random is never used.

/** 32-bit FNV-1a hash of a string: turns a textual seed (e.g. `validator/round/uid`) into a PRNG state. */
export function hashSeed (seed: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** mulberry32: a small, fast, well-mixed PRNG; returns floats in [0, 1). */
export function createRng (seed: string | number): () => number {
  let a = typeof seed === 'number' ? seed >>> 0 : hashSeed(seed)
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher–Yates shuffle of 0..n-1 driven by `rng`. */
export function permutation (n: number, rng: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    const t = p[i]; p[i] = p[j]; p[j] = t
  }
  return p
}

/** Standard normal sample (Box–Muller) from a uniform source. */
export function gaussian (rng: () => number): number {
  const u = 1 - rng()
  const v = rng()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}
