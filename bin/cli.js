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

/** Wrong usage: printed with a pointer to --help, exit code 2. */
class UsageError extends Error {}

/** What follows a usage error's one line. */
const SEE_HELP = 'Run `sqlite-persistent-queue --help` for the commands and their options.'

/**
 * @param {string | undefined} text
 * @param {string} what the argument's name
 * @returns {number | undefined}
 * @throws {UsageError} when it is not a whole number a job id or count can be
 */
function integer(text, what) {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${what} must be a whole number; got ${JSON.stringify(text)}`)
  }
  return Number(text)
}

/** The options each command takes, besides --json and --busy-timeout. */
const COMMAND_FLAGS = {
  stats: [],
  list: ['state', 'limit', 'offset'],
  show: [],
  failed: ['limit', 'offset'],
  retry: ['all-failed'],
  purge: [],
  delete: [],
  backup: [],
  check: [],
}

/** The states `list --state` takes. */
const STATES = ['queued', 'delayed', 'running', 'failed']

/**
 * Checks a command's arguments before anything is opened, and returns what it runs.
 * @param {string} command
 * @param {string[]} args the positionals after the file
 * @param {Record<string, any>} flags
 * @param {Set<string>} given the options given on the command line
 * @returns {(q: import('..')) => Promise<{value: unknown, failed?: boolean}>} `failed` sets exit code 1
 * @throws {UsageError}
 */
function plan(command, args, flags, given) {
  const allowed = new Set([...(COMMAND_FLAGS[/** @type {keyof COMMAND_FLAGS} */ (command)] ?? []), 'json', 'busy-timeout'])
  for (const flag of given) if (!allowed.has(flag)) throw new UsageError(`${command} does not take --${flag}`)
  const positionals = (/** @type {string[]} */ ...names) => {
    if (args.length !== names.length) {
      const got = args.length === 0 ? 'none' : args.map((a) => JSON.stringify(a)).join(' ')
      throw new UsageError(
        `${command} takes ${names.length ? names.map((n) => `<${n}>`).join(' ') : 'no argument'} after the file; got ${got}`,
      )
    }
  }
  const page = { limit: integer(flags.limit, '--limit'), offset: integer(flags.offset, '--offset') }
  switch (command) {
    case 'stats':
    case 'purge':
    case 'check':
      positionals()
      break
    case 'list':
      positionals()
      if (!STATES.includes(flags.state))
        throw new UsageError(`--state must be one of ${STATES.join(', ')}; got ${JSON.stringify(flags.state)}`)
      break
    case 'failed':
      positionals()
      break
    case 'show':
    case 'delete':
      positionals('id')
      break
    case 'retry':
      if (flags['all-failed']) positionals()
      else positionals('id')
      break
    case 'backup':
      positionals('destination')
      break
  }
  const id = () => /** @type {number} */ (integer(args[0], '<id>'))
  if (command === 'show' || command === 'delete' || (command === 'retry' && !flags['all-failed'])) id()
  switch (command) {
    case 'stats':
      return async (q) => ({ value: await q.stats() })
    case 'list':
      return async (q) => ({ value: await q.list({ state: flags.state, ...page }) })
    case 'show':
      return async (q) => {
        const job = await q.getJob(id())
        if (job === null) throw Object.assign(new Error(`Job id ${id()} is not in the queue`), { code: 'ERR_JOB_NOT_FOUND' })
        return { value: job }
      }
    case 'failed':
      return async (q) => ({ value: await q.getFailed(page) })
    case 'retry':
      if (flags['all-failed']) return async (q) => ({ value: { retried: await q.retryFailed() } })
      return async (q) => ({ value: { retried: (await q.retry(id()), 1) } })
    case 'purge':
      return async (q) => ({ value: { deleted: await q.purge() } })
    case 'delete':
      return async (q) => ({ value: { deleted: (await q.delete(id()), 1) } })
    case 'backup':
      return async (q) => {
        await q.backup(args[0])
        return { value: { backup: args[0] } }
      }
    default: // check
      return async (q) => {
        const report = await q.check()
        return { value: report, failed: !report.ok }
      }
  }
}

/**
 * A logger that tells the operator on stderr when opening the file changed it: `open()` returns
 * the jobs of processes it can prove dead to the queue, so a `list --state running` after a crash
 * no longer shows them as running.
 * @returns {import('..').Logger}
 */
function recoveryNotes() {
  const ignore = () => {}
  return {
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (/** @type {{event?: string, jobs?: number}} */ fields) => {
      if (fields.event === 'recovered') {
        process.stderr.write(
          `sqlite-persistent-queue: note: ${fields.jobs} running job(s) of processes that are gone went back to the head of the queue on open\n`,
        )
      }
    },
  }
}

/**
 * @param {string[]} argv the arguments after the script
 * @returns {Promise<number>} the exit code
 */
async function main(argv) {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true, tokens: true })
  } catch (err) {
    process.stderr.write(`sqlite-persistent-queue: ${/** @type {Error} */ (err).message}\n${SEE_HELP}\n`)
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
  if (!(command in COMMAND_FLAGS) || file === undefined) {
    const why = command in COMMAND_FLAGS ? `${command} needs a queue file` : `unknown command ${JSON.stringify(command)}`
    process.stderr.write(`sqlite-persistent-queue: ${why}\n${SEE_HELP}\n`)
    return 2
  }
  let q = null
  try {
    const given = new Set(parsed.tokens.filter((token) => token.kind === 'option').map((token) => token.name))
    const busyTimeout = integer(flags['busy-timeout'], '--busy-timeout') ?? 5000
    const runCommand = plan(command, args, flags, given)
    // Loaded only now: a missing addon (ERR_ADDON_NOT_BUILT) is reported as any other error.
    const PersistentQueue = require('..')
    q = new PersistentQueue(file, { create: false, busyTimeout, closeTimeout: 0, logger: recoveryNotes() })
    await q.open()
    const { value, failed = false } = await runCommand(q)
    process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : render(command, value))
    return failed ? 1 : 0
  } catch (err) {
    const e = /** @type {Error & {code?: string}} */ (err)
    if (err instanceof UsageError) {
      process.stderr.write(`sqlite-persistent-queue: ${e.message}\n${SEE_HELP}\n`)
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
