/// <reference types="node" />
/**
 * Type declarations of `sqlite-persistent-queue`: a durable FIFO job queue in one SQLite file, a
 * drop-in replacement for `node-persistent-queue` 1.0.x (same constructor, methods and events)
 * whose storage runs in Rust on the libuv thread pool.
 *
 * Hand-written to match `index.js` (the runtime and its JSDoc are the source of truth). The module
 * is CommonJS: `module.exports = PersistentQueue`, with `.PersistentQueue` and `.default` set to
 * the same class, so all of these work:
 *
 * ```ts
 * import PersistentQueue from 'sqlite-persistent-queue'          // esModuleInterop, or ESM
 * import { PersistentQueue } from 'sqlite-persistent-queue'
 * import PersistentQueue = require('sqlite-persistent-queue')
 * ```
 *
 * Needs the Node.js types (`@types/node`) for `EventEmitter`.
 * @module sqlite-persistent-queue
 */
import { EventEmitter } from 'node:events'

/**
 * A persistent FIFO queue of JSON jobs stored in one SQLite file.
 *
 * Life cycle (as node-persistent-queue 1.0.x): `new` → `open()` → `start()` → one `next` event per
 * job, each answered by `done()` (or `abort()`) → `stop()` → `close()`. Jobs are stored as
 * `JSON.stringify(job)`; a job left unfinished by a process that died is delivered again, after
 * the next `open()` or once its lease (`visibilityTimeout`) runs out (at-least-once delivery).
 * Several processes may use the same file.
 *
 * Events: `open`, `close`, `start`, `stop`, `next` (`{id, job}`), `empty`, `add` (`{id, job}`),
 * `delete` (`{id}`) and `error` (a {@link PersistentQueue.QueueError}), typed by
 * {@link PersistentQueue.EventMap}: `on`, `once`, `off`, `emit`, … accept only these names, with
 * listeners of the right parameters (a misspelt event name is a compile error).
 *
 * Every error the queue raises is an `Error` (or `TypeError`/`RangeError`) with a stable `code`
 * (see {@link PersistentQueue.QueueErrorCode}): branch on `err.code`, never on the message.
 *
 * @typeParam T the type of a job: any value `JSON.stringify` can represent. Jobs delivered by
 *   `next` are `JSON.parse` of the stored text, so `T` should survive a JSON round trip (a `Date`
 *   comes back as a string, `undefined` properties are dropped, a `Map` becomes `{}`).
 *   Defaults to `any`, as an untyped JavaScript caller would use it.
 */
declare class PersistentQueue<T = any> extends EventEmitter<PersistentQueue.EventMap<T>> {
  /**
   * Creates the queue object. No file is touched until {@link PersistentQueue.open | open()}.
   * @param filename path of the queue file, created if missing (`''` or `':memory:'`: an in-memory
   *   queue that vanishes on close). Required, as in node-persistent-queue 1.0.x.
   * @param batchSize jobs claimed from the file per transaction: an integer from 1 to 1,000,000
   *   (default `10`, as node-persistent-queue 1.0.x).
   * @param options durability, lock waiting, leases, polling and size limit, see
   *   {@link PersistentQueue.QueueOptions}. Not in node-persistent-queue 1.0.x.
   * @throws {TypeError} code `ERR_INVALID_ARG_TYPE`: no filename (message as the original's:
   *   `'No filename parameter provided'`), a filename that is not a string, a batchSize that is not
   *   a number, options that are not an object, or an option of the wrong type.
   * @throws {RangeError} code `ERR_OUT_OF_RANGE`: batchSize not an integer from 1 to 1,000,000
   *   (message as the original's: `'Invalid batchSize parameter.  Must be a number > 0'`), or a bad
   *   option value (`durability` not `'full'`/`'normal'`, a timeout out of its range, a
   *   `maxFileSize` that is not a positive integer).
   */
  constructor(filename: string, batchSize?: number, options?: PersistentQueue.QueueOptions)

  /**
   * Path of the queue file, as passed to the constructor (`':memory:'` for an in-memory queue,
   * including when `''` was passed). Read-only.
   */
  readonly dbPath: string

  /** Jobs claimed from the file per transaction (the constructor's `batchSize`). Read-only. */
  readonly batchSize: number

