'use strict'
/**
 * Every argument check of the public API, with the defaults, in one place: the constructor's
 * filename, batchSize and options, and the options of add()/addAll(), process(), getFailed() and
 * close(). The native side trusts what this module returns.
 * Must not touch: queue state, SQLite, events.
 * @module
 */
const fs = require('node:fs')
const nodePath = require('node:path')
const { queueError, describe } = require('./errors')
const { checkLogger } = require('./logger')

/** Largest timer delay Node accepts, in ms (Node clamps larger values to 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Longest absolute path of a queue file, in bytes. SQLite's unix VFS has MAX_PATHNAME = 512
 * (os_unix.c), and the pager refuses a database whose full path (symbolic links resolved) leaves
 * no room for its "-journal" name: length + 8 > 512 (sqlite3PagerOpen, SQLITE_CANTOPEN).
 */
const MAX_PATH_BYTES = 504

/** Message of the original library for a bad batchSize. */
const BAD_BATCH_SIZE = 'Invalid batchSize parameter.  Must be a number > 0'

/**
 * @typedef {object} Backoff
 * @property {'fixed'|'exponential'} type `fixed`: every retry waits `delay`; `exponential`: the
 *   n-th retry waits `delay`·2^(n-1)
 * @property {number} delay ms
 * @property {number} maxDelay ms, the longest wait
 */

/**
 * @typedef {object} Settings the checked options of a queue
 * @property {'full'|'normal'} durability
 * @property {number} busyTimeout ms
 * @property {number} visibilityTimeout ms
 * @property {number} pollInterval ms
 * @property {number | undefined} maxFileSize bytes
 * @property {number} closeTimeout ms
 * @property {number | undefined} maxAttempts deliveries per job; undefined: the consumer's default
 * @property {Backoff} backoff the wait before a failed job's retry
 * @property {number | undefined} jobTimeout ms a process() handler may run
 * @property {boolean} create open() may create the file and its tables
 * @property {import('./logger').Logger | undefined} logger where log lines go
 */

/** Defaults of the options. @type {Readonly<Settings>} */
const DEFAULTS = Object.freeze({
  durability: 'full',
  busyTimeout: 5000,
  visibilityTimeout: 30000,
  pollInterval: 100,
  maxFileSize: undefined,
  closeTimeout: 5000,
  maxAttempts: undefined,
  backoff: Object.freeze({ type: 'exponential', delay: 1000, maxDelay: 300000 }),
  jobTimeout: undefined,
  create: true,
  logger: undefined,
})

/**
 * @param {string} what e.g. `options.busyTimeout`
 * @param {unknown} value
 * @param {{min: number, max: number, integer?: boolean, unit?: string}} range inclusive
 * @returns {number}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when not a number; {RangeError} `ERR_OUT_OF_RANGE`
 */
function checkNumber(what, value, { min, max, integer = false, unit = '' }) {
  const kind = `${integer ? 'an integer' : 'a number'}${unit ? ` of ${unit}` : ''}`
  if (typeof value !== 'number') throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', `${what} must be ${kind}; got ${describe(value)}`)
  if (!(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    throw queueError(RangeError, 'ERR_OUT_OF_RANGE', `${what} must be ${kind} from ${min} to ${max}; got ${value}`)
  }
  return value
}

/** @param {string} what @param {unknown} value */
const ms = (what, value, min = 0) => checkNumber(what, value, { min, max: MAX_TIMER_MS, unit: 'ms' })

/**
 * @param {string} what e.g. `add() options`
 * @param {unknown} value
 * @param {readonly string[]} known its keys
 * @returns {Record<string, unknown>} its own properties, those given as `undefined` left out
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` (not a plain object), `ERR_INVALID_ARG_VALUE` (an
 *   unknown key, e.g. a misspelling)
 */
function checkObject(what, value, known) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', `${what} must be an object; got ${describe(value)}`)
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw queueError(TypeError, 'ERR_INVALID_ARG_VALUE', `Unknown ${what} ${JSON.stringify(key)}; the options are: ${known.join(', ')}`)
    }
  }
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
}

