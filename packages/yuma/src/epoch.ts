// The epoch: a port of subtensor's sparse `epoch_mechanism` (run_epoch.rs), step for step, from a
// snapshot of subnet state to the per-uid terms the chain persists. See YUMA.md §1.2.
import { YumaError } from './errors.ts'
import {
  ONE, divIntSum, isReferenceArithmetic, mul, mulExact, safeDiv, fixed64To32N, fixed64ToU64N, proportionOfAmount, proportionToU16, safeDiv64N, satAdd,
  satSub, sum, toFloat, toI64F64, u16ToProportion,
} from './fixed.ts'
import {
  type LiquidAlphaParams, type SparseMatrix, type SparseRow, colClipSparse, colClipSparseInPlace, emptyRow, inplaceColMaxUpscaleSparse,
  inplaceColNormalizeSparse, inplaceNormalize, inplaceNormalizeWithSum, interpolateSparse, isTopkNonzero, isZero,
  matEmaAlphaSparse, matEmaSparse, matmulSparse, matmulTransposeSparse, rowSumSparse, vecMul, yuma2BondsFused,
  weightedMedianColSparse,
} from './math.ts'

/** Subnet hyperparameters the epoch and the set_weights checks read (chain units). */
export interface YumaHyperparameters {
  tempo: number
  /** u16; κ = kappa / 65535. */
  kappa: number
  /** u64; α = 1 − bondsMovingAverage / 1e6. */
  bondsMovingAverage: number
  /** u16; β = bondsPenalty / 65535. */
  bondsPenalty: number
  liquidAlphaOn: boolean
  /** `AlphaValues` (u16 low, u16 high). */
  alphaLow: number
  alphaHigh: number
  /** i16 `AlphaSigmoidSteepness`. */
  alphaSigmoidSteepness: number
  yuma3On: boolean
  /** Activity cutoff = max(1, factor·tempo/1000) blocks (spec 423+). */
  activityCutoffFactorMilli: number
  /** If set, used as the cutoff in blocks instead (the `ActivityCutoff` of chains before 423). */
  activityCutoffBlocks?: number
  maxAllowedValidators: number
  /** Minimum stake (u64, floor of the I64F64 stake) to count; the owner is exempt. */
  stakeThreshold: bigint | number
  commitRevealWeightsEnabled: boolean
  minAllowedWeights: number
  maxWeightsLimit: number
  weightsSetRateLimit: number
  weightsVersionKey: bigint | number
  revealPeriodEpochs: number
  maxAllowedUids: number
}

/** Values a subnet gets from `init_new_network` (YUMA.md §1.4): Yuma3 on, 64 validators, 1 min weight. */
export const DEFAULT_HYPERPARAMETERS: Readonly<YumaHyperparameters> = Object.freeze({
  tempo: 360,
  kappa: 32767,
  bondsMovingAverage: 900000,
  bondsPenalty: 65535,
  liquidAlphaOn: false,
  alphaLow: 45875,
  alphaHigh: 58982,
  alphaSigmoidSteepness: 1000,
  yuma3On: true,
  activityCutoffFactorMilli: 13889,
  maxAllowedValidators: 64,
  stakeThreshold: 0,
  commitRevealWeightsEnabled: true,
  minAllowedWeights: 1,
  maxWeightsLimit: 65535,
  weightsSetRateLimit: 100,
  weightsVersionKey: 0,
  revealPeriodEpochs: 1,
  maxAllowedUids: 256,
})

/** The storage/runtime defaults (`lib.rs` type values): Yuma3 off, 128 validators, 1024 min weights. */
export const RUNTIME_DEFAULT_HYPERPARAMETERS: Readonly<YumaHyperparameters> = Object.freeze({
  ...DEFAULT_HYPERPARAMETERS,
  yuma3On: false,
  maxAllowedValidators: 128,
  minAllowedWeights: 1024,
})

/** A sparse u16 row as stored on chain: (uid, value) pairs in stored order. */
export type U16Row = ReadonlyArray<readonly [number, number]>

/**
 * A sparse u16 row packed in two parallel typed arrays (same length, stored order): the
 * allocation-free alternative to `U16Row` for `epochPacked`.
 */
export interface PackedU16Row {
  uids: Uint16Array
  values: Uint16Array
}

