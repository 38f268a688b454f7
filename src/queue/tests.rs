//! Core tests on real files in a temp folder: order, ids, claims, acks, recovery, isolation.

use std::path::PathBuf;

use super::*;
use crate::queue::schema::JobState;

struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> TempDb {
        let dir = std::env::temp_dir().join(format!("spq-core-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDb(dir)
    }
    fn path(&self) -> String {
        self.0.join("queue.sqlite").to_string_lossy().into_owned()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A plain add of this JSON text.
fn add(text: impl Into<String>) -> Op {
    Op::Add(NewJob::plain(text))
}

/// A claim of up to `n` jobs without an attempt limit.
fn claim(n: u32) -> Op {
    Op::Claim {
        limit: n,
        default_max_attempts: None,
    }
}

fn opened(db: &TempDb) -> Queue {
    let q = Queue::new(db.path(), Options::default());
    q.open().expect("open");
    q
}

fn ids(outcome: &BatchOutcome) -> Vec<i64> {
    outcome
        .results
        .iter()
        .map(|r| match r {
            OpResult::Added { id, fresh: true } => *id,
            other => panic!("expected an id, got {other:?}"),
        })
        .collect()
}

fn claimed(outcome: &BatchOutcome, index: usize) -> Vec<(i64, String)> {
    match &outcome.results[index] {
        OpResult::Claimed { jobs, .. } => jobs
            .iter()
            .map(|j| (j.id, j.job.clone().expect("text")))
            .collect(),
        other => panic!("expected jobs, got {other:?}"),
    }
}

#[test]
fn adds_in_one_batch_get_increasing_ids_and_count() {
    let db = TempDb::new("adds");
    let q = opened(&db);
    let out = q
        .execute(
            &(0..5)
                .map(|i| add(format!("{{\"n\":{i}}}")))
                .collect::<Vec<_>>(),
        )
        .expect("batch");
    assert_eq!(ids(&out), vec![1, 2, 3, 4, 5]);
    assert_eq!(
        out.counts,
        vec![1, 2, 3, 4, 5],
        "each add sees the rows so far"
    );
    assert_eq!(out.busy, None);
}

#[test]
fn claim_is_fifo_and_ack_deletes_only_own_claims() {
    let db = TempDb::new("claim");
    let q = opened(&db);
    q.execute(&[add("\"a\""), add("\"b\""), add("\"c\"")])
        .expect("adds");
    let out = q.execute(&[claim(2)]).expect("claim");
    assert_eq!(
        claimed(&out, 0),
        vec![(1, "\"a\"".to_string()), (2, "\"b\"".to_string())]
    );
    let out = q.execute(&[Op::Ack(1), Op::Ack(3), claim(5)]).expect("ack");
    assert_eq!(out.results[0], OpResult::Bool(true));
    assert_eq!(
        out.results[1],
        OpResult::Bool(false),
        "job 3 was never claimed, so it cannot be acked"
    );
    assert_eq!(
        claimed(&out, 2),
        vec![(3, "\"c\"".to_string())],
        "job 2 is still claimed, so only 3 comes"
    );
    assert_eq!(
        out.counts,
        vec![2, 2, 2],
        "ack of 1 commits with the claim of 3"
    );
}

#[test]
fn delete_of_a_missing_id_fails_alone_and_the_rest_of_the_batch_commits() {
    let db = TempDb::new("delete");
    let q = opened(&db);
    let out = q
        .execute(&[add("1"), Op::Delete(42), add("2"), Op::Has(1), Op::Has(42)])
        .expect("batch");
    assert_eq!(out.results[0], OpResult::Added { id: 1, fresh: true });
    assert_eq!(
        out.results[1],
        OpResult::Failed(QueueError::JobNotFound(42))
    );
    assert_eq!(out.results[2], OpResult::Added { id: 2, fresh: true });
    assert_eq!(out.results[3], OpResult::Bool(true));
    assert_eq!(out.results[4], OpResult::Bool(false));
    assert_eq!(out.counts, vec![1, 1, 2, 2, 2]);
}

#[test]
fn find_ids_matches_exact_text_in_order() {
    let db = TempDb::new("find");
    let q = opened(&db);
    q.execute(&[add("{\"a\":1}"), add("{\"a\":2}"), add("{\"a\":1}")])
        .expect("adds");
    let out = q
        .execute(&[
            Op::FindIds("{\"a\":1}".into()),
            Op::FindIds("{\"a\": 1}".into()),
        ])
        .expect("find");
    assert_eq!(
        out.results,
        vec![OpResult::Ids(vec![1, 3]), OpResult::Ids(vec![])]
    );
}

#[test]
fn close_returns_claims_and_reopen_delivers_them_first_in_order() {
    let db = TempDb::new("close");
    let q = opened(&db);
    q.execute(&(1..=4).map(|i| add(i.to_string())).collect::<Vec<_>>())
        .expect("adds");
    q.execute(&[claim(3)]).expect("claim");
    q.close().expect("close");
    assert_eq!(q.execute(&[Op::Has(1)]).unwrap_err(), QueueError::Closed);
    let q2 = opened(&db);
    let out = q2.execute(&[claim(10)]).expect("claim again");
    let got: Vec<i64> = claimed(&out, 0).into_iter().map(|(id, _)| id).collect();
    assert_eq!(got, vec![1, 2, 3, 4]);
}

#[test]
fn claims_of_a_dropped_owner_are_recovered_at_open_but_live_claims_are_not() {
    let db = TempDb::new("recover");
    let live = opened(&db);
    live.execute(&(1..=4).map(|i| add(i.to_string())).collect::<Vec<_>>())
        .expect("adds");
    live.execute(&[claim(1)]).expect("live claim of job 1");
    {
        // Dropping without close() is what a crash leaves behind: rows stay `running`.
        let dead = opened(&db);
        dead.execute(&[claim(2)]).expect("claim 2 and 3");
    }
    let fresh = Queue::new(db.path(), Options::default());
    let info = fresh.open().expect("open");
    assert_eq!(info.recovered, 2);
    let out = fresh.execute(&[claim(10)]).expect("claim");
    let got: Vec<i64> = claimed(&out, 0).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        got,
        vec![2, 3, 4],
        "job 1 belongs to a live owner and is not stolen"
    );
}

/// A file as node-persistent-queue 1.0.x writes it, with jobs 2 and 3 pending.
const ORIGINAL_SCHEMA: &str = "
CREATE TABLE queue (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT);
CREATE TABLE queue_count (counter BIGINT); INSERT INTO queue_count VALUES (0);
CREATE TRIGGER queue_insert AFTER INSERT ON queue
  BEGIN UPDATE queue_count SET counter = counter + 1; END;
CREATE TRIGGER queue_delete AFTER DELETE ON queue
  BEGIN UPDATE queue_count SET counter = counter - 1; END;
INSERT INTO queue (job) VALUES ('{\"n\":1}'), ('{\"n\":2}'), ('{\"n\":3}');
DELETE FROM queue WHERE id = 1;
";

#[test]
fn a_file_of_the_original_library_opens_and_continues_its_ids() {
    let db = TempDb::new("original");
    {
        let conn = rusqlite::Connection::open(db.path()).expect("conn");
        conn.execute_batch(ORIGINAL_SCHEMA)
            .expect("original schema");
    }
    let q = Queue::new(db.path(), Options::default());
    assert_eq!(q.open().expect("open").count, 2);
    let out = q.execute(&[claim(10), add("{\"n\":4}")]).expect("batch");
    assert_eq!(
        claimed(&out, 0),
        vec![(2, "{\"n\":2}".to_string()), (3, "{\"n\":3}".to_string())]
    );
    assert_eq!(out.results[1], OpResult::Added { id: 4, fresh: true });
}

#[test]
fn rows_that_are_not_text_are_reported_not_panicked_on() {
    let db = TempDb::new("corrupt");
    let q = opened(&db);
    {
        let conn = rusqlite::Connection::open(db.path()).expect("conn");
        conn.execute_batch(
            "INSERT INTO queue (job) VALUES (NULL), (x'00ff'), (CAST(x'ff' AS TEXT)), ('\"ok\"')",
        )
        .expect("insert");
    }
    let out = q.execute(&[claim(10)]).expect("claim");
    let OpResult::Claimed { jobs, .. } = &out.results[0] else {
        panic!("expected jobs")
    };
    assert_eq!(jobs.len(), 4);
    assert!(jobs[0].job.is_err() && jobs[1].job.is_err() && jobs[2].job.is_err());
    assert_eq!(jobs[3].job, Ok("\"ok\"".to_string()));
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_unchanged() {
    let db = TempDb::new("notadb");
    let bytes =
        b"this is not a database, just some text that is long enough to be a header. ".repeat(20);
    std::fs::write(db.path(), &bytes).expect("write");
    let err = Queue::new(db.path(), Options::default())
        .open()
        .unwrap_err();
    assert_eq!(err.code(), "SQLITE_NOTADB");
    assert_eq!(std::fs::read(db.path()).expect("read"), bytes);
}

#[test]
fn not_open_is_an_error_with_its_code() {
    let q = Queue::new(":memory:", Options::default());
    assert_eq!(q.execute(&[Op::Has(1)]).unwrap_err().code(), "ERR_NOT_OPEN");
    q.close().expect("closing a never-opened queue is a no-op");
}

/// Small deterministic random numbers (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

#[test]
fn counters_never_drift_from_rows_under_random_operations() {
    use std::collections::{BTreeMap, BTreeSet};
    let db = TempDb::new("invariant");
    let queues = [opened(&db), opened(&db)];
    let check = rusqlite::Connection::open(db.path()).expect("conn");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // The model: id -> Some(owner index) when claimed, None when queued.
    let mut model: BTreeMap<i64, Option<usize>> = BTreeMap::new();
    for step in 0..400 {
        let who = rng.below(2) as usize;
        let mut ops = Vec::new();
        for _ in 0..=rng.below(6) {
            let any_id = rng.below(model.keys().last().copied().unwrap_or(0) as u64 + 3) as i64;
            ops.push(match rng.below(7) {
                0 | 1 => add(format!("{{\"step\":{step}}}")),
                2 => claim(rng.below(4) as u32 + 1),
                3 => {
                    let mine: Vec<i64> = model
                        .iter()
                        .filter(|(_, o)| **o == Some(who))
                        .map(|(id, _)| *id)
                        .collect();
                    Op::Ack(if mine.is_empty() {
                        any_id
                    } else {
                        mine[rng.below(mine.len() as u64) as usize]
                    })
                }
                4 => Op::Delete(any_id),
                5 => Op::Release(any_id),
                _ => Op::Has(any_id),
            });
        }
        let out = queues[who].execute(&ops).expect("batch");
        assert_eq!(out.results.len(), ops.len());
        for (i, (op, result)) in ops.iter().zip(&out.results).enumerate() {
            match (op, result) {
                (Op::Add(_), OpResult::Added { id, fresh: true }) => {
                    model.insert(*id, None);
                }
                (Op::Claim { limit: n, .. }, OpResult::Claimed { jobs, .. }) => {
                    let expected: Vec<i64> = model
                        .iter()
                        .filter(|(_, o)| o.is_none())
                        .map(|(id, _)| *id)
                        .take(*n as usize)
                        .collect();
                    assert_eq!(
                        jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
                        expected,
                        "claims are FIFO"
                    );
                    for id in expected {
                        model.insert(id, Some(who));
                    }
                }
                (Op::Ack(id), OpResult::Bool(acked)) => {
                    assert_eq!(*acked, model.get(id) == Some(&Some(who)));
                    if *acked {
                        model.remove(id);
                    }
                }
                (Op::Release(id), OpResult::Bool(released)) => {
                    assert_eq!(*released, model.get(id) == Some(&Some(who)));
                    if *released {
                        model.insert(*id, None);
                    }
                }
                (Op::Delete(id), OpResult::Bool(true)) => assert!(model.remove(id).is_some()),
                (Op::Delete(id), OpResult::Failed(QueueError::JobNotFound(_))) => {
                    assert!(!model.contains_key(id))
                }
                (Op::Has(id), OpResult::Bool(has)) => assert_eq!(*has, model.contains_key(id)),
                other => panic!("unexpected result {other:?}"),
            }
            assert_eq!(
                out.counts[i],
                model.len() as i64,
                "rows right after op {i} of step {step}"
            );
        }
        let (rows, counter, running): (i64, i64, i64) = check
            .query_row(
                "SELECT (SELECT count(*) FROM queue), (SELECT counter FROM queue_count),
                        (SELECT count(*) FROM queue WHERE state = 1)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("invariant query");
        assert_eq!(rows, model.len() as i64, "rows at step {step}");
        assert_eq!(counter, rows, "queue_count drifted at step {step}");
        assert_eq!(
            out.counts.last(),
            Some(&rows),
            "the count reported after the last op"
        );
        assert_eq!(
            running,
            model.values().filter(|o| o.is_some()).count() as i64
        );
        let ids: BTreeSet<i64> = model.keys().copied().collect();
        assert_eq!(ids.len(), model.len());
    }
}

#[test]
fn an_expired_lease_lets_another_owner_claim_and_the_old_owner_cannot_ack() {
    let db = TempDb::new("lease");
    let short = Options {
        visibility_timeout: std::time::Duration::from_millis(0),
        ..Options::default()
    };
    let a = Queue::new(db.path(), short);
    a.open().expect("open a");
    let b = opened(&db);
    a.execute(&[add("1"), add("2")]).expect("adds");
    a.execute(&[claim(1)])
        .expect("a claims job 1 with a lease of 0 ms");
    std::thread::sleep(std::time::Duration::from_millis(5));
    let out = b.execute(&[claim(5)]).expect("b claims");
    assert_eq!(
        claimed(&out, 0)
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(
        matches!(out.results[0], OpResult::Claimed { expired: 1, .. }),
        "the claim reports the void lease it returned: {:?}",
        out.results[0]
    );
    let out = a.execute(&[Op::Ack(1), Op::Renew]).expect("a acks late");
    assert_eq!(out.results, vec![OpResult::Bool(false), OpResult::Count(0)]);
    let out = b
        .execute(&[Op::Renew, Op::Ack(1)])
        .expect("b renews and acks");
    assert_eq!(out.results, vec![OpResult::Count(2), OpResult::Bool(true)]);
}

#[test]
fn poll_answers_true_only_after_another_connection_commits() {
    let db = TempDb::new("poll");
    let a = opened(&db);
    let b = opened(&db);
    a.execute(&[Op::Poll]).expect("first poll");
    assert_eq!(
        a.execute(&[Op::Poll]).expect("poll").results,
        vec![OpResult::Bool(false)]
    );
    a.execute(&[add("own")]).expect("own add");
    assert_eq!(
        a.execute(&[Op::Poll]).expect("poll").results,
        vec![OpResult::Bool(false)],
        "own commits do not count"
    );
    b.execute(&[add("other")]).expect("other add");
    assert_eq!(
        a.execute(&[Op::Poll]).expect("poll").results,
        vec![OpResult::Bool(true)]
    );
}

fn claimed_ids(outcome: &BatchOutcome, index: usize) -> Vec<i64> {
    claimed(outcome, index)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn leases_are_set_on_the_monotonic_clock_not_the_wall_clock() {
    let db = TempDb::new("monotonic");
    let q = opened(&db);
    q.execute(&[add("1"), claim(1)]).expect("claim");
    let check = rusqlite::Connection::open(db.path()).expect("conn");
    let (lease_until, boot): (i64, i64) = check
        .query_row("SELECT lease_until, owner_boot FROM queue", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("row");
    let left = lease_until - clock::monotonic_ms();
    assert!(
        left > 25_000 && left <= 30_000,
        "lease of 30 s on the monotonic clock, {left} ms left"
    );
    assert_eq!(boot, clock::boot_id());
}

#[test]
fn a_lease_taken_on_another_boot_is_void_but_its_owner_is_not_recovered_at_open() {
    let db = TempDb::new("otherboot");
    let q = opened(&db);
    q.execute(&[add("1"), add("2"), claim(1)]).expect("claim");
    q.close().expect("close");
    let check = rusqlite::Connection::open(db.path()).expect("conn");
    // Job 2 as claimed by a live process of another boot (or machine), far from its deadline.
    check
        .execute(
            "UPDATE queue SET state = 1, owner_pid = 1, owner_token = 'elsewhere', owner_boot = ?1,
             owner_pidns = ?2, lease_until = ?3 WHERE id = 2",
            rusqlite::params![clock::boot_id() ^ 1, clock::pid_namespace(), i64::MAX / 2],
        )
        .expect("plant");
    let q = Queue::new(db.path(), Options::default());
    assert_eq!(
        q.open().expect("open").recovered,
        0,
        "no proof that it is dead"
    );
    let out = q.execute(&[claim(10)]).expect("claim");
    assert_eq!(
        claimed_ids(&out, 0),
        vec![1, 2],
        "its monotonic deadline means nothing here"
    );
}

#[test]
fn an_owner_in_another_pid_namespace_is_left_to_its_lease_even_when_its_pid_is_free_here() {
    let db = TempDb::new("pidns");
    let q = opened(&db);
    q.execute(&[add("1"), add("2")]).expect("adds");
    q.close().expect("close");
    let mut child = std::process::Command::new("true").spawn().expect("spawn");
    let gone = i64::from(child.id());
    child.wait().expect("wait");
    let check = rusqlite::Connection::open(db.path()).expect("conn");
    let plant = |id: i64, token: &str, pidns: i64| {
        check
            .execute(
                "UPDATE queue SET state = 1, owner_pid = ?1, owner_token = ?2, owner_boot = ?3,
                 owner_pidns = ?4, lease_until = ?5 WHERE id = ?6",
                rusqlite::params![
                    gone,
                    token,
                    clock::boot_id(),
                    pidns,
                    clock::monotonic_ms() + 60_000,
                    id
                ],
            )
            .expect("plant")
    };
    plant(1, "container", clock::pid_namespace() + 1);
    plant(2, "dead-here", clock::pid_namespace());
    let q = Queue::new(db.path(), Options::default());
    assert_eq!(q.open().expect("open").recovered, 1);
    let out = q.execute(&[claim(10)]).expect("claim");
    assert_eq!(
        claimed_ids(&out, 0),
        vec![2],
        "job 1's owner is pid {gone} of another namespace: maybe alive, its lease runs"
    );
}

#[test]
#[cfg(unix)]
fn a_lease_taken_in_another_time_namespace_runs_on_the_wall_clock() {
    let db = TempDb::new("timens");
    let q = opened(&db);
    q.execute(&[add("1"), add("2"), add("3"), claim(3)])
        .expect("claims");
    q.close().expect("close");
    let wall = crate::queue::store::now_ms();
    let mono = clock::monotonic_ms();
    let check = rusqlite::Connection::open(db.path()).expect("conn");
    // Live owners of this boot (our parent process) whose monotonic clock is offset from ours: their
    // monotonic deadlines look far past or far ahead here; their wall-clock deadlines count.
    let plant = |id: i64, timens: Option<i64>, lease_until: i64, lease_wall: i64| {
        check
            .execute(
                "UPDATE queue SET state = 1, owner_pid = ?1, owner_token = 'other-ns',
                 owner_boot = ?2, owner_pidns = ?3, owner_timens = ?4, lease_until = ?5,
                 lease_wall = ?6 WHERE id = ?7",
                rusqlite::params![
                    i64::from(std::os::unix::process::parent_id()),
                    clock::boot_id(),
                    clock::pid_namespace(),
                    timens,
                    lease_until,
                    lease_wall,
                    id
                ],
            )
            .expect("plant")
    };
    let other = clock::time_namespace() + 1;
    plant(1, Some(other), mono - 86_400_000, wall + 60_000);
    plant(2, Some(other), mono + 86_400_000, wall - 1);
    // A claim written before owner_timens existed is judged on the monotonic clock as before.
    plant(3, None, mono + 60_000, 0);
    let q = Queue::new(db.path(), Options::default());
    q.open().expect("open");
    let out = q.execute(&[claim(10)]).expect("claim");
    assert_eq!(
        claimed_ids(&out, 0),
        vec![2],
        "job 1's wall deadline is a minute away, job 2's passed, job 3 has a monotonic minute"
    );
    let (timens, lease_wall): (i64, i64) = check
        .query_row(
            "SELECT owner_timens, lease_wall FROM queue WHERE id = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(timens, clock::time_namespace());
    let left = lease_wall - crate::queue::store::now_ms();
    assert!(
        left > 25_000 && left <= 30_000,
        "30 s on the wall clock too, {left} ms left"
    );
}

#[test]
fn a_poll_rolled_back_with_a_refused_add_answers_again() {
    let db = TempDb::new("pollrollback");
    let small = Options {
        max_file_size: Some(64 * 1024),
        ..Options::default()
    };
    let a = Queue::new(db.path(), small);
    a.open().expect("open a");
    assert_eq!(
        a.execute(&[Op::Poll]).expect("first poll").results,
        vec![OpResult::Bool(true)]
    );
    opened(&db)
        .execute(&[add("\"other\"")])
        .expect("another connection adds");
    let huge = format!("\"{}\"", "z".repeat(200_000));
    let out = a.execute(&[Op::Poll, add(huge)]).expect("batch");
    assert_eq!(
        out.results[0],
        OpResult::Bool(true),
        "the other connection's commit is news"
    );
    assert!(matches!(&out.results[1], OpResult::Failed(e) if e.code() == "SQLITE_FULL"));
    assert_eq!(
        a.execute(&[Op::Poll]).expect("poll").results,
        vec![OpResult::Bool(false)],
        "and it is news once"
    );
}

#[test]
fn at_max_file_size_adds_are_refused_while_claims_and_acks_drain_the_queue() {
    let db = TempDb::new("fullcap");
    let cap = Options {
        max_file_size: Some(64 * 1024),
        ..Options::default()
    };
    let q = Queue::new(db.path(), cap);
    q.open().expect("open");
    let pad = "x".repeat(300);
    let mut stored = 0;
    loop {
        let out = q
            .execute(&[add(format!("{{\"n\":{stored},\"pad\":\"{pad}\"}}"))])
            .expect("add");
        match &out.results[0] {
            OpResult::Added { id: _, fresh: true } => stored += 1,
            OpResult::Failed(e) => {
                assert_eq!(e.code(), "SQLITE_FULL");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(stored < 10_000, "the cap never refused an add");
    }
    assert!(stored > 50, "only {stored} jobs fit in 64 KiB");
    let mut drained = 0;
    while drained < stored {
        let out = q.execute(&[claim(10)]).expect("claim");
        let ids = claimed_ids(&out, 0);
        assert!(
            !ids.is_empty(),
            "a claim at the cap found nothing after {drained}"
        );
        let acks: Vec<Op> = ids.iter().map(|id| Op::Ack(*id)).collect();
        let out = q.execute(&acks).expect("acks");
        assert!(
            out.results.iter().all(|r| *r == OpResult::Bool(true)),
            "{out:?}"
        );
        drained += ids.len();
    }
    assert_eq!(drained, stored);
}

#[test]
fn a_checkpoint_leaves_every_committed_job_in_the_main_file_alone() {
    let db = TempDb::new("checkpoint");
    let q = opened(&db);
    q.execute(&(0..50).map(|i| add(i.to_string())).collect::<Vec<_>>())
        .expect("adds");
    let out = q.execute(&[Op::Checkpoint]).expect("checkpoint");
    assert_eq!(out.results, vec![OpResult::Bool(true)]);
    let copy = db.0.join("copy.sqlite");
    std::fs::copy(db.path(), &copy).expect("copy the main file only");
    let alone = Queue::new(copy.to_string_lossy().into_owned(), Options::default());
    assert_eq!(alone.open().expect("open copy").count, 50);
}

#[test]
fn a_backup_is_a_whole_queue_in_one_file_and_replaces_an_older_backup() {
    let db = TempDb::new("backup");
    let q = opened(&db);
    q.execute(&[add("\"a\""), add("\"b\"")]).expect("adds");
    let dest = db.0.join("backup.sqlite").to_string_lossy().into_owned();
    let out = q.execute(&[Op::Backup(dest.clone())]).expect("backup");
    assert_eq!(out.results, vec![OpResult::Bool(true)]);
    q.execute(&[add("\"c\""), Op::Backup(dest.clone())])
        .expect("second backup");
    assert!(
        !std::path::Path::new(&format!("{dest}-wal")).exists(),
        "one file"
    );
    let copy = Queue::new(dest, Options::default());
    assert_eq!(copy.open().expect("open backup").count, 3);
    let out = copy.execute(&[claim(10)]).expect("claim");
    assert_eq!(claimed_ids(&out, 0), vec![1, 2, 3]);
    let not_a_db = db.0.join("notes.txt");
    std::fs::write(&not_a_db, "x".repeat(5000)).expect("write");
    let out = q
        .execute(&[Op::Backup(not_a_db.to_string_lossy().into_owned())])
        .expect("batch");
    assert!(matches!(&out.results[0], OpResult::Failed(e) if e.code() == "SQLITE_NOTADB"));
    assert_eq!(
        std::fs::read_to_string(&not_a_db).expect("read"),
        "x".repeat(5000)
    );
}

#[test]
fn closing_an_emptied_queue_gives_its_space_back() {
    let db = TempDb::new("closeshrink");
    let q = opened(&db);
    let blob = "z".repeat(10 * 1024);
    q.execute(
        &(0..300)
            .map(|i| add(format!("{{\"i\":{i},\"b\":\"{blob}\"}}")))
            .collect::<Vec<_>>(),
    )
    .expect("adds");
    let out = q.execute(&[claim(300)]).expect("claim");
    let acks: Vec<Op> = claimed_ids(&out, 0).into_iter().map(Op::Ack).collect();
    q.execute(&acks).expect("acks");
    q.close().expect("close");
    let size = |p: &str| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let total = size(&db.path()) + size(&format!("{}-wal", db.path()));
    assert!(
        total < 256 * 1024,
        "{total} bytes left after closing an empty queue"
    );
}

#[test]
fn a_busy_attempt_gives_its_thread_back_at_once_instead_of_sleeping_in_sqlite() {
    let db = TempDb::new("busyattempt");
    let q = opened(&db);
    let holder = rusqlite::Connection::open(db.path()).expect("conn");
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("hold the write lock");
    let start = std::time::Instant::now();
    for _ in 0..20 {
        let out = q.execute(&[add("1")]).expect("batch");
        assert!(out.results.is_empty());
        assert_eq!(out.busy.as_ref().map(QueueError::code), Some("SQLITE_BUSY"));
    }
    let spent = start.elapsed();
    // Each attempt costs microseconds; with SQLite's busy handler (a 50 ms busy_timeout) 20
    // attempts held a thread-pool thread for at least a second.
    assert!(
        spent < std::time::Duration::from_millis(500),
        "20 attempts took {spent:?}"
    );
    holder.execute_batch("COMMIT").expect("release");
    let out = q.execute(&[add("1")]).expect("batch");
    assert_eq!(out.results, vec![OpResult::Added { id: 1, fresh: true }]);
}

fn error(code: &str) -> ErrorInfo {
    ErrorInfo {
        name: "Error".into(),
        message: format!("{code} happened"),
        code: Some(code.into()),
        stack: Some("Error: boom\n    at handler (app.js:1:1)".into()),
    }
}

fn job(text: &str, priority: i64, run_at: i64, key: Option<&str>) -> Op {
    Op::Add(NewJob {
        text: text.into(),
        priority,
        run_at,
        max_attempts: None,
        key: key.map(String::from),
    })
}

#[test]
fn claims_take_higher_priorities_first_and_fifo_within_one() {
    let db = TempDb::new("priority");
    let q = opened(&db);
    q.execute(&[
        job("\"low-1\"", -1, 0, None),
        job("\"mid-1\"", 0, 0, None),
        job("\"high-1\"", 5, 0, None),
        job("\"mid-2\"", 0, 0, None),
        job("\"high-2\"", 5, 0, None),
    ])
    .expect("adds");
    let out = q.execute(&[claim(3), claim(10)]).expect("claims");
    assert_eq!(claimed_ids(&out, 0), vec![3, 5, 2]);
    assert_eq!(claimed_ids(&out, 1), vec![4, 1]);
}

#[test]
fn a_delayed_job_is_claimed_only_once_due_and_the_claim_says_when_the_next_is_due() {
    let db = TempDb::new("delayed");
    let q = opened(&db);
    let now = store::now_ms();
    q.execute(&[
        job("\"later\"", 0, now + 300, None),
        job("\"much later\"", 9, now + 60_000, None),
        add("\"now\""),
    ])
    .expect("adds");
    let out = q.execute(&[claim(10)]).expect("claim");
    assert_eq!(claimed_ids(&out, 0), vec![3], "only the ready job");
    let OpResult::Claimed { next_due, .. } = out.results[0] else {
        panic!()
    };
    assert_eq!(next_due, now + 300);
    assert_eq!(out.counts, vec![3], "delayed jobs count as queue length");
    std::thread::sleep(std::time::Duration::from_millis(350));
    let out = q.execute(&[claim(10)]).expect("claim");
    assert_eq!(claimed_ids(&out, 0), vec![1]);
    let OpResult::Claimed { next_due, .. } = out.results[0] else {
        panic!()
    };
    assert_eq!(next_due, now + 60_000);
}

#[test]
fn a_key_de_duplicates_while_its_job_is_queued_running_or_delayed() {
    let db = TempDb::new("dedup");
    let q = opened(&db);
    let now = store::now_ms();
    let out = q
        .execute(&[
            job("\"a\"", 0, 0, Some("k")),
            job("\"a again\"", 0, 0, Some("k")),
            job("\"b\"", 0, now + 60_000, Some("d")),
            job("\"b again\"", 0, 0, Some("d")),
        ])
        .expect("adds");
    assert_eq!(
        out.results,
        vec![
            OpResult::Added { id: 1, fresh: true },
            OpResult::Added {
                id: 1,
                fresh: false
            },
            OpResult::Added { id: 2, fresh: true },
            OpResult::Added {
                id: 2,
                fresh: false
            },
        ]
    );
    assert_eq!(out.counts, vec![1, 1, 2, 2], "nothing added for a live key");
    let out = q
        .execute(&[claim(1), job("\"while running\"", 0, 0, Some("k"))])
        .expect("claim");
    assert_eq!(
        out.results[1],
        OpResult::Added {
            id: 1,
            fresh: false
        }
    );
    let out = q
        .execute(&[Op::Ack(1), job("\"after ack\"", 0, 0, Some("k"))])
        .expect("ack");
    assert_eq!(
        out.results[1],
        OpResult::Added { id: 3, fresh: true },
        "the key is free again"
    );
}

#[test]
fn add_all_is_all_or_nothing() {
    let db = TempDb::new("addall");
    let small = Options {
        max_file_size: Some(64 * 1024),
        ..Options::default()
    };
    let q = Queue::new(db.path(), small);
    q.open().expect("open");
    let ok = q
        .execute(&[Op::AddAll(vec![NewJob::plain("1"), NewJob::plain("2")])])
        .expect("addAll");
    assert_eq!(ok.results, vec![OpResult::Numbers(vec![1, 1, 2, 1])]);
    let huge = format!("\"{}\"", "z".repeat(200_000));
    let out = q
        .execute(&[
            Op::AddAll(vec![
                NewJob::plain("3"),
                NewJob::plain(huge),
                NewJob::plain("4"),
            ]),
            add("5"),
        ])
        .expect("batch");
    assert!(matches!(&out.results[0], OpResult::Failed(e) if e.code() == "SQLITE_FULL"));
    assert_eq!(
        out.results[1],
        OpResult::Added { id: 3, fresh: true },
        "the refused jobs left no trace, not even their ids"
    );
    assert_eq!(out.counts, vec![2, 3]);
    let out = q
        .execute(&[Op::FindIds("3".into()), Op::FindIds("4".into())])
        .expect("find");
    assert_eq!(
        out.results,
        vec![OpResult::Ids(vec![]), OpResult::Ids(vec![])]
    );
}

#[test]
fn a_retry_waits_its_delay_and_a_failure_becomes_a_dead_letter_with_its_error_as_json() {
    let db = TempDb::new("retry");
    let q = opened(&db);
    q.execute(&[add("\"r\""), add("\"f\"")]).expect("adds");
    q.execute(&[claim(2)]).expect("claim");
    let out = q
        .execute(&[
            Op::Retry {
                id: 1,
                delay_ms: 200,
                error: error("ERR_FIRST"),
            },
            Op::Fail {
                id: 2,
                error: error("ERR_LAST"),
            },
            Op::Fail {
                id: 2,
                error: error("ERR_AGAIN"),
            },
        ])
        .expect("settle");
    assert_eq!(
        out.results,
        vec![
            OpResult::Bool(true),
            OpResult::Bool(true),
            OpResult::Bool(false)
        ]
    );
    assert_eq!(out.counts, vec![2, 1, 1], "a dead letter leaves the count");
    assert_eq!(
        q.execute(&[Op::Stats]).expect("stats").results,
        vec![OpResult::Numbers(vec![0, 1, 0, 1])]
    );
    assert_eq!(
        claimed_ids(&q.execute(&[claim(5)]).expect("claim"), 0),
        Vec::<i64>::new()
    );
    std::thread::sleep(std::time::Duration::from_millis(250));
    let out = q.execute(&[claim(5)]).expect("claim");
    let OpResult::Claimed { jobs, .. } = &out.results[0] else {
        panic!()
    };
    assert_eq!((jobs[0].id, jobs[0].attempts), (1, 2));
    let out = q
        .execute(&[Op::List {
            state: JobState::Failed,
            limit: 10,
            offset: 0,
        }])
        .expect("list");
    let OpResult::Rows(rows) = &out.results[0] else {
        panic!()
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].id, rows[0].attempts, rows[0].job.clone()),
        (2, 1, Ok("\"f\"".to_string()))
    );
    assert!(rows[0].failed_at.is_some());
    let stored: serde_json::Value =
        serde_json::from_str(rows[0].error.as_deref().expect("error")).expect("json");
    assert_eq!(
        stored,
        serde_json::json!({"name": "Error", "message": "ERR_LAST happened", "code": "ERR_LAST",
                           "stack": "Error: boom\n    at handler (app.js:1:1)"})
    );
}

#[test]
fn a_job_claimed_past_its_attempt_limit_goes_to_failed_instead() {
    let db = TempDb::new("poison");
    let q = opened(&db);
    q.execute(&[add("\"poison\""), add("\"fine\"")])
        .expect("adds");
    let limited = |n| Op::Claim {
        limit: 1,
        default_max_attempts: Some(n),
    };
    for attempt in 1..=2 {
        let out = q.execute(&[limited(2)]).expect("claim");
        let OpResult::Claimed { jobs, .. } = &out.results[0] else {
            panic!()
        };
        assert_eq!(
            (jobs[0].id, jobs[0].attempts, jobs[0].dead),
            (1, attempt, false)
        );
        q.execute(&[Op::Release(1)])
            .expect("release: the delivery counted");
    }
    let out = q.execute(&[limited(2)]).expect("claim");
    let OpResult::Claimed { jobs, .. } = &out.results[0] else {
        panic!()
    };
    assert_eq!(
        (jobs[0].id, jobs[0].dead),
        (1, true),
        "the third delivery does not happen"
    );
    assert_eq!(out.counts, vec![1]);
    let out = q.execute(&[limited(2)]).expect("claim");
    assert_eq!(claimed_ids(&out, 0), vec![2], "the jobs behind it flow");
    let out = q
        .execute(&[Op::List {
            state: JobState::Failed,
            limit: 10,
            offset: 0,
        }])
        .expect("list");
    let OpResult::Rows(rows) = &out.results[0] else {
        panic!()
    };
    assert!(rows[0]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("ERR_TOO_MANY_ATTEMPTS")));
    assert_eq!(
        rows[0].attempts, 2,
        "its deliveries, not the claim that stopped them"
    );
    // A claim that was never delivered does not count: unclaim gives the attempt back.
    q.execute(&[add("\"prefetched\"")]).expect("add");
    for _ in 0..3 {
        let out = q.execute(&[limited(1)]).expect("claim");
        assert_eq!(claimed_ids(&out, 0), vec![3]);
        q.execute(&[Op::Unclaim(3)]).expect("unclaim");
    }
}

#[test]
fn dead_letters_go_back_with_their_attempts_reset_and_purge_leaves_running_and_failed_jobs() {
    let db = TempDb::new("inspect");
    let q = opened(&db);
    q.execute(&(0..5).map(|i| add(i.to_string())).collect::<Vec<_>>())
        .expect("adds");
    q.execute(&[claim(3)]).expect("claim 1-3");
    q.execute(&[
        Op::Fail {
            id: 1,
            error: error("E1"),
        },
        Op::Fail {
            id: 2,
            error: error("E2"),
        },
    ])
    .expect("fail two");
    let stats = |q: &Queue| q.execute(&[Op::Stats]).expect("stats").results;
    assert_eq!(stats(&q), vec![OpResult::Numbers(vec![2, 0, 1, 2])]);
    let out = q
        .execute(&[
            Op::RetryFailed(Some(2)),
            Op::RetryFailed(Some(2)),
            Op::Has(1),
        ])
        .expect("retry one");
    assert_eq!(
        out.results,
        vec![
            OpResult::Count(1),
            OpResult::Count(0),
            OpResult::Bool(false)
        ]
    );
    assert_eq!(out.counts, vec![4, 4, 4]);
    let out = q.execute(&[Op::Purge]).expect("purge");
    assert_eq!(
        out.results,
        vec![OpResult::Count(3)],
        "queued 2, 4 and 5; not running 3, not failed 1"
    );
    assert_eq!(stats(&q), vec![OpResult::Numbers(vec![0, 0, 1, 1])]);
    let out = q
        .execute(&[Op::RetryFailed(None), claim(5)])
        .expect("retry all");
    let OpResult::Claimed { jobs, .. } = &out.results[1] else {
        panic!()
    };
    assert_eq!(
        (jobs[0].id, jobs[0].attempts),
        (1, 1),
        "attempts start over"
    );
    let out = q.execute(&[Op::Delete(1), Op::Delete(3)]).expect("delete");
    assert_eq!(out.counts, vec![1, 0]);
}

#[test]
fn claims_read_the_partial_indexes_not_the_table() {
    let db = TempDb::new("plan");
    let _q = opened(&db);
    let conn = rusqlite::Connection::open(db.path()).expect("conn");
    let plan = |sql: &str| -> String {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("prepare");
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .expect("query");
        rows.map(|r| r.expect("row"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let ready = plan("SELECT id FROM queue WHERE state = 0 ORDER BY priority DESC, id LIMIT 10");
    assert!(
        ready.contains("USING INDEX queue_ready")
            || ready.contains("USING COVERING INDEX queue_ready"),
        "{ready}"
    );
    assert!(!ready.contains("TEMP B-TREE"), "no sort: {ready}");
    let due = plan("UPDATE queue SET state = 0 WHERE state = 3 AND run_at <= 5");
    assert!(due.contains("queue_delayed"), "{due}");
    let next = plan("SELECT min(run_at) FROM queue WHERE state = 3");
    assert!(next.contains("queue_delayed"), "{next}");
    let failed = plan("SELECT id FROM queue WHERE state = 2 ORDER BY id LIMIT 10");
    assert!(failed.contains("queue_failed"), "{failed}");
}

fn rows(outcome: &BatchOutcome, index: usize) -> Vec<JobRow> {
    match &outcome.results[index] {
        OpResult::Rows(rows) => rows.clone(),
        other => panic!("expected rows, got {other:?}"),
    }
}

#[test]
fn get_reads_one_job_in_any_state() {
    let db = TempDb::new("get");
    let q = opened(&db);
    q.execute(&[add("\"a\""), add("\"b\""), claim(1)])
        .expect("claim");
    let out = q
        .execute(&[Op::Get(1), Op::Get(2), Op::Get(99)])
        .expect("gets");
    let first = rows(&out, 0);
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].id, first[0].state, first[0].attempts),
        (1, JobState::Running, 1)
    );
    assert_eq!(first[0].job, Ok("\"a\"".to_string()));
    assert_eq!(rows(&out, 1)[0].state, JobState::Queued);
    assert!(rows(&out, 2).is_empty());
}

#[test]
fn recount_repairs_a_counter_raw_sql_left_wrong_and_integrity_reports_a_sound_file() {
    let db = TempDb::new("check");
    let q = opened(&db);
    q.execute(&[add("1"), add("2"), add("3")]).expect("adds");
    let raw = rusqlite::Connection::open(db.path()).expect("conn");
    raw.execute_batch(
        "INSERT INTO queue (job) VALUES ('4'); UPDATE queue SET state = 2 WHERE id = 1;
         INSERT INTO queue_count (counter) VALUES (7);",
    )
    .expect("raw writes");
    let out = q
        .execute(&[Op::Integrity, Op::Recount, add("5")])
        .expect("check");
    assert_eq!(out.results[0], OpResult::Texts(Vec::new()), "sound");
    assert_eq!(
        out.results[1],
        OpResult::Numbers(vec![-1, 3]),
        "two counter rows before; jobs 2, 3 and 4 after (job 1 is a dead letter)"
    );
    assert_eq!(&out.counts[1..], &[3, 4], "counts follow the repair");
    let (rows, counter): (i64, i64) = raw
        .query_row("SELECT count(*), sum(counter) FROM queue_count", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("counter");
    assert_eq!((rows, counter), (1, 4));
}

#[test]
fn open_rebuilds_a_counter_table_raw_sql_dropped_emptied_or_filled_with_text() {
    for breakage in [
        "DROP TABLE queue_count",
        "DELETE FROM queue_count",
        "UPDATE queue_count SET counter = 'many'",
        "UPDATE queue_count SET counter = NULL",
    ] {
        let db = TempDb::new("counter");
        let q = opened(&db);
        q.execute(&[add("1"), add("2"), claim(1)]).expect("jobs");
        q.close().expect("close");
        rusqlite::Connection::open(db.path())
            .expect("conn")
            .execute_batch(breakage)
            .expect("break");
        let q = Queue::new(db.path(), Options::default());
        assert_eq!(q.open().expect(breakage).count, 2, "{breakage}");
        let out = q.execute(&[add("3")]).expect("add");
        assert_eq!(out.counts, vec![3], "{breakage}");
    }
}

#[test]
fn create_false_refuses_a_missing_file_and_an_sqlite_file_without_a_queue_and_changes_neither() {
    let db = TempDb::new("nocreate");
    let existing = || Options {
        create: false,
        ..Options::default()
    };
    let missing = Queue::new(db.path(), existing());
    let err = missing.open().expect_err("no file");
    assert_eq!(err.code(), "ERR_NOT_A_QUEUE");
    assert!(
        !std::path::Path::new(&db.path()).exists(),
        "nothing created"
    );
    let other = db.0.join("other.sqlite").to_string_lossy().into_owned();
    rusqlite::Connection::open(&other)
        .expect("conn")
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .expect("other db");
    let before = std::fs::read(&other).expect("read");
    let err = Queue::new(other.clone(), existing())
        .open()
        .expect_err("no queue table");
    assert_eq!(err.code(), "ERR_NOT_A_QUEUE");
    assert!(err.to_string().contains("without a queue table"), "{err}");
    assert_eq!(std::fs::read(&other).expect("read"), before, "unchanged");
    opened(&db).close().expect("close");
    let q = Queue::new(db.path(), existing());
    q.open().expect("an existing queue opens");
}

#[test]
fn a_backup_onto_the_queue_file_or_its_wal_is_refused_and_changes_nothing() {
    let db = TempDb::new("backupself");
    let q = opened(&db);
    q.execute(&[add("1")]).expect("add");
    let link = db.0.join("alias.sqlite");
    std::fs::hard_link(db.path(), &link).expect("hard link");
    for target in [
        db.path(),
        format!("{}-wal", db.path()),
        link.to_string_lossy().into_owned(),
    ] {
        let out = q.execute(&[Op::Backup(target.clone())]).expect("batch");
        assert!(
            matches!(&out.results[0], OpResult::Failed(e) if e.to_string().contains("the queue file itself")),
            "{target}: {:?}",
            out.results[0]
        );
    }
    let out = q.execute(&[add("2")]).expect("still works");
    assert_eq!(ids(&out), vec![2]);
}
