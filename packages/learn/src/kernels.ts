/**
 * Training kernels that the WebAssembly backend lacks and that the CPU backend implements very slowly
 * (Conv2DBackpropFilter runs at about 9 samples/s for a small CNN on CPU). Both gradients of a stride-1 (or, for the
 * filter gradient, any-stride) NHWC convolution are re-expressed as a forward Conv2D on the same backend, which both
 * backends implement well (XNNPACK on WebAssembly). Cases outside that shape fall back to the backend's own kernel.
 */
import * as tf from '@tensorflow/tfjs'

type Info = tf.TensorInfo

const isOne = (s: number | number[]): boolean => (Array.isArray(s) ? s.every((v) => v === 1) : s === 1)

/**
 * A Tensor view of a kernel input. makeTensorFromTensorInfo does not raise the backend's reference count but disposing
 * the view lowers it, so raise it here: otherwise the view's disposal frees an input another gradient still reads.
 */
function tensorOf(info: Info): tf.Tensor {
  const backend = tf.backend()
  const t = tf.engine().makeTensorFromTensorInfo(info, backend)
  ;(backend as unknown as { incRef(dataId: object): void }).incRef(info.dataId)
  return t
}

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]]

function padInfo(xShape: number[], filterShape: number[], strides: [number, number] | number, pad: Pad, dimRoundingMode?: string) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad as 'same',
    dimRoundingMode as 'floor' | undefined,
    false,
    'channelsLast',
  )
}

/** dW = conv2d(xᵀ, dyᵀ) with the batch as the contracted channel axis and the forward stride as dilation. */
function filterGradViaConv(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], strides: [number, number], pad: Pad, dimRoundingMode?: string): tf.Tensor {
  const info = padInfo(x.shape, filterShape, strides, pad, dimRoundingMode)
  const [kh, kw] = filterShape
  const { top, left } = info.padInfo
  let [, h, w] = x.shape
  const effH = (info.outHeight - 1) * info.strideHeight + 1
  const effW = (info.outWidth - 1) * info.strideWidth + 1
  let bottom = kh - 1 + effH - h - top
  let right = kw - 1 + effW - w - left
  let xs = x
  if (bottom < 0 || right < 0) {
    // rows/columns the forward pass never reached contribute nothing: drop them
    h += Math.min(0, bottom)
    w += Math.min(0, right)
    xs = tf.slice(x, [0, 0, 0, 0], [-1, h, w, -1])
    bottom = Math.max(0, bottom)
    right = Math.max(0, right)
  }
  const xt = tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D
  const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D
  const g = tf.conv2d(xt, dyt, 1, [[0, 0], [top, bottom], [left, right], [0, 0]], 'NHWC', [info.strideHeight, info.strideWidth])
  return tf.transpose(g, [1, 2, 0, 3])
}

/** Paddings that turn the stride-1 input gradient into a forward conv, or null when the shape needs the general kernel. */
function inputGradPads(filterShape: number[], inputShape: number[], pad: Pad, dimRoundingMode?: string): [[number, number], [number, number], [number, number], [number, number]] | null {
  const info = padInfo(inputShape, filterShape, 1, pad, dimRoundingMode)
  const [kh, kw] = filterShape
  const [, h, w] = inputShape
  const pt = kh - 1 - info.padInfo.top
  const pl = kw - 1 - info.padInfo.left
  const pb = h - info.outHeight + kh - 1 - pt
  const pr = w - info.outWidth + kw - 1 - pl
  return pt < 0 || pl < 0 || pb < 0 || pr < 0 ? null : [[0, 0], [pt, pb], [pl, pr], [0, 0]]
}

interface ConvAttrs {
  strides: [number, number] | number
  pad: Pad
  dataFormat: string
  dimRoundingMode?: string
  filterShape: number[]
  inputShape: number[]
}

/** The backends' own kernels that registerTrainingKernels replaced, by `backend/kernel`. */
const originals = new Map<string, tf.KernelConfig | null>()

function registerOne(kernelName: string, backendName: string, make: (own: tf.KernelFunc | undefined) => tf.KernelFunc): boolean {
  const previous = tf.getKernel(kernelName, backendName) as (tf.KernelConfig & { tensormesh?: boolean }) | undefined
  if (previous?.tensormesh) return false
  if (previous) tf.unregisterKernel(kernelName, backendName)
  originals.set(`${backendName}/${kernelName}`, previous ?? null)
  tf.registerKernel({ kernelName, backendName, kernelFunc: make(previous?.kernelFunc), tensormesh: true } as tf.KernelConfig)
  return true
}

