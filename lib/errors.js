'use strict'
/**
 * Error helpers. Every error this package raises is an `Error` (or `TypeError`/`RangeError`) with
 * a stable `code` string; callers branch on `err.code`, never on the message.
 * Must not touch: queue state, SQLite, events.
 * @module
 */

/**
 * Creates an error of class `Ctor` with `code` and extra fields.
 * @param {ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor} Ctor `Error`,
 *   `TypeError` or `RangeError`
 * @param {string} code stable code, e.g. `'ERR_INVALID_JOB'`
 * @param {string} message what went wrong and what to do
 * @param {object} [fields] extra properties copied onto the error (e.g. `{ jobId }`, `{ cause }`)
 * @returns {Error & {code: string}}
 */
function queueError(Ctor, code, message, fields) {
  const err = /** @type {Error & {code: string}} */ (new Ctor(message))
  err.code = code
  if (fields) Object.assign(err, fields)
  return err
}

/** @returns {Error} `ERR_NOT_OPEN`: the queue was never opened. */
const notOpen = () => queueError(Error, 'ERR_NOT_OPEN', 'The queue is not open: call open() and wait for it first')

/** @returns {Error} `ERR_QUEUE_CLOSED`: the queue was closed. */
const closed = () => queueError(Error, 'ERR_QUEUE_CLOSED', 'The queue is closed: call open() before using it again')

/**
 * A short description of a refused value for error messages; never throws.
 * @param {unknown} value
 * @returns {string}
 */
function describe(value) {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return 'a symbol'
  if (typeof value === 'bigint') return 'a bigint'
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}

/**
 * @param {unknown} id
 * @param {string} [name] the argument's name for the message
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `id` is a safe integer
 */
function checkId(id, name = 'id') {
  if (!Number.isSafeInteger(id)) {
    throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', `${name} must be an integer job id; got ${describe(id)}`)
  }
}

module.exports = { queueError, notOpen, closed, describe, checkId }
