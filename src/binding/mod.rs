//! The napi-rs binding: translates between JavaScript values and the core in `crate::queue`.
//! No SQL and no queue logic here. Every method that touches SQLite returns a Promise from an
//! `AsyncTask`, so SQLite only ever runs on the libuv thread pool.

mod codec;
mod errors;
pub mod native_queue;
mod task;
#[cfg(feature = "testing")]
pub mod testing;
