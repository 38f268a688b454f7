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

test('a listener that throws never turns a committed add or delete into a rejection; its exception is reported', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const errors = []
  q.on('error', (err) => errors.push(err))
  const bug = new Error('bug in my add listener')
  q.once('add', () => {
    throw bug
  })
  assert.equal(await q.add({ order: 42 }), 1)
  assert.deepEqual(await q.getJobIds({ order: 42 }), [1], 'stored once')
  assert.deepEqual(errors, [bug])
  const deleteBug = new Error('bug in my delete listener')
  q.once('delete', () => {
    throw deleteBug
  })
  assert.equal(await q.delete(1), 1)
  assert.equal(await q.has(1), false)
  assert.deepEqual(errors, [bug, deleteBug])
  // Without an error listener the exception becomes a process warning.
  q.removeAllListeners('error')
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  q.once('add', () => {
    throw new Error('unheard')
  })
  assert.equal(await q.add('x'), 2)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(
    warnings.map((w) => [w.name, w.message]),
    [['SqlitePersistentQueueWarning', 'unheard']],
  )
  await q.close()
})

test('inside each event of one group commit getLength() counts the operations up to its own', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  const seen = []
  q.on('add', ({ job }) => seen.push([`add ${job}`, q.getLength()]))
  q.on('delete', ({ id }) => seen.push([`delete ${id}`, q.getLength()]))
  await q.open()
  // The original's own suite: three adds in one tick see 1, 2, 3.
  await Promise.all([q.add('1'), q.add('2'), q.add('3')])
  await Promise.all([q.delete(1), q.add('4'), q.delete(2), q.add('5')])
  assert.deepEqual(seen, [
    ['add 1', 1],
    ['add 2', 2],
    ['add 3', 3],
    ['delete 1', 2],
    ['add 4', 3],
    ['delete 2', 2],
    ['add 5', 3],
  ])
  await q.close()
})

test('a job whose getter or toJSON throws anything is refused with TypeError ERR_INVALID_JOB, the exception as cause', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const nullProto = Object.create(null)
  const evil = {
    toString() {
      throw new Error('evil toString')
    },
  }
  const plain = new RangeError('plain')
  const jobs = [
    [
      {
        get a() {
          throw nullProto
        },
      },
      nullProto,
    ],
    [
      {
        toJSON() {
          throw evil
        },
      },
      evil,
    ],
    [
      {
        toJSON() {
          throw plain
        },
      },
      plain,
    ],
  ]
  for (const [job, thrown] of jobs) {
    for (const method of ['add', 'getJobIds']) {
      const err = await q[method](job).then(
        () => assert.fail(`${method} resolved`),
        (e) => e,
      )
      assert.equal(err.name, 'TypeError')
      assert.equal(err.code, 'ERR_INVALID_JOB')
      assert.equal(err.cause, thrown)
      assert.match(err.message, /JSON.stringify threw/)
    }
  }
  assert.match((await q.add(jobs[2][0]).catch((e) => e)).message, /plain/)
  assert.equal(q.getLength(), 0)
  assert.equal(await q.add('fine'), 1, 'no id was used')
  await q.close()
})
