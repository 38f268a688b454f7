#!/usr/bin/env node
'use strict'
// `npm run lint`: every static gate, in order; fails if any fails (CI runs it before the tests).
// Rust: rustfmt, clippy (warnings are errors), rustdoc (warnings are errors). JavaScript: ESLint,
// Prettier, tsc --checkJs of index.js and lib/. Generated files: binding.js/binding.d.ts match
// what the napi CLI generates from src/binding/.
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
const bin = (name) => path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name)

const gates = [
  ['cargo fmt', 'cargo', ['fmt', '--check']],
  ['cargo clippy', 'cargo', ['clippy', '--all-targets', '--all-features', '--quiet', '--', '-D', 'warnings']],
  ['cargo doc', 'cargo', ['doc', '--no-deps', '--all-features', '--quiet'], { RUSTDOCFLAGS: '-D warnings' }],
  ['eslint', bin('eslint'), ['.']],
  ['prettier', bin('prettier'), ['--check', '--log-level', 'warn', '.']],
  ['tsc --checkJs', bin('tsc'), ['-p', 'tsconfig.check.json']],
  ['generated binding files', process.execPath, [path.join(__dirname, 'check-generated.js')]],
]

const failed = []
for (const [name, cmd, args, env] of gates) {
  console.error(`> ${name}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env }, shell: process.platform === 'win32' })
  if (r.status !== 0) failed.push(name)
}
if (failed.length > 0) {
  console.error(`lint failed: ${failed.join(', ')}`)
  process.exitCode = 1
} else console.error('lint: all gates passed')
