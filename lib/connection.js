'use strict'
/**
 * Everything that lives from one `open()` to its `close()`: the native handle, its work queue,
 * its consumer, and upkeep: an idle checkpoint (so a queue at rest is whole in its main file) and
 * giving an emptied queue's space back. `open()` creates a Connection; `close()` ends it whole,
 * and the queue object drops it. Nothing here outlives it.
 * Must not touch: public events other than through the host, argument checks.
 * @module
 */
const { performance } = require('node:perf_hooks')
const { NativeQueue, OP } = require('./native')
const { WorkQueue } = require('./work-queue')
const { Consumer } = require('./consumer')
const { Backoff, POLICIES, sleep } = require('./backoff')
const { queueError } = require('./errors')

/**
 * close() could not wait out the settles already issued: another process held the write lock.
 * @param {number} busyTimeout ms waited
 */
const settlesBusy = (busyTimeout) =>
  queueError(
    Error,
    'SQLITE_BUSY',
    `close(): jobs settled before the deadline could not be committed within busyTimeout (${busyTimeout} ms): another process holds the write lock; the queue stays open, call close() again later`,
  )

/** Free pages given back per transaction when the queue runs empty (4 KiB each). */
const SHRINK_PAGES = 2048

/** Quiet time after the last write before the WAL is checkpointed into the main file, in ms. */
const IDLE_CHECKPOINT_MS = 500

/**
 * @typedef {import('./consumer').Host & {count: (n: number) => void}} ConnectionHost the consumer's
 *   host, plus `count`: the rows in the queue after each operation
 */

class Connection {
  #native
  /** @type {ConnectionHost} */
  #host
  /** close() has begun: upkeep starts no more. */
  #halted = false
  #busyTimeout
  /** Checkpoints the WAL once writes pause (unref'd, refreshed by each write). */
  #idleCheckpoint
  /** Ordered group-commit queue of this connection. */
  work
  /** Delivery, acks, leases and polls of this connection. */
  consumer
  /** Rows in the queue at open. */
  count
  /** Jobs of dead owners returned to the queue at open. */
  recovered
  /** Resolves once this connection is closed (a worker or a for-await loop ends then). */
  whenClosed
  /** @type {() => void} */
  #markClosed = () => {}

  /**
   * Opens the file.
   * @param {string} path
   * @param {Readonly<import('./options').Settings>} settings
   * @param {ConnectionHost} host
   * @returns {Promise<Connection>}
   * @throws (rejects) as `PersistentQueue#open`
   */
  static async open(path, settings, host) {
    const { durability, visibilityTimeout, maxFileSize, create } = settings
    const native = new NativeQueue(path, { durability, visibilityTimeoutMs: visibilityTimeout, maxFileSize, create })
    const info = await retryBusy(() => native.open(), settings.busyTimeout)
    return new Connection(native, info, settings, host)
  }

  /**
   * @param {import('../binding').NativeQueue} native an opened native queue
   * @param {import('../binding').OpenOutput} info
   * @param {Readonly<import('./options').Settings>} settings
   * @param {ConnectionHost} host
   */
  constructor(native, info, settings, host) {
    this.#native = native
    this.#host = host
    this.#busyTimeout = settings.busyTimeout
    this.count = info.count
    this.recovered = info.recovered
    this.whenClosed = new Promise((resolve) => (this.#markClosed = () => resolve(undefined)))
    this.#idleCheckpoint = setTimeout(() => this.#checkpoint(), IDLE_CHECKPOINT_MS)
    this.#idleCheckpoint.unref()
    this.work = new WorkQueue(native, {
      busyTimeout: settings.busyTimeout,
      onCount: host.count,
      onWrite: () => this.#idleCheckpoint.refresh(),
      log: host.log,
    })
    const { visibilityTimeout, pollInterval } = settings
    this.consumer = new Consumer(this.work, { visibilityTimeout, pollInterval, ready: info.ready }, host, () => this.#shrink())
    // A queue closed right at `empty` (or emptied by another process) still gives space back.
    if (info.count === 0) this.#shrink()
  }

  /**
   * Stops taking jobs, waits up to `timeoutMs` for the jobs in hand to be settled (their leases
   * kept alive meanwhile; at the deadline, a worker's handlers see their signal abort), waits for
   * every operation issued, then releases this object's claims (the jobs in hand too, if they were
   * not settled in time, their attempts not counted), checkpoints and closes the file.
   * @param {number} timeoutMs longest wait for the jobs in hand, in ms
   * @returns {Promise<void>}
   * @throws (rejects) `SQLITE_BUSY` when the claims could not be released within busyTimeout; the
   *   connection then stays open and working as before.
   */
  async close(timeoutMs) {
    const resume = this.consumer.halt()
    this.#halted = true
    clearTimeout(this.#idleCheckpoint)
    try {
      if (!(await this.consumer.settled(timeoutMs))) {
        this.consumer.abandon()
        if (!(await this.consumer.settlesCommitted(this.#busyTimeout))) throw settlesBusy(this.#busyTimeout)
      }
      await this.work.idle()
      await retryBusy(() => this.#native.close(), this.#busyTimeout)
    } catch (err) {
      this.#halted = false
      resume()
      throw err
    }
    this.consumer.closed()
    this.#markClosed()
  }

  /**
   * Writes a consistent copy of the queue, with every operation issued before it, to
   * `destination` (SQLite's online backup API).
   * @param {string} destination
   * @returns {Promise<void>}
   */
  backup(destination) {
    return this.work.push(OP.BACKUP, undefined, destination).then(() => {})
  }

  /** Copies the WAL into the main file once writes pause: a queue at rest is whole in one file. */
  #checkpoint() {
    if (this.#halted) return
    this.work.push(OP.CHECKPOINT).then(
      (done) => this.#host.log.debug('checkpoint', { complete: done }, 'copied the WAL into the main file'),
      (err) => this.#host.report(err),
    )
  }

  /**
   * Gives the space of an emptied queue back to the file system, a few MiB per transaction so no
   * other writer waits long (the original ran VACUUM on empty), then truncates the WAL.
   */
  #shrink(before = Infinity) {
    if (this.#halted || !this.consumer.empty) return
    this.work.push(OP.SHRINK, SHRINK_PAGES).then(
      (left) => {
        this.#host.log.debug('shrink', { freePagesLeft: left }, 'gave free pages of the emptied queue back to the file system')
        // Go on while pages are left and each step gives some back.
        if (left > 0 && left < before) setImmediate(() => this.#shrink(left))
      },
      (err) => this.#host.report(err),
    )
  }
}

/**
 * Calls `attempt` until it does not reject with `SQLITE_BUSY`/`SQLITE_LOCKED` or `budgetMs` ms
 * are spent, waiting between tries with the busy backoff. For the calls that run outside the work
 * queue (open and close of the native queue).
 * @template T
 * @param {() => Promise<T>} attempt
 * @param {number} budgetMs
 * @returns {Promise<T>}
 */
async function retryBusy(attempt, budgetMs) {
  const deadline = performance.now() + budgetMs
  const backoff = new Backoff(POLICIES.busy)
  for (;;) {
    try {
      return await attempt()
    } catch (err) {
      const code = /** @type {{code?: string}} */ (err).code
      const busy = code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
      if (!busy || performance.now() >= deadline) throw err
      await sleep(backoff.next())
    }
  }
}

module.exports = { Connection }
