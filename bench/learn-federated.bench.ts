// In-process federated simulation (no network). 8 simulated peers train the task from the round's model θ on their
// deterministic assignments and publish pseudo-gradients Δ = θ_start − θ_end (DiLoCo style). The Δ are averaged —
// uncompressed (fp32) or through the gradient codec (chunked top-k + 2-bit + per-peer error feedback) — and an outer
// optimiser steps θ. Prints the compression ratio vs fp32, test accuracy of compressed vs uncompressed averaging at equal
// rounds, and the samples federated training needs to reach the test accuracy centralized training of the same model
// (task hyperparameters) reaches in 3 epochs.
//
// Defaults (FedAdam, Reddi et al. 2021): per-peer batch 4 (8 peers × 4 = the centralized batch of 32), 1 inner SGD
// steps, outer Adam. Env: TASK, PEERS, BATCH, INNER, INNER_OPT (sgd|adam), INNER_LR, OUTER (adam|nesterov), OUTER_LR,
// OUTER_MOMENTUM, TOPK, CHUNK, BUDGET (samples, as a multiple of centralized; default 1.5).
import { createLearner, assignSamples, ErrorFeedback, decodeUpdate, compressionRatio, encodedByteLength, mean, doctor, OuterOptimizer, type Learner, type OuterOptimizerSpec } from '@tensormesh/learn'

const env = (k: string, d: number): number => (process.env[k] !== undefined ? Number(process.env[k]) : d)
const TASK = process.env.TASK ?? 'mnist-mlp'
const PEERS = env('PEERS', 8)
const BATCH = env('BATCH', 4)
const INNER = env('INNER', 1)
const INNER_OPT = (process.env.INNER_OPT ?? 'sgd') as 'sgd' | 'adam'
const INNER_LR = env('INNER_LR', INNER_OPT === 'sgd' ? 0.05 : 1e-3)
const OUTER = process.env.OUTER ?? 'adam'
const OUTER_LR = env('OUTER_LR', OUTER === 'adam' ? 1e-3 * Math.sqrt(INNER) : 0.7)
const OUTER_MOMENTUM = env('OUTER_MOMENTUM', 0.9)
const TOPK = env('TOPK', 16)
const CHUNK = env('CHUNK', 4096)
const BUDGET = env('BUDGET', 1.5)
const EPOCHS = 3

const learner = await createLearner(TASK)
const { batchSize } = learner.task.hyper
const test = learner.split.test
const theta0 = learner.getParams()
console.log(`task ${TASK}, ${learner.size} parameters, backend ${doctor().backend}; train pool ${learner.split.train.length}, test ${test.length}`)

/** Centralized baseline with the task's hyperparameters: EPOCHS epochs over the train pool, one optimiser run. */
async function centralized(l: Learner): Promise<{ target: number; curve: [number, number][]; ms: number }> {
  const pool = assignSamples({ hotkey: 'centralized', round: 0, taskSeed: l.task.seed }, l.split.train, l.split.train.length)
  const stepsPerEpoch = Math.floor(pool.length / batchSize)
  const evalEvery = Math.max(1, Math.floor(stepsPerEpoch / 8))
  const curve: [number, number][] = []
  const t0 = performance.now()
  l.setParams(theta0)
  l.resetOptimizer()
  for (let done = 0; done < EPOCHS * stepsPerEpoch; done += evalEvery) {
    const steps = Math.min(evalEvery, EPOCHS * stepsPerEpoch - done)
    const order = Uint32Array.from({ length: steps * batchSize }, (_, j) => pool[(done * batchSize + j) % pool.length])
    await l.train(null, order, { steps, keepResult: true, optimizerState: 'keep' })
    curve.push([(done + steps) * batchSize, l.evaluate(null, test).accuracy])
  }
  l.resetOptimizer()
  return { target: curve.at(-1)![1], curve, ms: performance.now() - t0 }
}

interface FedRun {
  acc: number[]
  samples: number[]
  ratio: number
  bytesPerUpdate: number
  ms: number
}

const outerSpec: OuterOptimizerSpec = OUTER === 'adam' ? { kind: 'adam', learningRate: OUTER_LR } : { kind: 'sgd', learningRate: OUTER_LR, momentum: OUTER_MOMENTUM, nesterov: true }

