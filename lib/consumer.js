'use strict'
/**
 * The consumer of one open queue: the prefetch buffer (jobs claimed ahead, up to `batchSize` per
 * claim), delivery of one `next` at a time, acks, lease renewal, polling for jobs that other
 * processes add, and corrupt rows.
 *
 * Every result of the work queue is handled in the `then` hook of its operation, so results are
 * seen strictly in call order (a claim and the adds or deletes around it, in one batch or not).
 * Must not touch: the native handle, open/close, options parsing, job serialisation.
 * @module
 */
const { OP } = require('./native')
const { Backoff, POLICIES, sleep } = require('./backoff')
const { parseJob } = require('./job')
const { queueError, closed } = require('./errors')

/**
 * What the consumer reports to its queue object.
 * @typedef {object} Host
 * @property {(event: string, ...args: any[]) => void} emit emits an event of the public API
 * @property {(err: Error) => void} report a failure with no caller to reject
 * @property {(msg: string) => void} log a debug line
 */

/** A delivered or prefetched job. @typedef {{id: number, job: any}} Task */

class Consumer {
  /** @type {import('./work-queue').WorkQueue} */
  #work
  /** @type {Host} */
  #host
  #batchSize
  /** Called when the queue runs empty (the connection gives space back). */
  #onEmpty
  /** Between start() and stop(). */
  #started = false
  /** Jobs claimed ahead and not delivered yet, in order. @type {Task[]} */
  #prefetched = []
  /** The job of the last `next` event, until done() or abort(). @type {Task | null} */
  #inHand = null
  /** An ack is committing; the next delivery waits for it. */
  #acking = false
  #claiming = false
  #polling = false
  #deliveryScheduled = false
  /** Rows this object claimed that cannot be parsed; kept claimed so no one re-delivers them. */
  #heldCorrupt = 0
  /** No job is waiting, as last seen by this object. */
  #empty
  /** close() has begun: no background work (poll, renew, claim retries, deliveries) starts. */
  #halted = false
  /** The connection is closed: late callbacks do nothing. */
  #closed = false
  #claimBackoff = new Backoff(POLICIES.claim)
  /** @type {NodeJS.Timeout[]} */
  #timers = []
  #visibilityTimeout
  #pollInterval

  /**
   * @param {import('./work-queue').WorkQueue} work the connection's work queue
   * @param {object} options
   * @param {number} options.batchSize jobs claimed per claim
   * @param {number} options.visibilityTimeout lease in ms; renewed every third of it
   * @param {number} options.pollInterval ms between polls while started and empty
   * @param {boolean} options.ready whether a job was waiting at open
   * @param {Host} host
   * @param {() => void} onEmpty
   */
  constructor(work, { batchSize, visibilityTimeout, pollInterval, ready }, host, onEmpty) {
    this.#work = work
    this.#host = host
    this.#batchSize = batchSize
    this.#visibilityTimeout = visibilityTimeout
    this.#pollInterval = pollInterval
    this.#empty = !ready
    this.#onEmpty = onEmpty
    this.#startTimers()
  }

  /** @returns {boolean} no job is waiting, as last seen by this object */
  get empty() {
    return this.#empty
  }

  /** @returns {boolean} between start() and stop() */
  get started() {
    return this.#started
  }

  /**
   * Starts delivering.
   * @param {() => void} announce emits `start`, after the state changed and before any delivery
   */
  start(announce) {
    this.#started = true
    announce()
    this.#pump()
  }

  /** Stops delivering after the job in hand. */
  stop() {
    this.#started = false
  }

  /** Gives the job in hand back to the head of the prefetch buffer (delivered again on start()). */
  abort() {
    if (this.#inHand !== null) {
      this.#prefetched.unshift(this.#inHand)
      this.#inHand = null
    }
  }

