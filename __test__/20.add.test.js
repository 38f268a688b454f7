'use strict'
// Producing and looking up: add(), has(), getJobIds(), getFirstJobId(), delete().
const test = require('node:test')
const assert = require('node:assert/strict')
const PersistentQueue = require('..')
const { once } = require('node:events')
const { tempDir, drain } = require('./helpers')

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

test('concurrent adds resolve distinct ids in call order, and add events carry them', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const events = []
  q.on('add', ({ id, job }) => events.push([id, job]))
  const ids = await Promise.all(Array.from({ length: 500 }, (_, i) => q.add({ i })))
  const expected = Array.from({ length: 500 }, (_, i) => i + 1)
  assert.deepEqual(ids, expected)
  assert.deepEqual(
    events,
    expected.map((id) => [id, { i: id - 1 }]),
  )
  assert.equal(q.getLength(), 500)
  await q.close()
})

test('operations that are not awaited take effect in call order', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const first = q.add('a')
  const hasBefore = q.has(1)
  const removed = q.delete(1)
  const hasAfter = q.has(1)
  const second = q.add('b')
  const ids = q.getJobIds('b')
  assert.deepEqual(await Promise.all([first, hasBefore, removed, hasAfter, second, ids]), [1, true, 1, false, 2, [2]])
  await q.close()
})

test('jobs JSON cannot represent are refused with ERR_INVALID_JOB and nothing is stored', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const circular = {}
  circular.self = circular
  for (const bad of [undefined, () => 1, Symbol('s'), 10n, circular, { big: 1n }]) {
    await assert.rejects(q.add(bad), { name: 'TypeError', code: 'ERR_INVALID_JOB' })
  }
  await assert.rejects(q.getJobIds(undefined), { code: 'ERR_INVALID_JOB' })
  assert.equal(q.getLength(), 0)
  assert.equal(await q.add('fine'), 1, 'no id was used by the refused jobs')
  await q.close()
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

test('has() resolves true or false (the original swapped resolve and reject)', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const id = await q.add('x')
  assert.equal(await q.has(id), true)
  assert.equal(await q.has(id + 1), false)
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

test('delete() of a missing id rejects with ERR_JOB_NOT_FOUND and leaves the length alone', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('x')
  let deleteEvents = 0
  q.on('delete', () => deleteEvents++)
  await assert.rejects(q.delete(77), { name: 'Error', code: 'ERR_JOB_NOT_FOUND', message: /77/ })
  assert.equal(q.getLength(), 1)
  assert.equal(deleteEvents, 0)
  await assert.rejects(q.delete(1.5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  assert.equal(q.getLength(), 1)
  await q.close()
})
