//! Reads of the queue: polls for other connections' work, lookups by id and text, counts per
//! state and listings. None writes.

use rusqlite::params;

use super::now_ms;
use super::{job_text, Store};
use crate::queue::error::Result;
use crate::queue::op::JobRow;
use crate::queue::schema::{delayed, failed, queued, running, JobState};

/// The `SELECT` of a listed job's columns, in the order [`job_row`] reads them, as integers even
/// where raw SQL wrote text; the caller appends the `WHERE` clause.
macro_rules! job_columns {
    () => {
        "SELECT id, CAST(state AS INTEGER), CAST(priority AS INTEGER), CAST(attempts AS INTEGER),
                CAST(max_attempts AS INTEGER), CAST(created_at AS INTEGER), CAST(run_at AS INTEGER),
                CAST(started_at AS INTEGER), CAST(failed_at AS INTEGER), job, last_error FROM queue"
    };
}

impl Store {
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
        Ok(stmt.query_row(&self.lease_clock(now_ms()).params(), |r| r.get(0))?)
    }

    /// True when a job with this id is queued, delayed or running (not a dead letter).
    pub fn has(&self, id: i64) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT EXISTS (SELECT 1 FROM queue WHERE id = ?1 AND ",
            counted!(),
            ")"
        ))?;
        Ok(stmt.query_row(params![id], |r| r.get(0))?)
    }

    /// True when this owner still holds the job with this id.
    pub fn owns(&self, id: i64) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT EXISTS (SELECT 1 FROM queue WHERE id = ?1 AND state = ",
            running!(),
            " AND owner_token = ?2)"
        ))?;
        Ok(stmt.query_row(params![id, self.owner.token], |r| r.get(0))?)
    }

    /// Ids of the live jobs (not dead letters) whose stored JSON text equals `job` exactly, in id
    /// (add) order.
    pub fn find_ids(&self, job: &str) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT id FROM queue WHERE job = ?1 AND ",
            counted!(),
            " ORDER BY id"
        ))?;
        let ids = stmt.query_map(params![job], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<Vec<i64>>>()?)
    }

    /// True when a claim at `now` (wall ms) would find a job: one is queued, a delayed one is due,
    /// or a lease is void.
    pub fn ready(&self, now: i64) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT EXISTS (SELECT 1 FROM queue WHERE ",
            claimable!(),
            ")"
        ))?;
        Ok(stmt.query_row(&self.lease_clock(now).params(), |r| r.get(0))?)
    }

    /// Jobs per state: queued, delayed, running, failed (each counted on its partial index).
    pub fn stats(&self) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT (SELECT count(*) FROM queue WHERE state = ",
            queued!(),
            "), (SELECT count(*) FROM queue WHERE state = ",
            delayed!(),
            "), (SELECT count(*) FROM queue WHERE state = ",
            running!(),
            "), (SELECT count(*) FROM queue WHERE state = ",
            failed!(),
            ")"
        ))?;
        Ok(stmt.query_row([], |r| Ok(vec![r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]))?)
    }

    /// Up to `limit` jobs in `state` after skipping `offset`, in the state's order: queued in claim
    /// order (priority, then id), delayed by due time, running and failed by id.
    pub fn list(&self, state: JobState, limit: u32, offset: u32) -> Result<Vec<JobRow>> {
        let sql = match state {
            JobState::Queued => concat!(
                job_columns!(),
                " WHERE state = ",
                queued!(),
                " ORDER BY priority DESC, id LIMIT ?1 OFFSET ?2"
            ),
            JobState::Delayed => concat!(
                job_columns!(),
                " WHERE state = ",
                delayed!(),
                " ORDER BY run_at, id LIMIT ?1 OFFSET ?2"
            ),
            JobState::Running => concat!(
                job_columns!(),
                " WHERE state = ",
                running!(),
                " ORDER BY id LIMIT ?1 OFFSET ?2"
            ),
            JobState::Failed => concat!(
                job_columns!(),
                " WHERE state = ",
                failed!(),
                " ORDER BY id LIMIT ?1 OFFSET ?2"
            ),
        };
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![limit, offset], job_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<JobRow>>>()?)
    }

    /// The job with this id, whatever its state (a dead letter too): one row, or none.
    pub fn get(&self, id: i64) -> Result<Vec<JobRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(concat!(job_columns!(), " WHERE id = ?1"))?;
        let rows = stmt.query_map(params![id], job_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<JobRow>>>()?)
    }
}

/// A row of [`job_columns`]. A state this library does not know reads as `failed`.
fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
    Ok(JobRow {
        id: r.get(0)?,
        state: JobState::from_i64(r.get(1)?).unwrap_or(JobState::Failed),
        priority: r.get(2)?,
        attempts: r.get(3)?,
        max_attempts: r.get(4)?,
        created_at: r.get(5)?,
        run_at: r.get(6)?,
        started_at: r.get(7)?,
        failed_at: r.get(8)?,
        job: job_text(r.get_ref(9)?),
        error: r.get(10)?,
    })
}
