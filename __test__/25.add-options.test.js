'use strict'
// add(job, options) and addAll(): priorities, delays, attempt limits, de-duplication keys, all-or-nothing
// batches; and the constructor's (filename, options) form with the worker options.
const test = require('node:test')
const assert = require('node:assert/strict')
const PersistentQueue = require('..')
const { tempDir, drain } = require('./helpers')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('the constructor takes (filename, options) with batchSize inside, and checks every new option by name', () => {
  const q = new PersistentQueue('x', { batchSize: 7, maxAttempts: 3, jobTimeout: 500, backoff: { type: 'fixed', delay: 10 } })
  assert.equal(q.batchSize, 7)
  assert.equal(new PersistentQueue('x', { durability: 'normal' }).batchSize, 10)
  assert.equal(new PersistentQueue('x', 3, { maxAttempts: 2 }).batchSize, 3)
  const refuse = (args, expected) => assert.throws(() => new PersistentQueue('x', ...args), expected, JSON.stringify(args))
  refuse([{ batchSize: 0 }], { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })
  refuse([5, { batchSize: 5 }], { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /batchSize is given twice/ })
  refuse([{ maxAttempts: 0 }], { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: /options\.maxAttempts/ })
  refuse([{ maxAttempts: 1.5 }], { name: 'RangeError', message: /options\.maxAttempts/ })
  refuse([{ maxAttempts: '3' }], { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /options\.maxAttempts/ })
  refuse([{ jobTimeout: 0 }], { name: 'RangeError', message: /options\.jobTimeout/ })
  refuse([{ backoff: { type: 'linear' } }], { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /options\.backoff\.type/ })
  refuse([{ backoff: { delay: -1 } }], { name: 'RangeError', message: /options\.backoff\.delay/ })
  refuse([{ backoff: { delay: 100, maxDelay: 50 } }], { name: 'RangeError', message: /options\.backoff\.maxDelay/ })
  refuse([{ backoff: { dealy: 100 } }], { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /"dealy"/ })
  refuse([{ backoff: 100 }], { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
})

test('add() options are checked by name, and a refused add stores nothing', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const refuse = (opts, expected) => assert.rejects(q.add('x', opts), expected, JSON.stringify(opts))
  await refuse({ delay: -1 }, { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: /options\.delay/ })
  await refuse({ delay: 10, runAt: Date.now() }, { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /exclusive/ })
  await refuse({ runAt: new Date('nonsense') }, { name: 'RangeError', message: /options\.runAt/ })
  await refuse({ runAt: '2030-01-01' }, { name: 'TypeError', message: /options\.runAt/ })
  await refuse({ priority: 1.5 }, { name: 'RangeError', message: /options\.priority/ })
  await refuse({ maxAttempts: 0 }, { name: 'RangeError', message: /options\.maxAttempts/ })
  await refuse({ key: '' }, { name: 'TypeError', message: /options\.key/ })
  await refuse({ key: 7 }, { name: 'TypeError', message: /options\.key/ })
  await refuse({ prority: 1 }, { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /"prority"/ })
  await refuse([], { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  assert.equal(q.getLength(), 0)
  assert.equal(await q.add('fine', {}), 1, 'no id was used')
  await q.close()
})

test('higher priorities are delivered first, FIFO within a priority', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 2)
  await q.open()
  await q.add('low', { priority: -5 })
  await q.add('a')
  await q.add('urgent-1', { priority: 10 })
  await q.add('b')
  await q.add('urgent-2', { priority: 10 })
  await q.add('c', { priority: 0 })
  const seen = await drain(q)
  assert.deepEqual(
    seen.map((s) => s.job),
    ['urgent-1', 'urgent-2', 'a', 'b', 'c', 'low'],
  )
  await q.close()
})

test('a delayed job is never delivered before its time and promptly after it, by a timer', async (t) => {
  const { file } = tempDir(t)
  const keepAlive = setInterval(() => {}, 1000)
  t.after(() => clearInterval(keepAlive))
  const q = new PersistentQueue(file(), 10, { pollInterval: 60000 }) // no polling to lean on
  await q.open()
  const seen = []
  q.on('next', ({ job }) => {
    seen.push([job, Date.now()])
    q.done()
  })
  q.start()
  const start = Date.now()
  await q.add('in 400 ms', { delay: 400 })
  await q.add('at +200 ms', { runAt: new Date(start + 200) })
  await q.add('now')
  const stats = await q.stats()
  assert.equal(stats.delayed, 2)
  assert.equal(stats.queued + stats.running, 1, 'the ready job, maybe claimed already')
  assert.equal(q.getLength(), 3, 'delayed jobs count in the length')
  while (seen.length < 3 && Date.now() - start < 5000) await sleep(20)
  assert.deepEqual(
    seen.map(([job]) => job),
    ['now', 'at +200 ms', 'in 400 ms'],
  )
  const at = Object.fromEntries(seen.map(([job, when]) => [job, when - start]))
  assert.ok(at['at +200 ms'] >= 200, `delivered ${at['at +200 ms']} ms after the start, before its time`)
  assert.ok(at['in 400 ms'] >= 400, `delivered at ${at['in 400 ms']} ms, before its time`)
  assert.ok(at['in 400 ms'] < 2000, `delivered at ${at['in 400 ms']} ms: not promptly`)
  await q.close()
})

test('a key de-duplicates while its job is queued, delayed or running; afterwards it adds again', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const added = []
  q.on('add', ({ id, job }) => added.push([id, job]))
  const first = await q.add({ email: 'ada' }, { key: 'welcome:ada' })
  assert.equal(await q.add({ email: 'ada', again: true }, { key: 'welcome:ada' }), first)
  assert.deepEqual(await Promise.all([q.add('x', { key: 'k2', delay: 60000 }), q.add('y', { key: 'k2' })]), [2, 2])
  assert.deepEqual(added, [
    [1, { email: 'ada' }],
    [2, 'x'],
  ])
  assert.equal(q.getLength(), 2)
  const inHand = new Promise((resolve) => q.once('next', resolve))
  q.start()
  const task = await inHand
  assert.equal(task.id, first)
  assert.equal(await q.add('while running', { key: 'welcome:ada' }), first)
  await q.done()
  assert.equal(await q.add('after done', { key: 'welcome:ada' }), 3, 'the key is free once its job is acked')
  await q.close()
})

