'use strict'
/**
 * sqlite-persistent-queue: a durable job queue in one SQLite file, a drop-in replacement for
 * node-persistent-queue 1.0.x (same constructor, methods and events) whose storage runs in Rust
 * on the libuv thread pool, with a promise worker, retries, dead letters, delayed, prioritised
 * and de-duplicated jobs. This file is the public API: argument checks, the life cycle, events,
 * and delegation to `lib/`. Full reference: docs/api.md; types: index.d.ts.
 * @module sqlite-persistent-queue
 */
const { EventEmitter } = require('node:events')
const { OP } = require('./lib/native')
const { Connection } = require('./lib/connection')
const { callerDelivery } = require('./lib/consumer')
const { Worker, TaskIterator } = require('./lib/worker')
const { failedJob, jobRow, STATES } = require('./lib/inspect')
const options = require('./lib/options')
const { Log } = require('./lib/logger')
const { jobToJson } = require('./lib/job')
const { queueError, notOpen, closed, checkId, describe } = require('./lib/errors')

/**
 * A persistent queue of JSON jobs. Events: `open`, `close`, `start`, `stop`, `next` (`{id, job}`),
 * `empty`, `add` (`{id, job}`), `delete` (`{id}`), `completed`, `retrying`, `failed`, and `error`
 * for failures that have no caller to reject (among them an exception thrown by a listener of any
 * event but `next`, whose listeners' exceptions are uncaught, as in the original); with no `error`
 * listener these become process warnings. An operation's promise says whether it committed,
 * whatever its event's listeners do.
 * @template T
 */
class PersistentQueue extends EventEmitter {
  #path
  #batchSize
  #settings
  /** Structured log lines (the `logger` option, or stdout after setDebug(true)). @type {Log} */
  #log
  /** `new` → `opening` → `open` → `closing` → `closed` (→ `opening` …). */
  #state = 'new'
  /** @type {Promise<void> | null} */
  #opening = null
  /** @type {Promise<void> | null} */
  #closing = null
  /** The open file, from `open()` to `close()`. @type {Connection | null} */
  #conn = null
  /** @type {number | null} */
  #length = null
  /** A close() has completed: until a reopen succeeds, operations fail with ERR_QUEUE_CLOSED. */
  #closedBefore = false
  /** The compat consumer: `next` events, one at a time, at the original's pace. @type {import('./lib/consumer').Sink} */
  #nextEvents
  /**
   * The delivery behind each `next` payload, so that `done(task)` answers that delivery wherever
   * it is called from. @type {WeakMap<object, import('./lib/consumer').Delivery>}
   */
  #payloads = new WeakMap()
  /**
   * Deliveries made as `next` events: done() and abort() answer only these (a process() worker
   * and a for-await loop settle their own). @type {WeakSet<import('./lib/consumer').Delivery>}
   */
  #nextDeliveries = new WeakSet()

  /**
   * @param {string} filename queue file, created if missing (`''`/`':memory:'`: in memory); checked
   *   by open(), as the original does
   * @param {number | object} [batchSize=10] jobs claimed per transaction, or the options
   * @param {object} [opts] durability, busyTimeout, visibilityTimeout, pollInterval, maxFileSize,
   *   closeTimeout, maxAttempts, backoff, jobTimeout, create, logger (index.d.ts)
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`; {RangeError} `ERR_OUT_OF_RANGE`
   */
  constructor(filename, batchSize, opts) {
    super()
    this.#path = options.checkFilename(filename)
    const checked = options.checkConstructorArgs(batchSize, opts)
    this.#batchSize = checked.batchSize
    this.#settings = checked.settings
    this.#log = new Log(this.#settings.logger, String(this.#path))
    this.#nextEvents = {
      wants: () => (this.listenerCount('next') > 0 ? 1 : 0),
      deliver: (delivery) => {
        const task = { id: delivery.id, job: delivery.job }
        this.#payloads.set(task, delivery)
        everyPayload.add(task)
        this.#nextDeliveries.add(delivery)
        this.emit('next', task)
      },
      paced: true,
      // With an attempt limit, one job per claim: a claim counts an attempt, so jobs claimed
      // ahead would be counted if this process died before delivering them.
      claimSize: this.#settings.maxAttempts === undefined ? this.#batchSize : 1,
      ahead: 0,
      maxAttempts: this.#settings.maxAttempts,
      keepAlive: false,
    }
    // A `next` listener added after start() gets the jobs that waited for one.
    this.on('newListener', (event) => {
      if (event === 'next') queueMicrotask(() => this.#conn?.consumer.wake())
    })
  }

