'use strict'
// The worker-API part of the report (worker-scenarios.js, scale-process.js, and the targets of
// multiproc.js with process() consumers): its Markdown tables, its targets and its chart panels.
// report.js assembles.
const { CONCURRENCY, RETRY } = require('./worker-scenarios')

const int = (v) => (v == null ? 'n/a' : Math.round(v).toLocaleString('en-US'))
const ms = (v) => (v == null ? 'n/a' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'))
const pct = (ratio) => (ratio == null ? 'n/a' : `${ratio >= 1 ? '+' : '−'}${Math.abs((ratio - 1) * 100).toFixed(1)}%`)
const table = (head, rows) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')

/** How each system's worker runs `concurrency` jobs at once. */
const HOW = {
  'ours-full': `process(handler, { concurrency: ${CONCURRENCY} })`,
  plainjob: `${CONCURRENCY} defineWorker() loops on one queue (no concurrency option)`,
  'bullmq-always': `new Worker(handler, { concurrency: ${CONCURRENCY} })`,
  'bullmq-everysec': `new Worker(handler, { concurrency: ${CONCURRENCY} })`,
}

const withScenario = (res, key) => res.systems.filter((s) => s.scenarios[key])
const failedCell = (r) => (r.error ? `failed: \`${r.error.split('\n')[0].slice(0, 120)}\`` : null)
const violations = (m) => `${m.duplicates} / ${m.missing} / ${m.outOfOrder}`

function processTable(res) {
  const rows = withScenario(res, 'process').map((s) => {
    const r = s.scenarios.process
    const m = r.median
    const f = failedCell(r)
    return [
      s.label,
      s.durability,
      HOW[s.id] ?? '',
      f ?? int(m.rate),
      f ? '' : ms(m.loopP99),
      f ? '' : ms(m.loopMax),
      f ? '' : violations(m),
    ]
  })
  if (rows.length === 0) return '_Not run._'
  return table(['system', 'durability', 'worker', 'jobs/s', 'p99 loop (ms)', 'max loop (ms)', 'dup / missing / out of order'], rows)
}

function delayedTable(res) {
  const rows = withScenario(res, 'processDelayed').map((s) => {
    const r = s.scenarios.processDelayed
    const m = r.median
    const f = failedCell(r)
    if (f) return [s.label, f, '', '', '', '']
    return [s.label, int(m.baseRate), `${int(m.rate)} (${int(m.delayed)} delayed)`, pct(m.ratio), ms(m.loopP99), `${m.early}`]
  })
  if (rows.length === 0) return '_Not run._'
  return table(
    [
      'system',
      'no delayed jobs (jobs/s)',
      'with delayed jobs (jobs/s)',
      'change (median of paired runs)',
      'p99 loop (ms)',
      'delayed jobs delivered early',
    ],
    rows,
  )
}

function failingTable(res) {
  const rows = withScenario(res, 'processFailing').map((s) => {
    const r = s.scenarios.processFailing
    const m = r.median
    const f = failedCell(r)
    if (f) return [s.label, f, '', '', '', '', '']
    return [
      s.label,
      int(m.baseRate),
      int(m.healthyRate),
      pct(m.ratio),
      int(m.rate),
      `${int(m.dead)} / ${int(m.retries)} / ${int(m.failDeliveries)}`,
      `${m.duplicates} / ${m.missing}`,
    ]
  })
  if (rows.length === 0) return '_Not run._'
  return table(
    [
      'system',
      '0% failing (jobs/s)',
      '10% failing: healthy jobs/s',
      'change (median of paired runs)',
      '10% failing: all settled (jobs/s)',
      'dead letters / retries / failing deliveries',
      'healthy: dup / missing',
    ],
    rows,
  )
}

function scaleProcessTable(sc) {
  if (!sc) return '_Not run yet: `node run.js --scale` (or `--scale=process`)._'
  if (sc.error) return `Failed: \`${sc.error.split('\n')[0]}\``
  const rows = [
    ['jobs', int(sc.n)],
    [
      `process(), concurrency ${sc.concurrency}, no-op handler, batchSize ${sc.batch}`,
      `${int(sc.drainRate)} jobs/s (${(sc.drainMs / 1000).toFixed(1)} s)`,
    ],
    ['rate, first 5% of acks → last 5%', `${int(sc.claimRateStart)} → ${int(sc.claimRateEnd)} jobs/s`],
    ['RSS after open() → peak sampled every 100 ms', `${sc.rssBeforeMB.toFixed(0)} MB → ${sc.rssPeakMB.toFixed(0)} MB`],
    ['peak RSS of the draining process (getrusage maxrss)', `${sc.maxRssMB.toFixed(0)} MB`],
    [
      'delivered / dup / missing / out of order / errors',
      `${sc.delivered} / ${sc.duplicates} / ${sc.missing} / ${sc.outOfOrder} / ${sc.errors}`,
    ],
  ]
  const when = sc.at ? `\n\nMeasured ${sc.at} with \`${sc.command}\`.` : ''
  return table(['metric', 'value'], rows) + when
}

function workerSection(res) {
  const retry = `maxAttempts ${RETRY.maxAttempts}, fixed backoff ${RETRY.backoffMs} ms`
  return [
    `## Worker API: no-op handler, concurrency ${CONCURRENCY}`,
    '',
    `${res.config.n.toLocaleString('en-US')} queued jobs, the file reopened, then timed from the worker's start to the commit of the last settle (each system's completed/failed event). Redis runs in its own process on the same 2 cores.`,
    '',
    processTable(res),
    '',
    `### With ${(10 * res.config.n).toLocaleString('en-US')} jobs delayed by an hour`,
    '',
    'The delayed jobs are added first, then the ready ones; each run also runs the same without them, in alternating order, and the change is the median of those paired ratios.',
    '',
    delayedTable(res),
    '',
    '### 10% of jobs failing',
    '',
    `The handler throws for every job whose seq ends in 9, ${retry} (BullMQ: attempts ${RETRY.maxAttempts}, fixed backoff ${RETRY.backoffMs} ms), so those become dead letters after ${RETRY.maxAttempts} attempts; each run also runs 0% failing with the same settings. Healthy jobs/s: the 90% that succeed over the time to the last of their acks. plainjob has no retries and is left out.`,
    '',
    failingTable(res),
  ].join('\n')
}

/** The worker-API targets, as `[name, value, ok]`. */
function workerTargets(res) {
  const get = (id, key) => res.systems.find((s) => s.id === id)?.scenarios[key]?.median
  const out = []
  const p = get('ours-full', 'process')
  if (p) {
    out.push([`process() ≥ 50,000 jobs/s (concurrency ${CONCURRENCY}, no-op)`, int(p.rate), p.rate >= 50000])
    out.push([`process(): p99 loop delay ≤ 5 ms`, `${ms(p.loopP99)} ms`, p.loopP99 <= 5])
    const pjw = get('plainjob', 'process')
    const pjd = get('plainjob', 'drain')
    const best = Math.max(pjw?.rate ?? 0, pjd?.rate ?? 0)
    if (best > 0) {
      const detail = `${int(p.rate)} vs plainjob ${int(pjw?.rate)} (${CONCURRENCY} workers) / ${int(pjd?.rate)} (1 worker, drain): ${(p.rate / best).toFixed(1)}× the faster`
      out.push(['process() ≥ 4× plainjob’s worker', detail, p.rate >= 4 * best])
    }
  }
  const mw = res.multiWorker
  if (mw && !mw.error) {
    const m = mw.median
    out.push(['4 processes with process() ≥ 20,000 jobs/s total', int(m.rate), m.rate >= 20000])
    out.push([
      '4 processes with process(): zero errors, exactly once',
      `${m.errors} errors, ${m.duplicates} dup, ${m.missing} missing`,
      m.errors === 0 && m.duplicates === 0 && m.missing === 0,
    ])
  }
  const d = get('ours-full', 'processDelayed')
  if (d) {
    const v = `${int(d.baseRate)} → ${int(d.rate)} jobs/s (${pct(d.ratio)})`
    out.push([`${int(d.delayed)} delayed jobs slow process() by < 20%`, v, d.ratio > 0.8 && d.early === 0])
  }
  const f = get('ours-full', 'processFailing')
  if (f) {
    const v = `${int(f.baseRate)} → ${int(f.healthyRate)} healthy jobs/s (${pct(f.ratio)})`
    out.push(['10% failing jobs cost the healthy ones < 20%', v, f.ratio > 0.8])
  }
  const sc = res.scaleProcess
  if (sc && !sc.error) {
    const peak = Math.max(sc.maxRssMB, sc.rssPeakMB)
    out.push(['1M jobs with process(): peak RSS < 150 MB', `${peak.toFixed(0)} MB (getrusage maxrss)`, peak < 150])
    out.push([
      '1M jobs with process(): exactly once',
      `${sc.duplicates} dup, ${sc.missing} missing`,
      sc.duplicates === 0 && sc.missing === 0,
    ])
  }
  return out
}

/** Chart panels (null when not run): `process`, each system's worker; `multi`, the 4 processes with process() consumers. */
function workerPanels(res) {
  const panels = { process: null, multi: null }
  const bars = res.systems
    .map((s, i) => ({ label: s.label, value: s.scenarios.process?.median?.rate ?? null, color: i, has: Boolean(s.scenarios.process) }))
    .filter((b) => b.has)
  if (bars.length > 0) panels.process = { title: `worker, no-op handler, concurrency ${CONCURRENCY}`, bars }
  if (res.multiWorker?.median) {
    panels.multi = {
      title: '4 processes, one file (2 producers + 2 process() consumers, concurrency 16)',
      bars: [{ label: 'sqlite-persistent-queue (full)', value: res.multiWorker.median.rate, color: 0 }],
    }
  }
  return panels
}

module.exports = { workerSection, scaleProcessTable, workerTargets, workerPanels }
