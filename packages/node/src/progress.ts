/** A one-line, TTY-aware progress indicator (plain lines when output is not a terminal). */
export interface Progress { update (fraction: number | null, text?: string): void, done (text?: string): void }

export function bar (fraction: number, width = 24): string {
  const f = Math.max(0, Math.min(1, fraction))
  const full = Math.round(f * width)
  return '[' + '#'.repeat(full) + '-'.repeat(width - full) + `] ${(f * 100).toFixed(0).padStart(3)}%`
}

export function progress (label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true
  let last = ''
  return {
    update (fraction, text = '') {
      const line = `${label} ${fraction === null ? '…' : bar(fraction)} ${text}`.trimEnd()
      if (tty) stream.write(`\r\x1b[2K${line}`)
      else if (line !== last && (fraction === null || fraction === 1 || text !== '')) stream.write(line + '\n')
      last = line
    },
    done (text = 'done') {
      if (tty) stream.write(`\r\x1b[2K${label} ${text}\n`)
      else stream.write(`${label} ${text}\n`)
    },
  }
}