/** Everything the epoch reads for one subnet mechanism. Lengths are n unless said otherwise. */
export interface EpochSnapshot {
  /** `SubnetworkN`. */
  n: number
  /** Current block. */
  block: number
  /** Stake weight per uid (alpha + tao_weight·root, childkey-adjusted), as u64 amounts or numbers. */
  stakes: ReadonlyArray<bigint | number>
  /** `Weights[idx]` rows (missing rows are empty; rows ≥ n and uids ≥ n are ignored, as on chain). */
  weights: ReadonlyArray<U16Row | undefined>
  /** `Bonds[idx]` rows (missing rows are empty). */
  bonds: ReadonlyArray<U16Row | undefined>
  /** `LastUpdate[idx]`. */
  lastUpdate: readonly number[]
  /** `BlockAtRegistration`. */
  blockAtRegistration: readonly number[]
  /** `ValidatorPermit` before this epoch. */
  validatorPermit: readonly boolean[]
  /** uid of `SubnetOwnerHotkey`, if registered. */
  ownerUid?: number | null
  /** With commit-reveal on: each uid's earliest unexpired commit block (null = none). */
  commitBlocks?: ReadonlyArray<number | null | undefined>
  /** `LastMechansimStepBlock` (0 = never; the bond column mask then uses block − tempo). */
  lastMechanismStepBlock?: number
  /** Emission E of this epoch (rao). */
  emission: bigint | number
  /** Hyperparameters; missing ones come from DEFAULT_HYPERPARAMETERS. */
  hyperparameters?: Partial<YumaHyperparameters>
}

/** `EpochSnapshot` with weight and bond rows packed (`epochPacked`). */
export interface PackedEpochSnapshot extends Omit<EpochSnapshot, 'weights' | 'bonds'> {
  /** `Weights[idx]` rows, packed (missing rows are empty). */
  weights: ReadonlyArray<PackedU16Row | undefined>
  /** `Bonds[idx]` rows, packed (missing rows are empty). */
  bonds: ReadonlyArray<PackedU16Row | undefined>
}

/** `EpochResult` with the new bond rows packed (`epochPacked`). */
export interface PackedEpochResult extends Omit<EpochResult, 'bonds'> {
  /** New `Bonds` rows, packed: the EMA row for P′ holders, empty for everyone else. */
  bonds: PackedU16Row[]
}

/** Per-uid epoch output, in chain units and as float proportions. */
export interface EpochResult {
  n: number
  /** `Active`. */
  active: boolean[]
  /** New `ValidatorPermit` (P′). */
  validatorPermit: boolean[]
  /** `StakeWeight` = u16(S). */
  stakeWeight: number[]
  consensus: number[]
  validatorTrust: number[]
  incentive: number[]
  dividends: number[]
  /** `Emission` storage: normalize(I + D)·E (or the stake fallback). */
  emission: bigint[]
  /** Absolute server (miner) emission floor(I/Σ·E). */
  serverEmission: bigint[]
  /** Absolute validator emission floor(D/Σ·E). */
  validatorEmission: bigint[]
  /** New `Bonds` rows: the EMA row for P′ holders, empty for everyone else. */
  bonds: Array<Array<[number, number]>>
  /** The same terms as float proportions (I32F32 / 2^32). */
  proportions: {
    stake: number[]
    activeStake: number[]
    consensus: number[]
    validatorTrust: number[]
    incentive: number[]
    dividends: number[]
    serverEmission: number[]
    validatorEmission: number[]
    combinedEmission: number[]
    /** New bond rows as floats (computed on first access): Yuma2 column-max-upscaled, Yuma3 raw EMA. */
    readonly bonds: Array<Array<[number, number]>>
  }
  /** The activity cutoff used, in blocks. */
  activityCutoff: number
}

/** `get_activity_cutoff_blocks`: max(1, factor·tempo/1000), or the legacy absolute cutoff. */
export function activityCutoffBlocks(h: YumaHyperparameters): number {
  if (h.activityCutoffBlocks !== undefined) return h.activityCutoffBlocks
  return Math.max(1, Math.floor((h.activityCutoffFactorMilli * h.tempo) / 1000))
}

/** Run one epoch over a snapshot. Pure; throws YumaError('INVALID_SNAPSHOT') on malformed input. */
export function epoch(snapshot: EpochSnapshot): EpochResult {
  const { result, emaBonds } = runEpoch(snapshot, tupleRows(snapshot.weights), tupleRows(snapshot.bonds))
  const newPermits = result.validatorPermit
  const bonds = Array.from({ length: result.n }, (_, i) =>
    newPermits[i] ? toU16Pairs(emaBonds[i] ?? emptyRow()) : [])
  return { ...result, bonds }
}

/**
 * `epoch` on packed rows: the same results bit for bit (test/packed.test.ts), with the weight and
 * bond rows read from and the new bond rows written to typed arrays instead of `[uid, value]` tuples
 * (no per-entry allocation: the faster form for large dense subnets).
 */
export function epochPacked(snapshot: PackedEpochSnapshot): PackedEpochResult {
  const { result, emaBonds } = runEpoch(snapshot, packedRows(snapshot.weights), packedRows(snapshot.bonds))
  const newPermits = result.validatorPermit
  const bonds = Array.from({ length: result.n }, (_, i) =>
    newPermits[i] ? toPackedU16(emaBonds[i] ?? emptyRow()) : { uids: new Uint16Array(0), values: new Uint16Array(0) })
  return { ...result, bonds }
}

