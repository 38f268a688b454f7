'use strict'
// Child process of the multi-process scenario (forked by multiproc.js): one producer or one
// consumer of sqlite-persistent-queue on the shared file, driven over IPC:
//   child -> 'ready' after open; parent -> 'go'; producer -> 'done' after its last add;
//   consumer -> 'progress' (acks so far) every 20 ms; parent -> 'stop'; consumer -> 'result'.
// Times are epoch ms (performance.timeOrigin + performance.now()), comparable across processes.
const { performance } = require('node:perf_hooks')
const Queue = require('..')
const { makeJob } = require('./util')

const now = () => performance.timeOrigin + performance.now()
const opts = JSON.parse(process.argv[2])

async function produce(q) {
  let errors = 0
  let next = 0
  const firstAddAt = now()
  // A window of `inflight` adds: each settled add starts the next one.
  await new Promise((resolve) => {
    let running = 0
    const launch = () => {
      while (running < opts.inflight && next < opts.count) {
        running++
        q.add(makeJob(next++, opts.index))
          .catch(() => errors++)
          .finally(() => {
            running--
            if (next < opts.count) launch()
            else if (running === 0) resolve()
          })
      }
    }
    launch()
  })
  return { type: 'done', firstAddAt, lastAddAt: now(), errors }
}

function consume(q) {
  const got = [] // [producer, seq] pairs, in delivery order
  let acked = 0
  let sent = -1
  let lastAckAt = 0
  let errors = 0
  q.on('error', () => errors++)
  q.on('next', ({ job }) => {
    got.push(job.producer, job.seq)
    q.done().then(
      () => {
        acked++
        lastAckAt = now()
      },
      () => errors++,
    )
  })
  const progress = setInterval(() => {
    if (acked !== sent) process.send({ type: 'progress', acked: (sent = acked) })
  }, 20)
  process.on('message', async (msg) => {
    if (msg.type !== 'stop') return
    clearInterval(progress)
    q.stop()
    await q.close()
    process.send({ type: 'result', got, acked, lastAckAt, errors }, () => process.exit(0))
  })
  q.start()
}

async function main() {
  const q = new Queue(opts.file, opts.batch, { durability: opts.durability })
  await q.open()
  process.send({ type: 'ready' })
  await new Promise((resolve) => process.once('message', resolve))
  if (opts.role === 'producer') {
    const done = await produce(q)
    await q.close()
    process.send(done, () => process.exit(0))
  } else consume(q)
}

main().catch((err) => {
  process.send({ type: 'fatal', error: err.stack || String(err) }, () => process.exit(1))
})
