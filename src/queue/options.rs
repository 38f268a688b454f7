//! Settings of one queue object, with their defaults and the rules they follow.

use std::time::Duration;

/// How hard a commit that adds jobs waits for the disk (`PRAGMA synchronous`,
/// <https://www.sqlite.org/pragma.html#pragma_synchronous>, in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: the WAL is fsync'd at every commit; an added job survives power loss.
    Full,
    /// `synchronous=NORMAL`: survives a process crash; a power loss may drop the last commits.
    Normal,
}

/// Options of one queue object.
#[derive(Debug, Clone)]
pub struct Options {
    /// Durability of commits that add jobs. Transactions without adds (acks, claims, deletes)
    /// use `NORMAL`; one that also adds uses this setting.
    pub durability: Durability,
    /// How long one attempt waits inside SQLite for a lock (`busy_timeout`) before giving the
    /// thread back; the caller retries off the thread pool until its own budget is spent. Zero
    /// (the default): an attempt never sleeps on a libuv thread-pool thread, which fs, dns, zlib
    /// and crypto share.
    pub attempt_timeout: Duration,
    /// Lease of a claim (visibility timeout): a running job whose lease has expired may be
    /// claimed by another owner. The holder renews it while it holds the job.
    pub visibility_timeout: Duration,
    /// Largest size of the database file in bytes (`PRAGMA max_page_count`); writes past it fail
    /// with `SQLITE_FULL`. `None`: SQLite's own limit.
    pub max_file_size: Option<u64>,
    /// Whether `open()` may create the file and the queue's tables. False: a missing file, or an
    /// SQLite file without the `queue` table, is refused with `ERR_NOT_A_QUEUE` and left as it
    /// was (operator tools that must not create a queue by mistake).
    pub create: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            durability: Durability::Full,
            attempt_timeout: Duration::ZERO,
            visibility_timeout: Duration::from_secs(30),
            max_file_size: None,
            create: true,
        }
    }
}