test('addAll() commits all jobs in one transaction or none', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 10, { maxFileSize: 64 * 1024 })
  await q.open()
  const events = []
  q.on('add', ({ id }) => events.push(id))
  assert.deepEqual(await q.addAll(['a', 'b', 'c']), [1, 2, 3])
  assert.deepEqual(events, [1, 2, 3])
  // One job too large for the file: the whole batch is refused, nothing is stored.
  await assert.rejects(q.addAll(['d', 'z'.repeat(200000), 'e']), { code: 'SQLITE_FULL' })
  await assert.rejects(q.addAll(['f', undefined]), { name: 'TypeError', code: 'ERR_INVALID_JOB' })
  await assert.rejects(q.addAll('not an array'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  assert.equal(q.getLength(), 3)
  assert.deepEqual(await q.getJobIds('d'), [])
  assert.deepEqual(await q.addAll(['g', 'h'], { priority: 9 }), [4, 5])
  assert.deepEqual(await q.addAll([{ n: 1 }, { n: 2 }], { key: 'same' }), [6, 6], 'one key: one job')
  assert.deepEqual(await q.addAll([]), [])
  assert.deepEqual(events, [1, 2, 3, 4, 5, 6])
  assert.deepEqual(
    (await drain(q)).map((s) => s.job),
    ['g', 'h', 'a', 'b', 'c', { n: 1 }],
  )
  await q.close()
})

test('null options mean none; batchSize in the options with an undefined second argument is taken once', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), undefined, { batchSize: 5 })
  assert.equal(q.batchSize, 5)
  await q.open()
  assert.equal(await q.add('x', null), 1)
  assert.deepEqual(await q.addAll(['y'], null), [2])
  await assert.rejects(q.list(), { code: 'ERR_INVALID_ARG_TYPE', message: /list\(\) takes \{ state, limit, offset \}/ })
  await assert.rejects(q.list({ state: 'done' }), { code: 'ERR_INVALID_ARG_VALUE', message: /queued, running, failed, delayed; got/ })
  assert.deepEqual(
    (await q.list({ state: 'queued', limit: 1, offset: 1 })).map((j) => j.job),
    ['y'],
  )
  await q.close(null)
})

test('addAll() of a sparse array refuses the hole with ERR_INVALID_JOB; operations of the same tick are unaffected', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  // eslint-disable-next-line no-sparse-arrays
  const sparse = q.addAll([1, , 3])
  const plain = q.add('plain')
  const stats = q.stats()
  await assert.rejects(sparse, { code: 'ERR_INVALID_JOB' })
  assert.equal(await plain, 1)
  assert.deepEqual(await stats, { queued: 1, delayed: 0, running: 0, failed: 0 })
  await q.close()
})

test('keys that differ only in lone surrogates stay distinct', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const ids = []
  for (const key of ['k\uD800', 'k\uD801', 'k\uDC00', 'k\uD800']) ids.push(await q.add(key.length, { key }))
  assert.deepEqual(ids, [1, 2, 3, 1])
  await q.close()
})
