//! The `AsyncTask`s: each `compute` runs one core call on the libuv thread pool (catching panics),
//! each `resolve` converts the answer on the main thread, and every `reject` goes through
//! [`errors::to_js_error`] so the JS error carries the core error's `code`.

use std::sync::Arc;

use napi::{Env, Task};

use super::codec::{encode, BatchOutput};
use super::errors::{catch_panic, pending_error, to_js_error};
use crate::queue::{run_script, Op, OpenInfo, Queue, QueueError};

/// What `open()` resolves to.
#[napi_derive::napi(object)]
pub struct OpenOutput {
    /// Jobs in the queue after recovery.
    pub count: f64,
    /// Jobs of dead owners that were returned to the head of the queue.
    pub recovered: u32,
    /// Whether a job is waiting to be claimed now.
    pub ready: bool,
}

/// Runs `f` on the pool, remembering a failure for `reject`.
fn run<T>(
    failure: &mut Option<QueueError>,
    f: impl FnOnce() -> Result<T, QueueError>,
) -> napi::Result<T> {
    catch_panic(f).map_err(|e| {
        let placeholder = pending_error(&e);
        *failure = Some(e);
        placeholder
    })
}

/// Rejects with the remembered failure, or with napi's own error if there is none.
fn reject_with<T>(env: Env, failure: &mut Option<QueueError>, err: napi::Error) -> napi::Result<T> {
    match failure.take() {
        Some(e) => Err(to_js_error(env, &e)),
        None => Err(err),
    }
}

/// `NativeQueue.open()`.
pub struct OpenTask {
    pub(crate) queue: Arc<Queue>,
    pub(crate) failure: Option<QueueError>,
}

impl Task for OpenTask {
    type Output = OpenInfo;
    type JsValue = OpenOutput;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let queue = self.queue.clone();
        run(&mut self.failure, move || queue.open())
    }

    fn resolve(&mut self, _env: Env, info: OpenInfo) -> napi::Result<OpenOutput> {
        Ok(OpenOutput {
            count: info.count as f64,
            recovered: info.recovered as u32,
            ready: info.ready,
        })
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<OpenOutput> {
        reject_with(env, &mut self.failure, err)
    }
}

/// `NativeQueue.execute(kinds, nums, texts)`.
pub struct ExecuteTask {
    pub(crate) queue: Arc<Queue>,
    /// The decoded batch, or why the tapes could not be decoded (reported as the rejection).
    pub(crate) ops: Option<Result<Vec<Op>, QueueError>>,
    pub(crate) failure: Option<QueueError>,
}

impl Task for ExecuteTask {
    type Output = BatchOutput;
    type JsValue = BatchOutput;

    fn compute(&mut self) -> napi::Result<BatchOutput> {
        let queue = self.queue.clone();
        let ops = self
            .ops
            .take()
            .unwrap_or_else(|| Err(QueueError::Internal("batch computed twice".into())));
        run(&mut self.failure, move || queue.execute(ops?).map(encode))
    }

    fn resolve(&mut self, _env: Env, output: BatchOutput) -> napi::Result<BatchOutput> {
        Ok(output)
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<BatchOutput> {
        reject_with(env, &mut self.failure, err)
    }
}

/// `NativeQueue.close()`.
pub struct CloseTask {
    pub(crate) queue: Arc<Queue>,
    pub(crate) failure: Option<QueueError>,
}

impl Task for CloseTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        let queue = self.queue.clone();
        run(&mut self.failure, move || queue.close())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<()> {
        reject_with(env, &mut self.failure, err)
    }
}

/// `execScript(path, sql)`.
pub struct ScriptTask {
    pub(crate) path: String,
    pub(crate) sql: String,
    pub(crate) hold_ms: u32,
    pub(crate) failure: Option<QueueError>,
}

impl Task for ScriptTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        let (path, sql) = (self.path.clone(), self.sql.clone());
        let hold = std::time::Duration::from_millis(u64::from(self.hold_ms));
        run(&mut self.failure, move || run_script(&path, &sql, hold))
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<()> {
        reject_with(env, &mut self.failure, err)
    }
}

/// `probeNoop()`: an `AsyncTask` with nothing to compute.
pub struct NoopTask;

impl Task for NoopTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}
