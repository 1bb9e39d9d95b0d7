import * as tf from '@tensorflow/tfjs'
import type { Task } from '../task.ts'
import { loadMnist } from '../data/mnist.ts'

/** MNIST digits with a small CNN: conv 8@3×3 → pool → conv 16@3×3 → pool → dense 10 (9,098 parameters). */
export const mnistCnn: Task = {
  id: 'mnist-cnn',
  description: 'Handwritten digits (real MNIST, 10,000 images), small CNN',
  seed: 1,
  inputShape: [28, 28, 1],
  numClasses: 10,
  loss: 'softmax-cross-entropy',
  metric: 'accuracy',
  hyper: { optimizer: 'adam', learningRate: 3e-3, batchSize: 32, innerSteps: 25, samplesPerRound: 800, outerLearningRate: 1 },
  split: { testFraction: 0.1, heldoutFraction: 0.1 },
  dataset: loadMnist,
  createModel() {
    return tf.sequential({
      name: 'mnist_cnn',
      layers: [
        tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }),
        tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
        tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
        tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
        tf.layers.flatten({ name: 'flatten' }),
        tf.layers.dense({ name: 'logits', units: 10 }),
      ],
    })
  },
}
