//! A database restart during requests (issue 6, bad input: "a database restart during a
//! request: a clear error, nothing half-written, nothing leaked"), on the PostgreSQL cluster of
//! this test binary (its own process, so that stopping it touches no other test): while the
//! database is down every request answers 503 `database_unavailable` without the database's
//! message; when it is back the same server works again without a restart of its own; and a
//! plan change cut by the restart is either wholly written (the change, its row version and its
//! audit row) or not at all. PostgreSQL only: an embedded SQLite file cannot restart apart from
//! the server.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::{Session, T};
use serde_json::{Value, json};
use sirt_store::{AuditQuery, Role};
use std::time::Duration;

/// Reads the plan, waiting for the database to come back (the pool reconnects by itself).
async fn plan_when_back(t: &T, s: &Session, id: i64) -> Value {
    for _ in 0..80 {
        let r = t
            .call(Some(s), Method::GET, &format!("/api/plans/{id}"), None)
            .await;
        if r.status == StatusCode::OK {
            return r.json;
        }
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the server did not recover after the database restart");
}

async fn edits_of(t: &T, id: i64) -> usize {
    t.store
        .audit(&AuditQuery {
            entity: Some("plan".into()),
            entity_id: Some(id.to_string()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "plan.edit")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_during_requests_leaves_nothing_half_written() {
    let Some(url) = harness::postgres_url("db_restart") else {
        return;
    };
    let t = std::sync::Arc::new(T::new(&url).await);
    let s = t.login(Role::Physicist).await;
    let demo = t
        .call(Some(&s), Method::POST, "/api/demo/import", Some(json!({})))
        .await;
    assert_eq!(demo.status, StatusCode::CREATED, "{}", demo.text);
    let id = demo.json["plan"]["id"].as_i64().unwrap();

    // Down: a clear 503, nothing of the database's message (address, port, driver text).
    tokio::task::spawn_blocking(harness::stop_postgres)
        .await
        .unwrap();
    let port = url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/plans/{id}"),
            Some(json!({"row_version": 1, "parameters": {"injections": {"R": {"lsf": 0.06}}}})),
        ),
        (Method::GET, format!("/api/plans/{id}"), None),
        (Method::GET, "/api/patients".to_owned(), None),
    ] {
        let r = t.call(Some(&s), method.clone(), &path, body).await;
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {path}: {}",
            r.text
        );
        assert_eq!(r.code(), "database_unavailable");
        for leak in [
            "127.0.0.1",
            port.as_str(),
            "postgres",
            "connection",
            "refused",
            "sqlx",
        ] {
            assert!(
                !r.text.to_lowercase().contains(leak),
                "{method} {path} leaks {leak}: {}",
                r.text
            );
        }
    }
    tokio::task::spawn_blocking(harness::start_postgres)
        .await
        .unwrap();
    // Back: the same server answers, and the refused change was not written.
    let p = plan_when_back(&t, &s, id).await;
    assert_eq!(p["row_version"], 1);
    assert_eq!(p["parameters"], json!({}));
    assert_eq!(edits_of(&t, id).await, 0);

    // Restarts while changes are in flight: each change is all or nothing.
    for i in 0..4u32 {
        let before = plan_when_back(&t, &s, id).await;
        let rv = before["row_version"].as_i64().unwrap();
        let edits = edits_of(&t, id).await;
        let tnr = 2.0 + 0.25 * f64::from(i);
        let t2 = t.clone();
        let session = s.clone();
        let patch = tokio::spawn(async move {
            t2.call(
                Some(&session),
                Method::PATCH,
                &format!("/api/plans/{id}"),
                Some(json!({"row_version": rv, "parameters": {"injections": {"R": {"tnr": {"T1": tnr}}}}})),
            )
            .await
        });
        tokio::time::sleep(Duration::from_millis(u64::from(i) * 7)).await;
        tokio::task::spawn_blocking(harness::stop_postgres)
            .await
            .unwrap();
        tokio::task::spawn_blocking(harness::start_postgres)
            .await
            .unwrap();
        let r = patch.await.unwrap();
        let after = plan_when_back(&t, &s, id).await;
        let stored = after["parameters"]["injections"]["R"]["tnr"]["T1"].as_f64();
        match r.status {
            StatusCode::OK => {
                assert_eq!(after["row_version"], rv + 1);
                assert_eq!(stored, Some(tnr));
                assert_eq!(
                    edits_of(&t, id).await,
                    edits + 1,
                    "the change has its audit row"
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(r.code(), "database_unavailable");
                assert_eq!(after["row_version"], rv, "nothing half-written");
                assert_eq!(after["parameters"], before["parameters"]);
                assert_eq!(
                    edits_of(&t, id).await,
                    edits,
                    "no audit row without the change"
                );
            }
            other => panic!("restart {i}: unexpected {other}: {}", r.text),
        }
        eprintln!("restart {i}: the change in flight answered {}", r.status);
    }
}
