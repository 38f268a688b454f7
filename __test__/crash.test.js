'use strict'
// Crash safety with real child processes and real SIGKILL.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const PersistentQueue = require('..')
const { tempDir, drain, startChild } = require('./helpers')

const CHILD = path.join(__dirname, 'fixtures', 'crash-child.js')

/** Runs the child until `until(lines)` holds, SIGKILLs it, and resolves its lines and exit. */
async function runChildUntil(args, until) {
  const child = startChild(CHILD, args, { stdin: 'ignore' })
  child.killWhen(until)
  return { lines: child.lines, ...(await child.exited) }
}

test('SIGKILL inside a next handler loses no job; the job in hand comes back first', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  for (let i = 1; i <= 10; i++) await q.add({ i })
  await q.close()

  const { lines, signal } = await runChildUntil([file(), 'consume', '4'], (l) => l.some((x) => x.startsWith('HOLD')))
  assert.equal(signal, 'SIGKILL')
  assert.deepEqual(lines, ['DONE 1', 'DONE 2', 'DONE 3', 'DONE 4', 'HOLD 5'])

  const after = new PersistentQueue(file(), 3)
  await after.open()
  assert.equal(after.getLength(), 6)
  const seen = await drain(after)
  assert.deepEqual(
    seen.map((s) => s.id),
    [5, 6, 7, 8, 9, 10],
    'the job in hand (5) first, then the rest in order',
  )
  assert.deepEqual(seen[0].job, { i: 5 })
  await after.close()
})

test('SIGKILL while adding: every add that resolved is in the file', async (t) => {
  const { file } = tempDir(t)
  const { lines, signal } = await runChildUntil([file(), 'add', '100000'], (l) => l.length >= 200)
  assert.equal(signal, 'SIGKILL')
  const resolved = lines.filter((l) => l.startsWith('ADDED ')).map((l) => Number(l.slice(6)))
  assert.ok(resolved.length >= 200)
  const q = new PersistentQueue(file(), 50)
  await q.open()
  const seen = await drain(q)
  const ids = seen.map((s) => s.id)
  // Resolved adds are committed; at most the adds in flight at the kill may also have landed.
  assert.deepEqual(ids.slice(0, resolved.length), resolved)
  assert.ok(ids.length - resolved.length <= 1, `${ids.length - resolved.length} unreported adds`)
  assert.deepEqual(
    ids,
    Array.from({ length: ids.length }, (_, i) => i + 1),
  )
  await q.close()
})
