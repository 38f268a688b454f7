//! Group commit: a batch of operations, taken from the caller's ordered work queue, runs in call
//! order inside one transaction. If any statement fails, the transaction is rolled back and the
//! operations are run again one transaction each, so every operation succeeds or fails exactly as
//! if it had run alone. When SQLite stays busy, the batch stops and reports how many operations
//! completed; the rest stay with the caller, in order, to be retried later (the deferred work
//! queue of DESIGN.md).

use super::error::{QueueError, Result};
use super::op::{Op, OpResult};
use super::store::{now_ms, Store};
use super::transaction::Begin;

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Results of the first `results.len()` operations, which are committed. Fewer than the
    /// operations given only when `busy` is set: the caller keeps the rest and retries them.
    pub results: Vec<OpResult>,
    /// For each result, the rows in the queue (`queue_count`) right after its operation, as
    /// seen inside its transaction; -1 where it could not be read.
    pub counts: Vec<i64>,
    /// Set when SQLite stayed busy for the whole attempt (`SQLITE_BUSY`/`SQLITE_LOCKED`).
    pub busy: Option<QueueError>,
    /// Whether a write transaction committed (the WAL grew; an idle checkpoint is due).
    pub wrote: bool,
}

/// Runs `ops` in order: first all in one transaction, and, if that fails for any reason but
/// busy, each in its own transaction.
pub fn execute(store: &Store, ops: &[Op]) -> BatchOutcome {
    let now = now_ms();
    if ops.iter().any(Op::adds) {
        store.check_room_for_adds();
    }
    let mut outcome = match run_together(store, ops, now) {
        Ok((results, counts)) => BatchOutcome {
            results,
            counts,
            busy: None,
            wrote: ops.iter().any(Op::writes),
        },
        Err(e) if e.is_busy() => BatchOutcome {
            results: Vec::new(),
            counts: Vec::new(),
            busy: Some(e),
            wrote: false,
        },
        Err(_) => run_one_by_one(store, ops, now),
    };
    run_after_commit(store, ops, &mut outcome);
    outcome
}

/// Upkeep that cannot run inside a transaction (VACUUM, checkpoints, backups) or should not hold
/// its lock (the integrity check) runs here, after the batch committed; each result replaces the
/// placeholder the transaction left.
fn run_after_commit(store: &Store, ops: &[Op], outcome: &mut BatchOutcome) {
    for (op, result) in ops.iter().zip(outcome.results.iter_mut()) {
        // Shrinking and checkpoints are best effort: when another process keeps them from
        // running, the next idle moment or `empty` tries again.
        *result = match op {
            Op::Shrink(pages) => match store.shrink(*pages) {
                Ok(left) => OpResult::Count(left),
                Err(e) if e.is_busy() => OpResult::Count(0),
                Err(e) => OpResult::Failed(e),
            },
            Op::Checkpoint => match store.checkpoint() {
                Ok(done) => OpResult::Bool(done),
                Err(e) if e.is_busy() => OpResult::Bool(false),
                Err(e) => OpResult::Failed(e),
            },
            Op::Backup(path) => match store.backup(path) {
                Ok(()) => OpResult::Bool(true),
                Err(e) => OpResult::Failed(e),
            },
            Op::Integrity => match store.integrity() {
                Ok(problems) => OpResult::Texts(problems),
                Err(e) => OpResult::Failed(e),
            },
            _ => continue,
        };
    }
}

/// Runs `ops` in one transaction; returns their results and the row count after each.
fn run_together(store: &Store, ops: &[Op], now: i64) -> Result<(Vec<OpResult>, Vec<i64>)> {
    let begin = if ops.iter().any(Op::writes) {
        store.set_durable_commit(ops.iter().any(Op::adds))?;
        Begin::Write
    } else {
        Begin::Read
    };
    store.transaction(begin, || apply_all(store, ops, now))
}

/// Applies `ops` in the open transaction, then brings `queue_count` up to date with one UPDATE
/// (the net change of counted rows).
fn apply_all(store: &Store, ops: &[Op], now: i64) -> Result<(Vec<OpResult>, Vec<i64>)> {
    let mut base = store.count()?;
    let mut results = Vec::with_capacity(ops.len());
    let mut counts = Vec::with_capacity(ops.len());
    let mut delta = 0;
    for op in ops {
        let (result, change) = apply(store, op, now)?;
        delta += change;
        if let (Op::Recount, OpResult::Numbers(counter)) = (op, &result) {
            // The table was recounted, this batch's earlier changes included.
            base = counter[1];
            delta = 0;
        }
        counts.push(base + delta);
        results.push(result);
    }
    if delta != 0 {
        store.adjust_count(delta)?;
    }
    Ok((results, counts))
}

