//! All SQL of the queue lives in this module: one writer connection, its pragmas (here), and one
//! small function per statement: state changes of job rows (`jobs.rs`), reads (`read.rs`) and
//! upkeep (`upkeep.rs`). Callers group these calls into transactions (see `batch.rs`); the only
//! functions that run a transaction of their own are the ones outside a batch: [`Store::open`]
//! (through the migrations), [`Store::recover_dead_claims`] and [`Store::release_own_claims`]. The
//! other upkeep functions run outside any transaction.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags};

use crate::queue::clock::monotonic_ms;
use crate::queue::error::{QueueError, Result};
use crate::queue::op::ErrorInfo;
use crate::queue::options::{Durability, Options};
use crate::queue::owner::Owner;
use crate::queue::room::{disk_full, read_only_filesystem, room_for_adds};
use crate::queue::schema;
use crate::queue::transaction::{transaction, Begin};

/// The writer connection of one open queue object.
pub struct Store {
    conn: Connection,
    owner: Owner,
    durability: Durability,
    lease_ms: i64,
    /// Adds are refused once the file has more pages than this (`maxFileSize`); claims and acks
    /// may use the reserve above it, up to `max_page_count`, so a full queue still drains.
    add_limit_pages: Option<i64>,
    /// The queue file's path, for the free space of its disk (see `room.rs`).
    path: String,
    /// Adds of the running batch are refused: the disk is nearly full (see `room.rs`).
    refuse_adds: Cell<bool>,
    /// `PRAGMA data_version` at the last committed [`Store::poll`].
    seen_data_version: Cell<Option<i64>>,
    /// `PRAGMA data_version` read by a poll of the open transaction, kept only if it commits: a
    /// rolled-back poll must answer again.
    polled_data_version: Cell<Option<i64>>,
    /// Whether `synchronous` is FULL (true) or NORMAL (false) now; None before the first write.
    sync_full: Cell<Option<bool>>,
}

/// Milliseconds since the Unix epoch, for `created_at`/`started_at` (shown to people; leases use
/// the monotonic clock).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The assignments that clear a row's owner and lease, for `concat!` in state changes out of
/// `running`.
macro_rules! no_owner {
    () => {
        "owner_pid = NULL, owner_token = NULL, owner_boot = NULL, owner_pidns = NULL,
         owner_timens = NULL, lease_until = NULL, lease_wall = NULL"
    };
}

/// Returns claimed rows to `queued`; the caller appends the `WHERE` clause that picks them.
macro_rules! release_claims {
    ($where:literal) => {
        concat!(
            "UPDATE queue SET state = ",
            $crate::queue::schema::queued!(),
            ", ",
            $crate::queue::store::no_owner!(),
            " WHERE state = ",
            $crate::queue::schema::running!(),
            " AND ",
            $where
        )
    };
}

/// A running row whose lease is void: taken on another boot (its owner is gone with it), or past
/// its deadline: on this boot's monotonic clock when taken in this time namespace (or before the
/// namespace was recorded), else on the wall clock, since another time namespace's monotonic
/// clock may be offset from ours. Parameters `:boot`, `:timens`, `:mono` (monotonic ms), `:now`
/// (wall ms).
macro_rules! lease_void {
    () => {
        concat!(
            "(state = ",
            $crate::queue::schema::running!(),
            " AND (owner_boot IS NOT :boot OR CASE WHEN owner_timens IS NULL OR owner_timens = :timens
                   THEN lease_until < :mono ELSE coalesce(lease_wall, 0) < :now END))"
        )
    };
}

/// The clock readings [`lease_void!`] (and [`claimable!`]) compare leases with, as its named
/// parameters: this owner's boot and time namespace, the monotonic clock (ms) read now, and the
/// wall clock `now` (ms).
struct LeaseClock {
    boot: i64,
    timens: i64,
    mono: i64,
    now: i64,
}

