/**
 * Wallet operations in a worker thread: btcli coldkey encryption stretches the password with Argon2i (512 MiB,
 * opslimit 8: about 16 s on a 2-core machine), which would freeze the Electron main process or the host's server.
 * Receives one request, answers one message, exits.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createWallet, importColdkey, importHotkey } from '@tensormesh/chain'
import type { WalletOp, WalletOpResult } from './wallet-ops.ts'

async function run (op: WalletOp): Promise<WalletOpResult> {
  const ref = { root: op.root, name: op.wallet, hotkey: op.hotkey }
  if (op.kind === 'create') {
    const w = await createWallet({ ...ref, coldkeyPassword: op.password })
    return { ok: true, coldkey: w.coldkey, hotkey: w.hotkey, coldkeyMnemonic: w.coldkeyMnemonic, hotkeyMnemonic: w.hotkeyMnemonic }
  }
  const coldkey = await importColdkey({ ...ref, mnemonic: op.coldkeyMnemonic, password: op.password })
  const hotkey = await importHotkey({ ...ref, mnemonic: op.hotkeyMnemonic })
  return { ok: true, coldkey, hotkey, coldkeyMnemonic: null, hotkeyMnemonic: null }
}

run(workerData as WalletOp).then((r) => { parentPort!.postMessage(r) }, (e: unknown) => {
  parentPort!.postMessage({ ok: false, code: (e as { code?: string }).code ?? 'WALLET_FAILED', message: e instanceof Error ? e.message : String(e) } satisfies WalletOpResult)
})
