//! The follow-up page's assessments over the API: CTCAE v5.0 grades of the visits' laboratory
//! values with day 0 from the recorded treatment, checked against the CTCAE v5.0 criteria for
//! the example patient's values and against `sirtplan labs` on the same values written as a
//! patient record (`examples/demo-patient.toml`); a delivery instant without zone refused; a
//! value that does not read refused (422 naming the field, nothing stored), and one stored
//! before values were checked (a legacy row) left out of the grading and named, the grades of
//! the other values unchanged. SQLite and PostgreSQL.

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
use common::{PASSWORD, T};
use serde_json::{Value, json};
use sirt_store::Role;

const PATIENT: &str = include_str!("../../../examples/demo-patient.toml");

fn to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => json!(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => json!(b),
        other => panic!("unexpected lab value {other:?}"),
    }
}

both!(visit_labs_are_graded_as_the_cli_grades_the_record);
async fn visit_labs_are_graded_as_the_cli_grades_the_record(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    // The analytic demo (session 1 on 2026-03-05, the example patient's treatment date),
    // checked, approved and delivered.
    let demo = t
        .call(
            Some(&phys),
            Method::POST,
            "/api/demo/import",
            Some(json!({})),
        )
        .await;
    let case = demo.json["case"]["id"].as_i64().unwrap();
    let plan = demo.json["plan"]["id"].as_i64().unwrap();
    let check = t
        .call(
            Some(&phys),
            Method::POST,
            &format!("/api/plans/{plan}/check"),
            Some(json!({"row_version": 1, "password": PASSWORD})),
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text);
    let rv = check.json["row_version"].as_i64().unwrap();
    let approve = t
        .call(
            Some(&dr),
            Method::POST,
            &format!("/api/plans/{plan}/approve"),
            Some(json!({"row_version": rv, "password": PASSWORD})),
        )
        .await;
    assert_eq!(approve.status, StatusCode::OK, "{}", approve.text);
    let rv = approve.json["row_version"].as_i64().unwrap();
    // A delivery instant must carry its zone.
    let bad = t
        .call(
            Some(&dr),
            Method::POST,
            &format!("/api/plans/{plan}/deliver"),
            Some(json!({"row_version": rv, "session": "1", "treatments": [{"injection_id": "R", "administered_at": "2026-03-05 10:25", "vial_activity": "1.9219528 GBq", "vial_assayed_at": "2026-03-05T10:25:00[Europe/Paris]", "residual": "0.09 GBq", "residual_measured_at": "2026-03-05T11:05:00[Europe/Paris]", "catheter_position": "right hepatic artery"}]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(
        bad.message().contains("treatments[0].administered_at"),
        "{}",
        bad.message()
    );
    let deliver = t
        .call(
            Some(&dr),
            Method::POST,
            &format!("/api/plans/{plan}/deliver"),
            Some(json!({"row_version": rv, "session": "1", "treatments": [{"injection_id": "R", "administered_at": "2026-03-05T10:25:00[Europe/Paris]", "vial_activity": "1.9219528 GBq", "vial_assayed_at": "2026-03-05T10:25:00[Europe/Paris]", "residual": "0.09 GBq", "residual_measured_at": "2026-03-05T11:05:00[Europe/Paris]", "catheter_position": "right hepatic artery"}]})),
        )
        .await;
    assert_eq!(deliver.status, StatusCode::OK, "{}", deliver.text);

    // The example patient's [[labs]] as visits; its reference ranges and anticoagulation status
    // on the first visit.
    let record: toml::Table = toml::from_str(PATIENT).unwrap();
    let ranges: serde_json::Map<String, Value> = record["reference_ranges"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), to_json(v)))
        .collect();
    let anticoagulated = record["clinical"]["anticoagulated"].as_bool().unwrap();
    for (i, labs) in record["labs"].as_array().unwrap().iter().enumerate() {
        let mut m = serde_json::Map::new();
        let mut date = String::new();
        for (k, v) in labs.as_table().unwrap() {
            if k == "date" {
                date = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            } else {
                m.insert(k.clone(), to_json(v));
            }
        }
        if i == 0 {
            m.insert("reference_ranges".into(), Value::Object(ranges.clone()));
            m.insert("anticoagulated".into(), json!(anticoagulated));
        }
        let r = t
            .call(
                Some(&dr),
                Method::POST,
                &format!("/api/cases/{case}/followups"),
                Some(json!({"visit_date": date, "labs": Value::Object(m)})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let fu = t
        .call(
            Some(&phys),
            Method::GET,
            &format!("/api/cases/{case}/followups"),
            None,
        )
        .await;
    assert_eq!(fu.status, StatusCode::OK);
    let labs = &fu.json["labs"];
    assert!(labs["error"].is_null(), "{}", labs["error"]);
    assert_eq!(labs["treatment_date"], "2026-03-05");

    let worst = |name: &str| -> (u64, i64) {
        let track = labs["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name}"));
        (
            track["worst_after"]["grade"].as_u64().unwrap(),
            track["worst_after"]["day"].as_i64().unwrap(),
        )
    };
    // CTCAE v5.0 (baseline normal): bilirubin 1.5 mg/dL with ULN 1.2 is 1.25 × ULN → grade 1
    // (> ULN – 1.5 × ULN); ALT 140 U/L with ULN 45 is 3.1 × ULN → grade 2 (> 3.0 – 5.0 × ULN);
    // AST 95 U/L with ULN 40 is 2.4 × ULN → grade 1 (> ULN – 3.0 × ULN). Day 28 = 2026-04-02.
    assert_eq!(worst("Blood bilirubin increased"), (1, 28));
    assert_eq!(worst("Alanine aminotransferase increased"), (2, 28));
    assert_eq!(worst("Aspartate aminotransferase increased"), (1, 28));
    // ALP over an abnormal baseline (148 U/L, ULN 120): 290 and 160 U/L lie between the ULN and
    // CTCAE v5.0's "2.0 - 2.5 x baseline if baseline was abnormal" grade 1: not gradable, with
    // the cause, never grade 0.
    let alp = labs["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Alkaline phosphatase increased")
        .unwrap();
    assert!(alp["worst_after"].is_null(), "{alp}");
    let after: Vec<&Value> = alp["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["phase"] == "after")
        .collect();
    assert_eq!(after.len(), 2, "{alp}");
    for p in after {
        assert_eq!(p["grade"]["status"], "not_gradable", "{p}");
        assert_eq!(p["grade"]["cause"], "below_abnormal_baseline_grade1", "{p}");
    }
    assert!(
        labs["text"]
            .as_str()
            .unwrap()
            .contains("290 U/L             not gradable (baseline ALP 148 was above the ULN 120"),
        "{}",
        labs["text"]
    );

    // The same values as the CLI grades them from the patient record itself.
    let cli = sirt_clinical::grade_labs(
        &sirt_clinical::PatientRecord::from_toml(PATIENT, "demo-patient.toml").unwrap(),
        sirt_clinical::CtcaeVersion::V5_0,
    )
    .unwrap();
    let cli = serde_json::to_value(&cli).unwrap();
    for key in ["tracks", "braat", "treatment_date", "anticoagulated"] {
        assert_eq!(labs[key], cli[key], "{key}");
    }
    // REILD: the same verdict; the visits record no ascites (the record's `clinical.ascites`
    // and observations are not visit fields), which the reasons say instead of assuming none.
    assert_eq!(labs["reild"]["status"], cli["reild"]["status"]);
    assert!(
        labs["reild"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "ascites: baseline ascites not recorded"),
        "{}",
        labs["reild"]
    );

    // A value that does not read is refused naming the field; nothing is stored.
    let visits_before = t.store.follow_ups(case).await.unwrap().len();
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &format!("/api/cases/{case}/followups"),
            Some(json!({"visit_date": "2026-08-01", "labs": {"bilirubin": "1.5 mmol/L"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.message().starts_with("field `labs.bilirubin`: expected")
            && r.message().contains("\"1.5 mmol/L\" (unit \"mmol/L\""),
        "{}",
        r.message()
    );
    assert_eq!(t.store.follow_ups(case).await.unwrap().len(), visits_before);

    // The same value stored before values were checked (a legacy row, written here behind the
    // API's back) is shown as stored, left out of the grading and named with its visit; the
    // grades of the other values stay those of the CLI.
    let actor = sirt_store::Actor::system("legacy");
    t.store
        .add_follow_up(
            &actor,
            &sirt_store::NewFollowUp {
                case_id: case,
                visit_date: "2026-08-01".into(),
                labs_json: r#"{"bilirubin": "1.5 mmol/L"}"#.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let fu = t
        .call(
            Some(&phys),
            Method::GET,
            &format!("/api/cases/{case}/followups"),
            None,
        )
        .await;
    assert_eq!(fu.status, StatusCode::OK);
    let legacy = fu.json["follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["visit_date"] == "2026-08-01")
        .unwrap();
    assert_eq!(legacy["labs"]["bilirubin"], "1.5 mmol/L");
    assert_eq!(legacy["unreadable_labs"], json!(["labs.bilirubin"]));
    let labs = &fu.json["labs"];
    assert!(labs["error"].is_null(), "{labs}");
    let not_graded = labs["not_graded"].as_array().unwrap();
    assert_eq!(not_graded.len(), 1, "{labs}");
    let e = not_graded[0].as_str().unwrap();
    assert!(
        e.starts_with("visit of 2026-08-01: field `labs.bilirubin`:") && e.contains("mmol/L"),
        "{e}"
    );
    for key in ["tracks", "braat", "treatment_date", "anticoagulated"] {
        assert_eq!(labs[key], cli[key], "{key}");
    }
}
