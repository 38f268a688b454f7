'use strict'
// The addon the benchmark measures: the release build of `..` with the cargo feature `testing`,
// which adds probeNoop() (the floor probe) to the shipped code and nothing else. Built in its
// own target folder (target/bench) so it never replaces the shipped build; loaded by binding.js
// through NAPI_RS_NATIVE_LIBRARY_PATH, which the forked measuring processes inherit.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')

/** @returns {string} the built addon's path (builds it first; cargo skips an up-to-date build) */
function buildBenchAddon() {
  const targetDir = path.join(root, 'target', 'bench')
  process.stderr.write('bench: cargo build --release --features testing (first time: about a minute)\n')
  const r = spawnSync('cargo', ['build', '--release', '--lib', '--features', 'testing', '--target-dir', targetDir], {
    cwd: root,
    stdio: 'inherit',
  })
  if (r.status !== 0) throw new Error(`cargo build for the benchmark failed (status ${r.status})`)
  const lib = { linux: 'libsqlite_persistent_queue.so', darwin: 'libsqlite_persistent_queue.dylib', win32: 'sqlite_persistent_queue.dll' }[
    process.platform
  ]
  const addon = path.join(targetDir, 'sqlite-persistent-queue.node')
  fs.copyFileSync(path.join(targetDir, 'release', lib), addon)
  return addon
}

/** Builds the addon and points binding.js (here and in child processes) at it. */
function useBenchAddon() {
  if (!process.env.NAPI_RS_NATIVE_LIBRARY_PATH) process.env.NAPI_RS_NATIVE_LIBRARY_PATH = buildBenchAddon()
  return process.env.NAPI_RS_NATIVE_LIBRARY_PATH
}

module.exports = { useBenchAddon }
