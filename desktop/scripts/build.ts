/**
 * `npm run build -w desktop`: Vite builds the renderer (dist/renderer); esbuild bundles the Electron main process
 * (dist/main/main.cjs), the preload (dist/preload/preload.cjs: one CommonJS file whose only require is 'electron'),
 * the node's utility-process entry and the wallet worker (dist/main/*.mjs). Checks the preload's requires.
 */
import { build as viteBuild } from 'vite'
import { build, type Plugin } from 'esbuild'
import { copyFileSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = fileURLToPath(new URL('..', import.meta.url))
const t0 = performance.now()
const only = process.argv[2] // 'renderer' | 'electron' | undefined (both)
const nodeSrc = dirname(fileURLToPath(import.meta.resolve('@tensormesh/node')))

/**
 * packages/node's `spawnDevnet` forks `./devnet-process.ts` next to its own module; inside the bundle that module is
 * dist/main/node-entry.mjs, so the embedded devnet's process is bundled beside it as devnet-process.mjs and the
 * bundled demo.ts points there (the build fails if that line of demo.ts changes).
 */
const devnetProcessPath: Plugin = {
  name: 'devnet-process-path',
  setup (b) {
    b.onLoad({ filter: /[\\/]node[\\/]src[\\/]demo\.ts$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8')
      const from = "new URL('./devnet-process.ts', import.meta.url)"
      if (!src.includes(from)) throw new Error(`${args.path} no longer forks ${from}: update scripts/build.ts`)
      return { contents: src.replace(from, "new URL('./devnet-process.mjs', import.meta.url)"), loader: 'ts' }
    })
  },
}

if (only !== 'electron') await viteBuild({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' })

if (only !== 'renderer') {
  // Native, optional or file-locating packages stay in node_modules (electron-builder ships them).
  const external = ['electron', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm', '@acala-network/chopsticks', 'sqlite3', 'msgpackr-extract', 'classic-level', 'utf-8-validate', 'bufferutil', '@polkadot/*', '@substrate/*']
  await build({
    entryPoints: { main: join(root, 'src/main/index.ts') }, bundle: true, platform: 'node', format: 'cjs', target: 'node22',
    outdir: join(root, 'dist/main'), outExtension: { '.js': '.cjs' }, external, logLevel: 'error', legalComments: 'none',
  })
  await build({
    entryPoints: { 'node-entry': join(root, 'src/main/node-entry.ts'), 'wallet-worker': join(root, 'src/host/wallet-worker.ts'), 'devnet-process': join(nodeSrc, 'devnet-process.ts') },
    plugins: [devnetProcessPath],
    bundle: true, platform: 'node', format: 'esm', target: 'node22', outdir: join(root, 'dist/main'), outExtension: { '.js': '.mjs' }, external,
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: { js: "import { createRequire as __tmCreateRequire } from 'node:module'; const require = __tmCreateRequire(import.meta.url);" },
    logLevel: 'error', legalComments: 'none',
  })
  await build({
    entryPoints: { preload: join(root, 'src/preload/index.ts') }, bundle: true, platform: 'node', format: 'cjs', target: 'node22',
    outdir: join(root, 'dist/preload'), outExtension: { '.js': '.cjs' }, external: ['electron'], logLevel: 'error',
  })
  copyFileSync(join(root, 'build/tray.png'), join(root, 'dist/main/tray.png'))
  const requires = [...readFileSync(join(root, 'dist/preload/preload.cjs'), 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
  if (requires.some((r) => r !== 'electron')) throw new Error(`preload requires more than electron: ${requires.join(', ')}`)
}
console.log(`desktop built in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
