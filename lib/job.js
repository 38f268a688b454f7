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
  const field = (/** @type {string} */ key) => {
    try {
      const value = thrown !== null && typeof thrown === 'object' ? /** @type {any} */ (thrown)[key] : undefined
      return value === undefined || value === null ? '' : String(value)
    } catch {
      return ''
    }
  }
  const isObject = thrown !== null && typeof thrown === 'object'
  return {
    name: (isObject && field('name')) || 'Error',
    message: isObject ? field('message') : messageOf(thrown),
    code: field('code'),
    stack: field('stack'),
  }
}

module.exports = { jobToJson, parseJob, errorFields }
