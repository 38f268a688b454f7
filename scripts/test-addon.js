'use strict'
// Builds the addon with its test helpers (cargo feature `testing`: execScript, probeNoop; never
// in the shipped build) as target/testing/sqlite-persistent-queue.node, a
// debug build whose dependencies (SQLite above all) are optimised (Cargo.toml).
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')

/** @returns {string} the path of the built test addon; exits the process if the build fails */
function buildTestAddon() {
  console.error('> cargo build --lib --features testing')
  const r = spawnSync('cargo', ['build', '--lib', '--features', 'testing'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  })
  if (r.error) throw r.error
  if (r.status !== 0) process.exit(r.status ?? 1)
  const lib = { linux: 'libsqlite_persistent_queue.so', darwin: 'libsqlite_persistent_queue.dylib', win32: 'sqlite_persistent_queue.dll' }[
    process.platform
  ]
  if (!lib) throw new Error(`no test build for platform ${process.platform}`)
  const dir = path.join(root, 'target', 'testing')
  fs.mkdirSync(dir, { recursive: true })
  const addon = path.join(dir, 'sqlite-persistent-queue.node')
  fs.copyFileSync(path.join(root, 'target', 'debug', lib), addon)
  return addon
}

module.exports = { buildTestAddon }
