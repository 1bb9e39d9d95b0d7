/** Messages between MeshClient (main thread) and the network worker. */
import type { MeshOptions } from './core.ts'
import type { SerializedMeshError } from './errors.ts'

/** Options that cross into the worker: plain data only (the key travels as protobuf bytes). */
export interface WorkerInit {
  options: Omit<MeshOptions, 'privateKey' | 'connectionGater' | 'gossip'>
  privateKey?: Uint8Array
}

type SerializedError = SerializedMeshError | { name: string, message: string, code?: string }

export type ToWorker =
  | { type: 'call', id: number, method: string, args: unknown[] }
  | { type: 'reply', id: number, result?: unknown, error?: SerializedError }

export type FromWorker =
  | { type: 'result', id: number, result?: unknown, error?: SerializedError }
  | { type: 'event', name: string, detail: unknown }
  | { type: 'callMain', id: number, method: 'isRegistered' | 'query', args: unknown[] }
