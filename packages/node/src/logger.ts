/**
 * Structured logger: one JSON object per line (or a short human line on a TTY), levels, child loggers per module.
 * Fields whose name looks secret (password, mnemonic, seed, secret, token, privateKey) are redacted before output.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface LogRecord {
  time: string
  level: Exclude<LogLevel, 'silent'>
  module: string
  msg: string
  [field: string]: unknown
}

export type LogSink = (record: LogRecord) => void

export interface Logger {
  debug (msg: string, fields?: Record<string, unknown>): void
  info (msg: string, fields?: Record<string, unknown>): void
  warn (msg: string, fields?: Record<string, unknown>): void
  error (msg: string, fields?: Record<string, unknown>): void
  child (module: string): Logger
  readonly level: LogLevel
}

const SECRET = /pass(word|phrase)?|mnemonic|seed|secret|token|private.?key|uri/i

/** Replaces values of secret-looking keys (at any depth) with '[redacted]'. */
export function redact (value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = SECRET.test(k) ? '[redacted]' : redact(v, depth + 1)
  return out
}

export function isLogLevel (x: unknown): x is LogLevel {
  return typeof x === 'string' && x in ORDER
}

/** A log record as the API's `log` event: level, module, message, time, and the other (already redacted) fields. */
export function logEventOf (r: LogRecord): { level: string, module: string, msg: string, time: string, fields?: Record<string, unknown> } {
  const { time, level, module, msg, ...rest } = r
  // Redact again: a sink may receive records not built by createLogger.
  const fields = redact(rest) as Record<string, unknown>
  return { level, module, msg, time, ...(Object.keys(fields).length > 0 ? { fields } : {}) }
}

/** A JSON-lines sink to a stream (stderr by default). */
export function streamSink (stream: NodeJS.WritableStream = process.stderr): LogSink {
  return (r) => { stream.write(JSON.stringify(r, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v) + '\n') }
}

export function createLogger (opts: { level?: LogLevel, module?: string, sinks?: LogSink[] } = {}): Logger {
  const level = opts.level ?? 'info'
  const sinks = opts.sinks ?? [streamSink()]
  const make = (module: string): Logger => {
    const emit = (l: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void => {
      if (ORDER[l] < ORDER[level]) return
      const rec: LogRecord = { ...(redact(fields) as Record<string, unknown>), time: new Date().toISOString(), level: l, module, msg }
      for (const s of sinks) {
        try { s(rec) } catch { /* a broken sink must not stop the peer */ }
      }
    }
    return {
      level,
      debug: (m, f) => { emit('debug', m, f) },
      info: (m, f) => { emit('info', m, f) },
      warn: (m, f) => { emit('warn', m, f) },
      error: (m, f) => { emit('error', m, f) },
      child: (sub) => make(module === '' ? sub : `${module}:${sub}`),
    }
  }
  return make(opts.module ?? 'node')
}
