'use strict'
/**
 * sqlite-persistent-queue: a durable FIFO job queue in one SQLite file, a drop-in replacement for
 * node-persistent-queue 1.0.x (same constructor, methods and events) whose storage runs in Rust
 * on the libuv thread pool. See README.md and docs/api.md.
 * @module sqlite-persistent-queue
 */
const { EventEmitter } = require('node:events')
const { WorkQueue, retryBusy } = require('./lib/work-queue')
const { queueError, notOpen, closed, jobToJson, checkId } = require('./lib/errors')

const native = loadBinding()

const { OP_ADD, OP_CLAIM, OP_ACK, OP_DELETE, OP_HAS, OP_FIND_IDS, OP_RENEW, OP_POLL, OP_SHRINK } = native

/** Largest timer delay Node accepts, in ms. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Free pages given back per transaction when the queue runs empty (4 KiB each). */
const SHRINK_PAGES = 2048

/** Defaults of the third constructor argument. */
const DEFAULT_OPTIONS = Object.freeze({
  durability: 'full',
  busyTimeout: 5000,
  visibilityTimeout: 30000,
  pollInterval: 100,
  maxFileSize: undefined,
})

/**
 * @typedef {object} QueueOptions
 * @property {'full'|'normal'} [durability='full'] `'full'`: a resolved `add()` is fsync'd and
 *   survives power loss (`PRAGMA synchronous=FULL`); `'normal'`: survives a process crash, a power
 *   loss may drop the last adds. Acks always commit with `NORMAL`.
 * @property {number} [busyTimeout=5000] ms (0 to 2^31-1) an operation waits out `SQLITE_BUSY` (another process
 *   holding the write lock) before it rejects with code `SQLITE_BUSY`.
 * @property {number} [visibilityTimeout=30000] lease of a claimed job in ms (30 to 2^31-1). The queue renews the
 *   leases of the jobs it holds every third of this; if its process hangs (event loop blocked)
 *   longer, other consumers of the file may take the job (at-least-once delivery).
 * @property {number} [pollInterval=100] ms (1 to 2^31-1) between checks, while started and empty, for jobs
 *   that other processes added (`PRAGMA data_version`, a read that takes no lock).
 * @property {number} [maxFileSize] largest database size in bytes (`PRAGMA max_page_count`);
 *   adds past it reject with `SQLITE_FULL` and change nothing. Default: no limit.
 */

/**
 * A persistent FIFO queue of JSON jobs. Events: `open`, `close`, `start`, `stop`, `next`
 * (`{id, job}`), `empty`, `add` (`{id, job}`), `delete` (`{id}`), and `error` for failures that
 * have no caller to reject: a job row that cannot be parsed (code `ERR_CORRUPT_JOB`, with
 * `jobId`), or a background claim, ack retry, lease renewal or poll that SQLite refused (its
 * `SQLITE_*` code). With no `error` listener these become process warnings, never exceptions.
 * @template T
 */
class PersistentQueue extends EventEmitter {
  #dbPath
  #batchSize
  #options
  #debug = false
  /** @type {import('./binding').NativeQueue | null} */
  #native = null
  /** @type {WorkQueue | null} */
  #work = null
  #opened = false
  #wasClosed = false
  #opening = null
  #closing = null
  #run = false
  /** @type {boolean | undefined} */
  #empty = undefined
  /** @type {number | null} */
  #length = null
  /** Claimed jobs not yet delivered, in order. @type {Array<{id:number, job:T}>} */
  #batch = []
  /** The job delivered by the last `next` and not yet done. @type {{id:number, job:T} | null} */
  #current = null
  #acking = false
  #claiming = false
  #polling = false
  /** Rows this object claimed that cannot be parsed; kept claimed so no one re-delivers them. */
  #heldCorrupt = 0
  /** close() has begun: background work (poll, renew, shrink, claim retries) starts no more. */
  #stopping = false
  #claimRetryDelay = 100
  #deliveryScheduled = false
  /** Bumped by close(): callbacks of an earlier open see a different value and do nothing. */
  #generation = 0
  /** Unref'd timers of an open queue: lease renewal and the poll for other processes' jobs. */
  #timers = []

