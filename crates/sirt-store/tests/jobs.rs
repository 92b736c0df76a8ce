//! The job queue on SQLite and on PostgreSQL (`both!`): concurrent claimers take each job
//! exactly once, an expired lease is claimed again, an enqueue raced by many callers makes one
//! job, progress reads back, failures are retried up to the job's attempts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::panic,
    clippy::too_many_lines
)]

mod harness;

use sirt_store::*;
use sirt_units::Fraction;
use std::collections::BTreeMap;
use std::time::Duration;

/// A lease far longer than any test step.
const LONG: Duration = Duration::from_secs(600);

fn job(key: &str) -> NewJob {
    NewJob {
        kind: "test".into(),
        key: key.into(),
        payload: format!("{{\"key\":\"{key}\"}}"),
        max_attempts: 3,
    }
}

both!(concurrent_claimers_take_each_job_once);
async fn concurrent_claimers_take_each_job_once(url: &str) {
    const JOBS: usize = 40;
    const CLAIMERS: usize = 8;
    let store = Store::open(url).await.unwrap();
    for i in 0..JOBS {
        let (j, created) = store.enqueue_job(&job(&format!("k{i:02}"))).await.unwrap();
        assert!(created);
        assert_eq!((j.state, j.runs, j.attempts), (JobState::Queued, 0, 0));
    }
    let mut tasks = Vec::new();
    for c in 0..CLAIMERS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("w{c}");
            let mut mine = Vec::new();
            let mut empty = 0;
            // A claim can come back empty while others hold rows (PostgreSQL re-checks a
            // row taken meanwhile after its LIMIT): stop after a few empty claims in a row.
            while empty < 5 {
                match store.claim_job("test", &worker, LONG).await.unwrap() {
                    Some(j) => {
                        empty = 0;
                        assert_eq!(j.worker.as_deref(), Some(worker.as_str()));
                        assert_eq!(j.state, JobState::Running);
                        tokio::task::yield_now().await;
                        assert!(store.complete_job(j.id, &worker, "r").await.unwrap());
                        mine.push(j.id);
                    }
                    None => {
                        empty += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
            mine
        }));
    }
    let mut claimed: BTreeMap<i64, usize> = BTreeMap::new();
    let mut per_claimer = Vec::new();
    for t in tasks {
        let mine = t.await.unwrap();
        per_claimer.push(mine.len());
        for id in mine {
            *claimed.entry(id).or_default() += 1;
        }
    }
    assert_eq!(claimed.len(), JOBS, "every job claimed: {claimed:?}");
    assert!(claimed.values().all(|&n| n == 1), "each once: {claimed:?}");
    eprintln!("claims per claimer: {per_claimer:?}");
    for id in claimed.keys() {
        let j = store.job(*id).await.unwrap();
        assert_eq!((j.state, j.runs, j.attempts), (JobState::Done, 1, 1));
        assert_eq!(j.result.as_deref(), Some("r"));
        assert_eq!(j.progress, Fraction::ONE);
    }
    assert!(
        store
            .claim_job("test", "late", LONG)
            .await
            .unwrap()
            .is_none()
    );
}

both!(an_expired_lease_is_claimed_again);
async fn an_expired_lease_is_claimed_again(url: &str) {
    let store = Store::open(url).await.unwrap();
    let (queued, _) = store.enqueue_job(&job("a")).await.unwrap();
    let first = store
        .claim_job("test", "dies", Duration::from_millis(200))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.id, queued.id);
    // Held: nobody else gets it while the lease lasts.
    assert!(
        store
            .claim_job("test", "other", LONG)
            .await
            .unwrap()
            .is_none()
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = store
        .claim_job("test", "other", LONG)
        .await
        .unwrap()
        .expect("the expired job");
    assert_eq!(second.id, first.id);
    assert_eq!((second.runs, second.attempts), (2, 2));
    // The first worker lost it: its heartbeat and completion are refused.
    let half = Fraction::new(0.5).unwrap();
    assert!(
        !store
            .heartbeat_job(first.id, "dies", half, "dose", LONG)
            .await
            .unwrap()
    );
    assert!(!store.complete_job(first.id, "dies", "x").await.unwrap());
    assert!(store.complete_job(first.id, "other", "y").await.unwrap());
    let done = store.job(first.id).await.unwrap();
    assert_eq!(
        (done.state, done.result.as_deref(), done.worker.as_deref()),
        (JobState::Done, Some("y"), Some("other"))
    );

    // A job whose lease passes with no attempt left fails for good.
    let (once, _) = store
        .enqueue_job(&NewJob {
            max_attempts: 1,
            ..job("b")
        })
        .await
        .unwrap();
    let c = store
        .claim_job("test", "dies", Duration::from_millis(100))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.id, once.id);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(store.claim_job("test", "w", LONG).await.unwrap().is_none());
    let failed = store.job(once.id).await.unwrap();
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.error.as_deref(), Some(LEASE_EXHAUSTED));
    assert_eq!(failed.runs, 1);
}

