'use strict'
// Faults and hostile input: each has a stable code and changes nothing else.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const PersistentQueue = require('..')
const { spawnSync } = require('node:child_process')
const { once } = require('node:events')
const { execScript, tempDir, drain } = require('./helpers')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('a file that is not SQLite: open rejects SQLITE_NOTADB and the file is unchanged', async (t) => {
  const { file } = tempDir(t)
  const bytes = Buffer.from('name,value\n'.repeat(500))
  fs.writeFileSync(file('data.csv'), bytes)
  const q = new PersistentQueue(file('data.csv'))
  await assert.rejects(q.open(), { code: 'SQLITE_NOTADB', message: /not an SQLite database/ })
  assert.equal(q.isOpen(), false)
  assert.deepEqual(fs.readFileSync(file('data.csv')), bytes)
  assert.deepEqual(fs.readdirSync(path.dirname(file())), ['data.csv'], 'no -wal or -shm file was left')
  await q.close()
})

test('a missing folder: open rejects SQLITE_CANTOPEN', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(path.join(file('no-such-folder'), 'q.sqlite'))
  await assert.rejects(q.open(), { code: 'SQLITE_CANTOPEN' })
  assert.equal(q.isOpen(), false)
})

/**
 * Makes `p` unwritable even for root (chattr +i) or, for other users, with chmod.
 * @returns {(() => void) | null} undoes it; null when this machine cannot do it
 */
function makeReadOnly(p) {
  if (process.getuid && process.getuid() === 0) {
    if (spawnSync('chattr', ['+i', p]).status !== 0) return null
    return () => spawnSync('chattr', ['-i', p])
  }
  const mode = fs.statSync(p).mode
  fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o555 : 0o444)
  return () => fs.chmodSync(p, mode)
}

test('a read-only queue file: open rejects SQLITE_READONLY and the file is unchanged', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('kept')
  await q.close()
  const before = fs.readFileSync(file())
  const undo = makeReadOnly(file())
  if (!undo) return t.skip('cannot make a file read-only here (chattr failed)')
  try {
    const ro = new PersistentQueue(file())
    await assert.rejects(ro.open(), { code: 'SQLITE_READONLY', message: /write access/ })
    assert.equal(ro.isOpen(), false)
    assert.deepEqual(fs.readFileSync(file()), before)
  } finally {
    undo()
  }
  const again = new PersistentQueue(file())
  await again.open()
  assert.deepEqual(
    (await drain(again)).map((s) => s.job),
    ['kept'],
  )
  await again.close()
})

test('a read-only folder: open of a new queue rejects (SQLITE_CANTOPEN) and creates nothing', async (t) => {
  const { dir } = tempDir(t)
  const sub = path.join(dir, 'locked')
  fs.mkdirSync(sub)
  const undo = makeReadOnly(sub)
  if (!undo) return t.skip('cannot make a folder read-only here (chattr failed)')
  try {
    const q = new PersistentQueue(path.join(sub, 'q.sqlite'))
    await assert.rejects(q.open(), { code: 'SQLITE_CANTOPEN' })
    assert.deepEqual(fs.readdirSync(sub), [])
  } finally {
    undo()
  }
})

test('a full database: add rejects SQLITE_FULL, earlier jobs stay, and freeing space lets adds work', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 10, { maxFileSize: 64 * 1024 })
  await q.open()
  const big = 'x'.repeat(1000)
  const ids = []
  let full = null
  for (let i = 0; i < 1000 && !full; i++) {
    try {
      ids.push(await q.add({ i, big }))
    } catch (err) {
      full = err
    }
  }
  assert.equal(full?.code, 'SQLITE_FULL')
  assert.ok(ids.length > 10, `only ${ids.length} jobs fit`)
  assert.equal(q.getLength(), ids.length, 'the failed add changed no count')
  // Adds that overflow together: the one that fits commits, the one too large fails alone.
  const [small, huge] = await Promise.allSettled([q.add('small'), q.add({ big: big.repeat(30) })])
  assert.equal(huge.status, 'rejected')
  assert.equal(huge.reason.code, 'SQLITE_FULL')
  // Free space by deleting the oldest 20 jobs; adds work again.
  for (const id of ids.slice(0, 20)) await q.delete(id)
  const after = await q.add({ after: 'freeing space' })
  await q.close()
  const again = new PersistentQueue(file(), 10)
  await again.open()
  const seen = (await drain(again)).map((s) => s.id)
  const expected = [...ids.slice(20)]
  if (small.status === 'fulfilled') expected.push(small.value)
  expected.push(after)
  assert.deepEqual(seen, expected)
  await again.close()
})

