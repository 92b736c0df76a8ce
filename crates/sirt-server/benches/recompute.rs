//! Plan recomputation after a parameter change, server-side, through the router in-process on
//! a SQLite file; prints p50, p95 and the maximum of each part:
//! 1. 200 `PATCH /api/plans/{id}` requests on the analytic demo case (JSON in, database read,
//!    the engine, database write with its audit row, JSON out); the goal of issue 6 is
//!    p95 < 150 ms;
//! 2. with the voxel part: on the phantom demo (`POST /api/demo/import-phantom`: CT, MAA SPECT,
//!    Y-90 PET, RT Struct), a TNR change (`PATCH`) then `GET /api/plans/{id}/volumes`, which
//!    recomputes the voxel part (MAA prediction, PET dose, verification, DVH) and lays out the
//!    viewer's volumes: the time until the viewer can show the new doses. The first listing (the
//!    images read and the structures rasterised) is printed apart. Goal of issue 16: p95
//!    < 300 ms. `SIRTPLAN_BENCH_VOXEL_REQUESTS` sets the number of changes (default 20), each to a
//!    TNR not asked before (every change recomputes; none is answered from an earlier result).
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
        voxel_part(&t).await;
        t.store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    });
}

/// Changes measured with the voxel part (each takes seconds before issue 16's cache).
const VOXEL_REQUESTS: usize = 20;

/// Part 2: TNR changes on the phantom plan, each followed by its volumes' listing.
async fn voxel_part(t: &common::T) {
    let n = std::env::var("SIRTPLAN_BENCH_VOXEL_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(VOXEL_REQUESTS);
    let s = t.login(Role::Physicist).await;
    let r = t.import_phantom(&s).await;
    let id = r.json["plan"]["id"].as_i64().unwrap();
    let volumes = format!("/api/plans/{id}/volumes");
    let start = Instant::now();
    // 202 while the voxel job runs (asked again every 100 ms): the time until the listing.
    let first = t.get_when_computed(&s, &volumes).await;
    let first_ms = start.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let mut rv = t
        .call(Some(&s), Method::GET, &format!("/api/plans/{id}"), None)
        .await
        .json["row_version"]
        .as_i64()
        .unwrap();
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let tnr = 2.5 + i as f64 * 0.05;
        let body =
            json!({"row_version": rv, "parameters": {"injections": {"WL": {"tnr": {"T1": tnr}}}}});
        let start = Instant::now();
        let r = t
            .call(
                Some(&s),
                Method::PATCH,
                &format!("/api/plans/{id}"),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let v = t.get_when_computed(&s, &volumes).await;
        times.push(start.elapsed());
        assert_eq!(v.status, StatusCode::OK, "{}", v.text);
        rv = r.json["row_version"].as_i64().unwrap();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "with the voxel part (phantom demo, PATCH then GET volumes, {n} changes): first listing \
         {first_ms:.0} ms; then p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 95.0)),
        ms(times[times.len() - 1]),
    );
}
