/// <reference types="node" />
/**
 * Type declarations of `sqlite-persistent-queue`: a durable job queue in one SQLite file, a
 * drop-in replacement for `node-persistent-queue` 1.0.x (same constructor, methods and events)
 * whose storage runs in Rust on the libuv thread pool, with a promise worker (`process()`), a
 * `for await` loop, retries with backoff, dead letters, and delayed, prioritised and
 * de-duplicated jobs.
 *
 * Hand-written to match `index.js` and `lib/` (the runtime and its JSDoc are the source of truth).
 * The module is CommonJS: `module.exports = PersistentQueue`, with `.PersistentQueue` and
 * `.default` set to the same class, so all of these work:
 *
 * ```ts
 * import PersistentQueue from 'sqlite-persistent-queue'          // esModuleInterop, or ESM
 * import { PersistentQueue } from 'sqlite-persistent-queue'
 * import PersistentQueue = require('sqlite-persistent-queue')
 * ```
 *
 * Needs the Node.js types (`@types/node`) for `EventEmitter` and `AbortSignal`.
 * @module sqlite-persistent-queue
 */
import { EventEmitter } from 'node:events'

/**
 * A persistent queue of JSON jobs stored in one SQLite file.
 *
 * Jobs run highest `priority` first, FIFO within a priority (all jobs have priority 0 unless
 * `add()` says otherwise, so by default the queue is FIFO). A queue object consumes in one of three
 * ways, one at a time (another throws `ERR_CONSUMER_RUNNING`):
 * - the original's events (node-persistent-queue 1.0.x): `new` → `open()` → `start()` → one `next`
 *   event per job, each answered by `done()` (or `abort()`) → `stop()` → `close()`;
 * - a promise worker: {@link PersistentQueue.process | process(handler, { concurrency })};
 * - a loop: `for await (const task of queue)`, see `[Symbol.asyncIterator]()`.
 *
 * Jobs are stored as `JSON.stringify(job)`; a job left unfinished by a process that died is
 * delivered again, after the next `open()` or once its lease (`visibilityTimeout`) runs out
 * (at-least-once delivery), until it has been delivered `maxAttempts` times: then it becomes a
 * dead letter (state `failed`, see {@link PersistentQueue.getFailed | getFailed()}). Several
 * processes may use the same file.
 *
 * Events: `open`, `close`, `start`, `stop`, `next` (`{id, job}`), `empty`, `add` (`{id, job}`),
 * `delete` (`{id}`), `completed` (task, result), `retrying` (task, error, delayMs), `failed`
 * (task, error) and `error` (a {@link PersistentQueue.QueueError}), typed by
 * {@link PersistentQueue.EventMap}: `on`, `once`, `off`, `emit`, … accept only these names, with
 * listeners of the right parameters (a misspelt event name is a compile error with @types/node 20
 * to 24; 25 and later accept names outside the map).
 *
 * Every error the queue raises is an `Error` (or `TypeError`/`RangeError`) with a stable `code`
 * (see {@link PersistentQueue.QueueErrorCode}): branch on `err.code`, never on the message.
 *
 * @typeParam T the type of a job: any value `JSON.stringify` can represent. Jobs delivered by
 *   `next`, `process()`, `for await` and `getFailed()` are `JSON.parse` of the stored text, so `T`
 *   should survive a JSON round trip (a `Date` comes back as a string, `undefined` properties are
 *   dropped, a `Map` becomes `{}`). Defaults to `any`, as an untyped JavaScript caller would use it.
 */
declare class PersistentQueue<T = any> extends EventEmitter<PersistentQueue.EventMap<T>> {
  /**
   * Creates the queue object, as node-persistent-queue 1.0.x: `(filename, batchSize?, options?)`.
   * No file is touched until {@link PersistentQueue.open | open()}.
   * @param filename path of the queue file, created if missing (`''` or `':memory:'`: an in-memory
   *   queue that vanishes on close). Required, as in node-persistent-queue 1.0.x.
   * @param batchSize jobs claimed from the file per transaction: an integer from 1 to 1,000,000
   *   (default `10`, as node-persistent-queue 1.0.x; also for `undefined`), by the `next`-event
   *   consumer (one at a time when `maxAttempts` is set). A `process()` worker claims only the jobs
   *   it starts at once, a `for await` loop one: a claim counts an attempt.
   * @param options durability, lock waiting, leases, polling, size limit, attempts, backoff and job
   *   timeout, see {@link PersistentQueue.QueueOptions}. Not in node-persistent-queue 1.0.x. It
   *   must not contain `batchSize` (that throws `ERR_INVALID_ARG_VALUE`: given twice).
   * @throws {TypeError} code `ERR_INVALID_ARG_TYPE`: no filename (message as the original's:
   *   `'No filename parameter provided'`), a batchSize that is not a number (message as the
   *   original's: `'Invalid batchSize parameter.  Must be a number > 0'`), options that are not an
   *   object, or an option of the wrong type.
   * @throws {TypeError} code `ERR_INVALID_ARG_VALUE`: an unknown option (a misspelling; the message
   *   names it), `batchSize` in `options` too, or a `backoff.type` other than `'fixed'` /
   *   `'exponential'`.
   * @throws {RangeError} code `ERR_OUT_OF_RANGE`: batchSize not an integer from 1 to 1,000,000
   *   (the original's message, as above), or an option value out of its range (see each option).
   */
  constructor(filename: string, batchSize?: number, options?: PersistentQueue.QueueOptions)
  /**
   * Creates the queue object with `batchSize` among the options: `(filename, options)`. No file is
   * touched until {@link PersistentQueue.open | open()}.
   * @param filename path of the queue file, as in the other form.
   * @param options {@link PersistentQueue.QueueOptions} plus `batchSize` (default `10`), see
   *   {@link PersistentQueue.ConstructorOptions}.
   * @throws as the other form: `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE` (`TypeError`s),
   *   `ERR_OUT_OF_RANGE` (a `RangeError`).
   */
  constructor(filename: string, options: PersistentQueue.ConstructorOptions)

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
   *   `SQLITE_BUSY` (locked longer than `busyTimeout` ms), `SQLITE_FULL` (the disk is full),
   *   `ERR_NOT_A_QUEUE` (option `create: false`, and no file or no queue in it; the file is left
   *   unchanged), `ERR_SCHEMA_TOO_NEW` (the file was written by a newer version of this package).
   *   `SQLITE_*` codes are SQLite's primary result codes: https://www.sqlite.org/rescode.html
   */
  open(): Promise<void>

