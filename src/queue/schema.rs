//! The on-disk schema and its migrations, keyed on `PRAGMA user_version`
//! (<https://www.sqlite.org/pragma.html#pragma_user_version>). Each migration runs in one
//! `BEGIN IMMEDIATE` transaction, so a crash mid-migration leaves the previous version intact.
//!
//! Version 0 is either a new file or a file written by node-persistent-queue 1.0.x, whose schema
//! is `queue(id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT)`, a one-row `queue_count(counter)`
//! and two triggers keeping the counter equal to the row count. We keep the tables, so the
//! original library can still read the file and ids continue after its last one (AUTOINCREMENT),
//! and add the state columns of a claim. The triggers go: they doubled the cost of every insert
//! and delete; the batch executor updates `queue_count` once per transaction instead. The original
//! recreates them when it opens the file, so [`migrate`] drops them again whenever it finds them.

use rusqlite::Connection;

use super::error::{QueueError, Result};
use super::transaction::{transaction, Begin};

/// The SQL literal of the row state "queued" (waiting to be claimed), for `concat!` in queries.
macro_rules! queued {
    () => {
        "0"
    };
}
/// The SQL literal of the row state "running" (claimed by the owner in `owner_pid`,
/// `owner_token`, `owner_boot`, `owner_pidns`, `owner_timens` since `started_at`, until
/// `lease_until` on the monotonic clock of boot `owner_boot` in time namespace `owner_timens`, or
/// `lease_wall` on the wall clock), for `concat!` in queries.
macro_rules! running {
    () => {
        "1"
    };
}
/// The SQL literal of the row state "failed" (a dead letter: out of attempts, or unreadable; kept
/// with `failed_at` and `last_error` until retried or deleted), for `concat!` in queries.
macro_rules! failed {
    () => {
        "2"
    };
}
/// The SQL literal of the row state "delayed" (waiting until `run_at`, wall-clock ms: a delayed
/// add or a retry's backoff), for `concat!` in queries.
macro_rules! delayed {
    () => {
        "3"
    };
}
pub(crate) use {delayed, failed, queued, running};

/// The condition of the unique index on `dedup_key`: a key counts while its job is queued,
/// running or delayed. An upsert's conflict target must repeat it word for word.
macro_rules! live_key {
    () => {
        concat!(
            "dedup_key IS NOT NULL AND state IN (",
            queued!(),
            ", ",
            running!(),
            ", ",
            delayed!(),
            ")"
        )
    };
}
pub(crate) use live_key;

/// The states of a job row, as stored in `queue.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting to be claimed, in `priority` then id order.
    Queued = 0,
    /// Claimed by an owner under a lease.
    Running = 1,
    /// A dead letter: out of attempts or unreadable.
    Failed = 2,
    /// Waiting until its `run_at`.
    Delayed = 3,
}

impl JobState {
    /// The state stored as `n`, if it is one.
    pub fn from_i64(n: i64) -> Option<JobState> {
        Some(match n {
            0 => JobState::Queued,
            1 => JobState::Running,
            2 => JobState::Failed,
            3 => JobState::Delayed,
            _ => return None,
        })
    }
}

/// The schema version this library writes.
pub const CURRENT_VERSION: i64 = 3;

/// Version 1: the original's tables (created if missing) plus claim state columns.
const V1: &str = concat!(
    "CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT);
     CREATE TABLE IF NOT EXISTS queue_count (counter BIGINT);
     INSERT INTO queue_count SELECT 0 AS counter WHERE NOT EXISTS (SELECT * FROM queue_count);
     ALTER TABLE queue ADD COLUMN state INTEGER NOT NULL DEFAULT ",
    queued!(),
    ";
     ALTER TABLE queue ADD COLUMN created_at INTEGER;
     ALTER TABLE queue ADD COLUMN started_at INTEGER;
     ALTER TABLE queue ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE queue ADD COLUMN owner_pid INTEGER;
     ALTER TABLE queue ADD COLUMN owner_token TEXT;
     ALTER TABLE queue ADD COLUMN lease_until INTEGER;
     CREATE INDEX IF NOT EXISTS queue_claimed ON queue (owner_token) WHERE state = ",
    running!(),
    ";
     PRAGMA user_version = 1;"
);

/// Version 2: the owner's boot and PID namespace, so that only provably dead owners are recovered
/// at open (containers share pids); leases move from the wall clock to the monotonic clock of the
/// owner's boot (`lease_until`, see `clock.rs`). Claims of version 1 carry wall-clock leases that
/// mean nothing now: they go back to the queue (at-least-once; upgrade all processes together).
const V2: &str = concat!(
    "ALTER TABLE queue ADD COLUMN owner_boot INTEGER;
     ALTER TABLE queue ADD COLUMN owner_pidns INTEGER;
     UPDATE queue SET state = ",
    queued!(),
    ", owner_pid = NULL, owner_token = NULL, lease_until = NULL WHERE state = ",
    running!(),
    ";
     PRAGMA user_version = 2;"
);

