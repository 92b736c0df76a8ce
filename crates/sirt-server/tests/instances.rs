//! Two server instances on one PostgreSQL database (issue 17, "Scale-out": "sessions valid on any
//! instance, the approval race decided once across instances, migrations applied once"). Each
//! instance is an application state with its own connection pool (`Store::open` on the same URL:
//! what two `sirtplan serve` processes hold), sharing the data folder. A session signed in on the
//! first is used on the second; in 8 rounds a demo plan made and checked through one instance is
//! approved by the same physician through both at once: exactly one approval answers 200, the
//! other 409, and the audit log holds one `plan.approve`; the second store's opening applied no
//! migration twice. PostgreSQL only (skipped with a note when no cluster can be started here).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, T};
use serde_json::json;
use sirt_server::{AppState, LoginLimit, app};
use sirt_store::{Role, Store};

/// A second instance over the same database (its own pool, opened anew) and data folder.
async fn second_instance(url: &str, first: &T) -> T {
    let store = Store::open(url).await.unwrap();
    let state = AppState::with_data_dir(
        store.clone(),
        false,
        LoginLimit::default(),
        first.data_dir.clone(),
    )
    .unwrap()
    .with_workers(0);
    T {
        app: app(state.clone()),
        state,
        store,
        data_dir: first.data_dir.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_approval_race_is_decided_once_across_two_instances() {
    let Some(url) = harness::postgres_url("instances_approval_race") else {
        return;
    };
    let mut a = T::new(&url).await;
    a.state = a.state.with_workers(0);
    a.app = app(a.state.clone());
    let b = second_instance(&url, &a).await;
    // Migrations applied once: each version recorded once (the second store found them all
    // applied), up to this binary's newest.
    let versions = b.store.schema_versions().await.unwrap();
    let mut distinct = versions.clone();
    distinct.dedup();
    assert_eq!(versions, distinct, "a migration recorded twice");
    assert_eq!(
        versions.last().copied(),
        Some(Store::latest_schema_version())
    );

    // Signed in on the first instance, used on the second.
    let phys = a.login(Role::Physicist).await;
    let dr = a.login(Role::Physician).await;
    let me = b.call(Some(&dr), Method::GET, "/api/session", None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);

    let (a, b) = (std::sync::Arc::new(a), std::sync::Arc::new(b));
    for round in 0..8 {
        let demo = a
            .call(
                Some(&phys),
                Method::POST,
                "/api/demo/import",
                Some(json!({})),
            )
            .await;
        assert_eq!(demo.status, StatusCode::CREATED, "{}", demo.text);
        let plan = demo.json["plan"]["id"].as_i64().unwrap();
        let check = b
            .call(
                Some(&phys),
                Method::POST,
                &format!("/api/plans/{plan}/check"),
                Some(
                    json!({"row_version": demo.json["plan"]["row_version"], "password": PASSWORD}),
                ),
            )
            .await;
        assert_eq!(check.status, StatusCode::OK, "{}", check.text);
        let rv = check.json["row_version"].as_i64().unwrap();
        let approve = |t: std::sync::Arc<T>| {
            let dr = dr.clone();
            tokio::spawn(async move {
                t.call(
                    Some(&dr),
                    Method::POST,
                    &format!("/api/plans/{plan}/approve"),
                    Some(json!({"row_version": rv, "password": PASSWORD})),
                )
                .await
            })
        };
        let (ra, rb) = (approve(a.clone()), approve(b.clone()));
        let (ra, rb) = (ra.await.unwrap(), rb.await.unwrap());
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}: {} / {}",
            ra.text,
            rb.text
        );
        let audit = a
            .store
            .audit(&sirt_store::AuditQuery {
                entity: Some("plan".into()),
                entity_id: Some(plan.to_string()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            audit.iter().filter(|r| r.action == "plan.approve").count(),
            1,
            "round {round}"
        );
        let now = b
            .call(Some(&dr), Method::GET, &format!("/api/plans/{plan}"), None)
            .await;
        assert_eq!(now.json["state"], "approved", "round {round}: {}", now.text);
    }
}
