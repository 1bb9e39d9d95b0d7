import * as tf from '@tensorflow/tfjs'
import type { Task } from '../task.ts'
import { loadMnist } from '../data/mnist.ts'

/** MNIST digits with an MLP 784-128-10 (101,770 parameters). */
export const mnistMlp: Task = {
  id: 'mnist-mlp',
  description: 'Handwritten digits (real MNIST, 10,000 images), MLP 784-128-10',
  seed: 1,
  inputShape: [784],
  numClasses: 10,
  loss: 'softmax-cross-entropy',
  metric: 'accuracy',
  hyper: { optimizer: 'adam', learningRate: 1e-3, batchSize: 32, innerSteps: 25, samplesPerRound: 800, outerLearningRate: 1 },
  split: { testFraction: 0.1, heldoutFraction: 0.1 },
  dataset: loadMnist,
  createModel() {
    return tf.sequential({
      name: 'mnist_mlp',
      layers: [
        tf.layers.dense({ name: 'hidden', inputShape: [784], units: 128, activation: 'relu' }),
        tf.layers.dense({ name: 'logits', units: 10 }),
      ],
    })
  },
}
