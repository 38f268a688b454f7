#!/usr/bin/env node
'use strict'
// `npm test`: builds the addon with its test helpers (cargo feature `testing`: execScript,
// probeNoop; never in the shipped build) as target/testing/sqlite-persistent-queue.node, runs the
// core's tests (cargo test), then every JS test (node --test __test__/) against that build: the
// generated binding.js loads it through NAPI_RS_NATIVE_LIBRARY_PATH, in child processes too.
// Extra arguments go to node --test (e.g. `npm test -- --test-name-pattern=lease`).
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')

/** Runs a command in the package root; exits with its status if it fails. */
function run(cmd, args, env = process.env) {
  console.error(`> ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' })
  if (r.error) throw r.error
  if (r.status !== 0) process.exit(r.status ?? 1)
}

/** @returns {string} the path of the built test addon */
function buildTestAddon() {
  run('cargo', ['build', '--lib', '--features', 'testing'])
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

const addon = buildTestAddon()
run('cargo', ['test', '--quiet'])
run(process.execPath, ['--test', ...process.argv.slice(2), '__test__/'], { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: addon })
