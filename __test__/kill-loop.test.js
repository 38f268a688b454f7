'use strict'
// SIGKILL at random points, 20 times per workload: no job is lost, and no job is delivered twice
// except the one in hand at each kill.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const PersistentQueue = require('..')
const { tempDir, drain, startChild } = require('./helpers')

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

/** Drains what is left in the file; returns the ids in delivery order. */
async function drainRest(file, batchSize) {
  const q = new PersistentQueue(file, batchSize)
  await q.open()
  const ids = (await drain(q)).map((s) => s.id)
  await q.close()
  return ids
}
const ids = (out, kind) => out.filter((l) => l.startsWith(kind)).map((l) => Number(l.split(' ')[1]))

/** Checks deliveries across killed runs plus a final drain. */
function checkDeliveries(runs, finalIds, allIds) {
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
  for (const id of allIds) assert.ok(count.has(id), `job ${id} was lost`)
  for (const [id, n] of count) {
    assert.ok(allIds.has(id), `unknown job ${id}`)
    assert.ok(n <= 1 + (allowed.get(id) ?? 0), `job ${id} delivered ${n} times`)
  }
  return [...count.values()].filter((n) => n > 1).length
}

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
  const repeated = checkDeliveries(runs, rest, new Set(all))
  assert.ok(repeated <= KILLS)
})

test(`mixed add and consume: ${KILLS} SIGKILLs lose no job and repeat only the job in hand`, async (t) => {
  const { file } = tempDir(t)
  const runs = await killLoop((i) => [file(), 'mixed', '1000000', `M${i}`], 'ADDED', 50, 400)
  const rest = await drainRest(file(), 50)
  const reported = runs.flatMap((r) => ids(r.out, 'ADDED'))
  const everything = new Set([...reported, ...rest, ...runs.flatMap((r) => ids(r.out, 'GOT'))])
  // Every resolved add was delivered in some run or by the final drain.
  checkDeliveries(runs, rest, everything)
  assert.ok(reported.length > 0)
})
