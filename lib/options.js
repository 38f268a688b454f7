'use strict'
/**
 * The constructor's arguments: their defaults and every check, in one place. The native side
 * trusts what this module returns.
 * Must not touch: queue state, SQLite, events.
 * @module
 */
const nodePath = require('node:path')
const { queueError, describe } = require('./errors')

/** Largest timer delay Node accepts, in ms (Node clamps larger values to 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Longest absolute path of a queue file, in bytes. SQLite's unix VFS has MAX_PATHNAME = 512
 * (os_unix.c), and the pager refuses a database whose full path (symbolic links resolved) leaves
 * no room for its "-journal" name: length + 8 > 512 (sqlite3PagerOpen, SQLITE_CANTOPEN).
 */
const MAX_PATH_BYTES = 504

/**
 * @typedef {object} QueueOptions
 * @property {'full'|'normal'} [durability='full'] `'full'`: a resolved `add()` is fsync'd and
 *   survives power loss (`PRAGMA synchronous=FULL`); `'normal'`: survives a process crash, a power
 *   loss may drop the last adds. Acks always commit with `NORMAL`.
 * @property {number} [busyTimeout=5000] ms (0 to 2^31-1) an operation waits out `SQLITE_BUSY`
 *   (another process holding the write lock) before it rejects with code `SQLITE_BUSY`.
 * @property {number} [visibilityTimeout=30000] lease of a claimed job in ms (30 to 2^31-1),
 *   renewed every third of this while the job is held.
 * @property {number} [pollInterval=100] ms (1 to 2^31-1) between checks, while started and empty,
 *   for jobs that other processes added.
 * @property {number} [maxFileSize] largest database size in bytes for adds (`PRAGMA max_page_count`
 *   plus a reserve for claims and acks).
 * @property {number} [closeTimeout=5000] ms (0 to 2^31-1) close() waits for the job in hand to be
 *   done() before it releases it to the queue.
 */

/** @typedef {Required<Omit<QueueOptions, 'maxFileSize'>> & {maxFileSize: number | undefined}} Settings */

/** Defaults of the options argument. @type {Readonly<Settings>} */
const DEFAULTS = Object.freeze({
  durability: 'full',
  busyTimeout: 5000,
  visibilityTimeout: 30000,
  pollInterval: 100,
  maxFileSize: undefined,
  closeTimeout: 5000,
})

/** Inclusive ranges of the options that are ms. @type {Readonly<Record<'busyTimeout' | 'visibilityTimeout' | 'pollInterval' | 'closeTimeout', [number, number]>>} */
const TIMER_LIMITS = Object.freeze({
  busyTimeout: [0, MAX_TIMER_MS],
  visibilityTimeout: [30, MAX_TIMER_MS],
  pollInterval: [1, MAX_TIMER_MS],
  closeTimeout: [0, MAX_TIMER_MS],
})

/** Message of the original library for a bad batchSize. */
const BAD_BATCH_SIZE = 'Invalid batchSize parameter.  Must be a number > 0'

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
 * Checks a filename before it is opened. It is opened literally, as the original's sqlite3 does:
 * never as an SQLite URI.
 * @param {unknown} filename
 * @returns {string} the path to open
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` (not a string), `ERR_INVALID_ARG_VALUE` (a NUL
 *   character, which no file system allows); {RangeError} `ERR_PATH_TOO_LONG` (its absolute form is
 *   over {@link MAX_PATH_BYTES} bytes, which SQLite cannot open)
 */
function checkPath(filename) {
  if (typeof filename !== 'string') {
    throw queueError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `filename must be a string path (or "" for an in-memory queue); got ${describe(filename)}`,
    )
  }
  if (filename.includes('\0')) {
    throw queueError(TypeError, 'ERR_INVALID_ARG_VALUE', 'filename must not contain a NUL character')
  }
  if (filename !== ':memory:') {
    const bytes = Buffer.byteLength(nodePath.resolve(filename))
    if (bytes > MAX_PATH_BYTES) {
      throw queueError(
        RangeError,
        'ERR_PATH_TOO_LONG',
        `The queue file's absolute path is ${bytes} bytes long; SQLite opens paths of at most ${MAX_PATH_BYTES} bytes (symbolic links resolved): choose a shorter path`,
      )
    }
  }
  return filename
}

