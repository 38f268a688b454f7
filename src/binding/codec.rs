//! The compact encoding of a batch across the boundary. Building thousands of small JS objects is
//! the expensive part of crossing napi, so a batch travels as flat arrays ("tapes"):
//!
//! - in: `kinds[i]` is the i-th operation (an `OP_*` constant below); operations that take a
//!   number read the next entry of `nums`, operations that take a string the next of `texts`.
//! - out: for each completed operation, in order, `nums` holds a shape tag ([`shape`]) and then
//!   its payload, so the reader needs no knowledge of the operation kinds:
//!   - `ERROR`: nothing more on `nums`; `texts` holds the error's code, then its message;
//!   - `NUMBER`: one number (an id, a count of jobs or pages);
//!   - `BOOL`: `1` or `0`;
//!   - `IDS`: a length `k`, then `k` ids;
//!   - `JOBS`: a length `k`, then `k` ids; `texts` holds each job's JSON text, or `"\0"` followed
//!     by why the row cannot be delivered.
//!
//!   `counts[i]` is the rows in the queue right after operation `i`.
//!
//! Adding an operation: a `kind` constant and a `decode` arm here, then the core's `Op` and its
//! `apply` arm; the JS side reads its result without change.

use napi_derive::napi;

use crate::queue::{BatchOutcome, Op, OpResult, QueueError};

/// Operation kind numbers used in `kinds`, exported to JS (as `OP_ADD`, …) so both sides share
/// them.
pub mod kind {
    use napi_derive::napi;

    /// `add(text)`: enqueue a job.
    #[napi]
    pub const OP_ADD: u32 = 0;
    /// `claim(n)`: claim up to n jobs.
    #[napi]
    pub const OP_CLAIM: u32 = 1;
    /// `ack(id)`: delete a job this object claimed.
    #[napi]
    pub const OP_ACK: u32 = 2;
    /// `release(id)`: give a job this object claimed back to the queue.
    #[napi]
    pub const OP_RELEASE: u32 = 3;
    /// `delete(id)`: delete a job whatever its state.
    #[napi]
    pub const OP_DELETE: u32 = 4;
    /// `has(id)`: does the job exist?
    #[napi]
    pub const OP_HAS: u32 = 5;
    /// `findIds(text)`: ids of jobs with exactly this JSON text.
    #[napi]
    pub const OP_FIND_IDS: u32 = 6;
    /// `renew()`: extend the leases this object holds.
    #[napi]
    pub const OP_RENEW: u32 = 7;
    /// `poll()`: could a claim find something new?
    #[napi]
    pub const OP_POLL: u32 = 8;
    /// `shrink(pages)`: give free pages back, truncate the WAL.
    #[napi]
    pub const OP_SHRINK: u32 = 9;
    /// `checkpoint()`: copy the WAL into the main file and truncate it.
    #[napi]
    pub const OP_CHECKPOINT: u32 = 10;
    /// `backup(path)`: write a copy of the queue to a file.
    #[napi]
    pub const OP_BACKUP: u32 = 11;
}

/// Shape tags of the output `nums` tape (see the module docs).
pub mod shape {
    /// A failed operation.
    pub const ERROR: f64 = -1.0;
    /// One number.
    pub const NUMBER: f64 = 0.0;
    /// `1` or `0`.
    pub const BOOL: f64 = 1.0;
    /// A list of ids.
    pub const IDS: f64 = 2.0;
    /// A list of claimed jobs.
    pub const JOBS: f64 = 3.0;
}

/// Decodes the input tapes into operations.
///
/// Errors: `ERR_INVALID_ARG` when a tape runs short, a kind is unknown or a number is not an
/// integer in range (a mismatched build of `index.js` and the addon).
pub fn decode(kinds: Vec<u32>, nums: Vec<f64>, texts: Vec<String>) -> Result<Vec<Op>, QueueError> {
    let mut nums = nums.into_iter();
    let mut texts = texts.into_iter();
    let mut int = |what: &str| -> Result<i64, QueueError> {
        let n = nums
            .next()
            .ok_or_else(|| QueueError::InvalidArg(format!("{what}: missing number")))?;
        if n.fract() != 0.0 || !(-9_007_199_254_740_991.0..=9_007_199_254_740_991.0).contains(&n) {
            return Err(QueueError::InvalidArg(format!(
                "{what}: {n} is not a safe integer"
            )));
        }
        Ok(n as i64)
    };
    let mut text = |what: &str| {
        texts
            .next()
            .ok_or_else(|| QueueError::InvalidArg(format!("{what}: missing text")))
    };
    let small = |what: &str, n: i64| {
        u32::try_from(n).map_err(|_| QueueError::InvalidArg(format!("{what}: {n} out of range")))
    };
    kinds
        .into_iter()
        .map(|k| {
            Ok(match k {
                kind::OP_ADD => Op::Add(text("add")?),
                kind::OP_CLAIM => Op::Claim(small("claim", int("claim")?)?),
                kind::OP_ACK => Op::Ack(int("ack")?),
                kind::OP_RELEASE => Op::Release(int("release")?),
                kind::OP_DELETE => Op::Delete(int("delete")?),
                kind::OP_HAS => Op::Has(int("has")?),
                kind::OP_FIND_IDS => Op::FindIds(text("findIds")?),
                kind::OP_RENEW => Op::Renew,
                kind::OP_POLL => Op::Poll,
                kind::OP_SHRINK => Op::Shrink(small("shrink", int("shrink")?)?),
                kind::OP_CHECKPOINT => Op::Checkpoint,
                kind::OP_BACKUP => Op::Backup(text("backup")?),
                other => {
                    return Err(QueueError::InvalidArg(format!(
                        "unknown operation kind {other}"
                    )))
                }
            })
        })
        .collect()
}