  /**
   * Acks the job in hand; the next delivery waits for the commit. When this ack empties the
   * prefetch buffer, the next claim shares its transaction.
   * @returns {Promise<void>} resolves once committed; rejects `ERR_QUEUE_CLOSED` if the queue closed
   *   first. Marked handled.
   * @throws {Error} `ERR_NO_CURRENT_JOB` when no job is in hand
   */
  done() {
    const task = this.#inHand
    if (task === null) {
      throw queueError(Error, 'ERR_NO_CURRENT_JOB', 'done() was called with no job in hand: call it once per next event')
    }
    this.#host.log(`done ${task.id}`)
    this.#inHand = null
    this.#acking = true
    const acked = this.#ack(task.id)
    if (this.#prefetched.length === 0 && this.#started && !this.#claiming) this.#claim()
    acked.catch(() => {})
    return acked
  }

  /** An add of this object committed: wake the consumer if it ran empty. */
  added() {
    if (this.#empty) {
      this.#empty = false
      this.#pump()
    }
  }

  /**
   * A delete of this object committed: a claim issued before it may have put the job in the
   * prefetch buffer; drop it there.
   * @param {number} id
   */
  deleted(id) {
    const at = this.#prefetched.findIndex((t) => t.id === id)
    if (at !== -1) this.#prefetched.splice(at, 1)
  }

  /**
   * close() begins: stop background work and deliveries.
   * @returns {() => void} undoes it, for a close() that failed (the queue stays open)
   */
  halt() {
    const wasStarted = this.#started
    this.#started = false
    this.#halted = true
    this.#stopTimers()
    return () => {
      this.#halted = false
      this.#started = wasStarted
      this.#startTimers()
      this.#pump()
    }
  }

  /** The connection closed: every late callback does nothing. */
  closed() {
    this.#closed = true
  }

  /** Acks `id`, retrying failures with backoff until it commits or the queue closes. */
  async #ack(/** @type {number} */ id) {
    const backoff = new Backoff(POLICIES.ack)
    for (;;) {
      if (this.#closed) throw closed()
      try {
        await this.#work.push(OP.ACK, id, undefined, () => this.#acked())
        return
      } catch (err) {
        if (this.#closed) throw closed()
        this.#host.report(/** @type {Error} */ (err))
        await sleep(backoff.next())
      }
    }
  }

  #acked() {
    if (this.#closed) return
    this.#acking = false
    this.#pump()
  }

  /**
   * Timers of an open queue, unref'd so that an idle queue never keeps the process alive:
   * lease renewal every visibilityTimeout/3 while this object holds claimed jobs, and a poll every
   * pollInterval ms while started and empty.
   */
  #startTimers() {
    const renew = setInterval(() => this.#renew(), Math.max(1, Math.floor(this.#visibilityTimeout / 3)))
    const poll = setInterval(() => this.#poll(), Math.max(1, this.#pollInterval))
    renew.unref()
    poll.unref()
    this.#timers = [renew, poll]
  }

  #stopTimers() {
    for (const timer of this.#timers) clearInterval(timer)
    this.#timers = []
  }

  #renew() {
    if (this.#halted) return
    if (this.#prefetched.length === 0 && this.#inHand === null && this.#heldCorrupt === 0) return
    this.#work.push(OP.RENEW).catch((err) => this.#host.report(err))
  }

  /**
   * Reads `PRAGMA data_version` (no lock), which notices commits by other processes, then claims
   * if something changed.
   */
  #poll() {
    if (this.#halted || !this.#started || !this.#empty || this.#claiming || this.#polling) return
    this.#polling = true
    this.#work
      .push(OP.POLL, undefined, undefined, (changed) => {
        this.#polling = false
        if (this.#closed) return
        if (changed && this.#started && this.#empty && !this.#claiming) this.#claim(true)
      })
      .catch((err) => {
        this.#polling = false
        this.#host.report(err)
      })
  }

  /** Delivers the next job if the queue is started and nothing is in hand (trigger_next). */
  #pump() {
    if (!this.#started || this.#halted || this.#inHand || this.#acking || this.#claiming) return
    if (this.#deliveryScheduled) return
    if (this.#prefetched.length > 0) {
      this.#deliveryScheduled = true
      // As the original: one job per check phase, so I/O callbacks run between jobs.
      setImmediate(() => this.#deliver())
    } else if (!this.#empty) {
      this.#claim()
    }
  }

  #deliver() {
    if (this.#closed) return
    this.#deliveryScheduled = false
    if (this.#halted) return
    if (!this.#started || this.#inHand || this.#acking || this.#prefetched.length === 0) return
    const task = /** @type {Task} */ (this.#prefetched.shift())
    this.#inHand = task
    this.#host.log(`next ${task.id}`)
    this.#host.emit('next', task)
  }

  /**
   * Claims the next jobs. `quiet`: a claim after a poll, which leaves the queue empty without a
   * second `empty` event when it finds nothing.
   */
  #claim(quiet = false) {
    this.#claiming = true
    this.#work.push(OP.CLAIM, this.#batchSize, undefined, (jobs) => this.#claimed(jobs, quiet)).catch((err) => this.#claimFailed(err))
  }

  /**
   * @param {Array<{id: number, text: string}>} jobs
   * @param {boolean} quiet
   */
  #claimed(jobs, quiet) {
    if (this.#closed) return
    this.#claiming = false
    this.#claimBackoff.reset()
    for (const { id, text } of jobs) {
      const task = parseJob(id, text)
      if (task instanceof Error) {
        // Left in place, claimed by this object (its lease renewed) until close().
        this.#heldCorrupt++
        this.#host.report(task)
      } else this.#prefetched.push(task)
    }
    if (jobs.length > 0) this.#empty = false
    else if (!this.#empty && this.#prefetched.length === 0) {
      this.#empty = true
      if (!quiet) {
        this.#host.emit('empty')
        this.#onEmpty()
      }
    }
    this.#pump()
  }

  /**
   * Tries again later (disk full, lock held past busyTimeout); unref'd: an idle queue never keeps
   * the process alive.
   * @param {Error} err
   */
  #claimFailed(err) {
    if (this.#closed) return
    this.#host.report(err)
    setTimeout(() => {
      if (this.#closed) return
      this.#claiming = false
      this.#pump()
    }, this.#claimBackoff.next()).unref()
  }
}

module.exports = { Consumer }
