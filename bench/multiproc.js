'use strict'
// Scenario 6, ours only: 4 processes on one file (worker.js), 2 producers adding n/2 jobs each
// with ~50 adds in flight and 2 consumers on the compat API ('multi'), or on process() with
// `concurrency` 16 and a no-op handler ('multiWorker'). Total jobs/s from the first add to the
// last ack; checks that every job was delivered exactly once, that nothing failed, and counts
// per-consumer order inversions among one producer's jobs.
const { fork } = require('node:child_process')
const path = require('node:path')
const { tempDb } = require('./util')

function spawnRole(opts) {
  const child = fork(path.join(__dirname, 'worker.js'), [JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return { child, opts, exited }
}

const once = (child, type) =>
  new Promise((resolve, reject) => {
    const onMsg = (msg) => {
      if (msg.type === 'fatal') return reject(new Error(msg.error))
      if (msg.type !== type) return
      child.off('message', onMsg)
      resolve(msg)
    }
    child.on('message', onMsg)
  })

async function runMultiProcess({
  n,
  producers = 2,
  consumers = 2,
  inflight = 50,
  batch = 10,
  durability = 'full',
  concurrency = 0,
  timeoutMs = 600000,
}) {
  const tmp = tempDb()
  const per = Math.floor(n / producers)
  const total = per * producers
  const base = { file: tmp.file, batch, durability, inflight, concurrency }
  const prods = Array.from({ length: producers }, (_, i) => spawnRole({ ...base, role: 'producer', index: i, count: per }))
  const cons = Array.from({ length: consumers }, (_, i) => spawnRole({ ...base, role: 'consumer', index: i }))
  const all = [...prods, ...cons]
  const timer = setTimeout(() => all.forEach((p) => p.child.kill('SIGKILL')), timeoutMs)
  try {
    await Promise.all(all.map((p) => once(p.child, 'ready')))
    const produced = Promise.all(prods.map((p) => once(p.child, 'done')))
    const acked = new Array(consumers).fill(0)
    const allAcked = new Promise((resolve) => {
      cons.forEach((c, i) =>
        c.child.on('message', (msg) => {
          if (msg.type !== 'progress') return
          acked[i] = msg.acked
          if (acked.reduce((a, b) => a + b, 0) >= total) resolve()
        }),
      )
    })
    all.forEach((p) => p.child.send({ type: 'go' }))
    const prodResults = await produced
    await allAcked
    const results = Promise.all(cons.map((c) => once(c.child, 'result')))
    cons.forEach((c) => c.child.send({ type: 'stop' }))
    const consResults = await results
    await Promise.all(all.map((p) => p.exited))

    const seen = Array.from({ length: producers }, () => new Uint8Array(per))
    let duplicates = 0
    let outOfOrder = 0
    for (const { got } of consResults) {
      const last = new Array(producers).fill(-1)
      for (let i = 0; i < got.length; i += 2) {
        const [p, s] = [got[i], got[i + 1]]
        if (seen[p][s]) duplicates++
        seen[p][s] = 1
        if (s < last[p]) outOfOrder++
        last[p] = s
      }
    }
    const delivered = consResults.reduce((a, r) => a + r.got.length / 2, 0)
    const unique = seen.reduce((a, arr) => a + arr.reduce((x, y) => x + y, 0), 0)
    const start = Math.min(...prodResults.map((r) => r.firstAddAt))
    const end = Math.max(...consResults.map((r) => r.lastAckAt))
    const ms = end - start
    return {
      n: total,
      ms,
      rate: (total / ms) * 1000,
      addPhaseMs: Math.max(...prodResults.map((r) => r.lastAddAt)) - start,
      errors: [...prodResults, ...consResults].reduce((a, r) => a + r.errors, 0),
      delivered,
      duplicates,
      missing: total - unique,
      outOfOrder,
      perConsumer: consResults.map((r) => r.acked),
    }
  } finally {
    clearTimeout(timer)
    tmp.remove()
  }
}

module.exports = { runMultiProcess }

if (require.main === module) {
  runMultiProcess({ n: Number(process.argv[2]) || 10000, concurrency: Number(process.argv[3]) || 0 }).then((r) => console.log(r))
}