fn run_one_by_one(store: &Store, ops: &[Op], now: i64) -> BatchOutcome {
    let mut outcome = BatchOutcome {
        results: Vec::with_capacity(ops.len()),
        counts: Vec::with_capacity(ops.len()),
        busy: None,
        wrote: false,
    };
    for op in ops {
        match run_together(store, std::slice::from_ref(op), now) {
            Ok((mut result, mut count)) => {
                outcome.wrote |= op.writes();
                outcome.results.append(&mut result);
                outcome.counts.append(&mut count);
            }
            Err(e) if e.is_busy() => {
                outcome.busy = Some(e);
                break;
            }
            Err(e) => {
                outcome.results.push(OpResult::Failed(e));
                outcome.counts.push(store.count().unwrap_or(-1));
            }
        }
    }
    outcome
}

/// Applies one operation inside the open transaction; returns its result and how it changed the
/// count of the queue's rows (every state but `failed`). An `Err` aborts the transaction;
/// outcomes that are answers rather than failures of SQLite (a missing id) come back as
/// `Ok(Failed)`.
fn apply(store: &Store, op: &Op, now: i64) -> Result<(OpResult, i64)> {
    let counted = |added: bool| i64::from(added);
    Ok(match op {
        Op::Add(job) => {
            let (id, fresh) = store.insert(job, now)?;
            (OpResult::Added { id, fresh }, counted(fresh))
        }
        Op::AddAll(jobs) => {
            let mut pairs = Vec::with_capacity(jobs.len() * 2);
            let mut added = 0;
            for job in jobs {
                let (id, fresh) = store.insert(job, now)?;
                pairs.extend([id, counted(fresh)]);
                added += counted(fresh);
            }
            (OpResult::Numbers(pairs), added)
        }
        Op::Claim {
            limit,
            default_max_attempts,
        } => {
            let claim = store.claim(*limit, *default_max_attempts, now)?;
            let result = OpResult::Claimed {
                jobs: claim.jobs,
                next_due: claim.next_due,
                expired: claim.expired,
            };
            (result, -claim.dead)
        }
        Op::Ack(id) => {
            let acked = store.ack(*id)?;
            (OpResult::Bool(acked), -counted(acked))
        }
        Op::Release(id) => (OpResult::Bool(store.release(*id)?), 0),
        Op::Unclaim(id) => (OpResult::Bool(store.unclaim(*id)?), 0),
        Op::Retry {
            id,
            delay_ms,
            error,
        } => (OpResult::Bool(store.retry(*id, *delay_ms, error, now)?), 0),
        Op::Fail { id, error } => {
            let failed = store.fail(*id, error, now)?;
            (OpResult::Bool(failed), -counted(failed))
        }
        Op::Delete(id) => match store.delete(*id)? {
            Some(was_counted) => (OpResult::Bool(true), -counted(was_counted)),
            None => (OpResult::Failed(QueueError::JobNotFound(*id)), 0),
        },
        Op::Has(id) => (OpResult::Bool(store.has(*id)?), 0),
        Op::Owned(id) => (OpResult::Bool(store.owns(*id)?), 0),
        Op::FindIds(job) => (OpResult::Ids(store.find_ids(job)?), 0),
        Op::Renew => (OpResult::Count(store.renew(now)?), 0),
        Op::Poll => (OpResult::Bool(store.poll()?), 0),
        Op::Stats => (OpResult::Numbers(store.stats()?), 0),
        Op::Get(id) => (OpResult::Rows(store.get(*id)?), 0),
        Op::Recount => {
            let (before, after) = store.recount()?;
            (OpResult::Numbers(vec![before.unwrap_or(-1), after]), 0)
        }
        Op::List {
            state,
            limit,
            offset,
        } => (OpResult::Rows(store.list(*state, *limit, *offset)?), 0),
        Op::RetryFailed(id) => {
            let moved = store.retry_failed(*id)?;
            (OpResult::Count(moved), moved)
        }
        Op::Purge => {
            let gone = store.purge()?;
            (OpResult::Count(gone), -gone)
        }
        // Placeholder: runs after the commit (see `run_after_commit`).
        Op::Shrink(_) | Op::Checkpoint | Op::Backup(_) | Op::Integrity => (OpResult::Count(0), 0),
    })
}
