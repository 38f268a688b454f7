//! A raw SQL runner for tests and benchmarks (cargo feature `testing`, never in the shipped
//! addon): tests use it to write files in the original library's schema, to plant damaged rows
//! and to play a slow writer that holds the write lock.

use rusqlite::Connection;

use super::error::Result;
use super::transaction::{transaction, Begin};

/// Runs an SQL script on the file at `path` in one `BEGIN IMMEDIATE` transaction with its own
/// connection (`busy_timeout` 5000 ms), keeping the write lock `hold` longer before it commits.
///
/// Errors: the SQLite error of the first failing statement (the transaction is rolled back).
pub fn run_script(path: &str, sql: &str, hold: std::time::Duration) -> Result<()> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_millis(5000))?;
    transaction(&conn, Begin::Write, || {
        conn.execute_batch(sql)?;
        std::thread::sleep(hold);
        Ok(())
    })
}
