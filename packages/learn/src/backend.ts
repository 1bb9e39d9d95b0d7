/**
 * Backend choice at run time: native TensorFlow with CUDA, native TensorFlow on CPU, WebAssembly (SIMD), plain CPU —
 * the first that works wins. The native packages are optional dependencies loaded by dynamic import: on a machine
 * where they did not install, the failed import is recorded in the {@link doctor} report, not thrown.
 */
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { LearnError } from './errors.ts'
import { registerTrainingKernels } from './kernels.ts'

export type BackendChoice = 'gpu' | 'native' | 'wasm' | 'cpu'
export const BACKEND_ORDER: readonly BackendChoice[] = ['gpu', 'native', 'wasm', 'cpu']

export interface BackendAttempt {
  backend: BackendChoice
  ok: boolean
  /** Why it failed (import error, no CUDA device, init failure). */
  reason?: string
  ms: number
}

export interface DoctorReport {
  /** Backend in use. */
  backend: BackendChoice
  /** tfjs's name for it: 'tensorflow', 'wasm' or 'cpu'. */
  tfBackend: string
  /** Every backend tried, in order, with why it failed. */
  tried: BackendAttempt[]
  /** How the choice was made. */
  selectedBy: 'auto' | 'env' | 'option'
  /** True when kernels run on a GPU. */
  gpu: boolean
  device: string
  threads: number
  simd: boolean
  tfjsVersion: string
  /** Kernels this package registered on the backend (missing or slow ones). */
  kernelsRegistered: string[]
}

export interface InitBackendOptions {
  /** Force one backend (overrides TENSORMESH_BACKEND). 'auto' tries them in order. */
  backend?: BackendChoice | 'auto'
}

let report: DoctorReport | null = null
const kernelsDone = new Map<string, string[]>()

function wasmDir(): string {
  const require = createRequire(import.meta.url)
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep
}

function describe(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e)
  return m.split('\n')[0].slice(0, 300)
}

async function importNative(pkg: string): Promise<void> {
  // a variable specifier keeps bundlers and the type checker from requiring the optional package
  const spec: string = pkg
  await import(spec)
}

function gpuFlag(): boolean {
  const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean; isGPUPackage?: boolean }
  return b.isUsingGpuDevice === true
}

async function tryBackend(choice: BackendChoice): Promise<string> {
  switch (choice) {
    case 'gpu': {
      await importNative('@tensorflow/tfjs-node-gpu')
      if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" failed to initialise')
      if (!gpuFlag()) throw new Error('tfjs-node-gpu loaded but no CUDA device is in use')
      return 'tensorflow'
    }
    case 'native': {
      try {
        await importNative('@tensorflow/tfjs-node')
      } catch (e) {
        // the GPU package registers the same backend; without a GPU it still runs natively on the CPU
        if (!tf.findBackendFactory('tensorflow')) throw e
      }
      if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" failed to initialise')
      return 'tensorflow'
    }
    case 'wasm': {
      setWasmPaths(wasmDir())
      if (!(await tf.setBackend('wasm'))) throw new Error('backend "wasm" failed to initialise')
      return 'wasm'
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" failed to initialise')
      return 'cpu'
    }
  }
}

function parseChoice(value: string, source: string): BackendChoice | 'auto' {
  if (value === 'auto' || (BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendChoice | 'auto'
  throw new LearnError('UNKNOWN_BACKEND', `${source} names an unknown backend "${value}" (gpu|native|wasm|cpu|auto)`, { value, source })
}

/**
 * Chooses and initialises the backend (once per choice; later calls return the cached report). A forced backend
 * that fails throws BACKEND_UNAVAILABLE with the reason; 'auto' falls through to the plain CPU backend.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<DoctorReport> {
  // one initialisation at a time: concurrent callers (node and valuation at start-up) must not race setBackend
  const run = queue.then(() => initBackendNow(options))
  queue = run.catch(() => undefined)
  return run
}

let queue: Promise<unknown> = Promise.resolve()

async function initBackendNow(options: InitBackendOptions): Promise<DoctorReport> {
  const env = process.env.TENSORMESH_BACKEND
  const selectedBy = options.backend !== undefined ? 'option' : env ? 'env' : 'auto'
  const wanted = options.backend !== undefined ? parseChoice(options.backend, 'option') : env ? parseChoice(env, 'TENSORMESH_BACKEND') : 'auto'
  if (report && (wanted === 'auto' ? report.selectedBy === 'auto' : report.backend === wanted)) return report
  const candidates = wanted === 'auto' ? BACKEND_ORDER : [wanted]
  const tried: BackendAttempt[] = []
  for (const choice of candidates) {
    const t0 = performance.now()
    try {
      const tfBackend = await tryBackend(choice)
      tried.push({ backend: choice, ok: true, ms: performance.now() - t0 })
      report = buildReport(choice, tfBackend, tried, selectedBy)
      return report
    } catch (e) {
      tried.push({ backend: choice, ok: false, reason: describe(e), ms: performance.now() - t0 })
    }
  }
  throw new LearnError('BACKEND_UNAVAILABLE', `no backend could start: ${tried.map((t) => `${t.backend}: ${t.reason}`).join('; ')}`, { tried })
}

function buildReport(backend: BackendChoice, tfBackend: string, tried: BackendAttempt[], selectedBy: DoctorReport['selectedBy']): DoctorReport {
  // production mode: skips tfjs's debug checks and its "install tfjs-node" console banner (doctor() says it better)
  tf.enableProdMode()
  if (!kernelsDone.has(tfBackend)) kernelsDone.set(tfBackend, tfBackend === 'tensorflow' ? [] : registerTrainingKernels(tfBackend))
  const gpu = tfBackend === 'tensorflow' && gpuFlag()
  const threads = tfBackend === 'wasm' ? getThreadsCount() : tfBackend === 'cpu' ? 1 : availableParallelism()
  return {
    backend,
    tfBackend,
    tried,
    selectedBy,
    gpu,
    device: gpu ? 'CUDA GPU (native TensorFlow)' : tfBackend === 'tensorflow' ? 'CPU (native TensorFlow)' : tfBackend === 'wasm' ? 'CPU (WebAssembly)' : 'CPU (JavaScript)',
    threads,
    simd: tfBackend === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : false,
    tfjsVersion: tf.version.tfjs,
    kernelsRegistered: kernelsDone.get(tfBackend) ?? [],
  }
}

/** The report of the backend in use; throws NOT_INITIALISED before {@link initBackend}. */
export function doctor(): DoctorReport {
  if (!report) throw new LearnError('NOT_INITIALISED', 'call initBackend() first')
  return report
}

/** Human-readable lines of a report (for `tensormesh doctor`). */
export function formatDoctor(r: DoctorReport): string {
  const lines = [`backend: ${r.backend} (tfjs "${r.tfBackend}", ${r.device}, ${r.threads} thread(s)${r.simd ? ', SIMD' : ''}, tfjs ${r.tfjsVersion})`]
  for (const t of r.tried) lines.push(`  ${t.ok ? 'ok  ' : 'fail'} ${t.backend.padEnd(6)} ${t.ms.toFixed(0)} ms${t.reason ? `  ${t.reason}` : ''}`)
  if (r.kernelsRegistered.length) lines.push(`  kernels registered: ${r.kernelsRegistered.join(', ')}`)
  return lines.join('\n')
}
