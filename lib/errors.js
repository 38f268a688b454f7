'use strict'
/**
 * Error helpers. Every error this package raises is an `Error` (or `TypeError`/`RangeError`) with
 * a stable `code` string; callers branch on `err.code`, never on the message.
 * @module
 */

/**
 * Creates an error of class `Ctor` with `code` and extra fields.
 * @param {ErrorConstructor} Ctor `Error`, `TypeError` or `RangeError`
 * @param {string} code stable code, e.g. `'ERR_INVALID_JOB'`
 * @param {string} message what went wrong and what to do
 * @param {object} [fields] extra properties copied onto the error (e.g. `{ jobId }`)
 * @returns {Error}
 */
function queueError(Ctor, code, message, fields) {
  const err = new Ctor(message)
  err.code = code
  if (fields) Object.assign(err, fields)
  return err
}

/** @returns {Error} `ERR_NOT_OPEN`: the queue was never opened. */
const notOpen = () => queueError(Error, 'ERR_NOT_OPEN', 'The queue is not open: call open() and wait for it first')

/** @returns {Error} `ERR_QUEUE_CLOSED`: the queue was closed. */
const closed = () => queueError(Error, 'ERR_QUEUE_CLOSED', 'The queue is closed: call open() before using it again')

/**
 * @param {unknown} job the refused value
 * @param {string} why why JSON cannot represent it
 * @returns {TypeError} `ERR_INVALID_JOB`
 */
const invalidJob = (job, why) =>
  queueError(TypeError, 'ERR_INVALID_JOB', `Job must be a value JSON can represent (${why}); got ${describe(job)}`)

/**
 * @param {string} name argument name
 * @param {unknown} value the refused value
 * @returns {TypeError} `ERR_INVALID_ARG_TYPE`: an id that is not a safe integer
 */
const invalidId = (name, value) =>
  queueError(TypeError, 'ERR_INVALID_ARG_TYPE', `${name} must be an integer job id; got ${describe(value)}`)

function describe(value) {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return 'a symbol'
  if (typeof value === 'bigint') return 'a bigint'
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}

/**
 * Serialises a job exactly as the original library did (`JSON.stringify`), refusing values JSON
 * cannot represent instead of storing `undefined`.
 * @param {unknown} job
 * @returns {string} the JSON text to store
 * @throws {TypeError} `ERR_INVALID_JOB` for `undefined`, functions, symbols, BigInt, cycles
 */
function jobToJson(job) {
  let text
  try {
    text = JSON.stringify(job)
  } catch (err) {
    throw invalidJob(job, err instanceof TypeError ? err.message : String(err))
  }
  if (typeof text !== 'string') throw invalidJob(job, 'JSON.stringify returned undefined')
  return text
}

/**
 * @param {unknown} id
 * @param {string} [name]
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `id` is a safe integer
 */
function checkId(id, name = 'id') {
  if (!Number.isSafeInteger(id)) throw invalidId(name, id)
}

module.exports = { queueError, notOpen, closed, invalidJob, jobToJson, checkId }