/** Read access to the weight or bond rows of either snapshot form. */
interface RowSource {
  /** Rows present (rows beyond are empty). */
  length: number
  /** Whether the rows are an array at all (checked early, as before the per-uid fields). */
  isArray: boolean
  /** Throws via `fail` when malformed (stamp: a 65536-entry scratch for duplicate detection). */
  validate(name: string, stamp: Int32Array, gen: { v: number }): void
  /**
   * Loads row i, pushing (j, value) in stored order for the j < n that pass the chain's masks:
   * j ≠ diag and reg[j] < limit (every mask the epoch applies to a loaded row has this form).
   */
  load(i: number, n: number, reg: readonly number[], limit: number, diag: number, b: PooledRows): void
  /** Entries stored in row i (before any mask). */
  entries(i: number): number
}

function tupleRows(rows: ReadonlyArray<U16Row | undefined>): RowSource {
  return {
    length: Array.isArray(rows) ? rows.length : 0,
    isArray: Array.isArray(rows),
    entries: (i) => rows[i]?.length ?? 0,
    validate(name, stamp, gen) {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]
        if (row === undefined) continue
        if (!Array.isArray(row)) fail(name, 'each row must be an array of [uid, u16] pairs', i)
        // (x & 0xffff) === x holds exactly for the integers 0..65535 (isUint(x, 65535)); a strictly
        // ascending row cannot repeat a uid, so the duplicate stamp is only needed after a descent.
        const g = ++gen.v
        let previous = -1
        let ascending = true
        for (let t = 0; t < row.length; t++) {
          const pair = row[t]
          const j = pair?.[0]
          const v = pair?.[1]
          if (!(typeof j === 'number' && (j & 0xffff) === j && typeof v === 'number' && (v & 0xffff) === v)) {
            fail(name, 'entries must be [uid, value] with u16 integers', i, pair)
          }
          if (ascending && j > previous) { previous = j; continue }
          if (ascending) {
            ascending = false
            for (let u = 0; u < t; u++) stamp[row[u][0]] = g
          }
          if (stamp[j] === g) fail(name, 'duplicate uid in a row (the chain cannot store one)', i, j)
          stamp[j] = g
        }
      }
    },
    load(i, n, reg, limit, diag, b) {
      const row = rows[i]
      if (!row) return
      for (let t = 0; t < row.length; t++) {
        const pair = row[t]
        const j = pair[0]
        if (j < n && j !== diag && reg[j] < limit) b.push(j, pair[1])
      }
    },
  }
}

function packedRows(rows: ReadonlyArray<PackedU16Row | undefined>): RowSource {
  return {
    length: Array.isArray(rows) ? rows.length : 0,
    isArray: Array.isArray(rows),
    entries: (i) => rows[i]?.uids.length ?? 0,
    validate(name, stamp, gen) {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]
        if (row === undefined) continue
        if (!(row !== null && row.uids instanceof Uint16Array && row.values instanceof Uint16Array && row.uids.length === row.values.length)) {
          fail(name, 'each packed row must be { uids: Uint16Array, values: Uint16Array } of equal length', i)
        }
        // A strictly ascending row (the chain's usual order) cannot repeat a uid.
        const uids = row.uids
        let t = 1
        while (t < uids.length && uids[t] > uids[t - 1]) t++
        if (t >= uids.length) continue
        const g = ++gen.v
        for (let t = 0; t < uids.length; t++) {
          const j = uids[t]
          if (stamp[j] === g) fail(name, 'duplicate uid in a row (the chain cannot store one)', i, j)
          stamp[j] = g
        }
      }
    },
    load(i, n, reg, limit, diag, b) {
      const row = rows[i]
      if (!row) return
      const { uids, values } = row
      for (let t = 0; t < uids.length; t++) {
        const j = uids[t]
        if (j < n && j !== diag && reg[j] < limit) b.push(j, values[t])
      }
    },
  }
}

type EpochInput = Omit<EpochSnapshot, 'weights' | 'bonds'>

