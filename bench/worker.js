'use strict'
// Child process of the multi-process scenarios (forked by multiproc.js): one producer or one
// consumer of sqlite-persistent-queue on the shared file, the consumer on the compat API (`next`
// and done()) or, with `concurrency`, on process() with a no-op handler; driven over IPC:
//   child -> 'ready' after open; parent -> 'go'; producer -> 'done' after its last add;
//   consumer -> 'progress' (acks so far) every 20 ms; parent -> 'stop'; consumer -> 'result'.
// Times are epoch ms (performance.timeOrigin + performance.now()), comparable across processes.
const { performance } = require('node:perf_hooks')
const Queue = require('..')
const { makeJob } = require('./util')

const now = () => performance.timeOrigin + performance.now()
const opts = JSON.parse(process.argv[2])
// Ends with multiproc.js's process (killed, or exited).
process.on('disconnect', () => process.exit(1))

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

/** Counts deliveries and acks; `stop` closes the queue and sends the result. */
function tally(q) {
  const t = { got: [], acked: 0, lastAckAt: 0, errors: 0 } // got: [producer, seq] pairs, in delivery order
  let sent = -1
  q.on('error', () => t.errors++)
  const progress = setInterval(() => {
    if (t.acked !== sent) process.send({ type: 'progress', acked: (sent = t.acked) })
  }, 20)
  const ack = () => {
    t.acked++
    t.lastAckAt = now()
  }
  const onStop = (stop) =>
    process.on('message', async (msg) => {
      if (msg.type !== 'stop') return
      clearInterval(progress)
      await stop()
      process.send({ type: 'result', ...t }, () => process.exit(0))
    })
  return { t, ack, onStop }
}

function consume(q) {
  const { t, ack, onStop } = tally(q)
  q.on('next', ({ job }) => {
    t.got.push(job.producer, job.seq)
    q.done().then(ack, () => t.errors++)
  })
  onStop(async () => {
    q.stop()
    await q.close()
  })
  q.start()
}

/** process() with `concurrency`: an ack counts once its `completed` event says it committed. */
function consumeWorker(q) {
  const { t, ack, onStop } = tally(q)
  q.on('completed', ack)
  onStop(() => q.close())
  q.process(
    (job) => {
      t.got.push(job.producer, job.seq)
    },
    { concurrency: opts.concurrency },
  )
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
  } else if (opts.concurrency) consumeWorker(q)
  else consume(q)
}

main().catch((err) => {
  process.send({ type: 'fatal', error: err.stack || String(err) }, () => process.exit(1))
})
