'use strict'
// The systems compared, in table order. Every adapter has the same shape:
//   id, label, durability (the setting it runs with, shown in the table),
//   scenarios: which of 'addBurst' | 'addSerial' | 'drain' | 'process' | 'processDelayed' |
//              'processFailing' it takes part in,
//   redis:     (BullMQ) the appendfsync setting of the redis-server it needs (redis.js),
//   open(file) -> handle, close(handle),
//   addBurst(handle, jobs)  all adds fired at once, resolves when all are stored,
//   addSerial(handle, jobs) each add awaited before the next,
//   fill(handle, jobs)      untimed set-up before a drain (the fastest way the system has),
//   drain(handle, n, onJob) consumes through the system's own consumer API until n jobs are
//                           acknowledged, calling onJob(job) once per delivery,
//   work(handle, {concurrency, handler, onAck, onDead, onRetry, onError}) -> {stop()}: the worker
//                           API (worker-scenarios.js); onAck/onDead follow the commit.
// open(file, settings) takes {maxAttempts, backoffMs} for the worker runs that retry; fill(handle,
// jobs, {delay}) adds delayed jobs.
const ours = require('./ours')
const bullmq = require('./bullmq')

const systems = [
  ours('full'),
  ours('normal'),
  require('./node-persistent-queue'),
  require('./plainjob'),
  bullmq('always'),
  bullmq('everysec'),
  require('./better-queue'),
  require('./raw-better-sqlite3'),
  require('./floor-noop'),
  require('./floor-delete'),
]

module.exports = { systems, byId: (id) => systems.find((s) => s.id === id) }
