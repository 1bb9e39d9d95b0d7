/** A tiny DOM builder: text goes through textContent only (no innerHTML anywhere), so node data cannot inject markup. */
type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>

export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v)
    else if (v === true) el.setAttribute(k, '')
    else el.setAttribute(k, String(v))
  }
  append(el, children)
  return el
}

export function append (el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)
  }
}

export function clear (el: Element): void {
  while (el.firstChild !== null) el.firstChild.remove()
}

export const fmt = {
  num: (v: number | null | undefined, d = 3): string => v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d),
  pct: (v: number | null | undefined, d = 2): string => v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(d)} %`,
  short: (s: string | null | undefined, n = 10): string => s === null || s === undefined || s === '' ? '—' : s.length <= 2 * n + 1 ? s : `${s.slice(0, n)}…${s.slice(-4)}`,
  secs: (v: number): string => v < 120 ? `${v.toFixed(1)} s` : v < 7200 ? `${(v / 60).toFixed(1)} min` : `${(v / 3600).toFixed(2)} h`,
}
