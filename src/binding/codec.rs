//! The compact encoding of a batch across the boundary. Building thousands of small JS objects is
//! the expensive part of crossing napi, so a batch travels as flat arrays ("tapes"):
//!
//! - in: `kinds[i]` is the i-th operation (an `OP_*` constant below); each operation reads its
//!   numbers from `nums` and its strings from `texts`, in order (see each constant). An optional
//!   string travels as `""` for none.
//! - out: for each completed operation, in order, `nums` holds a shape tag ([`shape`]) and then
//!   its payload, so the reader needs no knowledge of the operation kinds:
//!   - `ERROR`: nothing more on `nums`; `texts` holds the error's code, then its message;
//!   - `NUMBER`: one number (an id, a count of jobs or pages);
//!   - `BOOL`: `1` or `0`;
//!   - `IDS`: a length `k`, then `k` ids;
//!   - `ADDED`: the id, then `1` if a row was inserted (`0`: a live job had the key);
//!   - `JOBS`: a length `k`, then per job its id, attempts, attempts allowed (-1: unlimited) and
//!     `1` if it went to `failed` instead (out of attempts), then when the next delayed job is due
//!     (wall ms, 0: none) and how many void leases went back to the queue first; `texts`
//!     holds each job's JSON text, or `"\0"` followed by why the row cannot be delivered;
//!   - `NUMBERS`: a length `k`, then `k` numbers;
//!   - `ROWS`: a length `k`, then per row id, state, priority, attempts, max_attempts, created_at,
//!     run_at, started_at, failed_at (-1 for none); `texts` holds per row its job text (as for
//!     `JOBS`) and its stored error JSON (`""` for none);
//!   - `TEXTS`: a count `k`; `texts` holds `k` lines.
//!
//!   `counts[i]` is the rows in the queue right after operation `i`.
//!
//! Adding an operation: a `kind` constant and a `decode` arm here, then the core's `Op`, its
//! `apply` arm and its store function; JS reads its result without change.

use napi_derive::napi;

use crate::queue::{
    BatchOutcome, ClaimedJob, ErrorInfo, JobState, NewJob, Op, OpResult, QueueError,
};

/// Operation kind numbers used in `kinds`, exported to JS (as `OP_ADD`, …) so both sides share
/// them. Each says what it reads from the `nums` and `texts` tapes.
pub mod kind {
    use napi_derive::napi;

