'use strict'
// Bugs of node-persistent-queue 1.0.x, each fixed as a class and pinned here.
const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('node:events')
const PersistentQueue = require('..')
const { tempDir, drain } = require('./helpers')

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

test('has() resolves true or false (the original swapped resolve and reject)', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const id = await q.add('x')
  assert.equal(await q.has(id), true)
  assert.equal(await q.has(id + 1), false)
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

test('done() with no current job, twice, or after close() is a clear error and deletes nothing', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('a')
  await q.add('b')
  assert.throws(() => q.done(), { code: 'ERR_NO_CURRENT_JOB' })
  assert.equal(q.getLength(), 2)

  const next = once(q, 'next')
  q.start()
  await next
  q.stop()
  const acked = q.done()
  assert.throws(() => q.done(), { code: 'ERR_NO_CURRENT_JOB' }, 'a second done() for the same job')
  await acked
  assert.equal(q.getLength(), 1)
  assert.equal(await q.has(2), true, 'the second done() deleted nothing')
  await q.close()
  assert.throws(() => q.done(), { code: 'ERR_QUEUE_CLOSED' })

  const fresh = new PersistentQueue(file())
  assert.throws(() => fresh.done(), { code: 'ERR_NOT_OPEN' })
  await fresh.open()
  assert.equal(fresh.getLength(), 1)
  await fresh.close()
})

test('stop() and start() in any order never deliver a job twice or deliver undefined', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 3)
  await q.open()
  const total = 40
  for (let i = 0; i < total; i++) await q.add(i)
  const seen = []
  let step = 0
  q.on('next', (task) => {
    assert.notEqual(task, undefined)
    seen.push(task.job)
    // Toggle the queue in every way while a job is in hand, then finish it asynchronously.
    const pattern = step++ % 4
    if (pattern === 0) {
      q.stop()
      q.start()
    } else if (pattern === 1) {
      q.start()
      q.start()
    } else if (pattern === 2) {
      q.stop()
      q.stop()
      q.start()
    }
    setImmediate(() => {
      q.done()
      if (pattern === 3) {
        q.stop()
        q.start()
      }
    })
  })
  const emptied = once(q, 'empty')
  q.start()
  await emptied
  assert.deepEqual(
    seen,
    Array.from({ length: total }, (_, i) => i),
  )
  await q.close()
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

test('no source file calls process.exit or console.error', () => {
  const fs = require('node:fs')
  const path = require('node:path')
  const root = path.join(__dirname, '..')
  for (const f of ['index.js', ...fs.readdirSync(path.join(root, 'lib')).map((f) => `lib/${f}`)]) {
    const src = fs.readFileSync(path.join(root, f), 'utf8')
    assert.doesNotMatch(src, /process\.exit\(|console\.error\(/, f)
  }
})

test('a drained queue reports empty once and keeps length at zero', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add(1)
  let empties = 0
  q.on('empty', () => empties++)
  await drain(q)
  assert.equal(empties, 1)
  assert.equal(q.getLength(), 0)
  await q.close()
})
