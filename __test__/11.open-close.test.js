'use strict'
// open() and close(): state getters, in-memory queues, reopening, races between open, close and start, files of the original library, and operations issued around them.
const test = require('node:test')
const assert = require('node:assert/strict')
const PersistentQueue = require('..')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { once } = require('node:events')
const { tempDir, drain, execScript } = require('./helpers')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** The tables and triggers node-persistent-queue 1.0.x creates in open(), then its INSERTs. */
const ORIGINAL_FILE = `
CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT);
CREATE TABLE IF NOT EXISTS queue_count (counter BIGINT);
INSERT INTO queue_count SELECT 0 as counter WHERE NOT EXISTS(SELECT * FROM queue_count);
UPDATE queue_count SET counter = (SELECT count(*) FROM queue);
CREATE TRIGGER IF NOT EXISTS queue_insert AFTER INSERT ON queue BEGIN UPDATE queue_count SET counter = counter + 1; END;
CREATE TRIGGER IF NOT EXISTS queue_delete AFTER DELETE ON queue BEGIN UPDATE queue_count SET counter = counter - 1; END;
INSERT INTO queue (job) VALUES ('{"task":"a"}'), ('{"task":"b"}'), ('{"task":"c"}'), ('{"task":"d"}'), ('"e"');
DELETE FROM queue WHERE id IN (1, 3);
`

test('state getters before open, after open and after close', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  assert.equal(q.isOpen(), false)
  assert.equal(q.isStarted(), false)
  assert.equal(q.getLength(), null)
  assert.throws(() => q.isEmpty(), { code: 'ERR_NOT_OPEN', message: 'Call open() method before calling isEmpty()' })
  assert.throws(() => q.start(), { code: 'ERR_NOT_OPEN', message: 'Open queue database before starting queue' })
  const opened = once(q, 'open')
  await q.open()
  await opened
  assert.equal(q.isOpen(), true)
  assert.equal(q.isEmpty(), true)
  assert.equal(q.getLength(), 0)
  q.start()
  assert.equal(q.isStarted(), true)
  q.stop()
  assert.equal(q.isStarted(), false)
  const closed = once(q, 'close')
  await q.close()
  await closed
  assert.equal(q.isOpen(), false)
  assert.throws(() => q.isEmpty(), { code: 'ERR_NOT_OPEN' })
})

test('an in-memory queue works and forgets its jobs on close', async () => {
  const q = new PersistentQueue('')
  await q.open()
  await q.add('x')
  assert.equal(q.getLength(), 1)
  await q.close()
  await q.open()
  assert.equal(q.getLength(), 0)
  await q.close()
})

test('jobs survive close and reopen, in order, with the same ids', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 3)
  await q.open()
  for (let i = 0; i < 7; i++) await q.add({ i })
  const seen = []
  q.on('next', (task) => {
    seen.push(task.id)
    q.done()
    if (seen.length === 2) q.stop()
  })
  const stopped = once(q, 'stop')
  q.start()
  await stopped
  await q.close()
  const again = new PersistentQueue(file(), 3)
  await again.open()
  assert.equal(again.getLength(), 5)
  const rest = await drain(again)
  assert.deepEqual([...seen, ...rest.map((s) => s.id)], [1, 2, 3, 4, 5, 6, 7])
  await again.close()
})

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

test('close(); open(); close() issued together end closed, each promise resolving in turn', { timeout: 60_000 }, async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const events = []
  q.on('open', () => events.push('open'))
  q.on('close', () => events.push('close'))
  await Promise.all([q.close(), q.open(), q.close()])
  assert.deepEqual(events, ['close', 'open', 'close'])
  assert.equal(q.isOpen(), false, 'the last call was close()')
  const fresh = new PersistentQueue(file())
  const calls = [fresh.open(), fresh.close(), fresh.open(), fresh.close()]
  await Promise.all(calls)
  assert.equal(fresh.isOpen(), false)
  await fresh.open()
  assert.equal(await fresh.add('still works'), 1)
  await fresh.close()
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

test('close() twice, or before open(), settles cleanly; close waits for pending adds', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.close()
  await q.open()
  const pending = [q.add(1), q.add(2)]
  let closes = 0
  q.on('close', () => closes++)
  await Promise.all([q.close(), q.close()])
  assert.deepEqual(await Promise.all(pending), [1, 2])
  await q.close()
  assert.equal(closes, 1)
  await assert.rejects(q.add(3), { code: 'ERR_QUEUE_CLOSED' })
  const again = new PersistentQueue(file())
  await again.open()
  assert.equal(again.getLength(), 2)
  await again.close()
})

