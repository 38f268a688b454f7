'use strict'
// Processes that die: SIGKILL at chosen and at random points, and processes that exit on their own.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const PersistentQueue = require('..')
const { tempDir, drain, startChild } = require('./helpers')

const ROLES = path.join(__dirname, 'fixtures', 'roles.js')
const { spawnSync } = require('node:child_process')

const CHILD = path.join(__dirname, 'fixtures', 'crash-child.js')

/** Runs the child until `until(lines)` holds, SIGKILLs it, and resolves its lines and exit. */
async function runChildUntil(args, until) {
  const child = startChild(CHILD, args, { stdin: 'ignore' })
  child.killWhen(until)
  return { lines: child.lines, ...(await child.exited) }
}

const WORKER = path.join(__dirname, 'fixtures', 'worker.js')
const KILLS = 20

/** Runs a worker until it printed `lines` lines of kind `kind` (or 3 s passed), then SIGKILLs it. */
async function runAndKill(args, kind, lines) {
  const child = startChild(WORKER, args)
  child.killWhen((out) => out.filter((l) => l.startsWith(kind)).length >= lines)
  const timer = setTimeout(() => child.child.kill('SIGKILL'), 3000)
  const exit = await child.exited
  clearTimeout(timer)
  return { out: child.lines, ...exit }
}

const random = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1))

/**
 * Runs `KILLS` workers one after another, each SIGKILLed after a random number (lo to hi) of
 * `kind` lines; checks each was really killed and had no rejected operation.
 */
async function killLoop(argsOf, kind, lo, hi) {
  const runs = []
  for (let i = 0; i < KILLS; i++) {
    const run = await runAndKill(argsOf(i), kind, random(lo, hi))
    assert.equal(run.signal, 'SIGKILL')
    assert.deepEqual(
      run.out.filter((l) => l.startsWith('FAILED')),
      [],
    )
    runs.push(run)
  }
  return runs
}

/** Drains what is left in the file; returns the ids (or with `tasks`, the `{id, job}`) in delivery order. */
async function drainRest(file, batchSize, tasks = false) {
  const q = new PersistentQueue(file, batchSize)
  await q.open()
  const seen = await drain(q)
  await q.close()
  return tasks ? seen : seen.map((s) => s.id)
}
const ids = (out, kind) => out.filter((l) => l.startsWith(kind)).map((l) => Number(l.split(' ')[1]))

/**
 * Checks deliveries across killed runs plus a final drain: no job delivered after its ack
 * committed, every job of `mustHave` delivered, only jobs of `known` delivered, and each at most
 * once plus once per kill that found it in hand.
 */
function checkDeliveries(runs, finalIds, mustHave, known = mustHave) {
  const count = new Map()
  const allowed = new Map() // id -> extra deliveries allowed (once per kill with it in hand)
  const acked = new Set()
  for (const { out } of runs) {
    const got = ids(out, 'GOT')
    for (const id of got) {
      assert.ok(!acked.has(id), `job ${id} was delivered again after its ack committed`)
      count.set(id, (count.get(id) ?? 0) + 1)
    }
    for (const id of ids(out, 'ACKED')) acked.add(id)
    const inHand = got.at(-1)
    if (inHand !== undefined) allowed.set(inHand, (allowed.get(inHand) ?? 0) + 1)
  }
  for (const id of finalIds) {
    assert.ok(!acked.has(id), `job ${id} came back after its ack committed`)
    count.set(id, (count.get(id) ?? 0) + 1)
  }
  for (const id of mustHave) assert.ok(count.has(id), `job ${id} was lost`)
  for (const [id, n] of count) {
    assert.ok(known.has(id), `unknown job ${id}`)
    assert.ok(n <= 1 + (allowed.get(id) ?? 0), `job ${id} delivered ${n} times`)
  }
}

const PKG = JSON.stringify(path.join(__dirname, '..'))