test('a file from a newer version of this library is refused with ERR_SCHEMA_TOO_NEW', async (t) => {
  const { file } = tempDir(t)
  await execScript(file(), 'PRAGMA user_version = 99; CREATE TABLE queue (id INTEGER PRIMARY KEY, job TEXT);')
  const q = new PersistentQueue(file())
  await assert.rejects(q.open(), { code: 'ERR_SCHEMA_TOO_NEW' })
})

test('corrupt job rows are reported with their id, become dead letters, and later jobs keep flowing', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('first')
  await q.close()
  await execScript(
    file(),
    `INSERT INTO queue (job) VALUES ('{not json'), (NULL), (x'0102ff'), (CAST(x'c328' AS TEXT));
     INSERT INTO queue (job) VALUES ('"last"');`,
  )
  const reopened = new PersistentQueue(file())
  await reopened.open()
  const errors = []
  reopened.on('error', (err) => errors.push(err))
  const seen = await drain(reopened)
  assert.deepEqual(
    seen.map((s) => s.job),
    ['first', 'last'],
  )
  assert.deepEqual(
    errors.map((e) => [e.code, e.jobId]),
    [
      ['ERR_CORRUPT_JOB', 2],
      ['ERR_CORRUPT_JOB', 3],
      ['ERR_CORRUPT_JOB', 4],
      ['ERR_CORRUPT_JOB', 5],
    ],
  )
  assert.match(errors[0].message, /not JSON/)
  assert.match(errors[1].message, /NULL/)
  assert.match(errors[2].message, /BLOB/)
  assert.match(errors[3].message, /UTF-8/)
  // They are dead letters now: out of the queue (not live), kept with their error, never claimed again.
  for (const id of [2, 3, 4, 5]) assert.equal(await reopened.has(id), false, `row ${id} is no longer live`)
  const failed = await reopened.getFailed()
  assert.deepEqual(
    failed.map((f) => [f.id, f.job, f.error.code]),
    [
      [2, undefined, 'ERR_CORRUPT_JOB'],
      [3, undefined, 'ERR_CORRUPT_JOB'],
      [4, undefined, 'ERR_CORRUPT_JOB'],
      [5, undefined, 'ERR_CORRUPT_JOB'],
    ],
  )
  assert.match(failed[1].error.message, /NULL/)
  assert.deepEqual(await reopened.stats(), { queued: 0, delayed: 0, running: 0, failed: 4 })
  assert.equal(reopened.getLength(), 0)
  await reopened.close()
})

test('a corrupt row with no error listener becomes a process warning, not a crash', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.close()
  await execScript(file(), `INSERT INTO queue (job) VALUES ('{oops'); INSERT INTO queue (job) VALUES ('"ok"');`)
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  await q.open()
  const seen = await drain(q)
  assert.deepEqual(
    seen.map((s) => s.job),
    ['ok'],
  )
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(warnings.length, 1)
  assert.equal(warnings[0].code, 'ERR_CORRUPT_JOB')
  await q.close()
})

test('a corrupt row is reported once and becomes a dead letter: never claimed again', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 10, { visibilityTimeout: 300, pollInterval: 20 })
  await q.open()
  await q.close()
  await execScript(file(), 'INSERT INTO queue (job) VALUES (NULL); UPDATE queue_count SET counter = counter + 1;')
  await q.open()
  let errors = 0
  let empties = 0
  q.on('error', () => errors++)
  q.on('empty', () => empties++)
  q.on('next', () => assert.fail('the corrupt row is the only one and is never delivered'))
  q.start()
  await sleep(1500) // five leases long
  assert.equal(errors, 1)
  assert.equal(empties, 1)
  assert.deepEqual(await q.stats(), { queued: 0, delayed: 0, running: 0, failed: 1 })
  await q.close()
})