  /**
   * Shuts down gracefully: stops delivering and hands the jobs claimed ahead back to the queue at
   * once, lets the jobs in hand finish (their leases kept alive) for up to `timeout` ms — the
   * `next` event's job, a `process()` worker's running handlers, a `for await` loop's unsettled
   * tasks —, waits for every operation already issued, gives what this object still holds back to
   * the head of the queue, its attempt not counted (the jobs in hand too, if they were not settled
   * in time: a `next` handler's later `done()` then acks nothing and resolves, a worker's handlers
   * see their `task.signal` abort with an `ERR_QUEUE_CLOSED` error, a loop task's `done()`,
   * `fail()` and `release()` reject with `ERR_QUEUE_CLOSED`), ends a `for await` loop and resolves
   * the promise of `process()`, gives an emptied queue's space back, checkpoints the WAL into the
   * main file, closes the file and emits `close`. Stops delivery without emitting `stop`. Closing
   * twice, or before `open()`, resolves.
   * @param options `timeout`: ms to wait for the jobs in hand, 0 to 2^31-1 (default: the
   *   `closeTimeout` option, 5000), see {@link PersistentQueue.CloseOptions}.
   * @returns a promise that resolves (with nothing) once the file is closed.
   * @throws (rejects) `SQLITE_BUSY` (locked longer than `busyTimeout` ms, also while an ack or retry
   *   issued before the deadline waits to commit; the queue stays open and working) or
   *   `SQLITE_IOERR` if the claimed jobs cannot be returned; `ERR_INVALID_ARG_TYPE`
   *   (options that are not an object, a timeout that is not a number), `ERR_INVALID_ARG_VALUE`
   *   (an unknown option) or `ERR_OUT_OF_RANGE` (a timeout out of range) for bad options, which
   *   change nothing.
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
   * Number of jobs in the file, queued, delayed and running (claimed by this or another process;
   * dead letters are not counted), as last counted by this object. Inside an event listener: the
   * count right after that event's own operation, also when several operations committed together
   * (three adds in one tick: the `add` listeners see 1, 2, 3).
   * @returns the count, or `null` before the first `open()`; after `close()`, the last count.
   *   (node-persistent-queue 1.0.x also returned `null` before open; its typings said `number`.)
   */
  getLength(): number | null

  /**
   * Starts the original's consumer: emits `start`, then `next` for each job in queue order, one at
   * a time (the next job only after `done()` of the previous one has committed). Nothing is
   * claimed while there is no `next` listener; one added later gets the waiting jobs. Jobs whose
   * time (`delay`/`runAt`) has come are included. With the `maxAttempts` option, a job claimed
   * that many times without a `done()` becomes a dead letter instead (event `failed`, code
   * `ERR_TOO_MANY_ATTEMPTS`); without it, attempts are unlimited here (unless the job has its own
   * `maxAttempts`). An exception thrown by a `start` listener is thrown by `start()`.
   * @throws {Error} code `ERR_NOT_OPEN`: `'Open queue database before starting queue'` (message as
   *   node-persistent-queue 1.0.x), when the queue is not open; `ERR_QUEUE_CLOSED` after or while
   *   `close()` runs; `ERR_CONSUMER_RUNNING` while a `process()` worker or a `for await` loop
   *   consumes on this object.
   */
  start(): void

  /**
   * Stops the `next` events after the current one and emits `stop`. The job in hand can still be
   * acknowledged with `done()`; the jobs claimed ahead (`batchSize`) go back to the queue for
   * other consumers. Does not throw (but an exception thrown by a `stop` listener is thrown by
   * `stop()`). It does not stop a `process()` worker or a `for await` loop (it only emits `stop`
   * then): those end with `close()`, or when the loop exits.
   */
  stop(): void

  /**
   * Acknowledges the job of the last `next` event: deletes it from the file, then delivers the
   * next job. Call it exactly once per `next` event (or call `abort()` instead). For a
   * `process()` worker return from the handler instead, and in a `for await` loop call
   * `task.done()`: a `done()` there would ack one of their jobs in hand (and no `completed` event
   * would follow).
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
   * Gives the job of the last `next` event back to the head of the queue (the delivery counts as
   * an attempt) and stops the queue, emitting `stop` (as node-persistent-queue 1.0.x: the job is
   * delivered again after `start()`). Its handler's later `done()` acks nothing. Does not throw.
   * Meant for the `next` consumer only: while a `process()` worker or a `for await` loop consumes,
   * it would give back one of their jobs in hand.
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
   * @param options when it may run (`delay` or `runAt`), its `priority`, its own `maxAttempts`, a
   *   de-duplication `key`: see {@link PersistentQueue.AddOptions}. Not in node-persistent-queue
   *   1.0.x.
   * @returns a promise of the new job's id (a positive integer, increasing in add order); with a
   *   `key` that a queued, delayed or running job holds, that job's id (nothing is stored and no
   *   `add` is emitted).
   * @throws (rejects) `ERR_INVALID_JOB` (a `TypeError`) for `undefined`, functions, symbols,
   *   BigInt, circular objects, or a getter or `toJSON` that throws (its exception is the
   *   error's `cause`): nothing is stored; for bad options `ERR_INVALID_ARG_TYPE`,
   *   `ERR_INVALID_ARG_VALUE` (`TypeError`s) or `ERR_OUT_OF_RANGE` (a `RangeError`), naming the
   *   option; `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_FULL` (`maxFileSize` reached, or the
   *   disk nearly full: consumers keep draining), `SQLITE_BUSY`, `SQLITE_READONLY`,
   *   `SQLITE_TOOBIG` (larger than SQLite's length limit, https://www.sqlite.org/limits.html).
   */
  add(job: T, options?: PersistentQueue.AddOptions): Promise<number>

  /**
   * Enqueues every job of the array in one transaction: all of them or none. Each is stored as
   * `JSON.stringify(job)`; `add` is emitted for each job stored, in array order, once committed.
   * Not in node-persistent-queue 1.0.x.
   * @param jobs the jobs, in the order they are added (`[]` resolves `[]`).
   * @param options as `add()`'s ({@link PersistentQueue.AddOptions}), applied to each job; with a
   *   `key`, the first job takes it and the others resolve its id.
   * @returns a promise of the ids, in array order.
   * @throws (rejects) `ERR_INVALID_ARG_TYPE` (a `TypeError`) when `jobs` is not an array;
   *   `ERR_INVALID_JOB` when any job is not JSON (nothing is stored); otherwise as `add()`:
   *   bad options, `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_FULL` (nothing is stored),
   *   `SQLITE_BUSY`, …
   */
  addAll(jobs: readonly T[], options?: PersistentQueue.AddOptions): Promise<number[]>

