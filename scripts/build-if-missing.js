#!/usr/bin/env node
'use strict'
// Builds the native addon from source when it is missing or older than its sources, so that
// `npm install`, `npm run demo` and `npm test` work on a fresh clone with only Node and Rust.
// Uses the napi CLI (a devDependency) when present; a consumer's install, which has no
// devDependencies, falls back to plain `cargo build --release` and copies the library to the file
// name binding.js loads.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const sources = ['src', 'Cargo.toml', 'Cargo.lock', 'build.rs']

function newestMtime(p) {
  const stat = fs.statSync(p, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...fs.readdirSync(p).map((name) => newestMtime(path.join(p, name))))
}

function addonFiles() {
  return fs.readdirSync(root).filter((f) => f.startsWith('sqlite-persistent-queue.') && f.endsWith('.node'))
}

function upToDate() {
  const built = addonFiles().map((f) => fs.statSync(path.join(root, f)).mtimeMs)
  if (built.length === 0) return false
  const newestSource = Math.max(...sources.map((s) => newestMtime(path.join(root, s))))
  return Math.max(...built) >= newestSource
}

function run(cmd, args) {
  console.error(`> ${cmd} ${args.join(' ')}`)
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (result.error) throw result.error
  if (result.status !== 0) {
    const err = new Error(`${cmd} exited with status ${result.status}`)
    err.code = 'ERR_BUILD_FAILED'
    throw err
  }
}

/** The file name binding.js looks for on this platform (linux glibc/musl, macOS, Windows). */
function platformFileName() {
  const { platform, arch } = process
  let suffix = `${platform}-${arch}`
  if (platform === 'linux') {
    const glibc = process.report?.getReport()?.header?.glibcVersionRuntime
    suffix += glibc ? '-gnu' : '-musl'
  } else if (platform === 'win32') {
    suffix += '-msvc'
  } else if (platform === 'darwin') {
    suffix = `darwin-${arch}`
  }
  return `sqlite-persistent-queue.${suffix}.node`
}

/**
 * A consumer's install: build in a temporary target folder and keep only the addon, so that
 * node_modules does not keep Cargo's ~140 MB of build files.
 */
function buildWithCargo() {
  const os = require('node:os')
  const targetDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-persistent-queue-build-'))
  console.error('sqlite-persistent-queue: building the native addon from source (about a minute)…')
  try {
    run('cargo', ['build', '--release', '--lib', '--target-dir', targetDir])
    const lib = {
      linux: 'libsqlite_persistent_queue.so',
      darwin: 'libsqlite_persistent_queue.dylib',
      win32: 'sqlite_persistent_queue.dll',
    }[process.platform]
    fs.copyFileSync(path.join(targetDir, 'release', lib), path.join(root, platformFileName()))
  } finally {
    fs.rmSync(targetDir, { recursive: true, force: true })
  }
}

function main() {
  if (process.env.SPQ_FORCE_BUILD !== '1' && upToDate()) return
  const cli = path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
  if (fs.existsSync(cli)) {
    run(process.execPath, [cli, 'build', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts'])
  } else {
    buildWithCargo()
  }
}

try {
  main()
} catch (err) {
  console.error(`sqlite-persistent-queue: building the native addon failed (${err.message}).`)
  console.error('It needs Rust (https://rustup.rs) and a C compiler; install them and run `npm rebuild sqlite-persistent-queue`.')
  process.exitCode = 1
}