/**
 * The constructor only requires a filename, as the original does; {@link checkPath} checks it when
 * the queue opens, so code written for the original handles a bad one on open().
 * @param {unknown} filename
 * @returns {unknown} the filename (`':memory:'` for `''`)
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: 'No filename parameter provided' (the original's
 *   message) when absent
 */
function checkFilename(filename) {
  if (filename === undefined) throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'No filename parameter provided')
  return filename === '' ? ':memory:' : filename
}

/**
 * Checks a path before it is opened. It is opened literally, as the original's sqlite3 does:
 * never as an SQLite URI.
 * @param {unknown} filename
 * @param {string} [what] the argument's name
 * @returns {string} the path to open
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` (not a string), `ERR_INVALID_ARG_VALUE` (a NUL
 *   character, which no file system allows); {RangeError} `ERR_PATH_TOO_LONG` (its absolute form is
 *   over {@link MAX_PATH_BYTES} bytes, which SQLite cannot open)
 */
function checkPath(filename, what = 'filename') {
  if (typeof filename !== 'string') {
    throw queueError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `${what} must be a string path (or "" for an in-memory queue); got ${describe(filename)}`,
    )
  }
  if (filename.includes('\0')) throw queueError(TypeError, 'ERR_INVALID_ARG_VALUE', `${what} must not contain a NUL character`)
  if (filename !== ':memory:') {
    const bytes = Buffer.byteLength(nodePath.resolve(filename))
    if (bytes > MAX_PATH_BYTES) {
      throw queueError(
        RangeError,
        'ERR_PATH_TOO_LONG',
        `The ${what}'s absolute path is ${bytes} bytes long; SQLite opens paths of at most ${MAX_PATH_BYTES} bytes (symbolic links resolved): choose a shorter path`,
      )
    }
  }
  return filename
}

/**
 * Refuses a backup onto the queue's own files: an old snapshot copied over them would undo
 * commits made since (and hand out their ids again).
 * @param {string} destination checked by {@link checkPath}
 * @param {string} dbPath the queue file
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` when `destination` is the queue file, or its
 *   `-wal`, `-shm` or `-journal` file, under any name (links included)
 */
function checkBackupDestination(destination, dbPath) {
  const target = fs.statSync(destination, { throwIfNoEntry: false })
  if (!target || dbPath === ':memory:') return
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const part = fs.statSync(dbPath + suffix, { throwIfNoEntry: false })
    if (part && part.dev === target.dev && part.ino === target.ino) {
      throw queueError(
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        `backup() destination ${destination} is ${suffix ? `the queue's ${suffix} file` : 'the queue file itself'}: copying over it would bring back an old state; choose another path`,
      )
    }
  }
}

/**
 * @param {unknown} batchSize
 * @returns {number}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when not a number; {RangeError} `ERR_OUT_OF_RANGE`
 *   when not an integer from 1 to 1,000,000 (both with the original's message)
 */
function checkBatchSize(batchSize) {
  if (typeof batchSize !== 'number') throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', BAD_BATCH_SIZE)
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1e6) throw queueError(RangeError, 'ERR_OUT_OF_RANGE', BAD_BATCH_SIZE)
  return batchSize
}

/**
 * The constructor's second and third arguments: `(batchSize, options)` as the original, or
 * `(options)` with `batchSize` inside.
 * @param {unknown} second
 * @param {unknown} third
 * @returns {{batchSize: number, settings: Readonly<Settings>}}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`; {RangeError} `ERR_OUT_OF_RANGE`
 */
function checkConstructorArgs(second, third) {
  if (second !== null && typeof second === 'object' && third === undefined) {
    const { batchSize = 10, ...rest } = /** @type {Record<string, unknown>} */ (second)
    return { batchSize: checkBatchSize(batchSize), settings: checkOptions(rest) }
  }
  const options = third ?? {}
  if (second === undefined && options !== null && typeof options === 'object' && !Array.isArray(options) && 'batchSize' in options) {
    const { batchSize = 10, ...rest } = /** @type {Record<string, unknown>} */ (options)
    return { batchSize: checkBatchSize(batchSize), settings: checkOptions(rest) }
  }
  if (options !== null && typeof options === 'object' && 'batchSize' in options) {
    throw queueError(
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      'batchSize is given twice: pass it as the second argument or in the options, not both',
    )
  }
  return { batchSize: checkBatchSize(second ?? 10), settings: checkOptions(options) }
}

