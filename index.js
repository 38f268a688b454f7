'use strict'
/**
 * sqlite-persistent-queue: a durable FIFO job queue in one SQLite file, a drop-in replacement for
 * node-persistent-queue 1.0.x (same constructor, methods and events) whose storage runs in Rust
 * on the libuv thread pool. This file is the public API: argument checks, the life cycle, events,
 * and delegation to `lib/`. Full reference: docs/api.md; types: index.d.ts.
 * @module sqlite-persistent-queue
 */
const { EventEmitter } = require('node:events')
const { OP } = require('./lib/native')
const { Connection } = require('./lib/connection')
const { calledFromReleasedDelivery } = require('./lib/consumer')
const { checkFilename, checkPath, checkBatchSize, checkOptions, checkCloseOptions } = require('./lib/options')
const { jobToJson } = require('./lib/job')
const { queueError, notOpen, closed, checkId } = require('./lib/errors')

/**
 * A persistent FIFO queue of JSON jobs. Events: `open`, `close`, `start`, `stop`, `next`
 * (`{id, job}`), `empty`, `add` (`{id, job}`), `delete` (`{id}`), and `error` for failures that
 * have no caller to reject (`ERR_CORRUPT_JOB` with `jobId`, a background claim, ack, renewal or
 * poll that SQLite refused, or an exception thrown by a listener of another event); with no
 * `error` listener these become process warnings. An operation's promise says whether it
 * committed, whatever its event's listeners do.
 * @template T
 */
class PersistentQueue extends EventEmitter {
  #path
  #batchSize
  #settings
  #debug = false
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

