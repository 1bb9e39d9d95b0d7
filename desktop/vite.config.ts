// Vite builds the renderer into dist/renderer. Run it through npm (`npm run build -w desktop`) so it runs on Node 24.
import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

export default defineConfig({
  root: fileURLToPath(new URL('./src/renderer', import.meta.url)),
  // Relative asset URLs: the same build loads from app://renderer/ in the app and from http://127.0.0.1 in a browser.
  base: './',
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or data: URLs for assets: everything is a file under 'self' (strict CSP).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  logLevel: 'warn',
})
