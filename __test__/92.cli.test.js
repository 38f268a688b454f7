'use strict'
// The operator's command line (bin/cli.js), run as child processes against a queue that other
// processes use at the same time: every command, --json, and the exit codes of failures.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFile } = require('node:child_process')
const PersistentQueue = require('..')
const { tempDir, startChild, execScript } = require('./helpers')

const CLI = path.join(__dirname, '..', 'bin', 'cli.js')
const ROLES = path.join(__dirname, 'fixtures', 'roles.js')

/**
 * Runs the command line; resolves its exit code and output (never rejects on a non-zero exit).
 * @param {string[]} args
 * @returns {Promise<{code: number, stdout: string, stderr: string}>}
 */
function cli(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30000 }, (err, stdout, stderr) => {
      resolve({ code: err ? /** @type {any} */ (err).code : 0, stdout, stderr })
    })
  })
}

/** @param {string[]} args @returns {Promise<any>} the parsed --json output of a command that succeeds */
async function json(...args) {
  const r = await cli(...args, '--json')
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout)
}

test('every command against a queue in use by a worker process and by this process', { timeout: 120_000 }, async (t) => {
  const { file, dir } = tempDir(t)
  const q = new PersistentQueue(file(), { maxAttempts: 1 })
  await q.open()
  t.after(() => q.close({ timeout: 0 }))
  await q.add({ n: 1 }) // taken and held by the worker process
  const holder = startChild(ROLES, ['holder', file()])
  t.after(() => holder.child.kill('SIGKILL'))
  while (!holder.lines.includes('GOT 1')) await new Promise((resolve) => setTimeout(resolve, 20))
  await q.addAll([{ n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }])
  await q.add({ n: 6 }, { delay: 3_600_000, priority: 2 })
  // Job 2 fails in this process's worker: a dead letter with its error.
  const failed = new Promise((resolve) => q.once('failed', resolve))
  const handled = []
  q.process(
    (job) => {
      handled.push(job.n)
      if (job.n === 2) throw Object.assign(new Error('no such user'), { code: 'E_USER' })
      return new Promise(() => {}) // 3, 4 and 5 stay running in this process, filling its slots
    },
    { concurrency: 3 },
  )
  await failed
  while (handled.length < 4) await new Promise((resolve) => setTimeout(resolve, 20))
  assert.deepEqual(await json('stats', file()), { queued: 0, delayed: 1, running: 4, failed: 1 })

  const running = await json('list', file(), '--state', 'running')
  assert.deepEqual(
    running.map((/** @type {any} */ j) => [j.id, j.job, j.attempts]),
    [
      [1, { n: 1 }, 1],
      [3, { n: 3 }, 1],
      [4, { n: 4 }, 1],
      [5, { n: 5 }, 1],
    ],
  )
  const delayed = await json('list', file(), '--state', 'delayed', '--limit', '5')
  assert.deepEqual(
    delayed.map((/** @type {any} */ j) => [j.id, j.priority, j.state]),
    [[6, 2, 'delayed']],
  )
  assert.ok(Date.parse(delayed[0].runAt) > Date.now() + 3_500_000)

  const dead = await json('failed', file())
  assert.equal(dead.length, 1)
  assert.equal(dead[0].id, 2)
  assert.deepEqual([dead[0].error.code, dead[0].error.message, dead[0].error.name], ['E_USER', 'no such user', 'Error'])
  const shown = await json('show', file(), '2')
  assert.deepEqual([shown.state, shown.job, shown.attempts], ['failed', { n: 2 }, 1])
  const text = await cli('show', file(), '2')
  assert.equal(text.code, 0)
  assert.match(text.stdout, /^state: failed$/m)
  assert.match(text.stdout, /^error: E_USER: no such user$/m)

  const table = await cli('failed', file())
  assert.match(table.stdout, /^id +attempts +failedAt +error +job\n2 +1 +\S+ +E_USER: no such user +\{"n":2\}\n$/)

  assert.deepEqual(await json('retry', file(), '2'), { retried: 1 })
  assert.deepEqual(await json('stats', file()), { queued: 1, delayed: 1, running: 4, failed: 0 })
  assert.deepEqual(await json('retry', file(), '--all-failed'), { retried: 0 })

  const copy = path.join(dir, 'copy.sqlite')
  assert.deepEqual(await json('backup', file(), copy), { backup: copy })
  assert.deepEqual(await json('stats', copy), { queued: 1, delayed: 1, running: 4, failed: 0 })

  assert.deepEqual(await json('delete', file(), '6'), { deleted: 1 })
  assert.deepEqual(await json('purge', file()), { deleted: 1 }, 'job 2, queued again')
  assert.deepEqual(await json('stats', file()), { queued: 0, delayed: 0, running: 4, failed: 0 })
  assert.deepEqual(handled, [2, 3, 4, 5], 'the retried job 2 waited: every slot of this worker was busy')

  // Raw SQL that forgot the counter: check repairs it.
  await execScript(file(), 'INSERT INTO queue (job) VALUES (\'{"n":6}\')')
  const check = await json('check', file())
  assert.deepEqual(check, { ok: true, counterBefore: 4, counterAfter: 5, problems: [] })
  const again = await cli('check', file())
  assert.equal(again.code, 0)
  assert.equal(again.stdout, 'integrity: ok\nqueue_count 5 -> 5 (was right)\n')
  assert.deepEqual(holder.lines, ['GOT 1'], 'the worker process kept its job throughout')
})

