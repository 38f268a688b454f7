//! Core tests on real files in a temp folder: order, ids, claims, acks, recovery, isolation.

use std::path::PathBuf;

use super::*;

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
            OpResult::Id(id) => *id,
            other => panic!("expected an id, got {other:?}"),
        })
        .collect()
}

fn claimed(outcome: &BatchOutcome, index: usize) -> Vec<(i64, String)> {
    match &outcome.results[index] {
        OpResult::Jobs(jobs) => jobs
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
        .execute((0..5).map(|i| Op::Add(format!("{{\"n\":{i}}}"))).collect())
        .expect("batch");
    assert_eq!(ids(&out), vec![1, 2, 3, 4, 5]);
    assert_eq!(out.count, 5);
    assert_eq!(out.busy, None);
}

#[test]
fn claim_is_fifo_and_ack_deletes_only_own_claims() {
    let db = TempDb::new("claim");
    let q = opened(&db);
    q.execute(vec![
        Op::Add("\"a\"".into()),
        Op::Add("\"b\"".into()),
        Op::Add("\"c\"".into()),
    ])
    .expect("adds");
    let out = q.execute(vec![Op::Claim(2)]).expect("claim");
    assert_eq!(
        claimed(&out, 0),
        vec![(1, "\"a\"".to_string()), (2, "\"b\"".to_string())]
    );
    let out = q
        .execute(vec![Op::Ack(1), Op::Ack(3), Op::Claim(5)])
        .expect("ack");
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
    assert_eq!(out.count, 2);
}

#[test]
fn delete_of_a_missing_id_fails_alone_and_the_rest_of_the_batch_commits() {
    let db = TempDb::new("delete");
    let q = opened(&db);
    let out = q
        .execute(vec![
            Op::Add("1".into()),
            Op::Delete(42),
            Op::Add("2".into()),
            Op::Has(1),
            Op::Has(42),
        ])
        .expect("batch");
    assert_eq!(out.results[0], OpResult::Id(1));
    assert_eq!(
        out.results[1],
        OpResult::Failed(QueueError::JobNotFound(42))
    );
    assert_eq!(out.results[2], OpResult::Id(2));
    assert_eq!(out.results[3], OpResult::Bool(true));
    assert_eq!(out.results[4], OpResult::Bool(false));
    assert_eq!(out.count, 2);
}

#[test]
fn find_ids_matches_exact_text_in_order() {
    let db = TempDb::new("find");
    let q = opened(&db);
    q.execute(vec![
        Op::Add("{\"a\":1}".into()),
        Op::Add("{\"a\":2}".into()),
        Op::Add("{\"a\":1}".into()),
    ])
    .expect("adds");
    let out = q
        .execute(vec![
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
    q.execute((1..=4).map(|i| Op::Add(i.to_string())).collect())
        .expect("adds");
    q.execute(vec![Op::Claim(3)]).expect("claim");
    q.close().expect("close");
    assert_eq!(q.execute(vec![Op::Count]).unwrap_err(), QueueError::Closed);
    let q2 = opened(&db);
    let out = q2.execute(vec![Op::Claim(10)]).expect("claim again");
    let got: Vec<i64> = claimed(&out, 0).into_iter().map(|(id, _)| id).collect();
    assert_eq!(got, vec![1, 2, 3, 4]);
}

#[test]
fn claims_of_a_dropped_owner_are_recovered_at_open_but_live_claims_are_not() {
    let db = TempDb::new("recover");
    let live = opened(&db);
    live.execute((1..=4).map(|i| Op::Add(i.to_string())).collect())
        .expect("adds");
    live.execute(vec![Op::Claim(1)])
        .expect("live claim of job 1");
    {
        // Dropping without close() is what a crash leaves behind: rows stay `running`.
        let dead = opened(&db);
        dead.execute(vec![Op::Claim(2)]).expect("claim 2 and 3");
    }
    let fresh = Queue::new(db.path(), Options::default());
    let info = fresh.open().expect("open");
    assert_eq!(info.recovered, 2);
    let out = fresh.execute(vec![Op::Claim(10)]).expect("claim");
    let got: Vec<i64> = claimed(&out, 0).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        got,
        vec![2, 3, 4],
        "job 1 belongs to a live owner and is not stolen"
    );
}

#[test]
fn a_file_of_the_original_library_opens_and_continues_its_ids() {
    let db = TempDb::new("original");
    {
        let conn = rusqlite::Connection::open(db.path()).expect("conn");
        conn
      .execute_batch(
        "CREATE TABLE queue (id INTEGER PRIMARY KEY ASC AUTOINCREMENT, job TEXT);
         CREATE TABLE queue_count (counter BIGINT); INSERT INTO queue_count VALUES (0);
         CREATE TRIGGER queue_insert AFTER INSERT ON queue BEGIN UPDATE queue_count SET counter = counter + 1; END;
         CREATE TRIGGER queue_delete AFTER DELETE ON queue BEGIN UPDATE queue_count SET counter = counter - 1; END;
         INSERT INTO queue (job) VALUES ('{\"n\":1}'), ('{\"n\":2}'), ('{\"n\":3}');
         DELETE FROM queue WHERE id = 1;",
      )
      .expect("original schema");
    }
    let q = Queue::new(db.path(), Options::default());
    assert_eq!(q.open().expect("open").count, 2);
    let out = q
        .execute(vec![Op::Claim(10), Op::Add("{\"n\":4}".into())])
        .expect("batch");
    assert_eq!(
        claimed(&out, 0),
        vec![(2, "{\"n\":2}".to_string()), (3, "{\"n\":3}".to_string())]
    );
    assert_eq!(out.results[1], OpResult::Id(4));
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
    let out = q.execute(vec![Op::Claim(10)]).expect("claim");
    let OpResult::Jobs(jobs) = &out.results[0] else {
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
    assert_eq!(
        q.execute(vec![Op::Count]).unwrap_err().code(),
        "ERR_NOT_OPEN"
    );
    q.close().expect("closing a never-opened queue is a no-op");
}
