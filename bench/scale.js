'use strict'
// Scenario 5, ours only, opt-in (--scale): a file of `n` (1,000,000) queued jobs. Two child
// processes of this file, so that the drain's RSS is not the filler's:
//   fill:  adds n jobs in Promise.all batches of 10,000 (durability 'full'), reports the file size
//   drain: times open() of a fresh queue object on the file (then two more open/close cycles),
//          drains every job through the compat API while sampling RSS every 100 ms, and reports
//          the claim rate over the first and last 5% of the jobs, and the file size before the
//          drain, at `empty`, once it stops changing (queue still open) and after close().
const { performance } = require('node:perf_hooks')
const { makeJob, tempDb, fileBytes, median, forkPhase, phaseEntry } = require('./util')

const FILL_BATCH = 10000

async function fill({ file, n }) {
  const Queue = require('..')
  const q = new Queue(file, 10)
  await q.open()
  const t0 = performance.now()
  for (let i = 0; i < n; i += FILL_BATCH) {
    const adds = []
    for (let s = i; s < Math.min(n, i + FILL_BATCH); s++) adds.push(q.add(makeJob(s)))
    await Promise.all(adds)
  }
  const ms = performance.now() - t0
  await q.close()
  return { fillMs: ms, fillRate: (n / ms) * 1000, bytesFilled: fileBytes(file) }
}

async function drain({ file, n, batch }) {
  const Queue = require('..')
  const openMs = []
  let q
  for (let i = 0; i < 3; i++) {
    if (q) await q.close()
    const t0 = performance.now()
    q = new Queue(file, batch)
    await q.open()
    openMs.push(performance.now() - t0)
  }
  const bytesBefore = fileBytes(file)
  const rssBefore = process.memoryUsage().rss
  let rssPeak = rssBefore
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  }, 100)
  const window = Math.max(1, Math.floor(n / 20))
  const marks = [] // performance.now() at every `window` jobs acked
  const seqSeen = new Uint8Array(n)
  let got = 0
  let duplicates = 0
  let outOfOrder = 0
  let lastSeq = -1
  const t0 = performance.now()
  marks.push(t0)
  await new Promise((resolve, reject) => {
    let lastAck = null
    q.on('error', reject)
    q.on('next', ({ job }) => {
      if (seqSeen[job.seq]) duplicates++
      seqSeen[job.seq] = 1
      if (job.seq < lastSeq) outOfOrder++
      lastSeq = job.seq
      got++
      const count = got
      lastAck = q.done()
      if (count % window === 0) lastAck.then(() => marks.push(performance.now()))
    })
    q.on('empty', () => (got < n ? reject(new Error(`empty after ${got} of ${n}`)) : lastAck.then(resolve, reject)))
    q.start()
  })
  const ms = performance.now() - t0
  const bytesAtEmpty = fileBytes(file)
  // The queue may give space back after `empty` in the background: wait until the file size has
  // not changed for 1 s (at most 120 s) before the "after drain" size.
  const settle0 = performance.now()
  for (let last = -1, stable = 0; stable < 10 && performance.now() - settle0 < 120000;) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const now = fileBytes(file)
    stable = now === last ? stable + 1 : 0
    last = now
  }
  const settleMs = performance.now() - settle0 - 1000
  clearInterval(sampler)
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  const bytesAfterDrain = fileBytes(file)
  await q.close()
  const rates = marks.slice(1).map((t, i) => (window / (t - marks[i])) * 1000)
  return {
    openMs,
    openMsFirst: openMs[0],
    openMsMedian: median(openMs),
    drainMs: ms,
    drainRate: (n / ms) * 1000,
    claimRateStart: rates[0],
    claimRateEnd: rates[rates.length - 1],
    rateWindows: rates,
    rssBeforeMB: rssBefore / 2 ** 20,
    rssPeakMB: rssPeak / 2 ** 20,
    bytesBefore,
    bytesAtEmpty,
    bytesAfterDrain,
    settleMs,
    bytesAfterClose: fileBytes(file),
    delivered: got,
    duplicates,
    missing: n - seqSeen.reduce((a, b) => a + b, 0),
    outOfOrder,
  }
}

const phase = (name, args) => forkPhase(__filename, name, args)

/** Runs the scale scenario; `log` reports progress. */
async function runScale({ n = 1e6, batch = 10, log = () => {} }) {
  const tmp = tempDb()
  try {
    log(`scale: filling ${n} jobs`)
    const filled = await phase('fill', { file: tmp.file, n })
    log(`scale: filled in ${(filled.fillMs / 1000).toFixed(1)} s; draining`)
    const drained = await phase('drain', { file: tmp.file, n, batch })
    return { n, batch, ...filled, ...drained }
  } finally {
    tmp.remove()
  }
}

module.exports = { runScale }

phaseEntry(module, { fill, drain })
