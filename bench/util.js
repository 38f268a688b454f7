'use strict'
// Helpers shared by the scenarios: job payloads, temp files, medians, the event-loop delay monitor,
// the exactly-once / FIFO check of a drain and child-process phases.
const { fork } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { monitorEventLoopDelay } = require('node:perf_hooks')

/** Size of one job's JSON text in bytes. */
const JOB_BYTES = 130

/** One job: `{seq, producer, to, subject, pad}`, padded so that its JSON is JOB_BYTES long. */
function makeJob(seq, producer = 0) {
  const job = { seq, producer, to: `user${seq}@example.com`, subject: 'Your weekly report is ready', pad: '' }
  job.pad = 'x'.repeat(Math.max(0, JOB_BYTES - JSON.stringify(job).length))
  return job
}

function makeJobs(n, producer = 0) {
  return Array.from({ length: n }, (_, i) => makeJob(i, producer))
}

/** A fresh folder under the OS temp folder with a queue file path in it; `remove()` deletes it. */
function tempDb(name = 'queue.sqlite') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spq-bench-'))
  return { dir, file: path.join(dir, name), remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** Bytes of an SQLite file plus its -wal, -shm and -journal files. */
function fileBytes(file) {
  let total = 0
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    total += fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0
  }
  return total
}

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/**
 * Starts sampling the event-loop delay; resolves once the sampler has ticked (Node records no
 * delay for its first tick, so a block right after enable() would go unseen). `stop()` lets one
 * more tick run, so that a block lasting until the end is recorded too, then resolves
 * `{p99, max, samples}` in ms.
 */
async function loopMonitor(resolution) {
  const h = monitorEventLoopDelay({ resolution })
  h.enable()
  // Not reset() afterwards: that forgets the last tick too. The two idle ticks stay in.
  await sleep(2 * resolution + 1)
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, resolution + 1))
      h.disable()
      return { p99: h.count ? h.percentile(99) / 1e6 : 0, max: h.count ? h.max / 1e6 : 0, samples: h.count }
    },
  }
}

/**
 * Checks the seqs a drain delivered against 0..n-1: `duplicates` (a seq seen again), `missing`,
 * `outOfOrder` (a seq lower than the one delivered before it).
 */
function checkDelivery(seqs, n) {
  const seen = new Uint8Array(n)
  let unique = 0
  let duplicates = 0
  let outOfOrder = 0
  for (let i = 0; i < seqs.length; i++) {
    const s = seqs[i]
    if (s >= 0 && s < n && !seen[s]) {
      seen[s] = 1
      unique++
    } else duplicates++
    if (i > 0 && s < seqs[i - 1]) outOfOrder++
  }
  return { delivered: seqs.length, duplicates, missing: n - unique, outOfOrder }
}

/**
 * Runs `node script name JSON(args)` as a child process whose entry sends one message, a result or
 * `{error}`; resolves the result.
 */
function forkPhase(script, name, args) {
  return new Promise((resolve, reject) => {
    const child = fork(script, [name, JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.once('message', (msg) => (msg.error ? reject(new Error(msg.error)) : resolve(msg)))
    child.once('exit', (code) => code !== 0 && reject(new Error(`${name} exited with ${code}`)))
  })
}

/** The child side of forkPhase: runs `bodies[name]` when `script` is the entry, and sends its result. */
function phaseEntry(module, bodies) {
  if (require.main !== module || !(process.argv[2] in bodies)) return
  process.on('disconnect', () => process.exit(1))
  bodies[process.argv[2]](JSON.parse(process.argv[3])).then(
    (r) => process.send(r, () => process.exit(0)),
    (err) => process.send({ error: err.stack || String(err) }, () => process.exit(1)),
  )
}

const immediate = () => new Promise((resolve) => setImmediate(resolve))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

module.exports = {
  JOB_BYTES,
  makeJob,
  makeJobs,
  tempDb,
  fileBytes,
  median,
  loopMonitor,
  checkDelivery,
  forkPhase,
  phaseEntry,
  immediate,
  sleep,
}
