//! Plan recomputation after a parameter change, server-side: 200 `PATCH /api/plans/{id}`
//! requests on the demo case through the router in-process (JSON in, database read, the
//! engine, database write with its audit row, JSON out), on a SQLite file. Prints p50, p95 and
//! the maximum; the goal of issue 6 is p95 < 150 ms.
//!
//! `cargo bench -p sirt-server --bench recompute`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

#[path = "../tests/common/mod.rs"]
mod common;

use axum::http::{Method, StatusCode};
use serde_json::json;
use sirt_store::Role;
use std::time::{Duration, Instant};

/// Requests measured (issue 6).
const REQUESTS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    // Nearest-rank percentile.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("sirtplan-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let t = common::T::new(&url).await;
        let s = t.login(Role::Physicist).await;
        let r = t.call(Some(&s), Method::POST, "/api/demo/import", None).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.json["plan"]["id"].as_i64().unwrap();
        let mut rv = r.json["plan"]["row_version"].as_i64().unwrap();
        let mut times = Vec::with_capacity(REQUESTS);
        let mut last = 0.0;
        for i in 0..REQUESTS {
            let tnr = 2.0 + (i % 20) as f64 * 0.1;
            let body = json!({"row_version": rv, "parameters": {"injections": {"R": {"tnr": {"T1": tnr}}}}});
            let start = Instant::now();
            let r = t.call(Some(&s), Method::PATCH, &format!("/api/plans/{id}"), Some(body)).await;
            times.push(start.elapsed());
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            rv = r.json["row_version"].as_i64().unwrap();
            last = r.json["result"]["injections"][0]["prescribed_activity_gbq"].as_f64().unwrap();
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "plan recomputation (PATCH /api/plans/{{id}}, demo case, SQLite, {REQUESTS} requests): \
             p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms (last activity {last:.4} GBq)",
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 95.0)),
            ms(times[times.len() - 1]),
        );
        t.store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    });
}
