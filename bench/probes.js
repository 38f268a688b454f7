'use strict'
// Machine probes: fsync latency (what one durable commit costs at least), the machine line, and a
// fingerprint of the JavaScript that the measuring processes load (to notice edits during a run).
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execSync } = require('node:child_process')
const { tempDb, median, JOB_BYTES } = require('./util')

/** Median and p99 µs of fs.fsyncSync after a JOB_BYTES append, on a file in the temp folder. */
function fsyncProbe(samples = 300) {
  const tmp = tempDb('fsync.probe')
  try {
    const fd = fs.openSync(tmp.file, 'w')
    const times = []
    const chunk = 'x'.repeat(JOB_BYTES)
    for (let i = 0; i < samples; i++) {
      fs.writeSync(fd, chunk)
      const t0 = process.hrtime.bigint()
      fs.fsyncSync(fd)
      times.push(Number(process.hrtime.bigint() - t0) / 1000)
    }
    fs.closeSync(fd)
    times.sort((a, b) => a - b)
    return { medianUs: median(times), p99Us: times[Math.floor(samples * 0.99)], samples }
  } finally {
    tmp.remove()
  }
}

function git(args) {
  try {
    return execSync(`git ${args}`, { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
  } catch {
    return null
  }
}

/**
 * True when an ELF file has `.debug_*` sections: a debug build (napi build without --release);
 * the release profile strips them. null when the file is not ELF (macOS, Windows).
 */
function hasDebugSections(buf) {
  if (buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2) return null
  const shoff = Number(buf.readBigUInt64LE(0x28))
  const [entsize, count, strndx] = [buf.readUInt16LE(0x3a), buf.readUInt16LE(0x3c), buf.readUInt16LE(0x3e)]
  const strtab = Number(buf.readBigUInt64LE(shoff + strndx * entsize + 0x18))
  for (let i = 0; i < count; i++) {
    const nameAt = strtab + buf.readUInt32LE(shoff + i * entsize)
    if (buf.toString('latin1', nameAt, nameAt + 7) === '.debug_') return true
  }
  return false
}

/** Name, time, size and kind (debug or release) of the native addon require('..') loads (bench/addon.js). */
function addon() {
  const full = process.env.NAPI_RS_NATIVE_LIBRARY_PATH
  if (!full || !fs.existsSync(full)) return null
  const file = path.basename(full)
  const debug = hasDebugSections(fs.readFileSync(full))
  return { file, builtAt: fs.statSync(full).mtime.toISOString(), bytes: fs.statSync(full).size, debug }
}

function machine() {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    tmpdir: os.tmpdir(),
    commit: git('rev-parse --short HEAD'),
    dirty: (git('status --porcelain -- ../src ../lib ../index.js ../binding.js') || '') !== '',
    addon: addon(),
  }
}

/**
 * SHA-1 of index.js, binding.js and lib/*.js: each measuring process loads them afresh, so an edit
 * during a run means that later rows measured other code (the addon itself is built once, at the start).
 */
function codeFingerprint() {
  const root = path.join(__dirname, '..')
  const lib = path.join(root, 'lib')
  const files = ['index.js', 'binding.js', ...fs.readdirSync(lib).map((f) => path.join('lib', f))].sort()
  const hash = crypto.createHash('sha1')
  for (const f of files) hash.update(f).update(fs.readFileSync(path.join(root, f)))
  return hash.digest('hex')
}

module.exports = { fsyncProbe, machine, codeFingerprint }
