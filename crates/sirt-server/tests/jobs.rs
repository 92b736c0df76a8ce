//! The voxel part of plans as jobs (issue 17, "Scale-out"). On PostgreSQL: two servers (two
//! application states and routers on one database and one data folder) and two workers, 20
//! plans of the phantom demo made distinct by their tumour-to-normal ratio, asked for
//! concurrently through both servers: every one completes, each inputs' key is one job
//! claimed exactly once (its `runs` counter is 1), one result folder each; then a worker
//! stopped mid-job: another takes the job over once its lease has passed and finishes it. On
//! SQLite, one server with its embedded worker: 202 with the progress, then 200; the report
//! waits for the job; a job that fails answers the same 422 every time without running again.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::too_many_lines
)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::{Resp, Session, T};
use serde_json::json;
use sirt_server::jobs::{WorkerOptions, run_workers};
use sirt_server::{AppState, LoginLimit, app};
use sirt_store::{JobState, Role};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A short lease, so that a stopped worker's job is taken over within the test.
const TEST_LEASE: Duration = Duration::from_secs(3);

/// How long a test waits for a job at most (a failure, not a measure).
const PATIENCE: Duration = Duration::from_secs(300);

/// Polls `GET path` until it is not 202; the job ids seen on the way, and the last answer.
async fn until_ready(t: &T, s: &Session, path: &str) -> (Vec<i64>, Resp) {
    let started = Instant::now();
    let mut jobs = Vec::new();
    loop {
        let r = t.call(Some(s), Method::GET, path, None).await;
        if r.status != StatusCode::ACCEPTED {
            return (jobs, r);
        }
        assert_eq!(r.headers["retry-after"], "1");
        let p = r.json["progress"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{}", r.text);
        jobs.push(r.json["job_id"].as_i64().unwrap());
        assert!(started.elapsed() < PATIENCE, "{path}: still {}", r.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The phantom case of an imported plan with the small phantom's images in place of the
/// standard one's (4 mm CT: the same structures, seconds less per plan).
async fn small_phantom(t: &T, s: &Session) -> (i64, String) {
    let r = t.import_phantom(s).await;
    let patient = r.json["patient"]["id"].as_i64().unwrap();
    let case = r.json["case"]["id"].as_i64().unwrap();
    let plan = r.json["plan"]["id"].as_i64().unwrap();
    let folder = t
        .data_dir
        .join("patients")
        .join(patient.to_string())
        .join("demo-phantom");
    std::fs::remove_dir_all(&folder).unwrap();
    for (name, bytes) in sirt_planning::phantom_files(sirt_phantom::Preset::Small, 1).unwrap() {
        let path = folder.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let case_toml = t.store.plan(plan).await.unwrap().case_toml;
    (case, case_toml)
}

/// A new plan of the case whose tumour T1 has TNR `tnr`.
async fn plan_with_tnr(t: &T, s: &Session, case: i64, case_toml: &str, tnr: f64) -> i64 {
    let body = json!({
        "case_toml": case_toml,
        "parameters": {"injections": {"WL": {"tnr": {"T1": tnr}}}},
    });
    let r = t
        .call(
            Some(s),
            Method::POST,
            &format!("/api/cases/{case}/plans"),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

/// Another server on the same database and data folder (no embedded worker).
fn second_server(t: &T) -> T {
    let state = AppState::with_data_dir(
        t.store.clone(),
        false,
        LoginLimit::default(),
        t.data_dir.clone(),
    )
    .unwrap()
    .with_workers(0);
    T {
        app: app(state.clone()),
        state,
        store: t.store.clone(),
        data_dir: t.data_dir.clone(),
    }
}

/// A worker over a server's state with the test lease, until its task is aborted.
fn worker(state: &AppState, name: &str) -> tokio::task::JoinHandle<()> {
    let options = WorkerOptions {
        workers: 1,
        name: name.to_owned(),
        wake: None,
        lease: TEST_LEASE,
    };
    tokio::spawn(run_workers(state.clone(), options, std::future::pending()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_two_workers_twenty_plans_on_postgres() {
    let Some(url) = harness::postgres_url("jobs_two_servers") else {
        return;
    };
    let mut a = T::new(&url).await;
    a.state = a.state.with_workers(0);
    a.app = app(a.state.clone());
    let b = second_server(&a);
    let s = a.login(Role::Physicist).await;
    let (case, case_toml) = small_phantom(&a, &s).await;
    let mut plans = Vec::new();
    for i in 0..20 {
        plans.push(plan_with_tnr(&a, &s, case, &case_toml, 2.0 + 0.25 * f64::from(i)).await);
    }
    let wa = worker(&a.state, "worker-a");
    let wb = worker(&b.state, "worker-b");

    // Each plan asked for through both servers at once, 40 pollers.
    let started = Instant::now();
    let (a, b) = (std::sync::Arc::new(a), std::sync::Arc::new(b));
    let mut tasks = Vec::new();
    for (i, &plan) in plans.iter().enumerate() {
        for server in [a.clone(), b.clone()] {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let path = format!("/api/plans/{plan}/volumes");
                let (jobs, r) = until_ready(&server, &s, &path).await;
                assert_eq!(r.status, StatusCode::OK, "plan {plan}: {}", r.text);
                assert_eq!(r.json["plan_id"], plan);
                let doses = r.json["volumes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|v| v["kind"] == "dose")
                    .count();
                assert!(doses >= 1, "plan {plan} (#{i}): {}", r.text);
                (plan, jobs)
            }));
        }
    }
    let mut job_of: BTreeMap<i64, std::collections::BTreeSet<i64>> = BTreeMap::new();
    for task in tasks {
        let (plan, jobs) = task.await.unwrap();
        job_of.entry(plan).or_default().extend(jobs);
    }
    eprintln!(
        "20 plans through 2 servers and 2 workers: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // One job per plan (the same whichever server was asked), done, claimed once.
    let mut by_worker: BTreeMap<String, usize> = BTreeMap::new();
    for (plan, jobs) in &job_of {
        assert!(jobs.len() <= 1, "plan {plan}: jobs {jobs:?}");
    }
    let ids: std::collections::BTreeSet<i64> = job_of.values().flatten().copied().collect();
    for id in &ids {
        let j = a.store.job(*id).await.unwrap();
        assert_eq!((j.state, j.runs), (JobState::Done, 1), "job {id}: {j:?}");
        let w = j.worker.unwrap();
        *by_worker
            .entry(w.rsplit_once('-').map_or(w.clone(), |x| x.0.to_owned()))
            .or_default() += 1;
    }
    eprintln!("jobs per worker: {by_worker:?}");
    let results = std::fs::read_dir(a.data_dir.join("results").join("voxel"))
        .unwrap()
        .count();
    assert_eq!(results, 20, "one result folder per distinct inputs");
    assert_eq!(ids.len(), 20, "20 distinct inputs, 20 jobs: {job_of:?}");

    // A worker stopped mid-job: the standard phantom (seconds to read) on a new patient.
    wb.abort();
    let r = a.import_phantom(&s).await;
    let plan = r.json["plan"]["id"].as_i64().unwrap();
    let first = a
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{plan}/volumes"),
            None,
        )
        .await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text);
    let id = first.json["job_id"].as_i64().unwrap();
    let t0 = Instant::now();
    loop {
        let j = a.store.job(id).await.unwrap();
        if j.state == JobState::Running {
            break;
        }
        assert!(
            t0.elapsed() < PATIENCE && j.state == JobState::Queued,
            "{j:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wa.abort();
    let stopped_at = Instant::now();
    let taken = a.store.job(id).await.unwrap();
    assert_eq!(taken.state, JobState::Running, "stopped mid-job: {taken:?}");
    let wc = worker(&b.state, "worker-c");
    loop {
        let j = a.store.job(id).await.unwrap();
        if j.state == JobState::Done {
            assert_eq!(j.runs, 2, "{j:?}");
            assert!(j.worker.unwrap().starts_with("worker-c"));
            break;
        }
        assert!(stopped_at.elapsed() < PATIENCE, "{j:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "a job taken over {:.1} s after its worker stopped (lease {} s)",
        stopped_at.elapsed().as_secs_f64(),
        TEST_LEASE.as_secs()
    );
    let (_, r) = until_ready(&b, &s, &format!("/api/plans/{plan}/volumes")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    wc.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_with_its_embedded_worker_on_sqlite() {
    let url = harness::sqlite_url("jobs_sqlite");
    let t = T::new(&url).await;
    let s = t.login(Role::Physicist).await;
    let (case, case_toml) = small_phantom(&t, &s).await;
    let plan = plan_with_tnr(&t, &s, case, &case_toml, 3.0).await;
    let path = format!("/api/plans/{plan}/volumes");
    let first = t.call(Some(&s), Method::GET, &path, None).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text);
    assert!(
        ["queued", "running"].contains(&first.json["state"].as_str().unwrap()),
        "{}",
        first.text
    );
    let (jobs, r) = until_ready(&t, &s, &path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = first.json["job_id"].as_i64().unwrap();
    assert!(jobs.iter().all(|&j| j == id), "{jobs:?}");
    // An array of the listing; the arrays of another version are refused.
    let ct = r.json["volumes"][0]["url"].as_str().unwrap();
    let bytes = t.call(Some(&s), Method::GET, ct, None).await;
    assert_eq!(bytes.status, StatusCode::OK);
    let dims: Vec<usize> = serde_json::from_value(r.json["grid"]["dims"].clone()).unwrap();
    assert_eq!(bytes.bytes.len(), 4 * dims.iter().product::<usize>());
    let old = ct.replace("?v=", "?v=0");
    let c = t.call(Some(&s), Method::GET, &old, None).await;
    assert_eq!(c.status, StatusCode::CONFLICT, "{}", c.text);
    // The report reads the job's document: its voxel section is there, nothing computed again.
    let report = t
        .call(
            Some(&s),
            Method::GET,
            &format!("/api/plans/{plan}/report.html"),
            None,
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert!(
        report.text.contains(sirt_planning::voxel::VOXEL_HEADING),
        "the voxel section"
    );
    assert_eq!(t.store.job(id).await.unwrap().runs, 1);

    // A plan whose MAA SPECT went missing: its job fails with the case's words, once.
    let plan2 = plan_with_tnr(&t, &s, case, &case_toml, 4.0).await;
    let patient = t.store.case(case).await.unwrap().patient_id;
    let spect = t
        .data_dir
        .join("patients")
        .join(patient.to_string())
        .join("demo-phantom")
        .join("dicom")
        .join("spect");
    assert!(spect.is_dir(), "{}", spect.display());
    std::fs::remove_dir_all(&spect).unwrap();
    let path2 = format!("/api/plans/{plan2}/volumes");
    let (jobs2, failed) = until_ready(&t, &s, &path2).await;
    assert_eq!(
        failed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        failed.text
    );
    assert_eq!(failed.code(), "images");
    assert!(
        failed.message().starts_with("the images of the case: "),
        "{}",
        failed.message()
    );
    assert!(
        !failed.message().contains(&t.data_dir.display().to_string()),
        "no server folder in the message: {}",
        failed.message()
    );
    let again = t.call(Some(&s), Method::GET, &path2, None).await;
    assert_eq!(
        (again.status, again.message()),
        (failed.status, failed.message())
    );
    let j = t.store.job(jobs2[0]).await.unwrap();
    assert_eq!(
        (j.state, j.runs),
        (JobState::Failed, 1),
        "final at once: {j:?}"
    );
    harness::remove_sqlite(&url);
}
