'use strict'
// Lifecycle races found in review: close/open/start/delete interleavings, failed closes, held
// corrupt rows, and option bounds. Each test failed before its fix.
const test = require('node:test')
const assert = require('node:assert/strict')
const PersistentQueue = require('..')
const { execScript } = require('./helpers')
const { tempDir, drain } = require('./helpers')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('open() right after close() (not awaited) waits for the close and opens again', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const closing = q.close()
  const opening = q.open()
  await closing
  await opening
  assert.equal(q.isOpen(), true)
  assert.equal(await q.add('after reopen'), 1)
  await q.close()
})

test('two close() calls while open() is in flight close once', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  let closes = 0
  q.on('close', () => closes++)
  const opening = q.open()
  await Promise.all([q.close(), q.close(), opening])
  assert.equal(closes, 1)
  assert.equal(q.isOpen(), false)
})

test('a delivery scheduled before close() does not stall the queue after reopen', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 5)
  await q.open()
  for (let i = 0; i < 5; i++) await q.add(i)
  await new Promise((resolve) => {
    q.once('next', () => {
      q.abort()
      resolve()
    })
    q.start()
  })
  await new Promise((resolve) =>
    setImmediate(() => {
      q.start() // schedules a delivery for the next check phase...
      q.close().then(resolve) // ...that fires while, or after, the queue closes
    }),
  )
  await q.open()
  const seen = await drain(q)
  assert.deepEqual(
    seen.map((s) => s.job),
    [0, 1, 2, 3, 4],
  )
  await q.close()
})

test('delete() of a job whose claim is in flight: the job is never delivered', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 10)
  await q.open()
  await q.add('A')
  const b = await q.add('B')
  const events = []
  q.on('delete', (e) => events.push(`delete ${e.id}`))
  q.on('next', (task) => {
    events.push(`next ${task.job}`)
    q.done()
  })
  q.start() // the claim of A and B is in flight
  await q.delete(b)
  await new Promise((resolve) => q.once('empty', resolve))
  assert.deepEqual(events, ['delete 2', 'next A'])
  await q.close()
})

test('start() while close() runs throws ERR_QUEUE_CLOSED and the queue closes stopped', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const closing = q.close()
  assert.throws(() => q.start(), { code: 'ERR_QUEUE_CLOSED' })
  await closing
  assert.equal(q.isStarted(), false)
})

test('a close() that fails with SQLITE_BUSY leaves the queue open, started, renewing its leases', async (t) => {
  const { file } = tempDir(t)
  const q1 = new PersistentQueue(file(), 1, { visibilityTimeout: 900, busyTimeout: 100 })
  await q1.open()
  q1.on('error', () => {}) // renewals fail while the lock is held: reported, not fatal
  await q1.add('held')
  const inHand = new Promise((resolve) => q1.once('next', resolve))
  q1.start()
  await inHand
  const lock = execScript(file(), 'SELECT 1', 600)
  await sleep(50)
  await assert.rejects(q1.close(), { code: 'SQLITE_BUSY' })
  assert.equal(q1.isOpen(), true)
  assert.equal(q1.isStarted(), true)
  await lock
  await sleep(1200) // longer than the lease: only renewal keeps the job
  const q2 = new PersistentQueue(file(), 1, { visibilityTimeout: 900, pollInterval: 20 })
  await q2.open()
  const stolen = []
  q2.on('next', (task) => stolen.push(task.job))
  q2.start()
  await sleep(300)
  assert.deepEqual(stolen, [], 'a live holder kept its job')
  await q1.done()
  await q1.close()
  await q2.close()
})

test('a corrupt row stays claimed by its holder and is reported once', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 10, { visibilityTimeout: 300, pollInterval: 20 })
  await q.open()
  await q.close()
  await execScript(file(), 'INSERT INTO queue (job) VALUES (NULL); UPDATE queue_count SET counter = counter + 1;')
  await q.open()
  let errors = 0
  let empties = 0
  q.on('error', () => errors++)
  q.on('empty', () => empties++)
  q.start()
  await sleep(1500) // five leases long
  assert.equal(errors, 1)
  assert.equal(empties, 1)
  await q.close()
})

test('an emptied queue on a big original file does not spin trying to shrink it', async (t) => {
  const { file } = tempDir(t)
  await execScript(
    file(),
    `CREATE TABLE queue (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT);
     CREATE TABLE queue_count (counter BIGINT); INSERT INTO queue_count VALUES (0);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
     INSERT INTO queue (job) SELECT '"' || hex(zeroblob(200)) || '"' FROM n;
     DELETE FROM queue WHERE id > 1500; UPDATE queue_count SET counter = 1500;`,
  )
  const holder = new PersistentQueue(file(), 1500) // holds all 1,500 jobs: more than VACUUM takes
  await holder.open()
  await new Promise((resolve) => {
    holder.once('next', () => {
      holder.stop()
      resolve()
    })
    holder.start()
  })
  const q = new PersistentQueue(file())
  await q.open()
  q.on('next', () => q.done())
  q.start()
  await q.add('own')
  await new Promise((resolve) => q.once('empty', resolve))
  await sleep(50)
  const before = process.cpuUsage()
  await sleep(500)
  const used = process.cpuUsage(before)
  assert.ok((used.user + used.system) / 1000 < 250, `idle queue used ${(used.user + used.system) / 1000} ms CPU in 500 ms`)
  await q.close()
  await holder.close()
})

test('timer options past 2^31-1 ms, or too small a lease, are refused', () => {
  for (const options of [
    { visibilityTimeout: 2 ** 31 },
    { visibilityTimeout: 1e19 },
    { visibilityTimeout: 0 },
    { pollInterval: 0 },
    { busyTimeout: 2 ** 40 },
  ]) {
    assert.throws(() => new PersistentQueue('x', 1, options), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, JSON.stringify(options))
  }
  assert.throws(() => new PersistentQueue('x', 1, { maxFileSize: '1000' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  assert.equal(new PersistentQueue('x', 1, { durability: undefined, busyTimeout: undefined }).batchSize, 1)
})

test('start() after close() throws the original message with code ERR_QUEUE_CLOSED', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.close()
  assert.throws(() => q.start(), { code: 'ERR_QUEUE_CLOSED', message: 'Open queue database before starting queue' })
})

test('require() without a built addon throws ERR_ADDON_NOT_BUILT with advice', (t) => {
  const fs = require('node:fs')
  const path = require('node:path')
  const { spawnSync } = require('node:child_process')
  const { dir } = tempDir(t)
  // A copy of the package without any .node file: what a skipped install script leaves.
  for (const f of ['index.js', 'binding.js', 'package.json']) fs.copyFileSync(path.join(__dirname, '..', f), path.join(dir, f))
  fs.cpSync(path.join(__dirname, '..', 'lib'), path.join(dir, 'lib'), { recursive: true })
  const r = spawnSync(
    process.execPath,
    ['-e', `try { require(${JSON.stringify(dir)}) } catch (e) { console.log(e.code + ' ' + e.message) }`],
    {
      encoding: 'utf8',
      env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '' },
    },
  )
  assert.match(r.stdout, /^ERR_ADDON_NOT_BUILT .*npm rebuild sqlite-persistent-queue/)
})
