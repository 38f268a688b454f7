'use strict'
// Consuming in one process: start(), stop(), next, done(), abort(), empty, and deletes racing deliveries.
const test = require('node:test')
const assert = require('node:assert/strict')
const PersistentQueue = require('..')
const { once } = require('node:events')
const { tempDir, drain } = require('./helpers')

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

test('a job added in the same tick as the last done() is delivered: chained steps never stall', async (t) => {
  const { file } = tempDir(t)
  for (const order of ['done then add', 'add then done']) {
    const q = new PersistentQueue(file(`${order}.sqlite`))
    await q.open()
    await q.add({ step: 1 })
    const seen = []
    const finished = new Promise((resolve) => {
      q.on('next', ({ job }) => {
        seen.push(job.step)
        if (order === 'done then add') q.done()
        if (job.step < 5) q.add({ step: job.step + 1 })
        if (order === 'add then done') q.done()
        if (job.step === 5) resolve()
      })
    })
    q.start()
    await finished
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(seen, [1, 2, 3, 4, 5], order)
    assert.equal(q.getLength(), 0, order)
    await q.close()
  }
})

test('a next listener added after start() gets the jobs; no job is handed to nobody', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('a')
  await q.add('b')
  q.start()
  await new Promise((resolve) => setTimeout(resolve, 50))
  q.stop()
  q.start()
  const seen = []
  const emptied = new Promise((resolve) => q.once('empty', resolve))
  q.on('next', ({ job }) => {
    seen.push(job)
    q.done()
  })
  await emptied
  assert.deepEqual(seen, ['a', 'b'])
  await q.close()
})

test('abort() gives the job back; a done() from its handler later acks nothing', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 1)
  await q.open()
  await q.add('first')
  await q.add('second')
  const deliveries = []
  const lateDone = new Promise((resolveLate) => {
    q.on('next', ({ job }) => {
      deliveries.push(job)
      if (deliveries.length === 1) {
        q.abort()
        // This handler goes on and calls done() once its (abandoned) work ends.
        setTimeout(() => resolveLate(q.done()), 100)
        setImmediate(() => q.start())
      } else setTimeout(() => q.done(), 300)
    })
  })
  q.start()
  await lateDone
  assert.deepEqual(deliveries, ['first', 'first'], 'the aborted job came back first')
  assert.equal(await q.has(1), true, 'the stale done() acked neither the job nor its second delivery')
  assert.equal(q.getLength(), 2)
  await new Promise((resolve) => q.once('empty', resolve))
  assert.deepEqual(deliveries, ['first', 'first', 'second'])
  await q.close()
})

test('stop() hands the prefetched jobs back: another consumer takes them, none twice', async (t) => {
  const { file } = tempDir(t)
  const keepAlive = setInterval(() => {}, 1000) // b polls on unref'd timers, which never hold the process
  t.after(() => clearInterval(keepAlive))
  const a = new PersistentQueue(file(), 10)
  const b = new PersistentQueue(file(), 10, { pollInterval: 20 })
  await a.open()
  await b.open()
  for (let i = 1; i <= 10; i++) await a.add(i)
  const gotA = []
  a.on('next', ({ job }) => {
    gotA.push(job)
    a.done().then(() => a.stop())
  })
  const stopped = new Promise((resolve) => a.once('stop', resolve))
  a.start()
  await stopped
  const gotB = []
  b.on('next', ({ job }) => {
    gotB.push(job)
    b.done()
  })
  const emptied = new Promise((resolve) => b.once('empty', resolve))
  b.start()
  await emptied
  assert.deepEqual(gotA, [1])
  assert.deepEqual(gotB, [2, 3, 4, 5, 6, 7, 8, 9, 10])
  await a.close()
  await b.close()
})

test('prefetched jobs go back to the queue when the job in hand takes long; the holder never delivers them again', async (t) => {
  const { file } = tempDir(t)
  const keepAlive = setInterval(() => {}, 1000) // the queue's own timers never hold the process
  t.after(() => clearInterval(keepAlive))
  const a = new PersistentQueue(file(), 10)
  const b = new PersistentQueue(file(), 1, { pollInterval: 20 })
  await a.open()
  await b.open()
  for (let i = 1; i <= 5; i++) await a.add(i)
  const gotA = []
  let finishA
  const aBusy = new Promise((resolve) => (finishA = resolve))
  a.on('next', ({ job }) => {
    gotA.push(job)
    if (job === 1) aBusy.then(() => a.done())
    else a.done()
  })
  const aHolds = new Promise((resolve) => a.once('next', resolve))
  a.start()
  await aHolds
  const gotB = []
  const bGotAll = new Promise((resolve) => {
    b.on('next', ({ job }) => {
      gotB.push(job)
      const acked = b.done()
      if (gotB.length === 4) acked.then(resolve) // so that a's count no longer includes it
    })
  })
  b.start()
  await bGotAll // within about a second of a's long job, not when it ends
  finishA()
  await new Promise((resolve) => a.once('empty', resolve))
  assert.deepEqual(gotA, [1])
  assert.deepEqual(gotB, [2, 3, 4, 5])
  assert.equal(a.getLength(), 0)
  await a.close()
  await b.close()
})