    /// Enqueue a plain job. texts: job.
    #[napi]
    pub const OP_ADD: u32 = 0;
    /// Enqueue a job with options. nums: priority, run_at (wall ms, 0: now), max_attempts (0: none),
    /// has_key (1/0); texts: job, then its key if it has one.
    #[napi]
    pub const OP_ADD_JOB: u32 = 1;
    /// Enqueue jobs, all or none. nums: count n, then n times what `OP_ADD_JOB` reads; texts: n
    /// times what `OP_ADD_JOB` reads.
    #[napi]
    pub const OP_ADD_ALL: u32 = 2;
    /// Claim jobs. nums: limit, default max attempts (0: unlimited).
    #[napi]
    pub const OP_CLAIM: u32 = 3;
    /// Delete a job this object claimed. nums: id.
    #[napi]
    pub const OP_ACK: u32 = 4;
    /// Give a delivered job this object claimed back to the queue. nums: id.
    #[napi]
    pub const OP_RELEASE: u32 = 5;
    /// Give a claimed job that was never delivered back, its attempt not counted. nums: id.
    #[napi]
    pub const OP_UNCLAIM: u32 = 6;
    /// A failed attempt to retry later. nums: id, delay ms; texts: error name, message, code, stack.
    #[napi]
    pub const OP_RETRY: u32 = 7;
    /// A failed attempt with none left: a dead letter. nums: id; texts: as `OP_RETRY`.
    #[napi]
    pub const OP_FAIL: u32 = 8;
    /// Delete a job whatever its state. nums: id.
    #[napi]
    pub const OP_DELETE: u32 = 9;
    /// Is the job live? nums: id.
    #[napi]
    pub const OP_HAS: u32 = 10;
    /// Ids of live jobs with exactly this JSON text. texts: job.
    #[napi]
    pub const OP_FIND_IDS: u32 = 11;
    /// Extend the leases this object holds.
    #[napi]
    pub const OP_RENEW: u32 = 12;
    /// Could a claim find something new?
    #[napi]
    pub const OP_POLL: u32 = 13;
    /// Jobs per state: queued, delayed, running, failed.
    #[napi]
    pub const OP_STATS: u32 = 14;
    /// List jobs of a state. nums: state (0 queued, 1 running, 2 failed, 3 delayed), limit, offset.
    #[napi]
    pub const OP_LIST: u32 = 15;
    /// Dead letters back to the queue. nums: id, or -1 for all.
    #[napi]
    pub const OP_RETRY_FAILED: u32 = 16;
    /// Delete every queued and delayed job.
    #[napi]
    pub const OP_PURGE: u32 = 17;
    /// Give free pages back, truncate the WAL. nums: pages.
    #[napi]
    pub const OP_SHRINK: u32 = 18;
    /// Copy the WAL into the main file and truncate it.
    #[napi]
    pub const OP_CHECKPOINT: u32 = 19;
    /// Write a copy of the queue to a file. texts: path.
    #[napi]
    pub const OP_BACKUP: u32 = 20;
    /// Is the job still claimed by this object? nums: id.
    #[napi]
    pub const OP_OWNED: u32 = 21;
    /// One job by id, whatever its state. nums: id.
    #[napi]
    pub const OP_GET: u32 = 22;
    /// SQLite's integrity check (after the batch, outside its transaction).
    #[napi]
    pub const OP_INTEGRITY: u32 = 23;
    /// Set `queue_count` to the live rows: counter before (-1: broken) and after.
    #[napi]
    pub const OP_RECOUNT: u32 = 24;
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
    /// An added job's id and whether it was inserted.
    pub const ADDED: f64 = 4.0;
    /// A list of numbers.
    pub const NUMBERS: f64 = 5.0;
    /// A list of job rows.
    pub const ROWS: f64 = 6.0;
    /// Lines of text.
    pub const TEXTS: f64 = 7.0;
}

/// Reads the input tapes in order.
struct Reader {
    nums: std::vec::IntoIter<f64>,
    texts: std::vec::IntoIter<String>,
}

impl Reader {
    fn int(&mut self, what: &str) -> Result<i64, QueueError> {
        let n = self
            .nums
            .next()
            .ok_or_else(|| QueueError::InvalidArg(format!("{what}: missing number")))?;
        if n.fract() != 0.0 || !(-9_007_199_254_740_991.0..=9_007_199_254_740_991.0).contains(&n) {
            return Err(QueueError::InvalidArg(format!(
                "{what}: {n} is not a safe integer"
            )));
        }
        Ok(n as i64)
    }

    fn small(&mut self, what: &str) -> Result<u32, QueueError> {
        let n = self.int(what)?;
        u32::try_from(n).map_err(|_| QueueError::InvalidArg(format!("{what}: {n} out of range")))
    }

    fn text(&mut self, what: &str) -> Result<String, QueueError> {
        self.texts
            .next()
            .ok_or_else(|| QueueError::InvalidArg(format!("{what}: missing text")))
    }

    fn optional_text(&mut self, what: &str) -> Result<Option<String>, QueueError> {
        Ok(Some(self.text(what)?).filter(|t| !t.is_empty()))
    }

    fn job(&mut self) -> Result<NewJob, QueueError> {
        let priority = self.int("add priority")?;
        let run_at = self.int("add runAt")?;
        let max_attempts = Some(self.int("add maxAttempts")?).filter(|n| *n > 0);
        let has_key = self.int("add key flag")? != 0;
        let text = self.text("add")?;
        let key = if has_key {
            Some(self.text("add key")?)
        } else {
            None
        };
        Ok(NewJob {
            text,
            priority,
            run_at,
            max_attempts,
            key,
        })
    }

    fn error(&mut self) -> Result<ErrorInfo, QueueError> {
        Ok(ErrorInfo {
            name: self.text("error name")?,
            message: self.text("error message")?,
            code: self.optional_text("error code")?,
            stack: self.optional_text("error stack")?,
        })
    }

