'use strict'
// Hand-written SVG bar chart of the results: one panel per scenario, one horizontal bar per
// system, jobs/s on a log-scale axis (values span ~1,000 to ~200,000/s). No dependencies.

const COLORS = ['#1f77b4', '#6baed6', '#d62728', '#ff7f0e', '#9467bd', '#2ca02c', '#7f7f7f', '#bcbd22', '#8c564b', '#e377c2']
const W = 900
const LABEL_W = 330
const VALUE_W = 80
const BAR_H = 16
const GAP = 4
const PANEL_HEAD = 26

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const fmt = (v) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3))

/**
 * @param {{title:string, subtitle:string, panels:Array<{title:string, bars:Array<{label:string, value:number|null, color?:number}>}>}} spec
 * @returns {string} SVG text
 */
function barChart({ title, subtitle, panels }) {
  const values = panels.flatMap((p) => p.bars.map((b) => b.value)).filter((v) => v > 0)
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values))))
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values))))
  const plotX = LABEL_W
  const plotW = W - LABEL_W - VALUE_W - 10
  const x = (v) => plotX + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW
  const out = []
  let y = 50
  for (const panel of panels) {
    out.push(`<text x="10" y="${y + 16}" class="panel">${esc(panel.title)}</text>`)
    y += PANEL_HEAD
    for (const bar of panel.bars) {
      const color = COLORS[bar.color % COLORS.length]
      out.push(`<text x="${plotX - 6}" y="${y + BAR_H - 4}" class="label" text-anchor="end">${esc(bar.label)}</text>`)
      if (bar.value > 0) {
        const w = Math.max(1, x(bar.value) - plotX)
        out.push(`<rect x="${plotX}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}"/>`)
        out.push(`<text x="${(plotX + w + 4).toFixed(1)}" y="${y + BAR_H - 4}" class="value">${fmt(bar.value)}</text>`)
      } else {
        out.push(`<text x="${plotX + 4}" y="${y + BAR_H - 4}" class="value">n/a</text>`)
      }
      y += BAR_H + GAP
    }
    y += 10
  }
  const axisY = y + 4
  const ticks = []
  for (let d = lo; d <= hi; d *= 10) {
    const tx = x(d).toFixed(1)
    ticks.push(`<line x1="${tx}" y1="44" x2="${tx}" y2="${axisY}" class="grid"/>`)
    ticks.push(`<text x="${tx}" y="${axisY + 14}" class="tick" text-anchor="middle">${fmt(d)}</text>`)
  }
  const height = axisY + 40
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>.title{font-size:16px;font-weight:bold}.sub{font-size:11px;fill:#555}.panel{font-size:13px;font-weight:bold}',
    '.label,.value{font-size:11px}.tick{font-size:10px;fill:#555}.grid{stroke:#ddd;stroke-width:1}</style>',
    `<rect width="${W}" height="${height}" fill="white"/>`,
    `<text x="10" y="20" class="title">${esc(title)}</text>`,
    `<text x="10" y="36" class="sub">${esc(subtitle)}</text>`,
    ...ticks,
    ...out,
    `<text x="${plotX + plotW / 2}" y="${axisY + 30}" class="tick" text-anchor="middle">jobs/s (log scale, higher is better)</text>`,
    '</svg>',
    '',
  ].join('\n')
}

module.exports = { barChart }
