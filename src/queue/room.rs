//! Room on the disk for consumers: adds are refused while the file system holding the queue has
//! less than a margin free, so that a queue its own adds have filled still drains.
//!
//! Why: in WAL mode every write, an ack too, appends to the `-wal` file, and the WAL can only be
//! reused from its start once a checkpoint has copied it into the main file, which may have to
//! grow for that (<https://www.sqlite.org/wal.html#ckpt>). On a full disk neither can happen and
//! the queue would be stuck with its jobs. The margin covers the checkpoint backlog (at most
//! `wal_autocheckpoint` pages) and the acks and claims of a drain. A disk that something else
//! fills is not covered: claims then wait, with backoff, until there is room.

/// Smallest margin, in bytes.
const MIN_BYTES: u64 = 64 << 10;
/// Largest margin, in bytes.
const MAX_BYTES: u64 = 8 << 20;

/// True when adds may grow the queue at `db_path`: its file system has more free than the margin
/// (a tenth of its size, from 64 KiB to 8 MiB). True where free space cannot be read (other
/// systems, an in-memory queue): the disk's own `SQLITE_FULL` then applies.
pub fn room_for_adds(db_path: &str) -> bool {
    match filesystem(db_path) {
        Some((total, free)) => free > (total / 10).clamp(MIN_BYTES, MAX_BYTES),
        None => true,
    }
}

/// True when the file system holding `db_path` has no more than the smallest margin (64 KiB)
/// free: full for SQLite's purposes, which then reports `SQLITE_FULL` or, for the `-shm` file
/// it maps, `SQLITE_IOERR`. False where free space cannot be read.
pub fn disk_full(db_path: &str) -> bool {
    matches!(filesystem(db_path), Some((_, free)) if free <= MIN_BYTES)
}

/// True when the file system holding `db_path` is mounted read-only (where that can be read).
pub fn read_only_filesystem(db_path: &str) -> bool {
    statvfs(db_path).is_some_and(|st| st.read_only)
}

/// Size and space available to this user, in bytes, of the file system holding `db_path`.
fn filesystem(db_path: &str) -> Option<(u64, u64)> {
    statvfs(db_path).map(|st| (st.total, st.free))
}

/// What statvfs(3) says of a file system.
struct FsInfo {
    total: u64,
    free: u64,
    read_only: bool,
}

#[cfg(unix)]
fn statvfs(db_path: &str) -> Option<FsInfo> {
    use std::os::unix::ffi::OsStrExt;
    if db_path.is_empty() || db_path == ":memory:" {
        return None;
    }
    let dir = match std::path::Path::new(db_path).parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let c_dir = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the struct it is given from a NUL-terminated path (POSIX statvfs(3)).
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_dir.as_ptr(), &mut st) } != 0 {
        return None;
    }
    let unit = st.f_frsize as u64;
    Some(FsInfo {
        total: st.f_blocks as u64 * unit,
        free: st.f_bavail as u64 * unit,
        read_only: st.f_flag & libc::ST_RDONLY != 0,
    })
}

#[cfg(not(unix))]
fn statvfs(_db_path: &str) -> Option<FsInfo> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_temp_folder_has_room_and_memory_queues_always_do() {
        let dir = std::env::temp_dir().join("q.sqlite");
        assert!(room_for_adds(&dir.to_string_lossy()));
        assert!(room_for_adds(":memory:"));
        assert!(room_for_adds(""));
        assert!(!disk_full(&dir.to_string_lossy()));
        assert!(!disk_full(":memory:"));
    }
}
