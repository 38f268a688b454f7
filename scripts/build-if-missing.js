#!/usr/bin/env node
'use strict'
// The package's install script: makes sure require() finds a native addon.
// - Installed from a tarball (a user's `npm install`): the addon comes prebuilt in the optional
//   dependency for this platform (sqlite-persistent-queue-linux-x64-gnu, …, made from npm/). When
//   binding.js can load an addon (that package, or one built here earlier), this does nothing.
//   Otherwise it says so in one line on stderr and builds the addon from the shipped Rust sources
//   with plain `cargo build --release` (a few minutes; needs Rust and a C compiler) in a temporary
//   target folder, and copies the library to the file name binding.js loads.
// - A clone of the repository (.git or the napi CLI, a devDependency, is there): builds with the
//   napi CLI when the addon is missing or older than its sources, so that `npm install`,
//   `npm run demo` and `npm test` work on a fresh clone with only Node and Rust.
// SPQ_FORCE_BUILD=1 builds from source even when an addon loads or is up to date; SPQ_SKIP_BUILD=1
// never builds (for an addon provided otherwise, e.g. through NAPI_RS_NATIVE_LIBRARY_PATH).
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const sources = ['src', 'Cargo.toml', 'Cargo.lock', 'build.rs']
const napiCli = path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
const SKIP_HINT = 'To skip building: set SPQ_SKIP_BUILD=1 or install with --ignore-scripts (require() then fails until an addon is built).'

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

/** A clone of the repository (developing this package), rather than a package installed from a tarball. */
function isSourceCheckout() {
  return fs.existsSync(path.join(root, '.git')) || fs.existsSync(napiCli)
}

/**
 * This platform as napi-rs names it in file and package names: `linux-x64-gnu`, `linux-arm64-musl`,
 * `darwin-arm64`, `win32-x64-msvc`, …
 */
function platformArchAbi() {
  const { platform, arch } = process
  if (platform === 'linux') {
    // As binding.js: no network lookups while making the report.
    if (process.report) process.report.excludeNetwork = true
    const libc = process.report?.getReport()?.header?.glibcVersionRuntime ? 'gnu' : 'musl'
    return `linux-${arch}-${arch === 'arm' ? `${libc}eabihf` : libc}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

/** The file name binding.js looks for next to itself on this platform. */
function platformFileName() {
  return `sqlite-persistent-queue.${platformArchAbi()}.node`
}

/** @returns {unknown} why binding.js cannot load an addon, or null when it can */
function loadError() {
  try {
    require(path.join(root, 'binding.js'))
    return null
  } catch (err) {
    return err
  }
}

/** Why there is no addon to load, for the line that announces the build. */
function whyNoPrebuilt(abi) {
  const name = `sqlite-persistent-queue-${abi}`
  let main
  try {
    main = require.resolve(name, { paths: [root] })
  } catch {
    const pkg = require(path.join(root, 'package.json'))
    if (!pkg.optionalDependencies?.[name]) return `there is no prebuilt binary for ${abi}`
    return `the prebuilt binary for ${abi} (optional dependency ${name}) was not installed (--omit=optional, or a lockfile made on another platform)`
  }
  try {
    require(main)
    return `binding.js did not load the prebuilt binary for ${abi} (${name})`
  } catch (err) {
    const message = String(err instanceof Error ? err.message : err).split('\n')[0]
    return `the prebuilt binary for ${abi} (${name}) does not load here: ${message}`
  }
}

/**
 * A user's install: build in a temporary target folder and keep only the addon, so that
 * node_modules does not keep Cargo's ~140 MB of build files.
 */
function buildWithCargo() {
  const os = require('node:os')
  const probe = spawnSync('cargo', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' })
  if (probe.error || probe.status !== 0) {
    const err = new Error('cargo was not found on PATH')
    err.code = 'ERR_NO_CARGO'
    throw err
  }
  const targetDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-persistent-queue-build-'))
  try {
    run('cargo', ['build', '--release', '--lib', '--target-dir', targetDir])
    const lib = {
      linux: 'libsqlite_persistent_queue.so',
      darwin: 'libsqlite_persistent_queue.dylib',
      win32: 'sqlite_persistent_queue.dll',
    }[process.platform]
    fs.copyFileSync(path.join(targetDir, 'release', lib ?? 'libsqlite_persistent_queue.so'), path.join(root, platformFileName()))
  } finally {
    fs.rmSync(targetDir, { recursive: true, force: true })
  }
}

function main() {
  const force = process.env.SPQ_FORCE_BUILD === '1'
  const skip = process.env.SPQ_SKIP_BUILD === '1'
  if (isSourceCheckout()) {
    // Developing this package: the addon next to binding.js must match the sources.
    if ((!force && upToDate()) || skip) return
    if (fs.existsSync(napiCli)) {
      run(process.execPath, [napiCli, 'build', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts'])
    } else {
      buildWithCargo()
    }
    return
  }
  if (!force && loadError() === null) return // a prebuilt binary (or an addon built earlier) loads
  if (skip) {
    console.error(
      'sqlite-persistent-queue: no native addon loads and SPQ_SKIP_BUILD=1: not building it; require() fails until one is built.',
    )
    return
  }
  const reason = force ? 'SPQ_FORCE_BUILD=1' : whyNoPrebuilt(platformArchAbi())
  console.error(
    `sqlite-persistent-queue: building the native addon from source because ${reason}; ` +
      `this takes a few minutes and needs Rust (https://rustup.rs) and a C compiler. ${SKIP_HINT}`,
  )
  buildWithCargo()
}

if (require.main === module) {
  try {
    main()
  } catch (err) {
    console.error(`sqlite-persistent-queue: building the native addon failed (${err instanceof Error ? err.message : err}).`)
    console.error('It needs Rust (https://rustup.rs) and a C compiler; install them and run `npm rebuild sqlite-persistent-queue`.')
    console.error(SKIP_HINT)
    process.exitCode = 1
  }
}

module.exports = { platformArchAbi, platformFileName }
