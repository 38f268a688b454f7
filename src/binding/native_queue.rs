//! `NativeQueue`, the class the generated `binding.js` exports. It is internal: the public API is
//! the hand-written `PersistentQueue` in `index.js`, which keeps the ordered work queue and
//! feeds batches to [`NativeQueue::execute`].

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use super::codec::decode;
use super::tasks::{CloseTask, ExecuteTask, NoopTask, OpenTask, ScriptTask};
use crate::queue::{Durability, Options, Queue};

/// Options of `new NativeQueue(path, options)`.
#[napi(object)]
pub struct NativeOptions {
    /// `'full'` (default: adds are fsync'd, survive power loss) or `'normal'` (adds survive a
    /// process crash). Any other value throws a `TypeError`.
    pub durability: Option<String>,
    /// Milliseconds one attempt waits inside SQLite for a lock before it reports busy (default 50).
    pub attempt_timeout_ms: Option<u32>,
    /// Lease of a claim in ms (visibility timeout, default 30000): a job held longer without
    /// renewal may be claimed by another consumer.
    pub visibility_timeout_ms: Option<f64>,
    /// Largest database file size in bytes (`PRAGMA max_page_count`); adds past it reject with
    /// `SQLITE_FULL`. Default: no limit but SQLite's own.
    pub max_file_size: Option<f64>,
}

/// One queue object over one SQLite file. Every method returns a Promise settled on the main
/// thread after the work ran on the libuv thread pool; rejections are `Error`s with a `code`.
#[napi]
pub struct NativeQueue {
    queue: Arc<Queue>,
}

#[napi]
impl NativeQueue {
    /// Creates the object; touches no file until `open()`. `path` is the queue file (`""` or
    /// `":memory:"` for an in-memory queue).
    #[napi(constructor, catch_unwind)]
    pub fn new(path: String, options: Option<NativeOptions>) -> napi::Result<Self> {
        let mut opts = Options::default();
        if let Some(o) = options {
            match o.durability.as_deref() {
                None | Some("full") => opts.durability = Durability::Full,
                Some("normal") => opts.durability = Durability::Normal,
                Some(other) => {
                    return Err(napi::Error::new(
                        napi::Status::InvalidArg,
                        format!("durability must be 'full' or 'normal', got '{other}'"),
                    ))
                }
            }
            if let Some(ms) = o.attempt_timeout_ms {
                opts.attempt_timeout = Duration::from_millis(u64::from(ms));
            }
            if let Some(ms) = o.visibility_timeout_ms {
                opts.visibility_timeout = Duration::from_millis(ms.max(0.0) as u64);
            }
            opts.max_file_size = o.max_file_size.map(|b| b.max(0.0) as u64);
        }
        Ok(NativeQueue {
            queue: Arc::new(Queue::new(path, opts)),
        })
    }

    /// Opens the file (creating and migrating it) and returns to the queue the jobs claimed by
    /// owners that are gone. Resolves `{ count, recovered }`. Rejects with `SQLITE_CANTOPEN`,
    /// `SQLITE_NOTADB`, `SQLITE_READONLY`, `SQLITE_BUSY` or `ERR_SCHEMA_TOO_NEW`.
    #[napi(catch_unwind, ts_return_type = "Promise<OpenOutput>")]
    pub fn open(&self) -> AsyncTask<OpenTask> {
        AsyncTask::new(OpenTask {
            queue: self.queue.clone(),
            failure: None,
        })
    }

    /// Runs a batch of operations, in order, in one transaction (see `src/binding/codec.rs` for the
    /// tapes). Resolves a `BatchOutput`; rejects with `ERR_NOT_OPEN`, `ERR_QUEUE_CLOSED` or
    /// `ERR_INVALID_ARG` (malformed tapes).
    #[napi(catch_unwind, ts_return_type = "Promise<BatchOutput>")]
    pub fn execute(
        &self,
        kinds: Vec<u32>,
        nums: Vec<f64>,
        texts: Vec<String>,
    ) -> AsyncTask<ExecuteTask> {
        let ops = Some(decode(kinds, nums, texts));
        AsyncTask::new(ExecuteTask {
            queue: self.queue.clone(),
            ops,
            failure: None,
        })
    }

    /// Returns this object's claimed jobs to the queue and closes the file. Closing twice, or
    /// before `open()`, resolves and does nothing.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn close(&self) -> AsyncTask<CloseTask> {
        AsyncTask::new(CloseTask {
            queue: self.queue.clone(),
            failure: None,
        })
    }
}

/// Runs an SQL script on the file at `path` in one `BEGIN IMMEDIATE` transaction, outside any
/// queue object, and keeps the write lock `holdMs` ms (default 0) longer before committing. A
/// maintenance and test helper (not exported by `index.js`): tests use it to write files in the
/// original library's schema, to plant damaged rows and to play a slow writer. It occupies one
/// thread-pool thread for the whole time. Rejects with the SQLite error's code (`SQLITE_NOTADB`,
/// `SQLITE_BUSY`, …); nothing is written then.
#[napi(catch_unwind, ts_return_type = "Promise<void>")]
pub fn exec_script(path: String, sql: String, hold_ms: Option<u32>) -> AsyncTask<ScriptTask> {
    AsyncTask::new(ScriptTask {
        path,
        sql,
        hold_ms: hold_ms.unwrap_or(0),
        failure: None,
    })
}

/// Resolves `undefined` after a round trip through the libuv thread pool that does nothing: the
/// floor under every queue operation, measured by `bench/` (one `AsyncTask` crossing, no SQLite).
#[napi(catch_unwind, ts_return_type = "Promise<void>")]
pub fn probe_noop() -> AsyncTask<NoopTask> {
    AsyncTask::new(NoopTask)
}
