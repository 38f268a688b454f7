'use strict'
// process(handler, { concurrency }): acks, retries with backoff, dead letters with their error, job
// timeouts, concurrency, graceful close, keeping the process alive; poison jobs on the compat API.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const PersistentQueue = require('..')
const { tempDir, execScript } = require('./helpers')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
/** Resolves once `emitter` has emitted `event` `n` times; collects the arguments. */
function collect(emitter, event, n) {
  const seen = []
  return new Promise((resolve) => {
    emitter.on(event, (...args) => {
      seen.push(args)
      if (seen.length === n) resolve(seen)
    })
  })
}

test('a resolved handler acks its job; completed follows the commit with the task and the result', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.addAll([{ n: 1 }, { n: 2 }])
  const completed = collect(q, 'completed', 2)
  const calls = []
  const stopped = q.process(async (job, task) => {
    calls.push([job, task.id, task.attempts, task.signal instanceof AbortSignal, task.signal.aborted])
    return job.n * 10
  })
  const events = await completed
  assert.deepEqual(calls, [
    [{ n: 1 }, 1, 1, true, false],
    [{ n: 2 }, 2, 1, true, false],
  ])
  assert.deepEqual(
    events.map(([task, result]) => [task.id, task.job, task.attempts, result]),
    [
      [1, { n: 1 }, 1, 10],
      [2, { n: 2 }, 1, 20],
    ],
  )
  assert.equal(await q.has(1), false, 'acked before completed')
  assert.equal(q.getLength(), 0)
  await q.close()
  assert.equal(await stopped, undefined, 'process() resolves once the queue closed')
})

test('a failing job is retried after its backoff while attempts are left, then becomes a dead letter with its error', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { maxAttempts: 3, backoff: { type: 'fixed', delay: 50 } })
  await q.open()
  await q.add('flaky')
  await q.add('doomed')
  const retrying = []
  q.on('retrying', (task, err, delay) => retrying.push([task.job, task.attempts, err.message, delay]))
  const failed = collect(q, 'failed', 1)
  const completed = collect(q, 'completed', 1)
  const runs = []
  q.process(async (job, task) => {
    runs.push([job, task.attempts, Date.now()])
    if (job === 'doomed' || task.attempts < 3) {
      const err = new TypeError(`${job} failed on attempt ${task.attempts}`)
      err.code = 'E_UPSTREAM'
      throw err
    }
    return 'ok'
  })
  const [[task, error]] = await failed
  await completed
  assert.deepEqual(runs.map(([job, attempts]) => `${job}#${attempts}`).sort(), [
    'doomed#1',
    'doomed#2',
    'doomed#3',
    'flaky#1',
    'flaky#2',
    'flaky#3',
  ])
  const flaky = runs.filter(([job]) => job === 'flaky').map(([, , at]) => at)
  assert.ok(flaky[1] - flaky[0] >= 40 && flaky[2] - flaky[1] >= 40, `retries waited their backoff: ${flaky}`)
  assert.deepEqual(
    retrying.filter(([job]) => job === 'flaky').map(([, attempts, message]) => [attempts, message]),
    [
      [1, 'flaky failed on attempt 1'],
      [2, 'flaky failed on attempt 2'],
    ],
  )
  for (const [, , , delay] of retrying) assert.ok(delay >= 40 && delay <= 50, `fixed backoff with jitter: ${delay}`)
  assert.deepEqual([task.id, task.job, task.attempts, error.code], [2, 'doomed', 3, 'E_UPSTREAM'])
  const dead = await q.getFailed()
  assert.equal(dead.length, 1)
  assert.equal(dead[0].id, 2)
  assert.equal(dead[0].job, 'doomed')
  assert.equal(dead[0].attempts, 3)
  assert.ok(dead[0].failedAt instanceof Date)
  assert.equal(dead[0].error.name, 'TypeError')
  assert.equal(dead[0].error.message, 'doomed failed on attempt 3')
  assert.equal(dead[0].error.code, 'E_UPSTREAM')
  assert.match(dead[0].error.stack, /^TypeError: doomed failed on attempt 3\n\s+at /)
  assert.deepEqual(await q.stats(), { queued: 0, delayed: 0, running: 0, failed: 1 })
  await q.close()
})

test('process() defaults to one attempt; a failing job never blocks the jobs behind it', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.addAll(['bad', 'good-1', 'good-2'])
  const done = collect(q, 'completed', 2)
  const failed = collect(q, 'failed', 1)
  q.process((job) => {
    if (job === 'bad') throw 'a thrown string'
    return job
  })
  const [[task, error]] = await failed
  assert.deepEqual(
    (await done).map(([t]) => t.job),
    ['good-1', 'good-2'],
  )
  assert.deepEqual([task.job, task.attempts, error], ['bad', 1, 'a thrown string'])
  const [dead] = await q.getFailed()
  assert.deepEqual(dead.error, { name: 'Error', message: 'a thrown string', code: null, stack: null })
  await q.close()
})