async function federated(compress: boolean, rounds: number, evalEvery: number): Promise<FedRun> {
  let theta: Float32Array = theta0.slice()
  const outer = new OuterOptimizer(learner.size, outerSpec)
  const feedback = Array.from({ length: PEERS }, () => new ErrorFeedback(learner.size, { chunkSize: CHUNK, topK: TOPK, bits: 2 }))
  const acc: number[] = []
  const samples: number[] = []
  let total = 0
  let ratio = 1
  let bytes = 4 * learner.size
  const t0 = performance.now()
  for (let r = 0; r < rounds; r++) {
    const deltas: Float32Array[] = []
    for (let p = 0; p < PEERS; p++) {
      const assigned = assignSamples({ hotkey: `peer-${p}`, round: r, taskSeed: learner.task.seed }, learner.split.train, INNER * BATCH)
      const res = await learner.train(theta, assigned, { steps: INNER, batchSize: BATCH, optimizer: INNER_OPT, learningRate: INNER_LR, yieldEvery: 0, keepResult: true })
      total += res.samples
      if (compress) {
        const enc = feedback[p].encode(res.delta)
        ratio = compressionRatio(enc)
        bytes = encodedByteLength(enc)
        deltas.push(decodeUpdate(enc))
      } else deltas.push(res.delta)
    }
    theta = outer.step(theta, mean(deltas)!)
    if ((r + 1) % evalEvery === 0 || r === rounds - 1) {
      acc.push(learner.evaluate(theta, test).accuracy)
      samples.push(total)
    }
  }
  return { acc, samples, ratio, bytesPerUpdate: bytes, ms: performance.now() - t0 }
}

const central = await centralized(learner)
const centralSamples = central.curve.at(-1)![0]
console.log(`centralized (${learner.task.hyper.optimizer} lr ${learner.task.hyper.learningRate}, batch ${batchSize}): ${EPOCHS} epochs = ${centralSamples} samples, test accuracy ${central.target.toFixed(4)} (${(central.ms / 1000).toFixed(1)} s)`)
console.log(`  curve (samples:acc) ${central.curve.map(([s, a]) => `${s}:${a.toFixed(3)}`).join(' ')}`)

const perRound = PEERS * INNER * BATCH
const rounds = Math.ceil((BUDGET * centralSamples) / perRound)
const evalEvery = Math.max(1, Math.round(centralSamples / 24 / perRound))
console.log(`federated: ${PEERS} peers × ${INNER} inner ${INNER_OPT} steps (lr ${INNER_LR}) × batch ${BATCH}; outer ${OUTER} lr ${OUTER_LR}${OUTER === 'adam' ? '' : ` momentum ${OUTER_MOMENTUM}`}; ${rounds} rounds (${perRound} samples each)`)
const plain = await federated(false, rounds, evalEvery)
const packed = await federated(true, rounds, evalEvery)

const reach = (run: FedRun): number | null => {
  const i = run.acc.findIndex((a) => a >= central.target)
  return i < 0 ? null : run.samples[i]
}
for (const [name, run] of [['fp32 mean', plain], ['top-k 2-bit + EF', packed]] as const) {
  const s = reach(run)
  console.log(`${name.padEnd(17)} final acc ${run.acc.at(-1)!.toFixed(4)}, best ${Math.max(...run.acc).toFixed(4)}; update ${run.bytesPerUpdate} B = ${run.ratio.toFixed(1)}x smaller than fp32; ` +
    `samples to reach ${central.target.toFixed(4)}: ${s === null ? 'not reached' : `${s} = ${(s / centralSamples).toFixed(2)}x centralized`} (${(run.ms / 1000).toFixed(1)} s)`)
  console.log(`  curve (samples:acc) ${run.acc.map((a, i) => `${run.samples[i]}:${a.toFixed(3)}`).join(' ')}`)
}
console.log(`compression: ${packed.ratio.toFixed(1)}x vs fp32; accuracy loss at equal rounds (${rounds}): ${((plain.acc.at(-1)! - packed.acc.at(-1)!) * 100).toFixed(2)} points final, ` +
  `${((Math.max(...plain.acc) - Math.max(...packed.acc)) * 100).toFixed(2)} points best`)
learner.dispose()
