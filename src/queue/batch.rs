//! The write path: a batch of operations, taken from the caller's ordered work queue, runs in call
//! order inside one `BEGIN IMMEDIATE` transaction (group commit). If any statement fails, the
//! transaction is rolled back and the operations are run again one transaction each, so every
//! operation succeeds or fails exactly as if it had run alone. When SQLite stays busy, the batch
//! stops and reports how many operations completed; the rest stay with the caller, in order, to
//! be retried later (the deferred work queue of DESIGN.md).

use super::error::{QueueError, Result};
use super::store::{now_ms, ClaimedJob, Store};

/// One queued operation, in the order the caller issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Enqueue a job given as JSON text; yields [`OpResult::Id`].
    Add(String),
    /// Claim up to n queued jobs for this owner; yields [`OpResult::Jobs`].
    Claim(u32),
    /// Acknowledge (delete) a job this owner claimed; yields [`OpResult::Bool`] (false: not ours any more).
    Ack(i64),
    /// Return a job this owner claimed to the queue; yields [`OpResult::Bool`].
    Release(i64),
    /// Delete a job by id; yields [`OpResult::Bool`] true, or the error `ERR_JOB_NOT_FOUND`.
    Delete(i64),
    /// Does a job with this id exist? Yields [`OpResult::Bool`].
    Has(i64),
    /// Ids of jobs whose JSON text is exactly this, in order; yields [`OpResult::Ids`].
    FindIds(String),
    /// Number of jobs in the queue; yields [`OpResult::Count`].
    Count,
    /// Extend the lease of every job this owner holds; yields [`OpResult::Count`] (jobs held).
    Renew,
    /// Could a claim find something new (another connection committed since the last poll, or a
    /// lease expired)? Yields [`OpResult::Bool`].
    Poll,
    /// Give up to n free pages back to the file system, then truncate the WAL after the batch
    /// commits; yields [`OpResult::Count`] (free pages left).
    Shrink(u32),
}

impl Op {
    fn adds(&self) -> bool {
        matches!(self, Op::Add(_))
    }

    fn writes(&self) -> bool {
        !matches!(
            self,
            Op::Has(_) | Op::FindIds(_) | Op::Count | Op::Poll | Op::Shrink(_)
        )
    }
}

/// The result of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// Id of the added job.
    Id(i64),
    /// Yes/no answer (ack, release, delete, has).
    Bool(bool),
    /// Job ids in execution order.
    Ids(Vec<i64>),
    /// Jobs claimed, in id order.
    Jobs(Vec<ClaimedJob>),
    /// A number of jobs.
    Count(i64),
    /// This operation failed; nothing of it was written.
    Failed(QueueError),
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Results of the first `results.len()` operations, which are committed. Fewer than the
    /// operations given only when `busy` is set: the caller keeps the rest and retries them.
    pub results: Vec<OpResult>,
    /// Set when SQLite stayed busy for the whole attempt (`SQLITE_BUSY`/`SQLITE_LOCKED`).
    pub busy: Option<QueueError>,
    /// Rows in the queue after the batch (from `queue_count`), or -1 if it could not be read.
    pub count: i64,
}

/// Runs `ops` in order: first all in one transaction, and, if that fails for any reason but
/// busy, each in its own transaction.
pub fn execute(store: &mut Store, ops: Vec<Op>) -> BatchOutcome {
    let now = now_ms();
    let mut outcome = match run_together(store, &ops, now) {
        Ok((results, count)) => BatchOutcome {
            results,
            busy: None,
            count,
        },
        Err(e) if e.is_busy() => BatchOutcome {
            results: Vec::new(),
            busy: Some(e),
            count: -1,
        },
        Err(_) => {
            let mut outcome = run_one_by_one(store, &ops, now);
            outcome.count = store.count().unwrap_or(-1);
            outcome
        }
    };
    if outcome.busy.is_none() {
        shrink_after_commit(store, &ops, &mut outcome);
    }
    outcome
}

