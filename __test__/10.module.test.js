'use strict'
// The module, the constructor and its options: exports, argument checks with the original messages, option bounds, debug logging, a missing addon, and source hygiene.
const test = require('node:test')
const assert = require('node:assert/strict')
const PersistentQueue = require('..')
const fs = require('node:fs')
const path = require('node:path')
const { tempDir, drain } = require('./helpers')

test('the module exports the class three ways', () => {
  assert.equal(typeof PersistentQueue, 'function')
  assert.equal(PersistentQueue.PersistentQueue, PersistentQueue)
  assert.equal(PersistentQueue.default, PersistentQueue)
})

test('constructor checks its arguments with the original messages', () => {
  assert.throws(() => new PersistentQueue(), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'No filename parameter provided' })
  const msg = 'Invalid batchSize parameter.  Must be a number > 0'
  assert.throws(() => new PersistentQueue('x', 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: msg })
  assert.throws(() => new PersistentQueue('x', '5'), { name: 'TypeError', message: msg })
  assert.throws(() => new PersistentQueue('x', NaN), { name: 'RangeError', message: msg })
  assert.throws(() => new PersistentQueue('x', 2.5), { name: 'RangeError', message: msg })
  assert.throws(() => new PersistentQueue('x', 1, { durability: 'fast' }), { code: 'ERR_OUT_OF_RANGE' })
  assert.throws(() => new PersistentQueue('x', 1, { busyTimeout: -1 }), { code: 'ERR_OUT_OF_RANGE' })
  const q = new PersistentQueue('x')
  assert.equal(q.batchSize, 10)
  assert.equal(q.dbPath, 'x')
  assert.equal(new PersistentQueue('').dbPath, ':memory:')
})

