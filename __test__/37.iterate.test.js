'use strict'
// for await (const task of queue): tasks settled by the loop (done, fail, release), what happens to
// tasks left unsettled when the loop exits, and the loop's end when the queue closes.
const test = require('node:test')
const assert = require('node:assert/strict')
const PersistentQueue = require('..')
const { tempDir, drain } = require('./helpers')

test('for await yields {id, job, attempts} in queue order; done() acks, fail() retries or dead-letters', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { maxAttempts: 2, backoff: { type: 'fixed', delay: 0 } })
  await q.open()
  await q.addAll(['a', 'b', 'c'])
  const seen = []
  for await (const task of q) {
    seen.push([task.id, task.job, task.attempts])
    if (task.job === 'b') await task.fail(new Error('b is bad'))
    else await task.done()
    if (seen.length === 4) break
  }
  // A retry without delay goes back at its place: before 'c', which was not claimed ahead.
  assert.deepEqual(seen, [
    [1, 'a', 1],
    [2, 'b', 1],
    [2, 'b', 2],
    [3, 'c', 1],
  ])
  await q.add('x')
  assert.deepEqual(await q.stats(), { queued: 1, delayed: 0, running: 0, failed: 1 }, "'b' failed twice, 'x' waits")
  const [dead] = await q.getFailed()
  assert.deepEqual([dead.id, dead.job, dead.attempts, dead.error.message], [2, 'b', 2, 'b is bad'])
  await q.close()
})

test('a task the loop leaves unsettled goes back to the head of the queue, its attempt not counted', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 5)
  await q.open()
  await q.addAll(['first', 'second', 'third'])
  for await (const task of q) {
    assert.equal(task.job, 'first')
    break // left without done(): it goes back
  }
  try {
    for await (const task of q) {
      assert.equal(task.job, 'first')
      throw new Error('the loop body failed')
    }
  } catch (err) {
    assert.equal(err.message, 'the loop body failed')
  }
  const [first] = await (async () => {
    for await (const task of q) {
      await task.release()
      return [task]
    }
  })()
  assert.deepEqual([first.job, first.attempts], ['first', 1], 'three deliveries, none counted')
  await assert.rejects(first.done(), { code: 'ERR_NO_CURRENT_JOB' }, 'a task is settled once')
  const rest = await drain(q)
  assert.deepEqual(
    rest.map((s) => s.job),
    ['first', 'second', 'third'],
  )
  await q.close()
})

test('the loop waits for jobs and ends when the queue closes; one consumer per queue object', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const seen = []
  const loop = (async () => {
    for await (const task of q) {
      seen.push(task.job)
      await task.done()
      if (task.job === 'last') setImmediate(() => q.close())
    }
    return 'ended'
  })()
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.throws(() => q.start(), { code: 'ERR_CONSUMER_RUNNING' })
  await q.add('late')
  await q.add('last')
  assert.equal(await loop, 'ended')
  assert.deepEqual(seen, ['late', 'last'])
  assert.throws(() => q[Symbol.asyncIterator](), { code: 'ERR_QUEUE_CLOSED' })
})

test("the README's loop at a graceful close: a task that outlived close({ timeout }) settles quietly", async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('slow')
  const outcomes = []
  const loop = (async () => {
    for await (const task of q) {
      try {
        await new Promise((resolve) => setTimeout(resolve, 200)) // outlives close({ timeout: 0 })
        await task.done()
        outcomes.push('done resolved')
      } catch (err) {
        outcomes.push(`caught ${err.code}`)
        await task.fail(err)
      }
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, 50))
  await q.close({ timeout: 0 })
  await loop
  assert.deepEqual(outcomes, ['done resolved'])
  await q.open()
  assert.deepEqual(await q.stats(), { queued: 1, delayed: 0, running: 0, failed: 0 }, 'the job went back, uncounted')
  assert.equal((await q.getJob(1)).attempts, 0)
  await q.close()
})

test(
  'jobs claimed ahead go back when a loop returns, and this object delivers them at once; no empty while they wait',
  { timeout: 20_000 },
  async (t) => {
    const { file } = tempDir(t)
    const q = new PersistentQueue(file(), { pollInterval: 100_000 }) // no poll to the rescue
    await q.open()
    const events = []
    const ran = []
    q.on('empty', () => events.push(`empty after ${ran.length} ran`))
    await q.addAll(['a', 'b'])
    const it = q[Symbol.asyncIterator]()
    const pending = [it.next(), it.next(), it.next()]
    // The loop returns while its claimed-ahead jobs wait for delivery and another claim is in flight.
    queueMicrotask(() => q.stats().then(() => it.return()))
    await Promise.all(pending)
    const done = new Promise((resolve) => q.on('completed', () => ran.length === 2 && resolve()))
    q.process((job) => {
      ran.push(job)
    })
    await done
    assert.deepEqual(ran, ['a', 'b'])
    assert.deepEqual(await q.stats(), { queued: 0, delayed: 0, running: 0, failed: 0 })
    assert.deepEqual(
      events.filter((e) => e !== 'empty after 2 ran'),
      [],
      'no empty while the jobs handed back waited',
    )
    await q.close()
  },
)

test("a loop's task.release() after the queue closed resolves, as done() and fail() do", async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('slow')
  const outcomes = []
  const loop = (async () => {
    for await (const task of q) {
      await new Promise((resolve) => setTimeout(resolve, 100)) // outlives close({ timeout: 0 })
      outcomes.push(await task.release())
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, 30))
  await q.close({ timeout: 0 })
  await loop
  assert.deepEqual(outcomes, [undefined])
})
