'use strict'
/**
 * Listed jobs as the public API shows them: the rows the core lists (`OP_LIST`, decoded by the
 * work queue) with their JSON parsed, times as `Date`s and state names.
 * Must not touch: queue state, SQLite, events.
 * @module
 */
const { parseJob } = require('./job')

/** State names by the number the core stores (src/queue/schema.rs, `JobState`). */
const STATES = Object.freeze(['queued', 'running', 'failed', 'delayed'])

/** @param {number} ms wall-clock ms, or -1 / 0 for none @returns {Date | null} */
const dateOf = (ms) => (ms > 0 ? new Date(ms) : null)

/**
 * @param {import('./work-queue').JobRow} row
 * @returns {{id: number, state: string, job: any, priority: number, attempts: number,
 *   maxAttempts: number | null, createdAt: Date | null, runAt: Date | null, startedAt: Date | null,
 *   failedAt: Date | null, error: {name: string, message: string, code: string | null, stack: string | null} | null,
 *   corrupt?: string}} the row; `job` is undefined and `corrupt` says why when the stored text is not JSON
 */
function jobRow(row) {
  const parsed = parseJob(row.id, row.text)
  let error = null
  if (row.error !== '') {
    try {
      error = JSON.parse(row.error)
    } catch {
      error = { name: 'Error', message: row.error, code: null, stack: null }
    }
  }
  return {
    id: row.id,
    state: STATES[row.state] ?? String(row.state),
    job: parsed instanceof Error ? undefined : parsed.job,
    ...(parsed instanceof Error ? { corrupt: parsed.message } : {}),
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts >= 0 ? row.maxAttempts : null,
    createdAt: dateOf(row.createdAt),
    runAt: dateOf(row.runAt),
    startedAt: dateOf(row.startedAt),
    failedAt: dateOf(row.failedAt),
    error,
  }
}

/**
 * A dead letter as getFailed() resolves it: `{id, job, attempts, failedAt, error}`.
 * @param {import('./work-queue').JobRow} row
 */
function failedJob(row) {
  const { id, job, attempts, failedAt, error } = jobRow(row)
  return { id, job, attempts, failedAt, error }
}

module.exports = { STATES, jobRow, failedJob }
