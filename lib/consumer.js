'use strict'
/**
 * The consumer of one open queue: the prefetch buffer (jobs claimed ahead, up to `batchSize` per
 * claim), delivery of one job at a time, acks, lease renewal, polling for jobs that other
 * processes add, and corrupt rows.
 *
 * Every result of the work queue is handled in the `then` hook of its operation, so results are
 * seen strictly in call order (a claim and the adds or deletes around it, in one batch or not).
 *
 * A delivery runs its handler inside an AsyncLocalStorage context, so a `done()` knows which
 * delivery it answers even when it comes late: a `done()` from the handler of a delivery whose job
 * went back to the queue (abort(), or a close() that did not wait for it) acks nothing.
 *
 * Prefetched jobs are held only while this consumer moves through them: they go back to the queue
 * when it stops or closes, when the job in hand takes longer than {@link HOLD_MS} (or a third of
 * the lease), and before delivery when their claim is older than half the lease. So no job waits
 * behind a busy or paused consumer while another is idle, and none is delivered after its lease
 * could have run out.
 * Must not touch: the native handle, open/close of the file, options parsing, the JSON format of
 * jobs (lib/job.js parses them).
 * @module
 */
const { AsyncLocalStorage } = require('node:async_hooks')
const { performance } = require('node:perf_hooks')
const { OP } = require('./native')
const { Backoff, POLICIES, sleep } = require('./backoff')
const { parseJob } = require('./job')
const { queueError, closed } = require('./errors')

/** Longest time prefetched jobs wait behind the job in hand before they go back, in ms. */
const HOLD_MS = 1000

/**
 * What the consumer reports to its queue object.
 * @typedef {object} Host
 * @property {(event: string, ...args: any[]) => void} emit emits an event of the public API; a
 *   listener's exception is reported, never thrown into the queue's machinery
 * @property {() => boolean} canDeliver whether anyone takes deliveries (a `next` listener)
 * @property {(task: {id: number, job: any}) => void} deliver hands a job over (emits `next`)
 * @property {(err: Error) => void} report a failure with no caller to reject
 * @property {(msg: string) => void} log a debug line
 */

/**
 * A claimed job on its way through this consumer.
 * @typedef {object} Delivery
 * @property {number} id
 * @property {any} job
 * @property {number} deliveredAt `performance.now()` when handed over (0: still prefetched)
 * @property {boolean} released its job went back to the queue: its done() acks nothing
 */

/** The delivery whose handler is running, for done(). @type {AsyncLocalStorage<Delivery>} */
const handlerContext = new AsyncLocalStorage()

/**
 * @returns {boolean} the caller runs in the handler of a delivery whose job went back to the
 *   queue (abort(), or a close() that released it): its done() must ack nothing
 */
function calledFromReleasedDelivery() {
  return handlerContext.getStore()?.released === true
}

class Consumer {
  /** @type {import('./work-queue').WorkQueue} */
  #work
  /** @type {Host} */
  #host
  #batchSize
  #visibilityTimeout
  /** Called when the queue runs empty (the connection gives space back). */
  #onEmpty
  /** Between start() and stop(). */
  #started = false
  /** Jobs claimed ahead and not delivered yet, in order. @type {Delivery[]} */
  #prefetched = []
  /** `performance.now()` until which the prefetched jobs may be delivered (half their lease). */
  #prefetchedUntil = 0
  /** The job handed over and not yet done() or abort()ed. @type {Delivery | null} */
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
  /** close() has begun: no delivery, claim or poll starts; renewal goes on for the job in hand. */
  #halted = false
  /** The connection is closed: late callbacks do nothing. */
  #closed = false
  #claimBackoff = new Backoff(POLICIES.claim)
  /** @type {NodeJS.Timeout[]} */
  #timers = []
  /** Sends the prefetched jobs back when the job in hand takes long. @type {NodeJS.Timeout | null} */
  #holdTimer = null
  /** Callers of settled(), waiting for the job in hand. @type {Array<() => void>} */
  #settledWaiters = []
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

  /** Stops delivering after the job in hand; the prefetched jobs go back to the queue. */
  stop() {
    this.#started = false
    this.#releasePrefetched()
  }