test('close() waits for operations in flight and then resolves', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const adds = Array.from({ length: 1000 }, (_, i) => q.add(i))
  await q.close()
  const settled = await Promise.allSettled(adds)
  assert.ok(settled.every((s) => s.status === 'fulfilled'))
  const again = new PersistentQueue(file())
  await again.open()
  assert.equal(again.getLength(), 1000)
  await again.close()
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

test('start() after close() throws the original message with code ERR_QUEUE_CLOSED', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.close()
  assert.throws(() => q.start(), { code: 'ERR_QUEUE_CLOSED', message: 'Open queue database before starting queue' })
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
  await assert.rejects(q1.close({ timeout: 0 }), { code: 'SQLITE_BUSY' })
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

test('add, has and delete before open() reject with ERR_NOT_OPEN instead of crashing', async () => {
  const q = new PersistentQueue('')
  await assert.rejects(q.add(1), { code: 'ERR_NOT_OPEN' })
  await assert.rejects(q.has(1), { code: 'ERR_NOT_OPEN' })
  await assert.rejects(q.delete(1), { code: 'ERR_NOT_OPEN' })
  await assert.rejects(q.getJobIds(1), { code: 'ERR_NOT_OPEN' })
})

test('operations issued while open() is in flight wait for it, in order', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  const opening = q.open()
  const ids = [q.add('a'), q.add('b')]
  await opening
  assert.deepEqual(await Promise.all(ids), [1, 2])
  await q.close()
})

test('a file of the original library opens with its pending jobs in order and ids continue', async (t) => {
  const { file } = tempDir(t)
  await execScript(file(), ORIGINAL_FILE)
  const q = new PersistentQueue(file())
  await q.open()
  assert.equal(q.getLength(), 3)
  assert.equal(q.isEmpty(), false)
  assert.deepEqual(await q.getJobIds({ task: 'b' }), [2])
  const newId = await q.add({ task: 'f' })
  assert.equal(newId, 6, 'AUTOINCREMENT continues after the highest id ever used')
  const seen = await drain(q)
  assert.deepEqual(seen, [
    { id: 2, job: { task: 'b' } },
    { id: 4, job: { task: 'd' } },
    { id: 5, job: 'e' },
    { id: 6, job: { task: 'f' } },
  ])
  await q.close()
})

test('after migration the original schema still works: its INSERT and its counter', async (t) => {
  const { file } = tempDir(t)
  await execScript(file(), ORIGINAL_FILE)
  const q = new PersistentQueue(file())
  await q.open()
  await q.close()
  // What the original's open() and add() run on the migrated file: it recreates its counter
  // triggers, recounts, and inserts (the trigger bumps the counter).
  await execScript(
    file(),
    ORIGINAL_FILE.split('INSERT INTO queue (job)')[0] + `INSERT INTO queue (job) VALUES ('{"task":"from-original"}');`,
  )
  const again = new PersistentQueue(file())
  await again.open()
  assert.equal(again.getLength(), 4)
  // Our open dropped the triggers again (the core keeps the counter itself): counts stay exact.
  await again.add({ task: 'ours' })
  assert.equal(again.getLength(), 5)
  await again.delete(await again.getFirstJobId({ task: 'ours' }))
  assert.equal(again.getLength(), 4)
  const seen = await drain(again)
  assert.deepEqual(
    seen.map((s) => s.id),
    [2, 4, 5, 6],
  )
  assert.deepEqual(seen[3].job, { task: 'from-original' })
  await again.close()
})

test('close() lets the job in hand finish: its done() commits, then the queue closes and the process exits 0', async (t) => {
  const { file } = tempDir(t)
  // The README's handler shape with a SIGTERM-style close() while the job is in hand.
  const script = `
    const Q = require(${JSON.stringify(path.join(__dirname, '..'))})
    const q = new Q(process.argv[1])
    q.on('next', async () => {
      await new Promise((r) => setTimeout(r, 150))
      await q.done()
      console.log('DONE')
    })
    q.open().then(async () => {
      await q.add({ to: 'ada@example.com' })
      q.start()
      setTimeout(async () => { await q.close(); console.log('CLOSED ' + q.getLength()) }, 20)
    })`
  const r = spawnSync(process.execPath, ['-e', script, file()], { encoding: 'utf8', timeout: 30000 })
  assert.equal(r.stderr, '')
  assert.equal(r.status, 0)
  assert.deepEqual(r.stdout.trim().split('\n'), ['DONE', 'CLOSED 0'])
})

test("close({ timeout }) releases a job still in hand; its handler's late done() acks nothing, also after a reopen", async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 1)
  await q.open()
  await q.add('job-1')
  await q.add('job-2')
  const starts = []
  const late = []
  let firstRun = true
  q.on('next', async ({ job }) => {
    starts.push(job)
    const slow = job === 'job-1' && firstRun
    firstRun = false
    await new Promise((resolve) => setTimeout(resolve, slow ? 200 : 20))
    late.push(await q.done().then(() => `${job} done`))
  })
  q.start()
  await new Promise((resolve) => q.once('next', () => setImmediate(resolve)))
  await q.close({ timeout: 0 }) // job-1's handler is still working
  assert.equal(q.getLength(), 2, 'job-1 went back to the queue')
  await q.open()
  q.start()
  await new Promise((resolve) => setTimeout(resolve, 400))
  // The stale done() of job-1's first run resolved without acking job-1's second run or job-2.
  assert.deepEqual(starts, ['job-1', 'job-1', 'job-2'])
  assert.deepEqual(late.sort(), ['job-1 done', 'job-1 done', 'job-2 done'])
  assert.equal(q.getLength(), 0)
  await q.close()
})

