//! Plausibility and image-consistency refusals over the API: a case value outside the site's
//! bounds is answered 422 (`invalid_case`) naming the field, planned (201) when the case accepts
//! it with a reason; an image check accepted with nothing to accept is answered 422 (`images`)
//! naming the entry. SQLite only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::T;
use serde_json::json;
use sirt_store::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_422_and_acceptances_plan() {
    let url = harness::sqlite_url("accepted");
    let t = T::new(&url).await;
    let s = t.login(Role::Physicist).await;
    let demo = t
        .call(Some(&s), Method::POST, "/api/demo/import", Some(json!({})))
        .await;
    assert_eq!(demo.status, StatusCode::CREATED, "{}", demo.text);
    let case = demo.json["case"]["id"].as_i64().unwrap();
    let big = sirt_planning::DEMO_CASE.replace("volume = \"1650 mL\"", "volume = \"16 L\"");
    assert_ne!(big, sirt_planning::DEMO_CASE);
    let post = |text: String| {
        let t = &t;
        let s = &s;
        async move {
            t.call(
                Some(s),
                Method::POST,
                &format!("/api/cases/{case}/plans"),
                Some(json!({ "case_toml": text })),
            )
            .await
        }
    };
    let r = post(big.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "invalid_case");
    assert!(
        r.message().contains("`liver.volume`") && r.message().contains("found 16 L"),
        "{}",
        r.message()
    );
    let accepted = format!(
        "{big}\n[[accepted]]\nwhat = \"liver.volume\"\nreason = \"polycystic liver, two readers\"\n"
    );
    let r = post(accepted).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // The phantom demo with an image check accepted that does not fire: 422 when its images
    // are read (the report, the viewer's volumes).
    let phantom = t.import_phantom(&s).await;
    let pcase = phantom.json["case"]["id"].as_i64().unwrap();
    let pid = phantom.json["plan"]["id"].as_i64().unwrap();
    let r = t
        .call(Some(&s), Method::GET, &format!("/api/plans/{pid}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let text = r.json["case_toml"].as_str().unwrap_or_default().to_owned();
    assert!(text.contains("[images]"), "{}", r.text);
    let stale = format!(
        "{text}\n[[accepted]]\nwhat = \"images.maa_spect.counts_in_body\"\nreason = \"none\"\n"
    );
    let p = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/cases/{pcase}/plans"),
            Some(json!({ "case_toml": stale })),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    let id = p.json["id"].as_i64().unwrap();
    let r = t
        .get_when_computed(&s, &format!("/api/plans/{id}/volumes"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "images");
    assert!(
        r.message().contains("accepted[2]") && r.message().contains("found nothing to accept"),
        "{}",
        r.message()
    );
    harness::remove_sqlite(&url);
    let _ = std::fs::remove_dir_all(&t.data_dir);
}
