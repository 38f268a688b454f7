'use strict'
/**
 * The ordered work queue of one open queue (DESIGN.md, "Order and group commit").
 *
 * Operations wait here in call order. One native batch is in flight at a time; everything that
 * arrived meanwhile goes, in order, into the next batch, which the core runs as one
 * `BEGIN IMMEDIATE` transaction (group commit). Each caller's promise settles only after its own
 * commit, in call order. When SQLite stays busy, the operations not yet run stay at the head of
 * the queue and are retried after a backoff timer (off the libuv thread pool) until `busyTimeout`
 * ms have passed since their first attempt; only then do they reject with `SQLITE_BUSY`.
 * Must not touch: what operations mean (the consumer and the facade decide), events.
 * @module
 */
const { performance } = require('node:perf_hooks')
const { queueError } = require('./errors')
const { Backoff, POLICIES } = require('./backoff')

/**
 * Largest number of operations sent in one native batch. Converting a batch for the binding and
 * settling its promises runs on the main thread (about 1 µs per operation here), so this bounds
 * how long one tick of ours can take in a burst of adds, while each transaction still commits
 * (and fsyncs) two thousand jobs at once. Measured here with 10,000 adds fired at once (median
 * of 5): 1,024 → 171k/s, 2,048 → 178k/s, 4,096 → 202k/s, 16,384 → 160k/s, all within this
 * machine's noise; the event loop's worst stall was the caller's own loop of add() calls.
 */
const MAX_BATCH = 2048

/** Shape tags of the output tape (src/binding/codec.rs, module `shape`). */
const ERROR = -1
const NUMBER = 0
const BOOL = 1
const IDS = 2
const JOBS = 3
const ADDED = 4
const NUMBERS = 5
const ROWS = 6
const TEXTS = 7

/**
 * @typedef {object} Operation
 * @property {number} kind an `OP_*` number
 * @property {number | number[]} [nums] what the kind reads from the number tape
 * @property {string | string[]} [texts] what the kind reads from the text tape
 * @property {(result: any) => any} [then] see {@link WorkQueue#push}
 * @property {(value: any) => void} resolve
 * @property {(err: Error) => void} reject
 * @property {number} deadline `performance.now()` ms after which busy retries give up (0: not tried yet)
 */

class WorkQueue {
  /** @type {import('../binding').NativeQueue} */
  #native
  #busyTimeout
  #onCount
  #onWrite
  /** @type {Operation[]} */
  #pending = []
  #inFlight = false
  /** Results of a batch are being handed out: callbacks may still queue operations. */
  #settling = false
  #flushQueued = false
  /** @type {NodeJS.Timeout | null} */
  #retryTimer = null
  #backoff = new Backoff(POLICIES.busy)
  /** @type {import('./logger').Log} */
  #log
  /** @type {Array<() => void>} */
  #idleWaiters = []

  /**
   * @param {import('../binding').NativeQueue} native an opened native queue
   * @param {object} options
   * @param {number} options.busyTimeout ms an operation may wait out `SQLITE_BUSY`
   * @param {(count: number) => void} options.onCount called with the rows in the queue right
   *   after each operation, just before that operation settles
   * @param {() => void} options.onWrite called after a batch whose write transaction committed
   * @param {import('./logger').Log} options.log
   */
  constructor(native, { busyTimeout, onCount, onWrite, log }) {
    this.#native = native
    this.#log = log
    this.#busyTimeout = busyTimeout
    this.#onCount = onCount
    this.#onWrite = onWrite
  }

  /**
   * Queues one operation behind all earlier ones.
   * @param {number} kind an `OP_*` number
   * @param {number | number[]} [nums] what the kind reads from the number tape, in order
   * @param {string | string[]} [texts] what the kind reads from the text tape, in order
   * @param {(result: any) => any} [then] runs when the operation succeeds, in call order with the
   *   other operations of its batch; its return value resolves the promise (saves a promise per
   *   operation on hot paths such as add()); if it throws, the promise rejects
   * @returns {Promise<any>} the operation's result as {@link decode} reads it, or what `then`
   *   returned
   */
  push(kind, nums, texts, then) {
    return new Promise((resolve, reject) => {
      this.#pending.push({ kind, nums, texts, resolve, reject, then, deadline: 0 })
      this.#schedule()
    })
  }

  /** @returns {Promise<void>} resolves once nothing is pending or in flight. */
  idle() {
    if (!this.#inFlight && !this.#settling && this.#pending.length === 0 && !this.#retryTimer) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #schedule() {
    if (this.#inFlight || this.#flushQueued || this.#retryTimer) return
    this.#flushQueued = true
    // A microtask gathers every operation issued in the current synchronous run into one batch.
    queueMicrotask(() => {
      this.#flushQueued = false
      this.#flush()
    })
  }

  #flush() {
    if (this.#inFlight || this.#pending.length === 0) {
      this.#notifyIdle()
      return
    }
    const batch = this.#pending.splice(0, MAX_BATCH)
    const kinds = new Array(batch.length)
    const nums = []
    const texts = []
    const now = performance.now()
    for (let i = 0; i < batch.length; i++) {
      const op = batch[i]
      kinds[i] = op.kind
      const n = op.nums
      if (typeof n === 'number') nums.push(n)
      else if (n !== undefined) for (const x of n) nums.push(x)
      const t = op.texts
      if (typeof t === 'string') texts.push(t)
      else if (t !== undefined) for (const x of t) texts.push(x)
      if (op.deadline === 0) op.deadline = now + this.#busyTimeout
    }
    this.#inFlight = true
    let running
    try {
      running = this.#native.execute(kinds, nums, texts)
    } catch (err) {
      // The binding refused the arguments synchronously (a mismatched build): reject, never throw
      // from this microtask.
      running = Promise.reject(err)
    }
    running.then(
      (out) => this.#settle(batch, out),
      (err) => this.#failAll(batch, err),
    )
  }

  /**
   * @param {Operation[]} batch
   * @param {import('../binding').BatchOutput} out
   */
  #settle(batch, out) {
    this.#inFlight = false
    this.#settling = true
    const results = decode(out)
    for (let i = 0; i < results.length; i++) {
      const r = results[i]
      const op = batch[i]
      if (out.counts[i] >= 0) this.#onCount(out.counts[i])
      if (r instanceof Error) op.reject(r)
      else if (op.then === undefined) op.resolve(r)
      else {
        try {
          op.resolve(op.then(r))
        } catch (err) {
          op.reject(/** @type {Error} */ (err))
        }
      }
    }
    this.#settling = false
    if (out.wrote) this.#onWrite()
    if (out.completed < batch.length) this.#deferBusy(batch.slice(out.completed), out)
    else {
      this.#backoff.reset()
      this.#flush()
    }
  }

