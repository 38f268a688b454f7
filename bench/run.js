#!/usr/bin/env node
'use strict'
// Runs the benchmark and writes results.md, results.json and results.svg (to --out, default this
// folder), printing the Markdown report. Options (each also as an environment variable):
//   --n=10000        BENCH_N        jobs per run
//   --runs=3         BENCH_RUNS     runs per system and scenario (the median is reported)
//   --resolution=1   BENCH_RES      event-loop delay sampling resolution, ms
//   --systems=a,b    BENCH_SYSTEMS  ids from systems/ (default: all)
//   --scenarios=...  BENCH_SCEN     of addBurst,addSerial,drain,process,processDelayed,
//                                   processFailing,multi,multiWorker (default: all)
//   --scale          BENCH_SCALE=1  also run the 1,000,000-job scenarios, compat drain and
//                                   process() (several minutes); --scale=compat or
//                                   --scale=process runs one of them; the last numbers of a
//                                   scale scenario not run are kept from the output's results.json
//   --scale-n=1e6    BENCH_SCALE_N
//   --out=DIR        BENCH_OUT      e.g. --out=.data/quick for a quick run that leaves the
//                                   committed results alone
// BENCH_BATCH sets our batchSize (default 10, as node-persistent-queue's). The BullMQ systems get
// a private redis-server per appendfsync setting (redis.js), started here and stopped at the end;
// if one cannot start, its system is skipped with the reason in the report.
const fs = require('node:fs')
const path = require('node:path')
const { fork } = require('node:child_process')
const { useBenchAddon } = require('./addon')
useBenchAddon()
const { systems } = require('./systems')
const { fsyncProbe, machine, codeFingerprint } = require('./probes')
const { runMultiProcess } = require('./multiproc')
const { runScale } = require('./scale')
const { runScaleProcess } = require('./scale-process')
const { startRedisFor } = require('./redis')
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
    scenarios: list(pick('scenarios', 'BENCH_SCEN')) ?? [
      'addBurst',
      'addSerial',
      'drain',
      'process',
      'processDelayed',
      'processFailing',
      'multi',
      'multiWorker',
    ],
    scale: scaleKinds(pick('scale', 'BENCH_SCALE', 'false')),
    scaleN: Number(pick('scale-n', 'BENCH_SCALE_N', 1e6)),
    out: path.resolve(__dirname, pick('out', 'BENCH_OUT', '.')),
  }
}

/** Which 1M-job scenarios to run: --scale (both), --scale=compat, --scale=process. */
function scaleKinds(v) {
  if (v === 'false' || v === '0') return []
  return v === 'compat' || v === 'process' ? [v] : ['compat', 'process']
}

const log = (msg) => process.stderr.write(`${msg}\n`)

/** The measuring child process running now; on SIGINT/SIGTERM it is killed and no other starts. */
let current = null
let stopping = false

/** Runs one scenario of one system in a child process; resolves `{runs, median}` or `{error}`. */
function measure(system, scenario, opts) {
  const job = { system, scenario, n: opts.n, runs: opts.runs, resolution: opts.resolution, warmup: opts.warmup }
  if (stopping) return Promise.resolve({ error: 'stopped' })
  return new Promise((resolve) => {
    const child = (current = fork(path.join(__dirname, 'measure.js'), [JSON.stringify(job)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }))
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
  const worst = new Set(['duplicates', 'missing', 'outOfOrder', 'errors', 'early'])
  const med = {}
  for (const key of Object.keys(runs[0])) {
    const values = runs.map((r) => r[key])
    if (typeof values[0] !== 'number') continue
    med[key] = worst.has(key) ? Math.max(...values) : median(values)
  }
  return { runs, median: med }
}

async function measureSystem(s, opts, redis) {
  const entry = { id: s.id, label: s.label, durability: s.durability, scenarios: {} }
  if (s.redis && redis.errors[s.redis]) {
    entry.skipped = `redis-server (appendfsync ${s.redis}) did not start: ${redis.errors[s.redis]}`
    return entry
  }
  for (const scenario of s.scenarios.filter((k) => opts.scenarios.includes(k))) {
    log(`${s.id} ${scenario} ...`)
    const r = await measure(s.id, scenario, opts)
    entry.scenarios[scenario] = r
    log(
      r.error ? `  failed: ${r.error.split('\n')[0]}` : `  ${Math.round(r.median.rate)} jobs/s, p99 loop ${r.median.loopP99.toFixed(1)} ms`,
    )
  }
  return entry
}

/** One of the 4-process scenarios (multiproc.js), `opts.runs` times; null when not chosen. */
async function multi(name, opts, extra) {
  const key = extra.concurrency ? 'multiWorker' : 'multi'
  if (!opts.scenarios.includes(key)) return null
  log(`${name} ...`)
  const config = { n: opts.n, inflight: 50, batch: opts.batch, durability: 'full', ...extra }
  try {
    const runs = []
    for (let i = 0; i < opts.runs; i++) runs.push(await runMultiProcess(config))
    const r = { config, ...summarize(runs) }
    log(`  ${Math.round(r.median.rate)} jobs/s`)
    return r
  } catch (err) {
    return { config, error: err.stack || String(err) }
  }
}

async function scale(runner, opts, res, command) {
  try {
    return { ...(await runner({ n: opts.scaleN, batch: opts.batch, log })), at: res.generatedAt, command }
  } catch (err) {
    return { error: err.stack || String(err), at: res.generatedAt, command }
  }
}

async function main() {
  const opts = options()
  const code = codeFingerprint()
  const command = `node run.js${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`
  const res = {
    generatedAt: new Date().toISOString(),
    command,
    machine: machine(),
    config: { n: opts.n, runs: opts.runs, resolution: opts.resolution, warmup: opts.warmup, batch: opts.batch },
    fsync: fsyncProbe(),
    redis: null,
    systems: [],
    multiProcess: null,
    multiWorker: null,
    scale: null,
    scaleProcess: null,
  }
  log(`fsync median ${Math.round(res.fsync.medianUs)} µs`)
  if (res.machine.addon?.debug) log('warning: the addon at the repository root is a debug build (npm run build makes a release one)')
  const chosen = systems.filter(
    (s) => (!opts.systems || opts.systems.includes(s.id)) && s.scenarios.some((k) => opts.scenarios.includes(k)),
  )
  const redis = await startRedisFor(chosen, log)
  res.redis = redis.info
  const stopRedis = () => {
    stopping = true
    current?.kill('SIGKILL')
    redis.stop().then(() => process.exit(130))
  }
  process.once('SIGINT', stopRedis).once('SIGTERM', stopRedis)
  try {
    for (const s of chosen) res.systems.push(await measureSystem(s, opts, res.redis))
  } finally {
    await redis.stop()
  }
  // Interrupted: the results written before stay.
  if (stopping) return
  res.multiProcess = await multi('multi-process (compat consumers)', opts, {})
  res.multiWorker = await multi('multi-process (process() consumers)', opts, { concurrency: 16 })
  const jsonPath = path.join(opts.out, 'results.json')
  const previous = fs.existsSync(jsonPath) ? JSON.parse(fs.readFileSync(jsonPath, 'utf8')) : {}
  res.scale = opts.scale.includes('compat') ? await scale(runScale, opts, res, command) : (previous.scale ?? null)
  res.scaleProcess = opts.scale.includes('process') ? await scale(runScaleProcess, opts, res, command) : (previous.scaleProcess ?? null)
  res.machine.codeChangedDuringRun = codeFingerprint() !== code
  if (res.machine.codeChangedDuringRun) log('warning: index.js, binding.js or lib/ changed during the run: rows measured different code')
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