/// `Shrink` cannot run inside a transaction (VACUUM, checkpoints): it runs here, after the batch
/// committed, and its result replaces the placeholder the transaction left.
fn shrink_after_commit(store: &mut Store, ops: &[Op], outcome: &mut BatchOutcome) {
    for (op, result) in ops.iter().zip(outcome.results.iter_mut()) {
        if let Op::Shrink(pages) = op {
            *result = match store.shrink(*pages) {
                Ok(left) => OpResult::Count(left),
                // Best effort: another process is writing; the next `empty` tries again.
                Err(e) if e.is_busy() => OpResult::Count(0),
                Err(e) => OpResult::Failed(e),
            };
        }
    }
}

/// Runs `ops` in one transaction; returns their results and the row count read inside it.
fn run_together(store: &mut Store, ops: &[Op], now: i64) -> Result<(Vec<OpResult>, i64)> {
    if ops.iter().any(Op::writes) {
        store.begin(ops.iter().any(Op::adds))?;
    } else {
        store.begin_read()?;
    }
    let body = apply_all(store, ops, now);
    match body.and_then(|done| store.commit().map(|()| done)) {
        Ok(done) => Ok(done),
        Err(e) => {
            store.rollback();
            Err(e)
        }
    }
}

/// Applies `ops` in the open transaction, then brings `queue_count` up to date with one UPDATE
/// (the net change of rows); a `Count` in the middle of the batch sees the rows so far.
fn apply_all(store: &mut Store, ops: &[Op], now: i64) -> Result<(Vec<OpResult>, i64)> {
    let mut results = Vec::with_capacity(ops.len());
    let mut delta = 0;
    for op in ops {
        let mut result = apply(store, op, now)?;
        if let OpResult::Count(n) = &mut result {
            if matches!(op, Op::Count) {
                *n += delta;
            }
        }
        delta += row_delta(op, &result);
        results.push(result);
    }
    if delta != 0 {
        store.adjust_count(delta)?;
    }
    Ok((results, store.count()?))
}

fn run_one_by_one(store: &mut Store, ops: &[Op], now: i64) -> BatchOutcome {
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        match run_together(store, std::slice::from_ref(op), now) {
            Ok((mut one, _)) => results.append(&mut one),
            Err(e) if e.is_busy() => {
                return BatchOutcome {
                    results,
                    busy: Some(e),
                    count: -1,
                }
            }
            Err(e) => results.push(OpResult::Failed(e)),
        }
    }
    BatchOutcome {
        results,
        busy: None,
        count: -1,
    }
}

/// Rows added (+1) or deleted (-1) by an operation, given its result.
fn row_delta(op: &Op, result: &OpResult) -> i64 {
    match (op, result) {
        (Op::Add(_), OpResult::Id(_)) => 1,
        (Op::Ack(_) | Op::Delete(_), OpResult::Bool(true)) => -1,
        _ => 0,
    }
}

/// Applies one operation inside the open transaction. An `Err` aborts the transaction; outcomes
/// that are answers rather than failures of SQLite (a missing id) come back as `Ok(Failed)`.
fn apply(store: &mut Store, op: &Op, now: i64) -> Result<OpResult> {
    Ok(match op {
        Op::Add(job) => OpResult::Id(store.insert(job, now)?),
        Op::Claim(limit) => OpResult::Jobs(store.claim(*limit, now)?),
        Op::Ack(id) => OpResult::Bool(store.ack(*id)?),
        Op::Release(id) => OpResult::Bool(store.release(*id)?),
        Op::Delete(id) => match store.delete(*id)? {
            true => OpResult::Bool(true),
            false => OpResult::Failed(QueueError::JobNotFound(*id)),
        },
        Op::Has(id) => OpResult::Bool(store.has(*id)?),
        Op::FindIds(job) => OpResult::Ids(store.find_ids(job)?),
        Op::Count => OpResult::Count(store.count()?),
        Op::Renew => OpResult::Count(store.renew(now)?),
        Op::Poll => OpResult::Bool(store.poll(now)?),
        // Placeholder: shrinking runs after the commit (see `shrink_after_commit`).
        Op::Shrink(_) => OpResult::Count(0),
    })
}