  /**
   * Opens the queue file (creating it, or migrating an older schema), returns to the head of the
   * queue the jobs of processes it can prove dead (same machine and boot, same PID namespace,
   * process gone or a zombie; any other holder's jobs come back when its lease runs out), then
   * emits `open`. Opening an open queue resolves at once; a queue can be opened again after
   * `close()`. The filename is opened literally, never as an SQLite `file:` URI.
   * @returns a promise that resolves (with nothing) once the queue is open.
   * @throws (rejects) `ERR_INVALID_ARG_TYPE` (a `TypeError`: the filename is not a string; as in
   *   node-persistent-queue 1.0.x the constructor accepts it and `open()` rejects),
   *   `ERR_INVALID_ARG_VALUE` (a NUL in the filename), `ERR_PATH_TOO_LONG` (a `RangeError`: the
   *   absolute path is over 504 bytes, the longest SQLite opens), `SQLITE_CANTOPEN` (missing
   *   folder), `SQLITE_NOTADB` (not a queue file; it is left unchanged), `SQLITE_READONLY`,
   *   `SQLITE_BUSY` (locked longer than `busyTimeout` ms), `ERR_SCHEMA_TOO_NEW` (the file was
   *   written by a newer version of this package). Codes are SQLite's primary result codes:
   *   https://www.sqlite.org/rescode.html
   */
  open(): Promise<void>

  /**
   * Shuts down gracefully: stops delivering and hands the jobs claimed ahead back to the queue at
   * once, lets the job in hand finish (its lease kept alive) for up to `timeout` ms, waits for
   * every operation already issued, gives what this object still holds back to the queue (the job
   * in hand too, if it was not done in time: its handler's later `done()` then acks nothing and
   * resolves), gives an emptied queue's space back, checkpoints the WAL into the main file, closes
   * the file and emits `close`. Stops delivery without emitting `stop`. Closing twice, or before
   * `open()`, resolves.
   * @param options `timeout`: ms to wait for the job in hand, 0 to 2^31-1 (default: the
   *   `closeTimeout` option, 5000).
   * @returns a promise that resolves (with nothing) once the file is closed.
   * @throws (rejects) `SQLITE_BUSY` (locked longer than `busyTimeout` ms; the queue stays open and
   *   working) or `SQLITE_IOERR` if the claimed jobs cannot be returned; `ERR_INVALID_ARG_TYPE`,
   *   `ERR_INVALID_ARG_VALUE` (an unknown option) or `ERR_OUT_OF_RANGE` for bad options.
   */
  close(options?: PersistentQueue.CloseOptions): Promise<void>

  /**
   * Writes a consistent copy of the queue, with every operation issued on this object before the
   * call, to `destination`, with SQLite's online backup API (https://www.sqlite.org/backup.html):
   * other processes keep adding and consuming meanwhile. The copy is one file (no `-wal`); an
   * SQLite database already at `destination` is replaced.
   * @param destination path of the copy (opened literally, as the queue's own path).
   * @returns a promise that resolves (with nothing) once the copy is complete.
   * @throws (rejects) `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_PATH_TOO_LONG` (as
   *   `open()`), `SQLITE_CANTOPEN` (missing folder), `SQLITE_NOTADB` (something other than a
   *   database is there; it is left alone), `SQLITE_BUSY` (another connection uses the
   *   destination), `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`.
   */
  backup(destination: string): Promise<void>

  /**
   * Number of jobs in the file, waiting and running (claimed by this or another process), as last
   * counted by this object. Inside an event listener: the count right after that event's own
   * operation, also when several operations committed together (three adds in one tick: the
   * `add` listeners see 1, 2, 3).
   * @returns the count, or `null` before the first `open()`. (node-persistent-queue 1.0.x also
   *   returned `null` before open; its typings said `number`.)
   */
  getLength(): number | null

  /**
   * Starts delivering jobs: emits `start`, then `next` for each job in FIFO order, one at a time
   * (the next job only after `done()` of the previous one has committed). Nothing is claimed while
   * there is no `next` listener; one added later gets the waiting jobs.
   * @throws {Error} code `ERR_NOT_OPEN`: `'Open queue database before starting queue'` (message as
   *   node-persistent-queue 1.0.x), when the queue is not open; `ERR_QUEUE_CLOSED` while
   *   `close()` runs.
   */
  start(): void

  /**
   * Stops delivering jobs after the current one and emits `stop`. The job in hand can still be
   * acknowledged with `done()`; the jobs claimed ahead (`batchSize`) go back to the queue for
   * other consumers. Does not throw.
   */
  stop(): void

