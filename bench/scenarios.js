'use strict'
// Scenarios 1-3 for any adapter of systems/: each run uses a fresh file in a fresh temp folder,
// builds its jobs before the clock starts and samples the event-loop delay while it runs.
//   addBurst:  n adds fired at once (Promise.all; a plain loop for synchronous APIs)
//   addSerial: n adds, each awaited before the next
//   drain:     n jobs filled (untimed), the file reopened, then consumed through the system's
//              consumer API; checks exactly-once delivery and FIFO order by the jobs' seq
// (The worker scenarios are in worker-scenarios.js.)
const { performance } = require('node:perf_hooks')
const { makeJobs, tempDb, loopMonitor, checkDelivery } = require('./util')

async function timed(resolution, body) {
  const monitor = await loopMonitor(resolution)
  const t0 = performance.now()
  await body()
  const ms = performance.now() - t0
  const loop = await monitor.stop()
  return { ms, loopP99: loop.p99, loopMax: loop.max }
}

function add(kind) {
  return async (adapter, { n, resolution }) => {
    const tmp = tempDb()
    try {
      const jobs = makeJobs(n)
      const q = await adapter.open(tmp.file)
      const t = await timed(resolution, () => adapter[kind](q, jobs))
      await adapter.close(q)
      return { ...t, rate: (n / t.ms) * 1000 }
    } finally {
      tmp.remove()
    }
  }
}

async function drain(adapter, { n, resolution }) {
  const tmp = tempDb()
  try {
    const filler = await adapter.open(tmp.file)
    await adapter.fill(filler, makeJobs(n))
    await adapter.close(filler)
    const q = await adapter.open(tmp.file)
    const seqs = []
    const t = await timed(resolution, () => adapter.drain(q, n, (job) => seqs.push(job.seq)))
    await adapter.close(q)
    return { ...t, rate: (n / t.ms) * 1000, ...checkDelivery(seqs, n) }
  } finally {
    tmp.remove()
  }
}

module.exports = { addBurst: add('addBurst'), addSerial: add('addSerial'), drain, timed }