function runScript(source, file) {
  return spawnSync(process.execPath, ['-e', source, file], { encoding: 'utf8', timeout: 30000 })
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

test(`add-only: ${KILLS} SIGKILLs lose no resolved add`, async (t) => {
  const { file } = tempDir(t)
  const runs = await killLoop((i) => [file(), 'add', '1000000', `K${i}`], 'ADDED', 1, 300)
  const reported = runs.flatMap((r) => ids(r.out, 'ADDED'))
  const stored = await drainRest(file(), 500)
  const storedSet = new Set(stored)
  for (const id of reported) assert.ok(storedSet.has(id), `resolved add ${id} was lost`)
  assert.equal(storedSet.size, stored.length, 'no id twice')
  // At most the adds in flight at each kill (50 per worker) landed without being reported.
  assert.ok(stored.length - reported.length <= 50 * KILLS)
})

test(`consume-only: ${KILLS} SIGKILLs lose no job and repeat only the job in hand`, async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  const all = await Promise.all(Array.from({ length: 3000 }, (_, i) => q.add({ tag: 'C', seq: i })))
  await q.close()
  const runs = await killLoop(() => [file(), 'consume'], 'GOT', 1, 100)
  const rest = await drainRest(file(), 50)
  checkDeliveries(runs, rest, new Set(all))
  assert.deepEqual(
    rest,
    [...rest].sort((a, b) => a - b),
    'what is left drains in FIFO order',
  )
  // A job neither acked (as printed) nor left in the file was acked by a run killed before it
  // printed ACKED: the job it had in hand.
  const acked = new Set(runs.flatMap((r) => ids(r.out, 'ACKED')))
  const inHandAtKill = new Set(runs.map((r) => ids(r.out, 'GOT').at(-1)))
  const left = new Set(rest)
  for (const id of all) {
    if (!acked.has(id) && !left.has(id)) assert.ok(inHandAtKill.has(id), `job ${id} is neither acked nor in the file`)
  }
})

test(`mixed add and consume: ${KILLS} SIGKILLs lose no job and repeat only the job in hand`, async (t) => {
  const { file } = tempDir(t)
  const runs = await killLoop((i) => [file(), 'mixed', '1000000', `M${i}`], 'ADDED', 50, 400)
  const rest = await drainRest(file(), 50, true)
  // Adds resolve in call order, so run i's resolved adds are its seqs 0..r-1, in that order.
  const resolved = runs.map((r) => ids(r.out, 'ADDED'))
  assert.ok(resolved.flat().length > 0)
  /** id -> the job delivered under it, from the runs' GOT lines and the final drain */
  const jobs = new Map(rest.map((task) => [task.id, task.job]))
  for (const { out } of runs) {
    for (const line of out.filter((l) => l.startsWith('GOT '))) {
      const [, id, tag, seq] = line.split(' ')
      jobs.set(Number(id), { tag, seq: Number(seq) })
    }
  }
  // Every delivered job was added by a run: a resolved add (under the id it resolved), or one of
  // the at most 50 adds in flight at that run's kill.
  for (const [id, { tag, seq }] of jobs) {
    const mine = resolved[Number(tag.slice(1))]
    if (seq < mine.length) assert.equal(id, mine[seq], `job ${tag}/${seq} is delivered under the id its add resolved`)
    else assert.ok(seq < mine.length + 50, `job ${tag}/${seq} was never added (${mine.length} adds resolved)`)
  }
  // Every resolved add was delivered in some run or by the final drain.
  checkDeliveries(
    runs,
    rest.map((task) => task.id),
    new Set(resolved.flat()),
    new Set(jobs.keys()),
  )
})

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

