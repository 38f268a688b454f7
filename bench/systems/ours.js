'use strict'
// sqlite-persistent-queue, this repository (require('../..')), through its node-persistent-queue
// compatible API. Durability: WAL; commits that add jobs use synchronous=FULL ('full', the
// default) or NORMAL ('normal'); acks and claims always NORMAL. batchSize 10 (the default of both
// this queue and node-persistent-queue), or BENCH_BATCH.
const compat = require('./compat')
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
  ...compat,
})
