//! All SQL of the queue lives here: one writer connection, its pragmas, and one small function per
//! statement. Callers group these calls into transactions (see `batch.rs`); the only functions
//! here that run a transaction of their own are the ones outside a batch: [`Store::open`] (through
//! the migrations), [`Store::recover_dead_claims`], [`Store::release_own_claims`] and
//! [`Store::shrink`].

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags};

use super::error::{QueueError, Result};
use super::options::{Durability, Options};
use super::owner::{is_alive, Owner};
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
    /// `PRAGMA data_version` at the last [`Store::poll`] call.
    seen_data_version: Cell<Option<i64>>,
    /// Whether `synchronous` is FULL (true) or NORMAL (false) now; None before the first write.
    sync_full: Cell<Option<bool>>,
}

/// Milliseconds since the Unix epoch, for `created_at`/`started_at`.
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
            ", owner_pid = NULL, owner_token = NULL WHERE state = ",
            running!(),
            " AND ",
            $where
        )
    };
}

impl Store {
    /// Opens (creating if missing) the queue file at `path` (`""` or `":memory:"` for a private
    /// in-memory queue), sets WAL mode and the pragmas, migrates the schema and registers a fresh
    /// owner token for this open.
    ///
    /// Errors: `SQLITE_CANTOPEN` (missing folder), `SQLITE_NOTADB` (not an SQLite file; the file is
    /// not modified), `SQLITE_READONLY`, `SQLITE_BUSY`, `ERR_SCHEMA_TOO_NEW`.
    pub fn open(path: &str, options: &Options) -> Result<Store> {
        let path = if path.is_empty() { ":memory:" } else { path };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags)?;
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
        if let Some(bytes) = options.max_file_size {
            let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            let pages = (bytes as i64 / page_size.max(1)).max(1);
            let _set: i64 =
                conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                    r.get(0)
                })?;
        }
        let token: String = conn.query_row("SELECT lower(hex(randomblob(8)))", [], |r| r.get(0))?;
        Ok(Store {
            conn,
            owner: Owner::register(token),
            durability: options.durability,
            lease_ms: i64::try_from(options.visibility_timeout.as_millis())
                .unwrap_or(i64::MAX)
                .min(i64::MAX / 4),
            seen_data_version: Cell::new(None),
            sync_full: Cell::new(None),
        })
    }

    /// Runs `body` in one transaction on this connection (see [`transaction`]).
    pub fn transaction<T>(&self, begin: Begin, body: impl FnOnce() -> Result<T>) -> Result<T> {
        transaction(&self.conn, begin, body)
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

    /// Inserts one job (its JSON text) as `queued`; returns its id.
    pub fn insert(&self, job: &str, now: i64) -> Result<i64> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO queue (job, created_at) VALUES (?1, ?2)")?;
        stmt.execute(params![job, now])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Claims up to `limit` jobs in id order for this store's owner, with a lease of the
    /// visibility timeout: queued jobs, and running jobs whose lease expired (their owner hangs).
    /// Returns them in id order.
    pub fn claim(&self, limit: u32, now: i64) -> Result<Vec<ClaimedJob>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET state = ",
            running!(),
            ", started_at = ?1, attempts = attempts + 1, owner_pid = ?2,
               owner_token = ?3, lease_until = ?1 + ?5
             WHERE id IN (SELECT id FROM queue WHERE state = ",
            queued!(),
            " OR (state = ",
            running!(),
            " AND lease_until < ?1) ORDER BY id LIMIT ?4)
             RETURNING id, job"
        ))?;
        let mut rows = stmt.query(params![
            now,
            self.owner.pid,
            self.owner.token,
            limit,
            self.lease_ms
        ])?;
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
    /// longer claimed by this owner (deleted meanwhile, or recovered after the lease expired).
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

    /// Extends the lease of every job this owner holds to `now` + visibility timeout; returns how
    /// many jobs it holds.
    pub fn renew(&self, now: i64) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET lease_until = ?1 WHERE state = ",
            running!(),
            " AND owner_token = ?2"
        ))?;
        Ok(stmt.execute(params![now + self.lease_ms, self.owner.token])? as i64)
    }

    /// True when a claim could find something new: another connection committed since the
    /// previous call (the first call answers true), or a claim's lease has expired (its owner
    /// hangs). Reads `PRAGMA data_version`, which changes only for other connections' commits
    /// (<https://www.sqlite.org/pragma.html#pragma_data_version>), and the small partial index
    /// of running rows: a cheap way for an idle consumer to notice work without the write lock.
    pub fn poll(&self, now: i64) -> Result<bool> {
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        let changed = self.seen_data_version.get() != Some(version);
        self.seen_data_version.set(Some(version));
        if changed {
            return Ok(true);
        }
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT EXISTS (SELECT 1 FROM queue WHERE state = ",
            running!(),
            " AND lease_until < ?1)"
        ))?;
        Ok(stmt.query_row(params![now], |r| r.get(0))?)
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

    /// True when a claim at `now` would find a job: one is queued, or a lease has expired.
    pub fn ready(&self, now: i64) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT EXISTS (SELECT 1 FROM queue WHERE state = ",
            queued!(),
            ") OR EXISTS (SELECT 1 FROM queue WHERE state = ",
            running!(),
            " AND lease_until < ?1)"
        ))?;
        Ok(stmt.query_row(params![now], |r| r.get(0))?)
    }

    /// Gives free pages back to the file system, outside any transaction, then truncates the WAL
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`). Files made here have incremental auto-vacuum: up to
    /// `max_pages` pages go per call (<https://www.sqlite.org/pragma.html#pragma_incremental_vacuum>).
    /// Files made by the original library do not; for them, as the original did on empty, a full
    /// `VACUUM` runs, but only while at most 1,000 rows are left, so that it stays quick.
    /// Returns the free pages left.
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
            // Best effort: a reader in another process may keep the WAL in use for now.
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        Ok(left)
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

    /// Returns to `queued` every running row whose owner is gone (see [`is_alive`]); they keep their
    /// ids, so they are claimed first again, in their original order. One `IMMEDIATE` transaction.
    /// Returns how many jobs came back.
    pub fn recover_dead_claims(&self) -> Result<usize> {
        // Read first, without the write lock, so that opening a busy file does not wait for it
        // unless there is something to recover. Dead owners stay dead, so acting on this read
        // inside the later transaction is safe.
        let dead: Vec<(i64, String)> = {
            let mut stmt = self.conn.prepare_cached(concat!(
                "SELECT DISTINCT owner_pid, owner_token FROM queue
                 WHERE state = ",
                running!(),
                " AND owner_token IS NOT NULL"
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, Option<i64>>(0)?.unwrap_or(0), r.get(1)?))
            })?;
            let owners = rows.collect::<rusqlite::Result<Vec<(i64, String)>>>()?;
            owners
                .into_iter()
                .filter(|(pid, token)| !is_alive(*pid, token))
                .collect()
        };
        if dead.is_empty() {
            return Ok(0);
        }
        self.set_durable_commit(false)?;
        self.transaction(Begin::Write, || {
            let mut stmt = self
                .conn
                .prepare_cached(release_claims!("owner_pid = ?1 AND owner_token = ?2"))?;
            let mut recovered = 0;
            for (pid, token) in &dead {
                recovered += stmt.execute(params![pid, token])?;
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
