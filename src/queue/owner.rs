//! Who holds a claim. A running job row records its owner as the process id plus a token made
//! fresh by every `open()`, so that a later `open()` can tell claims of processes that are gone
//! (returned to the queue at once) from claims of live processes (never stolen).

use std::collections::HashSet;
use std::sync::OnceLock;

use parking_lot::Mutex;

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
}

impl Owner {
    /// Registers a new owner for this process with the given random token.
    pub fn register(token: String) -> Owner {
        live_tokens().lock().insert(token.clone());
        Owner {
            pid: i64::from(std::process::id()),
            token,
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        live_tokens().lock().remove(&self.token);
    }
}

/// True when the owner `(pid, token)` of a claim may still be working on it: it is an open queue
/// object of this process, or another process with that pid is running on this machine. Pid reuse
/// can make a dead owner look alive; the lease (visibility timeout) covers that case.
pub fn is_alive(pid: i64, token: &str) -> bool {
    if pid == i64::from(std::process::id()) {
        return live_tokens().lock().contains(token);
    }
    process_exists(pid)
}

#[cfg(unix)]
fn process_exists(pid: i64) -> bool {
    extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // Signal 0 checks for existence without sending anything (POSIX kill(2)). EPERM means the
    // process exists but belongs to another user, which still counts as alive.
    // SAFETY: kill with signal 0 has no side effects and takes plain integers.
    let exists =
        unsafe { kill(pid, 0) } == 0 || std::io::Error::last_os_error().raw_os_error() == Some(1); // EPERM
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

    #[test]
    fn own_tokens_are_alive_only_while_registered() {
        let me = i64::from(std::process::id());
        let owner = Owner::register("00aa".into());
        assert!(is_alive(me, "00aa"));
        assert!(!is_alive(me, "00bb"));
        drop(owner);
        assert!(!is_alive(me, "00aa"));
    }

    #[test]
    fn an_unreaped_killed_child_counts_as_dead() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let pid = i64::from(child.id());
        assert!(is_alive(pid, "any"));
        child.kill().expect("kill");
        // Not waited for yet: a zombie. Give the kernel a moment to finish the kill.
        let mut dead = false;
        for _ in 0..100 {
            if !is_alive(pid, "any") {
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
        assert!(!is_alive(pid, "any"));
        assert!(is_alive(1, "any"));
    }
}
