'use strict'
// sqlite-persistent-queue, this repository (require('../..')), through its node-persistent-queue
// compatible API. Durability: WAL; commits that add jobs use synchronous=FULL ('full', the
// default) or NORMAL ('normal'); acks and claims always NORMAL. batchSize 10 (the default of both
// this queue and node-persistent-queue), or BENCH_BATCH. The worker scenarios use process().
const compat = require('./compat')
const Queue = require('../..')

const BATCH = Number(process.env.BENCH_BATCH) || 10

module.exports = (durability) => ({
  id: `ours-${durability}`,
  label: `sqlite-persistent-queue (${durability})`,
  durability: durability === 'full' ? 'WAL; adds synchronous=FULL, acks NORMAL' : 'WAL; adds and acks synchronous=NORMAL',
  // Acks always commit with NORMAL, so the drain is the same for both settings: run it once.
  // process() too: its acks, retries and dead letters commit with NORMAL whatever the setting.
  scenarios:
    durability === 'full' ? ['addBurst', 'addSerial', 'drain', 'process', 'processDelayed', 'processFailing'] : ['addBurst', 'addSerial'],

  /** @param {{maxAttempts?: number, backoffMs?: number}} [settings] retry policy of process() */
  async open(file, settings = {}) {
    const retry = settings.maxAttempts
      ? { maxAttempts: settings.maxAttempts, backoff: { type: 'fixed', delay: settings.backoffMs ?? 0 } }
      : {}
    const q = new Queue(file, BATCH, { durability, ...retry })
    await q.open()
    return q
  },
  ...compat,
  fill: (q, jobs, opts) => Promise.all(jobs.map((job) => q.add(job, opts))),

  /** process() with `concurrency`; the events follow the commit of each settle. */
  work(q, { concurrency, handler, onAck, onDead, onRetry = () => {}, onError = () => {} }) {
    q.on('completed', (task) => onAck(task.job))
    q.on('retrying', (task) => onRetry(task.job))
    q.on('failed', (task) => onDead(task.job))
    q.on('error', onError)
    q.process(handler, { concurrency })
    return { stop: () => q.close() }
  },
})