test('at most `concurrency` handlers run at once, and they start in queue order', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 2)
  await q.open()
  await q.addAll(Array.from({ length: 12 }, (_, i) => i))
  await q.add('first', { priority: 1 })
  let running = 0
  let most = 0
  const starts = []
  const done = collect(q, 'completed', 13)
  q.process(
    async (job) => {
      running++
      most = Math.max(most, running)
      starts.push(job)
      await sleep(job === 'first' ? 80 : 10 + (job % 3) * 10)
      running--
    },
    { concurrency: 3 },
  )
  await done
  assert.equal(most, 3)
  assert.deepEqual(starts, ['first', ...Array.from({ length: 12 }, (_, i) => i)])
  assert.throws(() => q.process(() => {}), { code: 'ERR_CONSUMER_RUNNING' })
  assert.throws(() => q.start(), { code: 'ERR_CONSUMER_RUNNING' })
  assert.throws(() => q.process(() => {}, { concurrency: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })
  assert.throws(() => q.process('not a function'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  await q.close()
})

test("jobTimeout aborts the handler's signal and fails the attempt", async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { jobTimeout: 100, maxAttempts: 2, backoff: { type: 'fixed', delay: 0 } })
  await q.open()
  await q.add('slow')
  const reasons = []
  const failed = collect(q, 'failed', 1)
  q.process(
    (job, task) =>
      new Promise((resolve, reject) => {
        task.signal.addEventListener('abort', () => {
          reasons.push([task.attempts, task.signal.reason.code])
          reject(task.signal.reason)
        })
      }),
  )
  const [[task, error]] = await failed
  assert.deepEqual(reasons, [
    [1, 'ERR_JOB_TIMEOUT'],
    [2, 'ERR_JOB_TIMEOUT'],
  ])
  assert.deepEqual([task.attempts, error.code], [2, 'ERR_JOB_TIMEOUT'])
  assert.equal((await q.getFailed())[0].error.code, 'ERR_JOB_TIMEOUT')
  await q.close()
})

test('close({ timeout }) waits for running handlers; at the deadline their signal aborts and the job goes back, its attempt not counted', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.addAll(['quick', 'endless'])
  const events = []
  q.on('completed', (task) => events.push(`completed ${task.job}`))
  let aborted = null
  const running = new Promise((resolve) => {
    q.process(
      async (job, task) => {
        if (job === 'quick') {
          await sleep(150)
          return
        }
        resolve()
        await new Promise((r) => task.signal.addEventListener('abort', r))
        aborted = task.signal.reason.code
        throw task.signal.reason
      },
      { concurrency: 2 },
    )
  })
  await running
  const began = Date.now()
  await q.close({ timeout: 400 })
  const waited = Date.now() - began
  assert.ok(waited >= 350, `close waited ${waited} ms for the running handlers`)
  assert.deepEqual(events, ['completed quick'], 'the quick handler finished and was acked before the close')
  assert.equal(aborted, 'ERR_QUEUE_CLOSED')
  const again = new PersistentQueue(file())
  await again.open()
  assert.deepEqual(await again.stats(), { queued: 1, delayed: 0, running: 0, failed: 0 })
  const completed = collect(again, 'completed', 1)
  again.process(() => {})
  const [[task]] = await completed
  assert.deepEqual([task.job, task.attempts], ['endless', 1], 'the interrupted attempt did not count')
  await again.close()
})

test('a process() worker keeps the process alive while idle, and lets it exit once closed', () => {
  const script = `
    const Q = require(${JSON.stringify(path.join(__dirname, '..'))})
    const q = new Q('')
    q.open().then(async () => {
      const started = Date.now()
      q.process(() => {}).then(() => console.log('STOPPED ' + (Date.now() - started >= 400)))
      setTimeout(() => q.add('late'), 200).unref()
      q.on('completed', (task) => {
        console.log('COMPLETED ' + task.job)
        setTimeout(() => q.close(), 200).unref()
      })
    })
    process.on('exit', () => console.log('EXIT'))`
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 })
  assert.equal(r.stderr, '')
  assert.deepEqual(r.stdout.trim().split('\n'), ['COMPLETED late', 'STOPPED true', 'EXIT'])
  // The same process without a worker exits at once, the late add never made.
  const idle = spawnSync(process.execPath, ['-e', script.replace('q.process(() => {})', 'Promise.resolve()')], {
    encoding: 'utf8',
    timeout: 30000,
  })
  assert.deepEqual(idle.stdout.trim().split('\n'), ['STOPPED false', 'EXIT'])
})

