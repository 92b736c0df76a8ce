//! Text renderings of the example record (snapshots) and their JSON form.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_clinical::*;

const EXAMPLE: &str = include_str!("../examples/patient-net-g2.toml");

fn record() -> PatientRecord {
    PatientRecord::from_toml(EXAMPLE, "patient-net-g2.toml").unwrap()
}

#[test]
fn eligibility_text() {
    let a = assess_eligibility(&record(), &RuleSet::embedded().unwrap());
    insta::assert_snapshot!(render_assessment(&a));
}

#[test]
fn timeline_text() {
    let t = grade_labs(&record(), CtcaeVersion::V5_0).unwrap();
    insta::assert_snapshot!(render_timeline(&t));
}

#[test]
fn results_serialize() {
    let a = assess_eligibility(&record(), &RuleSet::embedded().unwrap());
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(v["scores"]["child_pugh"]["status"], "computed");
    assert_eq!(v["scores"]["child_pugh"]["value"]["class"], "A");
    assert_eq!(v["checks"][0]["status"], "pass");
    let t = grade_labs(&record(), CtcaeVersion::V5_0).unwrap();
    let v = serde_json::to_value(&t).unwrap();
    assert_eq!(v["version"], "5.0");
    assert_eq!(v["tracks"][0]["term"], "bilirubin_increased");
}
