'use strict'
// The main job (examples/hash-files.js) on real files: killed with SIGKILL mid-run and started
// again, every file ends up hashed exactly once, with the right SHA-256.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')
const { spawn, spawnSync } = require('node:child_process')
const { tempDir } = require('./helpers')

const DEMO = path.join(__dirname, '..', 'examples', 'hash-files.js')

function makeFiles(root, count) {
  const files = []
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `d${i % 7}`, `e${i % 3}`)
    fs.mkdirSync(dir, { recursive: true })
    const file = path.join(dir, `f${i}.bin`)
    fs.writeFileSync(file, crypto.randomBytes(64 + (i % 512)))
    files.push(file)
  }
  return files
}

const lineCount = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length - 1 : 0)

test('the demo killed with SIGKILL mid-run resumes and hashes every file exactly once', async (t) => {
  const { dir } = tempDir(t)
  const folder = path.join(dir, 'files')
  const state = path.join(dir, 'state')
  const files = makeFiles(folder, 600)
  const results = path.join(state, 'results.tsv')

  const child = spawn(process.execPath, [DEMO, folder, '--state', state], { stdio: 'ignore' })
  let ended = false
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      ended = true
      resolve({ code, signal })
    }),
  )
  let killedAt = -1
  // Stop waiting if the demo ends on its own (a crash would otherwise hang this test).
  while (killedAt < 0 && !ended) {
    await new Promise((resolve) => setTimeout(resolve, 5))
    const n = lineCount(results)
    if (n >= 100) {
      child.kill('SIGKILL')
      killedAt = n
    }
  }
  const first = await exited
  assert.equal(first.signal, 'SIGKILL', 'the first run was killed, not finished')
  assert.ok(killedAt < files.length, `killed after ${killedAt} of ${files.length} files`)

  const second = spawnSync(process.execPath, [DEMO, folder, '--state', state], { encoding: 'utf8' })
  assert.equal(second.status, 0, second.stderr)
  assert.match(second.stdout, /done: hashed \d+ files/)

  const lines = fs.readFileSync(results, 'utf8').trimEnd().split('\n')
  const byPath = new Map(lines.map((l) => l.split('\t')))
  assert.equal(lines.length, files.length, 'one line per file')
  assert.equal(byPath.size, files.length, 'no file twice')
  for (const file of files) {
    assert.equal(byPath.get(file), crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), file)
  }
})