test('a stale done() after close() resolves; start() and done() while reopening say ERR_QUEUE_CLOSED', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('x')
  let staleDone
  const inHand = new Promise((resolve) =>
    q.once('next', () => {
      resolve()
      staleDone = new Promise((r) => setTimeout(r, 100)).then(() => q.done())
    }),
  )
  q.start()
  await inHand
  await q.close({ timeout: 0 })
  assert.equal(await staleDone, undefined, 'resolves quietly: its job went back to the queue')
  assert.throws(() => q.done(), { code: 'ERR_QUEUE_CLOSED' }, 'a done() outside any handler still says the queue is closed')
  const reopening = q.open()
  assert.throws(() => q.start(), { code: 'ERR_QUEUE_CLOSED' })
  assert.throws(() => q.done(), { code: 'ERR_QUEUE_CLOSED' })
  await reopening
  assert.equal(q.getLength(), 1)
  await q.close()
})

test('a listener of open or close that throws: open() and close() still resolve, the exception is reported', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  const errors = []
  q.on('error', (err) => errors.push(err.message))
  q.once('open', () => {
    throw new Error('open listener')
  })
  q.once('close', () => {
    throw new Error('close listener')
  })
  await q.open()
  assert.equal(q.isOpen(), true)
  await q.close()
  assert.equal(q.isOpen(), false)
  assert.deepEqual(errors, ['open listener', 'close listener'])
})

test('close() called from an event listener waits for what later listeners of the same batch issue', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('a')
  let late
  q.on('delete', () => {
    closing = q.close()
  })
  q.on('add', ({ job }) => {
    if (job === 'b') late = q.add('c')
  })
  let closing
  await Promise.all([q.delete(1), q.add('b')])
  assert.equal(await late, 3)
  await closing
  const again = new PersistentQueue(file())
  await again.open()
  assert.deepEqual(await again.getJobIds('c'), [3])
  await again.close()
})

test('file names are opened literally: never as SQLite URIs, whatever their characters', async (t) => {
  const { dir } = tempDir(t)
  const names = [
    ['', 'file:jobs.sqlite'],
    ['', 'file:queue.sqlite?mode=memory'],
    ['', 'file:q.sqlite?nolock=1'],
    ['my queues/dossier à traiter', 'jobs queue.sqlite'],
    ['データ 🚀', 'ジョブ.sqlite'],
    ['odd%20name#1?x=y&z', 'q%3F.sqlite'],
  ]
  const script = `
    const Q = require(${JSON.stringify(path.join(__dirname, '..'))})
    ;(async () => {
      const q = new Q(process.argv[1]); await q.open(); await q.add({ hello: 'world' }); await q.close()
      const again = new Q(process.argv[1]); await again.open(); console.log(again.getLength()); await again.close()
    })()`
  for (const [sub, name] of names) {
    const cwd = path.join(dir, sub)
    fs.mkdirSync(cwd, { recursive: true })
    const r = spawnSync(process.execPath, ['-e', script, name], { cwd, encoding: 'utf8', timeout: 30000 })
    assert.equal(r.stdout.trim(), '1', `${name}: the job is there on reopen (${r.stderr})`)
    const made = fs.readdirSync(cwd, { withFileTypes: true }).filter((e) => e.isFile() && !/-(wal|shm|journal)$/.test(e.name))
    assert.ok(
      made.some((e) => e.name === name),
      `${name}: the file named exists (got ${made.map((e) => e.name)})`,
    )
    for (const e of made) fs.rmSync(path.join(cwd, e.name))
  }
  assert.deepEqual(fs.readdirSync(dir).sort(), ['my queues', 'odd%20name#1?x=y&z', 'データ 🚀'].sort(), 'no other file appeared')
})
