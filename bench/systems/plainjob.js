'use strict'
// plainjob 0.0.14 on better-sqlite3 12 (13 crashes on Node 20). Durability: WAL,
// synchronous=NORMAL (set by plainjob), one autocommit transaction per add. Its API is
// synchronous on the main thread: add() is called in a loop. Its worker claims one job per
// IMMEDIATE transaction and marks it done (rows are kept with status done, not deleted). A worker
// runs one job at a time and has no concurrency option (its README scales out with processes):
// concurrency c is c workers on one queue object. It has no retries (a throw marks the job failed).
// plainjob is an ES module: loaded with import().
const Database = require('better-sqlite3')

const silent = { debug() {}, info() {}, warn() {}, error: console.error }
let plainjob = null

module.exports = {
  id: 'plainjob',
  label: 'plainjob 0.0.14',
  durability: 'WAL, synchronous=NORMAL',
  scenarios: ['addBurst', 'addSerial', 'drain', 'process', 'processDelayed'],

  async open(file) {
    plainjob ??= await import('plainjob')
    return plainjob.defineQueue({ connection: plainjob.better(new Database(file)), logger: silent })
  },
  close: (queue) => queue.close(),

  async addBurst(queue, jobs) {
    for (const job of jobs) queue.add('bench', job)
  },
  async addSerial(queue, jobs) {
    for (const job of jobs) await queue.add('bench', job)
  },
  async fill(queue, jobs, opts) {
    queue.addMany('bench', jobs, opts)
  },

  async drain(queue, n, onJob) {
    let got = 0
    const worker = plainjob.defineWorker(
      'bench',
      (job) => {
        onJob(JSON.parse(job.data))
        if (++got === n) worker.stop()
      },
      { queue, logger: silent },
    )
    // start() loops until stop(); the last job is marked done before it returns.
    await worker.start()
  },

  work(queue, { concurrency, handler, onAck, onDead }) {
    const parsed = (job) => JSON.parse(job.data)
    const options = { queue, logger: silent, onCompleted: (job) => onAck(parsed(job)), onFailed: (job) => onDead(parsed(job)) }
    const workers = Array.from({ length: concurrency }, () => plainjob.defineWorker('bench', (job) => handler(parsed(job)), options))
    const running = workers.map((w) => w.start())
    return {
      async stop() {
        await Promise.all(workers.map((w) => w.stop()))
        await Promise.all(running)
      },
    }
  },
}
