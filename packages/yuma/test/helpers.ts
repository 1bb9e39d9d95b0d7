// Shared builders for epoch tests: a mutable subnet that mimics the chain's storage between epochs.
import { type EpochResult, type EpochSnapshot, type U16Row, type YumaHyperparameters, epoch } from '../src/index.ts'

export class Subnet {
  snap: EpochSnapshot
  last: EpochResult | null = null

  constructor(n: number, stakes: Array<bigint | number>, hyper: Partial<YumaHyperparameters>, block = 0) {
    this.snap = {
      n,
      block,
      stakes,
      weights: Array.from({ length: n }, () => []),
      bonds: Array.from({ length: n }, () => []),
      lastUpdate: new Array(n).fill(block),
      blockAtRegistration: new Array(n).fill(block),
      validatorPermit: new Array(n).fill(false),
      ownerUid: null,
      emission: 1_000_000_000n,
      hyperparameters: hyper,
    }
  }

  /** A successful set_weights at the current block (stores the row, sets LastUpdate). */
  setWeights(uid: number, row: U16Row): void {
    const weights = this.snap.weights.slice()
    weights[uid] = row
    const lastUpdate = this.snap.lastUpdate.slice()
    lastUpdate[uid] = this.snap.block
    this.snap = { ...this.snap, weights, lastUpdate }
  }

  toBlock(block: number): void {
    this.snap = { ...this.snap, block }
  }

  /** Run the epoch and persist bonds and permits as the chain does. */
  epoch(): EpochResult {
    const r = epoch(this.snap)
    this.snap = { ...this.snap, bonds: r.bonds, validatorPermit: r.validatorPermit }
    this.last = r
    return r
  }

  bond(i: number, j: number): number {
    return this.snap.bonds[i]?.find(([c]) => c === j)?.[1] ?? 0
  }
}
