'use strict'
// Checks the hand-written typings (index.d.ts) with the TypeScript compiler of node_modules:
// - __test__/fixtures/*.ts (the whole typed API, every import form, code written for
//   node-persistent-queue 1.0.x's typings, and `// @ts-expect-error` lines that must not compile)
//   compile with no output under __test__/fixtures/tsconfig.json, and without esModuleInterop;
// - an ES module consumer (module nodenext) finds the types through package.json;
// - a deliberate type error is reported (TS2322), so the check can fail;
// - index.d.ts declares what the runtime has, and nothing else: every public member of the class
//   (index.js), every event it emits (index.js, lib/), every error code it raises (index.js, lib/,
//   and the native core's codes in src/), read with the TypeScript parser.
// Needs typescript and @types/node (index.d.ts extends EventEmitter from 'node:events'); the last
// check loads the package (NAPI_RS_NATIVE_LIBRARY_PATH, as the other tests).
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const FIXTURES = path.join(__dirname, 'fixtures')
const BASE_CONFIG = path.join(FIXTURES, 'tsconfig.json')
const TSC = require.resolve('typescript/bin/tsc')

/** @returns {string} the `@types` folder holding `@types/node`, for `typeRoots` of configs outside the repo */
function nodeTypesRoot() {
  let pkg
  try {
    pkg = require.resolve('@types/node/package.json', { paths: [ROOT] })
  } catch {
    assert.fail('@types/node is not installed: index.d.ts extends EventEmitter from node:events, run `npm i -D @types/node`')
  }
  return path.dirname(path.dirname(pkg))
}

/**
 * Runs tsc with `args` from the package root.
 * @returns {{status: number | null, output: string}} exit status and stdout+stderr, trimmed
 */
function tsc(...args) {
  const r = spawnSync(process.execPath, [TSC, '--pretty', 'false', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  })
  if (r.error) throw r.error
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() }
}

/** Makes a temporary folder, removed when the test ends. */
function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spq-typings-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

/** The fixture files the base config checks (its "include" is `*.ts`). */
function fixtureFiles() {
  return fs
    .readdirSync(FIXTURES)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(FIXTURES, name))
}

test('package.json points "types" at index.d.ts and publishes it', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  assert.equal(pkg.types, 'index.d.ts')
  assert.ok(pkg.files.includes('index.d.ts'), 'index.d.ts is missing from "files"')
  assert.ok(fs.existsSync(path.join(ROOT, 'index.d.ts')))
})

test('tsc -p __test__/fixtures passes: the typed API, every import form, every @ts-expect-error', () => {
  nodeTypesRoot()
  assert.ok(
    fixtureFiles().some((f) => f.endsWith('usage.ts')),
    'usage.ts fixture is missing',
  )
  const { status, output } = tsc('-p', FIXTURES)
  assert.equal(output, '', 'tsc reported problems')
  assert.equal(status, 0)
})

test('the fixtures also compile without esModuleInterop (default import through .default)', (t) => {
  const typeRoots = [nodeTypesRoot()]
  const dir = tempDir(t)
  writeJson(path.join(dir, 'tsconfig.json'), {
    extends: BASE_CONFIG,
    compilerOptions: { esModuleInterop: false, allowSyntheticDefaultImports: false, typeRoots },
    files: fixtureFiles(),
    include: [],
  })
  const { status, output } = tsc('-p', dir)
  assert.equal(output, '', 'tsc reported problems')
  assert.equal(status, 0)
})

test('an ES module consumer (module nodenext) gets the types through package.json', (t) => {
  const typeRoots = [nodeTypesRoot()]
  const dir = tempDir(t)
  // The package as npm installs it: package.json and index.d.ts (index.js is not read by tsc).
  const installed = path.join(dir, 'node_modules', 'sqlite-persistent-queue')
  fs.mkdirSync(installed, { recursive: true })
  for (const file of ['package.json', 'index.d.ts']) fs.copyFileSync(path.join(ROOT, file), path.join(installed, file))
  writeJson(path.join(dir, 'package.json'), { name: 'consumer', private: true, type: 'module' })
  writeJson(path.join(dir, 'tsconfig.json'), {
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', target: 'es2022', lib: ['es2022'], types: ['node'], typeRoots },
    files: ['esm.ts', 'cjs.cts'],
  })
  fs.writeFileSync(
    path.join(dir, 'esm.ts'),
    [
      "import PersistentQueue, { PersistentQueue as Named } from 'sqlite-persistent-queue'",
      "import type { QueueError, Task, WorkerTask } from 'sqlite-persistent-queue'",
      "const q = new PersistentQueue<{ n: number }>('esm.sqlite', 10, { durability: 'normal' })",
      'const same: Named<{ n: number }> = q',
      "q.on('next', (task: Task<{ n: number }>) => { void task.job.n; void same.done() })",
      "q.on('error', (err: QueueError) => console.error(err.code))",
      "q.on('retrying', (task, error, delayMs) => console.log(task.job.n, error, delayMs + 1))",
      'await q.open()',
      'const id: number = await q.add({ n: 1 })',
      'const ids: number[] = await q.addAll([{ n: 2 }], { delay: 10, priority: 1 })',
      'void id',
      'void ids',
      "const w = new PersistentQueue<{ n: number }>('esm.sqlite', { maxAttempts: 2, jobTimeout: 1000 })",
      'await w.open()',
      'void w.process(async (job, task: WorkerTask<{ n: number }>) => job.n + task.attempts, { concurrency: 2 })',
      'for await (const task of q) {',
      '  await task.done()',
      '  break',
      '}',
      'const { failed } = await q.stats()',
      'void failed',
      '// @ts-expect-error wrong job type',
      "await q.add({ n: 'x' })",
      '// @ts-expect-error a handler of the wrong job type',
      'void w.process((job: string) => job)',
      '',
    ].join('\n'),
  )
  fs.writeFileSync(
    path.join(dir, 'cjs.cts'),
    [
      "import PersistentQueue = require('sqlite-persistent-queue')",
      "const q: PersistentQueue<string> = new PersistentQueue.default<string>('cjs.sqlite')",
      'export const ready: Promise<void> = q.open()',
      '',
    ].join('\n'),
  )
  const { status, output } = tsc('-p', dir)
  assert.equal(output, '', 'tsc reported problems')
  assert.equal(status, 0)
})

