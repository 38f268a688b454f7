//! The compact encoding of a batch across the boundary. Building thousands of small JS objects is
//! the expensive part of crossing napi, so a batch travels as flat arrays ("tapes"):
//!
//! - in: `kinds[i]` is the i-th operation (see [`kind`]); operations that take a number read the
//!   next entry of `nums`, operations that take a string read the next entry of `texts`.
//! - out: for each completed operation, in order, `nums` holds `-1` if it failed (then `texts`
//!   holds its error code and message), else: the id (add), `1`/`0` (ack, release, delete, has,
//!   poll), the count (count; renew: jobs held; shrink: free pages left), or a length `k` followed by `k` ids (find ids, claim). A claim also puts
//!   `k` entries in `texts`: the job's JSON text, or `"\0"` followed by why the row is unreadable.

use crate::queue::{BatchOutcome, Op, OpResult, QueueError};

/// Operation kind numbers used in `kinds`, exported to JS (as `OP_ADD`, …) so both sides share them.
pub mod kind {
    use napi_derive::napi;

    /// `add(text)`
    #[napi]
    pub const OP_ADD: u32 = 0;
    /// `claim(n)`
    #[napi]
    pub const OP_CLAIM: u32 = 1;
    /// `ack(id)`
    #[napi]
    pub const OP_ACK: u32 = 2;
    /// `release(id)`
    #[napi]
    pub const OP_RELEASE: u32 = 3;
    /// `delete(id)`
    #[napi]
    pub const OP_DELETE: u32 = 4;
    /// `has(id)`
    #[napi]
    pub const OP_HAS: u32 = 5;
    /// `findIds(text)`
    #[napi]
    pub const OP_FIND_IDS: u32 = 6;
    /// `count()`
    #[napi]
    pub const OP_COUNT: u32 = 7;
    /// `renew()`: extend the leases this owner holds
    #[napi]
    pub const OP_RENEW: u32 = 8;
    /// `poll()`: could a claim find something new?
    #[napi]
    pub const OP_POLL: u32 = 9;
    /// `shrink(pages)`: give free pages back, truncate the WAL
    #[napi]
    pub const OP_SHRINK: u32 = 10;
}

/// Decodes the input tapes into operations. Errors with `ERR_INVALID_ARG` when a tape runs short,
/// a kind is unknown or a number is not an integer id.
pub fn decode(kinds: Vec<u32>, nums: Vec<f64>, texts: Vec<String>) -> Result<Vec<Op>, QueueError> {
    let mut nums = nums.into_iter();
    let mut texts = texts.into_iter();
    let mut next_int = |what: &str| -> Result<i64, QueueError> {
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
    let mut next_text = |what: &str| {
        texts
            .next()
            .ok_or_else(|| QueueError::InvalidArg(format!("{what}: missing text")))
    };
    kinds
        .into_iter()
        .map(|k| {
            Ok(match k {
                kind::OP_ADD => Op::Add(next_text("add")?),
                kind::OP_CLAIM => {
                    let n = next_int("claim")?;
                    Op::Claim(
                        u32::try_from(n).map_err(|_| {
                            QueueError::InvalidArg(format!("claim: {n} out of range"))
                        })?,
                    )
                }
                kind::OP_ACK => Op::Ack(next_int("ack")?),
                kind::OP_RELEASE => Op::Release(next_int("release")?),
                kind::OP_DELETE => Op::Delete(next_int("delete")?),
                kind::OP_HAS => Op::Has(next_int("has")?),
                kind::OP_FIND_IDS => Op::FindIds(next_text("findIds")?),
                kind::OP_COUNT => Op::Count,
                kind::OP_RENEW => Op::Renew,
                kind::OP_POLL => Op::Poll,
                kind::OP_SHRINK => {
                    let n = next_int("shrink")?;
                    Op::Shrink(
                        u32::try_from(n).map_err(|_| {
                            QueueError::InvalidArg(format!("shrink: {n} out of range"))
                        })?,
                    )
                }
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
#[napi_derive::napi(object)]
pub struct BatchOutput {
    /// Number tape (see the module docs).
    pub nums: Vec<f64>,
    /// Text tape (see the module docs).
    pub texts: Vec<String>,
    /// How many operations completed; the rest were not run because SQLite stayed busy.
    pub completed: u32,
    /// Error code when the batch stopped early (`SQLITE_BUSY` or `SQLITE_LOCKED`), else absent.
    pub busy_code: Option<String>,
    /// Error message matching `busy_code`.
    pub busy_message: Option<String>,
    /// Rows in the queue after the batch, or -1 if unknown.
    pub count: f64,
}

/// Encodes an outcome into the output tapes.
pub fn encode(outcome: BatchOutcome) -> BatchOutput {
    let mut nums = Vec::with_capacity(outcome.results.len());
    let mut texts = Vec::new();
    let completed = outcome.results.len() as u32;
    for result in outcome.results {
        match result {
            OpResult::Id(id) | OpResult::Count(id) => nums.push(id as f64),
            OpResult::Bool(b) => nums.push(if b { 1.0 } else { 0.0 }),
            OpResult::Ids(ids) => {
                nums.push(ids.len() as f64);
                nums.extend(ids.into_iter().map(|id| id as f64));
            }
            OpResult::Jobs(jobs) => {
                nums.push(jobs.len() as f64);
                for job in jobs {
                    nums.push(job.id as f64);
                    texts.push(job.job.unwrap_or_else(|why| format!("\0{why}")));
                }
            }
            OpResult::Failed(err) => {
                nums.push(-1.0);
                texts.push(err.code().to_string());
                texts.push(err.to_string());
            }
        }
    }
    BatchOutput {
        nums,
        texts,
        completed,
        busy_code: outcome.busy.as_ref().map(|e| e.code().to_string()),
        busy_message: outcome.busy.as_ref().map(|e| e.to_string()),
        count: outcome.count as f64,
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
                kind::OP_COUNT,
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
                Op::Count
            ]
        );
    }

    #[test]
    fn decode_refuses_short_tapes_fractions_and_unknown_kinds() {
        assert_eq!(
            decode(vec![kind::OP_ACK], vec![], vec![])
                .unwrap_err()
                .code(),
            "ERR_INVALID_ARG"
        );
        assert_eq!(
            decode(vec![kind::OP_ACK], vec![1.5], vec![])
                .unwrap_err()
                .code(),
            "ERR_INVALID_ARG"
        );
        assert_eq!(
            decode(vec![99], vec![], vec![]).unwrap_err().code(),
            "ERR_INVALID_ARG"
        );
        assert_eq!(
            decode(vec![kind::OP_CLAIM], vec![-1.0], vec![])
                .unwrap_err()
                .code(),
            "ERR_INVALID_ARG"
        );
    }
}