/** Adds jobs of ~330 bytes one by one until an add is refused; returns how many were stored and the refusal. */
async function fillUntilRefused(q) {
  let stored = 0
  for (;;) {
    try {
      await q.add({ n: stored, pad: 'x'.repeat(300) })
      stored++
    } catch (err) {
      return { stored, refusal: err }
    }
    assert.ok(stored < 100000, 'nothing refused the adds')
  }
}

/**
 * Drains `q` with a `next` listener until `empty`; resolves how many jobs were delivered and the
 * codes of the `error` events meanwhile.
 */
async function countDrain(q) {
  const errors = []
  q.on('error', (err) => errors.push(err.code))
  let delivered = 0
  q.on('next', () => {
    delivered++
    q.done()
  })
  const emptied = once(q, 'empty')
  q.start()
  await emptied
  return { delivered, errors }
}

/** Drains `q` with a `next` listener; resolves the jobs delivered once `empty` fires. */
async function drainAll(q) {
  const delivered = []
  q.on('next', ({ job }) => {
    delivered.push(job.n)
    q.done()
  })
  const emptied = new Promise((resolve) => q.once('empty', resolve))
  q.start()
  await emptied
  return delivered
}

test('a queue at maxFileSize refuses adds with SQLITE_FULL but drains to empty, and then takes adds again', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 10, { maxFileSize: 64 * 1024 })
  const errors = []
  q.on('error', (err) => errors.push(err.code))
  await q.open()
  const { stored, refusal } = await fillUntilRefused(q)
  assert.equal(refusal.code, 'SQLITE_FULL')
  assert.match(refusal.message, /maxFileSize/)
  assert.ok(stored > 50, `only ${stored} jobs fit in 64 KiB`)
  assert.equal(q.getLength(), stored)
  const delivered = await drainAll(q)
  assert.deepEqual(
    delivered,
    Array.from({ length: stored }, (_, i) => i),
  )
  assert.deepEqual(errors, [], 'no claim or ack was refused')
  assert.equal(q.getLength(), 0)
  assert.equal(typeof (await q.add({ n: -1 })), 'number', 'space freed by the drain takes adds again')
  await q.close()
})

test(
  'a queue filled to maxFileSize drains with a large batchSize: claims of many rows fit in the reserve',
  { timeout: 120_000 },
  async (t) => {
    const { file } = tempDir(t)
    const filler = new PersistentQueue(file(), 1, { maxFileSize: 256 * 1024 })
    await filler.open()
    let stored = 0
    for (let refused = false; !refused;) {
      const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => filler.add(stored + i)))
      stored += results.filter((r) => r.status === 'fulfilled').length
      refused = results.some((r) => r.status === 'rejected')
    }
    await filler.close()
    assert.ok(stored > 1000, `only ${stored} small jobs fit in 256 KiB`)
    const q = new PersistentQueue(file(), 1000, { maxFileSize: 256 * 1024 })
    await q.open()
    assert.deepEqual(await countDrain(q), { delivered: stored, errors: [] }, 'no claim was refused')
    await q.close()
  },
)

test(
  'a queue larger than the maxFileSize it is opened with still drains, and refuses adds until it is below',
  { timeout: 120_000 },
  async (t) => {
    const { file } = tempDir(t)
    const big = new PersistentQueue(file())
    await big.open()
    await big.addAll(Array.from({ length: 20_000 }, (_, i) => i))
    await big.close()
    const q = new PersistentQueue(file(), 1000, { maxFileSize: 64 * 1024 })
    await q.open()
    await assert.rejects(q.add('over the cap'), { code: 'SQLITE_FULL', message: /maxFileSize/ })
    assert.deepEqual(await countDrain(q), { delivered: 20_000, errors: [] })
    assert.equal(typeof (await q.add('below the cap again')), 'number')
    await q.close()
  },
)