/**
 * Validates the options and fills in defaults; an option given as `undefined` takes its default.
 * @param {unknown} options
 * @returns {Readonly<Settings>}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` (not an object, an option of the wrong type),
 *   `ERR_INVALID_ARG_VALUE` (an unknown option, e.g. a misspelling); {RangeError}
 *   `ERR_OUT_OF_RANGE` (a value out of its range)
 */
function checkOptions(options) {
  const given = checkObject('option', options, Object.keys(DEFAULTS))
  const o = { ...DEFAULTS, ...given }
  if (o.durability !== 'full' && o.durability !== 'normal') {
    const Ctor = typeof o.durability === 'string' ? RangeError : TypeError
    const code = Ctor === RangeError ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE'
    throw queueError(Ctor, code, `options.durability must be 'full' or 'normal'; got ${describe(o.durability)}`)
  }
  return Object.freeze({
    durability: o.durability,
    busyTimeout: ms('options.busyTimeout', o.busyTimeout),
    visibilityTimeout: ms('options.visibilityTimeout', o.visibilityTimeout, 30),
    pollInterval: ms('options.pollInterval', o.pollInterval, 1),
    closeTimeout: ms('options.closeTimeout', o.closeTimeout),
    maxFileSize:
      o.maxFileSize === undefined
        ? undefined
        : checkNumber('options.maxFileSize', o.maxFileSize, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true, unit: 'bytes' }),
    maxAttempts: o.maxAttempts === undefined ? undefined : checkAttempts('options.maxAttempts', o.maxAttempts),
    backoff: checkBackoff(o.backoff),
    jobTimeout: o.jobTimeout === undefined ? undefined : ms('options.jobTimeout', o.jobTimeout, 1),
    create: checkBoolean('options.create', o.create),
    logger: checkLogger(o.logger),
  })
}

/**
 * @param {string} what
 * @param {unknown} value
 * @returns {boolean}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when not a boolean
 */
function checkBoolean(what, value) {
  if (typeof value !== 'boolean')
    throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', `${what} must be true or false; got ${describe(value)}`)
  return value
}

/** @param {string} what @param {unknown} value */
const checkAttempts = (what, value) => checkNumber(what, value, { min: 1, max: 2 ** 31 - 1, integer: true })

/**
 * @param {unknown} backoff
 * @returns {Readonly<Backoff>}
 */
function checkBackoff(backoff) {
  if (backoff === DEFAULTS.backoff) return DEFAULTS.backoff
  const given = checkObject('options.backoff option', backoff, ['type', 'delay', 'maxDelay'])
  const b = { ...DEFAULTS.backoff, ...given }
  if (b.type !== 'fixed' && b.type !== 'exponential') {
    throw queueError(TypeError, 'ERR_INVALID_ARG_VALUE', `options.backoff.type must be 'fixed' or 'exponential'; got ${describe(b.type)}`)
  }
  const delay = ms('options.backoff.delay', b.delay)
  const maxDelay = ms('options.backoff.maxDelay', given.maxDelay ?? Math.max(delay, DEFAULTS.backoff.maxDelay), delay)
  return Object.freeze({ type: b.type, delay, maxDelay })
}

/**
 * @typedef {object} JobSpec what add() stores beside the job: see `add(job, options)`
 * @property {number} priority higher runs first
 * @property {number} runAt wall-clock ms since the epoch; 0: at once
 * @property {number} maxAttempts 0: the consumer's default
 * @property {string | undefined} key de-duplication key, as JSON text
 */

/**
 * The options of add() and addAll().
 * @param {unknown} options `{ delay, runAt, priority, maxAttempts, key }`
 * @param {number} now `Date.now()`
 * @returns {JobSpec | null} null when there is nothing to store beside the job
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`; {RangeError} `ERR_OUT_OF_RANGE`
 */
