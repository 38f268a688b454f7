//! The one way this crate runs a transaction: begin, run a body, commit when it succeeds, roll
//! back when it fails. `BEGIN`, `COMMIT` are prepared once per connection (statement cache).

use rusqlite::Connection;

use super::error::Result;

/// How a transaction begins (<https://www.sqlite.org/lang_transaction.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// `BEGIN DEFERRED`: for reads only. In WAL mode a reader never waits for a writer
    /// (<https://www.sqlite.org/wal.html#concurrency>).
    Read,
    /// `BEGIN IMMEDIATE`: takes the write lock at once, so the transaction never fails later with
    /// `SQLITE_BUSY` when it first writes.
    Write,
}

/// Runs `body` inside a transaction on `conn`: commits if it returns `Ok`, rolls back if it (or
/// the commit) fails, and returns the body's result.
///
/// Errors: the body's error, or SQLite's error of `BEGIN`/`COMMIT` (`SQLITE_BUSY` when another
/// connection holds the write lock past the connection's `busy_timeout`).
pub fn transaction<T>(
    conn: &Connection,
    begin: Begin,
    body: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let sql = match begin {
        Begin::Read => "BEGIN DEFERRED",
        Begin::Write => "BEGIN IMMEDIATE",
    };
    conn.prepare_cached(sql)?.execute([])?;
    let committed = body().and_then(|value| {
        conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(value)
    });
    if committed.is_err() && !conn.is_autocommit() {
        // Some errors (SQLITE_FULL, SQLITE_IOERR, …) roll back by themselves; otherwise we do.
        // A failed ROLLBACK leaves nothing we could act on: the connection stays usable.
        let _ = conn.execute_batch("ROLLBACK");
    }
    committed
}
