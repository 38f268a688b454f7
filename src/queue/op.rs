//! The operations a batch is made of, and their results. Each operation is one state change or
//! one read of the queue; [`crate::queue::batch`] runs a list of them in one transaction.

use super::error::QueueError;
use super::schema::JobState;

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewJob {
    /// Its JSON text, stored as given.
    pub text: String,
    /// Higher runs first; FIFO within a priority.
    pub priority: i64,
    /// Wall-clock ms since the Unix epoch before which it is not delivered; 0: at once.
    pub run_at: i64,
    /// Deliveries after which it goes to `failed` instead (counted at claim); None: the
    /// claimer's default.
    pub max_attempts: Option<i64>,
    /// While a job with this key is queued, running or delayed, adding another with the same key
    /// adds nothing and yields the existing id.
    pub key: Option<String>,
}

impl NewJob {
    /// A plain job: priority 0, now, no limit, no key.
    pub fn plain(text: impl Into<String>) -> NewJob {
        NewJob {
            text: text.into(),
            ..NewJob::default()
        }
    }
}

/// The error a failed attempt ended with, stored as JSON (`last_error`) by the core.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorInfo {
    /// `error.name`, e.g. `TypeError`.
    pub name: String,
    /// `error.message`.
    pub message: String,
    /// `error.code`, if it has one.
    pub code: Option<String>,
    /// `error.stack`, if it has one.
    pub stack: Option<String>,
}

/// One operation, in the order the caller issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Enqueue a job; yields [`OpResult::Added`].
    Add(NewJob),
    /// Enqueue jobs, all or none; yields [`OpResult::Numbers`]: for each job its id and 1 if it
    /// was inserted, 0 if a live job had its key (that job's id).
    AddAll(Vec<NewJob>),
    /// Claim up to `limit` ready jobs for this owner, highest priority first, FIFO within one.
    /// Jobs delivered more than their `max_attempts` (else `default_max_attempts`) times go to
    /// `failed` instead. Yields [`OpResult::Claimed`].
    Claim {
        /// Most jobs to claim.
        limit: u32,
        /// Attempt limit of jobs without their own; None: unlimited.
        default_max_attempts: Option<i64>,
    },
    /// Acknowledge (delete) a job this owner claimed; yields [`OpResult::Bool`] (false: not ours
    /// any more).
    Ack(i64),
    /// Return a delivered job this owner claimed to the queue, at its place; its attempt counts.
    /// Yields [`OpResult::Bool`].
    Release(i64),
    /// Return a claimed job that was never delivered, as if it had not been claimed (its attempt
    /// does not count). Yields [`OpResult::Bool`].
    Unclaim(i64),
    /// A failed attempt with attempts left: the job waits `delay_ms` (state `delayed`), keeping
    /// the error. Yields [`OpResult::Bool`] (false: not ours any more).
    Retry {
        /// The job.
        id: i64,
        /// Wait before it is ready again, in ms.
        delay_ms: i64,
        /// The attempt's error.
        error: ErrorInfo,
    },
    /// A failed attempt with no attempts left: the job becomes a dead letter (state `failed`).
    /// Yields [`OpResult::Bool`] (false: not ours any more).
    Fail {
        /// The job.
        id: i64,
        /// The attempt's error.
        error: ErrorInfo,
    },
    /// Delete a job by id, whatever its state; yields [`OpResult::Bool`] true, or the error
    /// `ERR_JOB_NOT_FOUND`.
    Delete(i64),
    /// Is a job with this id queued, delayed or running? Yields [`OpResult::Bool`].
    Has(i64),
    /// Is this job still claimed by this owner (not deleted, not taken by another after its lease
    /// ran out)? Yields [`OpResult::Bool`].
    Owned(i64),
    /// Ids of the live jobs whose JSON text is exactly this, in order; yields [`OpResult::Ids`].
    FindIds(String),
    /// Extend the lease of every job this owner holds; yields [`OpResult::Count`] (jobs held).
    Renew,
    /// Could a claim find something new (another connection committed since the last poll, or a
    /// lease is void)? Yields [`OpResult::Bool`].
    Poll,
    /// Jobs per state; yields [`OpResult::Numbers`]: queued, delayed, running, failed.
    Stats,
    /// Jobs in one state, in their order (queued: claim order; delayed: due time; others: id),
    /// skipping `offset`; yields [`OpResult::Rows`].
    List {
        /// Which jobs.
        state: JobState,
        /// Most rows.
        limit: u32,
        /// Rows skipped first.
        offset: u32,
    },
    /// Dead letters back to the queue with their attempts reset: this one (None: all). Yields
    /// [`OpResult::Count`] (jobs moved).
    RetryFailed(Option<i64>),
    /// Delete every queued and delayed job; yields [`OpResult::Count`].
    Purge,
    /// Give up to n free pages back to the file system, then truncate the WAL, after the batch
    /// commits (it cannot run inside a transaction); yields [`OpResult::Count`] (free pages left).
    Shrink(u32),
    /// Copy the WAL into the main file and truncate it, after the batch commits; yields
    /// [`OpResult::Bool`] (false: another connection kept it from completing).
    Checkpoint,
    /// Write a copy of the queue to this path with SQLite's online backup API, after the batch
    /// commits; yields [`OpResult::Bool`] true.
    Backup(String),
    /// The job with this id, whatever its state; yields [`OpResult::Rows`] (one row, or none).
    Get(i64),
    /// SQLite's integrity check, after the batch commits, outside any transaction (a read that
    /// blocks no writer in WAL mode); yields [`OpResult::Texts`]: the problems found (none: sound).
    Integrity,
    /// Set `queue_count` to the live rows (every state but `failed`); yields
    /// [`OpResult::Numbers`]: the counter before (-1: not exactly one integer row) and after.
    Recount,
}