function checkJobOptions(options, now) {
  if (options === undefined || options === null) return null
  const o = checkObject('add() option', options, ['delay', 'runAt', 'priority', 'maxAttempts', 'key'])
  if (o.delay !== undefined && o.runAt !== undefined) {
    throw queueError(TypeError, 'ERR_INVALID_ARG_VALUE', 'add() options delay and runAt are exclusive: give one')
  }
  let runAt = 0
  if (o.delay !== undefined) runAt = now + checkNumber('options.delay', o.delay, { min: 0, max: 8.64e15 - now, unit: 'ms' })
  if (o.runAt !== undefined) {
    const at = o.runAt instanceof Date ? o.runAt.getTime() : o.runAt
    if (o.runAt instanceof Date && Number.isNaN(at)) throw queueError(RangeError, 'ERR_OUT_OF_RANGE', 'options.runAt is an invalid Date')
    runAt = checkNumber('options.runAt', at, { min: 0, max: 8.64e15, unit: 'ms since the epoch (or a Date)' })
  }
  const key = o.key
  if (key !== undefined && (typeof key !== 'string' || key === '')) {
    throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', `options.key must be a non-empty string; got ${describe(key)}`)
  }
  const spec = {
    priority:
      o.priority === undefined ? 0 : checkNumber('options.priority', o.priority, { min: -(2 ** 53) + 1, max: 2 ** 53 - 1, integer: true }),
    runAt: Math.round(runAt),
    maxAttempts: o.maxAttempts === undefined ? 0 : checkAttempts('options.maxAttempts', o.maxAttempts),
    // Stored as its JSON text, as jobs are: keys that differ only in lone surrogates (which UTF-8
    // cannot hold) stay distinct.
    key: key === undefined ? undefined : JSON.stringify(key),
  }
  return spec.priority === 0 && spec.runAt === 0 && spec.maxAttempts === 0 && key === undefined ? null : spec
}

/**
 * @param {unknown} options the argument of process(): `{ concurrency }`
 * @returns {{concurrency: number}}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`; {RangeError} `ERR_OUT_OF_RANGE`
 */
function checkProcessOptions(options) {
  const o = checkObject('process() option', options ?? {}, ['concurrency'])
  return {
    concurrency: o.concurrency === undefined ? 1 : checkNumber('options.concurrency', o.concurrency, { min: 1, max: 10000, integer: true }),
  }
}

/**
 * @param {unknown} options the argument of getFailed() or list(): `{ limit, offset }` (list()
 *   also takes `state`, checked by its caller)
 * @param {string} [what] the method, for messages
 * @param {readonly string[]} [known] its option names
 * @returns {{limit: number, offset: number}}
 */
function checkPage(options, what = 'getFailed()', known = ['limit', 'offset']) {
  const o = checkObject(`${what} option`, options ?? {}, known)
  return {
    limit: o.limit === undefined ? 100 : checkNumber('options.limit', o.limit, { min: 0, max: 2 ** 31 - 1, integer: true }),
    offset: o.offset === undefined ? 0 : checkNumber('options.offset', o.offset, { min: 0, max: 2 ** 31 - 1, integer: true }),
  }
}

/**
 * @param {unknown} options the argument of close(): `{ timeout }`
 * @param {number} fallback the `closeTimeout` option
 * @returns {number} ms close() waits for the jobs in hand
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`; {RangeError} `ERR_OUT_OF_RANGE`
 */
function checkCloseOptions(options, fallback) {
  if (options === undefined || options === null) return fallback
  const o = checkObject('close() option', options, ['timeout'])
  return o.timeout === undefined ? fallback : ms('close() option timeout', o.timeout)
}

module.exports = {
  DEFAULTS,
  checkFilename,
  checkPath,
  checkBackupDestination,
  checkBatchSize,
  checkConstructorArgs,
  checkOptions,
  checkJobOptions,
  checkProcessOptions,
  checkPage,
  checkCloseOptions,
}