  /**
   * A promise worker: runs `handler(job, task)` for each job, up to `concurrency` at once,
   * starting them in queue order, until the queue is closed; it waits for jobs (polling for other
   * processes' adds every `pollInterval` ms) and keeps the process alive meanwhile, as a listening
   * server does. Each job is settled by its handler's outcome:
   * - it returns or resolves a value: the job is acked (deleted), then `completed` is emitted with
   *   `(task, result)`;
   * - it throws or rejects (or runs past `jobTimeout`): the attempt failed. With attempts left
   *   (`maxAttempts`; **default 1 for `process()`**, i.e. no retry) the job waits its `backoff`
   *   in state `delayed` (the jobs behind it run meanwhile) and `retrying` is emitted with
   *   `(task, error, delayMs)`; at the limit it becomes a dead letter, with the error's `name`,
   *   `message`, `code` and `stack` stored, and `failed` is emitted with `(task, error)`.
   *
   * Settles of jobs that finish together commit in one transaction; each event follows its own
   * commit. Claims take `max(batchSize, 2 × concurrency)` jobs and keep up to `concurrency` claimed
   * ahead. A handler that runs past `jobTimeout` is not stopped (JavaScript cannot stop it): its
   * `task.signal` aborts, its attempt fails at once, its later outcome is ignored, and it keeps its
   * concurrency slot until it settles; watch the signal. Not in node-persistent-queue 1.0.x.
   * @param handler `(job, task) => result or promise`, see {@link PersistentQueue.Handler}.
   * @param options `concurrency`, see {@link PersistentQueue.ProcessOptions}.
   * @returns a promise that resolves (with nothing) once the queue has closed; it never rejects
   *   (failures with no caller, such as a settle that SQLite refuses and that is retried, are
   *   `error` events).
   * @throws {TypeError} synchronously: code `ERR_INVALID_ARG_TYPE` (the handler is not a function,
   *   options that are not an object, a concurrency that is not a number), `ERR_INVALID_ARG_VALUE`
   *   (an unknown option).
   * @throws {RangeError} code `ERR_OUT_OF_RANGE`: concurrency not an integer from 1 to 10,000.
   * @throws {Error} code `ERR_NOT_OPEN` (call `open()` and wait for it first), `ERR_QUEUE_CLOSED`
   *   (closed, or `close()` in progress), `ERR_CONSUMER_RUNNING` (this object already consumes:
   *   `start()`, another `process()`, or a `for await` loop; use another queue object).
   */
  process(handler: PersistentQueue.Handler<T>, options?: PersistentQueue.ProcessOptions): Promise<void>

  /**
   * `for await (const task of queue)`: yields one {@link PersistentQueue.IteratedTask} at a time
   * (`{id, job, attempts, done(), fail(error?), release()}`), in queue order, waiting for jobs
   * while the queue is empty (the loop keeps the process alive then), and ends when the queue is
   * closed. The loop settles each task once, with `task.done()`, `task.fail(error)` or
   * `task.release()`. When the loop exits (`break`, `return`, a `throw`), the tasks it left
   * unsettled go back to the head of the queue, their attempt not counted, and no more are
   * claimed. Failed attempts follow `maxAttempts` (**default 1 here**) and `backoff`, with the
   * events `retrying` and `failed`, as `process()`; `jobTimeout` does not apply. Not in
   * node-persistent-queue 1.0.x.
   * @returns the loop's iterator (each call starts a new loop).
   * @throws {Error} synchronously: code `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`,
   *   `ERR_CONSUMER_RUNNING` (this object already consumes: `start()`, `process()` or another
   *   loop that has not exited).
   */
  [Symbol.asyncIterator](): PersistentQueue.TaskIterator<T>

  /**
   * Turns debug logging (to stdout with `console.log`, as node-persistent-queue 1.0.x) on or off:
   * every log line (see the `logger` option) is printed as
   * `[sqlite-persistent-queue] <level> <event>: <message> (<fields>)`. No effect when a `logger`
   * option was given: that logger's own level decides.
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

  /**
   * @returns `true` between `start()` and `stop()` / `abort()` / `close()` (the `next` consumer;
   *   `false` while a `process()` worker or a `for await` loop consumes). Does not throw.
   */
  isStarted(): boolean

  /** @returns `true` between a resolved `open()` and the end of `close()`. Does not throw. */
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
   * @returns a promise of `true` when a job with this id is queued, delayed or running (in hand of
   *   any process), `false` otherwise (also for a dead letter).
   * @throws (rejects) `ERR_INVALID_ARG_TYPE` (a `TypeError`) when id is not a safe integer;
   *   `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`.
   */
  has(id: number): Promise<boolean>

  /**
   * Finds the jobs equal to `job`, compared as JSON text (as node-persistent-queue 1.0.x: the
   * stored text must equal `JSON.stringify(job)`, so property order matters). Dead letters are
   * not searched.
   * @param job the job to look for.
   * @returns a promise of the matching ids in id (add) order (`[]` when none); with priorities,
   *   that may differ from the order they run in.
   * @throws (rejects) `ERR_INVALID_JOB` (a `TypeError`), `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`.
   */
  getJobIds(job: T): Promise<number[]>

  /**
   * The first id {@link PersistentQueue.getJobIds | getJobIds(job)} finds.
   * @param job the job to look for, compared as `JSON.stringify(job)`.
   * @returns a promise of the lowest id of a matching job, or `null`.
   * @throws (rejects) as `getJobIds()`: `ERR_INVALID_JOB`, `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`.
   */
  getFirstJobId(job: T): Promise<number | null>

  /**
   * Deletes a job by id, whatever its state (a dead letter too), emits `delete` with `{id}` and
   * resolves the id. A job deleted while a consumer holds it is not acked twice: that consumer's
   * ack finds nothing.
   * @param id a job id, as resolved by `add()` (a safe integer).
   * @returns a promise of the deleted job's id (the `id` argument).
   * @throws (rejects) `ERR_JOB_NOT_FOUND` when no job has this id (the length is unchanged);
   *   `ERR_INVALID_ARG_TYPE` (a `TypeError`) when id is not a safe integer; `ERR_NOT_OPEN`,
   *   `ERR_QUEUE_CLOSED`, `SQLITE_BUSY`.
   */
  delete(id: number): Promise<number>

  /**
   * Counts the jobs of the file per state, in every process, in one read. Not in
   * node-persistent-queue 1.0.x.
   * @returns a promise of `{queued, delayed, running, failed}`, see
   *   {@link PersistentQueue.QueueStats}.
   * @throws (rejects) `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_BUSY`.
   */
  stats(): Promise<PersistentQueue.QueueStats>

