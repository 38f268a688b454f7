'use strict'
// The compat API of node-persistent-queue 1.0.x: every method and event, with real files.
const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('node:events')
const PersistentQueue = require('..')
const { tempDir, drain } = require('./helpers')

test('the module exports the class three ways', () => {
  assert.equal(typeof PersistentQueue, 'function')
  assert.equal(PersistentQueue.PersistentQueue, PersistentQueue)
  assert.equal(PersistentQueue.default, PersistentQueue)
})

test('constructor checks its arguments with the original messages', () => {
  assert.throws(() => new PersistentQueue(), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'No filename parameter provided' })
  assert.throws(() => new PersistentQueue(42), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  const msg = 'Invalid batchSize parameter.  Must be a number > 0'
  assert.throws(() => new PersistentQueue('x', 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: msg })
  assert.throws(() => new PersistentQueue('x', '5'), { name: 'TypeError', message: msg })
  assert.throws(() => new PersistentQueue('x', NaN), { name: 'RangeError', message: msg })
  assert.throws(() => new PersistentQueue('x', 2.5), { name: 'RangeError', message: msg })
  assert.throws(() => new PersistentQueue('x', 1, { durability: 'fast' }), { code: 'ERR_OUT_OF_RANGE' })
  assert.throws(() => new PersistentQueue('x', 1, { busyTimeout: -1 }), { code: 'ERR_OUT_OF_RANGE' })
  const q = new PersistentQueue('x')
  assert.equal(q.batchSize, 10)
  assert.equal(q.dbPath, 'x')
  assert.equal(new PersistentQueue('').dbPath, ':memory:')
})

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

test('add resolves ids, emits add with the job, and updates length and emptiness', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const events = []
  q.on('add', (e) => events.push(e))
  const job = { url: 'https://example.com', n: [1, 2] }
  const id = await q.add(job)
  assert.equal(id, 1)
  assert.equal(await q.add('second'), 2)
  assert.deepEqual(events, [
    { id: 1, job },
    { id: 2, job: 'second' },
  ])
  assert.equal(events[0].job, job, 'the add event carries the caller’s own object, as the original')
  assert.equal(q.getLength(), 2)
  assert.equal(q.isEmpty(), false)
  await q.close()
})

test('next delivers jobs in FIFO order with the JSON round trip, then empty', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 2)
  await q.open()
  const jobs = [{ a: 1 }, 'text', 3.5, [null, true], { nested: { deep: ['x'] } }, null, { date: new Date(0) }]
  for (const job of jobs) await q.add(job)
  const seen = await drain(q)
  assert.deepEqual(
    seen.map((s) => s.id),
    [1, 2, 3, 4, 5, 6, 7],
  )
  assert.deepEqual(
    seen.map((s) => s.job),
    jobs.map((j) => JSON.parse(JSON.stringify(j))),
  )
  assert.equal(q.getLength(), 0)
  assert.equal(q.isEmpty(), true)
  await q.close()
})

test('event order: open, add, start, next per job, empty, stop, close', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  const order = []
  for (const name of ['open', 'add', 'start', 'next', 'empty', 'stop', 'close', 'delete']) {
    q.on(name, () => order.push(name))
  }
  await q.open()
  await q.add(1)
  await q.add(2)
  const id = await q.add(3)
  await q.delete(id)
  await drain(q)
  await q.close()
  assert.deepEqual(order, ['open', 'add', 'add', 'add', 'delete', 'start', 'next', 'next', 'empty', 'stop', 'close'])
})

test('has, getJobIds and getFirstJobId answer from the file', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const a = await q.add({ k: 'a' })
  await q.add({ k: 'b' })
  const a2 = await q.add({ k: 'a' })
  assert.equal(await q.has(a), true)
  assert.equal(await q.has(999), false)
  assert.deepEqual(await q.getJobIds({ k: 'a' }), [a, a2])
  assert.deepEqual(await q.getJobIds({ k: 'zzz' }), [])
  assert.equal(await q.getFirstJobId({ k: 'a' }), a)
  assert.equal(await q.getFirstJobId({ k: 'zzz' }), null)
  await assert.rejects(q.has('1'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  await q.close()
})

test('delete removes a job, emits delete, resolves the id, and it is never delivered', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('keep-1')
  const gone = await q.add('gone')
  await q.add('keep-2')
  const deleted = once(q, 'delete')
  assert.equal(await q.delete(gone), gone)
  assert.deepEqual((await deleted)[0], { id: gone })
  assert.equal(q.getLength(), 2)
  assert.equal(await q.has(gone), false)
  const seen = await drain(q)
  assert.deepEqual(
    seen.map((s) => s.job),
    ['keep-1', 'keep-2'],
  )
  await q.close()
})

test('delete of a job already claimed into the in-memory batch keeps it from being delivered', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 10)
  await q.open()
  for (let i = 1; i <= 5; i++) await q.add(i)
  const seen = []
  let deleted = false
  q.on('next', async (task) => {
    seen.push(task.job)
    if (!deleted) {
      deleted = true
      await q.delete(4) // job 4 sits in this object's claimed batch now
    }
    q.done()
  })
  const emptied = once(q, 'empty')
  q.start()
  await emptied
  assert.deepEqual(seen, [1, 2, 3, 5])
  assert.equal(q.getLength(), 0)
  await q.close()
})

test('abort gives the job back to the head; start delivers it again', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('first')
  await q.add('second')
  const first = once(q, 'next')
  q.start()
  const [task] = await first
  assert.equal(task.job, 'first')
  q.abort()
  assert.equal(q.isStarted(), false)
  const seen = await drain(q)
  assert.deepEqual(
    seen.map((s) => s.job),
    ['first', 'second'],
  )
  assert.equal(seen[0].id, task.id)
  await q.close()
})

test('setDebug returns the queue for chaining and logs steps only while on; getSqlite3 is not supported', async (t) => {
  const lines = []
  t.mock.method(console, 'log', (line) => lines.push(line))
  const q = new PersistentQueue('')
  assert.equal(q.setDebug(true), q)
  await q.open()
  await q.add('x')
  await drain(q)
  q.setDebug(false)
  const logged = lines.length
  await q.add('y')
  await drain(q)
  await q.close()
  t.mock.restoreAll()
  assert.ok(logged >= 3, `debug logged ${logged} lines`)
  assert.ok(lines.every((l) => l.startsWith('[sqlite-persistent-queue] ')))
  assert.ok(lines.some((l) => l.includes('next 1')) && lines.some((l) => l.includes('done 1')))
  assert.equal(lines.length, logged, 'nothing is logged after setDebug(false)')
  assert.throws(() => q.getSqlite3(), { code: 'ERR_NOT_SUPPORTED' })
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

test('an added job wakes a started, empty queue', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const seen = []
  q.on('next', (task) => {
    seen.push(task.job)
    q.done()
  })
  q.start()
  await q.add('late')
  await new Promise((resolve) => q.once('empty', resolve))
  assert.deepEqual(seen, ['late'])
  await q.close()
})
