//! Delivery over the API (docs/server.md, "Delivery"): the analytic demo (two sessions: R on
//! 2026-03-05, L on 2026-06-04), approved, delivered session by session. Implausible records are
//! refused with 422 naming the field (a vial of 192 GBq, 100 × the plan; a residual of 500 GBq; a
//! date in 1999; session 2 before session 1; an injection of another session); a delivered
//! activity more than 50 % from the plan's needs a reason; one record per injection, a
//! correction a new version with its reason; the plan is "delivered" only after its last
//! session; its result and report carry the recorded delivery (not the case file's) and the
//! delivered checks. SQLite and PostgreSQL.

// Scenario tests read as one story; their length is allowed (test code only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_lines
)]

mod common;
#[path = "../../sirt-store/tests/harness/mod.rs"]
mod harness;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, Session, T};
use serde_json::{Value, json};
use sha2::Digest;
use sirt_store::Role;

/// The demo imported, checked and approved: (plan id, row version).
async fn approved_demo(t: &T, phys: &Session, dr: &Session) -> (i64, i64) {
    let demo = t
        .call(
            Some(phys),
            Method::POST,
            "/api/demo/import",
            Some(json!({})),
        )
        .await;
    assert_eq!(demo.status, StatusCode::CREATED, "{}", demo.text);
    let plan = demo.json["plan"]["id"].as_i64().unwrap();
    let check = t
        .call(
            Some(phys),
            Method::POST,
            &format!("/api/plans/{plan}/check"),
            Some(json!({"row_version": 1, "password": PASSWORD})),
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text);
    let approve = t
        .call(
            Some(dr),
            Method::POST,
            &format!("/api/plans/{plan}/approve"),
            Some(json!({"row_version": check.json["row_version"], "password": PASSWORD})),
        )
        .await;
    assert_eq!(approve.status, StatusCode::OK, "{}", approve.text);
    (plan, approve.json["row_version"].as_i64().unwrap())
}

