/**
 * How the renderer reaches the node: the preload bridge inside the app (`window.tensormesh`), or HTTP + Server-Sent
 * Events on the same origin in a browser (`/api/*` is the node's local API, `/host/*` the desktop host), with the
 * token taken from the URL fragment (`#token=…`), which never reaches a server log or a Referer header.
 */
import type {
  AnchorsResponse, ControlRequest, ControlResponse, HostErrorBody, HostInfo, OnboardRequest, OnboardResponse, PeerEventName,
  PeerEvents, PeerView, RankingsResponse, ShellSettings, StatusResponse, TensorMeshBridge,
} from '../shared/bridge-types.ts'

/** Every event name of the node API (checked against PeerEvents by the compiler). */
const EVENT_FLAGS: Record<PeerEventName, true> = {
  'peer:started': true, backend: true, 'round:start': true, 'model:synced': true, 'train:done': true, 'update:published': true,
  'update:received': true, 'round:scored': true, 'model:aggregated': true, 'round:end': true, 'rankings:local': true,
  'anchor:submitted': true, 'anchor:done': true, 'anchor:failed': true, 'rankings:consensus': true, peers: true,
  contribution: true, log: true, 'state:paused': true, 'state:throttle': true, 'peer:stopped': true,
}
export const EVENT_NAMES = Object.keys(EVENT_FLAGS) as PeerEventName[]

export class ClientError extends Error {
  readonly code: string
  readonly status: number
  constructor (code: string, message: string, status: number) {
    super(message)
    this.name = 'ClientError'
    this.code = code
    this.status = status
  }
}

type Listener = <N extends PeerEventName>(name: N, data: PeerEvents[N]) => void

export interface ConnectionState { connected: boolean, error: string | null }

export class HttpClient implements TensorMeshBridge {
  private readonly token: string
  private readonly api: string
  private readonly host: string
  private source: EventSource | null = null
  /** Id of the last event received: a reopened stream asks the node to replay what came after it. */
  private lastEventId: string | null = null
  private reopen: ReturnType<typeof setTimeout> | null = null
  /** Delay before reopening a closed stream: 1 s, doubling up to 15 s while the node stays away. */
  private retryMs = 1000
  private readonly listeners = new Set<Listener>()
  onConnection: (s: ConnectionState) => void = () => {}

  constructor (token: string, api = '/api', host = '/host') {
    this.token = token
    this.api = api
    this.host = host
  }

  private async call<T> (url: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(url, { ...init, headers: { authorization: `Bearer ${this.token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) }, cache: 'no-store' })
    const body = await res.json().catch(() => null) as unknown
    if (!res.ok) {
      const e = (body as HostErrorBody | null)?.error
      throw new ClientError(e?.code ?? 'HTTP', e?.message ?? `HTTP ${res.status}`, res.status)
    }
    return body as T
  }

  status (): Promise<StatusResponse> { return this.call(`${this.api}/status`) }
  rankings (): Promise<RankingsResponse> { return this.call(`${this.api}/rankings`) }
  anchors (): Promise<AnchorsResponse> { return this.call(`${this.api}/anchors`) }
  peers (): Promise<{ peers: PeerView[] }> { return this.call(`${this.api}/peers`) }
  control (req: ControlRequest): Promise<ControlResponse> { return this.call(`${this.api}/control`, { method: 'POST', body: JSON.stringify(req) }) }
  hostInfo (): Promise<HostInfo> { return this.call(`${this.host}/info`) }
  onboard (req: OnboardRequest): Promise<OnboardResponse> { return this.call(`${this.host}/onboard`, { method: 'POST', body: JSON.stringify(req) }) }
  setSettings (s: Partial<ShellSettings>): Promise<ShellSettings> { return this.call(`${this.host}/settings`, { method: 'POST', body: JSON.stringify(s) }) }

  onEvent (fn: Listener): () => void {
    this.listeners.add(fn)
    if (this.source === null) this.open()
    return () => {
      this.listeners.delete(fn)
      if (this.listeners.size === 0) {
        this.source?.close()
        this.source = null
        if (this.reopen !== null) clearTimeout(this.reopen)
        this.reopen = null
      }
    }
  }

  /**
   * Opens the event stream. A dropped stream is reopened by EventSource itself, which sends `Last-Event-ID`; one it
   * gives up on (CLOSED: the host answered an error while the node restarted) is reopened here after `retryMs` with
   * `?since=<last id>`. Either way the node replays the events missed meanwhile (protocol: packages/node README).
   */
  private open (): void {
    // EventSource cannot set headers: the token travels as ?token= (the node accepts both).
    const since = this.lastEventId === null ? '' : `&since=${encodeURIComponent(this.lastEventId)}`
    const src = new EventSource(`${this.api}/events?token=${encodeURIComponent(this.token)}${since}`)
    this.source = src
    src.addEventListener('open', () => { this.retryMs = 1000; this.onConnection({ connected: true, error: null }) })
    src.addEventListener('error', () => {
      const closed = src.readyState === EventSource.CLOSED
      this.onConnection({ connected: src.readyState === EventSource.OPEN, error: closed ? 'event stream closed; reconnecting…' : 'reconnecting to the node…' })
      if (closed && this.source === src && this.reopen === null) {
        this.reopen = setTimeout(() => {
          this.reopen = null
          if (this.source === src) this.open()
        }, this.retryMs)
        this.retryMs = Math.min(this.retryMs * 2, 15_000)
      }
    })
    for (const name of EVENT_NAMES) {
      src.addEventListener(name, (ev) => {
        const id = (ev as MessageEvent<string>).lastEventId
        if (/^\d+$/.test(id)) this.lastEventId = id
        let data: unknown
        try { data = JSON.parse((ev as MessageEvent<string>).data) } catch { return }
        for (const l of this.listeners) l(name, data as PeerEvents[typeof name])
      })
    }
  }
}

/** The token from `#token=…` (kept out of history afterwards). */
export function tokenFromFragment (hash: string): string | null {
  const p = new URLSearchParams(hash.replace(/^#/, ''))
  const t = p.get('token')
  return t === null || t === '' ? null : t
}
