import * as tf from '@tensorflow/tfjs'
import type { Task } from '../task.ts'
import { loadSpam } from '../data/spam.ts'

const BITS = 12

/** Spam filtering on the SpamAssassin corpus (6,046 real e-mails): hashed bag of words (4,096 buckets) → 32 → 2. */
export const spamBow: Task = {
  id: 'spam-bow',
  description: 'Spam filtering (SpamAssassin public corpus, 6,046 e-mails), hashed bag of words, MLP 4096-32-2',
  seed: 2,
  inputShape: [1 << BITS],
  numClasses: 2,
  loss: 'softmax-cross-entropy',
  metric: 'accuracy',
  hyper: { optimizer: 'adam', learningRate: 2e-3, batchSize: 32, innerSteps: 20, samplesPerRound: 640, outerLearningRate: 1 },
  split: { testFraction: 0.15, heldoutFraction: 0.1 },
  dataset: () => loadSpam(BITS),
  createModel() {
    return tf.sequential({
      name: 'spam_bow',
      layers: [
        tf.layers.dense({ name: 'hidden', inputShape: [1 << BITS], units: 32, activation: 'relu' }),
        tf.layers.dense({ name: 'logits', units: 2 }),
      ],
    })
  },
}
