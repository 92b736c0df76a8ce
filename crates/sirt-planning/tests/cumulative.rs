//! The cumulative dose over the course of the demo NET case with a history (PRRT with the
//! Lu-177 DOTATATE record, an SBRT course, an earlier right-lobe SIRT): the terms built from
//! the case and the plan against hand computations, the plan's own cumulative lung dose, the
//! retreatment flag, the JSON (keys absent, never null), the bad inputs, and the section in
//! English and French (snapshots).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use sirt_clinical::RadiobiologyData;
use sirt_clinical::cumulative::{CumulativeData, LimitStatus, OrganKind};
use sirt_i18n::Lang;
use sirt_planning::{CaseText, ImageRoot, Outcome, SiteData};
use sirt_report::document::{Document, to_text};

/// The history appended to the demo case (which has one PRRT entry without a radiopharmaceutical).
const HISTORY: &str = r#"
[[earlier_treatments]]
date = "2024-01-10"
kind = "SIRT"
nuclide = "Y-90"
lobe = "right"
territory = "lobar"
whole_liver_ntad = "20 Gy"
lung_dose = "4 Gy"
tumour_doses = { T1 = "120 Gy" }
dose_method = "Y-90 PET/CT, voxel dosimetry"

[[earlier_treatments]]
date = "2023-05-15"
kind = "PRRT"
radiopharmaceutical = "lu177-dotatate"
activity = "7.4 GBq"
cycles = 4
kidney_dose = "18 Gy"
kidney_effective_half_life = "50 h"
dose_method = "SPECT/CT 4, 24, 96 h"

[[earlier_treatments]]
date = "2022-01-10"
kind = "SBRT"
liver_mean_dose = "8 Gy"
fractions = 3

[cumulative]
kidney_risk_factors = true
"#;

fn case_text(extra: &str) -> String {
    let base = sirt_planning::DEMO_CASE;
    // The [uncertainty] table closes the demo file: put the history before it.
    let at = base.find("[uncertainty]").unwrap();
    format!("{}{}\n{}", &base[..at], extra, &base[at..])
}

fn plan(text: &str) -> Result<Outcome, String> {
    sirt_planning::plan_case(
        &SiteData::embedded().unwrap(),
        CaseText {
            text,
            name: "case.toml",
        },
        ImageRoot::Skip,
    )
    .map_err(|e| e.to_string())
}

fn structure<'a>(json: &'a Value, name: &str, tumour: Option<&str>) -> &'a Value {
    json["cumulative"]["structures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["structure"] == name && tumour.is_none_or(|t| s["tumour"] == t))
        .unwrap_or_else(|| panic!("no structure {name}"))
}

fn no_nulls(v: &Value, path: &str) {
    match v {
        Value::Null => panic!("null at {path}"),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| no_nulls(x, &format!("{path}.{k}"))),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| no_nulls(x, &format!("{path}[{i}]"))),
        _ => {}
    }
}

