'use strict'
/**
 * The retry policies of the package: exponential backoff from `base` ms, doubling up to `cap` ms,
 * for busy, claim and ack retries, and the `backoff` option's wait before a failed job's retry;
 * both with random jitter so that several waiting queues do not retry in lockstep. Callers ask
 * for the next delay and wait themselves (`sleep` is a plain ref'd timer).
 * Must not touch: queue state, SQLite, events.
 * @module
 */

/**
 * Named policies, in ms. `busy`: between attempts of a batch while another connection holds the
 * write lock (DESIGN.md, "SQLITE_BUSY"); each attempt returns at once instead of sleeping in
 * SQLite's busy handler on a thread-pool thread, so the wait costs the pool nothing and a short cap
 * keeps the pickup prompt once the lock is free. `claim`: after a claim failed (full disk, lock
 * held past busyTimeout); `ack`: after an ack failed, until it commits.
 */
const POLICIES = Object.freeze({
  busy: Object.freeze({ base: 1, cap: 20 }),
  claim: Object.freeze({ base: 100, cap: 5000 }),
  ack: Object.freeze({ base: 50, cap: 5000 }),
})

/** Share of each delay taken off at random (0.2: a delay d becomes a value in (0.8·d, d]). */
const JITTER = 0.2

class Backoff {
  #base
  #cap
  #delay

  /**
   * @param {{base: number, cap: number}} policy first and largest delay, in ms
   */
  constructor({ base, cap }) {
    this.#base = base
    this.#cap = cap
    this.#delay = base
  }

  /** @returns {number} ms to wait before the next attempt; each call doubles it, up to the cap */
  next() {
    const delay = this.#delay
    this.#delay = Math.min(delay * 2, this.#cap)
    return delay * (1 - JITTER * Math.random())
  }

  /** Starts again from the base delay (after a success). */
  reset() {
    this.#delay = this.#base
  }
}

/**
 * The wait before a failed job's next attempt, from the queue's `backoff` option: `fixed` waits
 * `delay` every time, `exponential` waits `delay`·2^(attempts-1); both at most `maxDelay`, less a
 * random share of up to {@link JITTER} so that jobs failing together do not retry together.
 * @param {import('./options').Backoff} backoff
 * @param {number} attempts the deliveries so far (1 after the first failure)
 * @returns {number} ms
 */
function retryDelay({ type, delay, maxDelay }, attempts) {
  const base = type === 'fixed' ? delay : delay * 2 ** Math.min(Math.max(0, attempts - 1), 52)
  return Math.round(Math.min(base, maxDelay) * (1 - JITTER * Math.random()))
}

/**
 * @param {number} ms
 * @returns {Promise<void>} resolves after `ms` milliseconds (a ref'd timer)
 */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

module.exports = { Backoff, POLICIES, retryDelay, sleep }
