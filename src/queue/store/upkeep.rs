//! Upkeep of the queue file, outside the batches: giving space back, checkpoints, backups,
//! recovering dead owners' claims at open and releasing this owner's claims at close.

use rusqlite::params;

use super::{connect, Store};
use crate::queue::error::{QueueError, Result};
use crate::queue::owner::{provably_dead, Holder};
use crate::queue::schema::{queued, running};
use crate::queue::transaction::Begin;

impl Store {
    /// Gives free pages back to the file system, outside any transaction, then truncates the WAL
    /// ([`Store::checkpoint`]). Files made here have incremental auto-vacuum: up to `max_pages`
    /// pages go per call, all of them for 0
    /// (<https://www.sqlite.org/pragma.html#pragma_incremental_vacuum>). Files made by the
    /// original library do not; for them, as the original did on empty, a full `VACUUM` runs, but
    /// only while at most 1,000 rows are left, so that it stays quick. Returns the free pages left.
    pub fn shrink(&self, max_pages: u32) -> Result<i64> {
        let free = |conn: &rusqlite::Connection| -> Result<i64> {
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
        if is_part_of(destination, &self.path) {
            return Err(QueueError::InvalidArg(format!(
                "backup destination {destination} is the queue file itself (or its -wal, -shm or -journal file): \
                 copying over it would bring back an old state; choose another path"
            )));
        }
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

    /// Returns every job this owner still holds to `queued` (used by `close()`), its claim not
    /// counted as an attempt: a graceful shutdown is no job's fault (a crash, recovered by
    /// [`Store::recover_dead_claims`], counts). One transaction, taken only when this owner holds
    /// something.
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
            let mut stmt = self.conn.prepare_cached(concat!(
                "UPDATE queue SET state = ",
                queued!(),
                ", attempts = max(attempts - 1, 0), ",
                no_owner!(),
                "
                 WHERE state = ",
                running!(),
                " AND owner_token = ?1"
            ))?;
            Ok(stmt.execute(params![self.owner.token])?)
        })
    }
}

/// True when `candidate` names the database file at `db` or one of its companion files (`-wal`,
/// `-shm`, `-journal`), also through other names (symbolic or hard links, `..`).
fn is_part_of(candidate: &str, db: &str) -> bool {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .any(|suffix| same_file(candidate, &format!("{db}{suffix}")))
}

/// True when both paths name one existing file.
fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        (Ok(x), Ok(y)) => {
            use std::os::unix::fs::MetadataExt;
            x.dev() == y.dev() && x.ino() == y.ino()
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok(),
        _ => false,
    }
}
