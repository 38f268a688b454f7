'use strict'
// Several processes on one file: exactly-once delivery, polling for other processes' jobs, leases, and waiting out another writer's lock.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const PersistentQueue = require('..')
const { spawn } = require('node:child_process')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const { tempDir, drain, startChild } = require('./helpers')

const WORKER = path.join(__dirname, 'fixtures', 'worker.js')
const BINDING = JSON.stringify(path.join(__dirname, '..', 'binding'))

/** Starts a process that holds the write lock of `file` for `ms` ms, and waits until it has it. */
async function holdWriteLock(file, ms) {
  // A write with busyTimeout 0 reports busy once the holder has the lock. Opened first: its open()
  // must not race the holder for the lock.
  const probe = new PersistentQueue(file, 10, { busyTimeout: 0 })
  await probe.open()
  const holder = spawn(process.execPath, ['-e', `require(${BINDING}).execScript(process.argv[1], 'SELECT 1', ${ms})`, file], {
    stdio: 'ignore',
  })
  const exited = new Promise((resolve) => holder.on('exit', resolve))
  let probes = 0
  for (;;) {
    const r = await probe.add('probe').then(
      () => 'ok',
      (e) => e.code,
    )
    if (r === 'SQLITE_BUSY') break
    assert.equal(r, 'ok')
    probes++
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  await probe.close()
  return { probes, exited }
}

const startWorker = (args) => startChild(WORKER, args)

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('2 producers and 2 consumers on one file: 20,000 jobs, each delivered exactly once', async (t) => {
  const { file } = tempDir(t)
  const init = new PersistentQueue(file())
  await init.open()
  await init.close()
  const perProducer = 10000
  const consumers = [startWorker([file(), 'consume']), startWorker([file(), 'consume'])]
  const producers = [startWorker([file(), 'add', String(perProducer), 'A']), startWorker([file(), 'add', String(perProducer), 'B'])]
  const got = () => consumers.reduce((sum, c) => sum + c.lines.filter((l) => l.startsWith('ACKED')).length, 0)
  for (const p of producers) assert.deepEqual(await p.exited, { code: 0, signal: null })
  let consumerExited = false
  for (const c of consumers) c.exited.then(() => (consumerExited = true))
  // Stop waiting if a consumer dies: the exit assertions below then fail instead of hanging.
  while (got() < 2 * perProducer && !consumerExited) await new Promise((resolve) => setTimeout(resolve, 20))
  for (const c of consumers) c.child.stdin.end()
  for (const c of consumers) assert.deepEqual(await c.exited, { code: 0, signal: null })

  const all = [...producers, ...consumers].flatMap((w) => w.lines)
  assert.deepEqual(
    all.filter((l) => l.startsWith('FAILED')),
    [],
    'no operation was rejected',
  )
  const added = producers.flatMap((p) => p.lines.filter((l) => l.startsWith('ADDED')).map((l) => Number(l.split(' ')[1])))
  assert.equal(added.length, 2 * perProducer)
  const deliveries = consumers.flatMap((c) => c.lines.filter((l) => l.startsWith('GOT')).map((l) => Number(l.split(' ')[1])))
  assert.equal(deliveries.length, 2 * perProducer, 'no job was delivered twice')
  assert.deepEqual(
    [...new Set(deliveries)].sort((a, b) => a - b),
    [...added].sort((a, b) => a - b),
  )
  for (const c of consumers) {
    // Each consumer claims in id order, and each producer's ids rise with its seq: per producer,
    // a consumer sees that producer's jobs in order.
    const last = { A: -1, B: -1 }
    for (const l of c.lines.filter((x) => x.startsWith('GOT'))) {
      const [, , tag, seq] = l.split(' ')
      assert.ok(Number(seq) > last[tag], `producer ${tag} order broken at seq ${seq}`)
      last[tag] = Number(seq)
    }
  }
  const after = new PersistentQueue(file())
  await after.open()
  assert.equal(after.getLength(), 0)
  await after.close()
})

test('an empty consumer notices jobs another process adds', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 10, { pollInterval: 20 })
  await q.open()
  const seen = []
  q.on('next', (task) => {
    seen.push(task.job.seq)
    q.done()
  })
  q.start()
  const producer = startWorker([file(), 'add', '25', 'X'])
  assert.deepEqual(await producer.exited, { code: 0, signal: null })
  while (seen.length < 25) await new Promise((resolve) => setTimeout(resolve, 20))
  assert.deepEqual(
    seen,
    Array.from({ length: 25 }, (_, i) => i),
  )
  await q.close()
})

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

