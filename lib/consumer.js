'use strict'
/**
 * The consumer of one open queue: claims (a prefetch buffer of jobs claimed ahead), delivery to
 * one sink at a time (the compat `next` events, a process() worker or a for-await loop), the
 * settling of each delivery (ack, retry, dead letter, release) with group commit, lease renewal,
 * polling for jobs that other processes add, a timer for the next delayed job, and corrupt rows.
 *
 * Every result of the work queue is handled in the `then` hook of its operation, so results are
 * seen strictly in call order (a claim and the adds or deletes around it, in one batch or not).
 *
 * A delivery runs its handler inside an AsyncLocalStorage context, so a compat `done()` knows
 * which delivery it answers even when it comes late: a `done()` from the handler of a delivery
 * whose job went back to the queue (abort(), or a close() that did not wait for it) acks nothing.
 *
 * Prefetched jobs are held only while this consumer moves through them: they go back to the queue
 * when the sink stops or the queue closes, when {@link HOLD_MS} (or a third of the lease) pass
 * without a delivery, and before delivery when their claim is older than half the lease. So no job
 * waits behind a busy or paused consumer while another is idle, and none is delivered after its
 * lease could have run out.
 * Must not touch: the native handle, open/close of the file, options parsing, the JSON format of
 * jobs (lib/job.js parses them), what a sink does with a delivery.
 * @module
 */
const { AsyncLocalStorage } = require('node:async_hooks')
const { performance } = require('node:perf_hooks')
const { OP } = require('./native')
const { Backoff, POLICIES } = require('./backoff')
const { parseJob, errorFields } = require('./job')
const { queueError, closed } = require('./errors')

/** Longest time prefetched jobs wait without a delivery before they go back, in ms. */
const HOLD_MS = 1000

/** Largest timer delay Node accepts, in ms. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * What the consumer reports to its queue object.
 * @typedef {object} Host
 * @property {(event: string, ...args: any[]) => void} emit emits an event of the public API; a
 *   listener's exception is reported, never thrown into the queue's machinery
 * @property {(err: Error) => void} report a failure with no caller to reject
 * @property {import('./logger').Log} log structured log lines
 */

/**
 * Who takes the deliveries: the compat `next` events, a process() worker or a for-await loop.
 * @typedef {object} Sink
 * @property {() => number} wants how many more deliveries it takes now
 * @property {(delivery: Delivery) => void} deliver hands one over (called in its handler context)
 * @property {boolean} paced the original's pace: one delivery per check phase, the next only after
 *   the previous settle committed, the next claim in the transaction of the ack that emptied the
 *   prefetch buffer
 * @property {number} claimSize jobs per claim
 * @property {number} ahead jobs to keep prefetched beyond what it wants now
 * @property {number | undefined} maxAttempts deliveries allowed to jobs without their own limit
 * @property {boolean} keepAlive while attached, the queue keeps the process alive
 * @property {(delivery: Delivery) => void} [abandon] close() stops waiting for this delivery
 */

/**
 * A claimed job on its way through this consumer.
 * @typedef {object} Delivery
 * @property {number} id
 * @property {any} job
 * @property {number} attempts deliveries so far, this one included
 * @property {number} maxAttempts deliveries allowed; -1: unlimited
 * @property {number} deliveredAt `performance.now()` when handed over (0: still prefetched)
 * @property {boolean} released its job went back to the queue: its done() acks nothing
 * @property {boolean} settled an ack, retry, dead letter or release was issued for it
 * @property {boolean} abandoned close() stopped waiting for it (a worker aborted its signal): a
 *   failure that follows is the abort's doing, and gives the job back uncounted
 */

/** The delivery whose handler is running, for done(). @type {AsyncLocalStorage<Delivery>} */
const handlerContext = new AsyncLocalStorage()

/**
 * @returns {Delivery | undefined} the delivery whose handler the caller runs in (its `next`
 *   listener and everything that listener started), if any
 */
function callerDelivery() {
  return handlerContext.getStore()
}

