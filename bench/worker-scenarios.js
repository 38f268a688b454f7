'use strict'
// Scenarios of the worker APIs, for adapters with work() (our process(), BullMQ's Worker,
// plainjob's defineWorker). Each worker run fills a fresh file with n jobs (untimed), reopens it
// and times a handler run with concurrency 32 from the worker's start to the commit of the last
// settle (the system's completed/failed event), sampling the event-loop delay meanwhile.
//   process:        a no-op handler on n jobs
//   processDelayed: the same, with 10·n jobs (100,000 at the default n) added first with
//                   { delay: 3600000 }; each run also runs `process` on its own file and reports
//                   both, so that the slowdown is a paired ratio (which goes first alternates)
//   processFailing: the handler throws for every job whose seq ends in 9 (10%), maxAttempts 3,
//                   fixed backoff 1 ms, so those become dead letters after 3 attempts; each run
//                   also runs 0% failing with the same settings. Healthy rate: the healthy jobs
//                   over the time to the last healthy ack.
const { performance } = require('node:perf_hooks')
const { makeJobs, tempDb, checkDelivery } = require('./util')
const { timed } = require('./scenarios')

const CONCURRENCY = 32
const DELAY_MS = 3600000
const RETRY = { maxAttempts: 3, backoffMs: 1 }
/** A run that settles nothing for this long fails instead of hanging. */
const STALL_MS = 60000

const failsTenth = (seq) => seq % 10 === 9

/** Runs the worker until acks + dead letters reach n; resolves the counts and times. */
function runWorker(adapter, q, { n, failing }) {
  const c = { seqs: [], acked: 0, dead: 0, retries: 0, failDeliveries: 0, early: 0, errors: 0, lastHealthyAck: 0 }
  let w
  const settledAll = new Promise((resolve, reject) => {
    let seen = -1
    const stall = setInterval(() => {
      if (c.acked + c.dead === seen) {
        clearInterval(stall)
        reject(new Error(`stalled at ${c.acked} acked + ${c.dead} dead of ${n}`))
      }
      seen = c.acked + c.dead
    }, STALL_MS)
    const check = () => c.acked + c.dead >= n && (clearInterval(stall), resolve())
    w = adapter.work(q, {
      concurrency: CONCURRENCY,
      handler: (job) => {
        // A delayed job (producer 1) delivered an hour early.
        if (job.producer !== 0) c.early++
        else if (failing(job.seq)) {
          c.failDeliveries++
          throw new Error(`job ${job.seq} fails on purpose`)
        } else c.seqs.push(job.seq)
      },
      onAck: () => {
        c.acked++
        c.lastHealthyAck = performance.now()
        check()
      },
      onDead: () => {
        c.dead++
        check()
      },
      onRetry: () => c.retries++,
      onError: () => c.errors++,
    })
  })
  return { settledAll, counts: c, stop: () => w.stop() }
}

/** One worker run on a fresh file with `delayed` delayed jobs added before the n ready ones. */
async function workerRun(adapter, { n, resolution, delayed = 0, failing = () => false, settings }) {
  const tmp = tempDb()
  try {
    const filler = await adapter.open(tmp.file, settings)
    if (delayed > 0) await adapter.fill(filler, makeJobs(delayed, 1), { delay: DELAY_MS })
    await adapter.fill(filler, makeJobs(n))
    await adapter.close(filler)
    const q = await adapter.open(tmp.file, settings)
    let run, t0
    const t = await timed(resolution, () => {
      t0 = performance.now()
      run = runWorker(adapter, q, { n, failing })
      return run.settledAll
    })
    await run.stop()
    await adapter.close(q)
    const c = run.counts
    let failingJobs = 0
    for (let s = 0; s < n; s++) if (failing(s)) failingJobs++
    const d = checkDelivery(c.seqs, n)
    return {
      ...t,
      rate: (n / t.ms) * 1000,
      healthyRate: ((n - failingJobs) / (c.lastHealthyAck - t0)) * 1000,
      ...d,
      missing: d.missing - failingJobs,
      acked: c.acked,
      dead: c.dead,
      retries: c.retries,
      failDeliveries: c.failDeliveries,
      early: c.early,
      errors: c.errors,
    }
  } finally {
    tmp.remove()
  }
}

const processJobs = (adapter, { n, resolution }) => workerRun(adapter, { n, resolution })

/** Runs `base` and `variant` in an order that alternates with the run number. */
async function paired(run, base, variant) {
  if (run % 2 === 1) {
    const v = await variant()
    return [await base(), v]
  }
  const b = await base()
  return [b, await variant()]
}

async function processDelayed(adapter, { n, resolution, run = 0 }) {
  const [base, d] = await paired(
    run,
    () => workerRun(adapter, { n, resolution }),
    () => workerRun(adapter, { n, resolution, delayed: 10 * n }),
  )
  return { ...d, delayed: 10 * n, baseRate: base.rate, baseLoopP99: base.loopP99, ratio: d.rate / base.rate }
}

async function processFailing(adapter, { n, resolution, run = 0 }) {
  const [base, f] = await paired(
    run,
    () => workerRun(adapter, { n, resolution, settings: RETRY }),
    () => workerRun(adapter, { n, resolution, settings: RETRY, failing: failsTenth }),
  )
  return { ...f, baseRate: base.rate, baseLoopP99: base.loopP99, ratio: f.healthyRate / base.rate }
}

module.exports = { process: processJobs, processDelayed, processFailing, CONCURRENCY, RETRY }