  /**
   * @param {string} filename queue file, created if missing (`''`/`':memory:'`: in memory); checked
   *   by open(), as the original does
   * @param {number} [batchSize=10] jobs claimed per transaction (integer, 1 to 1,000,000)
   * @param {import('./lib/options').QueueOptions} [options]
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`; {RangeError} `ERR_OUT_OF_RANGE`
   */
  constructor(filename, batchSize = 10, options = {}) {
    super()
    this.#path = checkFilename(filename)
    this.#batchSize = checkBatchSize(batchSize)
    this.#settings = checkOptions(options)
    // A `next` listener added after start() gets the jobs that waited for one.
    this.on('newListener', (event) => {
      if (event === 'next') queueMicrotask(() => this.#conn?.consumer.listenerAdded())
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
   * Opens the file, returns dead processes' claims to the head of the queue, emits `open`.
   * @returns {Promise<void>} rejects `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`,
   *   `ERR_PATH_TOO_LONG`, `SQLITE_CANTOPEN`, `SQLITE_NOTADB`, `SQLITE_READONLY`, `SQLITE_BUSY`,
   *   `ERR_SCHEMA_TOO_NEW`
   */
  open() {
    if (this.#closing)
      return this.#closing.then(
        () => this.open(),
        () => this.open(),
      )
    if (this.#state === 'open') return Promise.resolve()
    if (this.#opening) return this.#opening
    let path
    try {
      path = checkPath(this.#path)
    } catch (err) {
      return Promise.reject(err)
    }
    const before = this.#state
    this.#state = 'opening'
    this.#opening = Connection.open(path, this.#settings, this.#batchSize, this.#host()).then(
      (conn) => {
        this.#opening = null
        this.#conn = conn
        this.#length = conn.count
        this.#state = 'open'
        this.#log(`opened ${path}: ${conn.count} jobs, ${conn.recovered} recovered`)
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
   * Stops taking jobs, lets the job in hand finish (up to `timeout` ms, then releases it), waits
   * for the operations issued, returns unfinished claims to the queue, closes, emits `close`.
   * @param {{timeout?: number}} [options] `timeout`: ms to wait for the job in hand (default: the
   *   `closeTimeout` option, 5000)
   * @returns {Promise<void>} rejects `SQLITE_BUSY` (the queue then stays open and working);
   *   `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE` for bad options
   */
  close(options) {
    if (this.#closing) return this.#closing
    if (this.#state === 'new' || this.#state === 'closed') return Promise.resolve()
    let timeout
    try {
      timeout = checkCloseOptions(options, this.#settings.closeTimeout)
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
    this.#emitSafely('close')
  }

  /** @returns {number | null} jobs in the file as of this object's last operation (null before open) */
  getLength() {
    return this.#length
  }

  /**
   * Emits `start`, then one `next` per job in FIFO order.
   * @throws {Error} 'Open queue database before starting queue', `ERR_NOT_OPEN`/`ERR_QUEUE_CLOSED`
   */
  start() {
    if (this.#state === 'closing')
      throw queueError(Error, 'ERR_QUEUE_CLOSED', 'The queue is closing: open() it again after close() resolves')
    if (!this.#conn) {
      const code = this.#closedBefore ? 'ERR_QUEUE_CLOSED' : 'ERR_NOT_OPEN'
      throw queueError(Error, code, 'Open queue database before starting queue')
    }
    this.#conn.consumer.start(() => this.emit('start'))
  }

  /** Stops delivering after the job in hand (which can still be `done()`) and emits `stop`. */
  stop() {
    this.#conn?.consumer.stop()
    this.emit('stop')
  }

  /**
   * Acks the job of the last `next`; the next job follows once the ack committed.
   * @returns {Promise<void>} resolves once committed (marked handled)
   * @throws {Error} `ERR_NO_CURRENT_JOB`, `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`
   */
  done() {
    // Its job went back to the queue (abort(), or close() after its timeout): nothing to ack.
    if (calledFromReleasedDelivery()) return Promise.resolve()
    return this.#connection().consumer.done()
  }

  /** Gives the job in hand back to the head of the queue and stops (as the original). */
  abort() {
    this.#conn?.consumer.abort()
    this.stop()
  }

  /**
   * Enqueues `JSON.stringify(job)`; emits `add` with `{id, job}` once committed.
   * @param {T} job
   * @returns {Promise<number>} the id; rejects `ERR_INVALID_JOB`, `ERR_NOT_OPEN`,
   *   `ERR_QUEUE_CLOSED`, `SQLITE_FULL`, `SQLITE_BUSY`, `SQLITE_READONLY`
   */
  add(job) {
    let text
    try {
      text = jobToJson(job)
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#enqueue(OP.ADD, undefined, text, (id, conn) => {
      conn.consumer.added()
      this.#emitSafely('add', { id, job })
      return id
    })
  }

  /**
   * Writes a consistent copy of the queue, with every operation issued before this call, to
   * `destination` (SQLite's online backup API: other processes keep working meanwhile). The copy
   * is one file; an SQLite database already there is replaced.
   * @param {string} destination path of the copy
   * @returns {Promise<void>} rejects `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`,
   *   `ERR_PATH_TOO_LONG`, `SQLITE_CANTOPEN`, `SQLITE_NOTADB` (something else is there; left
   *   alone), `SQLITE_BUSY`, `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`
   */
  async backup(destination) {
    const path = checkPath(destination)
    if (this.#opening) await this.#opening
    return this.#connection().backup(path)
  }

  /**
   * Turns debug logging (to stdout, as the original) on or off.
   * @param {boolean} debug
   * @returns {this}
   */
  setDebug(debug) {
    this.#debug = Boolean(debug)
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
    return this.#conn?.consumer.started ?? false
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
   * @returns {Promise<boolean>} whether the job is still in the queue; rejects `ERR_INVALID_ARG_TYPE`
   */
  async has(id) {
    checkId(id)
    return this.#enqueue(OP.HAS, id)
  }

  /**
   * @param {T} job
   * @returns {Promise<number[]>} ids whose stored JSON equals `JSON.stringify(job)`, in order
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
   * Deletes a job by id and emits `delete` with `{id}`.
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
   * @returns {Connection} the open connection
   * @throws {Error} `ERR_NOT_OPEN` or `ERR_QUEUE_CLOSED`
   */
  #connection() {
    if (this.#conn) return this.#conn
    throw this.#closedBefore ? closed() : notOpen()
  }

  /**
   * Queues an operation, waiting for an `open()` in progress first (as the original allowed).
   * @param {number} kind
   * @param {number} [num]
   * @param {string} [text]
   * @param {(result: any, conn: Connection) => any} [then] runs on success, in call order
   * @returns {Promise<any>}
   */
  #enqueue(kind, num, text, then) {
    if (this.#opening) return this.#opening.then(() => this.#enqueue(kind, num, text, then))
    let conn
    try {
      conn = this.#connection()
    } catch (err) {
      return Promise.reject(err)
    }
    return conn.work.push(kind, num, text, then && ((result) => then(result, conn)))
  }

  /** @returns {import('./lib/connection').ConnectionHost} what a connection reports to this object */
  #host() {
    return {
      emit: (event, ...args) => this.#emitSafely(event, ...args),
      canDeliver: () => this.listenerCount('next') > 0,
      deliver: (task) => this.emit('next', task),
      report: (err) => this.#report(err),
      log: (msg) => this.#log(msg),
      count: (n) => {
        this.#length = n
      },
    }
  }

  /**
   * Errors with no caller to reject: emitted as `error` when there is a listener, else as a
   * process warning, never thrown from a callback.
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

  /** @param {string} msg */
  #log(msg) {
    if (this.#debug) console.log(`[sqlite-persistent-queue] ${msg}`)
  }
}

module.exports = PersistentQueue
module.exports.PersistentQueue = PersistentQueue
module.exports.default = PersistentQueue