class Consumer {
  /** @type {import('./work-queue').WorkQueue} */
  #work
  /** @type {Host} */
  #host
  #visibilityTimeout
  #pollInterval
  /** Called when the queue runs empty (the connection gives space back). */
  #onEmpty
  /** Who takes the deliveries; null while stopped. @type {Sink | null} */
  #sink = null
  /** Jobs claimed ahead and not delivered yet, in claim order. @type {Delivery[]} */
  #prefetched = []
  /** `performance.now()` until which the prefetched jobs may be delivered (half their lease). */
  #prefetchedUntil = 0
  /** Delivered and not yet settled. @type {Set<Delivery>} */
  #inHand = new Set()
  /** Settles issued and not yet committed: a paced sink's next delivery waits for them. */
  #settling = 0
  #claiming = false
  /** A paced sink's next prefetched job is being checked: still ours, not deleted elsewhere? */
  #verifying = false
  #polling = false
  #deliveryScheduled = false
  /** No job is waiting, as last seen by this object. */
  #empty
  /** close() has begun: no delivery, claim or poll starts; renewal goes on for the jobs in hand. */
  #halted = false
  /** The connection is closed: late callbacks do nothing. */
  #closed = false
  #claimBackoff = new Backoff(POLICIES.claim)
  /**
   * Jobs per claim now (0: the sink's claim size): halved after each claim refused with
   * SQLITE_FULL, doubled after each that fits.
   */
  #claimLimit = 0
  /** An unpaced sink's claim is queued as a microtask, to claim for every slot freed meanwhile. */
  #claimQueued = false
  /** Claimed-ahead jobs being handed back, not yet committed. */
  #unclaiming = 0
  /** @type {NodeJS.Timeout[]} */
  #timers = []
  /** Sends the prefetched jobs back when no delivery happens for a while. @type {NodeJS.Timeout | null} */
  #holdTimer = null
  /** Wakes the consumer when the next delayed job is due. @type {NodeJS.Timeout | null} */
  #dueTimer = null
  #dueAt = 0
  /** Callers of settled(), waiting for the jobs in hand. @type {Array<() => void>} */
  #settledWaiters = []
  /** Settles sleeping between attempts; close() wakes them to try again now. @type {Set<() => void>} */
  #settleSleepers = new Set()
  /** Resolved once no settle is committing. @type {Array<() => void>} */
  #settlingWaiters = []

