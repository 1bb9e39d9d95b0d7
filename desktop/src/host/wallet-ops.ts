/** Runs wallet operations off the calling thread (see wallet-worker.ts). */
import { Worker } from 'node:worker_threads'
import { DesktopError } from './errors.ts'

export type WalletOp =
  | { kind: 'create', root: string, wallet: string, hotkey: string, password: string }
  | { kind: 'import', root: string, wallet: string, hotkey: string, password: string, coldkeyMnemonic: string, hotkeyMnemonic: string }

export type WalletOpResult =
  | { ok: true, coldkey: string, hotkey: string, coldkeyMnemonic: string | null, hotkeyMnemonic: string | null }
  | { ok: false, code: string, message: string }

export type WalletRunner = (op: WalletOp) => Promise<Extract<WalletOpResult, { ok: true }>>

/** The worker script: the .ts source under Node 24, or the bundled .cjs next to Electron's main bundle. */
export function defaultWorkerPath (): string {
  return new URL('./wallet-worker.ts', import.meta.url).pathname
}

export function workerRunner (workerPath: string = defaultWorkerPath()): WalletRunner {
  return (op) => new Promise((resolve, reject) => {
    const w = new Worker(workerPath, { workerData: op })
    let settled = false
    w.once('message', (r: WalletOpResult) => {
      settled = true
      if (r.ok) resolve(r)
      else reject(new DesktopError(r.code === 'WALLET_EXISTS' ? 'WALLET_EXISTS' : 'WALLET_FAILED', r.message))
    })
    w.once('error', (e) => { if (!settled) { settled = true; reject(new DesktopError('WALLET_FAILED', e.message)) } })
    w.once('exit', (code) => { if (!settled) reject(new DesktopError('WALLET_FAILED', `wallet worker exited with code ${code}`)) })
  })
}