impl Op {
    /// True for operations that insert jobs: their transaction commits with the queue's
    /// durability (see [`crate::queue::Durability`]).
    pub(crate) fn adds(&self) -> bool {
        matches!(self, Op::Add(_) | Op::AddAll(_))
    }

    /// True for operations that write, so their batch takes the write lock (`BEGIN IMMEDIATE`).
    pub(crate) fn writes(&self) -> bool {
        !matches!(
            self,
            Op::Has(_)
                | Op::Owned(_)
                | Op::FindIds(_)
                | Op::Poll
                | Op::Stats
                | Op::List { .. }
                | Op::Get(_)
                | Op::Integrity
                | Op::Shrink(_)
                | Op::Checkpoint
                | Op::Backup(_)
        )
    }
}

/// A claimed job: its id and its JSON text exactly as stored, or why the row cannot be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    /// Row id (the job id users see).
    pub id: i64,
    /// Deliveries so far, this one included.
    pub attempts: i64,
    /// Deliveries allowed (its own limit, else the claim's default); None: unlimited.
    pub max_attempts: Option<i64>,
    /// The stored JSON text; `Err` holds why the row is not UTF-8 text (NULL, BLOB, number, bad
    /// bytes).
    pub job: std::result::Result<String, String>,
    /// It had been delivered `max_attempts` times already: it went to `failed` instead of being
    /// claimed (reported so that the caller can say so).
    pub dead: bool,
}

/// A job as listed by [`Op::List`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    /// Row id.
    pub id: i64,
    /// Its state.
    pub state: JobState,
    /// Its priority.
    pub priority: i64,
    /// Deliveries so far.
    pub attempts: i64,
    /// Its own attempt limit, if any.
    pub max_attempts: Option<i64>,
    /// Wall-clock ms it was added (None for rows written by the original library).
    pub created_at: Option<i64>,
    /// Wall-clock ms it is due (0: at once).
    pub run_at: i64,
    /// Wall-clock ms of its last claim.
    pub started_at: Option<i64>,
    /// Wall-clock ms it became a dead letter.
    pub failed_at: Option<i64>,
    /// Its JSON text, or why the row is unreadable.
    pub job: std::result::Result<String, String>,
    /// The stored error of its last failed attempt, as JSON (`{name, message, code, stack}`).
    pub error: Option<String>,
}

/// The result of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// The id of an added job; `fresh` is false when a live job with its key already existed
    /// (its id is given, nothing was added).
    Added {
        /// The job's id.
        id: i64,
        /// Whether a row was inserted.
        fresh: bool,
    },
    /// Yes/no answer.
    Bool(bool),
    /// Job ids in order.
    Ids(Vec<i64>),
    /// Jobs claimed, in claim order, when the next delayed job is due (wall-clock ms since the
    /// epoch; 0: none is delayed), and how many void leases went back to the queue first.
    Claimed {
        /// The jobs.
        jobs: Vec<ClaimedJob>,
        /// When the next delayed job is due.
        next_due: i64,
        /// Running jobs of any owner whose lease was void, returned to `queued` by this claim.
        expired: i64,
    },
    /// A number of jobs or pages.
    Count(i64),
    /// Several numbers (see the operation).
    Numbers(Vec<i64>),
    /// Listed jobs.
    Rows(Vec<JobRow>),
    /// Lines of text (see the operation).
    Texts(Vec<String>),
    /// This operation failed; nothing of it was written.
    Failed(QueueError),
}