test(
  'a second done() from a handler after the next job was delivered throws ERR_NO_CURRENT_JOB and acks nothing',
  { timeout: 60_000 },
  async (t) => {
    const { file } = tempDir(t)
    const q = new PersistentQueue(file(), 10)
    await q.open()
    for (let i = 1; i <= 3; i++) await q.add({ n: i })
    const log = []
    let release2
    const job2Running = new Promise((resolve) => (release2 = resolve))
    q.on('next', async ({ id }) => {
      log.push(`next ${id}`)
      if (id === 1) {
        await q.done()
        await job2Running // job 2 is in hand now
        try {
          await q.done()
          log.push('second done of 1 resolved')
        } catch (err) {
          log.push(`second done of 1: ${err.code}`)
        }
        assert.equal(await q.has(2), true, 'job 2 is still in the queue: its handler has not finished')
        log.push('2 still queued')
        q.emit('checked')
      } else {
        if (id === 2) {
          release2()
          await once(q, 'checked')
        }
        await q.done()
      }
    })
    const emptied = once(q, 'empty')
    q.start()
    await emptied
    assert.deepEqual(log, ['next 1', 'next 2', 'second done of 1: ERR_NO_CURRENT_JOB', '2 still queued', 'next 3'])
    assert.equal(q.getLength(), 0)
    await q.close()
  },
)

test(
  'done(task) from outside the handler (a worker thread reply) answers that delivery, not the job now in hand',
  { timeout: 60_000 },
  async (t) => {
    const { Worker } = require('node:worker_threads')
    const { file } = tempDir(t)
    // Replies after the delay each message asks for, from a context that is not the handler's.
    const worker = new Worker(
      "require('node:worker_threads').parentPort.on('message', (m) => setTimeout(() => require('node:worker_threads').parentPort.postMessage(m), m.ms))",
      { eval: true },
    )
    t.after(() => worker.terminate())
    const q = new PersistentQueue(file(), 1)
    await q.open()
    await q.add('A')
    await q.add('B')
    const tasks = []
    const log = []
    let ms = 300
    q.on('next', (task) => {
      tasks.push(task)
      log.push(`next ${task.job}`)
      worker.postMessage({ k: tasks.length - 1, ms })
    })
    worker.on('message', ({ k }) => {
      const task = tasks[k]
      q.done(task).then(
        () => log.push(`done ${task.job} #${k}`),
        (err) => log.push(`done ${task.job} #${k}: ${err.code}`),
      )
    })
    q.start()
    await once(q, 'next')
    await q.close({ timeout: 0 }) // A goes back to the queue before the worker replies
    ms = 60_000
    await q.open()
    q.start() // A is delivered again; its first run's late reply comes meanwhile
    await new Promise((resolve) => setTimeout(resolve, 600))
    assert.deepEqual(log, ['next A', 'next A', 'done A #0'])
    assert.equal(await q.has(1), true, "the first run's late done(task) acked nothing")
    await q.close({ timeout: 0 })
  },
)

test('removeAllListeners() on a started queue: a next listener added afterwards gets the waiting jobs', { timeout: 60_000 }, async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  for (let i = 1; i <= 3; i++) await q.add({ n: i })
  const keepAlive = setInterval(() => {}, 1000) // the application's own work keeps the process up
  t.after(() => clearInterval(keepAlive))
  q.start() // no next listener yet
  await new Promise((resolve) => setTimeout(resolve, 50))
  q.removeAllListeners() // also the queue's own newListener hook: its poll tick notices the listener
  const got = []
  const emptied = once(q, 'empty')
  q.on('next', ({ id }) => {
    got.push(id)
    q.done()
  })
  await emptied
  assert.deepEqual(got, [1, 2, 3])
  await q.close()
})

test(
  'a job another queue object deletes before it is delivered is never delivered, though it was claimed ahead',
  { timeout: 60_000 },
  async (t) => {
    const { file } = tempDir(t)
    const admin = new PersistentQueue(file())
    await admin.open()
    for (let i = 1; i <= 5; i++) await admin.add({ n: i })
    const c = new PersistentQueue(file(), 10) // claims all five ahead with the first
    await c.open()
    const got = []
    c.on('next', async ({ id }) => {
      got.push(id)
      if (id === 1) assert.equal(await admin.delete(3), 3)
      await c.done()
    })
    const emptied = once(c, 'empty')
    c.start()
    await emptied
    assert.deepEqual(got, [1, 2, 4, 5])
    assert.equal(await admin.has(3), false)
    await c.close()
    await admin.close()
  },
)

test(
  'a started consumer whose next listener goes away hands its claimed-ahead jobs to another consumer',
  { timeout: 60_000 },
  async (t) => {
    const { file } = tempDir(t)
    const a = new PersistentQueue(file(), 10)
    await a.open()
    for (let i = 1; i <= 10; i++) await a.add({ n: i })
    let acked
    const handler = () => {
      a.off('next', handler) // a worker that unsubscribes after one job, and stays started
      acked = a.done()
    }
    a.on('next', handler)
    a.start()
    await once(a, 'next')
    await acked
    const b = new PersistentQueue(file(), 10, { pollInterval: 20 })
    await b.open()
    const got = []
    b.on('next', ({ id }) => {
      got.push(id)
      b.done()
    })
    b.start()
    const deadline = Date.now() + 20_000
    while (got.length < 9 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.deepEqual(got, [2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert.equal(a.isStarted(), true)
    await b.close()
    await a.close()
  },
)

test("done() given another queue object's next payload throws, and acks nothing of either", async (t) => {
  const { file } = tempDir(t)
  const a = new PersistentQueue(file('a.sqlite'))
  const b = new PersistentQueue(file('b.sqlite'))
  await a.open()
  await b.open()
  await a.add('a1')
  await b.add('b1')
  const taskOfA = new Promise((resolve) => a.once('next', resolve))
  const nextOfB = new Promise((resolve) => b.once('next', resolve))
  a.start()
  b.start()
  const [fromA] = await Promise.all([taskOfA, nextOfB])
  assert.throws(() => b.done(fromA), { code: 'ERR_NO_CURRENT_JOB', message: /another queue object/ })
  assert.equal(await b.has(1), true)
  await a.done(fromA)
  assert.equal(await a.has(1), false)
  await b.done()
  await a.close()
  await b.close()
})
