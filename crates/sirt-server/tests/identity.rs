//! Identity of attached files (issue 14): a case file or a RECIST file of another patient is
//! refused with 422 naming every mismatching field, on creation, on PATCH and on the demo
//! import; a mismatch stored before the check blocks checking and approval; the demo data
//! match their case files. SQLite and PostgreSQL.

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
use common::{PASSWORD, Resp, Session, T, username};
use serde_json::{Value, json};
use sirt_server::identity::{DEMO_BIRTH_DATE, PHANTOM_BIRTH_DATE, mismatches};
use sirt_server::{Engine, Parameters};
use sirt_store::{Actor, Case, NewCase, NewPatient, Patient, PlanInputs, Role};

const DEMO: &str = sirt_planning::DEMO_CASE;
const RECIST: &str = include_str!("../../../examples/demo-recist.toml");

/// A patient (`POST /api/patients`) with one case of `indication`; returns the case id.
async fn patient_case(t: &T, s: &Session, patient: Value, indication: &str) -> i64 {
    let p = t
        .call(Some(s), Method::POST, "/api/patients", Some(patient))
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    let pid = p.json["id"].as_i64().unwrap();
    let c = t
        .call(
            Some(s),
            Method::POST,
            &format!("/api/patients/{pid}/cases"),
            Some(json!({"title": "t", "indication": indication})),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
    c.json["id"].as_i64().unwrap()
}

async fn post_plan(t: &T, s: &Session, case: i64, text: &str) -> Resp {
    t.call(
        Some(s),
        Method::POST,
        &format!("/api/cases/{case}/plans"),
        Some(json!({ "case_toml": text })),
    )
    .await
}

fn assert_refused(r: &Resp, fields: &[&str], absent: &[&str]) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "identity_mismatch", "{}", r.text);
    for f in fields {
        assert!(r.message().contains(f), "{f} not named in: {}", r.message());
    }
    for f in absent {
        assert!(!r.message().contains(f), "{f} named in: {}", r.message());
    }
}

