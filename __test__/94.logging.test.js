'use strict'
// The logger option (pino-compatible) and setDebug(): which lines, with which fields.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const PersistentQueue = require('..')
const { tempDir, execScript } = require('./helpers')

/** A logger that keeps every line as [level, fields, message]. */
function memoryLogger() {
  /** @type {Array<[string, any, string]>} */
  const lines = []
  const logger = Object.fromEntries(
    ['debug', 'info', 'warn', 'error'].map((level) => [level, (fields, msg) => lines.push([level, fields, msg])]),
  )
  return { logger, lines, events: () => lines.map(([level, fields]) => `${level} ${fields.event}`) }
}

/**
 * Claims job `id` in this process (a real claim records this machine's boot and namespaces),
 * then hands it to another holder with raw SQL: `pid` and a token no open queue has, the lease
 * ended when `expired`. The claiming queue object closes without releasing it.
 */
async function plantClaim(file, id, pid, expired) {
  const q = new PersistentQueue(file, { batchSize: 1 })
  await q.open()
  const held = new Promise((resolve) => q.process(() => new Promise(() => resolve(undefined))))
  await held
  const lease = expired ? ', lease_until = 0, lease_wall = 0' : ''
  await execScript(file, `UPDATE queue SET owner_pid = ${pid}, owner_token = 'elsewhere'${lease} WHERE id = ${id} AND state = 1`)
  await q.close({ timeout: 0 })
}

test('retries, dead letters, recoveries, open and close are logged with their fields', { timeout: 60_000 }, async (t) => {
  const { file } = tempDir(t)
  const { logger, lines, events } = memoryLogger()
  const seed = new PersistentQueue(file())
  await seed.open()
  await seed.addAll([{ n: 1 }, { n: 2 }])
  await seed.close()
  // Job 1 held by a process that is gone (pid 2^22 + 1, above Linux's pid_max): recovered at open.
  await plantClaim(file(), 1, 4194305, false)
  const q = new PersistentQueue(file(), { logger, maxAttempts: 2, backoff: { type: 'fixed', delay: 1 } })
  await q.open()
  const failed = new Promise((resolve) => q.once('failed', resolve))
  q.process((job) => {
    if (job.n === 2) throw Object.assign(new Error('nope'), { code: 'E_NOPE' })
  })
  await failed
  await q.close()
  const info = events().filter((e) => !e.startsWith('debug'))
  assert.deepEqual(info, ['info open', 'warn recovered', 'info retry', 'warn dead-letter', 'info close'])
  const byEvent = Object.fromEntries(lines.map(([, fields]) => [fields.event, fields]))
  assert.deepEqual(byEvent.open, { event: 'open', queue: file(), jobs: 2, recovered: 1 })
  assert.deepEqual(byEvent.recovered, { event: 'recovered', queue: file(), jobs: 1 })
  assert.deepEqual(byEvent.retry, { event: 'retry', queue: file(), id: 2, attempts: 1, delayMs: byEvent.retry.delayMs, code: 'E_NOPE' })
  assert.ok(byEvent.retry.delayMs >= 0 && byEvent.retry.delayMs <= 1)
  assert.deepEqual(byEvent['dead-letter'], { event: 'dead-letter', queue: file(), id: 2, attempts: 2, code: 'E_NOPE' })
  assert.ok(events().includes('debug deliver') && events().includes('debug ack'))
  for (const [, fields, msg] of lines) assert.equal(typeof msg, 'string', `${fields.event} has a message`)
})

test('a lease that ran out is logged by the claim that takes its job back', { timeout: 60_000 }, async (t) => {
  const { file } = tempDir(t)
  const { logger, lines } = memoryLogger()
  const seed = new PersistentQueue(file())
  await seed.open()
  await seed.add('stuck')
  await seed.close()
  // A live holder (this test's parent process) that stopped renewing: only its lease frees the job.
  await plantClaim(file(), 1, process.ppid, true)
  // Two attempts: process() allows one by default, which the hung holder's claim used up.
  const q = new PersistentQueue(file(), { logger, maxAttempts: 2 })
  await q.open()
  const got = new Promise((resolve) => q.process(resolve))
  assert.equal(await got, 'stuck')
  assert.deepEqual(
    lines.filter(([, f]) => f.event === 'lease-expired' || f.event === 'recovered').map(([level, f]) => [level, f.event, f.jobs]),
    [['info', 'lease-expired', 1]],
  )
  await q.close()
})

test('a bad logger is refused by name; a logger that throws loses its line, never a job', async (t) => {
  const { file } = tempDir(t)
  assert.throws(() => new PersistentQueue(file(), { logger: console.log }), {
    code: 'ERR_INVALID_ARG_TYPE',
    message: /logger .*got a function/,
  })
  assert.throws(() => new PersistentQueue(file(), { logger: { info() {} } }), {
    code: 'ERR_INVALID_ARG_TYPE',
    message: /lacks debug, warn, error/,
  })
  const thrower = Object.fromEntries(
    ['debug', 'info', 'warn', 'error'].map((level) => [
      level,
      () => {
        throw new Error('log sink down')
      },
    ]),
  )
  const q = new PersistentQueue(file(), { logger: thrower })
  await q.open()
  await q.add({ n: 1 })
  const done = new Promise((resolve) => q.once('completed', resolve))
  q.process((job) => job.n)
  await done
  assert.deepEqual(await q.stats(), { queued: 0, delayed: 0, running: 0, failed: 0 })
  await q.close()
})

test('setDebug(true) prints the lines to stdout; without it nothing is printed', { timeout: 60_000 }, async (t) => {
  const { file } = tempDir(t)
  const run = (debug) =>
    execFileSync(
      process.execPath,
      [
        '-e',
        `const Q = require(${JSON.stringify(path.join(__dirname, '..'))}); const q = new Q(${JSON.stringify(file())}).setDebug(${debug});
         q.open().then(() => q.add(1)).then(() => q.close())`,
      ],
      { encoding: 'utf8' },
    )
  assert.equal(run(false), '')
  const out = run(true)
  assert.match(out, /^\[sqlite-persistent-queue\] info open: queue opened \(jobs=\d+ recovered=0\)$/m)
  assert.match(out, /^\[sqlite-persistent-queue\] info close: queue closed$/m)
})

test('an async logger that rejects loses its line, never becomes an unhandled rejection', async (t) => {
  const { file } = tempDir(t)
  const rejections = []
  const onRejection = (reason) => rejections.push(reason)
  process.on('unhandledRejection', onRejection)
  t.after(() => process.off('unhandledRejection', onRejection))
  const logger = Object.fromEntries(
    ['debug', 'info', 'warn', 'error'].map((level) => [level, async () => Promise.reject(new Error('sink down'))]),
  )
  const q = new PersistentQueue(file(), { logger })
  await q.open()
  await q.add(1)
  await q.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.deepEqual(rejections, [])
})
