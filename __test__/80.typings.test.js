'use strict'
// Checks the hand-written typings (index.d.ts) with the TypeScript compiler of node_modules:
// - __test__/fixtures/*.ts (the whole typed API, every import form, code written for
//   node-persistent-queue 1.0.x's typings, and `// @ts-expect-error` lines that must not compile)
//   compile with no output under __test__/fixtures/tsconfig.json, and without esModuleInterop;
// - an ES module consumer (module nodenext) finds the types through package.json;
// - a deliberate type error is reported (TS2322), so the check can fail.
// Needs typescript and @types/node (index.d.ts extends EventEmitter from 'node:events').
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
      "import type { QueueError, Task } from 'sqlite-persistent-queue'",
      "const q = new PersistentQueue<{ n: number }>('esm.sqlite', 10, { durability: 'normal' })",
      'const same: Named<{ n: number }> = q',
      "q.on('next', (task: Task<{ n: number }>) => { void task.job.n; void same.done() })",
      "q.on('error', (err: QueueError) => console.error(err.code))",
      'await q.open()',
      'const id: number = await q.add({ n: 1 })',
      'void id',
      '// @ts-expect-error wrong job type',
      "await q.add({ n: 'x' })",
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
