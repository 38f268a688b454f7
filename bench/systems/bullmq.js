'use strict'
// BullMQ 6.7.0 on ioredis 6.0.0, against the private redis-server that run.js starts (redis.js),
// one per `appendfsync` setting: 'always' (an fsync per Redis event-loop turn, the peer of our
// 'full') and 'everysec'. The "file" of a run names its queue; the first open of a file flushes
// Redis, so every run starts from an empty server as the others start from an empty file. Jobs
// are removed on completion (removeOnComplete, as our ack deletes them); dead letters are kept.
// Workers run in this process and Redis in its own, on the same 2 cores.
const path = require('node:path')
const { Queue, Worker } = require('bullmq')
const IORedis = require('ioredis')
const { portEnv } = require('../redis')

const CHUNK = 1000
const flushed = new Set()

/** A Worker with `concurrency`; 'failed' fires per failed attempt: the last one is a dead letter. */
function work(h, { concurrency, handler, onAck, onDead, onRetry = () => {} }) {
  const worker = new Worker(h.name, async (job) => handler(job.data), { connection: h.connection, concurrency })
  worker.on('completed', (job) => onAck(job.data))
  worker.on('failed', (job) => (job && job.attemptsMade >= (job.opts.attempts ?? 1) ? onDead(job.data) : onRetry(job?.data)))
  worker.on('error', (err) => console.error(`bullmq worker: ${err.message}`))
  h.workers.push(worker)
  return { stop: () => worker.close() }
}

module.exports = (fsync) => ({
  id: `bullmq-${fsync}`,
  label: `BullMQ 6.7.0 + Redis 7 (appendfsync ${fsync})`,
  durability: `Redis AOF, appendfsync ${fsync}, no RDB`,
  redis: fsync,
  scenarios: ['addBurst', 'addSerial', 'drain', 'process', 'processDelayed', 'processFailing'],

  /** @param {{maxAttempts?: number, backoffMs?: number}} [settings] retry policy of the jobs added */
  async open(file, settings = {}) {
    const port = Number(process.env[portEnv(fsync)])
    if (!port) throw new Error(`no redis-server for appendfsync ${fsync} (${portEnv(fsync)} unset)`)
    const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null }
    if (!flushed.has(file)) {
      const redis = new IORedis(connection)
      await redis.flushall()
      redis.disconnect()
      flushed.add(file)
    }
    const retry = settings.maxAttempts ? { attempts: settings.maxAttempts, backoff: { type: 'fixed', delay: settings.backoffMs ?? 0 } } : {}
    const name = path.basename(path.dirname(file))
    const queue = new Queue(name, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: false, ...retry } })
    await queue.waitUntilReady()
    return { queue, name, connection, workers: [] }
  },
  async close(h) {
    await Promise.all(h.workers.map((w) => w.close()))
    await h.queue.close()
  },

  addBurst: (h, jobs) => Promise.all(jobs.map((job) => h.queue.add('bench', job))),
  async addSerial(h, jobs) {
    for (const job of jobs) await h.queue.add('bench', job)
  },
  async fill(h, jobs, opts) {
    for (let i = 0; i < jobs.length; i += CHUNK) {
      await h.queue.addBulk(jobs.slice(i, i + CHUNK).map((data) => ({ name: 'bench', data, opts })))
    }
  },

  /** Its Worker with concurrency 1 (its default), the peer of the others' one-at-a-time drains; closed by close(). */
  drain(h, n, onJob) {
    return new Promise((resolve, reject) => {
      let acked = 0
      work(h, {
        concurrency: 1,
        handler: onJob,
        onAck: () => ++acked === n && resolve(),
        onDead: (job) => reject(new Error(`job ${job.seq} failed`)),
      })
    })
  },
  work,
})
