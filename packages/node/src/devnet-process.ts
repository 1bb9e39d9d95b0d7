/**
 * Runs the embedded devnet in a process of its own for `tensormesh demo` (and the end-to-end test): the parent gets
 * the endpoint over IPC, asks for the head, funds accounts, and stops it. Keeping Chopsticks out of the parent means
 * its wasm worker and sqlite handles can never keep the demo (or a test runner) alive.
 */
import { startDevnetPort } from './adapters.ts'

interface Msg { type: 'start', dataDir: string, accounts: Array<{ address: string, free: string }>, blockTimeMs: number }

if (import.meta.main && typeof process.send === 'function') {
  process.once('message', (m: Msg) => {
    void (async () => {
      try {
        const d = await startDevnetPort({ dataDir: m.dataDir, accounts: m.accounts.map((a) => ({ address: a.address, free: BigInt(a.free) })), blockTimeMs: m.blockTimeMs })
        const heads = setInterval(() => { process.send?.({ type: 'head', head: d.head() }) }, 250)
        process.send!({ type: 'ready', endpoint: d.endpoint, head: d.head() })
        process.on('message', (x: { type?: string }) => {
          if (x.type !== 'stop') return
          clearInterval(heads)
          // Chopsticks' close can hang on a busy database: give it 8 s, then leave anyway (the db is saved per block).
          const t = setTimeout(() => { process.exit(0) }, 8000)
          void d.stop().finally(() => { clearTimeout(t); process.exit(0) })
        })
        process.on('disconnect', () => { process.exit(0) })
      } catch (e) {
        process.send!({ type: 'error', message: e instanceof Error ? e.message : String(e) })
        process.exit(1)
      }
    })()
  })
}
