'use strict'
/**
 * The promise worker (process(handler, { concurrency })) and the for-await iterator, each a sink
 * of the consumer. A worker runs up to `concurrency` handlers, in queue order, and settles each job
 * by its outcome: resolved → ack (`completed`), thrown with attempts left → retry after the
 * backoff (`retrying`), thrown at the limit → dead letter (`failed`). Events follow the commit of
 * their settle; settles of jobs that finish together share one transaction (the work queue's
 * group commit). An iterator yields one task per `next()`, which the loop settles itself.
 * Must not touch: claims, leases and the prefetch buffer (lib/consumer.js), SQL, options parsing.
 * @module
 */
const { retryDelay } = require('./backoff')
const { queueError } = require('./errors')
const { errorFields } = require('./job')

/**
 * @typedef {import('./consumer').Delivery} Delivery
 * @typedef {import('./consumer').Consumer} Consumer
 * @typedef {import('./consumer').Host} Host
 * @typedef {{maxAttempts: number | undefined, backoff: import('./options').Backoff, jobTimeout: number | undefined}} Policy
 */

/**
 * Settles a failed attempt: a retry after the backoff while attempts are left (event `retrying`
 * with the delay), else a dead letter (event `failed`). Events follow the commit.
 * @param {Consumer} consumer
 * @param {Host} host
 * @param {Policy} policy
 * @param {Delivery} delivery
 * @param {object} task what the events carry
 * @param {unknown} error the attempt's error
 * @returns {Promise<void>}
 */
async function settleFailure(consumer, host, policy, delivery, task, error) {
  const { attempts, maxAttempts } = delivery
  const code = errorFields(error).code || undefined
  if (maxAttempts === -1 || attempts < maxAttempts) {
    const delay = retryDelay(policy.backoff, attempts)
    if (await consumer.retry(delivery, delay, error)) {
      host.log.info('retry', { id: delivery.id, attempts, delayMs: delay, code }, 'a failed job will run again after its backoff')
      host.emit('retrying', task, error, delay)
    }
  } else if (await consumer.fail(delivery, error)) {
    host.log.warn('dead-letter', { id: delivery.id, attempts, code }, 'a job ran out of attempts and became a dead letter')
    host.emit('failed', task, error)
  }
}

/** process(): runs handlers, up to `concurrency` at once. */
class Worker {
  #consumer
  #host
  #handler
  #policy
  #concurrency
  #running = 0
  /** Aborts each running handler's signal. @type {WeakMap<Delivery, {abort: (reason?: unknown) => void}>} */
  #controllers = new WeakMap()
  /** @type {import('./consumer').Sink} */
  sink

  /**
   * @param {Consumer} consumer
   * @param {(job: any, task: {id: number, job: any, attempts: number, signal: AbortSignal}) => unknown} handler
   * @param {{concurrency: number}} options
   * @param {Policy} policy
   * @param {Host} host
   */
  constructor(consumer, handler, { concurrency }, policy, host) {
    this.#consumer = consumer
    this.#handler = handler
    this.#concurrency = concurrency
    this.#policy = policy
    this.#host = host
    this.sink = {
      wants: () => this.#concurrency - this.#running,
      deliver: (delivery) => this.#run(delivery),
      paced: false,
      // Claims only what starts at once: a claim counts an attempt, so a job claimed ahead and
      // never started would be counted if this process died (and would wait behind the jobs in
      // hand while a higher priority arrived).
      claimSize: concurrency,
      ahead: 0,
      maxAttempts: policy.maxAttempts ?? 1,
      keepAlive: true,
      abandon: (delivery) => {
        const reason = queueError(
          Error,
          'ERR_QUEUE_CLOSED',
          `The queue closed before job ${delivery.id} finished; it went back to the queue`,
        )
        this.#controllers.get(delivery)?.abort(reason)
      },
    }
  }

