//! The queue core: pure Rust, no napi. [`Queue`] is one queue object: it owns the writer
//! connection behind a `parking_lot::Mutex` and runs batches of operations on it. Ordering and
//! scheduling belong to the caller (the JS work queue); this core guarantees that each batch runs
//! in the order given, atomically, and tells what it completed.

pub mod batch;
pub mod clock;
pub mod error;
pub mod op;
pub mod options;
pub mod owner;
pub mod room;
pub mod schema;
#[cfg(feature = "testing")]
pub mod script;
pub mod store;
pub mod transaction;

#[cfg(test)]
mod tests;

use parking_lot::Mutex;

pub use batch::BatchOutcome;
pub use error::{QueueError, Result};
pub use op::{ClaimedJob, ErrorInfo, JobRow, NewJob, Op, OpResult};
pub use options::{Durability, Options};
pub use schema::JobState;
use store::Store;

/// Lifecycle of the connection slot.
enum Slot {
    NeverOpened,
    Open(Box<Store>),
    Closed,
}

/// What `open()` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenInfo {
    /// Rows in the queue after recovery.
    pub count: i64,
    /// Jobs whose owner was gone and that came back to the head of the queue.
    pub recovered: usize,
    /// Whether a job is waiting to be claimed now (queued, or its lease expired).
    pub ready: bool,
}

/// One queue object over one SQLite file.
pub struct Queue {
    path: String,
    options: Options,
    slot: Mutex<Slot>,
}

impl Queue {
    /// A queue over the file at `path` (created on open if missing; `""` or `":memory:"` for an
    /// in-memory queue). Touches nothing until [`Queue::open`].
    pub fn new(path: impl Into<String>, options: Options) -> Queue {
        Queue {
            path: path.into(),
            options,
            slot: Mutex::new(Slot::NeverOpened),
        }
    }

    /// Opens the file, migrates it, and returns to the queue the claims of owners that are gone.
    /// Opening an open queue only reports its count.
    ///
    /// Errors: see [`Store::open`]; `SQLITE_BUSY` when another process holds the write lock.
    pub fn open(&self) -> Result<OpenInfo> {
        let mut slot = self.slot.lock();
        if let Slot::Open(store) = &*slot {
            return Ok(OpenInfo {
                count: store.count()?,
                recovered: 0,
                ready: store.ready(store::now_ms())?,
            });
        }
        let store = Store::open(&self.path, &self.options)?;
        let recovered = store.recover_dead_claims()?;
        let info = OpenInfo {
            count: store.count()?,
            recovered,
            ready: store.ready(store::now_ms())?,
        };
        *slot = Slot::Open(Box::new(store));
        Ok(info)
    }

    /// Runs a batch of operations in order (see [`batch::execute`]).
    ///
    /// Errors: `ERR_NOT_OPEN` before [`Queue::open`], `ERR_QUEUE_CLOSED` after [`Queue::close`].
    /// Failures of single operations are in the outcome, not here.
    pub fn execute(&self, ops: &[Op]) -> Result<BatchOutcome> {
        match &*self.slot.lock() {
            Slot::Open(store) => Ok(batch::execute(store, ops)),
            Slot::NeverOpened => Err(QueueError::NotOpen),
            Slot::Closed => Err(QueueError::Closed),
        }
    }

    /// Returns this object's claimed jobs to the queue, gives an emptied queue's space back,
    /// leaves the queue whole in its main file (WAL checkpointed and truncated) and closes the
    /// connection. Closing a closed or never-opened queue does nothing.
    ///
    /// Errors: `SQLITE_BUSY` if the claims could not be released (the queue then stays open, so
    /// `close()` can be retried; if the process exits instead, the next `open()` recovers them).
    /// Any other failure to release them (a read-only or failing disk) still closes: the claims
    /// come back when their leases expire, or at the next `open()` in this process. Shrinking and
    /// the checkpoint are best effort (another process may be using the file).
    pub fn close(&self) -> Result<()> {
        let mut slot = self.slot.lock();
        if let Slot::Open(store) = &*slot {
            match store.release_own_claims() {
                Err(e) if e.is_busy() => return Err(e),
                Ok(_) | Err(_) => {
                    if store.count().is_ok_and(|n| n == 0) {
                        let _ = store.shrink(0);
                    }
                    let _ = store.checkpoint();
                    *slot = Slot::Closed;
                }
            }
        }
        Ok(())
    }
}