test('a real full disk (a 1 MiB tmpfs): adds are refused while room is kept for the consumer, which drains everything', async (t) => {
  const { spawnSync } = require('node:child_process')
  const mnt = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'spq-disk-'))
  t.after(() => fs.rmSync(mnt, { recursive: true, force: true }))
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status !== 0) {
    return t.skip('cannot mount a tmpfs here (needs root)')
  }
  const q = new PersistentQueue(path.join(mnt, 'queue.sqlite'))
  const errors = []
  q.on('error', (err) => errors.push(err.code))
  await q.open()
  const { stored, refusal } = await fillUntilRefused(q)
  assert.equal(refusal.code, 'SQLITE_FULL')
  assert.ok(stored > 100, `only ${stored} jobs fit on 1 MiB`)
  const delivered = await drainAll(q)
  assert.equal(delivered.length, stored)
  assert.deepEqual(errors, [])
  await q.close()
  const again = new PersistentQueue(path.join(mnt, 'queue.sqlite'))
  await again.open()
  assert.equal(again.getLength(), 0)
  assert.equal(await again.add({ n: 'after' }).then(() => 'stored'), 'stored')
  await again.close()
  assert.equal(spawnSync('umount', [mnt]).status, 0)
})

test(
  'open() on a full disk rejects with SQLITE_FULL, new file or existing queue, and the queue is whole once there is room',
  { timeout: 60_000 },
  async (t) => {
    const { spawnSync } = require('node:child_process')
    const mnt = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'spq-disk-'))
    t.after(() => {
      spawnSync('umount', [mnt])
      fs.rmSync(mnt, { recursive: true, force: true })
    })
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status !== 0) {
      return t.skip('cannot mount a tmpfs here (needs root)')
    }
    const existing = path.join(mnt, 'old.sqlite')
    const seed = new PersistentQueue(existing)
    await seed.open()
    await seed.addAll(Array.from({ length: 100 }, (_, i) => ({ i })))
    await seed.close() // no -wal or -shm file is left: the next open must create both
    const filler = path.join(mnt, 'filler')
    const fd = fs.openSync(filler, 'w')
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096))
    } catch (err) {
      assert.equal(err.code, 'ENOSPC')
    }
    fs.closeSync(fd)
    for (const file of [path.join(mnt, 'new.sqlite'), existing]) {
      const q = new PersistentQueue(file)
      await assert.rejects(q.open(), {
        code: 'SQLITE_FULL',
        message: /disk holding .* is full.*free space on that disk and call open\(\) again/,
      })
      assert.equal(q.isOpen(), false)
    }
    fs.unlinkSync(filler)
    const q = new PersistentQueue(existing)
    await q.open()
    assert.equal(q.getLength(), 100)
    await q.close()
  },
)

test('a queue on a file system mounted read-only: open() rejects SQLITE_READONLY, saying so', { timeout: 60_000 }, async (t) => {
  const { dir, file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('kept')
  await q.close()
  const mnt = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'spq-ro-'))
  t.after(() => {
    spawnSync('umount', [mnt])
    fs.rmSync(mnt, { recursive: true, force: true })
  })
  if (spawnSync('mount', ['--bind', dir, mnt]).status !== 0 || spawnSync('mount', ['-o', 'remount,bind,ro', mnt]).status !== 0) {
    return t.skip('cannot make a read-only bind mount here (needs root)')
  }
  const ro = new PersistentQueue(path.join(mnt, 'queue.sqlite'))
  await assert.rejects(ro.open(), { code: 'SQLITE_READONLY', message: /mounted read-only/ })
  assert.equal(ro.isOpen(), false)
})

test('a row raw SQL gave a text priority does not stall claims or listings', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.addAll(['a', 'b'])
  await execScript(file(), "UPDATE queue SET priority = 'high' WHERE id = 2")
  assert.deepEqual(
    (await q.list({ state: 'queued' })).map((j) => [j.id, j.priority]),
    [
      [2, 0],
      [1, 0],
    ],
  )
  assert.deepEqual((await drain(q)).map((s) => s.job).sort(), ['a', 'b'])
  await q.close()
})