test(
  'failures: a clear message on stderr, exit code 1 (2 for bad usage), and no file created or changed',
  { timeout: 60_000 },
  async (t) => {
    const { file, dir } = tempDir(t)
    const missing = await cli('stats', file('missing.sqlite'))
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^sqlite-persistent-queue: ERR_NOT_A_QUEUE: .*missing\.sqlite: no such file/)
    assert.equal(fs.existsSync(file('missing.sqlite')), false)
    const folder = await cli('stats', dir)
    assert.deepEqual(
      [folder.code, folder.stderr],
      [1, `sqlite-persistent-queue: ERR_NOT_A_QUEUE: ${dir} is a folder; pass the path of a queue file\n`],
    )

    const text = file('notes.txt')
    fs.writeFileSync(text, 'not a database, just some text that is long enough to have a header\n'.repeat(10))
    const notadb = await cli('list', text)
    assert.equal(notadb.code, 1)
    assert.match(
      notadb.stderr,
      /SQLITE_NOTADB: .*pass the path of a queue file \(or, to create a queue, of a file that does not exist yet\)/,
    )

    const other = file('other.sqlite')
    await execScript(other, 'CREATE TABLE t (x)')
    const before = fs.readFileSync(other)
    const noQueue = await cli('stats', other)
    assert.equal(noQueue.code, 1)
    assert.match(noQueue.stderr, /ERR_NOT_A_QUEUE: .*without a queue table/)
    assert.deepEqual(fs.readFileSync(other), before)

    const newer = file('newer.sqlite')
    const q = new PersistentQueue(newer)
    await q.open()
    await q.close()
    await execScript(newer, 'PRAGMA user_version = 99')
    const tooNew = await cli('stats', newer)
    assert.equal(tooNew.code, 1)
    assert.match(tooNew.stderr, /ERR_SCHEMA_TOO_NEW: .*schema version 99/)

    const show = await cli('show', newer.replace('newer', 'x'), '1')
    assert.equal(show.code, 1)
    const ok = new PersistentQueue(file())
    await ok.open()
    await ok.close()
    const notFound = await cli('show', file(), '7')
    assert.deepEqual([notFound.code, notFound.stderr], [1, 'sqlite-persistent-queue: ERR_JOB_NOT_FOUND: Job id 7 is not in the queue\n'])
    const seeHelp = 'Run `sqlite-persistent-queue --help` for the commands and their options.\n'
    assert.deepEqual((await cli('show', file())).stderr, `sqlite-persistent-queue: show takes <id> after the file; got none\n${seeHelp}`)
    assert.deepEqual(
      (await cli('stats', file(), 'extra')).stderr,
      `sqlite-persistent-queue: stats takes no argument after the file; got "extra"\n${seeHelp}`,
    )
    for (const args of [
      ['bogus', file()],
      ['stats'],
      ['show', file()],
      ['list', file(), '--limit', 'many'],
      ['stats', file(), '--frobnicate'],
      ['purge', file(), '42'],
      ['retry', file(), '1', '--all-failed'],
      ['list', file(), '--state', 'done'],
      ['stats', file(), '--limit', '3'],
      ['show', file(), '99999999999999999999'],
    ]) {
      const r = await cli(...args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /^sqlite-persistent-queue: .+\nRun `sqlite-persistent-queue --help` for the commands and their options\.\n$/)
    }
    const help = await cli('--help')
    assert.equal(help.code, 0)
    assert.match(help.stdout, /check <file> +SQLite's integrity check/)
    assert.equal((await cli('--version')).stdout, `${require('../package.json').version}\n`)
    assert.deepEqual(fs.readdirSync(dir).sort(), ['newer.sqlite', 'notes.txt', 'other.sqlite', 'queue.sqlite'])
  },
)

test('a command that recovers the jobs of a dead process on open says so on stderr', { timeout: 60_000 }, async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  await q.add({ n: 1 })
  await q.close()
  const holder = startChild(ROLES, ['holder', file()])
  t.after(() => holder.child.kill('SIGKILL'))
  while (!holder.lines.includes('GOT 1')) await new Promise((resolve) => setTimeout(resolve, 20))
  holder.child.kill('SIGKILL')
  await new Promise((resolve) => holder.child.once('exit', resolve))
  const r = await cli('list', file(), '--state', 'running', '--json')
  assert.deepEqual(
    [r.code, JSON.parse(r.stdout), r.stderr],
    [0, [], 'sqlite-persistent-queue: note: 1 running job(s) of processes that are gone went back to the head of the queue on open\n'],
  )
  assert.deepEqual(await json('stats', file()), { queued: 1, delayed: 0, running: 0, failed: 0 })
})