function runEpoch(snapshot: EpochInput, weightRows: RowSource, bondRows: RowSource): { result: Omit<EpochResult, 'bonds'>; emaBonds: SparseMatrix } {
  const h = { ...DEFAULT_HYPERPARAMETERS, ...(snapshot.hyperparameters ?? {}) }
  const n = validateSnapshot(snapshot, h, weightRows, bondRows)
  const block = snapshot.block
  const ownerUid = snapshot.ownerUid ?? null
  const tempo = h.tempo

  // 1. Activity.
  const cutoff = activityCutoffBlocks(h)
  const lastUpdate = snapshot.lastUpdate
  const inactive = lastUpdate.map((u) => u + cutoff < block)
  const active = inactive.map((b) => !b)
  const reg = snapshot.blockAtRegistration

  // 2. Stake: threshold (owner exempt), normalise in I64F64, truncate to I32F32.
  const minStake = BigInt(h.stakeThreshold)
  const stake64 = snapshot.stakes.map((s, uid) => {
    const raw = toI64F64(s)
    return ownerUid !== uid && fixed64ToU64N(raw) < minStake ? 0n : raw
  })
  const total64 = stake64.reduce((a, b) => a + b, 0n)
  const stake = stake64.map((s) => Number(fixed64To32N(total64 === 0n ? s : safeDiv64N(s, total64))))

  // 3. Permits: old from storage (owner forced), new by top-k stake (owner forced).
  const permits = snapshot.validatorPermit.slice()
  if (ownerUid !== null && ownerUid < permits.length) permits[ownerUid] = true
  const forbids = permits.map((p) => !p)
  const newPermits = isTopkNonzero(stake, h.maxAllowedValidators)
  if (ownerUid !== null && ownerUid < newPermits.length) newPermits[ownerUid] = true

  // 4. Active stake.
  const activeStake = stake.map((s, i) => (inactive[i] || forbids[i] ? 0 : s))
  inplaceNormalize(activeStake)

  // 5. Weights: load (u16 as integer I32F32), masks, row-normalise. The chain's four filters
  // (mask_rows_sparse, mask_diag_sparse[_except_index], outdated and commit-reveal
  // vec_mask_sparse_matrix) keep entry order, so they are applied in one pass.
  // Per row, w_ij is kept iff i holds a permit, j ≠ i (unless i is the owner), reg_j < last_update_i
  // and, with commit-reveal, reg_j ≤ commit_i (block numbers are integers: reg_j < commit_i + 1).
  const weightLimit = new Float64Array(n)
  const weightDiag = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const commit = h.commitRevealWeightsEnabled ? (snapshot.commitBlocks?.[i] ?? Infinity) + 1 : Infinity
    weightLimit[i] = forbids[i] ? -Infinity : Math.min(lastUpdate[i], commit)
    weightDiag[i] = i === ownerUid ? -1 : i
  }
  const weights = loadRows(weightRows, n, reg, weightLimit, weightDiag, WEIGHT_ROWS)
  rowNormalizeU16(weights)

  // 6–8. Consensus, clip, validator trust.
  const kappa = u16ToProportion(h.kappa)
  const consensus = weightedMedianColSparse(activeStake, weights, n, kappa)
  const beta = u16ToProportion(h.bondsPenalty)
  // With β = 1 the unclipped weights are not read again (interpolate_sparse returns the clipped
  // rows), so they are clipped in place.
  const fusedClip = beta === ONE ? clipTrustIncentive(weights, consensus, activeStake, n) : null
  const clipped = fusedClip !== null ? weights : beta === ONE ? colClipSparseInPlace(weights, consensus) : colClipSparse(weights, consensus)
  // 9. Incentive (with the validator trust in the same pass).
  const { validatorTrust, incentive } = fusedClip ?? trustAndIncentive(clipped, activeStake, n)
  inplaceNormalize(incentive)

  // 10. Bond weights.
  const weightsForBonds = interpolateSparse(weights, clipped, n, beta)

  // 11. Bonds and dividends.
  const lms = snapshot.lastMechanismStepBlock ?? 0
  const lastTempo = lms === 0 ? Math.max(0, block - tempo) : lms + 1
  const alpha = bondsMovingAverageAlpha(h.bondsMovingAverage)
  let dividends: number[]
  let emaBonds: SparseMatrix
  // Bond columns of uids registered since the last step are dropped (scalar_vec_mask_sparse_matrix):
  // kept iff reg_j < last_tempo.
  const bondLimit = new Float64Array(n).fill(lastTempo)
  if (h.yuma3On) {
    const bonds = loadRows(bondRows, n, reg, bondLimit, null, BOND_ROWS)
    u16RowsToProportions(bonds)
    if (h.liquidAlphaOn && consensus.some((c) => c !== 0)) {
      const p: LiquidAlphaParams = {
        alphaLow: u16ToProportion(h.alphaLow),
        alphaHigh: u16ToProportion(h.alphaHigh),
        steepness: h.alphaSigmoidSteepness * ONE,
      }
      emaBonds = matEmaAlphaSparse(weightsForBonds, bonds, consensus, p)
    } else {
      emaBonds = matEmaSparse(weightsForBonds, bonds, alpha)
    }
    // D_i = A_i · Σ_j col_norm(EMA)_ij · I_j (row_sum of mat_vec_mul_sparse; its dropped zero
    // products add nothing), then normalised.
    const colSum = columnSums(emaBonds, n)
    const perValidator = emaBonds.map((row) => {
      let acc = 0
      for (let t = 0; t < row.idx.length; t++) {
        const j = row.idx[t]
        const d = colSum[j]
        acc += mul(d !== 0 ? safeDiv(row.val[t], d) : row.val[t], incentive[j])
      }
      return acc
    })
    dividends = vecMul(perValidator, activeStake)
    inplaceNormalize(dividends)
  } else {
    const bonds = loadRows(bondRows, n, reg, bondLimit, null, BOND_ROWS)
    const bondsNorm = colNormalizeU16(bonds, n)
    const fused = yuma2BondsFused(weightsForBonds, activeStake, bondsNorm, n, alpha, incentive)
    if (fused !== null) {
      emaBonds = fused.ema
      dividends = fused.dividends
      inplaceNormalize(dividends)
      colMaxUpscale(emaBonds, fused.colMax)
    } else {
      // row_hadamard_sparse, in place: the bond weights are not read again.
      const delta = weightsForBonds
      for (let i = 0; i < delta.length; i++) {
        const val = delta[i].val
        const scale = activeStake[i]
        for (let t = 0; t < val.length; t++) val[t] = mul(val[t], scale)
      }
      inplaceColNormalizeSparse(delta, n)
      emaBonds = matEmaSparse(delta, bondsNorm, alpha)
      inplaceColNormalizeSparse(emaBonds, n)
      dividends = matmulTransposeSparse(emaBonds, incentive)
      inplaceNormalize(dividends)
      inplaceColMaxUpscaleSparse(emaBonds, n)
    }
  }

  // 13. Emission.
  const combined = incentive.map((x, i) => satAdd(x, dividends[i] ?? 0))
  const emissionSum = sum(combined)
  const nServer = incentive.slice()
  let nValidator = dividends.slice()
  let nCombined = combined.slice()
  inplaceNormalizeWithSum(nServer, emissionSum)
  inplaceNormalizeWithSum(nValidator, emissionSum)
  inplaceNormalize(nCombined)
  if (emissionSum === 0) {
    const fallback = isZero(activeStake) ? stake : activeStake
    nValidator = fallback.slice()
    nCombined = fallback.slice()
  }
  const E = BigInt(snapshot.emission)

  // 12 + 14. Outputs as persisted (the bond rows are written by the caller, in its row form).
  const result = {
    n,
    active,
    validatorPermit: newPermits,
    stakeWeight: stake.map(proportionToU16),
    consensus: consensus.map(proportionToU16),
    validatorTrust: validatorTrust.map(proportionToU16),
    incentive: incentive.map(proportionToU16),
    dividends: dividends.map(proportionToU16),
    emission: nCombined.map((x) => proportionOfAmount(x, E)),
    serverEmission: nServer.map((x) => proportionOfAmount(x, E)),
    validatorEmission: nValidator.map((x) => proportionOfAmount(x, E)),
    proportions: {
      stake: stake.map(toFloat),
      activeStake: activeStake.map(toFloat),
      consensus: consensus.map(toFloat),
      validatorTrust: validatorTrust.map(toFloat),
      incentive: incentive.map(toFloat),
      dividends: dividends.map(toFloat),
      serverEmission: nServer.map(toFloat),
      validatorEmission: nValidator.map(toFloat),
      combinedEmission: nCombined.map(toFloat),
      get bonds() {
        return Array.from({ length: n }, (_, i) => {
          const row = emaBonds[i]
          return newPermits[i] && row ? Array.from(row.idx, (j, t): [number, number] => [j, toFloat(row.val[t])]) : []
        })
      },
    },
    activityCutoff: cutoff,
  }
  return { result, emaBonds }
}