test('the compat API with maxAttempts: a job delivered that many times goes to failed; the rest flow', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 1, { maxAttempts: 2 })
  await q.open()
  await q.add('poison')
  await q.add('fine')
  const deliveries = []
  const failed = collect(q, 'failed', 1)
  q.on('next', ({ job }) => {
    deliveries.push(job)
    if (job === 'poison') {
      q.abort() // the handler gives up on it, as a crash would
      setImmediate(() => q.start())
    } else q.done()
  })
  q.start()
  const [[task, error]] = await failed
  await new Promise((resolve) => (q.getLength() === 0 ? resolve() : q.once('empty', resolve)))
  assert.deepEqual(deliveries, ['poison', 'poison', 'fine'])
  assert.deepEqual([task.id, task.job, task.attempts, error.code], [1, 'poison', 2, 'ERR_TOO_MANY_ATTEMPTS'])
  assert.equal((await q.getFailed())[0].error.code, 'ERR_TOO_MANY_ATTEMPTS')
  await q.close()
})

test("the next-event calls done() and abort() leave a worker's jobs alone; done() inside a handler says so", async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.addAll(['a', 'b'])
  const completed = collect(q, 'completed', 2)
  /** @type {unknown[]} */
  const seen = []
  let releaseA
  const aRunning = new Promise((resolve) => (releaseA = resolve))
  q.process(
    async (job) => {
      if (job === 'a') {
        try {
          q.done()
        } catch (err) {
          seen.push(/** @type {any} */ (err).code)
        }
        await aRunning
      }
      return job
    },
    { concurrency: 2 },
  )
  await collect(q, 'completed', 1) // b
  assert.throws(() => q.done(), { code: 'ERR_NO_CURRENT_JOB' })
  q.abort() // nothing of the worker's is given back
  releaseA()
  const results = (await completed).map(([task, result]) => [task.id, result])
  assert.deepEqual(results.sort(), [
    [1, 'a'],
    [2, 'b'],
  ])
  assert.deepEqual(seen, ['ERR_NO_CURRENT_JOB'])
  assert.deepEqual(await q.stats(), { queued: 0, delayed: 0, running: 0, failed: 0 })
  await q.close()
})

test('a thrown value whose getters throw still retries and then dead-letters its job', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { maxAttempts: 2, backoff: { type: 'fixed', delay: 0 } })
  await q.open()
  await q.add('cursed')
  const failed = collect(q, 'failed', 1)
  const hostile = Object.defineProperty({}, 'code', {
    get() {
      throw new Error('no code for you')
    },
  })
  q.process(() => {
    throw hostile
  })
  await failed
  const [dead] = await q.getFailed()
  assert.deepEqual([dead.id, dead.attempts, dead.error.code], [1, 2, null])
  assert.deepEqual(await q.stats(), { queued: 0, delayed: 0, running: 0, failed: 1 })
  await q.close()
})

test('a handler that ignores its signal past jobTimeout no longer holds its slot: the jobs behind it run', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { jobTimeout: 50 })
  await q.open()
  await q.addAll(['hangs', 'next'])
  const completed = collect(q, 'completed', 1)
  const failed = collect(q, 'failed', 1)
  q.process((job) => (job === 'hangs' ? new Promise(() => {}) : job), { concurrency: 1 })
  const [[failedTask, error]] = await failed
  assert.deepEqual([failedTask.id, error.code], [1, 'ERR_JOB_TIMEOUT'])
  const [[task, result]] = await completed
  assert.deepEqual([task.id, result], [2, 'next'])
  await q.close({ timeout: 0 })
})

test('an error too large to store whole is cut, so its job still settles under maxFileSize', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { maxFileSize: 1 << 20 })
  await q.open()
  await q.add('big error')
  const failed = collect(q, 'failed', 1)
  q.process(() => {
    throw new Error('x'.repeat(3_000_000))
  })
  await failed
  const [dead] = await q.getFailed()
  assert.equal(dead.error.message.length < 9000, true)
  assert.match(dead.error.message, /^x{8192}… \(2991808 more characters not stored\)$/)
  await q.close()
})

test('process() claims only jobs it starts at once: concurrency bounds running jobs, and a later higher priority goes next', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { batchSize: 100 })
  await q.open()
  await q.addAll(Array.from({ length: 10 }, (_, n) => n))
  const order = []
  let release
  const gate = new Promise((resolve) => (release = resolve))
  q.process(
    async (job) => {
      order.push(job)
      if (order.length === 1) await gate
    },
    { concurrency: 1 },
  )
  while (order.length === 0) await sleep(5)
  assert.deepEqual(await q.stats(), { queued: 9, delayed: 0, running: 1, failed: 0 })
  await q.add('urgent', { priority: 100 })
  const done = collect(q, 'completed', 11)
  release()
  await done
  assert.deepEqual(order.slice(0, 2), [0, 'urgent'])
  await q.close()
})

