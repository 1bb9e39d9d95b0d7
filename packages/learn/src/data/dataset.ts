/** A labelled classification dataset held in memory; inputs are copied into preallocated batch buffers. */
export interface Dataset {
  readonly name: string
  /** Number of samples. */
  readonly size: number
  /** Values per sample input (product of the task's input shape). */
  readonly featureSize: number
  readonly numClasses: number
  /** Class of every sample. */
  readonly labels: Uint8Array
  /** Where the data comes from and under which licence. */
  readonly source: string
  readonly license: string
  /** Writes the inputs of `indices` (in order) into `out`, `featureSize` values each. */
  fillInputs(indices: ArrayLike<number>, out: Float32Array): void
}

/** A dataset whose inputs are one dense Float32Array (row-major, `featureSize` per sample). */
export function denseDataset(meta: Omit<Dataset, 'fillInputs' | 'size'>, inputs: Float32Array): Dataset {
  const f = meta.featureSize
  return {
    ...meta,
    size: meta.labels.length,
    fillInputs(indices, out) {
      for (let j = 0; j < indices.length; j++) {
        const i = indices[j]
        out.set(inputs.subarray(i * f, i * f + f), j * f)
      }
    },
  }
}
