'use strict'
// Process exit: an idle open queue never keeps Node alive, and a process that ends with the
// queue open leaves a file that the next open() recovers.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const PersistentQueue = require('..')
const { tempDir, drain } = require('./helpers')

const PKG = JSON.stringify(path.join(__dirname, '..'))

function runScript(source, file) {
  return spawnSync(process.execPath, ['-e', source, file], { encoding: 'utf8', timeout: 30000 })
}

test('an open, started, idle queue lets the process exit by itself', (t) => {
  const { file } = tempDir(t)
  const r = runScript(
    `const Q = require(${PKG}); const q = new Q(process.argv[1]);
     q.open().then(async () => {
       q.on('next', () => q.done());
       q.on('empty', () => console.log('EMPTY'));
       q.start();
       await q.add(1); await q.add(2);
     });`,
    file(),
  )
  assert.equal(r.error, undefined, 'the process did not exit within 30 s')
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout.trim(), 'EMPTY')
})

test('a process that ends with jobs claimed and the queue open: the next open() recovers them', async (t) => {
  const { file } = tempDir(t)
  const r = runScript(
    `const Q = require(${PKG}); const q = new Q(process.argv[1], 5);
     q.open().then(async () => {
       for (let i = 1; i <= 8; i++) await q.add({ i });
       q.once('next', (task) => console.log('HOLD ' + task.id)); // never done()
       q.start();
     });`,
    file(),
  )
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout.trim(), 'HOLD 1')
  const q = new PersistentQueue(file())
  await q.open()
  assert.equal(q.getLength(), 8)
  assert.deepEqual(
    (await drain(q)).map((s) => s.id),
    [1, 2, 3, 4, 5, 6, 7, 8],
  )
  await q.close()
})

test('close() waits for operations in flight and then resolves', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const adds = Array.from({ length: 1000 }, (_, i) => q.add(i))
  await q.close()
  const settled = await Promise.allSettled(adds)
  assert.ok(settled.every((s) => s.status === 'fulfilled'))
  const again = new PersistentQueue(file())
  await again.open()
  assert.equal(again.getLength(), 1000)
  await again.close()
})
