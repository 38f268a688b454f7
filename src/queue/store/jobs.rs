//! State changes of job rows: add, claim, ack, release, retry, fail, delete, renew, dead letters
//! back to the queue, purge. Each runs inside the caller's transaction and returns what it
//! changed; the caller keeps `queue_count` (every row but dead letters) up to date.

use rusqlite::{named_params, params, OptionalExtension};

use super::{error_json, job_text, Store, ADDS_FULL, DISK_FULL};
use crate::queue::clock::monotonic_ms;
use crate::queue::error::{QueueError, Result};
use crate::queue::op::{ClaimedJob, ErrorInfo, NewJob};
use crate::queue::schema::{delayed, failed, live_key, queued, running, JobState};

/// What [`Store::claim`] did.
pub struct Claim {
    /// The jobs, in claim order (priority, then id).
    pub jobs: Vec<ClaimedJob>,
    /// How many of them went to `failed` instead, out of attempts.
    pub dead: i64,
    /// When the next delayed job is due, wall ms (0: none is delayed).
    pub next_due: i64,
    /// Running jobs whose lease was void (their owner hung, or its boot is over) that went back
    /// to `queued` first, any owner's.
    pub expired: i64,
}

impl Store {
    /// Inserts one job, `queued` (or `delayed` when its `run_at` is after `now`); returns its id
    /// and true, or, when a live job has its key, that job's id and false (nothing inserted).
    ///
    /// Errors: `SQLITE_FULL` when the file would grow past `maxFileSize` or the disk is nearly
    /// full (the caller's transaction must roll back); `SQLITE_TOOBIG`.
    pub fn insert(&self, job: &NewJob, now: i64) -> Result<(i64, bool)> {
        if self.refuse_adds.get() {
            return Err(QueueError::Sqlite {
                code: "SQLITE_FULL",
                message: DISK_FULL.into(),
            });
        }
        if let Some(key) = &job.key {
            // The write lock is held: no other connection can add this key meanwhile.
            let mut stmt = self.conn.prepare_cached(concat!(
                "SELECT id FROM queue WHERE dedup_key = ?1 AND ",
                live_key!()
            ))?;
            if let Some(id) = stmt.query_row(params![key], |r| r.get(0)).optional()? {
                return Ok((id, false));
            }
        }
        let plain = job.priority == 0
            && job.run_at <= now
            && job.max_attempts.is_none()
            && job.key.is_none();
        if plain {
            // The common case, with the fewest columns to bind.
            let mut stmt = self
                .conn
                .prepare_cached("INSERT INTO queue (job, created_at) VALUES (?1, ?2)")?;
            stmt.execute(params![job.text, now])?;
        } else {
            let state = if job.run_at > now {
                JobState::Delayed
            } else {
                JobState::Queued
            } as i64;
            let mut stmt = self.conn.prepare_cached(
                "INSERT INTO queue (job, created_at, state, priority, run_at, max_attempts, dedup_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            stmt.execute(params![
                job.text,
                now,
                state,
                job.priority,
                job.run_at.max(0),
                job.max_attempts,
                job.key
            ])?;
        }
        self.check_size()?;
        Ok((self.conn.last_insert_rowid(), true))
    }

    /// `SQLITE_FULL` when the file has grown past `maxFileSize` (adds only).
    fn check_size(&self) -> Result<()> {
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
        Ok(())
    }

    /// Claims up to `limit` jobs for this store's owner, with a lease of the visibility timeout on
    /// the monotonic clock: first the delayed jobs that are due and the running ones whose lease
    /// is void go back to `queued`, then the queued jobs are taken highest priority first, FIFO
    /// within one. A job claimed more than its `max_attempts` (else `default_max_attempts`) times
    /// goes to `failed` instead (it is returned with `dead` set).
    pub fn claim(&self, limit: u32, default_max_attempts: Option<i64>, now: i64) -> Result<Claim> {
        let mono = monotonic_ms();
        self.conn
            .prepare_cached(concat!(
                "UPDATE queue SET state = ",
                queued!(),
                " WHERE state = ",
                delayed!(),
                " AND run_at <= ?1"
            ))?
            .execute(params![now])?;
        let expired = self
            .conn
            .prepare_cached(concat!(
                "UPDATE queue SET state = ",
                queued!(),
                ", ",
                no_owner!(),
                " WHERE ",
                lease_void!()
            ))?
            .execute(&self.lease_clock(now).params())? as i64;
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET state = ",
            running!(),
            ", started_at = :now, attempts = attempts + 1, owner_pid = :pid, owner_token = :token,
               owner_boot = :boot, owner_pidns = :pidns, owner_timens = :timens,
               lease_until = :mono + :lease, lease_wall = :now + :lease
             WHERE id IN (SELECT id FROM queue WHERE state = ",
            queued!(),
            " ORDER BY priority DESC, id LIMIT :limit)
             RETURNING id, job, CAST(attempts AS INTEGER), CAST(coalesce(max_attempts, :max) AS INTEGER),
                       CAST(priority AS INTEGER)"
        ))?;
        let mut rows = stmt.query(named_params! {
            ":now": now,
            ":pid": self.owner.pid,
            ":token": self.owner.token,
            ":boot": self.owner.boot,
            ":pidns": self.owner.pidns,
            ":timens": self.owner.timens,
            ":mono": mono,
            ":lease": self.lease_ms,
            ":limit": limit,
            ":max": default_max_attempts,
        })?;
        let mut jobs = Vec::with_capacity((limit as usize).min(1024));
        let mut order = Vec::with_capacity(jobs.capacity());
        while let Some(row) = rows.next()? {
            let attempts: i64 = row.get(2)?;
            let max: Option<i64> = row.get(3)?;
            jobs.push(ClaimedJob {
                id: row.get(0)?,
                attempts,
                max_attempts: max,
                job: job_text(row.get_ref(1)?),
                dead: max.is_some_and(|max| attempts > max),
            });
            order.push(row.get::<_, i64>(4)?);
        }
        drop(rows);
        // RETURNING gives no order guarantee (https://www.sqlite.org/lang_returning.html).
        let mut keyed: Vec<(i64, ClaimedJob)> = order.into_iter().zip(jobs).collect();
        keyed.sort_unstable_by_key(|(priority, job)| (-priority, job.id));
        let jobs: Vec<ClaimedJob> = keyed.into_iter().map(|(_, job)| job).collect();
        let mut dead = 0;
        for job in jobs.iter().filter(|j| j.dead) {
            let error = ErrorInfo {
                name: "Error".into(),
                message: format!(
                    "job {} was delivered {} times without being acknowledged, its limit (maxAttempts); it was moved to failed",
                    job.id,
                    job.attempts - 1
                ),
                code: Some("ERR_TOO_MANY_ATTEMPTS".into()),
                stack: None,
            };
            if self.dead_letter(job.id, &error, now, -1)? {
                dead += 1;
            }
        }
        let next_due: Option<i64> = self
            .conn
            .prepare_cached(concat!(
                "SELECT min(run_at) FROM queue WHERE state = ",
                delayed!()
            ))?
            .query_row([], |r| r.get(0))?;
        Ok(Claim {
            jobs,
            dead,
            next_due: next_due.unwrap_or(0),
            expired,
        })
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

    /// Puts a delivered job this owner claimed back at its place in the queue (state `queued`);
    /// the delivery counts as an attempt.
    pub fn release(&self, id: i64) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached(release_claims!("owner_token = ?2 AND id = ?1"))?;
        Ok(stmt.execute(params![id, self.owner.token])? > 0)
    }

    /// Puts a claimed job that was never delivered back at its place, its claim not counted as an
    /// attempt.
    pub fn unclaim(&self, id: i64) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET state = ",
            queued!(),
            ", attempts = max(attempts - 1, 0), ",
            no_owner!(),
            "
             WHERE id = ?1 AND state = ",
            running!(),
            " AND owner_token = ?2"
        ))?;
        Ok(stmt.execute(params![id, self.owner.token])? > 0)
    }

    /// A failed attempt with attempts left: the job this owner claimed waits `delay_ms` (state
    /// `delayed`, due at `now + delay_ms`), with `error` stored. False when it is not ours.
    pub fn retry(&self, id: i64, delay_ms: i64, error: &ErrorInfo, now: i64) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET state = ",
            delayed!(),
            ", run_at = ?3, last_error = ?4, ",
            no_owner!(),
            "
             WHERE id = ?1 AND state = ",
            running!(),
            " AND owner_token = ?2"
        ))?;
        let due = now.saturating_add(delay_ms.max(0));
        Ok(stmt.execute(params![id, self.owner.token, due, error_json(error)])? > 0)
    }

    /// A failed attempt with no attempts left: the job this owner claimed becomes a dead letter
    /// (state `failed`, `failed_at` now, `error` stored). False when it is not ours.
    pub fn fail(&self, id: i64, error: &ErrorInfo, now: i64) -> Result<bool> {
        self.dead_letter(id, error, now, 0)
    }

    /// Moves a job this owner claimed to `failed`, its attempts changed by `attempts_delta` (-1
    /// for a claim that is not delivered: it goes to `failed` instead).
    fn dead_letter(
        &self,
        id: i64,
        error: &ErrorInfo,
        now: i64,
        attempts_delta: i64,
    ) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET state = ",
            failed!(),
            ", failed_at = ?3, last_error = ?4, attempts = attempts + ?5, ",
            no_owner!(),
            "
             WHERE id = ?1 AND state = ",
            running!(),
            " AND owner_token = ?2"
        ))?;
        Ok(stmt.execute(params![
            id,
            self.owner.token,
            now,
            error_json(error),
            attempts_delta
        ])? > 0)
    }

    /// Extends the lease of every job this owner holds to now + visibility timeout (monotonic,
    /// and wall-clock `now` in ms for owners in other time namespaces); returns how many jobs it
    /// holds.
    pub fn renew(&self, now: i64) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET lease_until = ?1, lease_wall = ?2 WHERE state = ",
            running!(),
            " AND owner_token = ?3"
        ))?;
        Ok(stmt.execute(params![
            monotonic_ms() + self.lease_ms,
            now.saturating_add(self.lease_ms),
            self.owner.token
        ])? as i64)
    }

    /// Deletes a job by id, whatever its state. Returns None when there is no such row, else
    /// whether it counted in `queue_count` (it was not a dead letter).
    pub fn delete(&self, id: i64) -> Result<Option<bool>> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM queue WHERE id = ?1 RETURNING state")?;
        let state: Option<i64> = stmt.query_row(params![id], |r| r.get(0)).optional()?;
        Ok(state.map(|s| s != JobState::Failed as i64))
    }

    /// Dead letters (this one, or all) back to `queued` with their attempts reset and their error
    /// cleared; returns how many moved. A dead letter whose de-duplication key a live job holds
    /// stays (that job stands for it), and of several dead letters with one key only the oldest
    /// moves.
    pub fn retry_failed(&self, id: Option<i64>) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "UPDATE queue SET state = ",
            queued!(),
            ", attempts = 0, run_at = 0, failed_at = NULL, last_error = NULL
             WHERE state = ",
            failed!(),
            " AND (?1 IS NULL OR id = ?1)
               AND (dedup_key IS NULL OR (
                 NOT EXISTS (SELECT 1 FROM queue AS live WHERE live.dedup_key = queue.dedup_key
                             AND live.state IN (",
            queued!(),
            ", ",
            running!(),
            ", ",
            delayed!(),
            "))
                 AND id = (SELECT min(dead.id) FROM queue AS dead
                           WHERE dead.dedup_key = queue.dedup_key AND dead.state = ",
            failed!(),
            ")))"
        ))?;
        Ok(stmt.execute(params![id])? as i64)
    }

    /// Deletes every queued and delayed job (not the running ones, nor dead letters); returns how
    /// many.
    pub fn purge(&self) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "DELETE FROM queue WHERE state IN (",
            queued!(),
            ", ",
            delayed!(),
            ")"
        ))?;
        Ok(stmt.execute([])? as i64)
    }
}
