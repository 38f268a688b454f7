'use strict'
/**
 * The ordered work queue of one queue object (DESIGN.md, "Order" and "Group commit").
 *
 * Operations wait here in call order. One native batch is in flight at a time; everything that
 * arrived meanwhile goes, in order, into the next batch, which the core runs as one
 * `BEGIN IMMEDIATE` transaction. Each caller's promise settles only after its own commit.
 * When SQLite stays busy, the operations not yet run stay at the head of the queue and are
 * retried after a timer with backoff (off the libuv thread pool) until `busyTimeout` ms have
 * passed since their first attempt; only then do they reject with `SQLITE_BUSY`.
 * @module
 */
const { queueError } = require('./errors')

/**
 * Largest number of operations sent in one native batch. Converting a batch for the binding and
 * settling its promises runs on the main thread (about 1 µs per operation here), so this bounds
 * how long one tick of ours can take in a burst of adds, while each transaction still commits
 * (and fsyncs) two thousand jobs at once. Measured here with 10,000 adds fired at once (median
 * of 5): 1,024 → 171k/s, 2,048 → 178k/s, 4,096 → 202k/s, 16,384 → 160k/s, all within this
 * machine's noise; the event loop's worst stall was the caller's own loop of add() calls.
 */
const MAX_BATCH = 2048
/** First and largest wait between busy retries, in ms. */
const RETRY_MIN_MS = 2
const RETRY_MAX_MS = 100

class WorkQueue {
  /** @type {import('../binding').NativeQueue} */
  #native
  #busyTimeout
  #onCount
  /** @type {Array<{kind:number, num?:number, text?:string, resolve:Function, reject:Function, deadline:number}>} */
  #pending = []
  #inFlight = false
  #flushQueued = false
  #retryTimer = null
  #retryDelay = RETRY_MIN_MS
  /** @type {Array<() => void>} */
  #idleWaiters = []
  #ops

  /**
   * @param {import('../binding').NativeQueue} native an opened native queue
   * @param {object} options
   * @param {number} options.busyTimeout ms an operation may wait out `SQLITE_BUSY`
   * @param {(count: number) => void} options.onCount called with the row count after each batch,
   *   before the batch's promises settle
   * @param {object} options.ops the `OP_*` kind numbers exported by the binding
   */
  constructor(native, { busyTimeout, onCount, ops }) {
    this.#native = native
    this.#busyTimeout = busyTimeout
    this.#onCount = onCount
    this.#ops = ops
  }

  /**
   * Queues one operation behind all earlier ones.
   * @param {number} kind an `OP_*` number
   * @param {number} [num] the id or limit, for kinds that take one
   * @param {string} [text] the JSON text, for kinds that take one
   * @param {(result: any) => any} [then] runs when the operation succeeds, in call order with the
   *   other operations of its batch; its return value resolves the promise (saves a promise per
   *   operation on hot paths such as add()); if it throws, the promise rejects
   * @returns {Promise<any>} the operation's result (see `#decode`), or what `then` returned
   */
  push(kind, num, text, then) {
    return new Promise((resolve, reject) => {
      this.#pending.push({ kind, num, text, resolve, reject, then, deadline: 0 })
      this.#schedule()
    })
  }

  /** @returns {Promise<void>} resolves once nothing is pending or in flight. */
  idle() {
    if (!this.#inFlight && this.#pending.length === 0) return Promise.resolve()
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
    const now = Date.now()
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

  #settle(batch, out) {
    this.#inFlight = false
    if (out.count >= 0) this.#onCount(out.count)
    const results = this.#decode(batch, out)
    for (let i = 0; i < results.length; i++) {
      const r = results[i]
      const op = batch[i]
      if (r instanceof Error) op.reject(r)
      else if (op.then === undefined) op.resolve(r)
      else {
        try {
          op.resolve(op.then(r))
        } catch (err) {
          op.reject(err)
        }
      }
    }
    if (out.completed < batch.length) this.#deferBusy(batch.slice(out.completed), out)
    else {
      this.#retryDelay = RETRY_MIN_MS
      this.#flush()
    }
  }

  /** Keeps busy operations at the head, rejecting those whose `busyTimeout` is spent. */
  #deferBusy(rest, out) {
    const now = Date.now()
    const keep = []
    for (const op of rest) {
      if (now >= op.deadline) {
        op.reject(
          queueError(Error, out.busyCode, `${out.busyMessage} (waited busyTimeout=${this.#busyTimeout} ms)`),
        )
      } else keep.push(op)
    }
    this.#pending.unshift(...keep)
    if (this.#pending.length === 0) return this.#notifyIdle()
    const delay = this.#retryDelay
    this.#retryDelay = Math.min(this.#retryDelay * 2, RETRY_MAX_MS)
    // A ref'd timer: operations are pending, so the process is not idle and must not exit.
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      this.#flush()
    }, delay)
  }

  #failAll(batch, err) {
    this.#inFlight = false
    for (const op of batch) op.reject(err)
    this.#flush()
  }

  #notifyIdle() {
    if (this.#inFlight || this.#pending.length > 0 || this.#retryTimer) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const w of waiters) w()
  }

  /** Reads the output tapes (format in src/binding/codec.rs) into one result per completed op. */
  #decode(batch, { nums, texts, completed }) {
    const { OP_ADD, OP_CLAIM, OP_ACK, OP_RELEASE, OP_DELETE, OP_HAS, OP_FIND_IDS, OP_COUNT, OP_RENEW, OP_POLL, OP_SHRINK } = this.#ops
    const results = new Array(completed)
    let n = 0
    let t = 0
    for (let i = 0; i < completed; i++) {
      const head = nums[n++]
      if (head === -1) {
        const code = texts[t++]
        const message = texts[t++]
        results[i] = queueError(Error, code, message)
        continue
      }
      switch (batch[i].kind) {
        case OP_ADD:
        case OP_COUNT:
        case OP_RENEW:
        case OP_SHRINK:
          results[i] = head
          break
        case OP_ACK:
        case OP_RELEASE:
        case OP_DELETE:
        case OP_HAS:
        case OP_POLL:
          results[i] = head === 1
          break
        case OP_FIND_IDS:
          results[i] = nums.slice(n, n + head)
          n += head
          break
        case OP_CLAIM: {
          const jobs = new Array(head)
          for (let j = 0; j < head; j++) jobs[j] = { id: nums[n++], text: texts[t++] }
          results[i] = jobs
          break
        }
        default:
          results[i] = queueError(Error, 'ERR_INTERNAL', `unknown operation kind ${batch[i].kind}`)
      }
    }
    return results
  }
}

/**
 * Calls `attempt` until it does not reject with `SQLITE_BUSY`/`SQLITE_LOCKED` or `budgetMs` ms
 * are spent, waiting between tries with the work queue's backoff. For the calls that run outside
 * the work queue (open and close of the native queue).
 * @template T
 * @param {() => Promise<T>} attempt
 * @param {number} budgetMs
 * @returns {Promise<T>}
 */
async function retryBusy(attempt, budgetMs) {
  const deadline = Date.now() + budgetMs
  for (let delay = RETRY_MIN_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
    try {
      return await attempt()
    } catch (err) {
      const busy = err && (err.code === 'SQLITE_BUSY' || err.code === 'SQLITE_LOCKED')
      if (!busy || Date.now() >= deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

module.exports = { WorkQueue, retryBusy }