  /**
   * Acknowledges the job of the last `next` event: deletes it from the file, then delivers the
   * next job. Call it exactly once per `next` event (or call `abort()` instead).
   *
   * Unlike node-persistent-queue 1.0.x (`done(): void`) it returns a promise; ignoring it is
   * safe: the promise is marked handled, so it never becomes an unhandled rejection. If SQLite
   * fails (e.g. `SQLITE_BUSY` past `busyTimeout`, `SQLITE_IOERR`), the failure is emitted as
   * `error` (a process warning without a listener) and the ack is retried with backoff, up to
   * 5 s apart, until it commits or the queue is closed; no other job is delivered meanwhile.
   *
   * A `done()` answers the delivery of `task` when it is a `next` payload of this queue (the very
   * object the event passed), else the delivery whose handler calls it (AsyncLocalStorage follows
   * the handler through its `await`s), else the job in hand, as in node-persistent-queue 1.0.x
   * (which ignored arguments; so are arguments that are not a payload). For a job that already
   * went back to the queue (`abort()`, or `close()` after its timeout), it acks nothing and
   * resolves. Pass `task` when calling from outside the handler's async context (a
   * `worker_threads` message listener): otherwise a late reply would ack the job now in hand.
   * @param task the object the `next` event passed (optional)
   * @returns a promise that resolves (with nothing) once the ack is committed; it rejects only
   *   with `ERR_QUEUE_CLOSED` when the queue was closed first (the job then goes back to the
   *   queue and is delivered again).
   * @throws {Error} synchronously (not as a rejection): code `ERR_NO_CURRENT_JOB` when no job is
   *   in hand (`done()` twice, or before `next`); `ERR_NOT_OPEN` / `ERR_QUEUE_CLOSED` when the
   *   queue is not open. Nothing is deleted then.
   */
  done(task?: PersistentQueue.Task<T>): Promise<void>

  /**
   * Gives the job in hand back to the head of the queue and stops the queue, emitting `stop`
   * (as node-persistent-queue 1.0.x: the job is delivered again after `start()`). Its handler's
   * later `done()` acks nothing. Does not throw.
   */
  abort(): void

  /**
   * Enqueues a job. It is stored as `JSON.stringify(job)` and committed (fsync'd with durability
   * `'full'`), then `add` is emitted with `{id, job}` and the promise resolves with the id. The
   * promise says whether the add committed: an exception thrown by an `add` listener is reported
   * as an `error` event, never as a rejection.
   * Concurrent adds commit together and resolve their ids in call order. May be called while
   * `open()` is in progress: it waits for the open.
   * @param job any value JSON can represent.
   * @returns a promise of the new job's id (a positive integer, increasing in add order).
   * @throws (rejects) `ERR_INVALID_JOB` (a `TypeError`) for `undefined`, functions, symbols,
   *   BigInt, circular objects, or a getter or `toJSON` that throws (its exception is the
   *   error's `cause`): nothing is stored; `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_FULL`
   *   (`maxFileSize` reached, or the disk nearly full: consumers keep draining), `SQLITE_BUSY`,
   *   `SQLITE_READONLY`, `SQLITE_TOOBIG` (larger than SQLite's length limit,
   *   https://www.sqlite.org/limits.html).
   */
  add(job: T): Promise<number>

  /**
   * Turns debug logging (to stdout with `console.log`, as node-persistent-queue 1.0.x) on or off.
   * @param debug `true` to log, `false` to stop.
   * @returns this queue, for chaining.
   */
  setDebug(debug: boolean): this

  /**
   * @returns `true` when no job is waiting (as last seen by this object), `false` otherwise.
   * @throws {Error} code `ERR_NOT_OPEN`: `'Call open() method before calling isEmpty()'` (message
   *   as node-persistent-queue 1.0.x), before `open()` or after `close()`.
   */
  isEmpty(): boolean

  /** @returns `true` between `start()` and `stop()` / `abort()` / `close()`. Does not throw. */
  isStarted(): boolean

  /** @returns `true` between a resolved `open()` and `close()`. Does not throw. */
  isOpen(): boolean

  /**
   * Not available: node-persistent-queue 1.0.x returned its `sqlite3` `Database` handle; this
   * package has no JavaScript database handle (the connection lives in native code). Open the
   * file with your own SQLite client (WAL mode) if you need raw access.
   * @returns never returns.
   * @throws {Error} always, with code `ERR_NOT_SUPPORTED`.
   */
  getSqlite3(): never

