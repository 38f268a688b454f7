'use strict'
// Shared test helpers: a fresh temp folder per test, and small waits on events.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

/**
 * A fresh temp folder for one test, removed when the test ends.
 * @param {import('node:test').TestContext} t
 * @returns {{dir: string, file: (name?: string) => string}}
 */
function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spq-test-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return { dir, file: (name = 'queue.sqlite') => path.join(dir, name) }
}

/**
 * Collects the jobs delivered by `next` (calling done() after each) until `empty`.
 * @returns {Promise<Array<{id:number, job:any}>>}
 */
async function drain(q) {
  const seen = []
  const onNext = (task) => {
    seen.push(task)
    q.done()
  }
  q.on('next', onNext)
  // Not events.once: it listens for 'error' too, which would change how the queue reports errors.
  const emptied = new Promise((resolve) => q.once('empty', resolve))
  q.start()
  await emptied
  q.off('next', onNext)
  q.stop()
  return seen
}

module.exports = { tempDir, drain }
