//! All SQL of the queue lives here: one writer connection, its pragmas, and one small function per
//! statement. Callers group these calls into transactions (see `batch.rs`); the only functions
//! here that run a transaction of their own are the ones outside a batch: [`Store::open`] (through
//! the migrations), [`Store::recover_dead_claims`] and [`Store::release_own_claims`]. The upkeep
//! functions ([`Store::shrink`], [`Store::checkpoint`], [`Store::backup`]) run outside any
//! transaction.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::types::ValueRef;
use rusqlite::{named_params, params, Connection, OpenFlags};

use super::clock::monotonic_ms;
use super::error::{QueueError, Result};
use super::options::{Durability, Options};
use super::owner::{provably_dead, Holder, Owner};
use super::room::room_for_adds;
use super::schema::{self, queued, running};
use super::transaction::{transaction, Begin};

/// A claimed job: its id and its JSON text exactly as stored, or why the row cannot be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    /// Row id (the job id users see).
    pub id: i64,
    /// The stored JSON text; `Err` holds why the row is not UTF-8 text (NULL, BLOB, number, bad
    /// bytes).
    pub job: std::result::Result<String, String>,
}

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

/// Returns claimed rows to `queued`; the caller appends the `WHERE` clause that picks them.
macro_rules! release_claims {
    ($where:literal) => {
        concat!(
            "UPDATE queue SET state = ",
            queued!(),
            ", owner_pid = NULL, owner_token = NULL, owner_boot = NULL, owner_pidns = NULL,
               lease_until = NULL WHERE state = ",
            running!(),
            " AND ",
            $where
        )
    };
}

/// A running row whose lease is void: taken on another boot (its monotonic deadline means nothing
/// here) or past its deadline on this boot's monotonic clock. Parameters `:boot`, `:mono`.
macro_rules! lease_void {
    () => {
        concat!(
            "(state = ",
            running!(),
            " AND (owner_boot IS NOT :boot OR lease_until < :mono))"
        )
    };
}

