//! The operator's check of a queue file: SQLite's integrity check, outside any transaction, and
//! the repair of the `queue_count` counter (every row but dead letters), which raw SQL writes into
//! the file may have left wrong, inside the caller's write transaction.

use super::Store;
use crate::queue::error::Result;
use crate::queue::schema::failed;

/// Most problems `PRAGMA integrity_check` reports
/// (<https://www.sqlite.org/pragma.html#pragma_integrity_check>).
const MAX_PROBLEMS: u32 = 100;

impl Store {
    /// Runs `PRAGMA integrity_check` on a read snapshot (in WAL mode writers go on meanwhile);
    /// returns the problems it reports, none when the file is sound.
    pub fn integrity(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(&format!("PRAGMA integrity_check({MAX_PROBLEMS})"))?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(if lines == ["ok"] { Vec::new() } else { lines })
    }

    /// Sets `queue_count` to the number of live rows, as one counter row (as the original library
    /// keeps it); returns the counter before (None: not exactly one integer row) and after.
    pub fn recount(&self) -> Result<(Option<i64>, i64)> {
        let (rows, kind, first): (i64, Option<String>, Option<i64>) = self.conn.query_row(
            "SELECT count(*), max(typeof(counter)), max(counter) FROM queue_count",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2).unwrap_or(None))),
        )?;
        let before = (rows == 1 && kind.as_deref() == Some("integer"))
            .then_some(first)
            .flatten();
        let live: i64 = self.conn.query_row(
            concat!("SELECT count(*) FROM queue WHERE state != ", failed!()),
            [],
            |r| r.get(0),
        )?;
        if before != Some(live) {
            self.conn.execute("DELETE FROM queue_count", [])?;
            self.conn
                .execute("INSERT INTO queue_count (counter) VALUES (?1)", [live])?;
        }
        Ok((before, live))
    }
}
