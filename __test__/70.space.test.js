'use strict'
// Files at rest and upkeep: an emptied queue gives its space back, a queue at rest is whole in its main file
// (WAL checkpointed when idle and on close), backup() copies a queue in use.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const PersistentQueue = require('..')
const { execScript, tempDir, drain, startChild } = require('./helpers')

const onDisk = (file) => ['', '-wal'].reduce((sum, s) => sum + (fs.statSync(file + s, { throwIfNoEntry: false })?.size ?? 0), 0)

async function fillAndDrain(file) {
  const q = new PersistentQueue(file, 200, { durability: 'normal' })
  await q.open()
  await Promise.all(Array.from({ length: 5000 }, (_, i) => q.add({ i, pad: 'x'.repeat(200) })))
  const full = onDisk(file)
  const seen = await drain(q)
  // Shrinking runs in steps after `empty`; wait for the operations it queued.
  for (let i = 0; i < 100 && onDisk(file) > 64 * 1024; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  const after = onDisk(file)
  await q.close()
  return { full, after, seen: seen.length }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('a drained queue shrinks its file and WAL back to a few pages', async (t) => {
  const { file } = tempDir(t)
  const { full, after, seen } = await fillAndDrain(file())
  assert.equal(seen, 5000)
  assert.ok(full > 1_000_000, `the full queue took ${full} bytes`)
  assert.ok(after <= 64 * 1024, `the drained queue still takes ${after} bytes`)
})

test('a file of the original library (no auto-vacuum) shrinks too, by VACUUM on empty', async (t) => {
  const { file } = tempDir(t)
  await execScript(
    file(),
    `CREATE TABLE queue (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT);
    CREATE TABLE queue_count (counter BIGINT); INSERT INTO queue_count VALUES (0);`,
  )
  const { full, after } = await fillAndDrain(file())
  assert.ok(full > 1_000_000)
  assert.ok(after <= 64 * 1024, `the drained queue still takes ${after} bytes`)
})

test('an emptied queue on a big original file does not spin trying to shrink it', async (t) => {
  const { file } = tempDir(t)
  await execScript(
    file(),
    `CREATE TABLE queue (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT);
     CREATE TABLE queue_count (counter BIGINT); INSERT INTO queue_count VALUES (0);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
     INSERT INTO queue (job) SELECT '"' || hex(zeroblob(200)) || '"' FROM n;
     DELETE FROM queue WHERE id > 1500; UPDATE queue_count SET counter = 1500;`,
  )
  const holder = new PersistentQueue(file(), 1500) // holds all 1,500 jobs: more than VACUUM takes
  await holder.open()
  await new Promise((resolve) => {
    holder.once('next', () => {
      holder.stop()
      resolve()
    })
    holder.start()
  })
  const q = new PersistentQueue(file())
  await q.open()
  q.on('next', () => q.done())
  q.start()
  await q.add('own')
  await new Promise((resolve) => q.once('empty', resolve))
  await sleep(50)
  const before = process.cpuUsage()
  await sleep(500)
  const used = process.cpuUsage(before)
  assert.ok((used.user + used.system) / 1000 < 250, `idle queue used ${(used.user + used.system) / 1000} ms CPU in 500 ms`)
  await q.close()
  await holder.close()
})

test('a queue closed right at empty gives its space back, and so does a later open() of one that was not', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const blob = 'z'.repeat(10 * 1024)
  await Promise.all(Array.from({ length: 1000 }, (_, i) => q.add({ i, blob })))
  q.on('next', () => q.done())
  await new Promise((resolve) => {
    q.once('empty', resolve)
    q.start()
  })
  await q.close()
  assert.ok(onDisk(file()) < 256 * 1024, `${onDisk(file())} bytes left after closing at empty`)
  // A file emptied elsewhere, without a shrink (here: by raw SQL), shrinks at the next open.
  const full = new PersistentQueue(file())
  await full.open()
  await Promise.all(Array.from({ length: 300 }, (_, i) => full.add({ i, blob })))
  await full.close()
  await execScript(file(), 'DELETE FROM queue; UPDATE queue_count SET counter = 0;')
  assert.ok(onDisk(file()) > 2 * 1024 * 1024)
  const later = new PersistentQueue(file())
  await later.open()
  await later.close()
  assert.ok(onDisk(file()) < 256 * 1024, `${onDisk(file())} bytes left after a later open/close`)
})

test('a queue at rest is whole in its main file: after its adds and a moment idle, a copy of that file alone has every job', async (t) => {
  const { file } = tempDir(t)
  // The process is killed after its adds resolved and it sat idle (no close(), no clean exit).
  const script = `
    const Q = require(${JSON.stringify(path.join(__dirname, '..'))})
    const q = new Q(process.argv[1])
    q.open().then(async () => {
      for (let i = 1; i <= 50; i++) await q.add({ n: i })
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1500)
    })`
  const r = spawnSync(process.execPath, ['-e', script, file()], { timeout: 30000 })
  assert.equal(r.signal, 'SIGKILL')
  assert.ok(fs.existsSync(`${file()}-wal`), 'killed: the -wal file is still there')
  fs.copyFileSync(file(), file('copy.sqlite'))
  const copy = new PersistentQueue(file('copy.sqlite'))
  await copy.open()
  assert.equal(copy.getLength(), 50)
  assert.deepEqual(
    (await drain(copy)).map((s) => s.job.n),
    Array.from({ length: 50 }, (_, i) => i + 1),
  )
  await copy.close()
})

test('backup() writes every operation issued before it to one file, while another process keeps adding', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  for (let i = 1; i <= 100; i++) await q.add({ n: i })
  const producer = startChild(path.join(__dirname, 'fixtures', 'worker.js'), [file(), 'add', '3000', 'P'])
  await new Promise((resolve) => setTimeout(resolve, 50))
  const added = q.add({ n: 101 }) // not awaited: the backup still comes after it
  await q.backup(file('backup.sqlite'))
  assert.equal(await added, await added)
  assert.deepEqual(await producer.exited, { code: 0, signal: null })
  assert.ok(!fs.existsSync(file('backup.sqlite-wal')), 'the backup is one file')
  const copy = new PersistentQueue(file('backup.sqlite'))
  await copy.open()
  const ours = (await drain(copy)).filter((s) => s.job.n !== undefined).map((s) => s.job.n)
  assert.deepEqual(
    ours,
    Array.from({ length: 101 }, (_, i) => i + 1),
  )
  await copy.close()
  // Over a backup it replaces the copy; over anything else it refuses and leaves it alone.
  await q.backup(file('backup.sqlite'))
  fs.writeFileSync(file('notes.txt'), 'my notes\n'.repeat(1000))
  await assert.rejects(q.backup(file('notes.txt')), { code: 'SQLITE_NOTADB' })
  assert.equal(fs.readFileSync(file('notes.txt'), 'utf8'), 'my notes\n'.repeat(1000))
  await assert.rejects(q.backup(42), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  await q.close()
  await assert.rejects(q.backup(file('late.sqlite')), { code: 'ERR_QUEUE_CLOSED' })
})

test('backup() onto the queue file itself, a link to it, or its WAL is refused and changes nothing', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add('kept')
  fs.linkSync(file(), file('alias.sqlite'))
  for (const target of [file(), file('alias.sqlite'), `${file()}-wal`]) {
    await assert.rejects(q.backup(target), { code: 'ERR_INVALID_ARG_VALUE', message: /the queue/ }, target)
  }
  assert.equal(await q.add('after'), 2)
  assert.equal(q.getLength(), 2)
  await q.close()
})
