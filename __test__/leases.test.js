'use strict'
// Leases (visibility timeout): renewed while a job is held, so a slow handler keeps its job; a
// process that hangs loses its jobs to other consumers once the lease expires.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawn } = require('node:child_process')
const PersistentQueue = require('..')
const { tempDir } = require('./helpers')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('a held job keeps its lease by renewal: another consumer never gets it', async (t) => {
  const { file } = tempDir(t)
  const opts = { visibilityTimeout: 600, pollInterval: 20 }
  const a = new PersistentQueue(file(), 1, opts)
  const b = new PersistentQueue(file(), 1, opts)
  await a.open()
  await b.open()
  await a.add('slow')
  await a.add('other')
  const got = { a: [], b: [] }
  const first = new Promise((resolve) =>
    a.once('next', (task) => {
      got.a.push(task.job)
      resolve()
    }),
  )
  a.start()
  await first
  a.stop()
  b.on('next', (task) => {
    got.b.push(task.job)
    b.done()
  })
  b.start()
  await sleep(2000) // over three leases long: without renewal b would take 'slow'
  assert.deepEqual(got.b, ['other'])
  await a.done()
  assert.equal(await b.has(1), false)
  await a.close()
  await b.close()
})

test('a process that hangs loses its job to another consumer after visibilityTimeout', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 1, { visibilityTimeout: 1000, pollInterval: 20 })
  await q.open()
  await q.add('stuck')
  // The child takes the job and then blocks its event loop (a hang): it cannot renew.
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const Q = require(${JSON.stringify(path.join(__dirname, '..'))});
       const q = new Q(process.argv[1], 1, { visibilityTimeout: 1000 });
       q.open().then(() => { q.on('next', () => { console.log('TOOK'); const end = Date.now() + 6000; while (Date.now() < end); }); q.start(); });`,
      file(),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  t.after(() => child.kill('SIGKILL'))
  await new Promise((resolve) => child.stdout.once('data', resolve))
  const seen = []
  const taken = Date.now()
  const delivered = new Promise((resolve) =>
    q.on('next', (task) => {
      seen.push([task.id, task.job, Date.now() - taken])
      q.done()
      resolve()
    }),
  )
  q.start()
  await delivered
  assert.equal(seen.length, 1)
  assert.deepEqual(seen[0].slice(0, 2), [1, 'stuck'])
  assert.ok(seen[0][2] >= 600, `taken over after ${seen[0][2]} ms, before the lease expired`)
  await q.close()
})