test('timer options past 2^31-1 ms, or too small a lease, are refused', () => {
  for (const options of [
    { visibilityTimeout: 2 ** 31 },
    { visibilityTimeout: 1e19 },
    { visibilityTimeout: 0 },
    { pollInterval: 0 },
    { busyTimeout: 2 ** 40 },
  ]) {
    assert.throws(() => new PersistentQueue('x', 1, options), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, JSON.stringify(options))
  }
  assert.throws(() => new PersistentQueue('x', 1, { maxFileSize: '1000' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  assert.equal(new PersistentQueue('x', 1, { durability: undefined, busyTimeout: undefined }).batchSize, 1)
})

test('setDebug returns the queue for chaining and logs steps only while on; getSqlite3 is not supported', async (t) => {
  const lines = []
  t.mock.method(console, 'log', (line) => lines.push(line))
  const q = new PersistentQueue('')
  assert.equal(q.setDebug(true), q)
  await q.open()
  await q.add('x')
  await drain(q)
  q.setDebug(false)
  const logged = lines.length
  await q.add('y')
  await drain(q)
  await q.close()
  t.mock.restoreAll()
  assert.ok(logged >= 3, `debug logged ${logged} lines`)
  assert.ok(lines.every((l) => l.startsWith('[sqlite-persistent-queue] ')))
  assert.ok(
    lines.some((l) => l.includes('debug deliver: job delivered (id=1 attempts=1)')) &&
      lines.some((l) => l.includes('debug ack: job acknowledged (id=1)')),
  )
  assert.equal(lines.length, logged, 'nothing is logged after setDebug(false)')
  assert.throws(() => q.getSqlite3(), { code: 'ERR_NOT_SUPPORTED' })
})

test('require() without a built addon throws ERR_ADDON_NOT_BUILT with advice', (t) => {
  const { spawnSync } = require('node:child_process')
  const { dir } = tempDir(t)
  // A copy of the package without any .node file: what a skipped install script leaves.
  for (const f of ['index.js', 'binding.js', 'package.json']) fs.copyFileSync(path.join(__dirname, '..', f), path.join(dir, f))
  for (const d of ['lib', 'bin']) fs.cpSync(path.join(__dirname, '..', d), path.join(dir, d), { recursive: true })
  const env = { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '' }
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `try { require(${JSON.stringify(dir)}) } catch (e) { console.log(e.code + ' ' + e.message); console.log(String(e.cause?.message)) }`,
    ],
    { encoding: 'utf8', env },
  )
  const [first, cause] = r.stdout.split('\n')
  assert.match(first, /^ERR_ADDON_NOT_BUILT .*npm rebuild sqlite-persistent-queue/)
  assert.match(cause, /Cannot find/, 'the cause says what failed to load')
  assert.doesNotMatch(cause, /npm has a bug/, "not the loader's advice, which contradicts ours")
  // The command line reports it in one line too.
  const cli = spawnSync(process.execPath, [path.join(dir, 'bin', 'cli.js'), 'stats', path.join(dir, 'q.sqlite')], { encoding: 'utf8', env })
  assert.equal(cli.status, 1)
  assert.match(cli.stderr, /^sqlite-persistent-queue: ERR_ADDON_NOT_BUILT: sqlite-persistent-queue: the native addon is not built .*\n$/)
})

test('no source file calls process.exit or console.error', () => {
  const root = path.join(__dirname, '..')
  for (const f of ['index.js', ...fs.readdirSync(path.join(root, 'lib')).map((f) => `lib/${f}`)]) {
    const src = fs.readFileSync(path.join(root, f), 'utf8')
    assert.doesNotMatch(src, /process\.exit\(|console\.error\(/, f)
  }
})

test('an unknown option (a misspelling) is refused with ERR_INVALID_ARG_VALUE naming it', () => {
  assert.throws(() => new PersistentQueue('x', 1, { visibiltyTimeout: 5000 }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
    message: /"visibiltyTimeout".*visibilityTimeout/,
  })
})

test('the package exports only its entry point: the generated binding is not public API', () => {
  // A package may require itself by name; Node applies its "exports" map then.
  assert.equal(require('sqlite-persistent-queue'), PersistentQueue)
  assert.throws(() => require('sqlite-persistent-queue/binding'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })
  assert.throws(() => require('sqlite-persistent-queue/lib/native'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })
})

test('a filename that is not a string is refused by open(), as the original does, with ERR_INVALID_ARG_TYPE', async () => {
  // The original's own suite: "should reject Promise when db filename is not a string".
  for (const filename of [true, 42, null, {}]) {
    const q = new PersistentQueue(filename, 2)
    await assert.rejects(q.open(), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /filename must be a string/ })
    assert.equal(q.isOpen(), false)
  }
})

test("a NUL in a path is ERR_INVALID_ARG_VALUE; a path over SQLite's 504 bytes is ERR_PATH_TOO_LONG naming both lengths", async (t) => {
  const { dir } = tempDir(t)
  await assert.rejects(new PersistentQueue(path.join(dir, 'a\0b.sqlite')).open(), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
    message: /NUL/,
  })
  // The longest path SQLite opens (504 bytes: MAX_PATHNAME 512 less room for "-journal") and one byte more.
  const deep = (total) => {
    let folder = dir
    while (Buffer.byteLength(folder) + 60 < total) folder = path.join(folder, 'd'.repeat(50))
    fs.mkdirSync(folder, { recursive: true })
    const name = 'q'.repeat(total - Buffer.byteLength(folder) - 1)
    return path.join(folder, name)
  }
  const longest = deep(504)
  assert.equal(Buffer.byteLength(longest), 504)
  const ok = new PersistentQueue(longest)
  await ok.open()
  assert.equal(await ok.add('fits'), 1)
  await ok.close()
  const tooLong = deep(505)
  assert.equal(Buffer.byteLength(tooLong), 505)
  await assert.rejects(new PersistentQueue(tooLong).open(), {
    name: 'RangeError',
    code: 'ERR_PATH_TOO_LONG',
    message: /505 bytes.*at most 504 bytes/,
  })
  await assert.rejects(new PersistentQueue(path.join(tooLong, '..', '..', 'x'.repeat(600))).open(), { code: 'ERR_PATH_TOO_LONG' })
  assert.equal(fs.existsSync(tooLong), false, 'nothing was created')
})

test('closeTimeout and close({ timeout }) are checked like the other timers', async () => {
  assert.throws(() => new PersistentQueue('x', 1, { closeTimeout: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })
  assert.throws(() => new PersistentQueue('x', 1, { closeTimeout: '5s' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  const q = new PersistentQueue('')
  await q.open()
  await assert.rejects(q.close({ timeout: -5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })
  await assert.rejects(q.close({ timout: 5 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /"timout"/ })
  await assert.rejects(q.close(5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  assert.equal(q.isOpen(), true, 'a refused close() changes nothing')
  await q.close({ timeout: 0 })
  assert.equal(q.isOpen(), false)
})
