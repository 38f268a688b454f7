'use strict'
/**
 * How a job crosses into and out of the file: `JSON.stringify` text in (as the original library
 * stored it), `JSON.parse` out, with a clear error for what cannot cross; and the fields of a
 * failed attempt's error that are stored with it.
 * Must not touch: queue state, SQLite, events.
 * @module
 */
const { queueError, describe } = require('./errors')

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
    // A getter or toJSON of the job threw: whatever it threw becomes the cause.
    throw invalidJob(job, `JSON.stringify threw: ${messageOf(err)}`, err)
  }
  if (typeof text !== 'string') throw invalidJob(job, 'JSON.stringify returned undefined')
  return text
}

/**
 * @param {unknown} job the refused value
 * @param {string} why why JSON cannot represent it
 * @param {unknown} [cause] the exception JSON.stringify threw
 * @returns {TypeError} `ERR_INVALID_JOB`
 */
const invalidJob = (job, why, cause) =>
  queueError(
    TypeError,
    'ERR_INVALID_JOB',
    `Job must be a value JSON can represent (${why}); got ${describe(job)}`,
    cause === undefined ? undefined : { cause },
  )

/**
 * @param {unknown} thrown any thrown value
 * @returns {string} its message, never throwing (a thrown value may have a throwing toString, or
 *   none at all)
 */
function messageOf(thrown) {
  try {
    return thrown instanceof Error ? thrown.message : String(thrown)
  } catch {
    return 'a value that cannot be shown as text'
  }
}

/**
 * Parses a claimed row.
 * @param {number} id
 * @param {string} text the stored JSON text, or `"\0"` and why the row is unreadable
 * @returns {{id: number, job: any} | Error} the job, or `ERR_CORRUPT_JOB` with `jobId` when the
 *   row is not UTF-8 text or not JSON
 */
function parseJob(id, text) {
  if (text.charCodeAt(0) === 0) {
    return queueError(
      Error,
      'ERR_CORRUPT_JOB',
      `Job ${id} cannot be delivered: ${text.slice(1)}; it was moved to the dead letters (getFailed())`,
      { jobId: id },
    )
  }
  try {
    return { id, job: JSON.parse(text) }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    return queueError(
      Error,
      'ERR_CORRUPT_JOB',
      `Job ${id} cannot be delivered: its text is not JSON (${why}); it was moved to the dead letters (getFailed())`,
      {
        jobId: id,
      },
    )
  }
}

/**
 * The fields of a failed attempt's error that are stored with the job (as JSON, by the core):
 * whatever was thrown, read without ever throwing.
 * @param {unknown} thrown
 * @returns {{name: string, message: string, code: string, stack: string}} `''` for a missing field
 */
function errorFields(thrown) {
  const field = (/** @type {string} */ key, /** @type {number} */ max) => {
    try {
      const value = thrown !== null && typeof thrown === 'object' ? /** @type {any} */ (thrown)[key] : undefined
      return value === undefined || value === null ? '' : cut(String(value), max)
    } catch {
      return ''
    }
  }
  const isObject = thrown !== null && typeof thrown === 'object'
  return {
    name: (isObject && field('name', MAX_NAME)) || 'Error',
    message: isObject ? field('message', MAX_MESSAGE) : cut(messageOf(thrown), MAX_MESSAGE),
    code: field('code', MAX_NAME),
    stack: field('stack', MAX_STACK),
  }
}

/**
 * Longest stored name and code, message and stack of an error, in UTF-16 code units: an HTTP
 * body in a message must not fill the queue's file (or its `maxFileSize`) with error text.
 */
const MAX_NAME = 256
const MAX_MESSAGE = 8192
const MAX_STACK = 16384

/** @param {string} text @param {number} max @returns {string} `text`, cut to `max` with a note */
const cut = (text, max) => (text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters not stored)`)

module.exports = { jobToJson, parseJob, errorFields }
