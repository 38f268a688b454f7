#!/usr/bin/env node
'use strict'
// Runs the benchmark and writes results.md, results.json and results.svg (to --out, default this
// folder), printing the Markdown report. Options (each also as an environment variable):
//   --n=10000        BENCH_N        jobs per run
//   --runs=3         BENCH_RUNS     runs per system and scenario (the median is reported)
//   --resolution=1   BENCH_RES      event-loop delay sampling resolution, ms
//   --systems=a,b    BENCH_SYSTEMS  ids from systems/ (default: all)
//   --scenarios=...  BENCH_SCEN     of addBurst,addSerial,drain,multi (default: all)
//   --scale          BENCH_SCALE=1  also run the 1,000,000-job scenario (several minutes);
//                                   without it, the last scale numbers in the output's
//                                   results.json are kept
//   --scale-n=1e6    BENCH_SCALE_N
//   --out=DIR        BENCH_OUT      e.g. --out=.data/quick for a quick run that leaves the
//                                   committed results alone
// BENCH_BATCH sets our batchSize (default 10, as node-persistent-queue's).
const fs = require('node:fs')
const path = require('node:path')
const { fork } = require('node:child_process')
const { useBenchAddon } = require('./addon')
useBenchAddon()
const { systems } = require('./systems')
const { fsyncProbe, machine } = require('./probes')
const { runMultiProcess } = require('./multiproc')
const { runScale } = require('./scale')
const { markdown, chartSpec } = require('./report')
const { barChart } = require('./chart')
const { median } = require('./util')

function options() {
  const args = Object.fromEntries(
    process.argv.slice(2).map((a) => {
      const [k, v] = a.replace(/^--/, '').split('=')
      return [k, v ?? 'true']
    }),
  )
  const pick = (arg, env, dflt) => args[arg] ?? process.env[env] ?? dflt
  const list = (v) => (v ? String(v).split(',') : null)
  const n = Number(pick('n', 'BENCH_N', 10000))
  return {
    n,
    runs: Number(pick('runs', 'BENCH_RUNS', 3)),
    resolution: Number(pick('resolution', 'BENCH_RES', 1)),
    warmup: Math.min(n, 1000),
    batch: Number(process.env.BENCH_BATCH) || 10,
    systems: list(pick('systems', 'BENCH_SYSTEMS')),
    scenarios: list(pick('scenarios', 'BENCH_SCEN')) ?? ['addBurst', 'addSerial', 'drain', 'multi'],
    scale: pick('scale', 'BENCH_SCALE', 'false') !== 'false' && pick('scale', 'BENCH_SCALE') !== '0',
    scaleN: Number(pick('scale-n', 'BENCH_SCALE_N', 1e6)),
    out: path.resolve(__dirname, pick('out', 'BENCH_OUT', '.')),
  }
}

const log = (msg) => process.stderr.write(`${msg}\n`)

/** Runs one scenario of one system in a child process; resolves `{runs, median}` or `{error}`. */
function measure(system, scenario, opts) {
  const job = { system, scenario, n: opts.n, runs: opts.runs, resolution: opts.resolution, warmup: opts.warmup }
  return new Promise((resolve) => {
    const child = fork(path.join(__dirname, 'measure.js'), [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30 * 60 * 1000)
    let reply = null
    child.on('message', (msg) => (reply = msg))
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (reply?.results) resolve(summarize(reply.results))
      else resolve({ error: reply?.error ?? `child exited with ${signal ?? code}` })
    })
  })
}

/** Median of each numeric field, except violation counts, which keep the worst run. */
function summarize(runs) {
  const worst = new Set(['duplicates', 'missing', 'outOfOrder', 'errors'])
  const med = {}
  for (const key of Object.keys(runs[0])) {
    const values = runs.map((r) => r[key])
    if (typeof values[0] !== 'number') continue
    med[key] = worst.has(key) ? Math.max(...values) : median(values)
  }
  return { runs, median: med }
}

async function main() {
  const opts = options()
  const command = `node run.js${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`
  const res = {
    generatedAt: new Date().toISOString(),
    command,
    machine: machine(),
    config: { n: opts.n, runs: opts.runs, resolution: opts.resolution, warmup: opts.warmup, batch: opts.batch },
    fsync: fsyncProbe(),
    systems: [],
    multiProcess: null,
    scale: null,
  }
  log(`fsync median ${Math.round(res.fsync.medianUs)} µs`)
  if (res.machine.addon?.debug) log('warning: the addon at the repository root is a debug build (npm run build makes a release one)')
  for (const s of systems.filter((s) => !opts.systems || opts.systems.includes(s.id))) {
    const entry = { id: s.id, label: s.label, durability: s.durability, scenarios: {} }
    for (const scenario of s.scenarios.filter((k) => opts.scenarios.includes(k))) {
      log(`${s.id} ${scenario} ...`)
      const r = await measure(s.id, scenario, opts)
      entry.scenarios[scenario] = r
      log(
        r.error
          ? `  failed: ${r.error.split('\n')[0]}`
          : `  ${Math.round(r.median.rate)} jobs/s, p99 loop ${r.median.loopP99.toFixed(1)} ms`,
      )
    }
    res.systems.push(entry)
  }
  if (opts.scenarios.includes('multi')) {
    log('multi-process ...')
    const config = { n: opts.n, inflight: 50, batch: opts.batch, durability: 'full' }
    try {
      const runs = []
      for (let i = 0; i < opts.runs; i++) runs.push(await runMultiProcess(config))
      res.multiProcess = { config, ...summarize(runs) }
      log(`  ${Math.round(res.multiProcess.median.rate)} jobs/s`)
    } catch (err) {
      res.multiProcess = { config, error: err.stack || String(err) }
    }
  }
  const jsonPath = path.join(opts.out, 'results.json')
  if (opts.scale) {
    try {
      res.scale = { ...(await runScale({ n: opts.scaleN, batch: opts.batch, log })), at: res.generatedAt, command }
    } catch (err) {
      res.scale = { error: err.stack || String(err), at: res.generatedAt, command }
    }
  } else if (fs.existsSync(jsonPath)) {
    res.scale = JSON.parse(fs.readFileSync(jsonPath, 'utf8')).scale ?? null
  }
  fs.mkdirSync(opts.out, { recursive: true })
  const md = markdown(res)
  fs.writeFileSync(jsonPath, `${JSON.stringify(res, null, 1)}\n`)
  fs.writeFileSync(path.join(opts.out, 'results.md'), md)
  fs.writeFileSync(path.join(opts.out, 'results.svg'), barChart(chartSpec(res)))
  process.stdout.write(md)
  log(`wrote ${path.relative(process.cwd(), opts.out) || '.'}/results.{md,json,svg}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