/// Version 3: priorities, delayed jobs (`run_at`), attempt limits, de-duplication keys and dead
/// letters (`failed_at`, `last_error`), with the partial indexes the claim path reads: ready jobs
/// in claim order, delayed jobs by due time, dead letters, and the keys of live jobs (unique).
/// Claims also record the owner's time namespace and a wall-clock deadline, for owners whose
/// monotonic clock is offset from ours (see `clock.rs`); claims of version 2 lack both and are
/// judged on the monotonic clock as before.
const V3: &str = concat!(
    "ALTER TABLE queue ADD COLUMN owner_timens INTEGER;
     ALTER TABLE queue ADD COLUMN lease_wall INTEGER;
     ALTER TABLE queue ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE queue ADD COLUMN run_at INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE queue ADD COLUMN max_attempts INTEGER;
     ALTER TABLE queue ADD COLUMN dedup_key TEXT;
     ALTER TABLE queue ADD COLUMN failed_at INTEGER;
     ALTER TABLE queue ADD COLUMN last_error TEXT;
     CREATE INDEX queue_ready ON queue (priority DESC, id) WHERE state = ",
    queued!(),
    ";
     CREATE INDEX queue_delayed ON queue (run_at) WHERE state = ",
    delayed!(),
    ";
     CREATE INDEX queue_failed ON queue (id) WHERE state = ",
    failed!(),
    ";
     CREATE UNIQUE INDEX queue_key ON queue (dedup_key) WHERE ",
    live_key!(),
    ";
     PRAGMA user_version = 3;"
);

/// Drops the original library's counter triggers and recounts the live rows (dead letters do not
/// count), in the same transaction.
const DROP_ORIGINAL_TRIGGERS: &str = concat!(
    "DROP TRIGGER IF EXISTS queue_insert;
     DROP TRIGGER IF EXISTS queue_delete;
     UPDATE queue_count SET counter = (SELECT count(*) FROM queue WHERE state != ",
    failed!(),
    ");"
);

/// Rebuilds a `queue_count` that raw SQL dropped, emptied or filled with something else than one
/// integer: one row, the live rows' count.
const REBUILD_COUNTER: &str = concat!(
    "CREATE TABLE IF NOT EXISTS queue_count (counter BIGINT);
     DELETE FROM queue_count;
     INSERT INTO queue_count (counter) SELECT count(*) FROM queue WHERE state != ",
    failed!(),
    ";"
);

/// Runs `sql` in one `BEGIN IMMEDIATE` transaction, unless `still_needed` (read under the write
/// lock, since another process may have done the step meanwhile) says it is done already.
fn step(
    conn: &Connection,
    sql: &str,
    still_needed: impl Fn() -> rusqlite::Result<bool>,
) -> Result<()> {
    transaction(conn, Begin::Write, || {
        if still_needed()? {
            conn.execute_batch(sql)?;
        }
        Ok(())
    })
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn has_original_triggers(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger'
                        AND name IN ('queue_insert', 'queue_delete'))",
        [],
        |r| r.get(0),
    )
}

/// Brings the file's schema up to [`CURRENT_VERSION`], one transaction per step.
///
/// Errors: `ERR_SCHEMA_TOO_NEW` when the file is newer than this library; SQLite errors such as
/// `SQLITE_NOTADB` (not a database), `SQLITE_READONLY` or `SQLITE_BUSY` otherwise.
pub fn migrate(conn: &Connection) -> Result<()> {
    let version = user_version(conn)?;
    if version > CURRENT_VERSION {
        return Err(QueueError::SchemaTooNew(version));
    }
    if version < 1 {
        step(conn, V1, || Ok(user_version(conn)? < 1))?;
    }
    if version < 2 {
        step(conn, V2, || Ok(user_version(conn)? < 2))?;
    }
    if version < 3 {
        step(conn, V3, || Ok(user_version(conn)? < 3))?;
    }
    // Reads only, unless the original library has put its triggers back or raw SQL broke the
    // counter.
    if has_original_triggers(conn)? {
        step(conn, DROP_ORIGINAL_TRIGGERS, || has_original_triggers(conn))?;
    }
    if counter_malformed(conn)? {
        step(conn, REBUILD_COUNTER, || counter_malformed(conn))?;
    }
    Ok(())
}

/// True when `queue_count` is missing or does not hold exactly one integer.
fn counter_malformed(conn: &Connection) -> rusqlite::Result<bool> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue_count')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(true);
    }
    conn.query_row(
        "SELECT count(*) != 1 OR max(typeof(counter)) != 'integer' FROM queue_count",
        [],
        |r| r.get(0),
    )
}