both!(a_case_file_of_another_patient_is_refused);
async fn a_case_file_of_another_patient_is_refused(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;

    // The example: the demo case file (male, 53 y, NET, DEMO-NET-001) on a female HCC
    // patient born 1940 (86 at the first session, 2026-03-05).
    let hcc = patient_case(
        &t,
        &s,
        json!({"mrn": "HCC-1940", "name": "A", "birth_date": "1940-01-01", "sex": "female"}),
        "HCC",
    )
    .await;
    let r = post_plan(&t, &s, hcc, DEMO).await;
    assert_refused(
        &r,
        &[
            "case file [patient].id: expected \"HCC-1940\" (patient record MRN; no pseudonym recorded), found \"DEMO-NET-001\"",
            "case file [patient].sex: expected \"female\" (patient record), found \"male\"",
            "case file [patient].age: expected 86 ± 1 years (patient record: born 1940-01-01, 86 at the first treatment on 2026-03-05, session 1), found 53",
            "case file [diagnosis].indication: expected \"HCC\" (case record), found \"NET\"",
        ],
        &[],
    );
    assert!(t.store.plans_of_case(hcc).await.unwrap().is_empty());

    // The same file on its own patient, registered under another MRN with the file's
    // identifier as pseudonym: accepted; 54 at the first session is within ±1 year of 53.
    let own = patient_case(
        &t,
        &s,
        json!({"mrn": "MRN-77", "name": "B", "birth_date": "1972-02-01", "sex": "male",
               "pseudonym": "DEMO-NET-001"}),
        "net",
    )
    .await;
    let r = post_plan(&t, &s, own, DEMO).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let plan = r.json["id"].as_i64().unwrap();
    let rv = r.json["row_version"].as_i64().unwrap();

    // Two years off: only the age is named.
    let older = patient_case(
        &t,
        &s,
        json!({"mrn": "OLDER-1", "name": "C", "birth_date": "1970-03-06", "sex": "male"}),
        "NET",
    )
    .await;
    let r = post_plan(
        &t,
        &s,
        older,
        &DEMO.replace("id = \"DEMO-NET-001\"", "id = \"OLDER-1\""),
    )
    .await;
    assert_refused(
        &r,
        &["case file [patient].age: expected 55 ± 1 years"],
        &["[patient].id", "[patient].sex", "indication"],
    );

    // PATCH with a case file of another sex: refused, the plan unchanged.
    let female = DEMO.replace("sex = \"male\"", "sex = \"female\"");
    assert_ne!(female, DEMO);
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &format!("/api/plans/{plan}"),
            Some(json!({"row_version": rv, "case_toml": female})),
        )
        .await;
    assert_refused(
        &r,
        &["case file [patient].sex: expected \"male\" (patient record), found \"female\""],
        &["[patient].id", "age", "indication"],
    );
    let stored = t.store.plan(plan).await.unwrap();
    assert_eq!(stored.row_version, rv);
    assert_eq!(stored.case_toml, DEMO);
    // A parameter change of the matching plan goes through.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &format!("/api/plans/{plan}"),
            Some(json!({"row_version": rv, "parameters": {"residual_fraction": 0.05}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

both!(the_demo_import_onto_a_registered_patient_is_checked);
async fn the_demo_import_onto_a_registered_patient_is_checked(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    // The demo attaches to the patient registered under its identifier: one of another sex
    // and age is refused, nothing imported.
    let other = t
        .call(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": "DEMO-NET-001", "name": "D", "sex": "female", "birth_date": "1990-01-01"})),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    let r = t
        .call(Some(&s), Method::POST, "/api/demo/import", Some(json!({})))
        .await;
    assert_refused(
        &r,
        &["case file [patient].sex", "case file [patient].age"],
        &["[patient].id", "indication"],
    );
    let pid = other.json["id"].as_i64().unwrap();
    assert!(t.store.cases_of_patient(pid).await.unwrap().is_empty());
    assert_eq!(t.store.search_patients("", 100).await.unwrap().len(), 1);
}

both!(the_demo_patient_matches_its_case_file);
async fn the_demo_patient_matches_its_case_file(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let r = t
        .call(Some(&s), Method::POST, "/api/demo/import", Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["patient"]["birth_date"], DEMO_BIRTH_DATE);
    assert_eq!(r.json["patient"]["sex"], "male");
    let plan = r.json["plan"]["id"].as_i64().unwrap();
    // A second import attaches to the same patient: it matches too.
    let again = t
        .call(Some(&s), Method::POST, "/api/demo/import", Some(json!({})))
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.json["patient"]["id"], r.json["patient"]["id"]);
    // Checked and approved: the identity check lets the demo through.
    let c = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/plans/{plan}/check"),
            Some(json!({"row_version": 1, "password": PASSWORD})),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    let a = t
        .call(
            Some(&dr),
            Method::POST,
            &format!("/api/plans/{plan}/approve"),
            Some(json!({"row_version": c.json["row_version"], "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);

    // The phantom demo's patient as the import registers it, against its case file.
    let file = sirt_case::parse(sirt_planning::DEMO_PHANTOM_CASE, "phantom.toml").unwrap();
    let patient = Patient {
        id: 1,
        mrn: file.patient.id.clone(),
        name: "Phantom patient (synthetic)".into(),
        birth_date: Some(PHANTOM_BIRTH_DATE.into()),
        sex: file.patient.sex.clone(),
        pseudonym: None,
        created_at: String::new(),
    };
    let case = Case {
        id: 1,
        patient_id: 1,
        title: "t".into(),
        indication: file.diagnosis.indication.clone(),
        created_by: None,
        created_at: String::new(),
        updated_by: String::new(),
        updated_at: String::new(),
        row_version: 1,
    };
    let found = mismatches(&patient, &case, &file);
    assert!(found.is_empty(), "{found:?}");
    // ... and the check can fail: ten years older is named.
    let older = Patient {
        birth_date: Some("1953-08-20".into()),
        ..patient
    };
    assert_eq!(mismatches(&older, &case, &file).len(), 1);
}

both!(a_recist_file_of_another_patient_is_refused);
async fn a_recist_file_of_another_patient_is_refused(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let r = t
        .call(Some(&s), Method::POST, "/api/demo/import", Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let case = r.json["case"]["id"].as_i64().unwrap();
    let visits = format!("/api/cases/{case}/followups");
    let other = RECIST.replace("patient = \"DEMO-NET-001\"", "patient = \"HCC-1940\"");
    assert_ne!(other, RECIST);
    let anonymous = RECIST.replace("patient = \"DEMO-NET-001\"", "");
    for (text, found) in [
        (other, "found \"HCC-1940\""),
        (anonymous, "found no `patient` (the file names no patient)"),
        (
            "not [toml".to_owned(),
            "found no `patient` (the file does not read as TOML)",
        ),
    ] {
        let r = t
            .call(
                Some(&dr),
                Method::POST,
                &visits,
                Some(json!({"visit_date": "2026-06-02", "recist": text})),
            )
            .await;
        assert_refused(
            &r,
            &[
                "RECIST file patient: expected \"DEMO-NET-001\" (patient record MRN; no pseudonym recorded)",
                found,
            ],
            &["case file"],
        );
    }
    assert!(t.store.follow_ups(case).await.unwrap().is_empty());
    // Its own file and a visit without one are accepted; laboratory values carry no identity.
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &visits,
            Some(json!({"visit_date": "2026-06-02", "recist": RECIST})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &visits,
            Some(json!({"visit_date": "2026-07-02", "labs": {"bilirubin": "14 µmol/L"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(t.store.follow_ups(case).await.unwrap().len(), 2);
}

both!(a_stored_mismatch_blocks_check_and_approval);
async fn a_stored_mismatch_blocks_check_and_approval(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    // Data from before the check: the demo case file stored on a female HCC patient through
    // the store, which does not compare identities.
    let result = Engine::embedded()
        .unwrap()
        .compute(DEMO, &Parameters::default())
        .unwrap()
        .result
        .to_string();
    let (_, _, plan) = t
        .store
        .import_case(
            &Actor::system("migration"),
            &NewPatient {
                mrn: "HCC-1940".into(),
                name: "A".into(),
                birth_date: Some("1940-01-01".into()),
                sex: Some("female".into()),
                pseudonym: None,
            },
            &NewCase {
                patient_id: 0,
                title: "t".into(),
                indication: "HCC".into(),
            },
            &PlanInputs {
                case_toml: DEMO.into(),
                parameters_json: "{}".into(),
                result_json: result,
            },
        )
        .await
        .unwrap();
    let all = [
        "[patient].id",
        "[patient].sex",
        "[patient].age",
        "[diagnosis].indication",
    ];
    let r = t
        .call(
            Some(&s),
            Method::POST,
            &format!("/api/plans/{}/check", plan.id),
            Some(json!({"row_version": plan.row_version, "password": PASSWORD})),
        )
        .await;
    assert_refused(&r, &all, &[]);
    assert_eq!(t.store.plan(plan.id).await.unwrap(), plan);
    // Checked before the change (through the store): approval is refused too.
    let physicist = t
        .store
        .credentials(username(Role::Physicist))
        .await
        .unwrap()
        .unwrap()
        .user;
    let checked = t
        .store
        .check_plan(&Actor::user(&physicist), plan.id, plan.row_version)
        .await
        .unwrap();
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &format!("/api/plans/{}/approve", plan.id),
            Some(json!({"row_version": checked.row_version, "password": PASSWORD})),
        )
        .await;
    assert_refused(&r, &all, &[]);
    assert_eq!(t.store.plan(plan.id).await.unwrap(), checked);
}

both!(the_patient_record_takes_a_pseudonym_and_its_changes_are_checked);
async fn the_patient_record_takes_a_pseudonym_and_its_changes_are_checked(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    let viewer = t.login(Role::Viewer).await;
    let case = patient_case(&t, &s, json!({"mrn": "P-9", "name": "E"}), "NET").await;
    let pid = t.store.case(case).await.unwrap().patient_id;
    let path = format!("/api/patients/{pid}");
    let r = post_plan(&t, &s, case, DEMO).await;
    // A record with neither sex nor birth date: both asked for, beside the identifier.
    assert_refused(
        &r,
        &["[patient].id", "[patient].sex", "[patient].age"],
        &["indication"],
    );

    // The pseudonym, sex and birth date set afterwards: the file now belongs to the patient.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &path,
            Some(
                json!({"pseudonym": "DEMO-NET-001", "sex": "male", "birth_date": DEMO_BIRTH_DATE}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["pseudonym"], "DEMO-NET-001");
    assert_eq!(r.json["mrn"], "P-9");
    let r = post_plan(&t, &s, case, DEMO).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let plan = r.json["id"].as_i64().unwrap();

    // A later change of the record that contradicts the stored file blocks the check.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &path,
            Some(json!({"sex": "female"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let check = |rv: i64| {
        let t = &t;
        let s = &s;
        async move {
            t.call(
                Some(s),
                Method::POST,
                &format!("/api/plans/{plan}/check"),
                Some(json!({"row_version": rv, "password": PASSWORD})),
            )
            .await
        }
    };
    assert_refused(
        &check(1).await,
        &["case file [patient].sex: expected \"female\" (patient record), found \"male\""],
        &["[patient].id", "age", "indication"],
    );
    // Cleared (`null`): the sex is no longer known, so the file cannot be matched on it: still
    // refused, asking for it on the record; set back, the check goes through.
    let r = t
        .call(Some(&s), Method::PATCH, &path, Some(json!({"sex": null})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["sex"], Value::Null);
    assert_eq!(r.json["pseudonym"], "DEMO-NET-001", "left out: unchanged");
    assert_refused(
        &check(1).await,
        &[
            "case file [patient].sex: expected the sex on the patient record, to compare with (none recorded",
        ],
        &["[patient].id", "age", "indication"],
    );
    let r = t
        .call(Some(&s), Method::PATCH, &path, Some(json!({"sex": "male"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = check(1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // A pseudonym names one patient; nothing to change, the MRN, a bad sex: refused.
    let other = t
        .call(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": "P-10", "name": "F", "pseudonym": "DEMO-NET-001"})),
        )
        .await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.text);
    assert!(other.message().contains("pseudonym"), "{}", other.text);
    let other = t
        .call(
            Some(&s),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": "P-10", "name": "F"})),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    let other_path = format!("/api/patients/{}", other.json["id"]);
    // An identifier names one patient: another's MRN as pseudonym, another's pseudonym as
    // MRN (the demo import too, which would register DEMO-NET-001): 409 naming what exists.
    for (body, said) in [
        (
            json!({"mrn": "P-11", "name": "H", "pseudonym": "P-9"}),
            "patient with mrn `P-9` already exists",
        ),
        (
            json!({"mrn": "DEMO-NET-001", "name": "H"}),
            "patient with pseudonym `DEMO-NET-001` already exists",
        ),
    ] {
        let r = t
            .call(Some(&s), Method::POST, "/api/patients", Some(body))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert!(r.message().contains(said), "{}", r.text);
    }
    let r = t
        .call(Some(&s), Method::POST, "/api/demo/import", Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &other_path,
            Some(json!({"pseudonym": "P-9"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // Its own MRN as pseudonym is no clash.
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &other_path,
            Some(json!({"pseudonym": "P-10"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t
        .call(
            Some(&s),
            Method::PATCH,
            &other_path,
            Some(json!({"pseudonym": "DEMO-NET-001"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    for (body, field) in [
        (json!({}), "body"),
        (json!({"mrn": "X"}), "mrn"),
        (json!({"sex": "x"}), "sex"),
        (json!({"pseudonym": " "}), "pseudonym"),
    ] {
        let r = t.call(Some(&s), Method::PATCH, &path, Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.message().contains(field), "{field}: {}", r.text);
    }
    let r = t
        .call(
            Some(&viewer),
            Method::PATCH,
            &path,
            Some(json!({"name": "G"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // Each change audited with before and after.
    let rows = t
        .store
        .audit(&sirt_store::AuditQuery {
            entity: Some("patient".into()),
            entity_id: Some(pid.to_string()),
            before_id: None,
            limit: 100,
        })
        .await
        .unwrap();
    let updates: Vec<_> = rows
        .iter()
        .filter(|r| r.action == "patient.update")
        .collect();
    assert_eq!(updates.len(), 4);
    // Newest first: the sex set back, then cleared.
    assert_eq!(updates[0].before.as_ref().unwrap()["sex"], Value::Null);
    assert_eq!(updates[0].after.as_ref().unwrap()["sex"], "male");
    assert_eq!(updates[1].before.as_ref().unwrap()["sex"], "female");
    assert_eq!(updates[1].after.as_ref().unwrap()["sex"], Value::Null);
    assert_eq!(updates[1].username, username(Role::Physicist));
}

both!(a_case_file_without_sex_or_age_is_refused_when_the_record_has_them);
async fn a_case_file_without_sex_or_age_is_refused_when_the_record_has_them(url: &str) {
    let t = T::new(url).await;
    let s = t.login(Role::Physicist).await;
    // The demo case file without its sex and age: identifier and indication alone do not match
    // a patient whose record has a sex and a birth date.
    assert!(DEMO.contains("sex = \"male\"\n") && DEMO.contains("age = 53\n"));
    let bare = DEMO
        .replace("sex = \"male\"\n", "")
        .replace("age = 53\n", "");
    let case = patient_case(
        &t,
        &s,
        json!({"mrn": "DEMO-NET-001", "name": "A", "birth_date": DEMO_BIRTH_DATE, "sex": "male"}),
        "NET",
    )
    .await;
    let r = post_plan(&t, &s, case, &bare).await;
    assert_refused(
        &r,
        &[
            "case file [patient].sex: expected \"male\" (patient record), found none (the file does not state the patient's sex)",
            "case file [patient].age: expected the age at the first treatment (patient record: born 1972-09-14), found none (the file does not state the patient's age)",
        ],
        &["[patient].id", "[diagnosis].indication"],
    );
    assert!(t.store.plans_of_case(case).await.unwrap().is_empty());
    // Without the age only: the age alone is named; "unknown" is no sex.
    let no_age = DEMO.replace("age = 53\n", "");
    let r = post_plan(&t, &s, case, &no_age).await;
    assert_refused(&r, &["[patient].age"], &["[patient].sex"]);
    let unknown = DEMO.replace("sex = \"male\"\n", "sex = \"unknown\"\n");
    let r = post_plan(&t, &s, case, &unknown).await;
    assert_refused(
        &r,
        &[
            "case file [patient].sex: expected \"male\" (patient record), found \"unknown\" (not a sex the record can be compared with)",
        ],
        &["[patient].age"],
    );
    // With both, accepted.
    let r = post_plan(&t, &s, case, DEMO).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // A record without sex and birth date cannot be matched: they are entered on it first.
    let plain = patient_case(&t, &s, json!({"mrn": "P-2", "name": "B"}), "NET").await;
    let r = post_plan(&t, &s, plain, &DEMO.replace("DEMO-NET-001", "P-2")).await;
    assert_refused(
        &r,
        &[
            "case file [patient].sex: expected the sex on the patient record, to compare with (none recorded: enter it on the patient record first), found \"male\"",
            "case file [patient].age: expected a birth date on the patient record to compare with (none recorded: enter it on the patient record first), found 53",
        ],
        &["[patient].id", "[diagnosis].indication"],
    );
}

both!(only_physicians_and_physicists_change_a_patients_identity);
async fn only_physicians_and_physicists_change_a_patients_identity(url: &str) {
    let t = T::new(url).await;
    let tech = t.login(Role::Technologist).await;
    let phys = t.login(Role::Physicist).await;
    let p = t
        .call(
            Some(&tech),
            Method::POST,
            "/api/patients",
            Some(json!({"mrn": "T-1", "name": "A", "birth_date": "1950-01-01", "sex": "female"})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    let path = format!("/api/patients/{}", p.json["id"]);
    for change in [
        json!({"sex": "male"}),
        json!({"birth_date": null}),
        json!({"pseudonym": "X-9", "name": "B"}),
    ] {
        let r = t
            .call(Some(&tech), Method::PATCH, &path, Some(change.clone()))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{change}: {}", r.text);
        assert!(
            r.message()
                .starts_with("edit_patient_identity: the role technologist may not change `"),
            "{}",
            r.message()
        );
        assert!(
            r.message()
                .ends_with("(allowed: physician, physicist); nothing was changed")
        );
    }
    let after = t
        .store
        .patient(p.json["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (
            after.name.as_str(),
            after.sex.as_deref(),
            after.birth_date.as_deref(),
            after.pseudonym
        ),
        ("A", Some("female"), Some("1950-01-01"), None)
    );
    // The name is not an identity field: the technologist changes it.
    let r = t
        .call(
            Some(&tech),
            Method::PATCH,
            &path,
            Some(json!({"name": "A. Smith"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The physicist changes the identity.
    let r = t
        .call(
            Some(&phys),
            Method::PATCH,
            &path,
            Some(json!({"sex": "male", "pseudonym": "X-9"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["sex"], "male");
    // The session tells the pages who may.
    let s = t.call(Some(&tech), Method::GET, "/api/session", None).await;
    assert!(
        !s.json["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("edit_patient_identity"))
    );
    let s = t.call(Some(&phys), Method::GET, "/api/session", None).await;
    assert!(
        s.json["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("edit_patient_identity"))
    );
}