    fn op(&mut self, kind: u32) -> Result<Op, QueueError> {
        Ok(match kind {
            kind::OP_ADD => Op::Add(NewJob::plain(self.text("add")?)),
            kind::OP_ADD_JOB => Op::Add(self.job()?),
            kind::OP_ADD_ALL => {
                let n = self.small("addAll count")?;
                Op::AddAll((0..n).map(|_| self.job()).collect::<Result<_, _>>()?)
            }
            kind::OP_CLAIM => Op::Claim {
                limit: self.small("claim")?,
                default_max_attempts: Some(self.int("claim maxAttempts")?).filter(|n| *n > 0),
            },
            kind::OP_ACK => Op::Ack(self.int("ack")?),
            kind::OP_RELEASE => Op::Release(self.int("release")?),
            kind::OP_UNCLAIM => Op::Unclaim(self.int("unclaim")?),
            kind::OP_RETRY => Op::Retry {
                id: self.int("retry")?,
                delay_ms: self.int("retry delay")?,
                error: self.error()?,
            },
            kind::OP_FAIL => Op::Fail {
                id: self.int("fail")?,
                error: self.error()?,
            },
            kind::OP_DELETE => Op::Delete(self.int("delete")?),
            kind::OP_HAS => Op::Has(self.int("has")?),
            kind::OP_OWNED => Op::Owned(self.int("owned")?),
            kind::OP_FIND_IDS => Op::FindIds(self.text("findIds")?),
            kind::OP_RENEW => Op::Renew,
            kind::OP_POLL => Op::Poll,
            kind::OP_STATS => Op::Stats,
            kind::OP_LIST => {
                let n = self.int("list state")?;
                let state = JobState::from_i64(n)
                    .ok_or_else(|| QueueError::InvalidArg(format!("list: unknown state {n}")))?;
                Op::List {
                    state,
                    limit: self.small("list limit")?,
                    offset: self.small("list offset")?,
                }
            }
            kind::OP_RETRY_FAILED => {
                Op::RetryFailed(Some(self.int("retryFailed")?).filter(|id| *id >= 0))
            }
            kind::OP_PURGE => Op::Purge,
            kind::OP_SHRINK => Op::Shrink(self.small("shrink")?),
            kind::OP_CHECKPOINT => Op::Checkpoint,
            kind::OP_BACKUP => Op::Backup(self.text("backup")?),
            kind::OP_GET => Op::Get(self.int("get")?),
            kind::OP_INTEGRITY => Op::Integrity,
            kind::OP_RECOUNT => Op::Recount,
            other => {
                return Err(QueueError::InvalidArg(format!(
                    "unknown operation kind {other}"
                )))
            }
        })
    }
}

