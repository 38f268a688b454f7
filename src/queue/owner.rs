//! Who holds a claim. A running job row records its owner: the process id, a token made fresh by
//! every `open()`, the boot ([`boot_id`]) and the PID namespace ([`pid_namespace`]) of the
//! process. A later `open()` returns the claims of owners it can prove dead to the queue at once;
//! any other claim is left to its lease.

use std::collections::HashSet;
use std::sync::OnceLock;

use parking_lot::Mutex;

use super::clock::{boot_id, pid_namespace, time_namespace};

/// Tokens of the queue objects open in this process right now.
fn live_tokens() -> &'static Mutex<HashSet<String>> {
    static TOKENS: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    TOKENS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// The identity a queue object stamps on the rows it claims, registered as live while it exists.
#[derive(Debug)]
pub struct Owner {
    /// Operating-system process id of this process.
    pub pid: i64,
    /// Random token of this `open()`, unique per open queue object (16 hex digits).
    pub token: String,
    /// This boot of this machine ([`boot_id`]).
    pub boot: i64,
    /// This process's PID namespace ([`pid_namespace`]).
    pub pidns: i64,
    /// This process's time namespace ([`time_namespace`]).
    pub timens: i64,
}

impl Owner {
    /// Registers a new owner for this process with the given random token.
    pub fn register(token: String) -> Owner {
        live_tokens().lock().insert(token.clone());
        Owner {
            pid: i64::from(std::process::id()),
            token,
            boot: boot_id(),
            pidns: pid_namespace(),
            timens: time_namespace(),
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        live_tokens().lock().remove(&self.token);
    }
}

/// The owner recorded on a running row (columns `owner_pid`, `owner_token`, `owner_boot`,
/// `owner_pidns`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// `owner_pid`.
    pub pid: i64,
    /// `owner_token`.
    pub token: String,
    /// `owner_boot` (None: unknown).
    pub boot: Option<i64>,
    /// `owner_pidns` (None: unknown).
    pub pidns: Option<i64>,
}

/// True when this process can prove that `holder` will never finish its claim: it lives in this
/// boot and this PID namespace (so its pid means the same process here), and it is an owner of
/// this process that was closed or dropped, or a process that is gone or a zombie. Anything else
/// (another boot, another namespace: another container) cannot be checked from here, and its
/// lease decides. Pid reuse can make a dead owner look alive; the lease covers that case too.
pub fn provably_dead(holder: &Holder) -> bool {
    if holder.boot != Some(boot_id()) || holder.pidns != Some(pid_namespace()) {
        return false;
    }
    if holder.pid == i64::from(std::process::id()) {
        return !live_tokens().lock().contains(&holder.token);
    }
    !process_exists(holder.pid)
}

#[cfg(unix)]
fn process_exists(pid: i64) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // Signal 0 checks for existence without sending anything (POSIX kill(2)). EPERM means the
    // process exists but belongs to another user, which still counts as alive.
    // SAFETY: kill with signal 0 has no side effects and takes plain integers.
    let exists = unsafe { libc::kill(pid, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    exists && !is_zombie(pid)
}

/// A killed process that its parent has not reaped yet still answers kill(2), but it will never
/// work again. Linux shows it as state `Z` in `/proc/<pid>/stat` (proc(5)); elsewhere we cannot
/// tell, and the lease covers it.
#[cfg(unix)]
fn is_zombie(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may contain spaces.
    stat.rfind(')')
        .and_then(|end| stat[end + 1..].split_whitespace().next())
        .is_some_and(|state| state == "Z")
}

#[cfg(not(unix))]
fn process_exists(_pid: i64) -> bool {
    // Without a portable liveness probe, assume alive: the lease returns the job after it expires.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here(pid: i64, token: &str) -> Holder {
        Holder {
            pid,
            token: token.into(),
            boot: Some(boot_id()),
            pidns: Some(pid_namespace()),
        }
    }

    #[test]
    fn own_tokens_are_alive_only_while_registered() {
        let me = i64::from(std::process::id());
        let owner = Owner::register("00aa".into());
        assert!(!provably_dead(&here(me, "00aa")));
        assert!(provably_dead(&here(me, "00bb")));
        drop(owner);
        assert!(provably_dead(&here(me, "00aa")));
    }

    #[test]
    fn an_unreaped_killed_child_counts_as_dead() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let pid = i64::from(child.id());
        assert!(!provably_dead(&here(pid, "any")));
        child.kill().expect("kill");
        // Not waited for yet: a zombie. Give the kernel a moment to finish the kill.
        let mut dead = false;
        for _ in 0..100 {
            if provably_dead(&here(pid, "any")) {
                dead = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        child.wait().expect("wait");
        assert!(dead, "a zombie must not count as a live owner");
    }

    #[test]
    fn a_reaped_child_is_dead_and_init_is_alive() {
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = i64::from(child.id());
        child.wait().expect("wait");
        assert!(provably_dead(&here(pid, "any")));
        assert!(!provably_dead(&here(1, "any")));
    }

    #[test]
    fn owners_of_another_namespace_or_boot_are_never_proven_dead() {
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = i64::from(child.id());
        child.wait().expect("wait");
        let other_ns = Holder {
            pidns: Some(pid_namespace() + 1),
            ..here(pid, "any")
        };
        assert!(
            !provably_dead(&other_ns),
            "a pid of another container says nothing here"
        );
        let other_boot = Holder {
            boot: Some(boot_id() ^ 1),
            ..here(pid, "any")
        };
        assert!(!provably_dead(&other_boot));
        let unknown = Holder {
            boot: None,
            pidns: None,
            ..here(pid, "any")
        };
        assert!(!provably_dead(&unknown));
    }
}
