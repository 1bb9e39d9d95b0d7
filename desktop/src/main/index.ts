/** Electron main entry (bundled by esbuild to dist/main/main.cjs). */
import { join } from 'node:path'
import { electronAdapter } from './electron-adapter.ts'
import { startApp } from './app.ts'
import { workerRunner } from '../host/wallet-ops.ts'

// In the CommonJS bundle __dirname is dist/main; the renderer is dist/renderer.
const here = __dirname
void startApp(electronAdapter(), {
  paths: { rendererDir: join(here, '..', 'renderer'), preload: join(here, '..', 'preload', 'preload.cjs'), nodeEntry: join(here, 'node-entry.mjs') },
  wallets: workerRunner(join(here, 'wallet-worker.mjs')),
}).catch((e: unknown) => { console.error('TensorMesh failed to start:', e); process.exit(1) })