  /** Path of the queue file (`':memory:'` for an in-memory queue). @type {string} */
  get dbPath() {
    return /** @type {string} */ (this.#path)
  }

  /** Jobs claimed per transaction. @type {number} */
  get batchSize() {
    return this.#batchSize
  }

  /**
   * Opens the file, returns dead processes' claims to the queue, emits `open`.
   * @returns {Promise<void>} rejects `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`,
   *   `ERR_PATH_TOO_LONG`, `SQLITE_CANTOPEN`, `SQLITE_NOTADB`, `SQLITE_READONLY`, `SQLITE_BUSY`,
   *   `ERR_SCHEMA_TOO_NEW`
   */
  open() {
    if (this.#closing) {
      return this.#closing.then(
        () => this.open(),
        () => this.open(),
      )
    }
    if (this.#state === 'open') return Promise.resolve()
    if (this.#opening) return this.#opening
    let path
    try {
      path = options.checkPath(this.#path)
    } catch (err) {
      return Promise.reject(err)
    }
    const before = this.#state
    this.#state = 'opening'
    this.#opening = Connection.open(path, this.#settings, this.#host()).then(
      (conn) => {
        this.#opening = null
        this.#conn = conn
        this.#length = conn.count
        this.#state = 'open'
        this.#log.info('open', { jobs: conn.count, recovered: conn.recovered }, 'queue opened')
        if (conn.recovered > 0) {
          this.#log.warn('recovered', { jobs: conn.recovered }, 'jobs held by processes that died went back to the head of the queue')
        }
        this.#emitSafely('open')
      },
      (err) => {
        this.#opening = null
        this.#state = before
        throw err
      },
    )
    return this.#opening
  }

  /**
   * Stops taking jobs, lets the jobs in hand finish (up to `timeout` ms; then a worker's handlers
   * see their signal abort and the jobs go back to the queue), closes, emits `close`.
   * @param {{timeout?: number}} [opts] `timeout`: ms (default: the `closeTimeout` option, 5000)
   * @returns {Promise<void>} rejects `SQLITE_BUSY` (the queue stays open and working), or for bad options
   */
  close(opts) {
    // After the close in progress (and any open() queued behind it): the last call wins.
    if (this.#closing) {
      return this.#closing.then(
        () => this.close(opts),
        () => this.close(opts),
      )
    }
    if (this.#state === 'new' || this.#state === 'closed') return Promise.resolve()
    let timeout
    try {
      timeout = options.checkCloseOptions(opts, this.#settings.closeTimeout)
    } catch (err) {
      return Promise.reject(err)
    }
    this.#closing = this.#close(timeout).finally(() => {
      this.#closing = null
    })
    return this.#closing
  }

  /** @param {number} timeout */
  async #close(timeout) {
    if (this.#opening) await this.#opening.catch(() => {})
    const conn = this.#conn
    if (this.#state !== 'open' || !conn) return
    this.#state = 'closing'
    try {
      await conn.close(timeout)
    } catch (err) {
      this.#state = 'open'
      throw err
    }
    this.#conn = null
    this.#state = 'closed'
    this.#closedBefore = true
    this.#log.info('close', {}, 'queue closed')
    this.#emitSafely('close')
  }

  /**
   * Enqueues `JSON.stringify(job)`; emits `add` with `{id, job}` once committed.
   * @param {T} job
   * @param {{delay?: number, runAt?: Date | number, priority?: number, maxAttempts?: number, key?: string}} [opts]
   * @returns {Promise<number>} the id (an existing live job's id when `key` matches one); rejects
   *   `ERR_INVALID_JOB`, bad options, `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_FULL`, `SQLITE_BUSY`
   */
  add(job, opts) {
    let text, spec
    try {
      text = jobToJson(job)
      spec = options.checkJobOptions(opts, Date.now())
    } catch (err) {
      return Promise.reject(err)
    }
    const nums = spec ? [spec.priority, spec.runAt, spec.maxAttempts, spec.key === undefined ? 0 : 1] : undefined
    const texts = spec?.key === undefined ? text : [text, spec.key]
    return this.#enqueue(spec ? OP.ADD_JOB : OP.ADD, nums, texts, ({ id, fresh }, conn) => {
      if (fresh) this.#added(conn, id, job, spec ? spec.runAt : 0)
      return id
    })
  }

