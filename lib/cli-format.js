'use strict'
/**
 * Text output of the command line (bin/cli.js) for people: aligned columns, dates in ISO 8601
 * (UTC), jobs as compact JSON cut to fit a line. `--json` bypasses this module.
 * Must not touch: the queue, process exit codes.
 * @module
 */

/** Longest job text shown in a listing, in characters. */
const JOB_WIDTH = 60

/** @param {unknown} value @returns {string} */
function cell(value) {
  if (value === null || value === undefined) return '-'
  if (value instanceof Date) return value.toISOString()
  return String(value)
}

/** @param {unknown} job @param {number} [width] @returns {string} its JSON, cut with … */
function jobText(job, width = JOB_WIDTH) {
  const text = job === undefined ? '(unreadable)' : JSON.stringify(job)
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

/**
 * @param {string[]} header
 * @param {unknown[][]} rows
 * @returns {string} the rows under the header, columns padded to their widest cell
 */
function table(header, rows) {
  const lines = [header, ...rows.map((row) => row.map(cell))]
  const widths = header.map((_, i) => Math.max(...lines.map((line) => String(line[i]).length)))
  return lines.map((line) => line.map((c, i) => (i === line.length - 1 ? c : String(c).padEnd(widths[i]))).join('  ')).join('\n') + '\n'
}

/**
 * @param {{name?: string, message?: string, code?: string | null} | null} error a stored error
 * @returns {string}
 */
const errorText = (error) => (error ? `${error.code ?? error.name ?? 'Error'}: ${error.message ?? ''}` : '-')

/**
 * Renders a command's result.
 * @param {string} command
 * @param {any} value what the command resolved
 * @returns {string} lines ending in a newline
 */
function render(command, value) {
  switch (command) {
    case 'stats':
      return table(
        ['state', 'jobs'],
        Object.entries(value).map(([state, n]) => [state, n]),
      )
    case 'list':
      if (value.length === 0) return 'no jobs\n'
      return table(
        ['id', 'state', 'priority', 'attempts', 'created', 'runAt', 'job'],
        value.map((/** @type {any} */ j) => [j.id, j.state, j.priority, j.attempts, j.createdAt, j.runAt, jobText(j.job)]),
      )
    case 'failed':
      if (value.length === 0) return 'no dead letters\n'
      return table(
        ['id', 'attempts', 'failedAt', 'error', 'job'],
        value.map((/** @type {any} */ j) => [j.id, j.attempts, j.failedAt, errorText(j.error), jobText(j.job, 40)]),
      )
    case 'show': {
      const { job, error, ...fields } = value
      const lines = Object.entries(fields).map(([k, v]) => `${k}: ${cell(v)}`)
      lines.push(`error: ${errorText(error)}`)
      if (error?.stack) lines.push(String(error.stack).replace(/^/gm, '  '))
      lines.push(`job: ${job === undefined ? '(unreadable)' : JSON.stringify(job, null, 2)}`)
      return lines.join('\n') + '\n'
    }
    case 'check': {
      const counter = `queue_count ${cell(value.counterBefore)} -> ${value.counterAfter}${value.counterBefore === value.counterAfter ? ' (was right)' : ' (repaired)'}`
      const integrity = value.ok ? 'integrity: ok' : `integrity: ${value.problems.length} problem(s)\n${value.problems.join('\n')}`
      return `${integrity}\n${counter}\n`
    }
    default:
      return (
        Object.entries(value)
          .map(([k, v]) => `${k}: ${cell(v)}`)
          .join('\n') + '\n'
      )
  }
}

module.exports = { render }