both!(a_raced_enqueue_makes_one_job);
async fn a_raced_enqueue_makes_one_job(url: &str) {
    const CALLERS: usize = 16;
    let store = Store::open(url).await.unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(CALLERS));
    let mut tasks = Vec::new();
    for _ in 0..CALLERS {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.enqueue_job(&job("same")).await.unwrap()
        }));
    }
    let mut ids = Vec::new();
    let mut created = 0;
    for t in tasks {
        let (j, c) = t.await.unwrap();
        ids.push(j.id);
        created += usize::from(c);
    }
    assert_eq!(created, 1, "one caller queued it");
    assert!(ids.iter().all(|&i| i == ids[0]), "{ids:?}");
    // Done, it is returned as it is (never queued again by an enqueue).
    let j = store.claim_job("test", "w", LONG).await.unwrap().unwrap();
    assert!(store.complete_job(j.id, "w", "r").await.unwrap());
    let (again, c) = store.enqueue_job(&job("same")).await.unwrap();
    assert!(!c);
    assert_eq!(
        (again.id, again.state, again.runs),
        (j.id, JobState::Done, 1)
    );
}

both!(progress_and_failures_read_back);
async fn progress_and_failures_read_back(url: &str) {
    let store = Store::open(url).await.unwrap();
    let (j, _) = store.enqueue_job(&job("p")).await.unwrap();
    assert_eq!((j.stage.as_str(), j.progress), ("queued", Fraction::ZERO));
    let c = store.claim_job("test", "w", LONG).await.unwrap().unwrap();
    let f = Fraction::new(0.375).unwrap();
    assert!(
        store
            .heartbeat_job(c.id, "w", f, "dose", LONG)
            .await
            .unwrap()
    );
    let read = store.job_by_key("test", "p").await.unwrap().unwrap();
    assert_eq!(
        (read.state, read.progress, read.stage.as_str()),
        (JobState::Running, f, "dose")
    );
    // Failures: queued again twice, the third (max_attempts 3) is final.
    for attempt in 1..=3 {
        if attempt > 1 {
            let c = store.claim_job("test", "w", LONG).await.unwrap().unwrap();
            assert_eq!(c.attempts, attempt);
        }
        let after = store
            .fail_job(c.id, "w", &format!("boom {attempt}"), true)
            .await
            .unwrap()
            .unwrap();
        let want = if attempt < 3 {
            JobState::Queued
        } else {
            JobState::Failed
        };
        assert_eq!(after.state, want, "attempt {attempt}");
        assert_eq!(after.error, Some(format!("boom {attempt}")));
    }
    assert!(store.claim_job("test", "w", LONG).await.unwrap().is_none());
    // A failure of the inputs is final at once; a requeue starts its attempts anew.
    let (k, _) = store.enqueue_job(&job("q")).await.unwrap();
    let c = store.claim_job("test", "w", LONG).await.unwrap().unwrap();
    assert_eq!(c.id, k.id);
    let f = store.fail_job(k.id, "w", "bad input", false).await.unwrap();
    assert_eq!(f.unwrap().state, JobState::Failed);
    let r = store.requeue_job(k.id).await.unwrap();
    assert_eq!((r.state, r.attempts, r.error), (JobState::Queued, 0, None));
    assert_eq!(
        store
            .claim_job("test", "w", LONG)
            .await
            .unwrap()
            .unwrap()
            .runs,
        2
    );
    // Bad input is refused, naming the field.
    let e = store
        .enqueue_job(&NewJob {
            max_attempts: 0,
            ..job("z")
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("max_attempts"), "{e}");
}
