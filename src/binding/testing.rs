//! Helpers for tests and benchmarks, compiled only with the cargo feature `testing` (never in the
//! shipped addon; `npm test` and `bench/` build with it).

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use super::task::CoreTask;
use crate::queue::script::run_script;

/// Runs an SQL script on the file at `path` in one `BEGIN IMMEDIATE` transaction, outside any
/// queue object, and keeps the write lock `holdMs` ms (default 0) longer before committing. It
/// occupies one thread-pool thread for the whole time. Rejects with the SQLite error's code
/// (`SQLITE_NOTADB`, `SQLITE_BUSY`, …); nothing is written then.
#[napi(catch_unwind, ts_return_type = "Promise<void>")]
pub fn exec_script(path: String, sql: String, hold_ms: Option<u32>) -> AsyncTask<CoreTask<(), ()>> {
    let hold = std::time::Duration::from_millis(u64::from(hold_ms.unwrap_or(0)));
    AsyncTask::new(CoreTask::new(
        move || run_script(&path, &sql, hold),
        |()| (),
    ))
}

/// Resolves `undefined` after a round trip through the libuv thread pool that does nothing: the
/// floor under every queue operation, measured by `bench/` (one `AsyncTask` crossing, no SQLite).
#[napi(catch_unwind, ts_return_type = "Promise<void>")]
pub fn probe_noop() -> AsyncTask<CoreTask<(), ()>> {
    AsyncTask::new(CoreTask::new(|| Ok(()), |()| ()))
}
