'use strict'
// better-queue 3.8.12 with the better-queue-sqlite 1.0.7 store (on sqlite3 5.1.7). Durability:
// journal_mode=MEMORY, synchronous=OFF (set by the store): neither a crash nor a power loss is
// covered. Its push() ticket says `queued` before the store commits (the store writes through a
// cargo of up to 3,000 rows per transaction), so the add scenarios also wait for that commit at
// the end. Defaults: batchSize 1, concurrent 1.
const BetterQueue = require('better-queue')
const SqliteStore = require('better-queue-sqlite')
const { sleep } = require('../util')

const queued = (q, job) => new Promise((resolve, reject) => q.push(job).on('queued', resolve).on('failed', reject))
const committed = (q) => new Promise((resolve) => q._store._afterWritten(resolve))

module.exports = {
  id: 'better-queue',
  label: 'better-queue 3.8.12 + better-queue-sqlite 1.0.7',
  durability: 'journal_mode=MEMORY, synchronous=OFF',
  scenarios: ['addBurst', 'addSerial', 'drain'],

  async open(file) {
    const h = { onTask: null, q: null }
    h.q = new BetterQueue(
      (task, cb) => {
        h.onTask(task)
        cb()
      },
      { store: new SqliteStore({ path: file }) },
    )
    // Paused before it connects: nothing runs until drain() resumes it.
    h.q.pause()
    while (!h.q._connected) await sleep(1)
    return h
  },
  close: (h) =>
    new Promise((resolve, reject) => {
      // The store's close() does not close its sqlite3 handle (a second definition shadows it).
      h.q.destroy(() => h.q._store._db.close((err) => (err ? reject(err) : resolve())))
    }),

  async addBurst(h, jobs) {
    await Promise.all(jobs.map((job) => queued(h.q, job)))
    await committed(h.q)
  },
  async addSerial(h, jobs) {
    for (const job of jobs) await queued(h.q, job)
    await committed(h.q)
  },
  async fill(h, jobs) {
    await Promise.all(jobs.map((job) => queued(h.q, job)))
    await committed(h.q)
  },

  drain(h, n, onJob) {
    return new Promise((resolve, reject) => {
      let got = 0
      h.onTask = (job) => {
        onJob(job)
        got++
      }
      h.q.on('task_failed', (id, err) => reject(new Error(`task ${id} failed: ${err}`)))
      h.q.on('drain', () => (got < n ? reject(new Error(`drained after ${got} of ${n} jobs`)) : resolve()))
      h.q.resume()
    })
  },
}
