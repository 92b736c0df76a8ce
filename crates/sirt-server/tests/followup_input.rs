//! Follow-up input is typed (issue 15): a visit's laboratory values are quantities with units
//! read by `sirt-units`' parser, under the keys of a patient record's `[[labs]]`, and an adverse
//! event's term is one of the CTCAE v5.0 terms of `sirt-clinical`'s list; anything else is 422
//! naming the field and nothing is stored. Values entered in conventional and SI units read back
//! as the numbers a hand conversion gives; the example patient's values written in SI units are
//! graded as the CLI grades the same record, with the grades a hand reading of CTCAE v5.0 gives;
//! rows stored before these checks (legacy rows) still display. SQLite and PostgreSQL.

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
use sirt_store::Role;

const PATIENT: &str = include_str!("../../../examples/demo-patient.toml");

/// µmol/L of bilirubin in 1 mg/dL by hand: 10 mg/L ÷ 584.66 g/mol (molar mass of bilirubin
/// IXα, C₃₃H₃₆N₄O₆, PubChem CID 5280352) = 17.1039 µmol/L; the SI conversion tables round it to
/// 17.1 (so 1.0 mg/dL = 17.1 µmol/L).
const BILIRUBIN_UMOL_PER_MG_DL_BY_HAND: f64 = 10.0 / 584.66 * 1000.0;

/// The demo case imported, checked, approved and its session 1 delivered on 2026-03-05 (day 0
/// of the example patient): its case id.
async fn delivered_demo(t: &T, phys: &Session, dr: &Session) -> i64 {
    let demo = t
        .call(
            Some(phys),
            Method::POST,
            "/api/demo/import",
            Some(json!({})),
        )
        .await;
    let case = demo.json["case"]["id"].as_i64().unwrap();
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
    let rv = check.json["row_version"].as_i64().unwrap();
    let approve = t
        .call(
            Some(dr),
            Method::POST,
            &format!("/api/plans/{plan}/approve"),
            Some(json!({"row_version": rv, "password": PASSWORD})),
        )
        .await;
    assert_eq!(approve.status, StatusCode::OK, "{}", approve.text);
    let rv = approve.json["row_version"].as_i64().unwrap();
    let deliver = t
        .call(
            Some(dr),
            Method::POST,
            &format!("/api/plans/{plan}/deliver"),
            Some(json!({"row_version": rv, "session": "1", "treatments": [{"injection_id": "R", "administered_at": "2026-03-05T10:25:00[Europe/Paris]", "vial_activity": "1.9219528 GBq", "vial_assayed_at": "2026-03-05T10:25:00[Europe/Paris]", "residual": "0.09 GBq", "residual_measured_at": "2026-03-05T11:05:00[Europe/Paris]", "catheter_position": "right hepatic artery"}]})),
        )
        .await;
    assert_eq!(deliver.status, StatusCode::OK, "{}", deliver.text);
    case
}

fn to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => json!(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => json!(b),
        other => panic!("unexpected lab value {other:?}"),
    }
}

/// The `[[labs]]` of a record as visit bodies, the reference ranges and anticoagulation status
/// on the first.
fn visits_of(record_text: &str) -> Vec<Value> {
    let record: toml::Table = toml::from_str(record_text).unwrap();
    let ranges: serde_json::Map<String, Value> = record["reference_ranges"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), to_json(v)))
        .collect();
    let anticoagulated = record["clinical"]["anticoagulated"].as_bool().unwrap();
    let mut out = Vec::new();
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
        out.push(json!({"visit_date": date, "labs": Value::Object(m)}));
    }
    out
}

