'use strict'
/**
 * hash-files.js: the "main job" demo of sqlite-persistent-queue.
 *
 * Computes the SHA-256 of every regular file under a folder, one queue job per file, and writes
 * one `path<TAB>sha256` line per file to `results.tsv` (`path<TAB>ERROR:<code>` for a file that
 * vanished or cannot be read). Stop it at any moment, with Ctrl-C or even `kill -9`, and run the
 * same command again: it resumes where it stopped, and every file still ends up exactly once in
 * results.tsv.
 *
 * Usage:
 *   node examples/hash-files.js [folder] [--state DIR]
 *
 *   folder       the folder to hash (default: this package's node_modules)
 *   --state DIR  where the run keeps queue.sqlite, results.tsv and walked.json
 *                (default: examples/.data)
 *
 * A run for another folder than the one in DIR/walked.json starts over: it deletes the old queue
 * and results. Paths containing a tab, newline or backslash are written escaped (\t \n \\).
 */
const fs = require('node:fs')
const fsp = require('node:fs/promises')
const path = require('node:path')
const crypto = require('node:crypto')
const { parseArgs } = require('node:util')
const Queue = require('..')

const USAGE = 'usage: node examples/hash-files.js [folder] [--state DIR]'

async function main() {
  let args
  try {
    args = parseArgs({ allowPositionals: true, options: { state: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`)
    process.exitCode = 2
    return
  }
  if (args.values.help || args.positionals.length > 1) {
    console.log(USAGE)
    return
  }
  const folder = path.resolve(args.positionals[0] ?? path.join(__dirname, '..', 'node_modules'))
  const stateDir = path.resolve(args.values.state ?? path.join(__dirname, '.data'))
  const queueFile = path.join(stateDir, 'queue.sqlite')
  const resultsFile = path.join(stateDir, 'results.tsv')
  const markerFile = path.join(stateDir, 'walked.json')
  const stat = await fsp.stat(folder).catch(() => null)
  if (!stat?.isDirectory()) {
    console.error(`not a folder: ${folder}\n${USAGE}`)
    process.exitCode = 2
    return
  }
  await fsp.mkdir(stateDir, { recursive: true })

  // The marker is written only once every file of the folder is safely in the queue. Without it
  // (first run, a run killed while walking, or another folder) we start over from nothing: the
  // queue may hold part of a walk, and walking again would enqueue those files twice.
  const marker = await fsp.readFile(markerFile, 'utf8').then(JSON.parse, () => null)
  const walked = marker !== null && marker.folder === folder
  if (!walked) {
    // The -wal/-shm files go too: SQLite would replay a leftover WAL into the new, empty file.
    for (const f of [markerFile, resultsFile, queueFile, `${queueFile}-wal`, `${queueFile}-shm`]) {
      await fsp.rm(f, { force: true })
    }
  }
  const previous = await readResults(resultsFile)

  const q = new Queue(queueFile, 100)
  await q.open()
  const out = await fsp.open(resultsFile, 'a')

  let interrupted = false // Ctrl-C seen
  let working = false // phase 2 started
  let found = 0 // files enqueued by this walk
  let recorded = previous.lines // lines in results.tsv (acked jobs)
  let hashed = 0 // lines this run wrote
  let errors = 0 // of which ERROR lines
  let inHand = null // promise of the job being worked on, settles after its done()
  let finishing = null
  let workStart = Date.now()

  // Progress: a self-overwriting line on a terminal, a plain line every 2 s otherwise.
  const tty = Boolean(process.stdout.isTTY)
  let ticks = 0
  const progress = () => {
    if (!working) return `walking ${folder}: ${found} files queued`
    const rate = hashed / Math.max((Date.now() - workStart) / 1000, 1e-3)
    return `${recorded}/${recorded + (q.getLength() ?? 0)} files, ${rate.toFixed(0)} files/s`
  }
  const timer = setInterval(() => {
    if (tty) process.stdout.write(`\r${progress()}\x1b[K`)
    else if (++ticks % 8 === 0) console.log(progress())
  }, 250)
  timer.unref()

  /** Stops the work (after the job in hand is recorded and acked), closes everything, reports. */
  const finish = (message, exitCode = 0) => {
    finishing ??= (async () => {
      if (exitCode !== 0) process.exitCode = exitCode
      clearInterval(timer)
      q.stop()
      await inHand
      await q.close()
      await out.close()
      const secs = (Date.now() - workStart) / 1000
      if (tty) process.stdout.write('\r\x1b[K')
      if (!working) return void console.log(`${message} (${found} files were queued)`)
      console.log(
        `${message}: hashed ${hashed} files (${errors} unreadable) in ${secs.toFixed(1)} s, ` +
          `${(hashed / Math.max(secs, 1e-3)).toFixed(0)} files/s; ${recorded} files in ${resultsFile}`,
      )
    })()
    return finishing
  }

  // Ctrl-C: finish the job in hand, then stop. A second Ctrl-C kills at once (still safe, see below).
  process.once('SIGINT', () => {
    interrupted = true
    if (working) finish('interrupted, run again to resume', 130)
  })

  // Phase 1: enqueue one job per file, ~1000 add() calls in flight at most (the queue commits the
  // adds issued meanwhile together, so this costs a few transactions, not one per file).
  if (!walked) {
    let pending = []
    for await (const file of walk(folder)) {
      if (interrupted) break
      pending.push(q.add({ path: file }))
      found++
      if (pending.length >= 1000) {
        await Promise.all(pending)
        pending = []
      }
    }
    await Promise.all(pending)
    if (interrupted) return finish('interrupted while walking, run again to start over', 130)
    // Write-then-rename: a kill leaves either no marker or a whole one.
    await fsp.writeFile(`${markerFile}.tmp`, JSON.stringify({ folder, files: found }))
    await fsp.rename(`${markerFile}.tmp`, markerFile)
  }

  // Phase 2: work through the queue, one file at a time.
  //
  // Exactly once, even after kill -9. The queue delivers at least once: a job leaves the queue
  // only when done() commits, which we call after its line is in results.tsv, so a kill between
  // the append and the commit leaves a recorded job in the queue, and the next run delivers it
  // again. That can only be the one job that was in hand (the next job is delivered only after
  // the previous ack committed), and it comes back first (the queue is FIFO and a recovered job
  // keeps its id). So if the first job of this run is the path on the last line of results.tsv,
  // it is already recorded: we just ack it. A kill in the middle of an append leaves a last line
  // without its '\n'; readResults() cut it off, and that job, never acked, is hashed again.
  // (This covers process crashes. After a power loss the last acks, committed with
  // synchronous=NORMAL, may roll back too; guarding against that needs datasync() before done()
  // and a look at more than the last line.)
  let skipPath = previous.lastPath
  const work = async ({ job }) => {
    const field = escapeField(job.path)
    // Already recorded before the kill, never acked: the ack is all that is missing.
    const alreadyRecorded = field === skipPath
    skipPath = null
    if (!alreadyRecorded) {
      const hash = await sha256(job.path).catch((err) => `ERROR:${err.code ?? err.message}`)
      if (hash.startsWith('ERROR:')) errors++
      // Resolves once the data is in the file (the OS page cache: enough to survive a kill).
      await out.appendFile(`${field}\t${hash}\n`)
      hashed++
    }
    await q.done()
    if (!alreadyRecorded) recorded++
  }
  q.on('next', (task) => {
    inHand = work(task).then(
      () => {
        inHand = null
      },
      (err) => {
        // results.tsv or the queue failed (disk full, ...): stop cleanly, the job stays queued.
        inHand = null
        finish(`error: ${err.message}`, 1)
      },
    )
  })
  // A job row that cannot be parsed, or a failed claim: nothing more will come, so stop.
  q.on('error', (err) => finish(`queue error: ${err.message}`, 1))
  q.on('empty', () => {
    const left = q.getLength()
    // Jobs claimed by a process the queue believes alive are not handed out: run again later.
    if (left > 0) console.warn(`\n${left} jobs are still claimed by a process that looks alive`)
    finish('done')
  })
  working = true
  workStart = Date.now()
  if (interrupted) return finish('interrupted, run again to resume', 130)
  // As in node-persistent-queue, start() on an empty queue emits no 'empty': check ourselves.
  if (q.isEmpty()) return finish('done')
  q.start()
}

/** Yields the path of every regular file under `dir`, depth first; symlinks are not followed. */
async function* walk(dir) {
  let entries
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true })
  } catch (err) {
    console.warn(`\nskipping ${dir}: ${err.code ?? err.message}`)
    return
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) yield* walk(full)
    else if (entry.isFile()) yield full
    // symlinks, sockets, FIFOs, devices: skipped
  }
}

/** @returns {Promise<string>} the hex SHA-256 of a file, read as a stream */
function sha256(file) {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256')
    fs.createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
  })
}

/** Escapes the characters that would break a TSV line. */
function escapeField(s) {
  return s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c])
}

/**
 * Counts the lines of results.tsv, cuts off a torn last line (no '\n': killed mid-append) and
 * returns the path of the last whole line. Streams the file, so memory stays small.
 * @returns {Promise<{lines: number, lastPath: string | null}>}
 */
async function readResults(file) {
  let lines = 0
  let size = 0
  let lastEnd = 0 // offset just past the last '\n'
  let prevEnd = 0 // offset just past the '\n' before it
  try {
    for await (const chunk of fs.createReadStream(file)) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        lines++
        prevEnd = lastEnd
        lastEnd = size + i + 1
      }
      size += chunk.length
    }
  } catch (err) {
    if (err.code === 'ENOENT') return { lines: 0, lastPath: null }
    throw err
  }
  if (lastEnd < size) await fsp.truncate(file, lastEnd)
  if (lines === 0) return { lines, lastPath: null }
  const fh = await fsp.open(file, 'r')
  try {
    const buf = Buffer.alloc(lastEnd - prevEnd)
    await fh.read(buf, 0, buf.length, prevEnd)
    const line = buf.toString('utf8')
    return { lines, lastPath: line.slice(0, line.indexOf('\t')) }
  } finally {
    await fh.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
