//! Time and machine identity for leases and claim owners.
//!
//! A lease is measured on `CLOCK_MONOTONIC`, which steps of the wall clock (NTP corrections,
//! `settimeofday`, a VM's clock resync) never move, and which every process of one boot shares,
//! in every PID namespace (containers) unless a time namespace offsets it (Linux
//! `time_namespaces(7)`, which container runtimes do not use by default). [`boot_id`] tells whether
//! a lease was taken on this boot, and [`time_namespace`] whether in this time namespace, so that
//! its monotonic deadline means something here; across time namespaces a lease also carries a
//! wall-clock deadline, which is used instead.

use std::sync::OnceLock;

/// Milliseconds on `CLOCK_MONOTONIC` (Windows: `GetTickCount64`): since an arbitrary point of
/// this boot, never stepped. Comparable only between processes of one boot ([`boot_id`]).
pub fn monotonic_ms() -> i64 {
    platform::monotonic_ms()
}

/// This boot of this machine: on Linux the first 64 bits of `/proc/sys/kernel/random/boot_id`
/// (proc(5); the same in every container of the host). 0 where unknown (other systems): all
/// processes then count as one boot of one machine, which a file shared by several machines, not
/// supported by SQLite's WAL mode anyway (<https://www.sqlite.org/wal.html>), would break.
pub fn boot_id() -> i64 {
    static BOOT: OnceLock<i64> = OnceLock::new();
    *BOOT.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()
            .and_then(|id| {
                let hex: String = id
                    .chars()
                    .filter(char::is_ascii_hexdigit)
                    .take(16)
                    .collect();
                u64::from_str_radix(&hex, 16).ok()
            })
            .map_or(0, |id| id as i64)
    })
}

/// The PID namespace of this process: on Linux the inode number of `/proc/self/ns/pid`
/// (`pid:[4026531836]`, namespaces(7)); a process id means something only within one. 0 where
/// unknown (other systems have one namespace).
pub fn pid_namespace() -> i64 {
    static NS: OnceLock<i64> = OnceLock::new();
    *NS.get_or_init(|| namespace_inode("pid"))
}

/// The time namespace of this process: on Linux 5.6 and later the inode number of
/// `/proc/self/ns/time` (`time:[4026531834]`, time_namespaces(7)). Processes of one boot in
/// different time namespaces may see `CLOCK_MONOTONIC` offset from each other, so a lease taken
/// in another one is judged by its wall-clock deadline instead. 0 where unknown (older kernels,
/// other systems: one namespace).
pub fn time_namespace() -> i64 {
    static NS: OnceLock<i64> = OnceLock::new();
    *NS.get_or_init(|| namespace_inode("time"))
}

/// The inode number in the link `/proc/self/ns/<kind>` (`<kind>:[<inode>]`), 0 if unreadable.
fn namespace_inode(kind: &str) -> i64 {
    std::fs::read_link(format!("/proc/self/ns/{kind}"))
        .ok()
        .and_then(|link| {
            let link = link.to_string_lossy().into_owned();
            let inode = link
                .strip_prefix(kind)?
                .strip_prefix(":[")?
                .strip_suffix(']')?;
            inode.parse::<i64>().ok()
        })
        .unwrap_or(0)
}

#[cfg(unix)]
mod platform {
    pub fn monotonic_ms() -> i64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec into the pointer it is given.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
        if rc != 0 {
            return 0;
        }
        // time_t and c_long are 32 bits on some targets: widen portably.
        #[allow(clippy::useless_conversion)]
        let ms = i64::from(ts.tv_sec) * 1000 + i64::from(ts.tv_nsec) / 1_000_000;
        ms
    }
}

#[cfg(windows)]
mod platform {
    extern "system" {
        fn GetTickCount64() -> u64;
    }
    pub fn monotonic_ms() -> i64 {
        // SAFETY: GetTickCount64 takes no arguments and cannot fail.
        unsafe { GetTickCount64() as i64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_monotonic_clock_moves_forward_and_the_ids_are_stable() {
        let a = monotonic_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = monotonic_ms();
        assert!(b - a >= 15 && b - a < 5000, "{a} then {b}");
        assert_eq!(boot_id(), boot_id());
        assert_eq!(pid_namespace(), pid_namespace());
        assert_eq!(time_namespace(), time_namespace());
        if cfg!(target_os = "linux") {
            assert_ne!(boot_id(), 0, "Linux has a boot id");
            assert_ne!(pid_namespace(), 0, "Linux has PID namespaces");
        }
    }
}