  /**
   * @param {string} filename path of the queue file, created if missing (`''` or `':memory:'`:
   *   an in-memory queue that vanishes on close)
   * @param {number} [batchSize=10] jobs claimed from the file per transaction (integer >= 1)
   * @param {QueueOptions} [options]
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`: no filename (message as the original's:
   *   'No filename parameter provided'), a batchSize that is not a number (message as the
   *   original's: 'Invalid batchSize parameter.  Must be a number > 0'), or an option of the
   *   wrong type
   * @throws {RangeError} `ERR_OUT_OF_RANGE`: batchSize not an integer from 1 to 1,000,000 (same
   *   message), or an option value out of range
   */
  constructor(filename, batchSize = 10, options = {}) {
    super()
    if (filename === undefined) throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'No filename parameter provided')
    if (typeof filename !== 'string') {
      throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'filename must be a string path (or "" for an in-memory queue)')
    }
    if (typeof batchSize !== 'number') {
      throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Invalid batchSize parameter.  Must be a number > 0')
    }
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1e6) {
      throw queueError(RangeError, 'ERR_OUT_OF_RANGE', 'Invalid batchSize parameter.  Must be a number > 0')
    }
    this.#options = checkOptions(options)
    this.#dbPath = filename === '' ? ':memory:' : filename
    this.#batchSize = batchSize
  }

  /** Path of the queue file (`':memory:'` for an in-memory queue). @type {string} */
  get dbPath() {
    return this.#dbPath
  }

  /** Jobs claimed per transaction. @type {number} */
  get batchSize() {
    return this.#batchSize
  }

  /**
   * Opens (creating or migrating) the queue file, returns jobs left running by dead processes to
   * the head of the queue, then emits `open`. Opening an open queue resolves at once.
   * @returns {Promise<void>}
   * @throws (rejects) `SQLITE_CANTOPEN` (missing folder), `SQLITE_NOTADB` (not a queue file; it is
   *   left unchanged), `SQLITE_READONLY`, `SQLITE_BUSY` (locked longer than busyTimeout),
   *   `ERR_SCHEMA_TOO_NEW`
   */
  open() {
    // A close() in progress finishes first; then this open() opens again.
    if (this.#closing) return this.#closing.then(() => this.open(), () => this.open())
    if (this.#opened) return Promise.resolve()
    if (this.#opening) return this.#opening
    this.#opening = this.#doOpen().finally(() => {
      this.#opening = null
    })
    return this.#opening
  }

  async #doOpen() {
    const { durability, visibilityTimeout, maxFileSize } = this.#options
    const handle = new native.NativeQueue(this.#dbPath, { durability, visibilityTimeoutMs: visibilityTimeout, maxFileSize })
    const info = await retryBusy(() => handle.open(), this.#options.busyTimeout)
    this.#native = handle
    this.#work = new WorkQueue(handle, {
      busyTimeout: this.#options.busyTimeout,
      onCount: (count) => {
        this.#length = count
      },
      ops: native,
    })
    this.#length = info.count
    this.#empty = !info.ready
    this.#opened = true
    this.#wasClosed = false
    this.#startTimers()
    this.#log(`opened ${this.#dbPath}: ${info.count} jobs, ${info.recovered} recovered`)
    this.emit('open')
  }

  /**
   * Waits for every operation already issued, returns jobs this object claimed but did not finish
   * to the queue, closes the file and emits `close`. Closing twice, or before `open()`, resolves.
   * @returns {Promise<void>}
   * @throws (rejects) `SQLITE_BUSY` when the claims could not be released within busyTimeout (the
   *   queue then stays open and started as before, leases still renewed; call close() again, or
   *   exit: the next open() recovers the claims)
   */
  close() {
    if (this.#closing) return this.#closing
    if (!this.#opened && !this.#opening) return Promise.resolve()
    this.#closing = this.#doClose().finally(() => {
      this.#closing = null
    })
    return this.#closing
  }

  async #doClose() {
    if (this.#opening) await this.#opening.catch(() => {})
    if (!this.#opened) return
    const wasRunning = this.#run
    this.#run = false
    this.#stopping = true
    for (const timer of this.#timers) clearInterval(timer)
    this.#timers = []
    try {
      await this.#work.idle()
      await retryBusy(() => this.#native.close(), this.#options.busyTimeout)
    } catch (err) {
      // Still open: undo the stop, so the jobs in hand keep their leases.
      this.#stopping = false
      this.#run = wasRunning
      this.#startTimers()
      this.#pump()
      throw err
    }
    this.#generation++
    this.#opened = false
    this.#wasClosed = true
    this.#native = null
    this.#work = null
    this.#empty = undefined
    this.#batch = []
    this.#current = null
    this.#acking = false
    this.#claiming = false
    this.#polling = false
    this.#heldCorrupt = 0
    this.#deliveryScheduled = false
    this.#claimRetryDelay = 100
    this.#stopping = false
    this.emit('close')
  }

  /**
   * @returns {number | null} jobs in the file (queued and running, by any process) as of this
   *   object's last operation; `null` before the first `open()`; after `close()`, the last count.
   */
  getLength() {
    return this.#length
  }

  /**
   * Starts delivering jobs: emits `start`, then `next` for each job in FIFO order, one at a time.
   * @throws {Error} 'Open queue database before starting queue' (message as the original), with
   *   code `ERR_NOT_OPEN` before open(), `ERR_QUEUE_CLOSED` after close(); `ERR_QUEUE_CLOSED`
   *   while close() runs
   */
  start() {
    if (!this.#opened) {
      const code = this.#wasClosed ? 'ERR_QUEUE_CLOSED' : 'ERR_NOT_OPEN'
      throw queueError(Error, code, 'Open queue database before starting queue')
    }
    if (this.#stopping) throw queueError(Error, 'ERR_QUEUE_CLOSED', 'The queue is closing: open() it again after close() resolves')
    this.#run = true
    this.emit('start')
    this.#pump()
  }

  /** Stops delivering jobs after the current one and emits `stop`. The job in hand can still be `done()`. */
  stop() {
    this.#run = false
    this.emit('stop')
  }

  /**
   * Acknowledges the job of the last `next` event: deletes it from the file, then delivers the
   * next job. The next job is delivered only after this ack has committed. If SQLite fails
   * (`SQLITE_BUSY` past busyTimeout, `SQLITE_IOERR`, …) the failure is reported as an `error`
   * event (or a process warning when nobody listens) and the ack is retried with backoff, up to
   * 5 s apart, until it commits or the queue is closed.
   * @returns {Promise<void>} resolves once the ack is committed; rejects with `ERR_QUEUE_CLOSED`
   *   if the queue was closed first (the job then goes back to the queue). The promise is marked
   *   handled, so callers that ignore it, as the original's did, never see an unhandled rejection.
   * @throws {Error} `ERR_NO_CURRENT_JOB` when no job is in hand (done() twice, or before `next`);
   *   `ERR_NOT_OPEN`/`ERR_QUEUE_CLOSED` when the queue is not open. Nothing is deleted then.
   */
  done() {
    const notReady = this.#notReady()
    if (notReady) throw notReady
    const task = this.#current
    if (task === null) {
      throw queueError(Error, 'ERR_NO_CURRENT_JOB', 'done() was called with no job in hand: call it once per next event')
    }
    this.#log(`done ${task.id}`)
    this.#current = null
    this.#acking = true
    const acked = this.#ack(task.id, this.#generation)
    // Fold the claim of the next batch into the ack's transaction when this ack empties the batch.
    if (this.#batch.length === 0 && this.#run && !this.#claiming) this.#claim()
    acked.catch(() => {})
    return acked
  }

  /** Acks `id`, retrying failures with backoff until it commits or the queue closes. */
  async #ack(id, generation) {
    for (let delay = 50; ; delay = Math.min(delay * 2, 5000)) {
      if (generation !== this.#generation) throw closed()
      try {
        await this.#work.push(OP_ACK, id)
        break
      } catch (err) {
        if (generation !== this.#generation) throw closed()
        this.#reportError(err)
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
    if (generation !== this.#generation) return
    this.#acking = false
    this.#pump()
  }

  /**
   * Gives the job in hand back to the head of the queue and stops the queue (as the original:
   * the job is delivered again after `start()`).
   */
  abort() {
    if (this.#current !== null) {
      this.#batch.unshift(this.#current)
      this.#current = null
    }
    this.stop()
  }

  /**
   * Enqueues a job. It is stored as `JSON.stringify(job)`, committed (fsync'd with durability
   * `'full'`), then `add` is emitted with `{id, job}` and the promise resolves with the id.
   * Concurrent adds commit together and resolve ids in call order.
   * @param {T} job any value JSON can represent
   * @returns {Promise<number>} the job id
   * @throws (rejects) `ERR_INVALID_JOB` (TypeError) for `undefined`, functions, symbols, BigInt,
   *   circular objects: nothing is stored; `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_FULL`,
   *   `SQLITE_BUSY`, `SQLITE_READONLY`
   */
  add(job) {
    let text
    try {
      text = jobToJson(job)
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#enqueue(OP_ADD, undefined, text, (id) => {
      if (this.#empty) {
        this.#empty = false
        this.#pump()
      }
      this.emit('add', { id, job })
      return id
    })
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
   * @returns {boolean} true when no job is waiting (as last seen by this object)
   * @throws {Error} `ERR_NOT_OPEN`: 'Call open() method before calling isEmpty()' (as the original)
   */
  isEmpty() {
    if (this.#empty === undefined) throw queueError(Error, 'ERR_NOT_OPEN', 'Call open() method before calling isEmpty()')
    return this.#empty
  }

  /** @returns {boolean} true between `start()` and `stop()`/`abort()`/`close()` */
  isStarted() {
    return this.#run
  }

  /** @returns {boolean} true between a resolved `open()` and `close()` */
  isOpen() {
    return this.#opened
  }

  /**
   * Not available: the original returned its sqlite3 handle; this package has no JS handle.
   * @throws {Error} always, with code `ERR_NOT_SUPPORTED`
   */
  getSqlite3() {
    throw queueError(
      Error,
      'ERR_NOT_SUPPORTED',
      'getSqlite3() is not supported: the database connection lives in native code. Open the file with your own SQLite client (WAL mode) if you need raw access.',
    )
  }

  /**
   * @param {number} id
   * @returns {Promise<boolean>} whether a job with this id is still in the queue (waiting or in hand)
   * @throws (rejects) `ERR_INVALID_ARG_TYPE` when id is not an integer; `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`
   */
  async has(id) {
    checkId(id)
    return this.#enqueue(OP_HAS, id)
  }

  /**
   * @param {T} job
   * @returns {Promise<number[]>} ids of the jobs whose stored JSON equals `JSON.stringify(job)`, in
   *   execution order
   * @throws (rejects) `ERR_INVALID_JOB`, `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`
   */
  async getJobIds(job) {
    return this.#enqueue(OP_FIND_IDS, undefined, jobToJson(job))
  }

  /**
   * @param {T} job
   * @returns {Promise<number | null>} the first id `getJobIds(job)` finds, or null
   * @throws (rejects) as `getJobIds()`
   */
  getFirstJobId(job) {
    return this.getJobIds(job).then((ids) => (ids.length > 0 ? ids[0] : null))
  }

  /**
   * Deletes a job by id, emits `delete` with `{id}` and resolves the id.
   * @param {number} id
   * @returns {Promise<number>}
   * @throws (rejects) `ERR_JOB_NOT_FOUND` when no job has this id (the length is unchanged);
   *   `ERR_INVALID_ARG_TYPE`, `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_BUSY`
   */
  async delete(id) {
    checkId(id)
    const generation = this.#generation
    return this.#enqueue(OP_DELETE, id).then(() => {
      if (generation === this.#generation) {
        // A claim issued before this delete may have put the job in the in-memory batch: drop it
        // now that the delete has committed (the results of one batch settle in call order).
        const claimed = this.#batch.findIndex((t) => t.id === id)
        if (claimed !== -1) this.#batch.splice(claimed, 1)
        this.emit('delete', { id })
      }
      return id
    })
  }

  /** @returns {Error | null} why operations cannot run now */
  #notReady() {
    if (this.#opened) return null
    return this.#wasClosed ? closed() : notOpen()
  }

  /**
   * Queues an operation, waiting for an `open()` in progress first (as the original allowed).
   * `then` runs on success when the batch settles (see WorkQueue.push).
   */
  #enqueue(kind, num, text, then) {
    if (!this.#opened && this.#opening) return this.#opening.then(() => this.#enqueue(kind, num, text, then))
    const notReady = this.#notReady()
    if (notReady) return Promise.reject(notReady)
    return this.#work.push(kind, num, text, then)
  }

  /**
   * Timers of an open queue, unref'd so that an idle queue never keeps the process alive:
   * - lease renewal every visibilityTimeout/3 while this object holds claimed jobs;
   * - while started and empty, a poll of `PRAGMA data_version` every pollInterval ms, which
   *   notices commits by other processes without taking the write lock, then a claim.
   */
  #startTimers() {
    const generation = this.#generation
    const { visibilityTimeout, pollInterval } = this.#options
    const renew = setInterval(() => {
      if (generation !== this.#generation || this.#stopping) return
      if (this.#batch.length === 0 && this.#current === null && this.#heldCorrupt === 0) return
      this.#work.push(OP_RENEW).catch((err) => this.#reportError(err))
    }, Math.max(1, Math.floor(visibilityTimeout / 3)))
    const poll = setInterval(() => this.#poll(generation), Math.max(1, pollInterval))
    renew.unref()
    poll.unref()
    this.#timers = [renew, poll]
  }

  #poll(generation) {
    if (generation !== this.#generation || this.#stopping || !this.#run || !this.#empty) return
    if (this.#claiming || this.#polling) return
    this.#polling = true
    this.#work.push(OP_POLL).then(
      (changed) => {
        this.#polling = false
        if (generation !== this.#generation) return
        if (changed && this.#run && this.#empty && !this.#claiming) this.#claim(true)
      },
      (err) => {
        this.#polling = false
        this.#reportError(err)
      },
    )
  }

  /** Delivers the next job if the queue is started and nothing is in hand (trigger_next). */
  #pump() {
    if (!this.#run || !this.#opened || this.#current || this.#acking || this.#claiming) return
    if (this.#deliveryScheduled) return
    if (this.#batch.length > 0) {
      this.#deliveryScheduled = true
      const generation = this.#generation
      // As the original: one job per check phase, so I/O callbacks run between jobs.
      setImmediate(() => this.#deliver(generation))
    } else if (!this.#empty) {
      this.#claim()
    }
  }

  #deliver(generation) {
    if (generation !== this.#generation) return
    this.#deliveryScheduled = false
    if (this.#stopping) return
    if (!this.#run || this.#current || this.#acking || this.#batch.length === 0) return
    const task = this.#batch.shift()
    this.#current = task
    this.#log(`next ${task.id}`)
    this.emit('next', task)
  }

  /**
   * Claims the next batch. `quiet`: a claim after a poll, which leaves the queue empty without a
   * second `empty` event when it finds nothing.
   */
  #claim(quiet = false) {
    this.#claiming = true
    const generation = this.#generation
    this.#work.push(OP_CLAIM, this.#batchSize).then(
      (jobs) => {
        if (generation !== this.#generation) return
        this.#claiming = false
        this.#claimRetryDelay = 100
        for (const { id, text } of jobs) {
          const task = parseClaimed(id, text)
          if (task instanceof Error) {
            // Left in place, claimed by this object (its lease renewed) until close().
            this.#heldCorrupt++
            this.#reportError(task)
          } else this.#batch.push(task)
        }
        if (jobs.length > 0) this.#empty = false
        else if (!this.#empty && this.#batch.length === 0) {
          this.#empty = true
          if (!quiet) {
            this.emit('empty')
            this.#shrink(generation)
          }
        }
        this.#pump()
      },
      (err) => {
        if (generation !== this.#generation) return
        this.#reportError(err)
        // Try again later (disk full, lock held past busyTimeout); unref'd: an idle queue never
        // keeps the process alive.
        const delay = this.#claimRetryDelay
        this.#claimRetryDelay = Math.min(delay * 2, 5000)
        setTimeout(() => {
          if (generation !== this.#generation) return
          this.#claiming = false
          this.#pump()
        }, delay).unref()
      },
    )
  }

  /**
   * Gives the space of an emptied queue back to the file system, a few MiB per transaction so no
   * other writer waits long (the original ran VACUUM on empty), then truncates the WAL.
   */
  #shrink(generation, before = Infinity) {
    if (generation !== this.#generation || this.#stopping || !this.#empty) return
    this.#work.push(OP_SHRINK, SHRINK_PAGES).then(
      (left) => {
        // Go on while pages are left and each step gives some back.
        if (left > 0 && left < before) setImmediate(() => this.#shrink(generation, left))
      },
      (err) => this.#reportError(err),
    )
  }

  /**
   * Errors with no caller to reject (a failed claim, a corrupt row): emitted as `error` when there
   * is a listener, else as a process warning, never thrown from a callback.
   */
  #reportError(err) {
    if (this.listenerCount('error') > 0) this.emit('error', err)
    else process.emitWarning(err.message, { type: 'SqlitePersistentQueueWarning', code: err.code })
  }

  #log(msg) {
    if (this.#debug) console.log(`[sqlite-persistent-queue] ${msg}`)
  }
}

/**
 * @returns {{id:number, job:any} | Error} the job, or `ERR_CORRUPT_JOB` with `jobId` when the row
 *   is not UTF-8 text (the core marks those with a leading NUL) or not JSON
 */
function parseClaimed(id, text) {
  if (text.charCodeAt(0) === 0) {
    return queueError(Error, 'ERR_CORRUPT_JOB', `Job ${id} cannot be delivered: ${text.slice(1)}; it stays in the file`, { jobId: id })
  }
  try {
    return { id, job: JSON.parse(text) }
  } catch (err) {
    return queueError(Error, 'ERR_CORRUPT_JOB', `Job ${id} cannot be delivered: its text is not JSON (${err.message}); it stays in the file`, { jobId: id })
  }
}

/** Validates the third constructor argument. */
function checkOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'options must be an object')
  }
  // An option given as undefined takes its default.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const merged = { ...DEFAULT_OPTIONS, ...given }
  if (typeof merged.durability !== 'string') {
    throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', "options.durability must be 'full' or 'normal'")
  }
  if (merged.durability !== 'full' && merged.durability !== 'normal') {
    throw queueError(RangeError, 'ERR_OUT_OF_RANGE', `options.durability must be 'full' or 'normal'; got ${String(merged.durability)}`)
  }
  // Timers take at most 2^31-1 ms (Node clamps larger values to 1 ms).
  const limits = { busyTimeout: [0, MAX_TIMER_MS], visibilityTimeout: [30, MAX_TIMER_MS], pollInterval: [1, MAX_TIMER_MS] }
  for (const [name, [min, max]] of Object.entries(limits)) {
    const value = merged[name]
    if (typeof value !== 'number') throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', `options.${name} must be a number of ms`)
    if (!(value >= min && value <= max)) {
      throw queueError(RangeError, 'ERR_OUT_OF_RANGE', `options.${name} must be a number of ms from ${min} to ${max}`)
    }
  }
  if (merged.maxFileSize !== undefined) {
    if (typeof merged.maxFileSize !== 'number') {
      throw queueError(TypeError, 'ERR_INVALID_ARG_TYPE', 'options.maxFileSize must be a number of bytes')
    }
    if (!(Number.isSafeInteger(merged.maxFileSize) && merged.maxFileSize > 0)) {
      throw queueError(RangeError, 'ERR_OUT_OF_RANGE', 'options.maxFileSize must be a positive integer number of bytes')
    }
  }
  return merged
}

/**
 * Loads the native addon, with advice that fits this package when it is missing (the generated
 * loader's own message talks about optional dependencies, which this package does not use).
 * @throws {Error} `ERR_ADDON_NOT_BUILT` when the addon was never built (install scripts skipped)
 */
function loadBinding() {
  try {
    return require('./binding')
  } catch (err) {
    throw queueError(
      Error,
      'ERR_ADDON_NOT_BUILT',
      'sqlite-persistent-queue: the native addon is not built (its install script did not run, or failed). ' +
        'Run `npm rebuild sqlite-persistent-queue`; building needs Rust (https://rustup.rs) and a C compiler.',
      { cause: err },
    )
  }
}

module.exports = PersistentQueue
module.exports.PersistentQueue = PersistentQueue
module.exports.default = PersistentQueue
