#!/usr/bin/env node
'use strict'
// `npm test`: builds the addon with its test helpers (scripts/test-addon.js), runs the core's
// tests (cargo test), then every JS test (node --test __test__/) against that build: the
// generated binding.js loads it through NAPI_RS_NATIVE_LIBRARY_PATH, in child processes too.
// Extra arguments go to node --test (e.g. `npm test -- --test-name-pattern=lease`).
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { buildTestAddon } = require('./test-addon')

const root = path.join(__dirname, '..')

/** Runs a command in the package root; exits with its status if it fails. */
function run(cmd, args, env = process.env) {
  console.error(`> ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' })
  if (r.error) throw r.error
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const addon = buildTestAddon()
run('cargo', ['test', '--quiet'])
run(process.execPath, ['--test', ...process.argv.slice(2), '__test__/'], { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: addon })
