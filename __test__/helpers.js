'use strict'
// Shared test helpers: a fresh temp folder per test, and small waits on events.
const fs = require('node:fs')
const { spawn } = require('node:child_process')
const os = require('node:os')
const path = require('node:path')

/**
 * The addon's test helpers, present only in the build `npm test` makes (cargo feature `testing`,
 * loaded through NAPI_RS_NATIVE_LIBRARY_PATH): `execScript(path, sql, holdMs)` runs raw SQL in one
 * transaction with its own connection (and holds the write lock holdMs longer).
 * @type {(path: string, sql: string, holdMs?: number) => Promise<void>}
 */
const execScript = (...args) => {
  const binding = require('../binding')
  if (typeof binding.execScript !== 'function') {
    throw new Error('execScript is missing: run the tests with `npm test`, which builds the addon with the cargo feature "testing"')
  }
  return binding.execScript(...args)
}

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

/**
 * Starts `node script ...args` (with `node: false`, the command `script ...args`) and reads its
 * stdout line by line.
 * @param {string} script
 * @param {string[]} args
 * @param {{stdin?: 'pipe' | 'ignore', env?: NodeJS.ProcessEnv, node?: boolean}} [options]
 * @returns {{child: import('node:child_process').ChildProcess, lines: string[],
 *   exited: Promise<{code: number | null, signal: string | null}>,
 *   killWhen: (pred: (lines: string[]) => boolean) => void}}
 *   `lines` fills as the child prints; `killWhen` SIGKILLs it once `pred(lines)` holds.
 */
function startChild(script, args, { stdin = 'pipe', env = process.env, node = true } = {}) {
  const [cmd, argv] = node ? [process.execPath, [script, ...args]] : [script, args]
  const child = spawn(cmd, argv, { stdio: [stdin, 'pipe', 'inherit'], env })
  const lines = []
  const watchers = new Set()
  let buffer = ''
  child.stdout.on('data', (chunk) => {
    buffer += chunk
    let nl
    while ((nl = buffer.indexOf('\n')) !== -1) {
      lines.push(buffer.slice(0, nl))
      buffer = buffer.slice(nl + 1)
    }
    for (const watch of watchers) watch()
  })
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve({ code, signal }))
  })
  const killWhen = (pred) => {
    const check = () => {
      if (pred(lines)) {
        watchers.delete(check)
        child.kill('SIGKILL')
      }
    }
    watchers.add(check)
    check()
  }
  return { child, lines, exited, killWhen }
}

module.exports = { tempDir, drain, startChild, execScript }