  /**
   * Keeps busy operations at the head, rejecting those whose `busyTimeout` is spent.
   * @param {Operation[]} rest
   * @param {import('../binding').BatchOutput} out
   */
  #deferBusy(rest, out) {
    const now = performance.now()
    const keep = []
    const expired = rest.filter((op) => now >= op.deadline).length
    if (expired > 0) {
      this.#log.warn(
        'busy-timeout',
        { ops: expired, busyTimeout: this.#busyTimeout },
        "operations gave up waiting for another process's write lock",
      )
    }
    for (const op of rest) {
      if (now >= op.deadline) {
        op.reject(queueError(Error, out.busyCode ?? 'SQLITE_BUSY', `${out.busyMessage} (waited busyTimeout=${this.#busyTimeout} ms)`))
      } else keep.push(op)
    }
    this.#pending.unshift(...keep)
    if (this.#pending.length === 0) return this.#notifyIdle()
    // A ref'd timer: operations are pending, so the process is not idle and must not exit.
    const delayMs = this.#backoff.next()
    this.#log.debug(
      'busy',
      { ops: this.#pending.length, delayMs: Math.round(delayMs * 10) / 10 },
      'another process holds the write lock; waiting',
    )
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      this.#flush()
    }, delayMs)
  }

  /**
   * @param {Operation[]} batch
   * @param {Error} err
   */
  #failAll(batch, err) {
    this.#inFlight = false
    for (const op of batch) op.reject(err)
    this.#flush()
  }

  #notifyIdle() {
    if (this.#inFlight || this.#settling || this.#pending.length > 0 || this.#retryTimer) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const w of waiters) w()
  }
}

/**
 * A claimed job as read from the tape.
 * @typedef {{id: number, attempts: number, maxAttempts: number, dead: boolean, text: string}} ClaimedJob
 */

/**
 * A listed job as read from the tape (-1 for a missing number).
 * @typedef {{id: number, state: number, priority: number, attempts: number, maxAttempts: number,
 *   createdAt: number, runAt: number, startedAt: number, failedAt: number, text: string, error: string}} JobRow
 */

/**
 * Reads the output tapes (format in src/binding/codec.rs) into one result per completed
 * operation: a number, a boolean, an id list, `{id, fresh}`, `{jobs: ClaimedJob[], nextDue}`, a
 * number list, a `JobRow` list, or an Error with its `code`.
 * @param {import('../binding').BatchOutput} out
 * @returns {any[]}
 */
function decode({ nums, texts, completed }) {
  const results = new Array(completed)
  let n = 0
  let t = 0
  const list = () => {
    const k = nums[n++]
    const values = nums.slice(n, n + k)
    n += k
    return values
  }
  for (let i = 0; i < completed; i++) {
    const tag = nums[n++]
    if (tag === NUMBER) results[i] = nums[n++]
    else if (tag === BOOL) results[i] = nums[n++] === 1
    else if (tag === ADDED) {
      results[i] = { id: nums[n], fresh: nums[n + 1] === 1 }
      n += 2
    } else if (tag === IDS || tag === NUMBERS) results[i] = list()
    else if (tag === JOBS) {
      const k = nums[n++]
      const jobs = new Array(k)
      for (let j = 0; j < k; j++) {
        jobs[j] = { id: nums[n], attempts: nums[n + 1], maxAttempts: nums[n + 2], dead: nums[n + 3] === 1, text: texts[t++] }
        n += 4
      }
      results[i] = { jobs, nextDue: nums[n], expired: nums[n + 1] }
      n += 2
    } else if (tag === ROWS) {
      const k = nums[n++]
      const rows = new Array(k)
      for (let j = 0; j < k; j++) {
        const [id, state, priority, attempts, maxAttempts, createdAt, runAt, startedAt, failedAt] = nums.slice(n, n + 9)
        n += 9
        rows[j] = { id, state, priority, attempts, maxAttempts, createdAt, runAt, startedAt, failedAt, text: texts[t++], error: texts[t++] }
      }
      results[i] = rows
    } else if (tag === TEXTS) {
      const k = nums[n++]
      results[i] = texts.slice(t, t + k)
      t += k
    } else if (tag === ERROR) {
      const code = texts[t++]
      results[i] = queueError(Error, code, texts[t++])
    } else results[i] = queueError(Error, 'ERR_INTERNAL', `unknown result shape ${tag}`)
  }
  return results
}

module.exports = { WorkQueue }
