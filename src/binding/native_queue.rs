//! `NativeQueue`, the class the generated `binding.js` exports. It is internal: the public API is
//! the hand-written `PersistentQueue` in `index.js`, whose work queue feeds batches to
//! [`NativeQueue::execute`]. Options arrive validated by `lib/options.js`.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use super::codec::{decode, encode, BatchOutput};
use super::task::CoreTask;
use crate::queue::{Durability, OpenInfo, Options, Queue};

/// Options of `new NativeQueue(path, options)`, checked by `lib/options.js`.
#[napi(object)]
pub struct NativeOptions {
    /// `'full'` (adds are fsync'd, survive power loss) or anything else for `'normal'` (adds
    /// survive a process crash).
    pub durability: String,
    /// Lease of a claim in ms (visibility timeout): a job held longer without renewal may be
    /// claimed by another consumer.
    pub visibility_timeout_ms: f64,
    /// Largest database file size in bytes (`PRAGMA max_page_count`), or absent for no limit but
    /// SQLite's own.
    pub max_file_size: Option<f64>,
    /// Whether `open()` may create the file and its tables (default true); false: a missing file
    /// or one without a queue is refused with `ERR_NOT_A_QUEUE`.
    pub create: Option<bool>,
}

/// What `open()` resolves to.
#[napi(object)]
pub struct OpenOutput {
    /// Jobs in the queue after recovery.
    pub count: f64,
    /// Jobs of dead owners that were returned to the head of the queue.
    pub recovered: u32,
    /// Whether a job is waiting to be claimed now.
    pub ready: bool,
}

impl From<OpenInfo> for OpenOutput {
    fn from(info: OpenInfo) -> OpenOutput {
        OpenOutput {
            count: info.count as f64,
            recovered: info.recovered as u32,
            ready: info.ready,
        }
    }
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
    pub fn new(path: String, options: NativeOptions) -> Self {
        let opts = Options {
            durability: if options.durability == "full" {
                Durability::Full
            } else {
                Durability::Normal
            },
            visibility_timeout: Duration::from_millis(options.visibility_timeout_ms.max(0.0) as u64),
            max_file_size: options.max_file_size.map(|b| b.max(0.0) as u64),
            create: options.create.unwrap_or(true),
            ..Options::default()
        };
        NativeQueue {
            queue: Arc::new(Queue::new(path, opts)),
        }
    }

    /// Opens the file (creating and migrating it) and returns to the queue the jobs claimed by
    /// owners that are gone. Resolves `{ count, recovered, ready }`. Rejects with
    /// `SQLITE_CANTOPEN`, `SQLITE_NOTADB`, `SQLITE_READONLY`, `SQLITE_BUSY`, `SQLITE_FULL`,
    /// `ERR_NOT_A_QUEUE` (with `create: false`) or `ERR_SCHEMA_TOO_NEW`.
    #[napi(catch_unwind, ts_return_type = "Promise<OpenOutput>")]
    pub fn open(&self) -> AsyncTask<CoreTask<OpenInfo, OpenOutput>> {
        let queue = self.queue.clone();
        AsyncTask::new(CoreTask::new(move || queue.open(), OpenOutput::from))
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
    ) -> AsyncTask<CoreTask<BatchOutput, BatchOutput>> {
        let queue = self.queue.clone();
        let ops = decode(kinds, nums, texts);
        AsyncTask::new(CoreTask::new(
            move || queue.execute(&ops?).map(encode),
            |out| out,
        ))
    }

    /// Returns this object's claimed jobs to the queue and closes the file. Closing twice, or
    /// before `open()`, resolves and does nothing. Rejects with `SQLITE_BUSY` (still open then).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn close(&self) -> AsyncTask<CoreTask<(), ()>> {
        let queue = self.queue.clone();
        AsyncTask::new(CoreTask::new(move || queue.close(), |()| ()))
    }
}