/**
 * The snapshot of the next epoch after `result`, as the chain would hold it: new bonds and
 * permits, other state unchanged. Callers then apply weight updates and advance the block.
 */
export function carryOver(snapshot: EpochSnapshot, result: EpochResult): EpochSnapshot {
  return { ...snapshot, bonds: result.bonds, validatorPermit: result.validatorPermit }
}

/** α = 1 − floor32(trunc64(BMA·2^64 / 1e6)) as the chain computes it (I64F64 then I32F32). */
export function bondsMovingAverageAlpha(bma: number): number {
  const ratio64 = safeDiv64N(BigInt(bma) << 64n, 1000000n << 64n)
  return satSub(ONE, Number(fixed64To32N(ratio64)))
}

// ---------------------------------------------------------------- loading and u16 stages

// `row_sum_sparse(clipped)` and `matmul_sparse(clipped, active_stake)` in one pass. All values are
// non-negative proportions, so every row sum and column accumulator stays far below 2^53 and the
// saturating adds are plain adds (rows of up to 65536 entries ≤ 2^33 each); the BigInt reference
// mode runs the two chain functions instead.
function trustAndIncentive(m: SparseMatrix, stake: readonly number[], n: number): { validatorTrust: number[]; incentive: number[] } {
  if (isReferenceArithmetic()) return { validatorTrust: rowSumSparse(m), incentive: matmulSparse(m, stake, n) }
  const validatorTrust = new Array<number>(m.length)
  const acc = new Float64Array(n)
  for (let i = 0; i < m.length; i++) {
    const { idx, val } = m[i]
    const scale = stake[i] ?? 0
    let rowSum = 0
    if (scale === 0) {
      for (let t = 0; t < val.length; t++) rowSum += val[t]
    } else {
      for (let t = 0; t < val.length; t++) {
        const v = val[t]
        rowSum += v
        acc[idx[t]] += mul(scale, v)
      }
    }
    validatorTrust[i] = rowSum
  }
  return { validatorTrust, incentive: Array.from(acc) }
}