/// The output tapes of a batch, as handed to JavaScript.
#[napi(object)]
pub struct BatchOutput {
    /// Number tape (see the module docs).
    pub nums: Vec<f64>,
    /// Text tape (see the module docs).
    pub texts: Vec<String>,
    /// Rows in the queue after each completed operation (-1: unknown).
    pub counts: Vec<f64>,
    /// How many operations completed; the rest were not run because SQLite stayed busy.
    pub completed: u32,
    /// Error code when the batch stopped early (`SQLITE_BUSY` or `SQLITE_LOCKED`), else absent.
    pub busy_code: Option<String>,
    /// Error message matching `busy_code`.
    pub busy_message: Option<String>,
    /// Whether a write transaction committed (an idle checkpoint is then due).
    pub wrote: bool,
}

/// Encodes an outcome into the output tapes.
pub fn encode(outcome: BatchOutcome) -> BatchOutput {
    let mut nums = Vec::with_capacity(outcome.results.len() * 2);
    let mut texts = Vec::new();
    let completed = outcome.results.len() as u32;
    for result in outcome.results {
        match result {
            OpResult::Id(n) | OpResult::Count(n) => nums.extend([shape::NUMBER, n as f64]),
            OpResult::Bool(b) => nums.extend([shape::BOOL, if b { 1.0 } else { 0.0 }]),
            OpResult::Ids(ids) => {
                nums.extend([shape::IDS, ids.len() as f64]);
                nums.extend(ids.into_iter().map(|id| id as f64));
            }
            OpResult::Jobs(jobs) => {
                nums.extend([shape::JOBS, jobs.len() as f64]);
                for job in jobs {
                    nums.push(job.id as f64);
                    texts.push(job.job.unwrap_or_else(|why| format!("\0{why}")));
                }
            }
            OpResult::Failed(err) => {
                nums.push(shape::ERROR);
                texts.push(err.code().to_string());
                texts.push(err.to_string());
            }
        }
    }
    BatchOutput {
        nums,
        texts,
        counts: outcome.counts.into_iter().map(|c| c as f64).collect(),
        completed,
        busy_code: outcome.busy.as_ref().map(|e| e.code().to_string()),
        busy_message: outcome.busy.as_ref().map(|e| e.to_string()),
        wrote: outcome.wrote,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reads_each_tape_in_order() {
        let ops = decode(
            vec![
                kind::OP_ADD,
                kind::OP_DELETE,
                kind::OP_FIND_IDS,
                kind::OP_CLAIM,
                kind::OP_POLL,
            ],
            vec![7.0, 3.0],
            vec!["1".into(), "\"x\"".into()],
        )
        .expect("decode");
        assert_eq!(
            ops,
            vec![
                Op::Add("1".into()),
                Op::Delete(7),
                Op::FindIds("\"x\"".into()),
                Op::Claim(3),
                Op::Poll
            ]
        );
    }

    #[test]
    fn decode_refuses_short_tapes_fractions_and_unknown_kinds() {
        let code =
            |kinds: Vec<u32>, nums: Vec<f64>| decode(kinds, nums, vec![]).unwrap_err().code();
        assert_eq!(code(vec![kind::OP_ACK], vec![]), "ERR_INVALID_ARG");
        assert_eq!(code(vec![kind::OP_ACK], vec![1.5]), "ERR_INVALID_ARG");
        assert_eq!(code(vec![99], vec![]), "ERR_INVALID_ARG");
        assert_eq!(code(vec![kind::OP_CLAIM], vec![-1.0]), "ERR_INVALID_ARG");
    }

    #[test]
    fn encode_tags_each_result_with_its_shape() {
        let out = encode(BatchOutcome {
            results: vec![
                OpResult::Id(4),
                OpResult::Bool(true),
                OpResult::Ids(vec![2, 3]),
                OpResult::Failed(QueueError::JobNotFound(9)),
            ],
            counts: vec![1, 1, 1, 1],
            busy: None,
            wrote: true,
        });
        assert_eq!(out.nums, vec![0.0, 4.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, -1.0]);
        assert_eq!(out.texts[0], "ERR_JOB_NOT_FOUND");
        assert_eq!(out.counts, vec![1.0; 4]);
        assert_eq!(out.completed, 4);
    }
}