impl LeaseClock {
    fn params(&self) -> [(&'static str, &dyn rusqlite::ToSql); 4] {
        [
            (":boot", &self.boot),
            (":timens", &self.timens),
            (":mono", &self.mono),
            (":now", &self.now),
        ]
    }
}

/// The rows a claim now would take: queued ones, delayed ones that are due (`:now`, wall ms), and
/// running ones whose lease is void.
macro_rules! claimable {
    () => {
        concat!(
            "(state = ",
            $crate::queue::schema::queued!(),
            " OR (state = ",
            $crate::queue::schema::delayed!(),
            " AND run_at <= :now) OR ",
            $crate::queue::store::lease_void!(),
            ")"
        )
    };
}

/// Advice for `SQLITE_FULL` caused by `maxFileSize`.
const ADDS_FULL: &str = "the queue file reached maxFileSize: this add is refused and nothing was \
    written; consumers keep draining the queue, which frees space for new adds";

/// Advice for `SQLITE_FULL` caused by a full disk.
const DISK_FULL: &str = "the disk is full: this add is refused and nothing was written; consumers \
    keep draining the queue (room is kept for them), and adds resume once the disk has room again";

/// WAL frames (pages) after which a commit checkpoints (`PRAGMA wal_autocheckpoint`, default
/// 1000): a small WAL wastes little disk on one-job commits and leaves a small backlog for the
/// main file to take on a full disk (see `room.rs`).
const AUTOCHECKPOINT_PAGES: i64 = 128;

/// Pages held back above `maxFileSize` for claims and acks: a tenth of it, at least 16 pages.
fn reserve_pages(limit: i64) -> i64 {
    (limit / 10).max(16)
}

/// The name SQLite must open: `path` literally, never as a URI (the bundled SQLite is built with
/// `SQLITE_USE_URI`, so a relative name starting with `file:` would be parsed as one:
/// <https://www.sqlite.org/uri.html>); `""` is the in-memory database.
fn literal_path(path: &str) -> String {
    if path.is_empty() {
        ":memory:".into()
    } else if path.starts_with("file:") {
        format!("./{path}")
    } else {
        path.into()
    }
}

/// Longest full path SQLite opens, in bytes: MAX_PATHNAME (512, os_unix.c) less room for the
/// `-journal` suffix (sqlite3PagerOpen refuses `length + 8 > 512`).
pub const MAX_PATH_BYTES: usize = 504;

/// Opens a connection to the file at `path` for writing, literally (see [`literal_path`]).
///
/// Errors: as SQLite's open; `SQLITE_CANTOPEN` names the path's length when it is too long once
/// its symbolic links are resolved.
fn connect(path: &str) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(literal_path(path), flags)
        .map_err(|e| explain_cantopen(path, e.into()))
}

/// Opens an existing queue file without creating anything: a missing file, or an SQLite file
/// without the `queue` table, is `ERR_NOT_A_QUEUE`; a file that is not SQLite is `SQLITE_NOTADB`.
fn connect_existing(path: &str) -> Result<Connection> {
    if path.is_empty() || path == ":memory:" {
        return Err(QueueError::NotAQueue(
            "an in-memory queue always starts empty: there is no queue to open without creating one"
                .into(),
        ));
    }
    let target = std::path::Path::new(path);
    if target.is_dir() {
        return Err(QueueError::NotAQueue(format!(
            "{path} is a folder; pass the path of a queue file"
        )));
    }
    if !target.is_file() {
        return Err(QueueError::NotAQueue(format!(
            "{path}: no such file; pass the path of an existing queue file"
        )));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(literal_path(path), flags)
        .map_err(|e| explain_cantopen(path, e.into()))?;
    let is_queue: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue')",
        [],
        |r| r.get(0),
    )?;
    if !is_queue {
        return Err(QueueError::NotAQueue(format!(
            "{path} is an SQLite database without a queue table: it was left as it was; pass the \
             path of a queue file"
        )));
    }
    Ok(conn)
}

/// Says so when `SQLITE_CANTOPEN` comes from a path that is too long for SQLite.
fn explain_cantopen(path: &str, err: QueueError) -> QueueError {
    if err.code() != "SQLITE_CANTOPEN" {
        return err;
    }
    if std::path::Path::new(path).is_dir() {
        return QueueError::Sqlite {
            code: "SQLITE_CANTOPEN",
            message: format!(
                "{path} is a folder; pass the path of a queue file, such as {}",
                std::path::Path::new(path).join("queue.sqlite").display()
            ),
        };
    }
    if read_only_filesystem(path) {
        return QueueError::Sqlite {
            code: "SQLITE_READONLY",
            message: format!(
                "{path} is on a file system mounted read-only: the queue needs write access to the \
                 file and its folder (SQLite writes the -wal and -shm files beside it)"
            ),
        };
    }
    let path = std::path::Path::new(path);
    let resolved = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .and_then(|dir| dir.canonicalize().ok())
        .zip(path.file_name())
        .map(|(dir, name)| dir.join(name));
    match resolved {
        Some(full) if full.as_os_str().len() > MAX_PATH_BYTES => QueueError::Sqlite {
            code: "SQLITE_CANTOPEN",
            message: format!(
                "{}: its full path, symbolic links resolved, is {} bytes; SQLite opens paths of at most {MAX_PATH_BYTES} bytes: choose a shorter path",
                path.display(),
                full.as_os_str().len()
            ),
        },
        _ => err,
    }
}

