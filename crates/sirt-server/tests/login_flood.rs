//! The login rate limit under concurrency (issue 15): 40 wrong passwords for one user sent at
//! once get at most 5 answers 401 (the limit), the rest 429; before, the count and the check
//! were not atomic and 38 of 40 got 401. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::T;
use serde_json::json;
use sirt_store::Role;
use std::sync::Arc;

both!(concurrent_wrong_passwords_get_at_most_the_limit_of_401);
async fn concurrent_wrong_passwords_get_at_most_the_limit_of_401(url: &str) {
    let t = Arc::new(T::new(url).await);
    let user = common::username(Role::Physician);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let t = Arc::clone(&t);
        tasks.spawn(async move {
            t.call(
                None,
                Method::POST,
                "/api/login",
                Some(json!({"username": user, "password": "not the password"})),
            )
            .await
            .status
        });
    }
    let mut unauthorized = 0;
    let mut limited = 0;
    while let Some(status) = tasks.join_next().await {
        match status.unwrap() {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected answer {other}"),
        }
    }
    assert_eq!(unauthorized + limited, 40);
    assert!(
        unauthorized <= 5,
        "{unauthorized} answers 401 for 5 allowed failures ({limited} × 429)"
    );
    assert_eq!(unauthorized, 5, "the first five are checked");
    // The right password is refused too while the limit holds.
    let r = t
        .call(
            None,
            Method::POST,
            "/api/login",
            Some(json!({"username": user, "password": common::PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
}
