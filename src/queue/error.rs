//! The one error type of the queue core. Every variant has a stable `code()` string that the
//! binding copies into `error.code` in JavaScript, so callers branch on codes, never on messages.

use std::fmt;

use rusqlite::ffi::ErrorCode;

/// Result alias used throughout the core.
pub type Result<T> = std::result::Result<T, QueueError>;

/// Everything the core can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueError {
    /// The queue was closed (code `ERR_QUEUE_CLOSED`): call `open()` again before using it.
    Closed,
    /// The queue has never been opened (code `ERR_NOT_OPEN`): call `open()` first.
    NotOpen,
    /// No job with this id is in the queue (code `ERR_JOB_NOT_FOUND`).
    JobNotFound(i64),
    /// An argument crossed the boundary in a shape the core cannot use (code `ERR_INVALID_ARG`).
    InvalidArg(String),
    /// The file's schema is newer than this library knows (code `ERR_SCHEMA_TOO_NEW`); the value
    /// is the file's `PRAGMA user_version`.
    SchemaTooNew(i64),
    /// The file is missing or holds no queue, and the queue was opened with `create: false` (code
    /// `ERR_NOT_A_QUEUE`); the value says which, and the file was not changed.
    NotAQueue(String),
    /// A Rust panic was caught at the boundary (code `ERR_INTERNAL`); this is a bug, please report it.
    Internal(String),
    /// SQLite refused the operation. `code` is the primary result code's name (`SQLITE_BUSY`,
    /// `SQLITE_FULL`, `SQLITE_NOTADB`, …; see <https://www.sqlite.org/rescode.html>).
    Sqlite {
        /// Primary SQLite result code name, for example `SQLITE_BUSY`.
        code: &'static str,
        /// SQLite's own message, followed by what the caller can do about it.
        message: String,
    },
}

impl QueueError {
    /// The stable code of this error, as seen in JavaScript as `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            QueueError::Closed => "ERR_QUEUE_CLOSED",
            QueueError::NotOpen => "ERR_NOT_OPEN",
            QueueError::JobNotFound(_) => "ERR_JOB_NOT_FOUND",
            QueueError::InvalidArg(_) => "ERR_INVALID_ARG",
            QueueError::SchemaTooNew(_) => "ERR_SCHEMA_TOO_NEW",
            QueueError::NotAQueue(_) => "ERR_NOT_A_QUEUE",
            QueueError::Internal(_) => "ERR_INTERNAL",
            QueueError::Sqlite { code, .. } => code,
        }
    }

    /// True for `SQLITE_BUSY` and `SQLITE_LOCKED`: another connection holds the lock, and the
    /// operation may succeed if tried again later (<https://www.sqlite.org/rescode.html#busy>).
    pub fn is_busy(&self) -> bool {
        matches!(self, QueueError::Sqlite { code, .. } if *code == "SQLITE_BUSY" || *code == "SQLITE_LOCKED")
    }
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Closed => {
                f.write_str("The queue is closed: call open() before using it again")
            }
            QueueError::NotOpen => {
                f.write_str("The queue is not open: call open() and wait for it first")
            }
            QueueError::JobNotFound(id) => write!(f, "Job id {id} is not in the queue"),
            QueueError::InvalidArg(what) => write!(f, "Invalid argument: {what}"),
            QueueError::SchemaTooNew(v) => write!(
                f,
                "The queue file has schema version {v}, newer than this library supports: \
                 upgrade sqlite-persistent-queue"
            ),
            QueueError::NotAQueue(what) => f.write_str(what),
            QueueError::Internal(what) => write!(f, "Internal error (please report it): {what}"),
            QueueError::Sqlite { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for QueueError {}

/// The SQLite code name and the advice we attach to it (<https://www.sqlite.org/rescode.html>).
fn describe(code: ErrorCode) -> (&'static str, &'static str) {
    match code {
        ErrorCode::DatabaseBusy => (
            "SQLITE_BUSY",
            "another connection held the write lock for longer than busyTimeout; \
             retry later or raise busyTimeout",
        ),
        ErrorCode::DatabaseLocked => (
            "SQLITE_LOCKED",
            "a table is locked by this connection; retry later",
        ),
        ErrorCode::NotADatabase => (
            "SQLITE_NOTADB",
            "the file exists but is not an SQLite database; \
             pass the path of a queue file (or, to create a queue, of a file that does not exist yet)",
        ),
        ErrorCode::DiskFull => (
            "SQLITE_FULL",
            "the disk or the database size limit is full; free space, then retry",
        ),
        ErrorCode::ReadOnly => (
            "SQLITE_READONLY",
            "the queue file or its folder is read-only; the queue needs write access to both",
        ),
        ErrorCode::CannotOpen => (
            "SQLITE_CANTOPEN",
            "the file cannot be opened; check that its folder exists and is writable",
        ),
        ErrorCode::DatabaseCorrupt => (
            "SQLITE_CORRUPT",
            "the database file is damaged; restore it from a backup",
        ),
        ErrorCode::SystemIoFailure => (
            "SQLITE_IOERR",
            "the operating system reported an I/O error; check the disk",
        ),
        ErrorCode::PermissionDenied => (
            "SQLITE_PERM",
            "access was denied; check the file's permissions",
        ),
        ErrorCode::ConstraintViolation => ("SQLITE_CONSTRAINT", "a constraint failed"),
        ErrorCode::TooBig => (
            "SQLITE_TOOBIG",
            "the job is larger than SQLite's size limit",
        ),
        ErrorCode::OutOfMemory => ("SQLITE_NOMEM", "SQLite ran out of memory"),
        ErrorCode::OperationInterrupted => ("SQLITE_INTERRUPT", "the operation was interrupted"),
        ErrorCode::FileLockingProtocolFailed => {
            ("SQLITE_PROTOCOL", "the file locking protocol failed; retry")
        }
        _ => ("SQLITE_ERROR", "SQLite reported an error"),
    }
}

impl From<rusqlite::Error> for QueueError {
    fn from(err: rusqlite::Error) -> Self {
        match &err {
            rusqlite::Error::SqliteFailure(e, msg) => {
                let (code, advice) = describe(e.code);
                let base = msg.clone().unwrap_or_else(|| e.to_string());
                QueueError::Sqlite {
                    code,
                    message: format!("{base}: {advice}"),
                }
            }
            other => QueueError::Sqlite {
                code: "SQLITE_ERROR",
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_and_locked_are_retryable_and_nothing_else_is() {
        let busy = QueueError::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(5),
            None,
        ));
        assert_eq!(busy.code(), "SQLITE_BUSY");
        assert!(busy.is_busy());
        let locked = QueueError::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(6),
            None,
        ));
        assert_eq!(locked.code(), "SQLITE_LOCKED");
        assert!(locked.is_busy());
        let full = QueueError::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(13),
            None,
        ));
        assert_eq!(full.code(), "SQLITE_FULL");
        assert!(!full.is_busy());
        assert!(!QueueError::Closed.is_busy());
    }
}