/// The figures of the section against hand computations.
#[test]
fn terms_and_sums_of_the_demo_history() {
    let o = plan(&case_text(HISTORY)).unwrap();
    let j = &o.json;
    no_nulls(&j["cumulative"], "cumulative");
    // The demo's own PRRT (no radiopharmaceutical, no dose): not counted, said so.
    let notes = j["cumulative"]["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| {
        n.as_str()
            .unwrap()
            .contains("PRRT 2023-05-15: no organ dose")
    }));
    // PRRT liver from the record: 4 × 7.4 GBq × 0.27 Gy/GBq = 7.992 Gy.
    let liver = structure(j, "normal_liver", None);
    let prrt = liver["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["modality"] == "prrt" && c["dose_from"]["kind"] == "per_activity")
        .unwrap();
    assert!((prrt["dose_gy"].as_f64().unwrap() - 4.0 * 7.4 * 0.27).abs() < 1e-9);
    // SBRT 8 Gy in 3 fractions, α/β 2.5: 8 · (1 + (8/3)/2.5) = 16.533 Gy.
    let sbrt = liver["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["modality"] == "sbrt")
        .unwrap();
    assert!((sbrt["bed_gy"].as_f64().unwrap() - 8.0 * (1.0 + 8.0 / 3.0 / 2.5)).abs() < 1e-9);
    // Kidneys: 4 × 4.5 Gy, T_eff 50 h, α/β 2.6, T_rep 2.8 h: 18 + 81 · 2.8/(52.8 · 2.6).
    let k = structure(j, "kidneys", None);
    let expected = 18.0 + 81.0 * 2.8 / (52.8 * 2.6);
    assert!((k["bed_gy"].as_f64().unwrap() - expected).abs() < 1e-9);
    assert_eq!(k["checks"][0]["id"], "bodei2008-kidney-bed-risk-factors");
    assert_eq!(k["checks"][0]["status"], "met");
    assert_eq!(k["checks"][0]["threshold_gy"], 28.0);
    // Lungs: the earlier 4 Gy plus each session's 1 kg-convention dose = the plan's own
    // cumulative lung dose of its last session (the rule lung-dose-cumulative reads it).
    let lungs = structure(j, "lungs", None);
    let last = o.plan.sessions.last().unwrap();
    assert!(
        (lungs["dose_gy"].as_f64().unwrap() - last.cumulative_lung_dose_1kg.unwrap().gy()).abs()
            < 1e-9
    );
    assert!(lungs.get("bed_gy").is_none() && lungs.get("tissue").is_none());
    assert_eq!(
        j["cumulative"]["plan_checks"][0]["rule"],
        "lung-dose-cumulative"
    );
    // Tumour T1: the earlier SIRT's 120 Gy plus session 1's dose, each its own Y-90 BED.
    let t1 = structure(j, "tumour", Some("T1"));
    let courses = t1["courses"].as_array().unwrap();
    assert_eq!(courses.len(), 2);
    let sum: f64 = courses.iter().map(|c| c["bed_gy"].as_f64().unwrap()).sum();
    assert!((t1["bed_gy"].as_f64().unwrap() - sum).abs() < 1e-9);
    // 120 Gy, α/β 10, T_rep 1.5 h, Y-90 64.1 h: 120 + 120² · 1.5/(65.6 · 10).
    let first = courses[0]["bed_gy"].as_f64().unwrap();
    assert!((first - (120.0 + 14400.0 * 1.5 / (65.6 * 10.0))).abs() < 1e-9);
    // Session 1 treats the right lobe the earlier SIRT treated: a retreatment; session 2 (left
    // lobe) too, because of the earlier SIRT (the rule's definition).
    let re = j["cumulative"]["retreatments"].as_array().unwrap();
    assert_eq!(re[0]["session"], "1");
    assert_eq!(re[0]["first_treatment_thresholds_apply"], false);
    assert_eq!(j["cumulative"]["kidney_risk_factors"], true);
}

/// The section is computed the same way from the library (the embedded records).
#[test]
fn library_and_outcome_agree() {
    let o = plan(&case_text(HISTORY)).unwrap();
    let r = sirt_planning::cumulative::report(
        &o.plan,
        &RadiobiologyData::embedded().unwrap(),
        &CumulativeData::embedded().unwrap(),
    )
    .unwrap()
    .unwrap();
    let k = r
        .organs
        .iter()
        .find(|o| o.organ.kind == OrganKind::Kidneys)
        .unwrap();
    assert_eq!(k.checks[0].status, LimitStatus::Met);
    assert_eq!(o.json["cumulative"], sirt_report::cumulative::json(&r));
}

/// A kidney dose above the Bodei threshold with risk factors: EXCEEDED in the report.
#[test]
fn kidney_limit_exceeded() {
    let text = case_text(&HISTORY.replace("kidney_dose = \"18 Gy\"", "kidney_dose = \"26 Gy\""));
    let o = plan(&text).unwrap();
    let k = structure(&o.json, "kidneys", None);
    // 26 + 4 · 6.5² · 2.8/(52.8 · 2.6) = 29.4 Gy ≥ 28 Gy.
    assert!(k["bed_gy"].as_f64().unwrap() > 28.0);
    assert_eq!(k["checks"][0]["status"], "exceeded");
    assert!(o.text().contains("EXCEEDED"));
}

/// One session, no radiation history: no section, no key. An EBRT course without its fractions:
/// no BED for it, "at least" in the sum. The demo's two sessions without history: the section
/// (the plan's own sessions add), and no retreatment (right, then left lobe).
#[test]
fn present_only_when_something_accumulates() {
    let o = plan(ONE_SESSION).unwrap();
    assert!(o.json.get("cumulative").is_none());
    assert!(!o.text().contains("Cumulative dose over the course"));
    let with_ebrt = format!(
        "{ONE_SESSION}[[earlier_treatments]]\ndate = \"2020-01-01\"\nkind = \"EBRT\"\nliver_mean_dose = \"10 Gy\"\n"
    );
    let o = plan(&with_ebrt).unwrap();
    let liver = structure(&o.json, "normal_liver", None);
    assert!(liver["courses"][0].get("bed_gy").is_none());
    assert_eq!(liver["courses"][0]["time_structure"]["kind"], "unknown");
    assert_eq!(liver["bed_exact"], false);
    let text = sirt_planning::DEMO_CASE;
    let start = text.find("[[earlier_treatments]]").unwrap();
    let end = text.find("[uncertainty]").unwrap();
    let without = format!("{}{}", &text[..start], &text[end..]);
    let o = plan(&without).unwrap();
    assert!(o.text().contains("Cumulative dose over the course"));
    assert_eq!(o.json["cumulative"]["retreatments"], serde_json::json!([]));
}

const ONE_SESSION: &str = r#"
schema = "sirtplan-case/1"
[patient]
id = "T-2"
[diagnosis]
indication = "NET"
grade = "G2"
[liver]
volume = "1800 mL"
density = "1.0 g/mL"
[lungs]
ct_volume = "2740 mL"
[mapping]
lsf = 0.12
[[tumours]]
id = "A"
volume = "200 mL"
[planning]
device = "therasphere"
residual_fraction = 0.03
[[sessions]]
id = "1"
treatment = "2026-03-05T10:00:00-05:00"
[[injections]]
id = "R"
session = "1"
territory = "lobar"
lobe = "right"
perfused_volume = "1100 mL"
method = "partition"
tumours = [{ id = "A", tnr = 3 }]
goal = { activity = "4.0 GBq" }
"#;

/// Bad inputs name the field, what was expected and what was found.
#[test]
fn bad_inputs_are_named() {
    for (from, to, field, expected) in [
        (
            "radiopharmaceutical = \"lu177-dotatate\"",
            "radiopharmaceutical = \"lu177-psma\"",
            "earlier_treatments[4].radiopharmaceutical",
            "lu177-dotatate",
        ),
        (
            "nuclide = \"Y-90\"",
            "nuclide = \"Lu-177\"",
            "earlier_treatments[3].nuclide",
            "Y-90 or Ho-166",
        ),
        (
            "tumour_doses = { T1 = \"120 Gy\" }",
            "tumour_doses = { T9 = \"120 Gy\" }",
            "earlier_treatments[3].tumour_doses.T9",
            "the id of a tumour",
        ),
        (
            "kidney_effective_half_life = \"50 h\"",
            "kidney_effective_half_life = \"0 h\"",
            "earlier_treatments[4].kidney_effective_half_life",
            "above zero",
        ),
        (
            "liver_mean_dose = \"8 Gy\"",
            "liver_mean_dose = \"8 Gy\"\nradiopharmaceutical = \"lu177-dotatate\"",
            "earlier_treatments[5].radiopharmaceutical",
            "only on a treatment of kind PRRT",
        ),
        (
            "kidney_risk_factors = true",
            "kidney_risk_factors = \"yes\"",
            "kidney_risk_factors",
            "bool",
        ),
        (
            "dose_method = \"SPECT/CT 4, 24, 96 h\"",
            "dose_method = \" \"",
            "earlier_treatments[4].dose_method",
            "a text",
        ),
    ] {
        let history = HISTORY.replace(from, to);
        assert_ne!(history, HISTORY, "{from}");
        let e = plan(&case_text(&history)).unwrap_err();
        assert!(e.contains(field) && e.contains(expected), "{field}: {e}");
    }
}

fn section(lang: Lang) -> String {
    let o = plan(&case_text(HISTORY)).unwrap();
    let r = sirt_planning::cumulative::report(
        &o.plan,
        &RadiobiologyData::embedded().unwrap(),
        &CumulativeData::embedded().unwrap(),
    )
    .unwrap()
    .unwrap();
    to_text(&Document {
        blocks: sirt_report::cumulative::blocks(&r, lang),
        lang,
        ..Document::default()
    })
}

#[test]
fn section_in_english() {
    insta::assert_snapshot!(section(Lang::En));
}

#[test]
fn section_in_french() {
    insta::assert_snapshot!(section(Lang::Fr));
}