/// Decodes the input tapes into operations.
///
/// Errors: `ERR_INVALID_ARG` when a tape runs short, a kind is unknown or a number is not an
/// integer in range (a mismatched build of `index.js` and the addon).
pub fn decode(kinds: Vec<u32>, nums: Vec<f64>, texts: Vec<String>) -> Result<Vec<Op>, QueueError> {
    let mut reader = Reader {
        nums: nums.into_iter(),
        texts: texts.into_iter(),
    };
    kinds.into_iter().map(|k| reader.op(k)).collect()
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

/// A job's text for the tape: as stored, or `"\0"` and why it cannot be delivered.
fn job_text(job: Result<String, String>) -> String {
    job.unwrap_or_else(|why| format!("\0{why}"))
}

/// Encodes an outcome into the output tapes.
pub fn encode(outcome: BatchOutcome) -> BatchOutput {
    let mut nums = Vec::with_capacity(outcome.results.len() * 2);
    let mut texts = Vec::new();
    let completed = outcome.results.len() as u32;
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let opt = |n: Option<i64>| n.map_or(-1.0, |n| n as f64);
    for result in outcome.results {
        match result {
            OpResult::Count(n) => nums.extend([shape::NUMBER, n as f64]),
            OpResult::Bool(b) => nums.extend([shape::BOOL, flag(b)]),
            OpResult::Added { id, fresh } => nums.extend([shape::ADDED, id as f64, flag(fresh)]),
            OpResult::Ids(ids) => {
                nums.extend([shape::IDS, ids.len() as f64]);
                nums.extend(ids.into_iter().map(|id| id as f64));
            }
            OpResult::Numbers(values) => {
                nums.extend([shape::NUMBERS, values.len() as f64]);
                nums.extend(values.into_iter().map(|n| n as f64));
            }
            OpResult::Claimed {
                jobs,
                next_due,
                expired,
            } => {
                nums.extend([shape::JOBS, jobs.len() as f64]);
                for ClaimedJob {
                    id,
                    attempts,
                    max_attempts,
                    job,
                    dead,
                } in jobs
                {
                    nums.extend([id as f64, attempts as f64, opt(max_attempts), flag(dead)]);
                    texts.push(job_text(job));
                }
                nums.extend([next_due as f64, expired as f64]);
            }
            OpResult::Rows(rows) => {
                nums.extend([shape::ROWS, rows.len() as f64]);
                for row in rows {
                    nums.extend([
                        row.id as f64,
                        row.state as i64 as f64,
                        row.priority as f64,
                        row.attempts as f64,
                        opt(row.max_attempts),
                        opt(row.created_at),
                        row.run_at as f64,
                        opt(row.started_at),
                        opt(row.failed_at),
                    ]);
                    texts.push(job_text(row.job));
                    texts.push(row.error.unwrap_or_default());
                }
            }
            OpResult::Texts(lines) => {
                nums.extend([shape::TEXTS, lines.len() as f64]);
                texts.extend(lines);
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
                kind::OP_ADD_JOB,
                kind::OP_FIND_IDS,
                kind::OP_CLAIM,
                kind::OP_RETRY,
            ],
            vec![7.0, 5.0, 1_000.0, 3.0, 1.0, 4.0, 0.0, 9.0, 250.0],
            ["1", "{}", "k", "\"x\"", "TypeError", "bad", "", "at x"]
                .map(String::from)
                .to_vec(),
        )
        .expect("decode");
        assert_eq!(
            ops,
            vec![
                Op::Add(NewJob::plain("1")),
                Op::Delete(7),
                Op::Add(NewJob {
                    text: "{}".into(),
                    priority: 5,
                    run_at: 1_000,
                    max_attempts: Some(3),
                    key: Some("k".into())
                }),
                Op::FindIds("\"x\"".into()),
                Op::Claim {
                    limit: 4,
                    default_max_attempts: None
                },
                Op::Retry {
                    id: 9,
                    delay_ms: 250,
                    error: ErrorInfo {
                        name: "TypeError".into(),
                        message: "bad".into(),
                        code: None,
                        stack: Some("at x".into())
                    }
                },
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
        assert_eq!(
            code(vec![kind::OP_CLAIM], vec![-1.0, 0.0]),
            "ERR_INVALID_ARG"
        );
        assert_eq!(
            code(vec![kind::OP_LIST], vec![7.0, 1.0, 0.0]),
            "ERR_INVALID_ARG"
        );
    }

    #[test]
    fn encode_tags_each_result_with_its_shape() {
        let out = encode(BatchOutcome {
            results: vec![
                OpResult::Added { id: 4, fresh: true },
                OpResult::Bool(true),
                OpResult::Ids(vec![2, 3]),
                OpResult::Claimed {
                    jobs: vec![ClaimedJob {
                        id: 5,
                        attempts: 2,
                        max_attempts: None,
                        job: Err("job is NULL".into()),
                        dead: false,
                    }],
                    next_due: 77,
                    expired: 3,
                },
                OpResult::Texts(vec!["row 3 missing from index".into()]),
                OpResult::Failed(QueueError::JobNotFound(9)),
            ],
            counts: vec![1, 1, 1, 1, 1, 1],
            busy: None,
            wrote: true,
        });
        assert_eq!(
            out.nums,
            vec![
                4.0, 4.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 1.0, 5.0, 2.0, -1.0, 0.0, 77.0,
                3.0, 7.0, 1.0, -1.0
            ]
        );
        assert_eq!(
            out.texts,
            vec![
                "\0job is NULL",
                "row 3 missing from index",
                "ERR_JOB_NOT_FOUND",
                "Job id 9 is not in the queue"
            ]
        );
        assert_eq!(out.counts, vec![1.0; 6]);
        assert_eq!(out.completed, 6);
    }
}
