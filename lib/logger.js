'use strict'
/**
 * Structured log lines of a queue: to the `logger` option (pino-compatible: `debug`, `info`,
 * `warn`, `error`, each taking an object of fields and a message, as pino, bunyan and
 * console-like adapters do), else, after `setDebug(true)`, to stdout with `console.log` as the
 * original library did; else nowhere. Every line carries `event` (a stable name, listed in
 * docs/api.md) and `queue` (the file's path).
 * Must not touch: queue state, events, errors (failures reach callers as rejections or `error`).
 * @module
 */
const { queueError, describe } = require('./errors')

/** The methods a logger must have, in increasing severity. */
const LEVELS = /** @type {const} */ (['debug', 'info', 'warn', 'error'])

/**
 * @typedef {{[level in typeof LEVELS[number]]: (fields: object, msg: string) => void}} Logger
 */

/**
 * @param {unknown} logger the `logger` option
 * @returns {Logger | undefined}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when it is not an object with the four methods
 */
function checkLogger(logger) {
  if (logger === undefined) return undefined
  const missing = LEVELS.filter((level) => typeof (/** @type {any} */ (logger)?.[level]) !== 'function')
  if (logger === null || typeof logger !== 'object' || missing.length > 0) {
    throw queueError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `options.logger must be a pino-compatible logger with methods ${LEVELS.join(', ')}(fields, message); ${
        logger !== null && typeof logger === 'object' ? `it lacks ${missing.join(', ')}` : `got ${describe(logger)}`
      }`,
    )
  }
  return /** @type {Logger} */ (logger)
}

/** The log of one queue object. */
class Log {
  #logger
  #queue
  /** setDebug(): lines go to stdout when no logger is given. */
  debugToStdout = false

  /**
   * @param {Logger | undefined} logger
   * @param {string} queue the file's path, on every line
   */
  constructor(logger, queue) {
    this.#logger = logger
    this.#queue = queue
  }

  /** @param {string} event @param {object} fields @param {string} msg */
  debug(event, fields, msg) {
    this.#write('debug', event, fields, msg)
  }

  /** @param {string} event @param {object} fields @param {string} msg */
  info(event, fields, msg) {
    this.#write('info', event, fields, msg)
  }

  /** @param {string} event @param {object} fields @param {string} msg */
  warn(event, fields, msg) {
    this.#write('warn', event, fields, msg)
  }

  /**
   * @param {typeof LEVELS[number]} level
   * @param {string} event
   * @param {object} fields
   * @param {string} msg
   */
  #write(level, event, fields, msg) {
    const line = { event, queue: this.#queue, ...fields }
    if (this.#logger) {
      // A logger that throws must not break the queue's machinery: the line is lost, not the job.
      try {
        const returned = /** @type {unknown} */ (this.#logger[level](line, msg))
        // An async logger's rejection is dropped too, never an unhandled rejection.
        if (returned !== null && typeof returned === 'object' && typeof (/** @type {any} */ (returned).then) === 'function') {
          Promise.resolve(returned).catch(() => {})
        }
      } catch {
        // Dropped: reporting it would log again, and the caller's work must go on.
      }
    } else if (this.debugToStdout) {
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ')
      console.log(`[sqlite-persistent-queue] ${level} ${event}: ${msg}${extra ? ` (${extra})` : ''}`)
    }
  }
}

module.exports = { Log, checkLogger, LEVELS }