  /**
   * Lists dead letters (state `failed`), in id (add) order, one page at a time. Not in
   * node-persistent-queue 1.0.x.
   * @param options `limit` (default 100) and `offset` (default 0), see
   *   {@link PersistentQueue.PageOptions}.
   * @returns a promise of up to `limit` {@link PersistentQueue.FailedJob}s
   *   `{id, job, attempts, failedAt, error}` (`[]` past the end).
   * @throws (rejects) `ERR_INVALID_ARG_TYPE` (a `TypeError`: options that are not an object, a
   *   limit or offset that is not a number), `ERR_INVALID_ARG_VALUE` (an unknown option),
   *   `ERR_OUT_OF_RANGE` (a `RangeError`: not an integer from 0 to 2^31-1), `ERR_NOT_OPEN`,
   *   `ERR_QUEUE_CLOSED`.
   */
  getFailed(options?: PersistentQueue.PageOptions): Promise<PersistentQueue.FailedJob<T>[]>

  /**
   * Lists the jobs of one state with their bookkeeping, one page at a time, for an operator's
   * view: queued jobs in claim order (highest priority, then id), delayed ones by due time, running
   * ones and dead letters by id. Not in node-persistent-queue 1.0.x.
   * @param options `state` (required), `limit` (default 100) and `offset` (default 0), see
   *   {@link PersistentQueue.ListOptions}.
   * @returns a promise of up to `limit` {@link PersistentQueue.JobInfo}s.
   * @throws (rejects) `ERR_INVALID_ARG_VALUE` (a `TypeError`: a `state` that is not one of the four,
   *   or an unknown option), `ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE` (for `limit`/`offset`, as
   *   `getFailed()`), `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`.
   */
  list(options: PersistentQueue.ListOptions): Promise<PersistentQueue.JobInfo<T>[]>

  /**
   * Reads one job by id, whatever its state (a dead letter too), with its bookkeeping. Not in
   * node-persistent-queue 1.0.x.
   * @param id a job id (a safe integer).
   * @returns a promise of the {@link PersistentQueue.JobInfo}, or `null` when no job has this id.
   * @throws (rejects) `ERR_INVALID_ARG_TYPE` (a `TypeError`) when id is not a safe integer;
   *   `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`.
   */
  getJob(id: number): Promise<PersistentQueue.JobInfo<T> | null>

  /**
   * Runs SQLite's integrity check on the file (`PRAGMA integrity_check`, up to 100 problems:
   * https://www.sqlite.org/pragma.html#pragma_integrity_check), then sets node-persistent-queue
   * 1.0.x's `queue_count` counter to the number of live jobs (every state but dead letters), which
   * raw SQL writes into the file may have left wrong. A write transaction. Not in
   * node-persistent-queue 1.0.x.
   * @returns a promise of the {@link PersistentQueue.CheckReport}
   *   `{ok, problems, counterBefore, counterAfter}`.
   * @throws (rejects) `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_BUSY`, `SQLITE_CORRUPT`, ….
   */
  check(): Promise<PersistentQueue.CheckReport>

  /**
   * Moves one dead letter back to the queue (state `queued`, at once, at its place by priority and
   * id), its attempts reset to 0 and its stored error cleared. Emits no event. Not in
   * node-persistent-queue 1.0.x.
   * @param id the dead letter's id (a safe integer).
   * @returns a promise of `id`.
   * @throws (rejects) `ERR_JOB_NOT_FOUND` when `id` is not a dead letter, or when a queued,
   *   delayed or running job holds its de-duplication `key` (that job stands for it), or when an
   *   older dead letter has the same key; `ERR_INVALID_ARG_TYPE` (a `TypeError`) when id is not a
   *   safe integer; `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_BUSY`.
   */
  retry(id: number): Promise<number>

  /**
   * Moves every dead letter back to the queue, as {@link PersistentQueue.retry | retry(id)} (of
   * several with one `key`, only the oldest; none whose key a live job holds). Emits no event.
   * Not in node-persistent-queue 1.0.x.
   * @returns a promise of how many moved (`0` when none).
   * @throws (rejects) `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_BUSY`.
   */
  retryFailed(): Promise<number>

  /**
   * Deletes every queued and delayed job of the file, whichever process added it (not running
   * jobs, nor dead letters). Emits no `delete` event. Not in node-persistent-queue 1.0.x.
   * @returns a promise of how many were deleted.
   * @throws (rejects) `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED`, `SQLITE_BUSY`.
   */
  purge(): Promise<number>

  /**
   * Alias of {@link PersistentQueue.purge | purge()}, under the name that index.js says was on
   * node-persistent-queue 1.0.x's TODO list.
   * @returns a promise of how many were deleted.
   * @throws (rejects) as `purge()`.
   */
  deleteAll(): Promise<number>
}

