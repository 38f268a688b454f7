//! The on-disk schema and its migrations, keyed on `PRAGMA user_version`
//! (<https://www.sqlite.org/pragma.html#pragma_user_version>). Each migration runs in one
//! `BEGIN IMMEDIATE` transaction, so a crash mid-migration leaves the previous version intact.
//!
//! Version 0 is either a new file or a file written by node-persistent-queue 1.0.x, whose schema
//! is `queue(id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT)`, a one-row `queue_count(counter)`
//! and two triggers keeping the counter equal to the row count. We keep all of it, so the original
//! library can still read the file and ids continue after its last one (AUTOINCREMENT), and add
//! the state columns of a claim.

use rusqlite::Connection;

use super::error::{QueueError, Result};

/// Job row states stored in `queue.state`.
pub mod state {
    /// Waiting to be claimed.
    pub const QUEUED: i64 = 0;
    /// Claimed by an owner (`owner_pid`, `owner_token`) since `started_at`, until `lease_until`.
    pub const RUNNING: i64 = 1;
}

/// The schema version this library writes.
pub const CURRENT_VERSION: i64 = 1;

/// Version 1: the original's tables (created if missing) plus claim state columns.
const V1: &str = "
CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT);
CREATE TABLE IF NOT EXISTS queue_count (counter BIGINT);
INSERT INTO queue_count SELECT 0 AS counter WHERE NOT EXISTS (SELECT * FROM queue_count);
UPDATE queue_count SET counter = (SELECT count(*) FROM queue);
CREATE TRIGGER IF NOT EXISTS queue_insert AFTER INSERT ON queue
  BEGIN UPDATE queue_count SET counter = counter + 1; END;
CREATE TRIGGER IF NOT EXISTS queue_delete AFTER DELETE ON queue
  BEGIN UPDATE queue_count SET counter = counter - 1; END;
ALTER TABLE queue ADD COLUMN state INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN created_at INTEGER;
ALTER TABLE queue ADD COLUMN started_at INTEGER;
ALTER TABLE queue ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN owner_pid INTEGER;
ALTER TABLE queue ADD COLUMN owner_token TEXT;
ALTER TABLE queue ADD COLUMN lease_until INTEGER;
CREATE INDEX IF NOT EXISTS queue_claimed ON queue (owner_token) WHERE state = 1;
PRAGMA user_version = 1;
";

/// Brings the file's schema up to [`CURRENT_VERSION`], one transaction per step.
///
/// Errors: `ERR_SCHEMA_TOO_NEW` when the file is newer than this library; SQLite errors such as
/// `SQLITE_NOTADB` (not a database), `SQLITE_READONLY` or `SQLITE_BUSY` otherwise.
pub fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > CURRENT_VERSION {
        return Err(QueueError::SchemaTooNew(version));
    }
    if version < 1 {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        // Re-read under the write lock: another process may have migrated meanwhile.
        let again: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let step = if again < 1 {
            conn.execute_batch(V1)
        } else {
            Ok(())
        };
        match step.and_then(|()| conn.execute_batch("COMMIT")) {
            Ok(()) => {}
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e.into());
            }
        }
    }
    Ok(())
}