  /**
   * Runs the handler of one job, in its own AbortSignal; settles the job by the outcome.
   * @param {Delivery} delivery
   */
  #run(delivery) {
    this.#running++
    /** @type {AbortController | undefined} made when first needed: most handlers never look */
    let controller
    const control = () => {
      if (!controller) {
        controller = new AbortController()
        // Still running (a signal read after the handler settled is nobody's to abort).
        if (this.#controllers.has(delivery)) this.#controllers.set(delivery, controller)
      }
      return controller
    }
    this.#controllers.set(delivery, { abort: (reason) => control().abort(reason) })
    const task = {
      id: delivery.id,
      job: delivery.job,
      attempts: delivery.attempts,
      /** @returns {AbortSignal} aborted on jobTimeout or when close() stops waiting */
      get signal() {
        return control().signal
      },
    }
    let decided = false
    /** @type {NodeJS.Timeout | undefined} */
    let timer
    const decide = (/** @type {() => Promise<void>} */ settle) => {
      if (decided || delivery.released) return
      decided = true
      settle().catch((err) => {
        // The queue closed first: the job went back to the queue and runs again.
        if (err?.code !== 'ERR_QUEUE_CLOSED') this.#host.report(err)
      })
    }
    const failure = (/** @type {unknown} */ error) =>
      decide(() => settleFailure(this.#consumer, this.#host, this.#policy, delivery, task, error))
    let freed = false
    // The slot frees when the handler settles, or at its jobTimeout: a handler that ignores its
    // signal no longer holds up the jobs behind it.
    const free = () => {
      if (freed) return
      freed = true
      clearTimeout(timer)
      this.#controllers.delete(delivery)
      this.#running--
      this.#consumer.wake()
    }
    if (this.#policy.jobTimeout !== undefined) {
      timer = setTimeout(() => {
        const error = queueError(Error, 'ERR_JOB_TIMEOUT', `Job ${delivery.id} ran longer than jobTimeout (${this.#policy.jobTimeout} ms)`)
        control().abort(error)
        failure(error)
        free()
      }, this.#policy.jobTimeout)
    }
    let outcome
    try {
      outcome = Promise.resolve(this.#handler(delivery.job, task))
    } catch (err) {
      outcome = Promise.reject(err)
    }
    // The slot frees before the settle is issued: handlers that finish together free theirs in
    // one run of microtasks, and the claim for them commits in one batch with their settles.
    outcome
      .then(
        (result) => {
          free()
          decide(async () => {
            if (await this.#consumer.ack(delivery)) this.#host.emit('completed', task, result)
          })
        },
        (error) => {
          free()
          failure(error)
        },
      )
      .finally(free)
  }
}

/**
 * A task of a for-await loop.
 * @typedef {object} IteratedTask
 * @property {number} id
 * @property {any} job
 * @property {number} attempts deliveries so far, this one included
 * @property {() => Promise<void>} done acks it
 * @property {(error?: unknown) => Promise<void>} fail fails this attempt: retried after the backoff
 *   while attempts are left, else a dead letter
 * @property {() => Promise<void>} release gives it back to the queue, its attempt not counted
 */

/** `for await (const task of queue)`: one task per `next()`, settled by the loop. */
class TaskIterator {
  #consumer
  #host
  #policy
  /** Pending `next()` calls. @type {Array<(result: IteratorResult<IteratedTask, undefined>) => void>} */
  #waiting = []
  /** Tasks yielded and not yet settled. @type {Set<Delivery>} */
  #unsettled = new Set()
  #finished = false
  /** @type {import('./consumer').Sink} */
  sink

  /**
   * @param {Consumer} consumer
   * @param {{batchSize: number}} options
   * @param {Policy} policy
   * @param {Host} host
   * @param {Promise<void>} whenClosed resolves when the queue closes: the loop ends
   */
  constructor(consumer, { batchSize }, policy, host, whenClosed) {
    this.#consumer = consumer
    this.#policy = policy
    this.#host = host
    this.sink = {
      wants: () => this.#waiting.length,
      deliver: (delivery) => this.#yield(delivery),
      paced: false,
      claimSize: batchSize,
      ahead: 0,
      maxAttempts: policy.maxAttempts ?? 1,
      keepAlive: true,
    }
    whenClosed.then(() => this.#finish())
  }

  /** @returns {Promise<IteratorResult<IteratedTask, undefined>>} the next task; done once the queue closes */
  next() {
    if (this.#finished) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve) => {
      this.#waiting.push(resolve)
      this.#consumer.wake()
    })
  }

  /**
   * The loop exited (break, return, throw): the tasks it did not settle go back to the head of the
   * queue, their attempts not counted, and no more are claimed.
   * @returns {Promise<IteratorResult<IteratedTask, undefined>>}
   */
  async return() {
    const unsettled = [...this.#unsettled]
    this.#finish()
    await Promise.all(unsettled.map((delivery) => this.#consumer.release(delivery, false).catch(() => false)))
    return { value: undefined, done: true }
  }

  /** @returns {AsyncIterator<IteratedTask, undefined>} itself */
  [Symbol.asyncIterator]() {
    return this
  }

  #finish() {
    if (this.#finished) return
    this.#finished = true
    if (this.#consumer.sink === this.sink) this.#consumer.detach()
    for (const resolve of this.#waiting.splice(0)) resolve({ value: undefined, done: true })
  }

  /** @param {Delivery} delivery */
  #yield(delivery) {
    const resolve = this.#waiting.shift()
    if (!resolve) return
    this.#unsettled.add(delivery)
    const settled = (/** @type {() => Promise<unknown>} */ settle) => {
      if (!this.#unsettled.delete(delivery)) {
        return Promise.reject(queueError(Error, 'ERR_NO_CURRENT_JOB', `Task ${delivery.id} was already settled (done, fail or release)`))
      }
      return settle().then(() => undefined)
    }
    /** @type {IteratedTask} */
    const task = {
      id: delivery.id,
      job: delivery.job,
      attempts: delivery.attempts,
      done: () => settled(() => this.#consumer.ack(delivery)),
      fail: (error = queueError(Error, 'ERR_TASK_FAILED', `Task ${delivery.id} failed`)) =>
        settled(() =>
          settleFailure(this.#consumer, this.#host, this.#policy, delivery, { id: task.id, job: task.job, attempts: task.attempts }, error),
        ),
      release: () => settled(() => this.#consumer.release(delivery, false)),
    }
    resolve({ value: task, done: false })
  }
}

module.exports = { Worker, TaskIterator }
