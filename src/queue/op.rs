//! The operations a batch is made of, and their results. Each operation is one state change or
//! one read of the queue; [`crate::queue::batch`] runs a list of them in one transaction.

use super::error::QueueError;
use super::store::ClaimedJob;

/// One operation, in the order the caller issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Enqueue a job given as JSON text; yields [`OpResult::Id`].
    Add(String),
    /// Claim up to n queued jobs for this owner; yields [`OpResult::Jobs`].
    Claim(u32),
    /// Acknowledge (delete) a job this owner claimed; yields [`OpResult::Bool`] (false: not ours
    /// any more).
    Ack(i64),
    /// Return a job this owner claimed to the queue; yields [`OpResult::Bool`].
    Release(i64),
    /// Delete a job by id; yields [`OpResult::Bool`] true, or the error `ERR_JOB_NOT_FOUND`.
    Delete(i64),
    /// Does a job with this id exist? Yields [`OpResult::Bool`].
    Has(i64),
    /// Ids of jobs whose JSON text is exactly this, in order; yields [`OpResult::Ids`].
    FindIds(String),
    /// Extend the lease of every job this owner holds; yields [`OpResult::Count`] (jobs held).
    Renew,
    /// Could a claim find something new (another connection committed since the last poll, or a
    /// lease expired)? Yields [`OpResult::Bool`].
    Poll,
    /// Give up to n free pages back to the file system, then truncate the WAL, after the batch
    /// commits (it cannot run inside a transaction); yields [`OpResult::Count`] (free pages left).
    Shrink(u32),
    /// Copy the WAL into the main file and truncate it, after the batch commits; yields
    /// [`OpResult::Bool`] (false: another connection kept it from completing).
    Checkpoint,
    /// Write a copy of the queue to this path with SQLite's online backup API, after the batch
    /// commits; yields [`OpResult::Bool`] true.
    Backup(String),
}

impl Op {
    /// True for operations that insert jobs: their transaction commits with the queue's
    /// durability (see [`crate::queue::Durability`]).
    pub(crate) fn adds(&self) -> bool {
        matches!(self, Op::Add(_))
    }

    /// True for operations that write, so their batch takes the write lock (`BEGIN IMMEDIATE`).
    pub(crate) fn writes(&self) -> bool {
        !matches!(
            self,
            Op::Has(_) | Op::FindIds(_) | Op::Poll | Op::Shrink(_) | Op::Checkpoint | Op::Backup(_)
        )
    }
}

/// The result of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// Id of the added job.
    Id(i64),
    /// Yes/no answer (ack, release, delete, has, poll).
    Bool(bool),
    /// Job ids in execution order.
    Ids(Vec<i64>),
    /// Jobs claimed, in id order.
    Jobs(Vec<ClaimedJob>),
    /// A number of jobs or pages.
    Count(i64),
    /// This operation failed; nothing of it was written.
    Failed(QueueError),
}

impl OpResult {
    /// Rows this result added (+1) to or removed (-1) from the queue.
    pub(crate) fn row_delta(&self, op: &Op) -> i64 {
        match (op, self) {
            (Op::Add(_), OpResult::Id(_)) => 1,
            (Op::Ack(_) | Op::Delete(_), OpResult::Bool(true)) => -1,
            _ => 0,
        }
    }
}