  /**
   * @param {import('./work-queue').WorkQueue} work the connection's work queue
   * @param {object} options
   * @param {number} options.visibilityTimeout lease in ms; renewed every third of it
   * @param {number} options.pollInterval ms between polls while empty
   * @param {boolean} options.ready whether a job was waiting at open
   * @param {Host} host
   * @param {() => void} onEmpty
   */
  constructor(work, { visibilityTimeout, pollInterval, ready }, host, onEmpty) {
    this.#work = work
    this.#host = host
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

  /** @returns {Sink | null} who takes the deliveries now */
  get sink() {
    return this.#sink
  }

  /** @returns {Delivery | null} the one delivery in hand of a sink that takes one at a time */
  current() {
    for (const delivery of this.#inHand) return delivery
    return null
  }

  /**
   * Starts delivering to `sink`.
   * @param {Sink} sink
   */
  attach(sink) {
    this.#sink = sink
    if (sink.keepAlive) for (const timer of this.#timers) timer.ref()
    this.#pump()
  }

  /** Stops delivering; the prefetched jobs go back to the queue. The jobs in hand stay in hand. */
  detach() {
    const sink = this.#sink
    this.#sink = null
    if (sink?.keepAlive) for (const timer of this.#timers) timer.unref()
    this.#releasePrefetched()
  }

  /** The sink can take more now (a slot freed, a listener was added, a loop pulls): deliver. */
  wake() {
    this.#pump()
  }

  /**
   * Acks a delivery: deletes its job. For a paced sink, when this empties the prefetch buffer,
   * the next claim shares its transaction.
   * @param {Delivery} delivery
   * @returns {Promise<boolean>} resolves once committed (false: the job was no longer ours);
   *   rejects `ERR_QUEUE_CLOSED` if the queue closed first
   */
  ack(delivery) {
    // Its job went back to the queue (close() after its timeout): a late outcome settles nothing.
    if (delivery.released) return Promise.resolve(false)
    this.#host.log.debug('ack', { id: delivery.id }, 'job acknowledged')
    const acked = this.#settle(delivery, OP.ACK, delivery.id)
    const sink = this.#sink
    if (sink?.paced && !this.#halted) {
      if (this.#prefetched.length === 0) {
        if (!this.#claiming && sink.wants() > 0) this.#claim()
      } else this.#verifyNext()
    }
    return acked
  }

  /**
   * A failed attempt with attempts left: the job waits `delayMs`, then is delivered again.
   * @param {Delivery} delivery
   * @param {number} delayMs
   * @param {unknown} error the attempt's error, stored with the job
   * @returns {Promise<boolean>}
   */
  retry(delivery, delayMs, error) {
    // Its job went back to the queue (close() after its timeout): a late outcome settles nothing.
    if (delivery.released) return Promise.resolve(false)
    if (delivery.abandoned) return this.release(delivery, false).then(() => false)
    const { name, message, code, stack } = errorFields(error)
    return this.#settle(delivery, OP.RETRY, [delivery.id, delayMs], [name, message, code, stack]).then((retried) => {
      // Back in the queue: a claim that found it empty meanwhile must not be the last word.
      if (retried) this.#requeued(Date.now() + delayMs)
      return retried
    })
  }

  /**
   * A failed attempt with none left: the job becomes a dead letter, `error` stored with it.
   * @param {Delivery} delivery
   * @param {unknown} error
   * @returns {Promise<boolean>}
   */
  fail(delivery, error) {
    // Its job went back to the queue (close() after its timeout): a late outcome settles nothing.
    if (delivery.released) return Promise.resolve(false)
    if (delivery.abandoned) return this.release(delivery, false).then(() => false)
    const { name, message, code, stack } = errorFields(error)
    return this.#settle(delivery, OP.FAIL, delivery.id, [name, message, code, stack])
  }

  /**
   * Gives a delivery's job back to the queue, at its place; its handler's done() acks nothing.
   * @param {Delivery} delivery
   * @param {boolean} counted whether this delivery counts as an attempt (abort(): yes; a
   *   for-await loop's release or exit: no)
   * @returns {Promise<boolean>}
   */
  release(delivery, counted) {
    // Already back in the queue (close() gave it back): nothing to do.
    if (delivery.released) return Promise.resolve(false)
    delivery.released = true
    return this.#settle(delivery, counted ? OP.RELEASE : OP.UNCLAIM, delivery.id).then((released) => {
      if (released) this.#requeued(0)
      return released
    })
  }

  /**
   * An add of this object committed: wake the consumer if it ran empty, or arm the timer of a
   * delayed job.
   * @param {number} runAt wall-clock ms the job is due (0: now)
   */
  added(runAt) {
    this.#requeued(runAt)
  }

  /**
   * A job this object added, retried or released is in the queue now, due at `runAt` (wall ms, 0:
   * now): the consumer wakes, or the timer of the next due job is brought forward. Other
   * processes' changes are seen by polling.
   * @param {number} runAt
   */
  #requeued(runAt) {
    if (runAt > Date.now()) this.#armDue(this.#dueAt === 0 ? runAt : Math.min(this.#dueAt, runAt))
    else {
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

  /** Jobs may be waiting after all (dead letters were retried): look again. */
  rescan() {
    this.#empty = false
    this.#pump()
  }

  /**
   * close() begins: no more deliveries, claims or polls; the prefetched jobs go back at once;
   * the jobs in hand keep their leases until the connection closes.
   * @returns {() => void} undoes it, for a close() that failed (the queue stays open)
   */
  halt() {
    this.#halted = true
    this.#releasePrefetched()
    return () => {
      this.#halted = false
      // The close failed: the jobs in hand are theirs again, failures count as before.
      for (const delivery of this.#inHand) delivery.abandoned = false
      this.#pump()
    }
  }

  /**
   * @param {number} timeoutMs longest wait, in ms
   * @returns {Promise<boolean>} resolves true once no job is in hand and no settle is committing,
   *   or false after `timeoutMs`
   */
  settled(timeoutMs) {
    if (this.#inHand.size === 0 && this.#settling === 0) return Promise.resolve(true)
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
   * close() after its deadline: the settles already issued (acks above all) must commit before
   * the connection gives this object's claims back, or a finished job would run again. Those
   * waiting out a lock between attempts try again now.
   * @param {number} timeoutMs longest wait, in ms
   * @returns {Promise<boolean>} true once none is committing; false after `timeoutMs`
   */
  settlesCommitted(timeoutMs) {
    for (const wake of [...this.#settleSleepers]) wake()
    if (this.#settling === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        this.#settlingWaiters = this.#settlingWaiters.filter((w) => w !== done)
        resolve(false)
      }, timeoutMs)
      this.#settlingWaiters.push(done)
    })
  }

  /**
   * close() stops waiting: the sink is told, so a worker aborts its handlers' signals. A failure
   * reported after that (the handler rejecting with its aborted signal) gives the job back, its
   * attempt not counted; an ack still acks (the work was done); the rest go back when the
   * connection closes. If the close fails (`SQLITE_BUSY`), the jobs stay in hand as before.
   */
  abandon() {
    for (const delivery of this.#inHand) {
      delivery.abandoned = true
      this.#sink?.abandon?.(delivery)
    }
  }

  /**
   * The connection closed (its claims went back to the queue): the jobs in hand were released,
   * so their done() acks nothing; every late callback does nothing.
   */
  closed() {
    this.#closed = true
    for (const delivery of this.#inHand) delivery.released = true
    this.#inHand.clear()
    this.#clearTimer('hold')
    this.#clearTimer('due')
    for (const timer of this.#timers) clearInterval(timer)
    this.#timers = []
    this.#sink = null
  }

  /**
   * Issues a settle of `delivery` and retries it with backoff until it commits or the queue
   * closes. The delivery leaves the hand at once (its slot frees); a paced sink's next delivery
   * waits for the commit.
   * @param {Delivery} delivery
   * @param {number} kind
   * @param {number | number[]} nums
   * @param {string[]} [texts]
   * @returns {Promise<boolean>}
   */
  async #settle(delivery, kind, nums, texts) {
    if (delivery.settled) return false
    delivery.settled = true
    this.#inHand.delete(delivery)
    this.#settling++
    const backoff = new Backoff(POLICIES.ack)
    try {
      for (;;) {
        if (this.#closed) throw closed()
        try {
          return await this.#work.push(kind, nums, texts, (done) => {
            this.#settling--
            this.#notifySettled()
            this.#pump()
            return done
          })
        } catch (err) {
          if (this.#closed || /** @type {{code?: string}} */ (err).code === 'ERR_QUEUE_CLOSED') throw closed()
          this.#host.report(/** @type {Error} */ (err))
          const delayMs = Math.round(backoff.next())
          this.#host.log.warn(
            'settle-retry',
            { id: delivery.id, code: /** @type {{code?: string}} */ (err).code, delayMs },
            'settling a job failed; retrying',
          )
          await new Promise((resolve) => {
            const wake = () => {
              clearTimeout(timer)
              this.#settleSleepers.delete(wake)
              resolve(undefined)
            }
            const timer = setTimeout(wake, delayMs)
            this.#settleSleepers.add(wake)
          })
        }
      }
    } catch (err) {
      this.#settling--
      this.#notifySettled()
      throw err
    }
  }

  #notifySettled() {
    if (this.#settling === 0) for (const w of this.#settlingWaiters.splice(0)) w()
    if (this.#inHand.size > 0 || this.#settling > 0) return
    const waiters = this.#settledWaiters
    this.#settledWaiters = []
    for (const w of waiters) w()
  }

  /**
   * In the ack's transaction, checks that the next prefetched job is still ours: another process
   * may have deleted it (or taken it) since it was claimed. A paced sink delivers it only then.
   */
  #verifyNext() {
    const next = this.#prefetched[0]
    this.#verifying = true
    const checked = () => {
      this.#verifying = false
      this.#pump()
    }
    this.#work
      .push(OP.OWNED, next.id, undefined, (owned) => {
        if (!owned && this.#prefetched[0] === next) {
          this.#prefetched.shift()
          this.#host.log.info('skip', { id: next.id }, 'claimed-ahead job deleted or taken since it was claimed: not delivered')
        }
        checked()
      })
      .catch(checked)
  }

  /** Sends every prefetched job back to the queue, at its place, its claim not counted. */
  #releasePrefetched() {
    const jobs = this.#prefetched
    if (jobs.length === 0) return
    this.#prefetched = []
    this.#clearTimer('hold')
    // A claim issued before these commits does not see them: until they have, the queue is not
    // empty, and once they have, the consumer claims them again if it wants jobs.
    this.#unclaiming += jobs.length
    for (const task of jobs) {
      this.#work
        .push(OP.UNCLAIM, task.id)
        .catch((err) => this.#host.report(err))
        .finally(() => {
          if (--this.#unclaiming === 0 && !this.#closed) this.#requeued(0)
        })
    }
    this.#empty = false
  }

  /** @param {'hold' | 'due'} which */
  #clearTimer(which) {
    const timer = which === 'hold' ? this.#holdTimer : this.#dueTimer
    if (timer) clearTimeout(timer)
    if (which === 'hold') this.#holdTimer = null
    else {
      this.#dueTimer = null
      this.#dueAt = 0
    }
  }

  /**
   * Wakes the consumer when the next delayed job is due.
   * @param {number} dueAt wall-clock ms (0: no delayed job)
   */
  #armDue(dueAt) {
    if (dueAt === this.#dueAt && this.#dueTimer) return
    this.#clearTimer('due')
    if (dueAt <= 0 || this.#closed) return
    this.#dueAt = dueAt
    this.#dueTimer = setTimeout(
      () => {
        this.#dueTimer = null
        this.#dueAt = 0
        this.#empty = false
        this.#pump()
      },
      Math.min(Math.max(0, dueAt - Date.now()), MAX_TIMER_MS),
    )
    if (!this.#sink?.keepAlive) this.#dueTimer.unref()
  }

  /**
   * Timers of an open queue, unref'd so that an idle queue never keeps the process alive (a
   * keep-alive sink refs them): lease renewal every visibilityTimeout/3 while this object holds
   * claimed jobs, and a poll every pollInterval ms while a sink waits and the queue is empty.
   */
  #startTimers() {
    const renew = setInterval(() => this.#renew(), Math.max(1, Math.floor(this.#visibilityTimeout / 3)))
    const poll = setInterval(() => this.#poll(), Math.max(1, this.#pollInterval))
    renew.unref()
    poll.unref()
    this.#timers = [renew, poll]
  }

  #renew() {
    const held = this.#prefetched.length + this.#inHand.size
    if (held === 0) return
    const issued = performance.now()
    this.#work
      .push(OP.RENEW, undefined, undefined, (renewed) => {
        if (renewed >= held) this.#prefetchedUntil = Math.max(this.#prefetchedUntil, issued + this.#visibilityTimeout / 2)
        // Some of them are no longer ours (the event loop was blocked past a lease, and another
        // consumer took them): hand the prefetched ones back rather than run one twice.
        else {
          this.#host.log.warn(
            'lease-lost',
            { held, renewed },
            'leases ran out while this process was blocked; claimed-ahead jobs handed back',
          )
          this.#releasePrefetched()
        }
      })
      .catch((err) => this.#host.report(err))
  }

  /**
   * Reads `PRAGMA data_version` (no lock), which notices commits by other processes, then claims
   * if something changed.
   */
  #poll() {
    if (this.#halted || !this.#sink) return
    // A sink that could not take deliveries may take them now (a listener added without our
    // newListener hook, say after removeAllListeners()).
    if (!this.#empty || this.#prefetched.length > 0) return this.#pump()
    if (this.#claiming || this.#polling) return
    if (this.#sink.wants() <= 0) return
    this.#polling = true
    this.#work
      .push(OP.POLL, undefined, undefined, (changed) => {
        this.#polling = false
        if (this.#closed) return
        if (changed && this.#sink && this.#empty && !this.#claiming) this.#claim(true)
      })
      .catch((err) => {
        this.#polling = false
        this.#host.report(err)
      })
  }

  /** Delivers what the sink wants from the prefetch buffer, and claims ahead. */
  #pump() {
    const sink = this.#sink
    if (!sink || this.#halted || this.#closed) return
    if (sink.paced && (this.#claiming || this.#verifying || this.#settling > 0 || this.#deliveryScheduled || this.#inHand.size > 0)) return
    const wants = sink.wants()
    if (wants <= 0) return
    if (this.#prefetched.length > 0 && performance.now() > this.#prefetchedUntil) {
      // Their leases may be about to run out (the event loop was blocked, or settles waited out
      // a lock): hand them back rather than risk delivering a job someone else took.
      this.#releasePrefetched()
    }
    if (this.#prefetched.length > 0 && !this.#deliveryScheduled) {
      this.#deliveryScheduled = true
      // As the original: deliveries in a check phase of their own, so I/O callbacks run between.
      setImmediate(() => this.#deliver())
    }
    if (this.#claiming || this.#empty) return
    if (sink.paced) {
      if (this.#prefetched.length < 1) this.#claim()
    } else if (!this.#claimQueued) {
      // Handlers that finish together free their slots over several microtasks: claim once they
      // all have, in one claim for every free slot, issued before the work queue's flush (also a
      // microtask, queued by their settles) so that it commits with their acks.
      this.#claimQueued = true
      queueMicrotask(() => {
        this.#claimQueued = false
        const s = this.#sink
        if (
          s &&
          !s.paced &&
          !this.#claiming &&
          !this.#empty &&
          !this.#halted &&
          !this.#closed &&
          this.#prefetched.length < s.wants() + s.ahead
        ) {
          this.#claim()
        }
      })
    }
  }

  #deliver() {
    this.#deliveryScheduled = false
    const sink = this.#sink
    if (this.#closed || this.#halted || !sink) return
    if (sink.paced && (this.#settling > 0 || this.#inHand.size > 0)) return
    const n = Math.min(sink.wants(), sink.paced ? 1 : Infinity, this.#prefetched.length)
    if (n <= 0) return
    this.#clearTimer('hold')
    const now = performance.now()
    for (let i = 0; i < n; i++) {
      const delivery = /** @type {Delivery} */ (this.#prefetched.shift())
      delivery.deliveredAt = now
      this.#inHand.add(delivery)
      this.#host.log.debug('deliver', { id: delivery.id, attempts: delivery.attempts }, 'job delivered')
      handlerContext.run(delivery, () => sink.deliver(delivery))
    }
    if (this.#prefetched.length > 0) {
      this.#holdTimer = setTimeout(
        () => {
          this.#holdTimer = null
          if (!this.#closed) this.#releasePrefetched()
        },
        Math.min(HOLD_MS, this.#visibilityTimeout / 3),
      )
      this.#holdTimer.unref()
    }
    if (!sink.paced) this.#pump()
  }

  /**
   * Claims the next jobs. `quiet`: a claim after a poll, which leaves the queue empty without a
   * second `empty` event when it finds nothing.
   */
  #claim(quiet = false) {
    const sink = /** @type {Sink} */ (this.#sink)
    this.#claiming = true
    const issued = performance.now()
    let limit = this.#claimLimit > 0 ? Math.min(this.#claimLimit, sink.claimSize) : sink.claimSize
    // An unpaced sink claims what it takes now (and its `ahead`), no more.
    if (!sink.paced) limit = Math.max(1, Math.min(limit, sink.wants() + sink.ahead - this.#prefetched.length))
    this.#work
      .push(OP.CLAIM, [limit, sink.maxAttempts ?? 0], undefined, (claimed) => this.#claimed(claimed, quiet, issued))
      .catch((err) => this.#claimFailed(err))
  }

  /**
   * @param {{jobs: Array<{id: number, attempts: number, maxAttempts: number, dead: boolean, text: string}>, nextDue: number, expired: number}} claimed
   * @param {boolean} quiet
   * @param {number} issued `performance.now()` when the claim was issued
   */
  #claimed({ jobs, nextDue, expired }, quiet, issued) {
    if (this.#closed) return
    this.#claiming = false
    this.#claimBackoff.reset()
    // Back towards the sink's claim size, doubling per claim that fits.
    if (this.#claimLimit > 0) this.#claimLimit = this.#claimLimit * 2 >= (this.#sink?.claimSize ?? 0) ? 0 : this.#claimLimit * 2
    this.#armDue(nextDue)
    if (expired > 0)
      this.#host.log.info('lease-expired', { jobs: expired }, 'jobs whose holder stopped renewing their lease went back to the queue')
    if (jobs.length > 0) this.#host.log.debug('claim', { jobs: jobs.length }, 'jobs claimed')
    // close() began meanwhile: these go back with the connection's other claims.
    if (this.#halted) return
    for (const { id, attempts, maxAttempts, dead, text } of jobs) {
      const parsed = parseJob(id, text)
      if (dead) {
        const job = parsed instanceof Error ? undefined : parsed.job
        const error = queueError(
          Error,
          'ERR_TOO_MANY_ATTEMPTS',
          `Job ${id} was delivered ${attempts - 1} times without being acknowledged (maxAttempts ${maxAttempts}); it was moved to failed`,
          { jobId: id },
        )
        this.#host.log.warn('dead-letter', { id, attempts: attempts - 1, code: error.code }, error.message)
        this.#host.emit('failed', { id, job, attempts: attempts - 1 }, error)
      } else if (parsed instanceof Error) {
        // A dead letter at once: it can never be delivered.
        this.#host.report(parsed)
        this.#host.log.warn('dead-letter', { id, attempts, code: 'ERR_CORRUPT_JOB' }, parsed.message)
        const { name, message, code, stack } = errorFields(parsed)
        this.#work.push(OP.FAIL, id, [name, message, code, stack]).catch((err) => this.#host.report(err))
      } else
        this.#prefetched.push({
          id,
          job: parsed.job,
          attempts,
          maxAttempts,
          deliveredAt: 0,
          released: false,
          settled: false,
          abandoned: false,
        })
    }
    this.#prefetchedUntil = issued + this.#visibilityTimeout / 2
    if (jobs.length > 0) this.#empty = false
    else if (!this.#empty && this.#prefetched.length === 0 && this.#unclaiming === 0) {
      this.#empty = true
      // This claim may have committed with the acks of the jobs that just finished, whose
      // `completed` events come a few microtasks later: `empty` follows them, if still empty.
      if (!quiet && this.#sink && !this.#sink.paced) {
        setImmediate(() => {
          if (this.#empty && !this.#closed && !this.#halted) this.#emptied()
        })
      } else if (!quiet) this.#emptied()
    }
    if (!this.#sink) this.#releasePrefetched()
    this.#pump()
  }

  /** The queue ran out of jobs ready to run: `empty`, then giving space back. */
  #emptied() {
    this.#host.emit('empty')
    this.#onEmpty()
  }

  /**
   * Tries again later (disk full, lock held past busyTimeout); unref'd: an idle queue never keeps
   * the process alive.
   * @param {Error} err
   */
  #claimFailed(err) {
    if (this.#closed) return
    // A claim writes its owner into every row it takes: on a file at its size limit a smaller one
    // may fit where a large one does not. Halving is tried at once and is not reported; a claim
    // of one job that does not fit is.
    if (/** @type {{code?: string}} */ (err).code === 'SQLITE_FULL') {
      const limit = this.#claimLimit > 0 ? this.#claimLimit : (this.#sink?.claimSize ?? 1)
      if (limit > 1) {
        this.#claimLimit = Math.floor(limit / 2)
        this.#host.log.info(
          'claim-halved',
          { limit: this.#claimLimit },
          'a claim did not fit in maxFileSize or the disk; claiming fewer jobs',
        )
        this.#claiming = false
        this.#pump()
        return
      }
    }
    this.#host.report(err)
    const delayMs = Math.round(this.#claimBackoff.next())
    this.#host.log.warn('claim-retry', { code: /** @type {{code?: string}} */ (err).code, delayMs }, 'a claim failed; retrying')
    setTimeout(() => {
      if (this.#closed) return
      this.#claiming = false
      this.#pump()
    }, delayMs).unref()
  }
}

module.exports = { Consumer, callerDelivery }