/// Names a full disk as the cause of an I/O error or `SQLITE_FULL` at open, when it is full.
fn explain_full_disk(path: &str, err: QueueError) -> QueueError {
    if !matches!(err.code(), "SQLITE_IOERR" | "SQLITE_FULL") || !disk_full(path) {
        return err;
    }
    QueueError::Sqlite {
        code: "SQLITE_FULL",
        message: format!(
            "the disk holding {path} is full: open() needs room for the queue's -wal and \
             -shm files; the queue file is left as it was: free space on that disk and call open() again"
        ),
    }
}

impl Store {
    /// The clock readings a lease check at wall-clock `now` (ms) needs.
    fn lease_clock(&self, now: i64) -> LeaseClock {
        LeaseClock {
            boot: self.owner.boot,
            timens: self.owner.timens,
            mono: monotonic_ms(),
            now,
        }
    }

    /// Opens (creating if missing) the queue file at `path` (`""` or `":memory:"` for a private
    /// in-memory queue), sets WAL mode and the pragmas, migrates the schema and registers a fresh
    /// owner token for this open.
    ///
    /// Errors: `SQLITE_CANTOPEN` (missing folder), `SQLITE_NOTADB` (not an SQLite file; the file is
    /// not modified), `ERR_NOT_A_QUEUE` (with `create: false`: no file, or no queue in it),
    /// `SQLITE_READONLY`, `SQLITE_BUSY`, `ERR_SCHEMA_TOO_NEW`, `SQLITE_FULL` (the
    /// disk is full: SQLite cannot create the `-wal` and `-shm` files, which it reports as
    /// `SQLITE_IOERR` for the latter).
    pub fn open(path: &str, options: &Options) -> Result<Store> {
        Store::connect_and_migrate(path, options)
            .map_err(|e| explain_full_disk(path, explain_cantopen(path, e)))
    }