test('SIGKILLs while a process() worker retries and dead-letters: every job ends exactly once', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file())
  await q.open()
  // Job n fails on its first n % 4 attempts: 0 to 2 succeed within maxAttempts 3, 3 always fails.
  const ids = await q.addAll(Array.from({ length: 200 }, (_, n) => ({ n, fails: n % 4 })))
  await q.close()
  const worker = path.join(__dirname, 'fixtures', 'retry-worker.js')
  const lines = []
  for (let i = 0; i < 8; i++) {
    const runs = random(5, 60)
    const child = startChild(worker, [file()])
    child.killWhen((out) => out.filter((l) => l.startsWith('RAN')).length >= runs)
    const timer = setTimeout(() => child.child.kill('SIGKILL'), 5000)
    const exit = await child.exited
    clearTimeout(timer)
    assert.equal(exit.signal, 'SIGKILL')
    lines.push(...child.lines)
  }
  // A last run to the end (it is killed once nothing is left to run).
  const last = startChild(worker, [file()])
  const check = new PersistentQueue(file())
  await check.open()
  for (let tries = 0; ; tries++) {
    const s = await check.stats()
    if (s.queued + s.delayed + s.running === 0) break
    assert.ok(tries < 600, `the queue did not drain: ${JSON.stringify(s)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  last.child.kill('SIGKILL')
  await last.exited
  lines.push(...last.lines)
  const dead = await check.getFailed({ limit: 1000 })
  await check.close()
  const byId = (kind) => lines.filter((l) => l.startsWith(kind)).map((l) => Number(l.split(' ')[1]))
  const completed = byId('COMPLETED')
  const failed = byId('FAILED')
  assert.equal(new Set(completed).size, completed.length, 'no job completed twice')
  assert.equal(new Set(failed).size, failed.length, 'no job dead-lettered twice')
  const deadIds = dead.map((d) => d.id)
  for (const id of ids) {
    const ends = Number(completed.includes(id)) + Number(deadIds.includes(id))
    assert.ok(ends <= 1, `job ${id} both completed and dead`)
    // A job acked by a run killed before it printed COMPLETED is gone without a line: still one end.
  }
  for (const d of dead) {
    assert.ok(d.attempts >= 1 && d.attempts <= 3, `dead letter ${d.id} after ${d.attempts} attempts`)
    if (d.job.fails < 3) assert.equal(d.error.code, 'ERR_TOO_MANY_ATTEMPTS', `job ${d.id} died of the kills, not of its failures`)
  }
  const alwaysFailing = ids.filter((_, n) => n % 4 === 3)
  for (const id of alwaysFailing) assert.ok(deadIds.includes(id), `job ${id} fails every attempt: it must be a dead letter`)
  // After its settle committed, a job never ran again.
  const ranAfter = (id, kind) => {
    const at = lines.findIndex((l) => l === `${kind} ${id}` || l.startsWith(`${kind} ${id} `))
    return at !== -1 && lines.slice(at + 1).some((l) => l.startsWith(`RAN ${id} `))
  }
  for (const id of completed) assert.ok(!ranAfter(id, 'COMPLETED'), `job ${id} ran after it completed`)
  for (const id of failed) assert.ok(!ranAfter(id, 'FAILED'), `job ${id} ran after it became a dead letter`)
})

test('SIGKILL during a job counts an attempt for the jobs that started, not for any other', { timeout: 60_000 }, async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), { batchSize: 50 })
  await q.open()
  await q.addAll(Array.from({ length: 20 }, (_, n) => ({ n })))
  await q.close()
  // process(), concurrency 2, default batchSize 50: jobs 1 and 2 start and never finish.
  const child = startChild(ROLES, ['holder-worker', file(), JSON.stringify({ batchSize: 50, concurrency: 2 })])
  child.killWhen((lines) => lines.filter((l) => l.startsWith('GOT ')).length === 2)
  await child.exited
  const after = new PersistentQueue(file(), { maxAttempts: 2 })
  await after.open()
  const rows = (await after.list({ state: 'queued' })).map((j) => [j.id, j.attempts])
  assert.deepEqual(
    rows,
    Array.from({ length: 20 }, (_, i) => [i + 1, i < 2 ? 1 : 0]),
    'recovered at open: jobs 1 and 2 ran once, the others never ran and count nothing',
  )
  await after.close()
})