/// The rows of the audit log about `entity`.
async fn audit_rows(t: &T, entity: &str) -> usize {
    let admin = t.login(Role::Admin).await;
    let r = t
        .call(
            Some(&admin),
            Method::GET,
            &format!("/api/audit?entity={entity}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["entries"].as_array().unwrap().len()
}

both!(lab_values_are_typed_quantities_and_anything_else_is_refused);
async fn lab_values_are_typed_quantities_and_anything_else_is_refused(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let r = t
        .call(Some(&phys), Method::POST, "/api/demo/import", None)
        .await;
    let case = r.json["case"]["id"].as_i64().unwrap();
    let visits = format!("/api/cases/{case}/followups");

    // The reproduction: HTML where a number belongs is refused naming the field, saying what
    // was expected and quoting what was found.
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &visits,
            Some(json!({"visit_date": "2026-04-02", "labs": {"bilirubin": "<b>1</b> mg/dL"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "invalid");
    assert_eq!(
        r.message(),
        "field `labs.bilirubin`: expected a number with a unit such as \"1.2 mg/dL\" or \
         \"20 µmol/L\" (units: mg/dL, mg/dl, µmol/L, umol/L), found \"<b>1</b> mg/dL\" (it does \
         not start with a number)"
    );

    // Every other refusal names its field.
    for (labs, field, found) in [
        (
            json!({"bilirubin_umol_l": 14}),
            "field `labs`: expected one of the keys bilirubin, albumin, inr, platelets, \
             leukocytes, granulocytes, creatinine, sodium, gfr, ast, alt, alp, ggt, \
             reference_ranges, anticoagulated",
            "the key \"bilirubin_umol_l\"",
        ),
        (
            json!({"albumin": 38}),
            "field `labs.albumin`",
            "the bare number 38",
        ),
        (
            json!({"albumin": "38"}),
            "field `labs.albumin`",
            "the bare number \"38\"",
        ),
        (
            json!({"creatinine": "1.5 mmol/L"}),
            "field `labs.creatinine`",
            "(unit \"mmol/L\" is not one of them)",
        ),
        (
            json!({"platelets": "-5 10^9/L"}),
            "field `labs.platelets`",
            "negative",
        ),
        (
            json!({"inr": "1.1 s"}),
            "field `labs.inr`: expected an INR: a number without unit such as \"1.1\"",
            "\"1.1 s\"",
        ),
        (json!({"alt": null}), "field `labs.alt`", "null"),
        (
            json!({"alt": true}),
            "field `labs.alt`",
            "the yes/no value true",
        ),
        (
            json!({"alt": {"value": 1}}),
            "field `labs.alt`",
            "an object",
        ),
        (
            json!({"reference_ranges": {"alt_uln": "45"}}),
            "field `labs.reference_ranges.alt_uln`",
            "the bare number \"45\"",
        ),
        (
            json!({"reference_ranges": {"alt": "45 U/L"}}),
            "field `labs.reference_ranges`: expected one of the keys bilirubin_uln, ast_uln",
            "the key \"alt\"",
        ),
        (
            json!({"anticoagulated": "no"}),
            "field `labs.anticoagulated`: expected true or false",
            "\"no\"",
        ),
        (json!([1, 2]), "field `labs`", "a list"),
        (json!("1 mg/dL"), "field `labs`", "\"1 mg/dL\""),
    ] {
        let r = t
            .call(
                Some(&dr),
                Method::POST,
                &visits,
                Some(json!({"visit_date": "2026-04-02", "labs": labs})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{labs}: {}",
            r.text
        );
        assert!(
            r.message().starts_with(field) && r.message().contains(found),
            "{labs}: {}",
            r.message()
        );
    }
    // Arbitrary text where a value belongs: stored typed or refused, never a server error.
    let samples = [
        "",
        " ",
        "1",
        "1e308 µkat/L",
        "1e309 mg/dL",
        "NaN mg/dL",
        "inf U/L",
        "0x10 U/L",
        "1,2 mg/dL",
        "1.2.3 mg/dL",
        "1.2 mg/dL mg/dL",
        "١٢ mg/dL",
        "1.2\u{0} mg/dL",
        "1.2 MG/DL",
        "\u{202e}1 U/L",
        "<script>alert(1)</script>",
        "'; DROP TABLE follow_ups; --",
        "1.2 mg/dL\n",
    ];
    let mut accepted = Vec::new();
    for s in samples {
        let r = t
            .call(
                Some(&dr),
                Method::POST,
                &visits,
                Some(json!({"visit_date": "2026-04-02", "labs": {"ast": s, "bilirubin": s}})),
            )
            .await;
        match r.status {
            StatusCode::CREATED => accepted.push(s),
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert!(r.message().starts_with("field `labs."), "{s:?}: {}", r.text);
            }
            other => panic!("{s:?}: {other} {}", r.text),
        }
    }
    // Only "1.2 mg/dL\n" reads (white space around is trimmed): for AST it is not an enzyme
    // unit, so the visit is refused too.
    assert!(accepted.is_empty(), "{accepted:?}");
    // Nothing of the refused visits was stored or audited.
    assert!(t.store.follow_ups(case).await.unwrap().is_empty());
    assert_eq!(audit_rows(&t, "follow_up").await, 0);

    // Accepted in both unit systems: the conventional values on one visit, the same in SI units
    // (or written otherwise) on another.
    let conventional = json!({"bilirubin": "1.0 mg/dL", "albumin": "3.8 g/dL",
        "creatinine": "1 mg/dL", "platelets": "150 10^9/L", "alt": "60 U/L", "inr": 1.1,
        "reference_ranges": {"bilirubin_uln": "1.2 mg/dL"}, "anticoagulated": false});
    let si = json!({"bilirubin": "17.1 µmol/L", "albumin": "38 g/L",
        "creatinine": "88.4 µmol/L", "platelets": "150000 /µL", "alt": "1 µkat/L", "inr": "1.1",
        "reference_ranges": {"bilirubin_uln": "20.5 µmol/L"}});
    for (date, labs) in [("2026-04-02", &conventional), ("2026-04-03", &si)] {
        let r = t
            .call(
                Some(&dr),
                Method::POST,
                &visits,
                Some(json!({"visit_date": date, "labs": labs})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.json["unreadable_labs"], json!([]));
    }
    let fu = t.call(Some(&phys), Method::GET, &visits, None).await;
    assert_eq!(fu.status, StatusCode::OK);
    let (a, b) = (
        &fu.json["follow_ups"][0]["labs"],
        &fu.json["follow_ups"][1]["labs"],
    );
    // Shown as entered: the number and the unit typed.
    assert_eq!(
        (&b["bilirubin"]["value"], &b["bilirubin"]["unit"]),
        (&json!(17.1), &json!("µmol/L"))
    );
    assert_eq!(
        (&b["platelets"]["value"], &b["platelets"]["unit"]),
        (&json!(150000.0), &json!("/µL"))
    );
    assert_eq!(
        b["inr"],
        json!({"value": 1.1, "unit": "", "normalised": {"value": 1.1, "unit": ""}})
    );
    assert_eq!(a["anticoagulated"], false);
    // Normalised as a hand conversion gives.
    let n = |v: &Value, key: &str| v[key]["normalised"]["value"].as_f64().unwrap();
    let unit = |v: &Value, key: &str| v[key]["normalised"]["unit"].as_str().unwrap().to_owned();
    // Bilirubin 17.1 µmol/L = 17.1 ÷ 17.1039 = 0.99977 mg/dL (1.0 mg/dL with the rounded 17.1).
    assert!((n(b, "bilirubin") - 17.1 / BILIRUBIN_UMOL_PER_MG_DL_BY_HAND).abs() < 1e-5);
    assert!((n(b, "bilirubin") - 1.0).abs() < 3e-4);
    assert_eq!(n(a, "bilirubin"), 1.0);
    assert_eq!(unit(b, "bilirubin"), "mg/dL");
    // 20.5 µmol/L = 1.1986 mg/dL (the ULN 1.2 mg/dL of the other visit, rounded in SI).
    assert!(
        (b["reference_ranges"]["bilirubin_uln"]["normalised"]["value"]
            .as_f64()
            .unwrap()
            - 20.5 / BILIRUBIN_UMOL_PER_MG_DL_BY_HAND)
            .abs()
            < 1e-5
    );
    // Albumin 3.8 g/dL = 38 g/L (1 dL = 0.1 L).
    assert!((n(a, "albumin") - 38.0).abs() < 1e-12 && n(b, "albumin") == 38.0);
    assert_eq!(unit(a, "albumin"), "g/L");
    // Creatinine 88.4 µmol/L = 1 mg/dL: 10 mg/L ÷ 113.12 g/mol (creatinine) = 88.40 µmol/L.
    assert!((n(b, "creatinine") - 88.4 / (10.0 / 113.12 * 1000.0)).abs() < 1e-4);
    // 150 000 /µL = 150 × 10⁹/L (1 L = 10⁶ µL).
    assert!((n(b, "platelets") - 150.0).abs() < 1e-9 && n(a, "platelets") == 150.0);
    // ALT 1 µkat/L = 60 U/L (1 U = 1 µmol/min = 1/60 µkat).
    assert_eq!((n(a, "alt"), n(b, "alt")), (60.0, 60.0));
    // What the database holds: these objects, not the text typed.
    let stored: Vec<Value> = t
        .store
        .follow_ups(case)
        .await
        .unwrap()
        .iter()
        .map(|f| serde_json::from_str(&f.labs_json).unwrap())
        .collect();
    assert_eq!(&stored[1], b);
    assert_eq!(&stored[0], a);
    assert!(
        !stored[1].to_string().contains("17.1 µmol/L"),
        "{}",
        stored[1]
    );

    // Graded alike: both visits' bilirubin is below its ULN (grade 0, no treatment recorded, so
    // against the reference range only), whatever the units.
    let labs = &fu.json["labs"];
    let bili = labs["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Blood bilirubin increased")
        .unwrap();
    let grades: Vec<&Value> = bili["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["grade"]["grade"])
        .collect();
    assert_eq!(grades, [&json!(0), &json!(0)], "{bili}");
    assert_eq!(labs["not_graded"], json!([]));
}

both!(si_values_are_graded_as_the_cli_grades_the_same_record);
async fn si_values_are_graded_as_the_cli_grades_the_same_record(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let case = delivered_demo(&t, &phys, &dr).await;
    // The example patient's laboratory values in SI units (bilirubin × 17.104 µmol/L per mg/dL,
    // the enzymes ÷ 60 in µkat/L, platelets × 1000 per µL, albumin ÷ 10 in g/dL).
    let mut record = PATIENT.to_owned();
    for (from, to) in [
        (
            "bilirubin = \"0.7 mg/dL\"",
            "bilirubin = \"11.9728 µmol/L\"",
        ),
        ("bilirubin = \"1.5 mg/dL\"", "bilirubin = \"25.656 µmol/L\""),
        (
            "bilirubin = \"0.9 mg/dL\"",
            "bilirubin = \"15.3936 µmol/L\"",
        ),
        (
            "bilirubin_uln = \"1.2 mg/dL\"",
            "bilirubin_uln = \"20.5248 µmol/L\"",
        ),
        ("alt = \"140 U/L\"", "alt = \"2.3333 µkat/L\""),
        ("alt_uln = \"45 U/L\"", "alt_uln = \"0.75 µkat/L\""),
        ("ast = \"95 U/L\"", "ast = \"1.5833 µkat/L\""),
        ("ast_uln = \"40 U/L\"", "ast_uln = \"0.6667 µkat/L\""),
        ("platelets = \"140 10^9/L\"", "platelets = \"140000 /µL\""),
        ("albumin = \"36 g/L\"", "albumin = \"3.6 g/dL\""),
    ] {
        assert!(record.contains(from), "{from}");
        record = record.replace(from, to);
    }
    for body in visits_of(&record) {
        let r = t
            .call(
                Some(&dr),
                Method::POST,
                &format!("/api/cases/{case}/followups"),
                Some(body),
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
    let labs = &fu.json["labs"];
    assert!(labs["error"].is_null(), "{labs}");
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
    // CTCAE v5.0 by hand, in SI units: bilirubin 25.656 / 20.5248 µmol/L = 1.25 × ULN → grade 1;
    // ALT 2.3333 / 0.75 µkat/L = 3.11 × ULN → grade 2; AST 1.5833 / 0.6667 = 2.37 × ULN → grade
    // 1. Day 28 = 2026-04-02. The same grades as the record in conventional units.
    assert_eq!(worst("Blood bilirubin increased"), (1, 28));
    assert_eq!(worst("Alanine aminotransferase increased"), (2, 28));
    assert_eq!(worst("Aspartate aminotransferase increased"), (1, 28));
    // Shown in the units entered.
    let bili = labs["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Blood bilirubin increased")
        .unwrap();
    assert!(
        bili["points"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["value"] == "25.656 µmol/L"),
        "{bili}"
    );
    // As the CLI grades the same record.
    let cli = sirt_clinical::grade_labs(
        &sirt_clinical::PatientRecord::from_toml(&record, "demo-patient-si.toml").unwrap(),
        sirt_clinical::CtcaeVersion::V5_0,
    )
    .unwrap();
    let cli = serde_json::to_value(&cli).unwrap();
    for key in ["tracks", "braat", "treatment_date", "anticoagulated"] {
        assert_eq!(labs[key], cli[key], "{key}");
    }
}

both!(ctcae_terms_come_from_the_list);
async fn ctcae_terms_come_from_the_list(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let dr = t.login(Role::Physician).await;
    let viewer = t.login(Role::Viewer).await;
    let r = t
        .call(Some(&phys), Method::POST, "/api/demo/import", None)
        .await;
    let case = r.json["case"]["id"].as_i64().unwrap();
    let tox = format!("/api/cases/{case}/toxicities");

    // Free text is refused naming the field and pointing at the list; nothing stored.
    for (term, found) in [
        ("feeling bad", "found \"feeling bad\""),
        (
            "stomach pain",
            "found \"stomach pain\" (listed terms with its words: \"Abdominal pain\", \"Hepatic \
             pain\")",
        ),
        (
            "<b>Fatigue</b>",
            "found \"<b>Fatigue</b>\" (listed terms with its words: \"Fatigue\")",
        ),
        (
            "Fatigue\u{0}",
            "found \"Fatigue\\0\" (listed terms with its words: \"Fatigue\")",
        ),
    ] {
        let r = t
            .call(
                Some(&dr),
                Method::POST,
                &tox,
                Some(json!({"term": term, "grade": 2})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(
            r.message().starts_with(
                "field `term`: expected a CTCAE v5.0 term of the list (the `terms` of GET \
                 /api/cases/{id}/toxicities, the form's list), such as \"Fatigue\" or \
                 \"Abdominal pain\", "
            ) && r.message().ends_with(found),
            "{}",
            r.message()
        );
    }
    assert!(t.store.toxicities(case).await.unwrap().is_empty());
    assert_eq!(audit_rows(&t, "toxicity").await, 0);

    // The list: CTCAE v5.0, every term graded from laboratory values among them.
    let r = t.call(Some(&viewer), Method::GET, &tox, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["ctcae_version"], "5.0");
    let terms: Vec<&str> = r.json["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    for lab in sirt_clinical::LabTerm::ALL {
        assert!(terms.contains(&lab.name()), "{}", lab.name());
    }
    assert!(terms.contains(&"Fatigue") && terms.contains(&"Pneumonitis"));
    assert_eq!(
        r.json["terms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["term"] == "Gastric ulcer")
            .unwrap()["soc"],
        "Gastrointestinal disorders"
    );

    // A listed term, letter case aside, is stored as CTCAE spells it.
    let r = t
        .call(
            Some(&dr),
            Method::POST,
            &tox,
            Some(json!({"term": " fatigue ", "grade": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["term"], "Fatigue");
    let r = t.call(Some(&viewer), Method::GET, &tox, None).await;
    assert_eq!(r.json["toxicities"][0]["term"], "Fatigue");
    assert_eq!(r.json["toxicities"][0]["term_listed"], true);
}

both!(rows_stored_before_the_checks_still_display);
async fn rows_stored_before_the_checks_still_display(url: &str) {
    let t = T::new(url).await;
    let phys = t.login(Role::Physicist).await;
    let viewer = t.login(Role::Viewer).await;
    let r = t
        .call(Some(&phys), Method::POST, "/api/demo/import", None)
        .await;
    let case = r.json["case"]["id"].as_i64().unwrap();
    // Written behind the API's back, as the server stored them before values and terms were
    // checked.
    let actor = sirt_store::Actor::system("legacy");
    let legacy = r#"{"bilirubin": "<b>1</b> mg/dL", "alt": "140 U/L", "bilirubin_umol_l": 14,
        "reference_ranges": {"alt_uln": "45 U/L"}}"#;
    let f = t
        .store
        .add_follow_up(
            &actor,
            &sirt_store::NewFollowUp {
                case_id: case,
                visit_date: "2026-04-02".into(),
                labs_json: legacy.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.store
        .add_toxicity(
            &actor,
            &sirt_store::NewToxicity {
                case_id: case,
                follow_up_id: Some(f.id),
                term: "feeling bad".into(),
                grade: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // The visit displays as stored, the values that do not read named; the one that reads is
    // graded (ALT 140 / 45 U/L = 3.1 × ULN → grade 2, CTCAE v5.0 "> 3.0 - 5.0 x ULN").
    let fu = t
        .call(
            Some(&viewer),
            Method::GET,
            &format!("/api/cases/{case}/followups"),
            None,
        )
        .await;
    assert_eq!(fu.status, StatusCode::OK, "{}", fu.text);
    let v = &fu.json["follow_ups"][0];
    assert_eq!(v["labs"]["bilirubin"], "<b>1</b> mg/dL");
    assert_eq!(v["labs"]["bilirubin_umol_l"], 14);
    assert_eq!(
        v["unreadable_labs"],
        json!(["labs.bilirubin", "labs.bilirubin_umol_l"])
    );
    let labs = &fu.json["labs"];
    let alt = labs["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Alanine aminotransferase increased")
        .unwrap();
    assert_eq!(alt["points"][0]["grade"]["grade"], 2, "{alt}");
    let not_graded: Vec<&str> = labs["not_graded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(not_graded.len(), 2, "{not_graded:?}");
    assert!(
        not_graded[0].starts_with("visit of 2026-04-02: field `labs.bilirubin`: expected")
            && not_graded[0].contains("\"<b>1</b> mg/dL\""),
        "{not_graded:?}"
    );
    assert!(
        not_graded[1].starts_with("visit of 2026-04-02: field `labs.bilirubin_umol_l`"),
        "{not_graded:?}"
    );

    // The adverse event displays as stored, marked as not a term of the list.
    let r = t
        .call(
            Some(&viewer),
            Method::GET,
            &format!("/api/cases/{case}/toxicities"),
            None,
        )
        .await;
    assert_eq!(r.json["toxicities"][0]["term"], "feeling bad");
    assert_eq!(r.json["toxicities"][0]["term_listed"], false);
    // The case page too.
    let r = t
        .call(
            Some(&viewer),
            Method::GET,
            &format!("/api/cases/{case}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["toxicities"][0]["term"], "feeling bad");
    assert_eq!(
        r.json["follow_ups"][0]["unreadable_labs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