  /**
   * Tells whether a job is still in the queue.
   * @param id a job id, as resolved by `add()` (a safe integer).
   * @returns a promise of `true` when a job with this id is in the queue (waiting, or in hand of
   *   any process), `false` otherwise.
   * @throws (rejects) `ERR_INVALID_ARG_TYPE` (a `TypeError`) when id is not a safe integer;
   *   `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`.
   */
  has(id: number): Promise<boolean>

  /**
   * Finds the jobs equal to `job`, compared as JSON text (as node-persistent-queue 1.0.x: the
   * stored text must equal `JSON.stringify(job)`, so property order matters).
   * @param job the job to look for.
   * @returns a promise of the matching ids in execution order (`[]` when none).
   * @throws (rejects) `ERR_INVALID_JOB` (a `TypeError`), `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`.
   */
  getJobIds(job: T): Promise<number[]>

  /**
   * The first id {@link PersistentQueue.getJobIds | getJobIds(job)} finds.
   * @param job the job to look for, compared as `JSON.stringify(job)`.
   * @returns a promise of the id of the first matching job in execution order, or `null`.
   * @throws (rejects) as `getJobIds()`: `ERR_INVALID_JOB`, `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`.
   */
  getFirstJobId(job: T): Promise<number | null>

  /**
   * Deletes a job by id, emits `delete` with `{id}` and resolves the id.
   * @param id a job id, as resolved by `add()` (a safe integer).
   * @returns a promise of the deleted job's id (the `id` argument).
   * @throws (rejects) `ERR_JOB_NOT_FOUND` when no job has this id (the length is unchanged);
   *   `ERR_INVALID_ARG_TYPE` (a `TypeError`) when id is not a safe integer; `ERR_NOT_OPEN`,
   *   `ERR_QUEUE_CLOSED`, `SQLITE_BUSY`.
   */
  delete(id: number): Promise<number>
}

/** Types of `sqlite-persistent-queue`, and the class again as named and default export. */
declare namespace PersistentQueue {
  /**
   * Third constructor argument (not in node-persistent-queue 1.0.x). Every property is optional;
   * the defaults are `{ durability: 'full', busyTimeout: 5000, visibilityTimeout: 30000,
   * pollInterval: 100 }` and no `maxFileSize`. An unknown property makes the constructor throw a
   * `TypeError` with code `ERR_INVALID_ARG_VALUE` (a misspelt option never goes unnoticed).
   */
  export interface QueueOptions {
    /**
     * When a resolved `add()` is safe (default `'full'`):
     * - `'full'`: it is fsync'd and survives power loss (`PRAGMA synchronous=FULL`);
     * - `'normal'`: it survives a process crash, but a power loss may drop the last adds
     *   (`PRAGMA synchronous=NORMAL` in WAL mode).
     *
     * Transactions without adds (acks, claims, deletes) commit with `NORMAL`.
     * See https://www.sqlite.org/pragma.html#pragma_synchronous. `undefined` gives the default;
     * another string makes the constructor throw a `RangeError` with code `ERR_OUT_OF_RANGE`, a
     * non-string a `TypeError` with code `ERR_INVALID_ARG_TYPE`.
     */
    durability?: 'full' | 'normal'
    /**
     * Milliseconds (ms) an operation waits out `SQLITE_BUSY` (another process holding the write
     * lock, https://www.sqlite.org/rescode.html#busy) before it rejects with code `SQLITE_BUSY`.
     * From 0 to 2^31-1 (the largest timer delay Node accepts); default `5000` (also for
     * `undefined`). Otherwise the constructor throws a `RangeError` with code `ERR_OUT_OF_RANGE`
     * (a `TypeError` with code `ERR_INVALID_ARG_TYPE` if not a number).
     */
    busyTimeout?: number
    /**
     * Lease of a claimed job, in milliseconds (ms); default `30000`. The queue renews the leases of
     * the jobs it holds every third of this; if its process hangs (event loop blocked) for longer,
     * other consumers of the same file may take the job (at-least-once delivery). From 30 to
     * 2^31-1, else the constructor throws as for `busyTimeout`.
     */
    visibilityTimeout?: number
    /**
     * Milliseconds (ms) between checks, while the queue is started and empty, for jobs that other
     * processes added (`PRAGMA data_version`, a read that takes no lock:
     * https://www.sqlite.org/pragma.html#pragma_data_version); default `100`. From 1 to 2^31-1,
     * else the constructor throws as for `busyTimeout`.
     */
    pollInterval?: number
    /**
     * Largest database file size in bytes (`PRAGMA max_page_count`:
     * https://www.sqlite.org/pragma.html#pragma_max_page_count); adds past it reject with code
     * `SQLITE_FULL` and change nothing. Claims and acks may use a reserve above it (a tenth of it,
     * at least 16 pages), so a full queue still drains. Default (or `undefined`): no limit. A
     * positive safe integer, else the constructor throws a `RangeError` with code
     * `ERR_OUT_OF_RANGE` (a `TypeError` with code `ERR_INVALID_ARG_TYPE` if not a number).
     */
    maxFileSize?: number | undefined
    /**
     * Milliseconds (ms) `close()` waits for the job in hand to be `done()` before it gives it back
     * to the queue; default `5000`. From 0 to 2^31-1, else the constructor throws as for
     * `busyTimeout`. `close({ timeout })` overrides it for one call.
     */
    closeTimeout?: number
  }

