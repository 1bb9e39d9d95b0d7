import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import {
  createLearner,
  checkpointOf,
  saveCheckpoint,
  loadCheckpoint,
  checkpointToBytes,
  checkpointFromBytes,
  restoreCheckpoint,
  toArtifacts,
  paramsHash,
  LearnError,
  type Learner,
} from '../src/index.ts'

const code = (e: unknown): string | undefined => (e instanceof LearnError ? e.code : undefined)
let dir: string
let mlp: Learner
let cnn: Learner

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tm-learn-ck-'))
  mlp = await createLearner('mnist-mlp', { backend: 'wasm' })
  cnn = await createLearner('mnist-cnn', { backend: 'wasm' })
  // move off θ₀ so the test does not pass by accident on initial weights
  const { delta } = await cnn.train(null, cnn.split.train.subarray(0, 128), { steps: 4 })
  cnn.setParams(cnn.getParams().map((x, i) => x - delta[i]))
})
after(async () => {
  mlp.dispose()
  cnn.dispose()
  await rm(dir, { recursive: true, force: true })
})

describe('checkpoints', () => {
  test('save and load round-trip θ and the hash; the hash follows the content', async () => {
    const ck = checkpointOf(cnn, { round: 3 })
    await saveCheckpoint(path.join(dir, 'a'), ck)
    const back = await loadCheckpoint(path.join(dir, 'a'), { spec: cnn.spec, hash: ck.hash })
    assert.deepEqual(back.params, ck.params)
    assert.equal(back.hash, ck.hash)
    assert.equal(back.taskId, 'mnist-cnn')
    assert.deepEqual(back.meta, { round: 3 })
    const other = ck.params.slice()
    other[0] += 1e-3
    assert.notEqual(paramsHash(ck.spec, other), ck.hash)
  })

  test('the files are TensorFlow.js layers format: tf.loadLayersModel rebuilds a model that predicts the same', async () => {
    await saveCheckpoint(path.join(dir, 'tfjs'), checkpointOf(cnn))
    const json = JSON.parse(await readFile(path.join(dir, 'tfjs', 'model.json'), 'utf8'))
    const weights = await readFile(path.join(dir, 'tfjs', 'weights.bin'))
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }))
    const { x } = cnn.inputsOf([5, 6, 7])
    const ours = cnn.predict(x)
    const theirs = tf.tidy(() => tf.softmax(model.predict(tf.tensor(x, [3, 28, 28, 1])) as tf.Tensor).dataSync())
    ours.forEach((p, i) => assert.ok(Math.abs(p - theirs[i]) < 1e-5))
    model.dispose()
  })

  test('a corrupted weights.bin is detected (CHECKPOINT_HASH_MISMATCH); truncation is CHECKPOINT_MALFORMED', async () => {
    const d = path.join(dir, 'bad')
    await saveCheckpoint(d, checkpointOf(mlp))
    const w = await readFile(path.join(d, 'weights.bin'))
    w[1234] ^= 0x01
    await writeFile(path.join(d, 'weights.bin'), w)
    await assert.rejects(loadCheckpoint(d), (e) => code(e) === 'CHECKPOINT_HASH_MISMATCH')
    await writeFile(path.join(d, 'weights.bin'), w.subarray(0, w.length - 4))
    await assert.rejects(loadCheckpoint(d), (e) => code(e) === 'CHECKPOINT_MALFORMED')
    await writeFile(path.join(d, 'model.json'), '{"not": "a model"')
    await assert.rejects(loadCheckpoint(d), (e) => code(e) === 'CHECKPOINT_MALFORMED')
  })

  test('a checkpoint for another model or another hash is refused', async () => {
    const ck = checkpointOf(mlp)
    await saveCheckpoint(path.join(dir, 'mlp'), ck)
    await assert.rejects(loadCheckpoint(path.join(dir, 'mlp'), { spec: cnn.spec }), (e) => code(e) === 'CHECKPOINT_SPEC_MISMATCH')
    await assert.rejects(loadCheckpoint(path.join(dir, 'mlp'), { hash: '00'.repeat(32) }), (e) => code(e) === 'CHECKPOINT_HASH_MISMATCH')
    assert.throws(() => restoreCheckpoint(cnn, ck), (e) => code(e) === 'CHECKPOINT_SPEC_MISMATCH')
  })

  test('bytes form round-trips and detects corruption, bad magic and truncation', () => {
    const ck = checkpointOf(cnn)
    const bytes = checkpointToBytes(ck)
    const back = checkpointFromBytes(bytes, { spec: cnn.spec })
    assert.deepEqual(back.params, ck.params)
    const fresh = cnn.getParams()
    restoreCheckpoint(cnn, back)
    assert.deepEqual(cnn.getParams(), fresh)
    const flipped = bytes.slice()
    flipped[bytes.length - 10] ^= 0x80
    assert.throws(() => checkpointFromBytes(flipped), (e) => code(e) === 'CHECKPOINT_HASH_MISMATCH')
    const magic = bytes.slice()
    magic[0] = 0
    assert.throws(() => checkpointFromBytes(magic), (e) => code(e) === 'CHECKPOINT_MALFORMED')
    assert.throws(() => checkpointFromBytes(bytes.subarray(0, 40)), (e) => code(e) === 'CHECKPOINT_MALFORMED')
    // a tampered hash in model.json does not match the weights either
    const { modelJson } = toArtifacts(ck)
    const meta = (modelJson.userDefinedMetadata as { tensormesh: { hash: string } }).tensormesh
    meta.hash = meta.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'))
    assert.throws(() => checkpointFromBytes(checkpointToBytes({ ...ck, hash: meta.hash })), (e) => code(e) === 'CHECKPOINT_HASH_MISMATCH')
  })
})
