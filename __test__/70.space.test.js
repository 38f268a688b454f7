'use strict'
// Upkeep: an emptied queue gives its space back.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const PersistentQueue = require('..')
const { execScript, tempDir, drain } = require('./helpers')

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