  /** The argument of `close()`. */
  export interface CloseOptions {
    /**
     * Milliseconds (ms) to wait for the job in hand to be `done()` before it goes back to the
     * queue, 0 to 2^31-1; default: the `closeTimeout` option (5000). Otherwise `close()` rejects
     * with `ERR_OUT_OF_RANGE` (a `RangeError`) or `ERR_INVALID_ARG_TYPE` (a `TypeError`).
     */
    timeout?: number
  }

  /**
   * The events of a queue and their arguments, for `EventEmitter<EventMap<T>>` (@types/node):
   * each key is an event name, its value the listener's parameters.
   * @typeParam T the job type of the queue.
   */
  export interface EventMap<T = any> {
    /**
     * The queue file is open (emitted by `open()`, after recovery). No argument: unlike
     * node-persistent-queue 1.0.x, which passed its `sqlite3` `Database`.
     */
    open: []
    /** The queue file was closed by `close()`. */
    close: []
    /** Emitted by `start()`, before the first `next`. */
    start: []
    /** Emitted by `stop()` and `abort()` (not by `close()`). */
    stop: []
    /**
     * A job to run, as a {@link Task} `{id, job}` where `job` is the `JSON.parse` of the stored
     * text. Call `done()` once when it is finished, or `abort()`.
     */
    next: [task: Task<T>]
    /** The started queue found no job waiting (once each time it runs dry). */
    empty: []
    /** A job was committed by `add()`: `{id, job}` where `job` is the very value passed to `add()`. */
    add: [task: Task<T>]
    /** A job was deleted by `delete(id)`. */
    delete: [info: { id: number }]
    /**
     * A failure with no caller to reject, as a {@link QueueError}: a job row that cannot be parsed
     * (code `ERR_CORRUPT_JOB`, with `jobId`; the row stays in the file), a failed background
     * operation: a claim, an ack retry, a lease renewal, a checkpoint or the poll for other
     * processes' jobs (an SQLite code such as `SQLITE_BUSY`, `SQLITE_IOERR`), or the exception a
     * listener of `open`, `close`, `add`, `delete` or `empty` threw (whatever it threw; the
     * operation itself succeeded; its `code` is whatever that exception carries). Without an
     * `error` listener these become process warnings (`SqlitePersistentQueueWarning`), never throws.
     */
    error: [err: QueueError]
  }

  /**
   * A job with its id, the argument of the `next` and `add` events (`{id, job}`, as
   * node-persistent-queue 1.0.x).
   * @typeParam T the job type of the queue.
   */
  export interface Task<T = any> {
    /**
     * The job id, as resolved by `add()`: a positive integer, increasing in add order and never
     * reused (an SQLite `INTEGER PRIMARY KEY AUTOINCREMENT`, the schema of node-persistent-queue
     * 1.0.x: https://www.sqlite.org/autoinc.html).
     */
    id: number
    /**
     * The job. In `next`: `JSON.parse` of the stored `JSON.stringify(job)`. In `add`: the value
     * passed to `add()`.
     */
    job: T
  }

