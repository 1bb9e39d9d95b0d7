/** Line charts with uPlot (canvas; styles set through the CSSOM, which a strict CSP allows). */
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

const COLOURS = ['#4f8ef7', '#f0a23b', '#3bbf7a', '#d9534f', '#9b6bd6', '#2bb3c0', '#c7b23a', '#e36fb0', '#7f8c8d', '#5dade2']

export interface Series { label: string, points: Array<[number, number]> }

/** Aligns series on the union of their x values (uPlot wants one shared x axis). */
export function align (series: Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b)
  const cols = series.map((s) => {
    const byX = new Map(s.points)
    return xs.map((x) => byX.get(x) ?? null)
  })
  return [xs, ...cols] as uPlot.AlignedData
}

/** Draws (or redraws) a chart into `el`; returns the instance so callers can destroy it. */
export function lineChart (el: HTMLElement, title: string, xLabel: string, series: Series[], prev: uPlot | null): uPlot | null {
  prev?.destroy()
  if (series.length === 0 || series.every((s) => s.points.length === 0)) return null
  const width = Math.max(280, Math.min(el.clientWidth || 640, 900))
  return new uPlot({
    title,
    width,
    height: 200,
    scales: { x: { time: false } },
    axes: [{ label: xLabel }, {}],
    series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true, points: { show: true, size: 4 } }))],
  }, align(series), el)
}
