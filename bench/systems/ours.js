'use strict'
// sqlite-persistent-queue, this repository (require('../..')), through its node-persistent-queue
// compatible API. Durability: WAL; commits that add jobs use synchronous=FULL ('full', the
// default) or NORMAL ('normal'); acks and claims always NORMAL. batchSize 10 (the default of both
// this queue and node-persistent-queue), or BENCH_BATCH.
const Queue = require('../..')

const BATCH = Number(process.env.BENCH_BATCH) || 10

module.exports = (durability) => ({
  id: `ours-${durability}`,
  label: `sqlite-persistent-queue (${durability})`,
  durability: durability === 'full' ? 'WAL; adds synchronous=FULL, acks NORMAL' : 'WAL; adds and acks synchronous=NORMAL',
  // Acks always commit with NORMAL, so the drain is the same for both settings: run it once.
  scenarios: durability === 'full' ? ['addBurst', 'addSerial', 'drain'] : ['addBurst', 'addSerial'],

  async open(file) {
    const q = new Queue(file, BATCH, { durability })
    await q.open()
    return q
  },
  close: (q) => q.close(),

  addBurst: (q, jobs) => Promise.all(jobs.map((job) => q.add(job))),
  async addSerial(q, jobs) {
    for (const job of jobs) await q.add(job)
  },
  fill: (q, jobs) => Promise.all(jobs.map((job) => q.add(job))),

  drain(q, n, onJob) {
    return new Promise((resolve, reject) => {
      let got = 0
      let lastAck = null
      q.on('error', reject)
      q.on('next', ({ job }) => {
        onJob(job)
        got++
        lastAck = q.done()
      })
      q.on('empty', () => {
        if (got < n) return reject(new Error(`empty after ${got} of ${n} jobs`))
        lastAck.then(resolve, reject)
      })
      q.start()
    })
  },
})
