'use strict'
// The published package: `npm pack` must ship everything a consumer's install and require() use
// (the install script builds the addon from the shipped sources), and no build outputs.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const root = path.join(__dirname, '..')

test('npm pack ships the install script, sources, docs and license, and no build outputs', () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const [pack] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }))
  const files = new Set(pack.files.map((f) => f.path))
  const pkg = require('../package.json')
  const installScript = pkg.scripts.install.match(/node (\S+)/)[1]
  for (const needed of [
    installScript,
    pkg.main,
    pkg.types,
    'lib/work-queue.js',
    'lib/errors.js',
    'binding.js',
    'binding.d.ts',
    'src/lib.rs',
    'src/queue/store/mod.rs',
    'src/binding/native_queue.rs',
    'build.rs',
    'Cargo.toml',
    'Cargo.lock',
    'README.md',
    'docs/api.md',
    'LICENSE',
    'package.json',
  ]) {
    assert.ok(files.has(needed), `${needed} is missing from the package`)
  }
  for (const f of files) {
    assert.doesNotMatch(f, /(^|\/)(target|node_modules)\/|\.node$|\.tgz$|^bench\/|^__test__\//, `${f} should not be published`)
  }
})

test('the shipped build (what npm install builds, not the test build) works and carries no test helpers', () => {
  const { spawnSync } = require('node:child_process')
  const fs = require('node:fs')
  const built = fs.readdirSync(root).filter((f) => /^sqlite-persistent-queue\..*\.node$/.test(f))
  assert.ok(built.length > 0, 'no shipped addon next to binding.js: run `npm install` or `npm run build` first')
  const script = `
    const Q = require(${JSON.stringify(root)})
    const binding = require(${JSON.stringify(path.join(root, 'binding'))})
    ;(async () => {
      const q = new Q('')
      await q.open()
      const ids = await Promise.all([q.add('a'), q.add('b')])
      const seen = []
      q.on('next', ({ job }) => { seen.push(job); q.done() })
      await new Promise((resolve) => { q.once('empty', resolve); q.start() })
      await q.close()
      console.log(JSON.stringify({ ids, seen, helpers: ['execScript', 'probeNoop'].filter((f) => f in binding) }))
    })()`
  const env = { ...process.env }
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH // load the addon next to binding.js
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env, timeout: 30000 })
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout), { ids: [1, 2], seen: ['a', 'b'], helpers: [] })
})