    fn connect_and_migrate(path: &str, options: &Options) -> Result<Store> {
        let conn = if options.create {
            connect(path)?
        } else {
            connect_existing(path)?
        };
        conn.busy_timeout(options.attempt_timeout)?;
        // Query plans that never depend on bound values: without this SQLite re-prepares the claim
        // (its LIMIT, and variables compared with partial indexes' conditions) at every execution
        // (https://www.sqlite.org/c3ref/c_dbconfig_defensive.html#sqlitedbconfigenableqpsg).
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        // A new file gets incremental auto-vacuum, so an emptied queue can give its space back
        // in small steps; it only takes effect before the first table exists, and must come
        // before WAL mode writes the header (https://www.sqlite.org/pragma.html#pragma_auto_vacuum).
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL")?;
        // WAL: readers never block the writer and commits append instead of rewriting pages
        // (https://www.sqlite.org/wal.html). An in-memory database answers "memory"; that is fine.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.execute_batch("PRAGMA synchronous = FULL")?;
        // Truncate the WAL back to 8 MiB after checkpoints instead of keeping its high-water mark.
        let _limit: i64 =
            conn.query_row("PRAGMA journal_size_limit = 8388608", [], |r| r.get(0))?;
        let _pages: i64 = conn.query_row(
            &format!("PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}"),
            [],
            |r| r.get(0),
        )?;
        // SQLite silently falls back to read-only when the file cannot be opened for writing
        // (https://www.sqlite.org/c3ref/open.html); a queue must write, so refuse at open.
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(QueueError::Sqlite {
                code: "SQLITE_READONLY",
                message: format!(
                    "{path} can only be opened read-only: the queue needs write access to the file and its folder"
                ),
            });
        }
        schema::migrate(&conn)?;
        conn.set_prepared_statement_cache_capacity(32);
        let mut add_limit_pages = None;
        if let Some(bytes) = options.max_file_size {
            let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            let limit = (bytes as i64 / page_size.max(1)).max(1);
            // The reserve lies above the file as it is, also when the file is already larger
            // than the limit (it was filled without one, or with a larger one).
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let hard = limit.max(pages) + reserve_pages(limit);
            let _set: i64 =
                conn.query_row(&format!("PRAGMA max_page_count = {hard}"), [], |r| r.get(0))?;
            add_limit_pages = Some(limit);
        }
        let token: String = conn.query_row("SELECT lower(hex(randomblob(8)))", [], |r| r.get(0))?;
        Ok(Store {
            conn,
            owner: Owner::register(token),
            durability: options.durability,
            lease_ms: i64::try_from(options.visibility_timeout.as_millis())
                .unwrap_or(i64::MAX)
                .min(i64::MAX / 4),
            add_limit_pages,
            path: path.to_string(),
            refuse_adds: Cell::new(false),
            seen_data_version: Cell::new(None),
            polled_data_version: Cell::new(None),
            sync_full: Cell::new(None),
        })
    }

    /// Runs `body` in one transaction on this connection (see [`transaction`]); what a poll in it
    /// learned is kept only if it commits.
    pub fn transaction<T>(&self, begin: Begin, body: impl FnOnce() -> Result<T>) -> Result<T> {
        self.polled_data_version.set(None);
        let result = transaction(&self.conn, begin, body);
        if let Some(version) = self.polled_data_version.take() {
            if result.is_ok() {
                self.seen_data_version.set(Some(version));
            }
        }
        result
    }

    /// Chooses the durability of the next write transaction's commit: `synchronous=FULL` under
    /// `Durability::Full` when it adds jobs, `NORMAL` otherwise (survives a process crash, not a
    /// power loss). Call before [`Store::transaction`]; the pragma cannot change inside one.
    pub fn set_durable_commit(&self, adds: bool) -> Result<()> {
        let full = adds && self.durability == Durability::Full;
        if self.sync_full.get() != Some(full) {
            let sql = if full {
                "PRAGMA synchronous = FULL"
            } else {
                "PRAGMA synchronous = NORMAL"
            };
            self.conn.execute_batch(sql)?;
            self.sync_full.set(Some(full));
        }
        Ok(())
    }

    /// Decides, once per batch, whether its adds may run: not while the disk is nearly full (see
    /// `room.rs`).
    pub fn check_room_for_adds(&self) {
        self.refuse_adds.set(!room_for_adds(&self.path));
    }

    /// Adds `delta` to `queue_count` (the batch executor's net change of rows, in its transaction).
    pub fn adjust_count(&self, delta: i64) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("UPDATE queue_count SET counter = counter + ?1")?;
        stmt.execute(params![delta])?;
        Ok(())
    }

    /// Number of rows in the queue, from `queue_count` (O(1)), which every transaction that adds
    /// or deletes rows updates before it commits.
    pub fn count(&self) -> Result<i64> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT counter FROM queue_count LIMIT 1")?;
        Ok(stmt.query_row([], |r| r.get(0))?)
    }
}

/// Rows in the queue's count (`queue_count`): every state but `failed`.
macro_rules! counted {
    () => {
        concat!("state != ", $crate::queue::schema::failed!())
    };
}

/// The stored JSON text of a row, or why it is not UTF-8 text (NULL, BLOB, number, bad bytes).
fn job_text(value: ValueRef<'_>) -> std::result::Result<String, String> {
    match value {
        ValueRef::Text(bytes) => {
            String::from_utf8(bytes.to_vec()).map_err(|_| "job text is not valid UTF-8".to_string())
        }
        ValueRef::Null => Err("job is NULL".to_string()),
        ValueRef::Blob(_) => Err("job is a BLOB, not JSON text".to_string()),
        ValueRef::Integer(_) | ValueRef::Real(_) => {
            Err("job is a number, not JSON text".to_string())
        }
    }
}

/// The stored form of an attempt's error (`last_error`): `{"name", "message", "code", "stack"}`,
/// JSON made with serde_json.
fn error_json(error: &ErrorInfo) -> String {
    serde_json::json!({
        "name": error.name,
        "message": error.message,
        "code": error.code,
        "stack": error.stack,
    })
    .to_string()
}

pub(crate) use {lease_void, no_owner};

mod check;
mod jobs;
mod read;
mod upkeep;
