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

/**
 * @typedef {object} Operation
 * @property {number} kind an `OP_*` number
 * @property {number} [num] the id or limit, for kinds that take one
 * @property {string} [text] the JSON text, for kinds that take one
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
  /** @type {Array<() => void>} */
  #idleWaiters = []

  /**
   * @param {import('../binding').NativeQueue} native an opened native queue
   * @param {object} options
   * @param {number} options.busyTimeout ms an operation may wait out `SQLITE_BUSY`
   * @param {(count: number) => void} options.onCount called with the rows in the queue right
   *   after each operation, just before that operation settles
   * @param {() => void} options.onWrite called after a batch whose write transaction committed
   */
  constructor(native, { busyTimeout, onCount, onWrite }) {
    this.#native = native
    this.#busyTimeout = busyTimeout
    this.#onCount = onCount
    this.#onWrite = onWrite
  }

  /**
   * Queues one operation behind all earlier ones.
   * @param {number} kind an `OP_*` number
   * @param {number} [num] the id or limit, for kinds that take one
   * @param {string} [text] the JSON text, for kinds that take one
   * @param {(result: any) => any} [then] runs when the operation succeeds, in call order with the
   *   other operations of its batch; its return value resolves the promise (saves a promise per
   *   operation on hot paths such as add()); if it throws, the promise rejects
   * @returns {Promise<any>} the operation's result (a number, a boolean, an id list, or a list of
   *   `{id, text}` claimed jobs), or what `then` returned
   */
  push(kind, num, text, then) {
    return new Promise((resolve, reject) => {
      this.#pending.push({ kind, num, text, resolve, reject, then, deadline: 0 })
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
      if (op.num !== undefined) nums.push(op.num)
      if (op.text !== undefined) texts.push(op.text)
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
    for (const op of rest) {
      if (now >= op.deadline) {
        op.reject(queueError(Error, out.busyCode ?? 'SQLITE_BUSY', `${out.busyMessage} (waited busyTimeout=${this.#busyTimeout} ms)`))
      } else keep.push(op)
    }
    this.#pending.unshift(...keep)
    if (this.#pending.length === 0) return this.#notifyIdle()
    // A ref'd timer: operations are pending, so the process is not idle and must not exit.
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      this.#flush()
    }, this.#backoff.next())
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
 * Reads the output tapes (format in src/binding/codec.rs) into one result per completed operation.
 * @param {import('../binding').BatchOutput} out
 * @returns {any[]}
 */
function decode({ nums, texts, completed }) {
  const results = new Array(completed)
  let n = 0
  let t = 0
  for (let i = 0; i < completed; i++) {
    const tag = nums[n++]
    if (tag === NUMBER) results[i] = nums[n++]
    else if (tag === BOOL) results[i] = nums[n++] === 1
    else if (tag === IDS) {
      const k = nums[n++]
      results[i] = nums.slice(n, n + k)
      n += k
    } else if (tag === JOBS) {
      const k = nums[n++]
      const jobs = new Array(k)
      for (let j = 0; j < k; j++) jobs[j] = { id: nums[n++], text: texts[t++] }
      results[i] = jobs
    } else if (tag === ERROR) {
      const code = texts[t++]
      results[i] = queueError(Error, code, texts[t++])
    } else results[i] = queueError(Error, 'ERR_INTERNAL', `unknown result shape ${tag}`)
  }
  return results
}

module.exports = { WorkQueue }