  /** The job in hand goes back to the queue (delivered again after start()); its done() acks nothing. */
  abort() {
    const task = this.#inHand
    if (task === null) return
    this.#inHand = null
    this.#clearHold()
    task.released = true
    this.#work.push(OP.RELEASE, task.id).catch((err) => this.#host.report(err))
    this.#notifySettled()
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
    this.#clearHold()
    this.#acking = true
    const acked = this.#ack(task.id)
    if (this.#prefetched.length === 0 && this.#started && !this.#claiming && this.#host.canDeliver()) this.#claim()
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

  /** Someone started taking deliveries (a `next` listener was added): deliver if started. */
  listenerAdded() {
    this.#pump()
  }

  /**
   * close() begins: no more deliveries, claims or polls; the prefetched jobs go back at once;
   * the job in hand keeps its lease until the connection closes.
   * @returns {() => void} undoes it, for a close() that failed (the queue stays open)
   */
  halt() {
    const wasStarted = this.#started
    this.#started = false
    this.#halted = true
    this.#releasePrefetched()
    return () => {
      this.#halted = false
      this.#started = wasStarted
      this.#pump()
    }
  }

  /**
   * @param {number} timeoutMs longest wait, in ms
   * @returns {Promise<boolean>} resolves true once no job is in hand and no ack is committing, or
   *   false after `timeoutMs`
   */
  settled(timeoutMs) {
    if (this.#inHand === null && !this.#acking) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#settledWaiters = this.#settledWaiters.filter((w) => w !== settle)
        resolve(false)
      }, timeoutMs)
      const settle = () => {
        clearTimeout(timer)
        resolve(true)
      }
      this.#settledWaiters.push(settle)
    })
  }

  /**
   * The connection closed (its claims went back to the queue): the job in hand, if any, was
   * released, so its done() acks nothing; every late callback does nothing.
   */
  closed() {
    this.#closed = true
    if (this.#inHand) this.#inHand.released = true
    this.#inHand = null
    this.#clearHold()
    for (const timer of this.#timers) clearInterval(timer)
    this.#timers = []
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
    this.#notifySettled()
    this.#pump()
  }

  #notifySettled() {
    if (this.#inHand !== null || this.#acking) return
    const waiters = this.#settledWaiters
    this.#settledWaiters = []
    for (const w of waiters) w()
  }

  /** Sends every prefetched job back to the queue, at its place (one transaction). */
  #releasePrefetched() {
    const jobs = this.#prefetched
    if (jobs.length === 0) return
    this.#prefetched = []
    for (const task of jobs) this.#work.push(OP.RELEASE, task.id).catch((err) => this.#host.report(err))
    // A claim or a poll can find them again.
    this.#empty = false
  }

  #clearHold() {
    if (this.#holdTimer) clearTimeout(this.#holdTimer)
    this.#holdTimer = null
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

  #renew() {
    if (this.#prefetched.length === 0 && this.#inHand === null && this.#heldCorrupt === 0) return
    const issued = performance.now()
    this.#work
      .push(OP.RENEW, undefined, undefined, () => {
        this.#prefetchedUntil = Math.max(this.#prefetchedUntil, issued + this.#visibilityTimeout / 2)
      })
      .catch((err) => this.#host.report(err))
  }

  /**
   * Reads `PRAGMA data_version` (no lock), which notices commits by other processes, then claims
   * if something changed.
   */
  #poll() {
    if (this.#halted || !this.#started || !this.#empty || this.#claiming || this.#polling) return
    if (!this.#host.canDeliver()) return
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

  /** Delivers the next job if the queue is started, someone listens and nothing is in hand. */
  #pump() {
    if (!this.#started || this.#halted || this.#inHand || this.#acking || this.#claiming) return
    if (this.#deliveryScheduled || !this.#host.canDeliver()) return
    if (this.#prefetched.length > 0 && performance.now() > this.#prefetchedUntil) {
      // Their leases may be about to run out (the event loop was blocked, or acks waited out
      // a lock): hand them back rather than risk delivering a job someone else took.
      this.#releasePrefetched()
    }
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
    if (this.#halted || !this.#started || this.#inHand || this.#acking) return
    if (this.#prefetched.length === 0 || !this.#host.canDeliver()) return
    const task = /** @type {Delivery} */ (this.#prefetched.shift())
    task.deliveredAt = performance.now()
    this.#inHand = task
    if (this.#prefetched.length > 0) {
      const hold = Math.min(HOLD_MS, this.#visibilityTimeout / 3)
      this.#holdTimer = setTimeout(() => {
        this.#holdTimer = null
        if (!this.#closed) this.#releasePrefetched()
      }, hold)
      this.#holdTimer.unref()
    }
    this.#host.log(`next ${task.id}`)
    handlerContext.run(task, () => this.#host.deliver({ id: task.id, job: task.job }))
  }

  /**
   * Claims the next jobs. `quiet`: a claim after a poll, which leaves the queue empty without a
   * second `empty` event when it finds nothing.
   */
  #claim(quiet = false) {
    this.#claiming = true
    const issued = performance.now()
    this.#work
      .push(OP.CLAIM, this.#batchSize, undefined, (jobs) => this.#claimed(jobs, quiet, issued))
      .catch((err) => this.#claimFailed(err))
  }

  /**
   * @param {Array<{id: number, text: string}>} jobs
   * @param {boolean} quiet
   * @param {number} issued `performance.now()` when the claim was issued
   */
  #claimed(jobs, quiet, issued) {
    if (this.#closed) return
    this.#claiming = false
    this.#claimBackoff.reset()
    if (this.#halted) {
      // close() began meanwhile: these go back with the connection's other claims.
      return
    }
    for (const { id, text } of jobs) {
      const task = parseJob(id, text)
      if (task instanceof Error) {
        // Left in place, claimed by this object (its lease renewed) until close().
        this.#heldCorrupt++
        this.#host.report(task)
      } else this.#prefetched.push({ id, job: task.job, deliveredAt: 0, released: false })
    }
    this.#prefetchedUntil = issued + this.#visibilityTimeout / 2
    if (jobs.length > 0) this.#empty = false
    else if (!this.#empty && this.#prefetched.length === 0) {
      this.#empty = true
      if (!quiet) {
        this.#host.emit('empty')
        this.#onEmpty()
      }
    }
    if (!this.#started) this.#releasePrefetched()
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

module.exports = { Consumer, calledFromReleasedDelivery }
