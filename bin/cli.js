#!/usr/bin/env node
'use strict'
/**
 * The operator's command line: `sqlite-persistent-queue <command> <file> [args] [--json]`. Each
 * command opens the queue file with the library itself (`create: false`: never creates a file),
 * so it takes the same transactions and waits out other processes' locks (`busyTimeout`) like an
 * application does, and is safe while one uses the file. Exit codes: 0 done, 1 failed (the
 * error's code and message on stderr; for `check`, problems found), 2 bad usage.
 * Must not touch: SQL (everything goes through the public API), the queue's consumers.
 * @module
 */
const { parseArgs } = require('node:util')
const PersistentQueue = require('..')
const { render } = require('../lib/cli-format')

const USAGE = `Usage: sqlite-persistent-queue <command> <file> [arguments] [options]

Commands:
  stats <file>                      jobs per state: queued, delayed, running, failed
  list <file> [--state S]           jobs of one state (queued, delayed, running, failed; default
                                    queued) in that state's order; --limit N (100), --offset N
  show <file> <id>                  one job, whatever its state, with its stored error
  failed <file>                     dead letters with their errors; --limit N, --offset N
  retry <file> <id> | --all-failed  dead letters back to the queue, attempts reset
  purge <file>                      delete every queued and delayed job
  delete <file> <id>                delete one job, whatever its state
  backup <file> <destination>       a consistent one-file copy (SQLite's online backup)
  check <file>                      SQLite's integrity check; repairs the queue_count counter

Options:
  --json          machine-readable output (one JSON value on stdout)
  --busy-timeout  ms to wait for another process's write lock (default 5000)
  -h, --help      this text;  -v, --version  the package version`

const OPTIONS = /** @type {const} */ ({
  json: { type: 'boolean', default: false },
  state: { type: 'string', default: 'queued' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  'all-failed': { type: 'boolean', default: false },
  'busy-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
})

/** The commands, for checking before the file is opened. */
const COMMANDS = new Set(['stats', 'list', 'show', 'failed', 'retry', 'purge', 'delete', 'backup', 'check'])

/** Wrong usage: printed with the usage text, exit code 2. */
class UsageError extends Error {}

/**
 * @param {string | undefined} text
 * @param {string} what the argument's name
 * @returns {number | undefined}
 */
function integer(text, what) {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number; got ${JSON.stringify(text)}`)
  return Number(text)
}

/**
 * Runs one command against an open queue.
 * @param {PersistentQueue} q
 * @param {string} command
 * @param {string[]} args the positionals after the file
 * @param {Record<string, any>} flags
 * @returns {Promise<{value: unknown, failed?: boolean}>} what to print; `failed` sets exit code 1
 */
async function run(q, command, args, flags) {
  const page = { limit: integer(flags.limit, '--limit'), offset: integer(flags.offset, '--offset') }
  const id = () => {
    const n = integer(args[0], '<id>')
    if (n === undefined) throw new UsageError(`${command} needs a job id`)
    return n
  }
  switch (command) {
    case 'stats':
      return { value: await q.stats() }
    case 'list':
      return { value: await q.list({ state: flags.state, ...page }) }
    case 'show': {
      const job = await q.getJob(id())
      if (job === null) throw Object.assign(new Error(`Job ${args[0]} is not in the queue`), { code: 'ERR_JOB_NOT_FOUND' })
      return { value: job }
    }
    case 'failed':
      return { value: await q.getFailed(page) }
    case 'retry':
      if (flags['all-failed']) return { value: { retried: await q.retryFailed() } }
      return { value: { retried: (await q.retry(id()), 1) } }
    case 'purge':
      return { value: { deleted: await q.purge() } }
    case 'delete':
      return { value: { deleted: (await q.delete(id()), 1) } }
    case 'backup': {
      if (args[0] === undefined) throw new UsageError('backup needs a destination path')
      await q.backup(args[0])
      return { value: { backup: args[0] } }
    }
    case 'check': {
      const report = await q.check()
      return { value: report, failed: !report.ok }
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`)
  }
}

/**
 * @param {string[]} argv the arguments after the script
 * @returns {Promise<number>} the exit code
 */
async function main(argv) {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (err) {
    process.stderr.write(`sqlite-persistent-queue: ${/** @type {Error} */ (err).message}\n\n${USAGE}\n`)
    return 2
  }
  const { values: flags, positionals } = parsed
  if (flags.version) {
    process.stdout.write(`${require('../package.json').version}\n`)
    return 0
  }
  const [command, file, ...args] = positionals
  if (flags.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`)
    return flags.help ? 0 : 2
  }
  if (!COMMANDS.has(command) || file === undefined) {
    const why = COMMANDS.has(command) ? `${command} needs a queue file` : `unknown command ${JSON.stringify(command)}`
    process.stderr.write(`sqlite-persistent-queue: ${why}\n\n${USAGE}\n`)
    return 2
  }
  let q = null
  try {
    const busyTimeout = integer(flags['busy-timeout'], '--busy-timeout') ?? 5000
    q = new PersistentQueue(file, { create: false, busyTimeout, closeTimeout: 0 })
    await q.open()
    const { value, failed = false } = await run(q, command, args, flags)
    process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : render(command, value))
    return failed ? 1 : 0
  } catch (err) {
    const e = /** @type {Error & {code?: string}} */ (err)
    if (err instanceof UsageError) {
      process.stderr.write(`sqlite-persistent-queue: ${e.message}\n\n${USAGE}\n`)
      return 2
    }
    process.stderr.write(`sqlite-persistent-queue: ${e.code ?? 'ERROR'}: ${e.message}\n`)
    return 1
  } finally {
    if (q !== null) await q.close().catch(() => {})
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
