'use strict'
// Files written by node-persistent-queue 1.0.x open and continue: same order, same ids, new ids
// after the old ones. The fixture is built with the original's own schema SQL (its open() query).
const test = require('node:test')
const assert = require('node:assert/strict')
const PersistentQueue = require('..')
const { execScript } = require('./helpers')
const { tempDir, drain } = require('./helpers')

/** The tables and triggers node-persistent-queue 1.0.x creates in open(), then its INSERTs. */
const ORIGINAL_FILE = `
CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT);
CREATE TABLE IF NOT EXISTS queue_count (counter BIGINT);
INSERT INTO queue_count SELECT 0 as counter WHERE NOT EXISTS(SELECT * FROM queue_count);
UPDATE queue_count SET counter = (SELECT count(*) FROM queue);
CREATE TRIGGER IF NOT EXISTS queue_insert AFTER INSERT ON queue BEGIN UPDATE queue_count SET counter = counter + 1; END;
CREATE TRIGGER IF NOT EXISTS queue_delete AFTER DELETE ON queue BEGIN UPDATE queue_count SET counter = counter - 1; END;
INSERT INTO queue (job) VALUES ('{"task":"a"}'), ('{"task":"b"}'), ('{"task":"c"}'), ('{"task":"d"}'), ('"e"');
DELETE FROM queue WHERE id IN (1, 3);
`

test('a file of the original library opens with its pending jobs in order and ids continue', async (t) => {
  const { file } = tempDir(t)
  await execScript(file(), ORIGINAL_FILE)
  const q = new PersistentQueue(file())
  await q.open()
  assert.equal(q.getLength(), 3)
  assert.equal(q.isEmpty(), false)
  assert.deepEqual(await q.getJobIds({ task: 'b' }), [2])
  const newId = await q.add({ task: 'f' })
  assert.equal(newId, 6, 'AUTOINCREMENT continues after the highest id ever used')
  const seen = await drain(q)
  assert.deepEqual(seen, [
    { id: 2, job: { task: 'b' } },
    { id: 4, job: { task: 'd' } },
    { id: 5, job: 'e' },
    { id: 6, job: { task: 'f' } },
  ])
  await q.close()
})

test('after migration the original schema still works: its INSERT and its counter', async (t) => {
  const { file } = tempDir(t)
  await execScript(file(), ORIGINAL_FILE)
  const q = new PersistentQueue(file())
  await q.open()
  await q.close()
  // What the original's open() and add() run on the migrated file: it recreates its counter
  // triggers, recounts, and inserts (the trigger bumps the counter).
  await execScript(
    file(),
    ORIGINAL_FILE.split('INSERT INTO queue (job)')[0] + `INSERT INTO queue (job) VALUES ('{"task":"from-original"}');`,
  )
  const again = new PersistentQueue(file())
  await again.open()
  assert.equal(again.getLength(), 4)
  // Our open dropped the triggers again (the core keeps the counter itself): counts stay exact.
  await again.add({ task: 'ours' })
  assert.equal(again.getLength(), 5)
  await again.delete(await again.getFirstJobId({ task: 'ours' }))
  assert.equal(again.getLength(), 4)
  const seen = await drain(again)
  assert.deepEqual(
    seen.map((s) => s.id),
    [2, 4, 5, 6],
  )
  assert.deepEqual(seen[3].job, { task: 'from-original' })
  await again.close()
})
