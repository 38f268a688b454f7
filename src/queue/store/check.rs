//! The operator's check of a queue file: SQLite's integrity check, and the repair of the
//! `queue_count` counter (every row but dead letters), which raw SQL writes into the file may
//! have left wrong. Runs inside the caller's write transaction.

use super::Store;
use crate::queue::error::Result;
use crate::queue::op::CheckReport;
use crate::queue::schema::failed;

/// Most problems `PRAGMA integrity_check` reports (<https://www.sqlite.org/pragma.html#pragma_integrity_check>).
const MAX_PROBLEMS: u32 = 100;

impl Store {
    /// Runs `PRAGMA integrity_check`, then sets `queue_count` to the number of live rows (one
    /// counter row, as the original library keeps it); reports both.
    pub fn check(&self) -> Result<CheckReport> {
        let mut stmt = self
            .conn
            .prepare(&format!("PRAGMA integrity_check({MAX_PROBLEMS})"))?;
        let problems: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        let problems = if problems == ["ok"] {
            Vec::new()
        } else {
            problems
        };
        let (rows, first): (i64, Option<i64>) = self.conn.query_row(
            "SELECT count(*), (SELECT counter FROM queue_count LIMIT 1) FROM queue_count",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let live: i64 = self.conn.query_row(
            concat!("SELECT count(*) FROM queue WHERE state != ", failed!()),
            [],
            |r| r.get(0),
        )?;
        if rows != 1 || first != Some(live) {
            self.conn.execute("DELETE FROM queue_count", [])?;
            self.conn
                .execute("INSERT INTO queue_count (counter) VALUES (?1)", [live])?;
        }
        Ok(CheckReport {
            problems,
            counter_before: if rows == 1 { first } else { None },
            counter_after: live,
        })
    }
}