/**
 * @param {unknown} options the argument of close()
 * @param {number} fallback the `closeTimeout` option
 * @returns {number} ms close() waits for the job in hand
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`; {RangeError} `ERR_OUT_OF_RANGE`
 */
function checkCloseOptions(options, fallback) {
  if (options === undefined) return fallback
  if (options === null || typeof options !== 'object') {
    throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'close() takes an optional object: { timeout }')
  }
  for (const key of Object.keys(options)) {
    if (key !== 'timeout')
      throw queueError(TypeError, 'ERR_INVALID_ARG_VALUE', `Unknown close() option ${JSON.stringify(key)}; the option is: timeout`)
  }
  const { timeout } = /** @type {{timeout?: unknown}} */ (options)
  if (timeout === undefined) return fallback
  if (typeof timeout !== 'number') throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'close() option timeout must be a number of ms')
  if (!(timeout >= 0 && timeout <= MAX_TIMER_MS)) {
    throw queueError(RangeError, 'ERR_OUT_OF_RANGE', `close() option timeout must be a number of ms from 0 to ${MAX_TIMER_MS}`)
  }
  return timeout
}

/**
 * @param {unknown} batchSize
 * @returns {number}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when not a number; {RangeError} `ERR_OUT_OF_RANGE`
 *   when not an integer from 1 to 1,000,000 (both with the original's message)
 */
function checkBatchSize(batchSize) {
  if (typeof batchSize !== 'number') throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', BAD_BATCH_SIZE)
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1e6) {
    throw queueError(RangeError, 'ERR_OUT_OF_RANGE', BAD_BATCH_SIZE)
  }
  return batchSize
}

/**
 * Validates the options argument and fills in defaults; an option given as `undefined` takes its
 * default.
 * @param {unknown} options
 * @returns {Readonly<Settings>}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` (not an object, an option of the wrong type),
 *   `ERR_INVALID_ARG_VALUE` (an unknown option, e.g. a misspelling); {RangeError}
 *   `ERR_OUT_OF_RANGE` (a value out of its range)
 */
function checkOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'options must be an object')
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(DEFAULTS, key)) {
      throw queueError(
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        `Unknown option ${JSON.stringify(key)}; the options are: ${Object.keys(DEFAULTS).join(', ')}`,
      )
    }
  }
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const merged = { ...DEFAULTS, ...given }
  if (typeof merged.durability !== 'string') {
    throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', "options.durability must be 'full' or 'normal'")
  }
  if (merged.durability !== 'full' && merged.durability !== 'normal') {
    throw queueError(RangeError, 'ERR_OUT_OF_RANGE', `options.durability must be 'full' or 'normal'; got ${String(merged.durability)}`)
  }
  for (const name of /** @type {Array<keyof typeof TIMER_LIMITS>} */ (Object.keys(TIMER_LIMITS))) {
    const [min, max] = TIMER_LIMITS[name]
    const value = merged[name]
    if (typeof value !== 'number') throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', `options.${name} must be a number of ms`)
    if (!(value >= min && value <= max)) {
      throw queueError(RangeError, 'ERR_OUT_OF_RANGE', `options.${name} must be a number of ms from ${min} to ${max}`)
    }
  }
  if (merged.maxFileSize !== undefined) {
    if (typeof merged.maxFileSize !== 'number') {
      throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'options.maxFileSize must be a number of bytes')
    }
    if (!(Number.isSafeInteger(merged.maxFileSize) && merged.maxFileSize > 0)) {
      throw queueError(RangeError, 'ERR_OUT_OF_RANGE', 'options.maxFileSize must be a positive integer number of bytes')
    }
  }
  return Object.freeze(merged)
}

module.exports = { DEFAULTS, checkFilename, checkPath, checkBatchSize, checkOptions, checkCloseOptions }
