'use strict'
// node-persistent-queue 1.0.3 on its own sqlite3 (4.2.0, built from source: it compiles and runs
// on Node 20, so no override is needed). Durability: rollback journal (DELETE mode),
// synchronous=FULL (SQLite's defaults), one autocommit transaction per add and per done().
// batchSize 10 (its default). Its done() returns nothing; the drain ends on its `empty` event.
const compat = require('./compat')
const Queue = require('node-persistent-queue')

module.exports = {
  id: 'npq',
  label: 'node-persistent-queue 1.0.3',
  durability: 'rollback journal, synchronous=FULL',
  scenarios: ['addBurst', 'addSerial', 'drain'],

  async open(file) {
    const q = new Queue(file, 10)
    await q.open()
    return q
  },
  ...compat,
}