// Loads u16 rows as I32F32 integers (value·2^32 is kept as the bare u16 until normalisation:
// raw sums of u16 rows exceed 2^53, so the division is done on the integers; see divIntSum).
// Rows ≥ n and uids ≥ n are ignored (get_weights_sparse filters them; bonds beyond n never survive
// the bond EMA, which only writes columns < n).
function loadRows(
  rows: RowSource, n: number, reg: readonly number[], limit: Float64Array, diag: Float64Array | null, pool: PooledRows,
): SparseMatrix {
  const out: SparseMatrix = new Array(n)
  let capacity = 0
  for (let i = 0; i < n && i < rows.length; i++) capacity += rows.entries(i)
  pool.reset(capacity)
  for (let i = 0; i < n; i++) {
    if (i < rows.length) rows.load(i, n, reg, limit[i], diag === null ? -1 : diag[i], pool)
    out[i] = pool.finish()
  }
  return out
}

/**
 * Storage of loaded weight or bond rows: views into one buffer that is kept and reused by the
 * next epoch. Loaded rows (and everything computed in place over them) never leave runEpoch —
 * the bond EMA and the results are fresh arrays — so reuse is safe, and it spares the garbage
 * collector two matrix-sized allocations per epoch (tens of MB for 4096 × 256). The buffers keep
 * the size of the largest epoch run so far.
 */
class PooledRows {
  private idx = new Int32Array(0)
  private val = new Float64Array(0)
  private start = 0
  private end = 0

  reset(capacity: number): void {
    if (this.idx.length < capacity) {
      this.idx = new Int32Array(capacity)
      this.val = new Float64Array(capacity)
    }
    this.start = 0
    this.end = 0
  }

  push(j: number, v: number): void {
    this.idx[this.end] = j
    this.val[this.end++] = v
  }

  finish(): SparseRow {
    const a = this.start
    const b = this.end
    this.start = b
    if (a === b) return emptyRow()
    return { idx: this.idx.subarray(a, b), val: this.val.subarray(a, b) }
  }
}

const WEIGHT_ROWS = new PooledRows()
const BOND_ROWS = new PooledRows()

// `inplace_row_normalize_sparse` on rows whose values are u16 integers standing for value·2^32.
// For sums below 2^31 (fewer than 32769 entries) divIntSum(w, s) is floor(w·2^32 / s) with
// w·2^32 < 2^48: the double quotient of two integers below 2^53 never rounds up to the next integer,
// so Math.floor of it is exact and the loop needs no correction step.
function rowNormalizeU16(m: SparseMatrix): void {
  const ref = isReferenceArithmetic()
  for (let i = 0; i < m.length; i++) {
    const val = m[i].val
    const s = sum(val)
    if (s > 0 && s < U16_SUM_FAST && !ref) {
      for (let t = 0; t < val.length; t++) val[t] = Math.floor((val[t] * ONE) / s)
    } else {
      for (let t = 0; t < val.length; t++) val[t] = s > 0 ? divIntSum(val[t], s) : val[t] * ONE
    }
  }
}

const U16_SUM_FAST = 2 ** 31

