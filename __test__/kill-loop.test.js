'use strict'
// SIGKILL at random points, 20 times per workload: no job is lost, and no job is delivered twice
// except the one in hand at each kill.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawn } = require('node:child_process')
const PersistentQueue = require('..')
const { tempDir, drain } = require('./helpers')

const WORKER = path.join(__dirname, 'fixtures', 'worker.js')
const KILLS = 20

/** Runs a worker until it printed `lines` lines of kind `kind` (or a fixed time), then SIGKILLs it. */
function runAndKill(args, kind, lines) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
    const out = []
    let buffer = ''
    let killed = false
    const kill = () => {
      if (!killed) {
        killed = true
        child.kill('SIGKILL')
      }
    }
    const timer = setTimeout(kill, 3000)
    child.stdout.on('data', (chunk) => {
      buffer += chunk
      let nl
      while ((nl = buffer.indexOf('\n')) !== -1) {
        out.push(buffer.slice(0, nl))
        buffer = buffer.slice(nl + 1)
      }
      if (out.filter((l) => l.startsWith(kind)).length >= lines) kill()
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ out, code, signal })
    })
  })
}

const random = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1))
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
  const reported = []
  for (let i = 0; i < KILLS; i++) {
    const run = await runAndKill([file(), 'add', '1000000', `K${i}`], 'ADDED', random(1, 300))
    assert.equal(run.signal, 'SIGKILL')
    assert.deepEqual(run.out.filter((l) => l.startsWith('FAILED')), [])
    reported.push(...ids(run.out, 'ADDED'))
  }
  const q = new PersistentQueue(file(), 500)
  await q.open()
  const stored = (await drain(q)).map((s) => s.id)
  await q.close()
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
  const runs = []
  for (let i = 0; i < KILLS; i++) {
    const run = await runAndKill([file(), 'consume'], 'GOT', random(1, 100))
    assert.equal(run.signal, 'SIGKILL')
    assert.deepEqual(run.out.filter((l) => l.startsWith('FAILED')), [])
    runs.push(run)
  }
  const after = new PersistentQueue(file(), 50)
  await after.open()
  const rest = (await drain(after)).map((s) => s.id)
  await after.close()
  const repeated = checkDeliveries(runs, rest, new Set(all))
  assert.ok(repeated <= KILLS)
})

test(`mixed add and consume: ${KILLS} SIGKILLs lose no job and repeat only the job in hand`, async (t) => {
  const { file } = tempDir(t)
  const runs = []
  for (let i = 0; i < KILLS; i++) {
    const run = await runAndKill([file(), 'mixed', '1000000', `M${i}`], 'ADDED', random(50, 400))
    assert.equal(run.signal, 'SIGKILL')
    assert.deepEqual(run.out.filter((l) => l.startsWith('FAILED')), [])
    runs.push(run)
  }
  const after = new PersistentQueue(file(), 50)
  await after.open()
  const rest = (await drain(after)).map((s) => s.id)
  await after.close()
  const reported = runs.flatMap((r) => ids(r.out, 'ADDED'))
  const everything = new Set([...reported, ...rest, ...runs.flatMap((r) => ids(r.out, 'GOT'))])
  // Every resolved add was delivered in some run or by the final drain.
  checkDeliveries(runs, rest, everything)
  assert.ok(reported.length > 0)
})