/** Puts the backend's own kernels back (for A/B benchmarks); returns the kernel names restored or removed. */
export function unregisterTrainingKernels(backendName: string): string[] {
  const done: string[] = []
  for (const [key, own] of originals) {
    const [b, kernelName] = key.split('/')
    if (b !== backendName) continue
    tf.unregisterKernel(kernelName, backendName)
    if (own) tf.registerKernel(own)
    originals.delete(key)
    done.push(kernelName)
  }
  return done
}

function unsupported(kernelName: string, backendName: string, a: ConvAttrs): never {
  throw new Error(`${kernelName} on ${backendName}: unsupported format ${a.dataFormat} / strides ${String(a.strides)}`)
}

/**
 * Registers Conv2DBackpropFilter and Conv2DBackpropInput built from Conv2D on `backendName` (idempotent).
 * Returns the kernel names newly registered.
 */
export function registerTrainingKernels(backendName: string): string[] {
  const done: string[] = []
  const filterGrad = (own: tf.KernelFunc | undefined): tf.KernelFunc => (args) => {
    const a = args.attrs as unknown as ConvAttrs
    if (a.dataFormat !== 'NHWC') return own ? own(args) : unsupported('Conv2DBackpropFilter', backendName, a)
    const strides: [number, number] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides
    return tf.tidy(() => filterGradViaConv(tensorOf(args.inputs.x as Info) as tf.Tensor4D, tensorOf(args.inputs.dy as Info) as tf.Tensor4D, a.filterShape, strides, a.pad, a.dimRoundingMode))
  }
  const inputGrad = (own: tf.KernelFunc | undefined): tf.KernelFunc => (args) => {
    const a = args.attrs as unknown as ConvAttrs
    const filter = args.inputs.filter as Info
    const pads = a.dataFormat === 'NHWC' && isOne(a.strides) ? inputGradPads(filter.shape, a.inputShape, a.pad, a.dimRoundingMode) : null
    if (!pads) return own ? own(args) : unsupported('Conv2DBackpropInput', backendName, a)
    return tf.tidy(() => {
      const wf = tf.transpose(tf.reverse(tensorOf(filter), [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D
      return tf.conv2d(tensorOf(args.inputs.dy as Info) as tf.Tensor4D, wf, 1, pads)
    })
  }
  if (registerOne('Conv2DBackpropFilter', backendName, filterGrad)) done.push('Conv2DBackpropFilter')
  if (registerOne('Conv2DBackpropInput', backendName, inputGrad)) done.push('Conv2DBackpropInput')
  // embedding (gather) gradients: only where the backend has no kernel of its own
  if (!tf.getKernel('UnsortedSegmentSum', backendName) && registerOne('UnsortedSegmentSum', backendName, () => unsortedSegmentSum)) done.push('UnsortedSegmentSum')
  return done
}

interface RawBackend {
  readSync(dataId: object): ArrayLike<number>
  makeOutput?(shape: number[], dtype: string, memoryOffset: null, values: ArrayLike<number>): Info
  makeTensorInfo(shape: number[], dtype: string, values: ArrayLike<number>): Info
}

/**
 * out[s, …] = Σ x[i, …] over rows i with segmentIds[i] = s (ids outside [0, numSegments) are dropped, as in
 * TensorFlow). One pass in JavaScript: O(x.size), no one-hot matrix.
 */
const unsortedSegmentSum: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const x = inputs.x as Info
  const ids = inputs.segmentIds as Info
  const numSegments = (attrs as unknown as { numSegments: number }).numSegments
  const b = backend as unknown as RawBackend
  const xv = b.readSync(x.dataId)
  const iv = b.readSync(ids.dataId)
  const rows = ids.shape.reduce((a, d) => a * d, 1)
  const width = rows === 0 ? 0 : xv.length / rows
  const shape = [numSegments, ...x.shape.slice(ids.shape.length)]
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * width) : new Float32Array(numSegments * width)
  for (let r = 0; r < rows; r++) {
    const s = iv[r]
    if (s < 0 || s >= numSegments) continue
    const o = s * width, a = r * width
    for (let k = 0; k < width; k++) out[o + k] += xv[a + k]
  }
  return b.makeOutput ? b.makeOutput(shape, x.dtype, null, out) : b.makeTensorInfo(shape, x.dtype, out)
}