// `col_clip_sparse` in place (β = 1: the unclipped weights are not read again) together with
// trustAndIncentive, in one pass: each entry becomes min(w, c_j) and is added to its row sum and
// column accumulator. Consensus values are ≥ 0, so an entry is dropped exactly when c_j = 0 < w;
// its clipped value 0 added nothing, and the row is compacted afterwards. null in BigInt
// reference mode (the chain functions run one by one).
function clipTrustIncentive(
  m: SparseMatrix, consensus: readonly number[], stake: readonly number[], n: number,
): { validatorTrust: number[]; incentive: number[] } | null {
  if (isReferenceArithmetic() || consensus.length !== n) return null
  const threshold = Float64Array.from(consensus)
  for (let j = 0; j < n; j++) if (!(threshold[j] >= 0)) return null
  const validatorTrust = new Array<number>(m.length)
  const acc = new Float64Array(n)
  const dropped = new Int32Array(n)
  for (let i = 0; i < m.length; i++) {
    const { idx, val } = m[i]
    const scale = stake[i] ?? 0
    // Active stake ≤ 1 and consensus ≤ 1, so the product of a clipped value and the stake is far
    // inside mulExact's domain (|a·b| < 2^80); larger stakes take `mul`.
    const bounded = scale >= 0 && scale <= ONE
    let rowSum = 0
    let drops = 0
    for (let t = 0; t < val.length; t++) {
      const j = idx[t]
      const th = threshold[j]
      const w = val[t]
      if (th === 0 && w > 0) dropped[drops++] = t
      const v = Math.min(w, th)
      val[t] = v
      rowSum += v
      if (scale !== 0) acc[j] += bounded && th <= ONE ? mulExact(scale, v) : mul(scale, v)
    }
    validatorTrust[i] = rowSum
    if (drops > 0) m[i] = withoutEntries(m[i], dropped, drops)
  }
  return { validatorTrust, incentive: Array.from(acc) }
}

// A row without the entries at the given ascending positions (a fresh row).
function withoutEntries(row: SparseRow, positions: Int32Array, count: number): SparseRow {
  const len = row.idx.length - count
  if (len === 0) return emptyRow()
  const idx = new Int32Array(len)
  const val = new Float64Array(len)
  let p = 0
  let w = 0
  for (let t = 0; t < row.idx.length; t++) {
    if (p < count && positions[p] === t) { p++; continue }
    idx[w] = row.idx[t]
    val[w++] = row.val[t]
  }
  return { idx, val }
}

// Stored u16 bonds read as proportions (`u16_proportion_to_fixed`): floor(w·2^32 / 65535), an
// integer quotient below 2^53, so Math.floor of the double quotient is exact.
function u16RowsToProportions(m: SparseMatrix): void {
  const ref = isReferenceArithmetic()
  for (let i = 0; i < m.length; i++) {
    const val = m[i].val
    for (let t = 0; t < val.length; t++) val[t] = ref ? u16ToProportion(val[t]) : Math.floor((val[t] * ONE) / 65535)
  }
}

// The second half of `inplace_col_max_upscale_sparse`, given the column maxima.
function colMaxUpscale(m: SparseMatrix, colMax: Float64Array): void {
  for (let i = 0; i < m.length; i++) {
    const { idx, val } = m[i]
    for (let t = 0; t < val.length; t++) {
      const mx = colMax[idx[t]]
      if (mx !== 0) val[t] = safeDiv(val[t], mx)
    }
  }
}

function columnSums(m: SparseMatrix, columns: number): number[] {
  const colSum = new Array<number>(columns).fill(0)
  for (const row of m) for (let t = 0; t < row.idx.length; t++) colSum[row.idx[t]] = satAdd(colSum[row.idx[t]], row.val[t])
  return colSum
}

// `inplace_col_normalize_sparse` on rows of u16 integers standing for value·2^32.
function colNormalizeU16(m: SparseMatrix, columns: number): SparseMatrix {
  const colSum = new Float64Array(columns)
  for (let i = 0; i < m.length; i++) {
    const { idx, val } = m[i]
    for (let t = 0; t < val.length; t++) colSum[idx[t]] += val[t]
  }
  // In place: the loaded bond rows are not read again. Fast division as in rowNormalizeU16.
  const ref = isReferenceArithmetic()
  for (let i = 0; i < m.length; i++) {
    const { idx, val } = m[i]
    for (let t = 0; t < val.length; t++) {
      const c = colSum[idx[t]]
      if (c === 0) val[t] = val[t] * ONE
      else val[t] = c < U16_SUM_FAST && !ref ? Math.floor((val[t] * ONE) / c) : divIntSum(val[t], c)
    }
  }
  return m
}

function toPackedU16(row: SparseRow): PackedU16Row {
  const uids = new Uint16Array(row.idx.length)
  const values = new Uint16Array(row.idx.length)
  for (let t = 0; t < row.idx.length; t++) {
    uids[t] = row.idx[t]
    values[t] = proportionToU16(row.val[t])
  }
  return { uids, values }
}

function toU16Pairs(row: SparseRow): Array<[number, number]> {
  const out = new Array<[number, number]>(row.idx.length)
  for (let t = 0; t < row.idx.length; t++) out[t] = [row.idx[t], proportionToU16(row.val[t])]
  return out
}

// ---------------------------------------------------------------- validation

function fail(field: string, message: string, index?: number, value?: unknown): never {
  throw new YumaError('INVALID_SNAPSHOT', `${field}: ${message}`, { field, index, value })
}

function isUint(x: unknown, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max
}