test('a retry that commits after the worker ran empty is claimed when it comes due', { timeout: 20_000 }, async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { maxAttempts: 3, backoff: { type: 'fixed', delay: 10 } })
  await q.open()
  t.after(() => q.close({ timeout: 0 }))
  await q.add('flaky')
  const runs = []
  const failed = new Promise((resolve) => q.once('failed', (task, err) => resolve([task.id, task.attempts, err.message])))
  q.process(
    async (job, task) => {
      runs.push(task.attempts)
      await sleep(50) // the worker's claim for its free slot finds the queue empty meanwhile
      throw new Error('boom')
    },
    { concurrency: 2 },
  )
  assert.deepEqual(await failed, [1, 3, 'boom'])
  assert.deepEqual(runs, [1, 2, 3])
  assert.deepEqual(await q.stats(), { queued: 0, delayed: 0, running: 0, failed: 1 })
})

test(
  'at the close deadline a handler that rejects with its aborted signal neither counts an attempt nor dead-letters its job',
  { timeout: 60_000 },
  async (t) => {
    const { file } = tempDir(t)
    for (let round = 0; round < 5; round++) {
      const q = new PersistentQueue(file()) // maxAttempts 1: a counted failure would be a dead letter
      await q.open()
      if (round === 0) await q.add({ url: 'x' })
      const events = []
      q.on('failed', (task, err) => events.push(`failed ${err.code}`))
      q.on('retrying', (task, err) => events.push(`retrying ${err.code}`))
      const started = new Promise((resolve) => {
        q.process((job, { signal }) => {
          resolve()
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
        })
      })
      await started
      // Another part of the app keeps the work queue busy around the deadline.
      const busy = setInterval(() => q.stats().catch(() => {}), 0)
      await q.close({ timeout: 30 })
      clearInterval(busy)
      assert.deepEqual(events, [], `round ${round}`)
      const check = new PersistentQueue(file())
      await check.open()
      assert.deepEqual(await check.stats(), { queued: 1, delayed: 0, running: 0, failed: 0 }, `round ${round}`)
      assert.equal((await check.getJob(1)).attempts, 0, `round ${round}: the interrupted attempt did not count`)
      await check.close()
    }
  },
)

test('with concurrency 1, empty follows the last completed event', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.addAll([1, 2, 3, 4, 5])
  let completed = 0
  q.on('completed', () => completed++)
  const atEmpty = new Promise((resolve) => q.once('empty', () => resolve(completed)))
  q.process(() => {})
  assert.equal(await atEmpty, 5)
  await q.close()
})

test('close() does not drop an ack that waits out a lock held by another connection', { timeout: 120_000 }, async (t) => {
  const { file } = tempDir(t)
  // The lock goes away at several moments of the ack's busy retries and close()'s own.
  for (const releaseAt of [150, 225, 240, 260, 300, 380]) {
    const name = file(`q${releaseAt}.sqlite`)
    const q = new PersistentQueue(name, { busyTimeout: 200 })
    await q.open()
    q.on('error', () => {}) // SQLITE_BUSY of the first attempts: reported, not fatal
    await q.add('work')
    let finish = () => {}
    q.process(() => new Promise((resolve) => (finish = resolve)))
    while (!(await q.stats()).running) await sleep(5)
    const completed = collect(q, 'completed', 1)
    const lock = execScript(name, 'SELECT 1', 80 + releaseAt) // holds the write lock
    await sleep(80)
    finish('done') // the ack is issued now, well before close()'s deadline
    const closing = q.close({ timeout: 50 }).then(
      () => 'closed',
      (err) => err.code,
    )
    await lock
    const closeResult = await closing
    assert.ok(['closed', 'SQLITE_BUSY'].includes(closeResult), closeResult)
    const outcome = await Promise.race([completed.then(() => 'completed'), sleep(5000).then(() => 'no completed event in 5 s')])
    assert.equal(outcome, 'completed', `lock released at ${releaseAt} ms: the ack committed, the job never runs again`)
    await q.close()
    const check = new PersistentQueue(name)
    await check.open()
    assert.deepEqual(await check.stats(), { queued: 0, delayed: 0, running: 0, failed: 0 }, `lock released at ${releaseAt} ms`)
    await check.close()
  }
})

test('no empty once close() began, also when close() is called from the last completed listener', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { pollInterval: 100_000 })
  await q.open()
  await q.add('only')
  const events = []
  q.on('empty', () => events.push('empty'))
  q.on('close', () => events.push('close'))
  q.on('completed', () => {
    events.push('completed, close()')
    q.close()
  })
  await q.process(() => 1)
  await sleep(20)
  assert.deepEqual(events, ['completed, close()', 'close'])
})
