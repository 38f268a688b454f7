'use strict'
// Dead letters and inspection: stats() after each step, getFailed() paging, retry(id),
// retryFailed(), purge() and its alias deleteAll().
const test = require('node:test')
const assert = require('node:assert/strict')
const PersistentQueue = require('..')
const { tempDir } = require('./helpers')

test('stats, getFailed, retry, retryFailed and purge, step by step', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const stats = () => q.stats()
  assert.deepEqual(await stats(), { queued: 0, delayed: 0, running: 0, failed: 0 })
  await q.addAll(['f1', 'f2', 'f3', 'ok'])
  await q.add('later', { delay: 60000 })
  assert.deepEqual(await stats(), { queued: 4, delayed: 1, running: 0, failed: 0 })
  assert.equal(q.getLength(), 5)
  // A worker that fails the f* jobs (one attempt each) and completes 'ok'.
  let settled = 0
  const allSettled = new Promise((resolve) => {
    const count = () => ++settled === 4 && resolve()
    q.on('failed', count)
    q.on('completed', count)
  })
  q.process((job) => {
    if (job.startsWith('f')) throw new RangeError(`${job} broke`)
  })
  await allSettled
  assert.deepEqual(await stats(), { queued: 0, delayed: 1, running: 0, failed: 3 })
  assert.equal(q.getLength(), 1, 'dead letters leave the length')
  assert.equal(await q.has(1), false, 'a dead letter is not in the queue')
  const page = await q.getFailed({ limit: 2, offset: 1 })
  assert.deepEqual(
    page.map((f) => [f.id, f.job, f.attempts, f.error.name, f.error.message]),
    [
      [2, 'f2', 1, 'RangeError', 'f2 broke'],
      [3, 'f3', 1, 'RangeError', 'f3 broke'],
    ],
  )
  assert.deepEqual(
    (await q.getFailed()).map((f) => f.id),
    [1, 2, 3],
  )
  await assert.rejects(q.getFailed({ limit: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })
  await assert.rejects(q.getFailed({ limt: 1 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' })
  // retry(id): back to the queue with its attempts reset; it runs (and fails) again.
  const again = new Promise((resolve) => q.once('failed', (task) => resolve(task)))
  assert.equal(await q.retry(2), 2)
  const task = await again
  assert.deepEqual([task.id, task.attempts], [2, 1])
  await assert.rejects(q.retry(4), { code: 'ERR_JOB_NOT_FOUND' }, "job 4 ('ok') is gone")
  await assert.rejects(q.retry(1.5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  await q.close()
  // retryFailed(): all dead letters back; purge()/deleteAll(): every queued and delayed job gone.
  const idle = new PersistentQueue(file())
  await idle.open()
  assert.equal(await idle.retryFailed(), 3)
  assert.deepEqual(await idle.stats(), { queued: 3, delayed: 1, running: 0, failed: 0 })
  assert.equal(idle.getLength(), 4)
  assert.equal(await idle.retryFailed(), 0)
  assert.equal(await idle.purge(), 4)
  assert.deepEqual(await idle.stats(), { queued: 0, delayed: 0, running: 0, failed: 0 })
  assert.equal(idle.getLength(), 0)
  await idle.add('one more')
  assert.equal(await idle.deleteAll(), 1)
  await idle.close()
})