test('a writer holding the lock for 2 s is waited out; the event loop and fs stay responsive', async (t) => {
  const { file } = tempDir(t)
  const queues = []
  for (let i = 0; i < 4; i++) {
    const q = new PersistentQueue(file(), 10, { busyTimeout: 10000 })
    await q.open()
    queues.push(q)
  }
  const { probes, exited } = await holdWriteLock(file(), 2000)
  let committed = false
  exited.then(() => (committed = true))
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const started = Date.now()
  // Four queue objects each wait out the lock at once: if waiting held thread-pool threads, all
  // four default threads would be taken and fs calls would stall for the 2 s.
  const adds = queues.map((q, i) => q.add({ waited: i }))
  const fsLatencies = []
  let fsDone = 0
  const fsLoop = (async () => {
    while (!committed) {
      const t0 = Date.now()
      await fs.promises.stat(file())
      await fs.promises.readFile(__filename)
      fsLatencies.push(Date.now() - t0)
      fsDone++
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  const ids = await Promise.all(adds)
  const waited = Date.now() - started
  await fsLoop
  delay.disable()
  assert.equal(ids.length, 4)
  assert.ok(waited >= 1000, `the adds waited ${waited} ms, so the lock was really held`)
  assert.ok(fsDone >= 20, `only ${fsDone} fs rounds completed while waiting`)
  assert.ok(Math.max(...fsLatencies) < 1000, `an fs round took ${Math.max(...fsLatencies)} ms`)
  assert.ok(delay.max / 1e6 < 1000, `event loop blocked ${delay.max / 1e6} ms`)
  for (const q of queues) await q.close()
  const check = new PersistentQueue(file())
  await check.open()
  assert.equal(check.getLength(), probes + 4)
  await check.close()
})

test('busyTimeout spent: add rejects SQLITE_BUSY and writes nothing', async (t) => {
  const { file } = tempDir(t)
  const q = new PersistentQueue(file(), 10, { busyTimeout: 300 })
  await q.open()
  await q.add('before')
  const { probes, exited } = await holdWriteLock(file(), 1500)
  await assert.rejects(q.add('during'), { code: 'SQLITE_BUSY', message: /busyTimeout=300/ })
  await exited
  assert.deepEqual(await q.getJobIds('during'), [])
  assert.equal(q.getLength(), 1 + probes)
  assert.deepEqual(
    (await drain(q)).map((s) => s.job),
    ['before', ...Array(probes).fill('probe')],
  )
  await q.close()
})

const ROLES = path.join(__dirname, 'fixtures', 'roles.js')

/** Waits until `pred(child.lines)` holds, or fails after `ms`. */
async function until(child, pred, ms, what) {
  const end = Date.now() + ms
  while (!pred(child.lines)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; lines: ${child.lines.join(' | ')}`)
    await sleep(20)
  }
}
const gotIds = (lines) => lines.filter((l) => l.startsWith('GOT ')).map((l) => Number(l.slice(4)))

test('a started, empty consumer whose own adds are refused still notices jobs other processes add', async (t) => {
  const { file } = tempDir(t)
  const keepAlive = setInterval(() => {}, 1000)
  t.after(() => clearInterval(keepAlive))
  for (let attempt = 0; attempt < 4; attempt++) {
    for (const s of ['', '-wal', '-shm']) fs.rmSync(file() + s, { force: true })
    const a = new PersistentQueue(file(), 10, { maxFileSize: 64 * 1024, pollInterval: 20 })
    await a.open()
    const got = []
    a.on('next', ({ job }) => {
      got.push(job)
      a.done()
    })
    a.start()
    const big = 'z'.repeat(200000) // never fits: each add is refused with SQLITE_FULL
    const refused = []
    const pump = setInterval(() => {
      for (let i = 0; i < 3; i++) a.add(big).catch((e) => refused.push(e.code))
    }, 1)
    await sleep(100)
    const other = startChild(ROLES, ['add-one', file()])
    assert.deepEqual(await other.exited, { code: 0, signal: null })
    const end = Date.now() + 3000
    while (got.length === 0 && Date.now() < end) await sleep(20)
    clearInterval(pump)
    await sleep(50)
    assert.deepEqual(got, [{ small: true }], `attempt ${attempt}: the other process's job is delivered`)
    assert.ok(refused.length > 0 && refused.every((c) => c === 'SQLITE_FULL'))
    await a.close()
  }
})

test('a worker stopped in another process hands back the jobs it prefetched', async (t) => {
  const { file } = tempDir(t)
  const seed = new PersistentQueue(file())
  await seed.open()
  for (let i = 1; i <= 10; i++) await seed.add({ n: i })
  await seed.close()
  const paused = startChild(ROLES, ['stop-after-one', file(), JSON.stringify({ batchSize: 10, visibilityTimeout: 500 })])
  t.after(() => paused.child.kill('SIGKILL'))
  await until(paused, (l) => l.some((x) => x.startsWith('STOPPED')), 10000, 'the worker to stop')
  const b = new PersistentQueue(file())
  const got = []
  b.on('next', ({ id }) => {
    got.push(id)
    b.done()
  })
  const keepAlive = setInterval(() => {}, 1000)
  t.after(() => clearInterval(keepAlive))
  await b.open()
  const emptied = new Promise((resolve) => b.once('empty', resolve))
  b.start()
  await emptied
  assert.deepEqual(paused.lines, ['GOT 1', 'STOPPED 1'])
  assert.deepEqual(got, [2, 3, 4, 5, 6, 7, 8, 9, 10])
  await b.close()
})

test('containers sharing a file (separate PID namespaces, both PID 1): a live worker keeps its job', async (t) => {
  const { spawnSync } = require('node:child_process')
  if (spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status !== 0) {
    return t.skip('unshare --pid is not permitted here (needs root)')
  }
  const { file } = tempDir(t)
  const seed = new PersistentQueue(file())
  await seed.open()
  for (let i = 1; i <= 3; i++) await seed.add({ n: i })
  await seed.close()
  // Like `docker run`: a fresh PID namespace with its own /proc; node is PID 1 in each.
  const container = (role) =>
    startChild('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, ROLES, role, file()], { node: false })
  const a = container('holder')
  t.after(() => a.child.kill('SIGKILL'))
  await until(a, (l) => gotIds(l).length === 1, 10000, 'worker A to take a job')
  const b = container('worker')
  t.after(() => b.child.kill('SIGKILL'))
  await until(b, (l) => gotIds(l).length === 2, 10000, 'worker B to take the other jobs')
  await sleep(500)
  assert.deepEqual(gotIds(a.lines), [1])
  assert.deepEqual(gotIds(b.lines), [2, 3], "B's open() must not take A's job for a dead PID 1 of its own namespace")
})

test(
  'containers with their own time namespace (CLOCK_MONOTONIC offset by a day either way): a live worker keeps its job',
  { timeout: 60_000 },
  async (t) => {
    const { spawnSync } = require('node:child_process')
    if (spawnSync('unshare', ['--time', '--fork', '--monotonic', '86400', 'true']).status !== 0) {
      return t.skip('unshare --time is not permitted here (needs root and Linux 5.6)')
    }
    const { file } = tempDir(t)
    const seed = new PersistentQueue(file())
    await seed.open()
    for (let i = 1; i <= 3; i++) await seed.add({ n: i })
    await seed.close()
    const a = startChild(ROLES, ['holder', file()]) // default visibilityTimeout: 30 s
    t.after(() => a.child.kill('SIGKILL'))
    await until(a, (l) => gotIds(l).length === 1, 10000, 'worker A to take a job')
    // A monotonic clock a day ahead makes A's monotonic deadline look long past; one a day behind
    // (no further back than boot) makes it look far away, which must not hold jobs forever either.
    const behind = String(-Math.min(86400, Math.floor(require('node:os').uptime()) - 60))
    const workers = ['86400', behind].map((offset) =>
      startChild('unshare', ['--time', '--fork', '--kill-child', '--monotonic', offset, process.execPath, ROLES, 'worker', file()], {
        node: false,
      }),
    )
    for (const w of workers) t.after(() => w.child.kill('SIGKILL'))
    await until(workers[0], (l) => gotIds(l).length + gotIds(workers[1].lines).length === 2, 10000, 'the others to take jobs 2 and 3')
    await sleep(1000)
    assert.deepEqual(gotIds(a.lines), [1])
    assert.deepEqual([...gotIds(workers[0].lines), ...gotIds(workers[1].lines)].sort(), [2, 3], "A's job stays with A")
  },
)

test(
  'a consumer frozen past its leases (SIGSTOP) delivers none of its claimed-ahead jobs that another took meanwhile',
  { timeout: 60_000 },
  async (t) => {
    const { file } = tempDir(t)
    const seed = new PersistentQueue(file())
    await seed.open()
    for (let i = 1; i <= 10; i++) await seed.add({ n: i })
    await seed.close()
    const lease = { visibilityTimeout: 1500, pollInterval: 20, batchSize: 10 }
    const a = startChild(ROLES, ['worker', file(), JSON.stringify({ ...lease, ackDelay: 700 })])
    t.after(() => a.child.kill('SIGKILL'))
    await until(a, (l) => gotIds(l).length === 1, 10000, 'A to take its first job')
    a.child.kill('SIGSTOP') // job 1 in hand, jobs 2 to 10 claimed ahead; at SIGCONT a lease renewal
    // (every 500 ms) is due before the ack (700 ms after delivery)
    const b = startChild(ROLES, ['worker', file(), JSON.stringify(lease)])
    t.after(() => b.child.kill('SIGKILL'))
    await until(b, (l) => gotIds(l).length === 10, 20000, "B to take A's jobs once their leases ran out")
    a.child.kill('SIGCONT')
    await sleep(2000) // A's ack of job 1, its lease renewal and its hold timer all run now
    const inHand = gotIds(a.lines)[0]
    const twice = gotIds(a.lines).filter((id) => id !== inHand && gotIds(b.lines).includes(id))
    assert.deepEqual(twice, [], `A got ${gotIds(a.lines)}, B got ${gotIds(b.lines)}: only the job in A's hand may run twice`)
  },
)

test("a wall-clock step forward (NTP, VM resume) does not expire a healthy worker's lease", async (t) => {
  const { spawnSync } = require('node:child_process')
  const { dir, file } = tempDir(t)
  // A preload library that adds the seconds written in SHIFT_FILE to CLOCK_REALTIME (and
  // gettimeofday, time), in both workers alike, as a real step of the system clock would.
  const src = path.join(dir, 'shift.c')
  fs.writeFileSync(
    src,
    `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>
#include <sys/time.h>
static long shift(void) { const char *p = getenv("SHIFT_FILE"); long s = 0; FILE *f;
  if (p && (f = fopen(p, "r"))) { if (fscanf(f, "%ld", &s) != 1) s = 0; fclose(f); } return s; }
int clock_gettime(clockid_t c, struct timespec *ts) {
  static int (*real)(clockid_t, struct timespec *); if (!real) real = dlsym(RTLD_NEXT, "clock_gettime");
  int r = real(c, ts); if (r == 0 && (c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE)) ts->tv_sec += shift(); return r; }
int gettimeofday(struct timeval *tv, void *tz) {
  static int (*real)(struct timeval *, void *); if (!real) real = dlsym(RTLD_NEXT, "gettimeofday");
  int r = real(tv, tz); if (r == 0 && tv) tv->tv_sec += shift(); return r; }
time_t time(time_t *t) { struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); if (t) *t = ts.tv_sec; return ts.tv_sec; }
`.replace('#include <stdio.h>', '#include <stdio.h>\n#include <stdlib.h>'),
  )
  const so = path.join(dir, 'shift.so')
  if (spawnSync('cc', ['-shared', '-fPIC', '-O1', '-o', so, src, '-ldl']).status !== 0) return t.skip('no C compiler for the clock shim')
  const shiftFile = path.join(dir, 'shift')
  fs.writeFileSync(shiftFile, '0')
  const seed = new PersistentQueue(file())
  await seed.open()
  for (let i = 1; i <= 3; i++) await seed.add({ n: i })
  await seed.close()
  const env = { ...process.env, LD_PRELOAD: so, SHIFT_FILE: shiftFile }
  const a = startChild(ROLES, ['holder', file()], { env }) // default visibilityTimeout: 30 s
  t.after(() => a.child.kill('SIGKILL'))
  await until(a, (l) => gotIds(l).length === 1, 10000, 'worker A to take a job')
  const b = startChild(ROLES, ['worker', file(), JSON.stringify({ pollInterval: 20 })], { env })
  t.after(() => b.child.kill('SIGKILL'))
  await until(b, (l) => gotIds(l).length === 2, 10000, 'worker B to take the other jobs')
  fs.writeFileSync(shiftFile, '120') // the system clock steps 120 s forward, four leases
  await sleep(1500)
  fs.writeFileSync(shiftFile, '-3600') // and then an hour back
  await sleep(500)
  assert.deepEqual(gotIds(a.lines), [1])
  assert.deepEqual(gotIds(b.lines), [2, 3])
})