/** Types of `sqlite-persistent-queue`, and the class again as named and default export. */
declare namespace PersistentQueue {
  /**
   * Third constructor argument (not in node-persistent-queue 1.0.x). Every property is optional
   * (an option given as `undefined` takes its default); the defaults are `{ durability: 'full',
   * busyTimeout: 5000, visibilityTimeout: 30000, pollInterval: 100, closeTimeout: 5000, backoff:
   * { type: 'exponential', delay: 1000, maxDelay: 300000 }, create: true }`, and no `maxFileSize`,
   * `maxAttempts` or `jobTimeout`. An unknown property makes the constructor throw a `TypeError`
   * with code `ERR_INVALID_ARG_VALUE` (a misspelt option never goes unnoticed).
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
    durability?: 'full' | 'normal' | undefined
    /**
     * Milliseconds (ms) an operation waits out `SQLITE_BUSY` (another process holding the write
     * lock, https://www.sqlite.org/rescode.html#busy) before it rejects with code `SQLITE_BUSY`.
     * From 0 to 2^31-1 (the largest timer delay Node accepts); default `5000` (also for
     * `undefined`). Otherwise the constructor throws a `RangeError` with code `ERR_OUT_OF_RANGE`
     * (a `TypeError` with code `ERR_INVALID_ARG_TYPE` if not a number).
     */
    busyTimeout?: number | undefined
    /**
     * Lease of a claimed job, in milliseconds (ms); default `30000`. The queue renews the leases of
     * the jobs it holds every third of this; if its process hangs (event loop blocked) for longer,
     * other consumers of the same file may take the job (at-least-once delivery). From 30 to
     * 2^31-1, else the constructor throws as for `busyTimeout`.
     */
    visibilityTimeout?: number | undefined
    /**
     * Milliseconds (ms) between checks, while a consumer waits and the queue is empty, for jobs
     * that other processes added (`PRAGMA data_version`, a read that takes no lock:
     * https://www.sqlite.org/pragma.html#pragma_data_version); default `100`. From 1 to 2^31-1,
     * else the constructor throws as for `busyTimeout`. Delayed jobs need no polling: the consumer
     * sets a timer for the next one due.
     */
    pollInterval?: number | undefined
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
     * Milliseconds (ms) `close()` waits for the jobs in hand to be settled before it gives them
     * back to the queue; default `5000`. From 0 to 2^31-1, else the constructor throws as for
     * `busyTimeout`. `close({ timeout })` overrides it for one call.
     */
    closeTimeout?: number | undefined
    /**
     * Deliveries of a job before it becomes a dead letter (state `failed`, see `getFailed()`): an
     * integer from 1 to 2^31-1. Default (or `undefined`): 1 for `process()` and `for await` (a
     * failed attempt is not retried), unlimited for the `next` events. An attempt is counted when
     * the job is claimed, so a crash during a job counts: a job that kills its process every time
     * stops after this many (event `failed`, code `ERR_TOO_MANY_ATTEMPTS`). `abort()` counts;
     * `close()` past its timeout and a loop's `release()` do not. `add(job, { maxAttempts })`
     * overrides it per job. Out of range: the constructor throws a `RangeError` with code
     * `ERR_OUT_OF_RANGE` (a `TypeError` with code `ERR_INVALID_ARG_TYPE` if not a number).
     */
    maxAttempts?: number | undefined
    /**
     * The wait before a failed attempt's retry (`process()`, a loop's `task.fail()`), see
     * {@link BackoffOptions}; default `{ type: 'exponential', delay: 1000, maxDelay: 300000 }`.
     * Properties left out take these defaults. Not an object: the constructor throws a
     * `TypeError` with code `ERR_INVALID_ARG_TYPE`; an unknown property, `ERR_INVALID_ARG_VALUE`.
     */
    backoff?: BackoffOptions | undefined
    /**
     * Milliseconds (ms) a `process()` handler may run: then its `task.signal` aborts with an
     * `ERR_JOB_TIMEOUT` error and the attempt fails with it (retried or dead-lettered as a thrown
     * error). The handler itself is not stopped: it should watch the signal. From 1 to 2^31-1;
     * default (or `undefined`): no limit. Else the constructor throws as for `busyTimeout`. Does
     * not apply to `next` handlers or `for await` loops.
     */
    jobTimeout?: number | undefined
    /**
     * Whether `open()` may create the file and the queue's tables (default `true`). `false` (for
     * operator tools that must not create a queue by mistake): `open()` of a missing file, or of
     * an SQLite file without a queue, rejects with code `ERR_NOT_A_QUEUE` and leaves it as it
     * was. Not a boolean: the constructor throws a `TypeError` with code `ERR_INVALID_ARG_TYPE`.
     */
    create?: boolean | undefined
    /**
     * Where the queue's log lines go: a pino-compatible logger (pino, bunyan, or any object with
     * `debug`, `info`, `warn` and `error` methods taking an object of fields and a message). Each
     * line's fields carry `event` (a stable name: `open`, `close`, `recovered`, `retry`,
     * `dead-letter`, `lease-expired`, `lease-lost`, `busy`, `busy-timeout`, `claim`,
     * `claim-halved`, `claim-retry`, `settle-retry`, `deliver`, `ack`, `skip`, `shrink`,
     * `checkpoint`; see docs/api.md) and `queue` (the file's path). Without it, lines go to stdout
     * after `setDebug(true)`, else nowhere. A logger method that throws loses its line, never a
     * job. Not such an object: the constructor throws a `TypeError` with code
     * `ERR_INVALID_ARG_TYPE` naming the missing methods.
     */
    logger?: Logger | undefined
  }

  /**
   * Second constructor argument in the form `new PersistentQueue(filename, options)`: the
   * {@link QueueOptions} plus `batchSize`.
   */
  export interface ConstructorOptions extends QueueOptions {
    /**
     * Jobs claimed from the file per transaction: an integer from 1 to 1,000,000; default (or
     * `undefined`) `10`. Not a number: the constructor throws a `TypeError` with code
     * `ERR_INVALID_ARG_TYPE`; out of range, a `RangeError` with code `ERR_OUT_OF_RANGE` (both with
     * node-persistent-queue 1.0.x's message `'Invalid batchSize parameter.  Must be a number > 0'`).
     */
    batchSize?: number | undefined
  }

  /**
   * The `backoff` option: how long a job waits, in state `delayed`, between a failed attempt and
   * the next one. The wait before attempt n+1 is `delay` (`'fixed'`) or `delay`·2^(n-1)
   * (`'exponential'`), at most `maxDelay`, less a random jitter of up to 20% so that jobs failing
   * together do not retry together, rounded to whole ms (the `retrying` event's `delayMs`).
   */
  export interface BackoffOptions {
    /**
     * `'fixed'` or `'exponential'` (default). Anything else makes the constructor throw a
     * `TypeError` with code `ERR_INVALID_ARG_VALUE`.
     */
    type?: 'fixed' | 'exponential' | undefined
    /**
     * Milliseconds (ms) of the first wait: 0 to 2^31-1, default `1000`. Else the constructor throws
     * a `RangeError` with code `ERR_OUT_OF_RANGE` (a `TypeError` with code `ERR_INVALID_ARG_TYPE`
     * if not a number).
     */
    delay?: number | undefined
    /**
     * Longest wait, in milliseconds (ms): from `delay` to 2^31-1; default the larger of `delay` and
     * `300000` (5 minutes). Else the constructor throws as for `delay`.
     */
    maxDelay?: number | undefined
  }

  /**
   * The options of `add(job, options)` and `addAll(jobs, options)` (not in node-persistent-queue
   * 1.0.x); every property optional, an `undefined` one ignored. Options that are not an object
   * (`null`) reject with a `TypeError` with code `ERR_INVALID_ARG_TYPE`; an unknown property with
   * `ERR_INVALID_ARG_VALUE`. Nothing is stored when an option is refused.
   */
  export interface AddOptions {
    /**
     * Milliseconds (ms) from now before the job may run (it waits in state `delayed`; the consumer
     * sets a timer for the next job due, so it runs promptly then). From 0 to the last time a
     * `Date` can hold (8.64e15 ms since the epoch) minus now, else the add rejects with a
     * `RangeError` with code `ERR_OUT_OF_RANGE` (a `TypeError` with code `ERR_INVALID_ARG_TYPE`
     * if not a number). Exclusive with `runAt`: both reject with `ERR_INVALID_ARG_VALUE`.
     */
    delay?: number | undefined
    /**
     * When the job may run, on the wall clock: a `Date`, or ms since the epoch (as `Date.now()`),
     * from 0 to 8.64e15 (a time past runs at once). An invalid `Date` or a number out of range
     * rejects with a `RangeError` with code `ERR_OUT_OF_RANGE`; another type with a `TypeError`
     * with code `ERR_INVALID_ARG_TYPE`. Exclusive with `delay`.
     */
    runAt?: Date | number | undefined
    /**
     * An integer from -(2^53-1) to 2^53-1 (a safe integer); default `0`. Higher runs first; FIFO
     * within a priority. Else the add rejects with a `RangeError` with code `ERR_OUT_OF_RANGE` (a
     * `TypeError` with code `ERR_INVALID_ARG_TYPE` if not a number).
     */
    priority?: number | undefined
    /**
     * This job's deliveries before it becomes a dead letter, instead of the queue's `maxAttempts`
     * option: an integer from 1 to 2^31-1. Else the add rejects as for `priority`.
     */
    maxAttempts?: number | undefined
    /**
     * De-duplication key, a non-empty string: while a job with this key is queued, delayed or
     * running, an add with the same key stores nothing, emits no `add` and resolves that job's id.
     * Once that job is acked, deleted or dead-lettered, the key is free again. Another value
     * rejects with a `TypeError` with code `ERR_INVALID_ARG_TYPE`.
     */
    key?: string | undefined
  }

  /** The options of `process(handler, options)`. An unknown property throws `ERR_INVALID_ARG_VALUE`. */
  export interface ProcessOptions {
    /**
     * Handlers running at once: an integer from 1 to 10,000; default (or `undefined`) `1`. Else
     * `process()` throws a `RangeError` with code `ERR_OUT_OF_RANGE` (a `TypeError` with code
     * `ERR_INVALID_ARG_TYPE` if not a number).
     */
    concurrency?: number | undefined
  }

  /** The options of `getFailed(options)`. An unknown property rejects with `ERR_INVALID_ARG_VALUE`. */
  export interface PageOptions {
    /**
     * Most dead letters to return: an integer from 0 to 2^31-1; default (or `undefined`) `100`.
     * Else `getFailed()` rejects with a `RangeError` with code `ERR_OUT_OF_RANGE` (a `TypeError`
     * with code `ERR_INVALID_ARG_TYPE` if not a number).
     */
    limit?: number | undefined
    /** Dead letters to skip first: an integer from 0 to 2^31-1; default `0`. Checked as `limit`. */
    offset?: number | undefined
  }

  /**
   * The state of a job: `queued` (waiting, claimed by highest priority, then id), `delayed`
   * (waiting for its `delay`/`runAt` or a retry's backoff), `running` (claimed by a consumer of
   * some process, under a lease), `failed` (a dead letter).
   */
  export type JobState = 'queued' | 'delayed' | 'running' | 'failed'

  /**
   * The options of `list(options)`, required. Options that are not an object reject with a
   * `TypeError` (code `ERR_INVALID_ARG_TYPE`); a missing `state` or an unknown property with code
   * `ERR_INVALID_ARG_VALUE`.
   */
  export interface ListOptions extends PageOptions {
    /** The state to list; anything else rejects with a `TypeError` with code `ERR_INVALID_ARG_VALUE`. */
    state: JobState
  }

  /**
   * A job with its bookkeeping, as `list()` and `getJob()` resolve it.
   * @typeParam T the job type of the queue.
   */
  export interface JobInfo<T = any> {
    /** The job id. */
    id: number
    /** Its state. */
    state: JobState
    /** `JSON.parse` of the stored job; `undefined` when the stored text is not JSON (see `corrupt`). */
    job: T | undefined
    /** Present only when the stored text is not JSON: why (the `ERR_CORRUPT_JOB` message). */
    corrupt?: string
    /** Its priority (higher runs first; default 0). */
    priority: number
    /** Deliveries so far. */
    attempts: number
    /** Its own `maxAttempts` (from `add()`), or `null`: the consumer's default. */
    maxAttempts: number | null
    /** When it was added (wall clock), or `null` if unknown. */
    createdAt: Date | null
    /** When it may run (a delayed job, or one waiting out a retry's backoff), or `null`. */
    runAt: Date | null
    /** When it was last claimed, or `null`. */
    startedAt: Date | null
    /** When it became a dead letter, or `null`. */
    failedAt: Date | null
    /** The error of its last failed attempt, or `null`. */
    error: StoredError | null
  }

  /** A pino-compatible logger: each method takes an object of fields, then a message. */
  export interface Logger {
    debug(fields: LogFields, message: string): void
    info(fields: LogFields, message: string): void
    warn(fields: LogFields, message: string): void
    error(fields: LogFields, message: string): void
  }

  /** The fields of a log line: `event` and `queue` always, then the event's own (ids, counts, ms). */
  export interface LogFields {
    /** The line's stable name, e.g. `retry` or `lease-expired`. */
    event: string
    /** The queue file's path. */
    queue: string
    [field: string]: unknown
  }

  /** What `check()` resolves. */
  export interface CheckReport {
    /** `true` when SQLite's integrity check found no problem (`problems` is empty). */
    ok: boolean
    /** What `PRAGMA integrity_check` reported, up to 100 lines (`[]` when the file is sound). */
    problems: string[]
    /**
     * node-persistent-queue 1.0.x's `queue_count` counter before the check, or `null` when its
     * table did not hold exactly one row.
     */
    counterBefore: number | null
    /** The counter after the check: the number of live jobs (every state but dead letters). */
    counterAfter: number
  }

  /** The argument of `close()`. An unknown property rejects with `ERR_INVALID_ARG_VALUE`. */
  export interface CloseOptions {
    /**
     * Milliseconds (ms) to wait for the jobs in hand to be settled before they go back to the
     * queue, 0 to 2^31-1; default (or `undefined`): the `closeTimeout` option (5000). Otherwise
     * `close()` rejects with `ERR_OUT_OF_RANGE` (a `RangeError`) or `ERR_INVALID_ARG_TYPE` (a
     * `TypeError`).
     */
    timeout?: number | undefined
  }

  /**
   * The handler of `process()`: called with the job (`JSON.parse` of the stored text) and its
   * {@link WorkerTask}. Its return value (or what its promise resolves) is the `completed`
   * event's `result`; throwing or rejecting (with anything, `Error` or not) fails the attempt.
   * @typeParam T the job type of the queue.
   */
  export type Handler<T = any> = (job: T, task: WorkerTask<T>) => unknown

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
     * A job to run (the `start()` consumer), as a {@link Task} `{id, job}` where `job` is the
     * `JSON.parse` of the stored text. Call `done()` once when it is finished, or `abort()`. An
     * exception thrown by a `next` listener is not caught (as in node-persistent-queue 1.0.x).
     */
    next: [task: Task<T>]
    /** The started queue found no job waiting (once each time it runs dry). */
    empty: []
    /**
     * A job was committed by `add()` or `addAll()`: `{id, job}` where `job` is the very value
     * passed. Not emitted for an add that a de-duplication `key` resolved to an existing job.
     */
    add: [task: Task<T>]
    /** A job was deleted by `delete(id)`. */
    delete: [info: { id: number }]
    /**
     * A `process()` handler's job was acked (emitted after the commit): the handler's own
     * {@link WorkerTask} and the value it returned or resolved. Not emitted for `done()` of the
     * `next` events nor for a loop's `task.done()`.
     */
    completed: [task: WorkerTask<T>, result: unknown]
    /**
     * An attempt failed with attempts left (a `process()` handler threw, rejected or ran past
     * `jobTimeout`; a loop's `task.fail(error)`): the job waits `delayMs` ms (its `backoff`) in
     * state `delayed`, then runs again (emitted after the commit). `task` is `{id, job, attempts}`
     * (for `process()`, the handler's own {@link WorkerTask}); `error` is whatever was thrown or
     * passed to `fail()` (an `ERR_JOB_TIMEOUT` error for `jobTimeout`).
     */
    retrying: [task: AttemptedTask<T>, error: unknown, delayMs: number]
    /**
     * A job became a dead letter (emitted after the commit): a failed attempt with none left
     * (`error` as for `retrying`), or, on any consumer, a job claimed more than `maxAttempts`
     * times without being settled (a crash each time; `error` is a {@link QueueError} with code
     * `ERR_TOO_MANY_ATTEMPTS` and `jobId`, `task.attempts` the limit). `task` is `{id, job,
     * attempts}` (for `process()`, the handler's own {@link WorkerTask}); `job` is `undefined`
     * only when such a job's stored text is no longer JSON.
     */
    failed: [task: AttemptedTask<T | undefined>, error: unknown]
    /**
     * A failure with no caller to reject, as a {@link QueueError}: a job row that cannot be parsed
     * (code `ERR_CORRUPT_JOB`, with `jobId`; the row becomes a dead letter with that error), a
     * failed background operation: a claim, a settle retry, a lease renewal, a checkpoint or the
     * poll for other processes' jobs (an SQLite code such as `SQLITE_BUSY`, `SQLITE_IOERR`), or
     * the exception a listener of `open`, `close`, `add`, `delete`, `empty`, `completed`,
     * `retrying` or `failed` threw (whatever it threw; the operation itself succeeded; its `code`
     * is whatever that exception carries). Without an `error` listener these become process
     * warnings (`SqlitePersistentQueueWarning`), never throws.
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
   * A delivered job with its attempt count: the task of the `retrying` and `failed` events, and
   * the base of {@link WorkerTask} and {@link IteratedTask}.
   * @typeParam T the job type of the queue.
   */
  export interface AttemptedTask<T = any> extends Task<T> {
    /**
     * Deliveries of this job so far, this one included (1 on the first), reset by `retry()`.
     * Deliveries handed back by `close()` or a loop's `release()`/exit are not counted.
     */
    attempts: number
  }

  /**
   * The second argument of a `process()` handler, `{id, job, attempts, signal}`, and the task of
   * its `completed`, `retrying` and `failed` events.
   * @typeParam T the job type of the queue.
   */
  export interface WorkerTask<T = any> extends AttemptedTask<T> {
    /**
     * Aborted when the handler should give up: its `reason` is an `Error` with code
     * `ERR_JOB_TIMEOUT` (it ran past `jobTimeout` ms; the attempt has failed) or `ERR_QUEUE_CLOSED`
     * (`close()` stopped waiting for it; the job went back to the queue). Pass it to `fetch()`,
     * timers and streams. Made on first read.
     */
    readonly signal: AbortSignal
  }

  /**
   * A task of a `for await (const task of queue)` loop: `{id, job, attempts}` and the functions
   * that settle it. Settle each task once, with one of them (they need no `this`: they can be
   * passed around detached). Each returns a promise that resolves (with nothing) once committed,
   * and rejects with code `ERR_NO_CURRENT_JOB` when the task was settled already, or
   * `ERR_QUEUE_CLOSED` when the queue closed first (the job went back to the queue). A task left
   * unsettled when the loop exits goes back to the head of the queue, its attempt not counted.
   * @typeParam T the job type of the queue.
   */
  export interface IteratedTask<T = any> extends AttemptedTask<T> {
    /** Acks the task: its job is deleted. Emits no `completed` event. */
    done: () => Promise<void>
    /**
     * Fails this attempt: retried after the `backoff` while attempts are left (event `retrying`),
     * else a dead letter with `error` stored (event `failed`), as a throwing `process()` handler.
     * @param error what failed (default, also for `undefined`: an `Error` with code
     *   `ERR_TASK_FAILED`); its `name`, `message`, `code` and `stack` are stored.
     */
    fail: (error?: unknown) => Promise<void>
    /** Gives the job back to the head of the queue, this attempt not counted. */
    release: () => Promise<void>
  }

  /**
   * The iterator of a `for await` loop over a queue (from `queue[Symbol.asyncIterator]()`), itself
   * async-iterable.
   * @typeParam T the job type of the queue.
   */
  export interface TaskIterator<T = any> extends AsyncIterator<IteratedTask<T>, undefined> {
    /**
     * @returns a promise of the next task (`{value: task, done: false}`), waiting while the queue
     *   is empty; `{value: undefined, done: true}` once the queue is closed or the loop exited.
     */
    next(): Promise<IteratorResult<IteratedTask<T>, undefined>>
    /**
     * Ends the loop (called by `break`, `return` or a `throw` in a `for await` body): its
     * unsettled tasks go back to the head of the queue, their attempts not counted, and no more
     * are claimed.
     * @returns a promise of `{value: undefined, done: true}`, once the tasks are back.
     */
    return(): Promise<IteratorReturnResult<undefined>>
    /** @returns this iterator. */
    [Symbol.asyncIterator](): TaskIterator<T>
  }

  /** What `stats()` resolves: jobs per state in the whole file (every process), one read. */
  export interface QueueStats {
    /** Waiting to run. */
    queued: number
    /**
     * Waiting for their `delay`/`runAt`, or for a retry's `backoff` (a job that came due is counted
     * here until a consumer's next claim moves it to `queued`).
     */
    delayed: number
    /** Claimed by a consumer of any process, under a lease (including jobs claimed ahead). */
    running: number
    /** Dead letters, see `getFailed()`. */
    failed: number
  }

  /**
   * A dead letter, as `getFailed()` resolves it.
   * @typeParam T the job type of the queue.
   */
  export interface FailedJob<T = any> {
    /** The job id. */
    id: number
    /**
     * `JSON.parse` of the stored job; `undefined` when the stored text is not JSON (a row that
     * became a dead letter with `ERR_CORRUPT_JOB`).
     */
    job: T | undefined
    /** Deliveries it had. */
    attempts: number
    /** When it became a dead letter (wall clock), or `null` if unknown. */
    failedAt: Date | null
    /** The error of its last attempt, or `null` if none is stored. */
    error: StoredError | null
  }

  /**
   * The error of a failed attempt as stored with the job (JSON): the thrown value's fields, read
   * without ever throwing.
   */
  export interface StoredError {
    /** `error.name` (`'Error'` when missing or when a non-object was thrown). */
    name: string
    /** `error.message`, or `String(thrown)` for a non-object. */
    message: string
    /** `String(error.code)` (e.g. `'ERR_JOB_TIMEOUT'`), or `null` when it has none. */
    code: string | null
    /** `error.stack`, or `null` when it has none. */
    stack: string | null
  }

  /**
   * The `code` of every error this package raises (`err.code`), stable across versions: branch on
   * it, never on the message. `ERR_*` codes are this package's; `SQLITE_*` codes are SQLite's
   * primary result codes (https://www.sqlite.org/rescode.html) as reported by the native core.
   * - `ERR_NOT_OPEN`: the queue was never opened (call `open()` and wait for it first).
   * - `ERR_QUEUE_CLOSED`: the queue was closed (call `open()` before using it again); also the
   *   `task.signal` reason of a `process()` handler `close()` stopped waiting for.
   * - `ERR_NO_CURRENT_JOB`: `done()` with no job in hand, or a second settle of one delivery
   *   (`done()` twice; a loop task's `done()`/`fail()`/`release()` after another).
   * - `ERR_CONSUMER_RUNNING`: `start()`, `process()` or a `for await` loop while this object
   *   already consumes another way; use another queue object.
   * - `ERR_TOO_MANY_ATTEMPTS`: (`failed` event, stored error) a job was claimed more than
   *   `maxAttempts` times without being settled; it is a dead letter now (with `jobId`).
   * - `ERR_JOB_TIMEOUT`: (`task.signal.reason`, `retrying`/`failed` events, stored error) a
   *   `process()` handler ran longer than `jobTimeout`.
   * - `ERR_TASK_FAILED`: the error of a loop's `task.fail()` called without one.
   * - `ERR_JOB_NOT_FOUND`: `delete(id)` of an id that is not in the queue; `retry(id)` of an id
   *   that is not a dead letter (or whose key a live job holds).
   * - `ERR_INVALID_JOB`: a job JSON cannot represent (`undefined`, function, symbol, BigInt, cycle).
   * - `ERR_INVALID_ARG_TYPE`: an argument of the wrong type (no filename, an id that is not a
   *   safe integer, a handler that is not a function, an option of the wrong type, ...).
   * - `ERR_INVALID_ARG_VALUE`: an unknown option, a NUL in a path, `batchSize` given twice,
   *   `delay` with `runAt`, a bad `backoff.type`.
   * - `ERR_PATH_TOO_LONG`: a path over 504 bytes, the longest SQLite opens.
   * - `ERR_OUT_OF_RANGE`: a bad `batchSize` or option value.
   * - `ERR_NOT_SUPPORTED`: `getSqlite3()`.
   * - `ERR_CORRUPT_JOB`: a stored job that is not UTF-8 JSON (`error` event, with `jobId`; it
   *   becomes a dead letter).
   * - `ERR_SCHEMA_TOO_NEW`: the file was written by a newer version of this package.
   * - `ERR_NOT_A_QUEUE`: `open()` with option `create: false` of a missing file or of an SQLite
   *   file without a queue (it is left unchanged).
   * - `ERR_INVALID_ARG`, `ERR_INTERNAL`: bugs of this package; please report them.
   * - `ERR_ADDON_NOT_BUILT`: thrown by `require()` when the native addon was never built; run
   *   `npm rebuild sqlite-persistent-queue` (needs Rust).
   * - `SQLITE_BUSY` / `SQLITE_LOCKED`: locked for longer than `busyTimeout` ms; retry later.
   * - `SQLITE_NOTADB`: the file is not an SQLite database. `SQLITE_CANTOPEN`: missing folder or
   *   no access. `SQLITE_READONLY`, `SQLITE_PERM`: no write access. `SQLITE_FULL`: disk full or
   *   `maxFileSize` reached. `SQLITE_TOOBIG`: job too large. `SQLITE_CORRUPT`, `SQLITE_IOERR`,
   *   `SQLITE_NOMEM`, `SQLITE_CONSTRAINT`, `SQLITE_INTERRUPT`, `SQLITE_PROTOCOL`,
   *   `SQLITE_ERROR`: as SQLite says.
   *
   * `(string & {})` keeps the type open to codes added later while still offering the known ones
   * for completion.
   */
  export type QueueErrorCode =
    | 'ERR_NOT_OPEN'
    | 'ERR_QUEUE_CLOSED'
    | 'ERR_NO_CURRENT_JOB'
    | 'ERR_CONSUMER_RUNNING'
    | 'ERR_TOO_MANY_ATTEMPTS'
    | 'ERR_JOB_TIMEOUT'
    | 'ERR_TASK_FAILED'
    | 'ERR_JOB_NOT_FOUND'
    | 'ERR_INVALID_JOB'
    | 'ERR_INVALID_ARG_TYPE'
    | 'ERR_INVALID_ARG_VALUE'
    | 'ERR_PATH_TOO_LONG'
    | 'ERR_OUT_OF_RANGE'
    | 'ERR_NOT_SUPPORTED'
    | 'ERR_CORRUPT_JOB'
    | 'ERR_SCHEMA_TOO_NEW'
    | 'ERR_NOT_A_QUEUE'
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
   * Thrown or rejected by the methods (see each method's `@throws`), passed to the `error` event,
   * or (codes `ERR_TOO_MANY_ATTEMPTS`, `ERR_JOB_TIMEOUT`, `ERR_TASK_FAILED`, `ERR_QUEUE_CLOSED`)
   * to the `failed`/`retrying` events and as a `task.signal`'s reason. Narrow a caught `unknown`
   * with `(err as QueueError).code`.
   */
  export interface QueueError extends Error {
    /** Stable code, see {@link QueueErrorCode}. */
    code: QueueErrorCode
    /**
     * Id of the job concerned: set for `ERR_CORRUPT_JOB` (the row that cannot be parsed) and
     * `ERR_TOO_MANY_ATTEMPTS` (the job that became a dead letter).
     */
    jobId?: number
  }

  export { PersistentQueue, PersistentQueue as default }
}

export = PersistentQueue