  /**
   * The `code` of every error this package raises (`err.code`), stable across versions: branch on
   * it, never on the message. `ERR_*` codes are this package's; `SQLITE_*` codes are SQLite's
   * primary result codes (https://www.sqlite.org/rescode.html) as reported by the native core.
   * - `ERR_NOT_OPEN`: the queue was never opened (call `open()` and wait for it first).
   * - `ERR_QUEUE_CLOSED`: the queue was closed (call `open()` before using it again).
   * - `ERR_NO_CURRENT_JOB`: `done()` with no job in hand.
   * - `ERR_JOB_NOT_FOUND`: `delete(id)` of an id that is not in the queue.
   * - `ERR_INVALID_JOB`: a job JSON cannot represent (`undefined`, function, symbol, BigInt, cycle).
   * - `ERR_INVALID_ARG_TYPE`: an argument of the wrong type (no filename, an id that is not a
   *   safe integer, ...).
   * - `ERR_INVALID_ARG_VALUE`: an unknown option, a NUL in a path.
   * - `ERR_PATH_TOO_LONG`: a path over 504 bytes, the longest SQLite opens.
   * - `ERR_OUT_OF_RANGE`: a bad `batchSize` or option value.
   * - `ERR_NOT_SUPPORTED`: `getSqlite3()`.
   * - `ERR_CORRUPT_JOB`: a stored job that is not UTF-8 JSON (`error` event, with `jobId`).
   * - `ERR_SCHEMA_TOO_NEW`: the file was written by a newer version of this package.
   * - `ERR_INVALID_ARG`, `ERR_INTERNAL`: bugs of this package; please report them.
   * - `ERR_ADDON_NOT_BUILT`: thrown by `require()` when the native addon was never built; run
   *   `npm rebuild sqlite-persistent-queue` (needs Rust).
   * - `SQLITE_BUSY` / `SQLITE_LOCKED`: locked for longer than `busyTimeout` ms; retry later.
   * - `SQLITE_NOTADB`: the file is not an SQLite database. `SQLITE_CANTOPEN`: missing folder or
   *   no access. `SQLITE_READONLY`, `SQLITE_PERM`: no write access. `SQLITE_FULL`: disk full.
   *   `SQLITE_TOOBIG`: job too large. `SQLITE_CORRUPT`, `SQLITE_IOERR`, `SQLITE_NOMEM`,
   *   `SQLITE_CONSTRAINT`, `SQLITE_INTERRUPT`, `SQLITE_PROTOCOL`, `SQLITE_ERROR`: as SQLite says.
   *
   * `(string & {})` keeps the type open to codes added later while still offering the known ones
   * for completion.
   */
  export type QueueErrorCode =
    | 'ERR_NOT_OPEN'
    | 'ERR_QUEUE_CLOSED'
    | 'ERR_NO_CURRENT_JOB'
    | 'ERR_JOB_NOT_FOUND'
    | 'ERR_INVALID_JOB'
    | 'ERR_INVALID_ARG_TYPE'
    | 'ERR_INVALID_ARG_VALUE'
    | 'ERR_PATH_TOO_LONG'
    | 'ERR_OUT_OF_RANGE'
    | 'ERR_NOT_SUPPORTED'
    | 'ERR_CORRUPT_JOB'
    | 'ERR_SCHEMA_TOO_NEW'
    | 'ERR_INVALID_ARG'
    | 'ERR_INTERNAL'
    | 'ERR_ADDON_NOT_BUILT'
    | 'SQLITE_BUSY'
    | 'SQLITE_LOCKED'
    | 'SQLITE_NOTADB'
    | 'SQLITE_FULL'
    | 'SQLITE_READONLY'
    | 'SQLITE_CANTOPEN'
    | 'SQLITE_CORRUPT'
    | 'SQLITE_IOERR'
    | 'SQLITE_PERM'
    | 'SQLITE_TOOBIG'
    | 'SQLITE_NOMEM'
    | 'SQLITE_CONSTRAINT'
    | 'SQLITE_INTERRUPT'
    | 'SQLITE_PROTOCOL'
    | 'SQLITE_ERROR'
    | (string & {})

  /**
   * An error raised by the queue: an `Error`, `TypeError` or `RangeError` with a stable `code`.
   * Thrown or rejected by the methods (see each method's `@throws`), or passed to the `error`
   * event. Narrow a caught `unknown` with `(err as QueueError).code`.
   */
  export interface QueueError extends Error {
    /** Stable code, see {@link QueueErrorCode}. */
    code: QueueErrorCode
    /** Id of the job concerned: set for `ERR_CORRUPT_JOB` (the row that cannot be parsed). */
    jobId?: number
  }

  export { PersistentQueue, PersistentQueue as default }
}

export = PersistentQueue
