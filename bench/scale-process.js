'use strict'
// Scenario 5 with the worker API, ours only, opt-in (--scale): a file of `n` (1,000,000) queued
// jobs, filled by scale.js's fill phase in a child process, then drained in another child by
// process() with concurrency 32 and a no-op handler. Reports jobs/s (first start to the n-th
// `completed`), the rate over the first and last 5% of the acks, RSS (sampled every 100 ms, and
// the kernel's high-water mark getrusage maxrss of the draining process, open() included) and
// checks exactly-once delivery.
const path = require('node:path')
const { performance } = require('node:perf_hooks')
const { tempDb, fileBytes, forkPhase, phaseEntry } = require('./util')

async function processDrain({ file, n, batch, concurrency }) {
  const Queue = require('..')
  const q = new Queue(file, batch)
  await q.open()
  const bytesBefore = fileBytes(file)
  const rssBefore = process.memoryUsage().rss
  let rssPeak = rssBefore
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  }, 100)
  const window = Math.max(1, Math.floor(n / 20))
  const seen = new Uint8Array(n)
  const c = { delivered: 0, duplicates: 0, outOfOrder: 0, acked: 0, errors: 0, lastSeq: -1 }
  const t0 = performance.now()
  const marks = [t0] // performance.now() at every `window` acks
  await new Promise((resolve, reject) => {
    q.on('error', () => c.errors++)
    q.on('failed', (task, err) => reject(err))
    q.on('completed', () => {
      if (++c.acked % window === 0) marks.push(performance.now())
      if (c.acked === n) resolve()
    })
    const handler = (job) => {
      c.delivered++
      if (seen[job.seq]) c.duplicates++
      seen[job.seq] = 1
      if (job.seq < c.lastSeq) c.outOfOrder++
      c.lastSeq = job.seq
    }
    q.process(handler, { concurrency })
  })
  const ms = performance.now() - t0
  clearInterval(sampler)
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  const maxRssMB = process.resourceUsage().maxRSS / 1024
  await q.close()
  const rates = marks.slice(1).map((t, i) => (window / (t - marks[i])) * 1000)
  return {
    drainMs: ms,
    drainRate: (n / ms) * 1000,
    claimRateStart: rates[0],
    claimRateEnd: rates[rates.length - 1],
    rateWindows: rates,
    rssBeforeMB: rssBefore / 2 ** 20,
    rssPeakMB: rssPeak / 2 ** 20,
    maxRssMB,
    bytesBefore,
    bytesAfterClose: fileBytes(file),
    delivered: c.delivered,
    duplicates: c.duplicates,
    missing: n - seen.reduce((a, b) => a + b, 0),
    outOfOrder: c.outOfOrder,
    errors: c.errors,
  }
}

/** Fills a file with `n` jobs and drains it with process(); `log` reports progress. */
async function runScaleProcess({ n = 1e6, batch = 10, concurrency = 32, log = () => {} }) {
  const tmp = tempDb()
  try {
    log(`scale (process): filling ${n} jobs`)
    const filled = await forkPhase(path.join(__dirname, 'scale.js'), 'fill', { file: tmp.file, n })
    log(`scale (process): filled in ${(filled.fillMs / 1000).toFixed(1)} s; process() with concurrency ${concurrency}`)
    const drained = await forkPhase(__filename, 'process', { file: tmp.file, n, batch, concurrency })
    return { n, batch, concurrency, bytesFilled: filled.bytesFilled, ...drained }
  } finally {
    tmp.remove()
  }
}

module.exports = { runScaleProcess }

phaseEntry(module, { process: processDrain })