  /**
   * Enqueues jobs in one transaction: all of them or none.
   * @param {T[]} jobs
   * @param {{delay?: number, runAt?: Date | number, priority?: number, maxAttempts?: number, key?: string}} [opts] for each job
   * @returns {Promise<number[]>} their ids, in order
   */
  async addAll(jobs, opts) {
    if (!Array.isArray(jobs)) throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'addAll() takes an array of jobs')
    const texts = Array.from(jobs, jobToJson) // holes read as undefined: ERR_INVALID_JOB
    const spec = options.checkJobOptions(opts, Date.now()) ?? { priority: 0, runAt: 0, maxAttempts: 0, key: undefined }
    const nums = [jobs.length]
    const tape = []
    for (const text of texts) {
      nums.push(spec.priority, spec.runAt, spec.maxAttempts, spec.key === undefined ? 0 : 1)
      tape.push(text)
      if (spec.key !== undefined) tape.push(spec.key)
    }
    return this.#enqueue(OP.ADD_ALL, nums, tape, (/** @type {number[]} */ pairs, conn) => {
      // [id, inserted (1) or a live job's with the same key (0), id, inserted, …]
      const ids = []
      for (let i = 0; i < pairs.length; i += 2) {
        ids.push(pairs[i])
        if (pairs[i + 1] === 1) this.#added(conn, pairs[i], jobs[i / 2], spec.runAt)
      }
      return ids
    })
  }

  /**
   * Runs `handler(job, task)` for each job, up to `concurrency` at once, until close(): resolved →
   * acked (`completed`); thrown → retried after the backoff while attempts are left (`retrying`),
   * else a dead letter (`failed`). Keeps the process alive until close().
   * @param {(job: T, task: {id: number, job: T, attempts: number, signal: AbortSignal}) => unknown} handler
   * @param {{concurrency?: number}} [opts]
   * @returns {Promise<void>} resolves once the queue has closed
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`; {Error} `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `ERR_CONSUMER_RUNNING`
   */
  process(handler, opts) {
    if (typeof handler !== 'function') {
      throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'process() takes a handler function: (job, task) => result or promise')
    }
    const { concurrency } = options.checkProcessOptions(opts)
    const conn = this.#consumerFree()
    const worker = new Worker(conn.consumer, handler, { concurrency }, this.#settings, this.#host())
    conn.consumer.attach(worker.sink)
    return conn.whenClosed
  }

  /**
   * `for await (const task of queue)`: one task `{id, job, attempts, done(), fail(error),
   * release()}` at a time; waits for jobs; ends when the queue closes. Tasks the loop leaves
   * unsettled when it exits go back to the head of the queue.
   * @returns {AsyncIterator<any, undefined>}
   * @throws {Error} `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `ERR_CONSUMER_RUNNING`
   */
  [Symbol.asyncIterator]() {
    const conn = this.#consumerFree()
    const iterator = new TaskIterator(conn.consumer, { batchSize: this.#batchSize }, this.#settings, this.#host(), conn.whenClosed)
    conn.consumer.attach(iterator.sink)
    return iterator
  }

  /**
   * Emits `start`, then one `next` per job: the original's consumer.
   * @throws {Error} 'Open queue database before starting queue', `ERR_NOT_OPEN`/`ERR_QUEUE_CLOSED`,
   *   `ERR_CONSUMER_RUNNING`
   */
  start() {
    if (this.#state === 'closing')
      throw queueError(Error, 'ERR_QUEUE_CLOSED', 'The queue is closing: open() it again after close() resolves')
    if (!this.#conn) {
      const code = this.#closedBefore ? 'ERR_QUEUE_CLOSED' : 'ERR_NOT_OPEN'
      throw queueError(Error, code, 'Open queue database before starting queue')
    }
    const consumer = this.#conn.consumer
    if (consumer.sink && consumer.sink !== this.#nextEvents) throw consumerRunning()
    consumer.attach(this.#nextEvents)
    this.#emitSafely('start')
  }

  /** Stops the `next` events after the job in hand (which can still be `done()`); emits `stop`. */
  stop() {
    if (this.#conn?.consumer.sink === this.#nextEvents) this.#conn.consumer.detach()
    this.#emitSafely('stop')
  }

  /**
   * Acks the job of the last `next`; the next job follows once the ack committed. Answers the
   * delivery of `task` when it is a `next` payload of this queue, else that of the handler it is
   * called from, else the job in hand (other arguments are ignored, as node-persistent-queue
   * 1.0.x ignored them). For a job that already went back to the queue, acks nothing and resolves.
   * @param {unknown} [task] the object the `next` event passed
   * @returns {Promise<void>} resolves once committed (marked handled)
   * @throws {Error} `ERR_NO_CURRENT_JOB` (no job in hand, or this job was acked already),
   *   `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`
   */
  done(task) {
    const payload = typeof task === 'object' && task !== null ? this.#payloads.get(task) : undefined
    if (payload === undefined && typeof task === 'object' && task !== null && everyPayload.has(task)) {
      throw queueError(
        Error,
        'ERR_NO_CURRENT_JOB',
        `done() was given a next payload of another queue object (job ${/** @type {{id?: unknown}} */ (task).id}); call that object's done()`,
      )
    }
    const from = payload ?? callerDelivery()
    if (from && !this.#nextDeliveries.has(from)) {
      throw queueError(
        Error,
        'ERR_NO_CURRENT_JOB',
        `done() answers next events; job ${from.id} is settled by its process() handler's result or by its loop's task.done()`,
      )
    }
    // Its job went back to the queue (abort(), or close() after its timeout): nothing to ack.
    if (from?.released) return Promise.resolve()
    const inHand = this.#connection().consumer.current()
    const delivery = inHand && this.#nextDeliveries.has(inHand) ? inHand : null
    if (from?.settled) {
      throw queueError(Error, 'ERR_NO_CURRENT_JOB', `done() was already called for job ${from.id}: call it once per next event`)
    }
    if (delivery === null || (from && from !== delivery)) {
      throw queueError(Error, 'ERR_NO_CURRENT_JOB', 'done() was called with no job in hand: call it once per next event')
    }
    const acked = this.#connection()
      .consumer.ack(delivery)
      .then(() => {})
    acked.catch(() => {})
    return acked
  }

  /** Gives the job in hand back to the head of the queue and stops (as the original). */
  abort() {
    const delivery = this.#conn?.consumer.current()
    if (delivery && this.#nextDeliveries.has(delivery)) this.#conn?.consumer.release(delivery, true).catch(() => {})
    this.stop()
  }

  /** @returns {Promise<{queued: number, delayed: number, running: number, failed: number}>} jobs per state */
  async stats() {
    const [queued, delayed, running, failed] = await this.#enqueue(OP.STATS)
    return { queued, delayed, running, failed }
  }

  /**
   * @param {{limit?: number, offset?: number}} [opts] default `{ limit: 100, offset: 0 }`
   * @returns {Promise<Array<{id: number, job: any, attempts: number, failedAt: Date | null, error: object | null}>>}
   *   dead letters, oldest first, each with its stored error `{name, message, code, stack}`
   */
  async getFailed(opts) {
    const { limit, offset } = options.checkPage(opts)
    const rows = await this.#enqueue(OP.LIST, [2, limit, offset])
    return rows.map(failedJob)
  }

  /**
   * Jobs of one state, in that state's order (queued: claim order; delayed: due time; running and
   * failed: id), for an operator's view.
   * @param {{state: 'queued'|'delayed'|'running'|'failed', limit?: number, offset?: number}} opts
   *   `limit` default 100, `offset` default 0
   * @returns {Promise<Array<ReturnType<typeof jobRow>>>} the rows with their JSON parsed
   * @throws {TypeError} (rejects) `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE` (an unknown state
   *   or option); {RangeError} `ERR_OUT_OF_RANGE`
   */
  async list(opts) {
    if (opts === undefined || opts === null) {
      throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', `list() takes { state, limit, offset }; state is one of ${STATES.join(', ')}`)
    }
    const { limit, offset } = options.checkPage(opts, 'list()', ['state', 'limit', 'offset'])
    const given = /** @type {{state?: unknown}} */ (opts).state
    const state = STATES.indexOf(/** @type {string} */ (given))
    if (state < 0) {
      throw queueError(
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        `list() option state must be one of ${STATES.join(', ')}; got ${describe(given)}`,
      )
    }
    const rows = await this.#enqueue(OP.LIST, [state, limit, offset])
    return rows.map(jobRow)
  }

  /**
   * One job by id, whatever its state (a dead letter too), with its bookkeeping.
   * @param {number} id
   * @returns {Promise<ReturnType<typeof jobRow> | null>} null when there is no such job
   * @throws {TypeError} (rejects) `ERR_INVALID_ARG_TYPE`
   */
  async getJob(id) {
    checkId(id)
    const rows = await this.#enqueue(OP.GET, id)
    return rows.length > 0 ? jobRow(rows[0]) : null
  }

  /**
   * Runs SQLite's integrity check on the file and sets the original's `queue_count` counter to
   * the live jobs (raw SQL writes may have left it wrong).
   * @returns {Promise<{ok: boolean, problems: string[], counterBefore: number | null, counterAfter: number}>}
   */
  async check() {
    const [problems, [before, after]] = await Promise.all([this.#enqueue(OP.INTEGRITY), this.#enqueue(OP.RECOUNT)])
    return { ok: problems.length === 0, problems, counterBefore: before >= 0 ? before : null, counterAfter: after }
  }

  /**
   * Moves a dead letter back to the queue, its attempts reset.
   * @param {number} id
   * @returns {Promise<number>} the id; rejects `ERR_JOB_NOT_FOUND` when it is not a dead letter
   */
  async retry(id) {
    checkId(id)
    return this.#enqueue(OP.RETRY_FAILED, id, undefined, (moved, conn) => {
      if (moved === 0) throw queueError(Error, 'ERR_JOB_NOT_FOUND', `Job ${id} is not a dead letter (or a live job holds its key)`)
      conn.consumer.rescan()
      return id
    })
  }

  /** @returns {Promise<number>} how many dead letters went back to the queue, their attempts reset */
  async retryFailed() {
    return this.#enqueue(OP.RETRY_FAILED, -1, undefined, (moved, conn) => {
      if (moved > 0) conn.consumer.rescan()
      return moved
    })
  }

  /** @returns {Promise<number>} deletes every queued and delayed job; resolves how many */
  async purge() {
    return this.#enqueue(OP.PURGE)
  }

  /** The original's TODO name for {@link PersistentQueue#purge}. @returns {Promise<number>} */
  deleteAll() {
    return this.purge()
  }

  /**
   * Writes a consistent copy of the queue, with every operation issued before this call, to one
   * file (SQLite's online backup API).
   * @param {string} destination
   * @returns {Promise<void>} rejects the path errors of open(), `SQLITE_NOTADB`, `SQLITE_BUSY`, …
   */
  async backup(destination) {
    const path = options.checkPath(destination, 'destination')
    options.checkBackupDestination(path, /** @type {string} */ (this.#path))
    if (this.#opening) await this.#opening
    return this.#connection().backup(path)
  }

  /** @returns {number | null} jobs in the file (all but dead letters) as of this object's last operation */
  getLength() {
    return this.#length
  }

  /**
   * @param {boolean} debug logs every line to stdout when no `logger` option is given, as the
   *   original logged its steps
   * @returns {this}
   */
  setDebug(debug) {
    this.#log.debugToStdout = Boolean(debug)
    return this
  }

  /**
   * @returns {boolean} no job is waiting (as last seen by this object)
   * @throws {Error} `ERR_NOT_OPEN`: 'Call open() method before calling isEmpty()' (the original's)
   */
  isEmpty() {
    if (!this.#conn) throw queueError(Error, 'ERR_NOT_OPEN', 'Call open() method before calling isEmpty()')
    return this.#conn.consumer.empty
  }

  /** @returns {boolean} between `start()` and `stop()`/`abort()`/`close()` */
  isStarted() {
    return this.#conn?.consumer.sink === this.#nextEvents
  }

  /** @returns {boolean} between a resolved `open()` and the end of `close()` */
  isOpen() {
    return this.#conn !== null
  }

  /** @throws {Error} always, `ERR_NOT_SUPPORTED`: the connection lives in native code */
  getSqlite3() {
    throw queueError(
      Error,
      'ERR_NOT_SUPPORTED',
      'getSqlite3() is not supported: the database connection lives in native code. Open the file with your own SQLite client (WAL mode) if you need raw access.',
    )
  }

  /**
   * @param {number} id
   * @returns {Promise<boolean>} whether the job is queued, delayed or running; rejects `ERR_INVALID_ARG_TYPE`
   */
  async has(id) {
    checkId(id)
    return this.#enqueue(OP.HAS, id)
  }

  /**
   * @param {T} job
   * @returns {Promise<number[]>} ids of the live jobs whose stored JSON equals `JSON.stringify(job)`
   */
  async getJobIds(job) {
    return this.#enqueue(OP.FIND_IDS, undefined, jobToJson(job))
  }

  /**
   * @param {T} job
   * @returns {Promise<number | null>} the first id `getJobIds(job)` finds, or null
   */
  getFirstJobId(job) {
    return this.getJobIds(job).then((ids) => (ids.length > 0 ? ids[0] : null))
  }

  /**
   * Deletes a job by id, whatever its state, and emits `delete` with `{id}`.
   * @param {number} id
   * @returns {Promise<number>} the id; rejects `ERR_JOB_NOT_FOUND`, `ERR_INVALID_ARG_TYPE`
   */
  async delete(id) {
    checkId(id)
    return this.#enqueue(OP.DELETE, id, undefined, (_, conn) => {
      conn.consumer.deleted(id)
      this.#emitSafely('delete', { id })
      return id
    })
  }

  /**
   * An add committed: the consumer wakes (or sets the timer of a delayed job), `add` is emitted.
   * @param {Connection} conn
   * @param {number} id
   * @param {unknown} job
   * @param {number} runAt
   */
  #added(conn, id, job, runAt) {
    conn.consumer.added(runAt)
    this.#emitSafely('add', { id, job })
  }

  /**
   * @returns {Connection} the open connection
   * @throws {Error} `ERR_NOT_OPEN` or `ERR_QUEUE_CLOSED`
   */
  #connection() {
    if (this.#conn) return this.#conn
    throw this.#closedBefore ? closed() : notOpen()
  }

  /**
   * @returns {Connection} the open connection, whose consumer takes no deliveries yet
   * @throws {Error} `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `ERR_CONSUMER_RUNNING`
   */
  #consumerFree() {
    const conn = this.#connection()
    if (this.#state === 'closing') throw closed()
    if (conn.consumer.sink) throw consumerRunning()
    return conn
  }

  /**
   * Queues an operation, waiting for an `open()` in progress first (as the original allowed).
   * @param {number} kind
   * @param {number | number[]} [nums]
   * @param {string | string[]} [texts]
   * @param {(result: any, conn: Connection) => any} [then] runs on success, in call order
   * @returns {Promise<any>}
   */
  #enqueue(kind, nums, texts, then) {
    if (this.#opening) return this.#opening.then(() => this.#enqueue(kind, nums, texts, then))
    let conn
    try {
      conn = this.#connection()
    } catch (err) {
      return Promise.reject(err)
    }
    return conn.work.push(kind, nums, texts, then && ((result) => then(result, conn)))
  }

  /** @returns {import('./lib/connection').ConnectionHost} what a connection reports to this object */
  #host() {
    return {
      emit: (event, ...args) => this.#emitSafely(event, ...args),
      report: (err) => this.#report(err),
      log: this.#log,
      count: (n) => {
        this.#length = n
      },
    }
  }

  /**
   * Errors with no caller to reject: emitted as `error` when there is a listener, else as a
   * process warning, never thrown into the queue's machinery.
   * @param {Error & {code?: string}} err
   */
  #report(err) {
    if (this.listenerCount('error') > 0) {
      try {
        this.emit('error', err)
      } catch (thrown) {
        // An `error` listener that throws is an uncaught exception, as in Node.
        process.nextTick(() => {
          throw thrown
        })
      }
    } else if (err instanceof Error) {
      process.emitWarning(err.message, { type: 'SqlitePersistentQueueWarning', code: err.code, detail: err.stack })
    } else process.emitWarning(String(err), { type: 'SqlitePersistentQueueWarning' })
  }

  /**
   * Emits the event of an operation that has happened: a listener's exception is reported (see
   * `#report`), never turned into the operation's failure.
   * @param {string} event
   * @param {...any} args
   */
  #emitSafely(event, ...args) {
    try {
      this.emit(event, ...args)
    } catch (err) {
      this.#report(/** @type {Error} */ (err))
    }
  }
}

/** Every `next` payload of every queue object, to tell another object's from other arguments. */
const everyPayload = new WeakSet()

/** @returns {Error} `ERR_CONSUMER_RUNNING`: one consumer per queue object */
const consumerRunning = () =>
  queueError(
    Error,
    'ERR_CONSUMER_RUNNING',
    'This queue object already delivers jobs (start(), process() or a for-await loop): use one consumer per object, or open another PersistentQueue on the same file',
  )

module.exports = PersistentQueue
module.exports.PersistentQueue = PersistentQueue
module.exports.default = PersistentQueue