test('the check can fail: a deliberate type error is reported as TS2322', (t) => {
  const typeRoots = [nodeTypesRoot()]
  const dir = tempDir(t)
  writeJson(path.join(dir, 'tsconfig.json'), {
    extends: BASE_CONFIG,
    compilerOptions: { typeRoots },
    files: ['bad.ts'],
    include: [],
  })
  fs.writeFileSync(
    path.join(dir, 'bad.ts'),
    [
      "import PersistentQueue from 'sqlite-persistent-queue'",
      "const q = new PersistentQueue<{ n: number }>('bad.sqlite')",
      'export async function bad(): Promise<void> {',
      '  const n: string = await q.add({ n: 1 })',
      '  void n',
      '}',
      '',
    ].join('\n'),
  )
  const { status, output } = tsc('-p', dir)
  assert.notEqual(status, 0, 'tsc accepted a type error')
  const errors = output.split('\n').filter((line) => / error TS\d+:/.test(line))
  // Exactly this one error: the module and its types were found (no TS2307), the rest is fine.
  assert.equal(errors.length, 1, output)
  assert.match(errors[0], /bad\.ts\(4,9\): error TS2322: Type 'number' is not assignable to type 'string'\./)
})

/**
 * What index.d.ts declares, read with the TypeScript parser.
 * @returns {{members: Set<string>, events: Set<string>, codes: Set<string>}} the members of
 *   `class PersistentQueue` (a computed name as `[Symbol.asyncIterator]`), the keys of `EventMap`
 *   and the string literals of `QueueErrorCode`
 */
function declared() {
  const ts = require('typescript')
  const file = path.join(ROOT, 'index.d.ts')
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const members = new Set()
  const events = new Set()
  const codes = new Set()
  const nameOf = (name) => (ts.isComputedPropertyName(name) ? `[${name.expression.getText(source)}]` : name.text)
  const visit = (node) => {
    if (ts.isClassDeclaration(node) && node.name?.text === 'PersistentQueue') {
      for (const member of node.members) if (member.name) members.add(nameOf(member.name))
    } else if (ts.isInterfaceDeclaration(node) && node.name.text === 'EventMap') {
      for (const member of node.members) events.add(nameOf(member.name))
    } else if (ts.isTypeAliasDeclaration(node) && node.name.text === 'QueueErrorCode') {
      for (const type of node.type.types) if (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) codes.add(type.literal.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return { members, events, codes }
}

/**
 * @param {string} dir a folder of the package
 * @param {string} ext a file name ending
 * @returns {string[]} the files below `dir` whose names end with `ext`
 */
function filesIn(dir, ext) {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true })
    .filter((name) => name.endsWith(ext))
    .map((name) => path.join(ROOT, dir, name))
}

/** @returns {Set<string>} every match of `pattern`'s first group in `files` */
function matchesIn(files, pattern) {
  const found = new Set()
  for (const file of files) for (const m of fs.readFileSync(file, 'utf8').matchAll(pattern)) found.add(m[1])
  return found
}

const sorted = (set) => [...set].sort()

test('index.d.ts declares every public member of the class, and only those', () => {
  const PersistentQueue = require('..')
  const proto = PersistentQueue.prototype
  const runtime = new Set([
    ...Object.getOwnPropertyNames(proto).filter((name) => name !== 'constructor'),
    ...Object.getOwnPropertySymbols(proto).map((symbol) => `[${symbol.description}]`),
  ])
  assert.deepEqual(sorted(declared().members), sorted(runtime))
})

test('EventMap lists every event the runtime emits, and only those', () => {
  const sources = [path.join(ROOT, 'index.js'), ...filesIn('lib', '.js')]
  // this.emit('x'), this.#emitSafely('x'), host.emit('x'), this.#host.emit('x')
  const emitted = matchesIn(sources, /\b(?:emit|emitSafely)\(\s*'([A-Za-z]+)'/g)
  assert.ok(emitted.has('completed') && emitted.has('next'), `the scan found the events: ${sorted(emitted)}`)
  assert.deepEqual(sorted(declared().events), sorted(emitted))
})

test('QueueErrorCode lists every code of index.js, lib/ and the native core, and only those', () => {
  const js = matchesIn([path.join(ROOT, 'index.js'), ...filesIn('lib', '.js')], /'((?:ERR|SQLITE)_[A-Z_]+)'/g)
  // The core's codes: quoted in its sources; test-only files (not published) are left out.
  const testOnly = new Set(['tests.rs', 'script.rs', 'testing.rs'])
  const rust = matchesIn(
    filesIn('src', '.rs').filter((file) => !testOnly.has(path.basename(file))),
    /"((?:ERR|SQLITE)_[A-Z_]+)"/g,
  )
  assert.ok(js.has('ERR_JOB_TIMEOUT') && rust.has('SQLITE_BUSY'), 'the scan found the codes')
  assert.deepEqual(sorted(declared().codes), sorted(new Set([...js, ...rust])))
})