function validateSnapshot(s: EpochInput, h: YumaHyperparameters, weights: RowSource, bonds: RowSource): number {
  const n = s.n
  if (!isUint(n, 65535)) fail('n', 'must be an integer in 0..65535', undefined, n)
  if (!isUint(s.block, Number.MAX_SAFE_INTEGER)) fail('block', 'must be a non-negative safe integer', undefined, s.block)
  const vec = (name: string, v: ArrayLike<unknown> | undefined): void => {
    if (!v || v.length !== n) fail(name, `length must equal n = ${n}`)
  }
  vec('stakes', s.stakes)
  vec('lastUpdate', s.lastUpdate)
  vec('blockAtRegistration', s.blockAtRegistration)
  vec('validatorPermit', s.validatorPermit)
  if (!weights.isArray) fail('weights', 'must be an array of rows')
  if (!bonds.isArray) fail('bonds', 'must be an array of rows')
  s.stakes.forEach((x, i) => {
    const ok = typeof x === 'bigint' ? x >= 0n && x < 1n << 63n : typeof x === 'number' && Number.isFinite(x) && x >= 0
    if (!ok) fail('stakes', 'must be a finite non-negative amount below 2^63', i, x)
  })
  s.lastUpdate.forEach((x, i) => { if (!isUint(x, Number.MAX_SAFE_INTEGER)) fail('lastUpdate', 'must be a block number', i, x) })
  s.blockAtRegistration.forEach((x, i) => {
    if (!isUint(x, Number.MAX_SAFE_INTEGER)) fail('blockAtRegistration', 'must be a block number', i, x)
  })
  s.validatorPermit.forEach((x, i) => { if (typeof x !== 'boolean') fail('validatorPermit', 'must be boolean', i, x) })
  const stamp = new Int32Array(65536).fill(-1)
  const gen = { v: 0 }
  weights.validate('weights', stamp, gen)
  bonds.validate('bonds', stamp, gen)
  if (s.ownerUid !== undefined && s.ownerUid !== null && !isUint(s.ownerUid, 65535)) fail('ownerUid', 'must be a uid', undefined, s.ownerUid)
  if (s.commitBlocks !== undefined) {
    if (s.commitBlocks.length > n) fail('commitBlocks', 'longer than n')
    s.commitBlocks.forEach((x, i) => {
      if (x !== null && x !== undefined && !isUint(x, Number.MAX_SAFE_INTEGER)) fail('commitBlocks', 'must be a block or null', i, x)
    })
  }
  if (s.lastMechanismStepBlock !== undefined && !isUint(s.lastMechanismStepBlock, Number.MAX_SAFE_INTEGER)) {
    fail('lastMechanismStepBlock', 'must be a block number', undefined, s.lastMechanismStepBlock)
  }
  const e = s.emission
  if (!(typeof e === 'bigint' ? e >= 0n && e < 1n << 64n : isUint(e, Number.MAX_SAFE_INTEGER))) {
    fail('emission', 'must be a u64 amount', undefined, e)
  }
  const total = s.stakes.reduce<bigint>((a, x) => a + (typeof x === 'bigint' ? x : BigInt(Math.ceil(x))), 0n)
  if (total >= 1n << 63n) fail('stakes', 'total stake must stay below 2^63 (I64F64 range)')
  if (!isUint(h.tempo, 65535)) fail('hyperparameters.tempo', 'must be a u16', undefined, h.tempo)
  for (const k of ['kappa', 'bondsPenalty', 'alphaLow', 'alphaHigh', 'maxAllowedValidators'] as const) {
    if (!isUint(h[k], 65535)) fail(`hyperparameters.${k}`, 'must be a u16', undefined, h[k])
  }
  if (!isUint(h.bondsMovingAverage, Number.MAX_SAFE_INTEGER)) fail('hyperparameters.bondsMovingAverage', 'must be a u64', undefined, h.bondsMovingAverage)
  if (!Number.isInteger(h.alphaSigmoidSteepness) || h.alphaSigmoidSteepness < -32768 || h.alphaSigmoidSteepness > 32767) {
    fail('hyperparameters.alphaSigmoidSteepness', 'must be an i16', undefined, h.alphaSigmoidSteepness)
  }
  if (!isUint(h.activityCutoffFactorMilli, 0xffffffff)) fail('hyperparameters.activityCutoffFactorMilli', 'must be a u32')
  if (h.activityCutoffBlocks !== undefined && !isUint(h.activityCutoffBlocks, Number.MAX_SAFE_INTEGER)) {
    fail('hyperparameters.activityCutoffBlocks', 'must be a block count')
  }
  const st = h.stakeThreshold
  if (!(typeof st === 'bigint' ? st >= 0n : isUint(st, Number.MAX_SAFE_INTEGER))) fail('hyperparameters.stakeThreshold', 'must be a u64')
  return n
}