/// The rows a claim may take: queued ones, and running ones whose lease is void.
macro_rules! claimable {
    () => {
        concat!("(state = ", queued!(), " OR ", lease_void!(), ")")
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

/// Says so when `SQLITE_CANTOPEN` comes from a path that is too long for SQLite.
fn explain_cantopen(path: &str, err: QueueError) -> QueueError {
    if err.code() != "SQLITE_CANTOPEN" {
        return err;
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

impl Store {
    /// Opens (creating if missing) the queue file at `path` (`""` or `":memory:"` for a private
    /// in-memory queue), sets WAL mode and the pragmas, migrates the schema and registers a fresh
    /// owner token for this open.
    ///
    /// Errors: `SQLITE_CANTOPEN` (missing folder), `SQLITE_NOTADB` (not an SQLite file; the file is
    /// not modified), `SQLITE_READONLY`, `SQLITE_BUSY`, `ERR_SCHEMA_TOO_NEW`.
    pub fn open(path: &str, options: &Options) -> Result<Store> {
        let conn = connect(path)?;
        conn.busy_timeout(options.attempt_timeout)?;
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
            let hard = limit + reserve_pages(limit);
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

    /// Inserts one job (its JSON text) as `queued`; returns its id.
    ///
    /// Errors: `SQLITE_FULL` when the file would grow past `maxFileSize` or the disk is full (the
    /// caller's transaction must roll back); `SQLITE_TOOBIG`.
    pub fn insert(&self, job: &str, now: i64) -> Result<i64> {
        if self.refuse_adds.get() {
            return Err(QueueError::Sqlite {
                code: "SQLITE_FULL",
                message: DISK_FULL.into(),
            });
        }
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO queue (job, created_at) VALUES (?1, ?2)")?;
        stmt.execute(params![job, now])?;
        if let Some(limit) = self.add_limit_pages {
            let pages: i64 = self
                .conn
                .prepare_cached("PRAGMA page_count")?
                .query_row([], |r| r.get(0))?;
            if pages > limit {
                return Err(QueueError::Sqlite {
                    code: "SQLITE_FULL",
                    message: ADDS_FULL.into(),
                });
            }
        }
        Ok(self.conn.last_insert_rowid())
    }

    /// Claims up to `limit` jobs in id order for this store's owner, with a lease of the
    /// visibility timeout on the monotonic clock: queued jobs, and running jobs whose lease is
    /// void (their owner hangs, or its boot is over). Returns them in id order.
    pub fn claim(&self, limit: u32, now: i64) -> Result<Vec<ClaimedJob>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET state = ",
            running!(),
            ", started_at = :now, attempts = attempts + 1, owner_pid = :pid, owner_token = :token,
               owner_boot = :boot, owner_pidns = :pidns, lease_until = :mono + :lease
             WHERE id IN (SELECT id FROM queue WHERE ",
            claimable!(),
            " ORDER BY id LIMIT :limit)
             RETURNING id, job"
        ))?;
        let mut rows = stmt.query(named_params! {
            ":now": now,
            ":pid": self.owner.pid,
            ":token": self.owner.token,
            ":boot": self.owner.boot,
            ":pidns": self.owner.pidns,
            ":mono": monotonic_ms(),
            ":lease": self.lease_ms,
            ":limit": limit,
        })?;
        let mut jobs = Vec::with_capacity((limit as usize).min(1024));
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let job = match row.get_ref(1)? {
                ValueRef::Text(bytes) => String::from_utf8(bytes.to_vec())
                    .map_err(|_| "job text is not valid UTF-8".to_string()),
                ValueRef::Null => Err("job is NULL".to_string()),
                ValueRef::Blob(_) => Err("job is a BLOB, not JSON text".to_string()),
                ValueRef::Integer(_) | ValueRef::Real(_) => {
                    Err("job is a number, not JSON text".to_string())
                }
            };
            jobs.push(ClaimedJob { id, job });
        }
        // RETURNING gives no order guarantee (https://www.sqlite.org/lang_returning.html).
        jobs.sort_unstable_by_key(|j| j.id);
        Ok(jobs)
    }

    /// Acknowledges a job this owner claimed: deletes it. Returns false when the row is gone or no
    /// longer claimed by this owner (deleted meanwhile, or claimed by another after its lease
    /// ran out).
    pub fn ack(&self, id: i64) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "DELETE FROM queue WHERE id = ?1 AND state = ",
            running!(),
            " AND owner_token = ?2"
        ))?;
        Ok(stmt.execute(params![id, self.owner.token])? > 0)
    }

    /// Puts a job this owner claimed back at its place in the queue (state `queued`).
    pub fn release(&self, id: i64) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached(release_claims!("owner_token = ?2 AND id = ?1"))?;
        Ok(stmt.execute(params![id, self.owner.token])? > 0)
    }

    /// Extends the lease of every job this owner holds to now + visibility timeout (monotonic);
    /// returns how many jobs it holds.
    pub fn renew(&self) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET lease_until = ?1 WHERE state = ",
            running!(),
            " AND owner_token = ?2"
        ))?;
        Ok(stmt.execute(params![monotonic_ms() + self.lease_ms, self.owner.token])? as i64)
    }

    /// True when a claim could find something new: another connection committed since the
    /// previous committed poll (the first poll answers true), or a lease is void (its owner hangs
    /// or its boot is over). Reads `PRAGMA data_version`, which changes only for other
    /// connections' commits (<https://www.sqlite.org/pragma.html#pragma_data_version>), and the
    /// small partial index of running rows: a cheap way for an idle consumer to notice work
    /// without the write lock.
    pub fn poll(&self) -> Result<bool> {
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        self.polled_data_version.set(Some(version));
        if self.seen_data_version.get() != Some(version) {
            return Ok(true);
        }
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT EXISTS (SELECT 1 FROM queue WHERE ",
            lease_void!(),
            ")"
        ))?;
        Ok(stmt.query_row(
            named_params! { ":boot": self.owner.boot, ":mono": monotonic_ms() },
            |r| r.get(0),
        )?)
    }

    /// Deletes a job by id, whatever its state. Returns false when there is no such row.
    pub fn delete(&self, id: i64) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM queue WHERE id = ?1")?;
        Ok(stmt.execute(params![id])? > 0)
    }

    /// True when a row with this id exists (queued or running).
    pub fn has(&self, id: i64) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM queue WHERE id = ?1)")?;
        Ok(stmt.query_row(params![id], |r| r.get(0))?)
    }

    /// Ids of the jobs whose stored JSON text equals `job` exactly, in id (execution) order.
    pub fn find_ids(&self, job: &str) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM queue WHERE job = ?1 ORDER BY id")?;
        let ids = stmt.query_map(params![job], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<Vec<i64>>>()?)
    }

    /// True when a claim now would find a job: one is queued, or a lease is void.
    pub fn ready(&self) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT EXISTS (SELECT 1 FROM queue WHERE ",
            claimable!(),
            ")"
        ))?;
        Ok(stmt.query_row(
            named_params! { ":boot": self.owner.boot, ":mono": monotonic_ms() },
            |r| r.get(0),
        )?)
    }

    /// Gives free pages back to the file system, outside any transaction, then truncates the WAL
    /// ([`Store::checkpoint`]). Files made here have incremental auto-vacuum: up to `max_pages`
    /// pages go per call, all of them for 0
    /// (<https://www.sqlite.org/pragma.html#pragma_incremental_vacuum>). Files made by the
    /// original library do not; for them, as the original did on empty, a full `VACUUM` runs, but
    /// only while at most 1,000 rows are left, so that it stays quick. Returns the free pages left.
    pub fn shrink(&self, max_pages: u32) -> Result<i64> {
        let free = |conn: &Connection| -> Result<i64> {
            Ok(conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?)
        };
        if free(&self.conn)? > 0 {
            let incremental: i64 = self
                .conn
                .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
            if incremental == 2 {
                let mut stmt = self
                    .conn
                    .prepare(&format!("PRAGMA incremental_vacuum({max_pages})"))?;
                let mut rows = stmt.query([])?;
                while rows.next()?.is_some() {}
            } else if self.count()? <= 1000 {
                self.conn.execute_batch("VACUUM")?;
            } else {
                // Too many rows left for a quick VACUUM: the free pages stay for reuse.
                return Ok(0);
            }
        }
        let left = free(&self.conn)?;
        if left == 0 {
            self.checkpoint()?;
        }
        Ok(left)
    }

    /// Copies every committed page from the WAL into the main file and truncates the WAL
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), so that the queue file alone holds the whole queue
    /// (<https://www.sqlite.org/pragma.html#pragma_wal_checkpoint>). Returns false when another
    /// connection's reader or writer kept it from completing (best effort: try again later).
    pub fn checkpoint(&self) -> Result<bool> {
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }

    /// Writes a consistent copy of the queue, as of now, to the file at `destination` with
    /// SQLite's online backup API (<https://www.sqlite.org/backup.html>): other connections keep
    /// reading and writing meanwhile. The destination is created, or overwritten if it is an
    /// SQLite database (the copy is one transaction there).
    ///
    /// Errors: `SQLITE_CANTOPEN` (missing folder), `SQLITE_NOTADB` (the destination exists and is
    /// not a database: it is left alone), `SQLITE_BUSY` (another connection uses the destination).
    pub fn backup(&self, destination: &str) -> Result<()> {
        let mut target = connect(destination)?;
        let copy = rusqlite::backup::Backup::new(&self.conn, &mut target)?;
        match copy.step(-1)? {
            rusqlite::backup::StepResult::Done => {}
            _ => {
                return Err(QueueError::Sqlite {
                    code: "SQLITE_BUSY",
                    message: format!(
                        "the backup destination {destination} is in use by another connection; retry later or choose another path"
                    ),
                })
            }
        }
        drop(copy);
        // The copy has the source's WAL header bytes; leave it whole in one file.
        let _ = target.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        target.close().map_err(|(_, e)| QueueError::from(e))
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

    /// Returns to `queued` every running row whose owner is provably dead (see
    /// [`provably_dead`]); they keep their ids, so they are claimed first again, in their original
    /// order. One `IMMEDIATE` transaction. Returns how many jobs came back.
    pub fn recover_dead_claims(&self) -> Result<usize> {
        // Read first, without the write lock, so that opening a busy file does not wait for it
        // unless there is something to recover. Dead owners stay dead, so acting on this read
        // inside the later transaction is safe.
        let dead: Vec<Holder> = {
            let mut stmt = self.conn.prepare_cached(concat!(
                "SELECT DISTINCT owner_pid, owner_token, owner_boot, owner_pidns FROM queue
                 WHERE state = ",
                running!(),
                " AND owner_token IS NOT NULL"
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok(Holder {
                    pid: r.get::<_, Option<i64>>(0)?.unwrap_or(0),
                    token: r.get(1)?,
                    boot: r.get(2)?,
                    pidns: r.get(3)?,
                })
            })?;
            let holders = rows.collect::<rusqlite::Result<Vec<Holder>>>()?;
            holders.into_iter().filter(provably_dead).collect()
        };
        if dead.is_empty() {
            return Ok(0);
        }
        self.set_durable_commit(false)?;
        self.transaction(Begin::Write, || {
            let mut stmt = self
                .conn
                .prepare_cached(release_claims!("owner_token = ?1"))?;
            let mut recovered = 0;
            for holder in &dead {
                recovered += stmt.execute(params![holder.token])?;
            }
            Ok(recovered)
        })
    }

    /// Returns every job this owner still holds to `queued` (used by `close()`). One transaction,
    /// taken only when this owner holds something.
    pub fn release_own_claims(&self) -> Result<usize> {
        let holds: bool = self.conn.query_row(
            concat!(
                "SELECT EXISTS (SELECT 1 FROM queue WHERE state = ",
                running!(),
                " AND owner_token = ?1)"
            ),
            params![self.owner.token],
            |r| r.get(0),
        )?;
        if !holds {
            return Ok(0);
        }
        self.set_durable_commit(false)?;
        self.transaction(Begin::Write, || {
            let mut stmt = self
                .conn
                .prepare_cached(release_claims!("owner_token = ?1"))?;
            Ok(stmt.execute(params![self.owner.token])?)
        })
    }
}
