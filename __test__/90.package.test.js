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
    'src/queue/store.rs',
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
