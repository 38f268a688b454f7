'use strict'
// The systems compared, in table order. Every adapter has the same shape:
//   id, label, durability (the setting it runs with, shown in the table),
//   scenarios: which of 'addBurst' | 'addSerial' | 'drain' it takes part in,
//   open(file) -> handle, close(handle),
//   addBurst(handle, jobs)  all adds fired at once, resolves when all are stored,
//   addSerial(handle, jobs) each add awaited before the next,
//   fill(handle, jobs)      untimed set-up before a drain (the fastest way the system has),
//   drain(handle, n, onJob) consumes through the system's own consumer API until n jobs are
//                           acknowledged, calling onJob(job) once per delivery.
const ours = require('./ours')

const systems = [
  ours('full'),
  ours('normal'),
  require('./node-persistent-queue'),
  require('./plainjob'),
  require('./better-queue'),
  require('./raw-better-sqlite3'),
  require('./floor-noop'),
  require('./floor-delete'),
]

module.exports = { systems, byId: (id) => systems.find((s) => s.id === id) }
