'use strict'
// What node-persistent-queue and this package share: the same API, so the same adapter methods.
// `done()` returns nothing in the original and a promise of the committed ack here: the drain
// waits for the last one when there is one.

module.exports = {
  close: (q) => q.close(),
  addBurst: (q, jobs) => Promise.all(jobs.map((job) => q.add(job))),
  async addSerial(q, jobs) {
    for (const job of jobs) await q.add(job)
  },
  fill: (q, jobs) => Promise.all(jobs.map((job) => q.add(job))),

  drain(q, n, onJob) {
    return new Promise((resolve, reject) => {
      let got = 0
      let lastAck
      q.on('error', reject)
      q.on('next', ({ job }) => {
        onJob(job)
        got++
        lastAck = q.done()
      })
      q.on('empty', () => {
        if (got < n) return reject(new Error(`empty after ${got} of ${n} jobs`))
        Promise.resolve(lastAck).then(() => resolve(), reject)
      })
      q.start()
    })
  },
}