/// Session 1's record of injection R, with `change` applied.
fn r_entry(change: Value) -> Value {
    let mut e = json!({
        "injection_id": "R",
        "administered_at": "2026-03-05T10:25:00[Europe/Paris]",
        "vial_activity": "1.95 GBq",
        "vial_assayed_at": "2026-03-05T09:40:00[Europe/Paris]",
        "residual": "0.05 GBq",
        "residual_measured_at": "2026-03-05T11:00:00[Europe/Paris]",
        "catheter_position": "right hepatic artery, proximal"
    });
    for (k, v) in change.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

/// Session 2's record of injection L: 0.50 GBq residual of a 25.5 mCi vial, about −52 % from
/// the plan's intended 0.91 GBq.
fn l_entry(change: Value) -> Value {
    let mut e = json!({
        "injection_id": "L",
        "administered_at": "2026-06-04T10:20:00+02:00",
        "vial_activity": "25.5 mCi",
        "vial_assayed_at": "2026-06-04T09:30:00[Europe/Paris]",
        "residual": "0.50 GBq",
        "residual_measured_at": "2026-06-04T10:50:00[Europe/Paris]",
        "catheter_position": "left hepatic artery"
    });
    for (k, v) in change.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

both!(implausible_records_are_refused_naming_the_field);
async fn implausible_records_are_refused_naming_the_field(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let tech = t.login(Role::Technologist).await;
    let (plan, rv) = approved_demo(&t, &phys, &dr).await;
    let deliver = |body: Value| {
        let t = &t;
        let tech = &tech;
        async move {
            t.call(
                Some(tech),
                Method::POST,
                &format!("/api/plans/{plan}/deliver"),
                Some(body),
            )
            .await
        }
    };
    let refused = |session: &str, entry: Value| json!({"row_version": rv, "session": session, "treatments": [entry]});
    let cases = [
        // 100 × the plan: the vial cannot hold it.
        (
            refused("1", r_entry(json!({"vial_activity": "192 GBq"}))),
            "field `treatments[0].vial_activity`: expected at most 2.",
            "found 192 GBq (",
        ),
        (
            refused("1", r_entry(json!({"residual": "500 GBq"}))),
            "field `treatments[0].residual`: expected at most the vial at injection (1.9",
            "found 500 GBq (",
        ),
        (
            refused(
                "1",
                r_entry(json!({"administered_at": "1999-03-05T10:25:00[Europe/Paris]"})),
            ),
            "field `treatments[0].administered_at`: expected an instant within 2 days of session 1's planned treatment (2026-03-05T10:00:00+01:00[Europe/Paris])",
            "found 1999-03-05T10:25:00+01:00[Europe/Paris]",
        ),
        (
            refused(
                "1",
                r_entry(json!({"residual_measured_at": "2026-03-05T10:00:00[Europe/Paris]"})),
            ),
            "field `treatments[0].residual_measured_at`: expected the residual measured after the injection",
            "",
        ),
        (
            refused("1", r_entry(json!({"vial_activity": "1.95 kg"}))),
            "field `treatments[0].vial_activity`: expected an activity with its unit",
            "`1.95 kg`",
        ),
        (
            refused("1", r_entry(json!({"administered_at": "2026-03-05 10:25"}))),
            "field `treatments[0].administered_at`: expected an instant with its zone",
            "",
        ),
        (
            refused("1", l_entry(json!({}))),
            "field `treatments[0].injection_id`: expected an injection of session 1 (R), found `L`",
            "",
        ),
        (
            refused("3", r_entry(json!({}))),
            "field `session`: expected a session of the plan (1, 2), found `3`",
            "",
        ),
        // Session 2 before session 1.
        (
            refused("2", l_entry(json!({"confirm_reason": "stasis"}))),
            "field `session`: expected session 1 delivered before session 2, found session 1 not delivered",
            "",
        ),
        // −52 % without a reason.
        (
            refused("1", r_entry(json!({"residual": "1.0 GBq"}))),
            "field `treatments[0].confirm_reason`: expected a reason confirming a delivered activity -5",
            "more than ±50 % asks for confirmation",
        ),
        (
            json!({"row_version": rv, "session": "1", "treatments": [r_entry(json!({})), r_entry(json!({}))]}),
            "field `treatments[1].injection_id`: expected one record per injection, found `R` a second time",
            "",
        ),
        (
            refused("1", r_entry(json!({"correction_reason": "typo"}))),
            "field `treatments[0].correction_reason`: expected none: injection R has no record to correct",
            "",
        ),
    ];
    for (body, starts, contains) in cases {
        let r = deliver(body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert!(r.message().starts_with(starts), "{}", r.message());
        assert!(r.message().contains(contains), "{}", r.message());
    }
    // Nothing was written.
    let p = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/plans/{plan}/deliveries"),
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_eq!(p.json["plan"]["row_version"], rv);
    assert_eq!(p.json["plan"]["state"], "approved");
    assert_eq!(p.json["delivery"], json!({"records": [], "sessions": []}));

    // With a reason, −52 % is recorded.
    let r = deliver(refused(
        "1",
        r_entry(json!({"residual": "1.0 GBq", "confirm_reason": "stasis after half the vial"})),
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let record = &r.json["delivery"]["records"][0];
    assert_eq!(record["confirm_reason"], "stasis after half the vial");
    assert_eq!(record["recorded_by"], "tech.bob");
    assert!(
        (record["delivered_activity_gbq"].as_f64().unwrap() - 0.92).abs() < 0.02,
        "{record}"
    );
    // A draft or checked plan cannot be delivered (409), nor can a viewer (403).
    let viewer = t.login(Role::Viewer).await;
    let r = t
        .call(
            Some(&viewer),
            Method::POST,
            &format!("/api/plans/{plan}/deliver"),
            Some(refused("1", r_entry(json!({})))),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

both!(a_two_session_plan_is_delivered_session_by_session);
async fn a_two_session_plan_is_delivered_session_by_session(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let tech = t.login(Role::Technologist).await;
    let admin = t.login(Role::Admin).await;
    let (plan, rv) = approved_demo(&t, &phys, &dr).await;
    let path = format!("/api/plans/{plan}/deliver");
    let approved_result = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/plans/{plan}"),
            None,
        )
        .await
        .json["result"]
        .clone();

    // Session 1.
    let r = t
        .call(
            Some(&tech),
            Method::POST,
            &path,
            Some(json!({"row_version": rv, "session": "1", "treatments": [r_entry(json!({}))]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["plan"]["state"], "approved", "one session of two");
    // The stored result stays the approved one (the approval and the acknowledgements refer to
    // it); the answer's `result` is the plan with the records in force.
    assert_eq!(r.json["plan"]["result"], approved_result);
    assert_ne!(r.json["result"], approved_result);
    assert_eq!(r.json["plan"]["delivered_by"], Value::Null);
    assert_eq!(r.json["sessions"][0]["delivered"], true);
    assert_eq!(r.json["sessions"][1]["delivered"], false);
    let rec = r.json["delivery"]["records"][0].clone();
    // 1.95 GBq at 09:40, 45 min of Y-90 decay to 10:25, less 0.05 GBq measured 35 min later.
    let vial = 1.95 * (-(45.0 / 60.0) * std::f64::consts::LN_2 / 64.1_f64).exp();
    let residual = 0.05 * ((35.0 / 60.0) * std::f64::consts::LN_2 / 64.1_f64).exp();
    let delivered = rec["delivered_activity_gbq"].as_f64().unwrap();
    assert!(
        (rec["vial_at_injection_gbq"].as_f64().unwrap() - vial).abs() < 2e-3,
        "{rec}"
    );
    assert!((delivered - (vial - residual)).abs() < 2e-3, "{rec}");
    assert_eq!(rec["vial_entered"], "1.95 GBq");
    assert_eq!(rec["catheter_position"], "right hepatic artery, proximal");
    assert_eq!(rec["record_version"], 1);
    assert_eq!(rec["current"], true);
    // The result carries the recorded delivery (not the case file's 1.8313 GBq) and the
    // delivered checks.
    let result = &r.json["result"];
    let r_result = &result["injections"][0];
    assert_eq!(r_result["id"], "R");
    let got = r_result["delivered"]["delivered_activity_gbq"]
        .as_f64()
        .unwrap();
    assert!((got - delivered).abs() < 1e-6, "{got} vs {delivered}");
    assert_eq!(
        r_result["delivered"]["injected"],
        "2026-03-05T10:25:00+01:00[Europe/Paris]"
    );
    let checks: Vec<&str> = result["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["rule"].as_str())
        .collect();
    assert!(
        checks.iter().any(|c| c.starts_with("delivered-activity-")),
        "{checks:?}"
    );
    let rv = r.json["plan"]["row_version"].as_i64().unwrap();
    // The approved report stays the one frozen at approval, byte for byte; the delivery is
    // its own dated record, the addendum stored with the recording.
    let frozen = t.store.frozen(plan).await.unwrap().unwrap();
    let report = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/plans/{plan}/report.html"),
            None,
        )
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(
        report.text, frozen.report_html,
        "the frozen report, as stored"
    );
    assert!(!report.text.contains("right hepatic artery, proximal"));
    assert_eq!(r.json["addenda"].as_array().unwrap().len(), 1, "{}", r.text);
    let addendum = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/plans/{plan}/report/delivery"),
            None,
        )
        .await;
    assert_eq!(addendum.status, StatusCode::OK, "{}", addendum.text);
    assert_eq!(addendum.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        r.json["addenda"][0]["report_html_sha256"],
        hex::encode(sha2::Sha256::digest(addendum.text.as_bytes()))
    );
    assert_eq!(r.json["addenda"][0]["created_at"], rec["recorded_at"]);
    assert!(
        addendum.text.contains(&format!("{delivered:.4} GBq")),
        "addendum lacks {delivered:.4} GBq"
    );
    assert!(
        !addendum.text.contains("1.8313 GBq"),
        "the case file's delivery in the addendum"
    );
    assert!(addendum.text.contains("right hepatic artery, proximal"));
    assert!(
        addendum.text.contains("<title>Delivery addendum — "),
        "the addendum says what it is"
    );
    assert!(
        addendum.text.contains(&frozen.report_html_sha256),
        "the addendum names the approved report it adds to"
    );
    assert!(addendum.text.contains(&t.state.engine_id));
    // Stored in the case: the frozen report and the addendum, each as served.
    let stored = t
        .call(
            Some(&phys),
            Method::POST,
            &format!("/api/plans/{plan}/documents/report"),
            None,
        )
        .await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text);
    let docs = stored.json["documents"].as_array().unwrap();
    let sha = |s: &str| hex::encode(sha2::Sha256::digest(s.as_bytes()));
    let html: Vec<&Value> = docs
        .iter()
        .filter(|d| d["mime"] == "text/html; charset=utf-8")
        .collect();
    assert_eq!(html.len(), 2, "{}", stored.text);
    assert_eq!(html[0]["kind"], "plan_report");
    assert_eq!(html[0]["sha256"], sha(&frozen.report_html));
    assert_eq!(html[1]["kind"], "delivery_addendum");
    assert_eq!(html[1]["sha256"], sha(&addendum.text));

    // One record per injection: a second one is refused, a correction is a new version.
    let again = json!({"row_version": rv, "session": "1", "treatments": [r_entry(json!({"residual": "0.06 GBq"}))]});
    let r = t.call(Some(&tech), Method::POST, &path, Some(again)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().starts_with("field `treatments[0].correction_reason`: expected a reason for correcting the recorded delivery of injection R (version 1, recorded by tech.bob at "),
        "{}",
        r.message()
    );
    let corrected = json!({"row_version": rv, "session": "1", "treatments": [r_entry(json!({"residual": "0.06 GBq", "correction_reason": "residual re-measured in the calibrator"}))]});
    let r = t
        .call(Some(&phys), Method::POST, &path, Some(corrected))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let records = r.json["delivery"]["records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["current"], false);
    assert_eq!(records[1]["current"], true);
    assert_eq!(records[1]["record_version"], 2);
    assert_eq!(records[1]["replaces"], records[0]["id"]);
    assert_eq!(records[1]["recorded_by"], "phys.curie");
    assert_eq!(r.json["plan"]["state"], "approved");
    let rv = r.json["plan"]["row_version"].as_i64().unwrap();

    // Session 2: −52 % needs its reason; then the plan is delivered.
    let s2 = |e: Value| json!({"row_version": rv, "session": "2", "treatments": [e]});
    let r = t
        .call(Some(&dr), Method::POST, &path, Some(s2(l_entry(json!({})))))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().contains("treatments[0].confirm_reason"),
        "{}",
        r.message()
    );
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &path,
            Some(s2(l_entry(
                json!({"confirm_reason": "spasm: stopped at half"}),
            ))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["plan"]["state"], "delivered");
    assert_eq!(r.json["plan"]["delivered_by"], "dr.house");
    assert_eq!(r.json["sessions"][1]["delivered"], true);
    let l = &r.json["delivery"]["records"][2];
    assert_eq!(l["vial_entered"], "25.5 mCi");
    assert!((l["vial_activity_gbq"].as_f64().unwrap() - 0.9435).abs() < 1e-9);
    let l_result = &r.json["result"]["injections"][1];
    assert!(
        (l_result["delivered"]["delivered_activity_gbq"]
            .as_f64()
            .unwrap()
            - l["delivered_activity_gbq"].as_f64().unwrap())
        .abs()
            < 1e-6
    );
    let rv = r.json["plan"]["row_version"].as_i64().unwrap();
    // A delivered plan takes corrections only.
    let r = t.call(Some(&dr), Method::POST, &path, Some(json!({"row_version": rv, "session": "2", "treatments": [l_entry(json!({"confirm_reason": "x"}))]}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().contains("treatments[0].correction_reason"),
        "{}",
        r.message()
    );
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &path,
            Some(json!({"row_version": rv, "session": "2", "treatments": [l_entry(json!({"confirm_reason": "spasm", "correction_reason": "catheter position", "catheter_position": "left hepatic artery, segment 3"}))]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["plan"]["state"], "delivered");
    let rv = r.json["plan"]["row_version"].as_i64().unwrap();

    // One addendum per recording, each served as stored; the report is still the frozen one.
    let addenda = r.json["addenda"].as_array().unwrap().clone();
    assert_eq!(addenda.len(), 4, "{}", r.text);
    let mut served = Vec::new();
    for (n, a) in addenda.iter().enumerate() {
        assert_eq!(a["seq"], n + 1);
        let h = t
            .call(
                Some(&tech),
                Method::GET,
                &format!("/api/plans/{plan}/report/delivery?n={}", n + 1),
                None,
            )
            .await;
        assert_eq!(h.status, StatusCode::OK, "{}", h.text);
        assert_eq!(
            a["report_html_sha256"],
            hex::encode(sha2::Sha256::digest(h.text.as_bytes()))
        );
        served.push(h.text);
    }
    assert_eq!(
        addenda
            .iter()
            .map(|a| a["session_id"].clone())
            .collect::<Vec<_>>(),
        [json!("1"), json!("1"), json!("2"), json!("2")]
    );
    assert!(served[2].contains("spasm: stopped at half"));
    assert!(served[3].contains("left hepatic artery, segment 3"));
    assert!(!served[2].contains("left hepatic artery, segment 3"));
    let none = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/plans/{plan}/report/delivery?n=5"),
            None,
        )
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.text);
    assert_eq!(none.code(), "no_delivery_addendum");
    assert!(
        none.message()
            .contains("expected delivery addendum 5, found 4 addenda"),
        "{}",
        none.message()
    );

    // Another engine (a new server version over the same database): the approved report and
    // the addenda stay as stored, byte for byte; a new recording's addendum names it.
    let mut t = t;
    t.with_engine_id("sirt-server 99.0.0 / sirt-planning 99.0.0");
    let again = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/plans/{plan}/report.html"),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        again.text, frozen.report_html,
        "the frozen report, byte for byte"
    );
    assert!(!again.text.contains("sirt-server 99.0.0"));
    let first = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/plans/{plan}/report/delivery?n=1"),
            None,
        )
        .await;
    assert_eq!(first.text, served[0], "addendum 1, byte for byte");
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &path,
            Some(json!({"row_version": rv, "session": "2", "treatments": [l_entry(json!({"confirm_reason": "spasm", "correction_reason": "assay time", "vial_assayed_at": "2026-06-04T09:35:00[Europe/Paris]"}))]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["addenda"][4]["engine_id"],
        "sirt-server 99.0.0 / sirt-planning 99.0.0"
    );
    let latest = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/plans/{plan}/report/delivery"),
            None,
        )
        .await;
    assert!(
        latest
            .text
            .contains("sirt-server 99.0.0 / sirt-planning 99.0.0")
    );
    let again = t
        .call(
            Some(&tech),
            Method::GET,
            &format!("/api/plans/{plan}/report.html"),
            None,
        )
        .await;
    assert_eq!(
        again.text, frozen.report_html,
        "the frozen report, byte for byte"
    );

    // Every recording audited, the corrected record kept in the correction's before image.
    let a = t
        .call(
            Some(&admin),
            Method::GET,
            &format!("/api/audit?entity=plan&entity_id={plan}"),
            None,
        )
        .await;
    let entries = a.json["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.contains("deliver"))
        .collect();
    assert_eq!(
        actions,
        [
            "plan.deliver_session",
            "plan.correct_delivery",
            "plan.deliver",
            "plan.correct_delivery",
            "plan.correct_delivery"
        ]
    );
    let correction = entries
        .iter()
        .find(|e| e["action"] == "plan.correct_delivery")
        .unwrap();
    assert_eq!(
        correction["before"]["delivery_records"][0]["injection_id"],
        "L"
    );
    assert_eq!(
        correction["after"]["delivery_records"][0]["correction_reason"],
        "assay time"
    );
}

/// Runs SQL on the test database directly (what the API never does): tampering and the like.
async fn raw(url: &str, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

both!(a_delivery_is_checked_against_the_approved_result);
async fn a_delivery_is_checked_against_the_approved_result(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let tech = t.login(Role::Technologist).await;
    let (plan, rv) = approved_demo(&t, &phys, &dr).await;
    let stored = t.store.plan(plan).await.unwrap().result_json;
    let mut result: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(result["injections"][0]["id"], "R");
    // The stored (approved) result says otherwise than the engine computes now, as after an
    // engine or settings change: the delivery is compared with the approved result.
    let intended = result["injections"][0]["with_ordered_vial"]["administered_activity_gbq"]
        .as_f64()
        .unwrap();
    result["injections"][0]["with_ordered_vial"]["administered_activity_gbq"] =
        json!(intended * 3.0);
    let set = |r: &Value| {
        format!(
            "UPDATE plans SET result_json = '{}' WHERE id = {plan}",
            r.to_string().replace('\'', "''")
        )
    };
    raw(url, &set(&result)).await;
    let body = json!({"row_version": rv, "session": "1", "treatments": [r_entry(json!({}))]});
    let path = format!("/api/plans/{plan}/deliver");
    let r = t
        .call(Some(&tech), Method::POST, &path, Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().starts_with(
            "field `treatments[0].confirm_reason`: expected a reason confirming a delivered activity -6"
        ),
        "{}",
        r.message()
    );
    assert!(
        r.message().contains(&format!(
            "from the approved plan's intended activity ({:.4} GBq;",
            intended * 3.0
        )),
        "{}",
        r.message()
    );
    // The ordered vial too: half the vial in the approved result, the 1.95 GBq assay is too much.
    result["injections"][0]["with_ordered_vial"]["administered_activity_gbq"] = json!(intended);
    let per_vial = result["injections"][0]["vial_order"]["vial_activity_at_calibration_gbq"]
        .as_f64()
        .unwrap();
    result["injections"][0]["vial_order"]["vial_activity_at_calibration_gbq"] =
        json!(per_vial / 2.0);
    raw(url, &set(&result)).await;
    let r = t
        .call(Some(&tech), Method::POST, &path, Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message()
            .starts_with("field `treatments[0].vial_activity`: expected at most "),
        "{}",
        r.message()
    );
    assert!(
        r.message().contains(&format!(
            "the ordered vial of the approved plan ({:.4} GBq at calibration",
            per_vial / 2.0
        )),
        "{}",
        r.message()
    );
    // As approved, the same delivery is recorded.
    raw(
        url,
        &format!(
            "UPDATE plans SET result_json = '{}' WHERE id = {plan}",
            stored.replace('\'', "''")
        ),
    )
    .await;
    let r = t.call(Some(&tech), Method::POST, &path, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

both!(a_stored_report_that_does_not_match_its_sha256_is_not_served);
async fn a_stored_report_that_does_not_match_its_sha256_is_not_served(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let tech = t.login(Role::Technologist).await;
    let (plan, rv) = approved_demo(&t, &phys, &dr).await;
    let r = t
        .call(
            Some(&tech),
            Method::POST,
            &format!("/api/plans/{plan}/deliver"),
            Some(json!({"row_version": rv, "session": "1", "treatments": [r_entry(json!({}))]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let get = |path: String| {
        let t = &t;
        let tech = &tech;
        async move { t.call(Some(tech), Method::GET, &path, None).await }
    };
    assert_eq!(
        get(format!("/api/plans/{plan}/report.html")).await.status,
        StatusCode::OK
    );
    // The database refuses to change them (append-only)...
    use sqlx::Connection;
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    for table in ["plan_frozen", "plan_delivery_addenda"] {
        let e = sqlx::raw_sql(&format!(
            "UPDATE {table} SET report_html = report_html || ' ' WHERE plan_id = {plan}"
        ))
        .execute(&mut c)
        .await
        .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
    c.close().await.unwrap();
    // ...so the tampering goes around the triggers, as someone with the database's files could.
    let postgres = url.starts_with("postgres");
    for (table, trigger) in [
        ("plan_frozen", "plan_frozen_no_update"),
        ("plan_delivery_addenda", "plan_delivery_addenda_no_update"),
    ] {
        let drop = if postgres {
            format!("DROP TRIGGER {trigger} ON {table}")
        } else {
            format!("DROP TRIGGER {trigger}")
        };
        raw(url, &drop).await;
        raw(
            url,
            &format!(
                "UPDATE {table} SET report_html = replace(report_html, 'Plan record', 'Plan recorb') WHERE plan_id = {plan}"
            ),
        )
        .await;
    }
    for path in [
        format!("/api/plans/{plan}/report.html"),
        format!("/api/plans/{plan}/report.pdf"),
        format!("/api/plans/{plan}/recompute-difference"),
    ] {
        let r = get(path.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path}: {}",
            r.text
        );
        assert_eq!(r.code(), "frozen_integrity", "{path}");
        assert!(
            r.message().starts_with(&format!(
                "plan {plan}: the report (HTML) frozen at approval does not match the SHA-256 recorded then (expected "
            )),
            "{}",
            r.message()
        );
        assert!(!r.text.contains("Plan recorb"));
    }
    let r = get(format!("/api/plans/{plan}/report/delivery")).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    assert_eq!(r.code(), "addendum_integrity");
    assert!(
        r.message().starts_with(&format!(
            "plan {plan}: delivery addendum 1 does not match the SHA-256 recorded with it"
        )),
        "{}",
        r.message()
    );
}
