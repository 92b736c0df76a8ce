//! Eligibility rules: the embedded files, site overrides, rule-file errors, and the results on
//! edited versions of the example record against the published thresholds
//! (clinical-rules.md §3.1, Lam et al. Table 2 mNET, the Northwestern slide).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_clinical::*;
use sirt_rules::Status;

const EXAMPLE: &str = include_str!("../examples/patient-net-g2.toml");

fn assess(text: &str) -> Assessment {
    let r = PatientRecord::from_toml(text, "p.toml").unwrap();
    assess_eligibility(&r, &RuleSet::embedded().unwrap())
}

fn check<'a>(a: &'a Assessment, id: &str) -> &'a EligibilityCheck {
    a.checks
        .iter()
        .find(|c| c.rule == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn edit(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "{from}");
    EXAMPLE.replacen(from, to, 1)
}

#[test]
fn embedded_rules_are_complete_and_cited() {
    let set = RuleSet::embedded().unwrap();
    let rules = set.rules();
    assert_eq!(rules.len(), 34);
    let mut ids: Vec<_> = rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rules.len());
    for r in rules {
        assert!(!r.source.is_empty() && !r.evidence.is_empty(), "{}", r.id);
    }
    let groups = |g: RuleGroup| rules.iter().filter(|r| r.group == g).count();
    assert_eq!(groups(RuleGroup::Contraindication), 18);
    assert_eq!(groups(RuleGroup::Indication), 3);
    assert_eq!(groups(RuleGroup::NetRecommendation), 5);
    assert_eq!(groups(RuleGroup::Northwestern), 8);
}

#[test]
fn example_passes_with_one_warning() {
    let a = assess(EXAMPLE);
    assert_eq!(
        (a.summary.fail, a.summary.warn, a.summary.not_evaluated),
        (0, 1, 0)
    );
    assert_eq!(check(&a, "rci-biliary").status, Status::Warn);
    assert_eq!(check(&a, "nw-biliary").status, Status::Pass);
    // 2026-02-10 − 2025-12-20 = 52 days since sunitinib; ≥ 28 days.
    assert_eq!(
        check(&a, "rci-systemic-4-weeks").value_text.as_deref(),
        Some("52 days (since 2025-12-20)")
    );
}

#[test]
fn bilirubin_limit_is_inclusive_at_2_mg_per_dl() {
    let at = |v: &str| {
        assess(&edit(
            "bilirubin = \"0.7 mg/dL\"",
            &format!("bilirubin = \"{v}\""),
        ))
    };
    assert_eq!(check(&at("2 mg/dL"), "ci-bilirubin").status, Status::Pass);
    assert_eq!(
        check(&at("2.01 mg/dL"), "ci-bilirubin").status,
        Status::Fail
    );
    // 34.2 µmol/L = 1.9995 mg/dL (÷ 17.104): passes; 34.3 µmol/L fails.
    assert_eq!(
        check(&at("34.2 µmol/L"), "ci-bilirubin").status,
        Status::Pass
    );
    assert_eq!(
        check(&at("34.3 µmol/L"), "ci-bilirubin").status,
        Status::Fail
    );
    // And Child-Pugh counts 34.2 µmol/L as 2 points (published µmol/L cut-off).
    let a = at("34.2 µmol/L");
    assert_eq!(a.scores.child_pugh.value().unwrap().bilirubin_points, 2);
}

#[test]
fn lab_limits() {
    let a = assess(&edit(
        "platelets = \"210 10^9/L\"",
        "platelets = \"49 10^9/L\"",
    ));
    assert_eq!(check(&a, "ci-platelets").status, Status::Fail);
    let a = assess(&edit(
        "platelets = \"210 10^9/L\"",
        "platelets = \"50 10^9/L\"",
    ));
    assert_eq!(check(&a, "ci-platelets").status, Status::Pass);
    let a = assess(&edit("inr = 1.0", "inr = 1.51"));
    assert_eq!(check(&a, "ci-inr").status, Status::Fail);
    let a = assess(&edit("gfr = \"88 mL/min/1.73 m²\"", "gfr = \"34 mL/min\""));
    assert_eq!(check(&a, "ci-gfr").status, Status::Fail);
    let a = assess(&edit(
        "leukocytes = \"6.1 10^9/L\"",
        "leukocytes = \"1.9 10^9/L\"",
    ));
    assert_eq!(check(&a, "ci-leukocytes").status, Status::Fail);
    let a = assess(&edit(
        "granulocytes = \"3.9 10^9/L\"",
        "granulocytes = \"1.4 10^9/L\"",
    ));
    assert_eq!(check(&a, "us-granulocytes").status, Status::Warn);
}

#[test]
fn burden_rules() {
    let at = |v: &str| {
        assess(&edit(
            "tumour_burden = \"35 %\"",
            &format!("tumour_burden = \"{v}\""),
        ))
    };
    let a = at("75 %");
    assert_eq!(check(&a, "net-burden-max").status, Status::Warn);
    assert_eq!(check(&a, "us-tumour-replacement").status, Status::Warn);
    assert_eq!(check(&a, "net-burden-50").status, Status::Info);
    let a = at("70 %");
    assert_eq!(check(&a, "net-burden-max").status, Status::Pass);
    let a = at("9 %");
    assert_eq!(check(&a, "net-burden-low").status, Status::Warn);
}

#[test]
fn missing_values_are_not_evaluated_with_reasons() {
    let a = assess(&edit("life_expectancy = \"24 months\"\n", ""));
    let c = check(&a, "ci-life-expectancy");
    assert_eq!(c.status, Status::NotEvaluated);
    assert_eq!(c.note.as_deref(), Some("life expectancy not recorded"));
    let a = assess(&edit("active_hepatitis = false\n", ""));
    assert_eq!(
        check(&a, "rci-active-hepatitis").note.as_deref(),
        Some("finding `active_hepatitis` not recorded")
    );
    // Without the earlier treatments the 4-week rule cannot be checked.
    let cut = EXAMPLE.find("[[prior_treatments]]").unwrap();
    let end = EXAMPLE.find("[treatment]").unwrap();
    let text = format!("{}{}", &EXAMPLE[..cut], &EXAMPLE[end..]);
    let a = assess(&text);
    assert_eq!(
        check(&a, "rci-systemic-4-weeks").status,
        Status::NotEvaluated
    );
    // An explicitly empty list: no systemic therapy, the rule passes.
    let text = format!(
        "prior_treatments = []\n{}{}",
        &EXAMPLE[..cut],
        &EXAMPLE[end..]
    );
    let a = assess(&text);
    let c = check(&a, "rci-systemic-4-weeks");
    assert_eq!(c.status, Status::Pass);
    assert_eq!(
        c.value_text.as_deref(),
        Some("no systemic therapy recorded")
    );
}

#[test]
fn ongoing_anti_angiogenic_therapy() {
    let text = edit("end = \"2025-12-20\"", "ongoing = true");
    let a = assess(&text);
    assert_eq!(check(&a, "rci-anti-angiogenic").status, Status::Warn);
    assert_eq!(check(&a, "rci-systemic-4-weeks").status, Status::Warn);
}

#[test]
fn grade_against_ki67() {
    let a = assess(&edit("ki67 = \"14 %\"", "ki67 = \"25 %\""));
    assert_eq!(a.grade.ki67_grade, Some(NetGrade::G3));
    assert!(
        a.grade
            .note
            .as_deref()
            .unwrap()
            .starts_with("recorded grade G2 is lower")
    );
    let a = assess(&edit("ki67 = \"14 %\"", "ki67 = \"2 %\""));
    assert_eq!(a.grade.ki67_grade, Some(NetGrade::G1));
    assert_eq!(a.grade.note, None);
}

#[test]
fn site_files_add_override_and_remove() {
    let site = r#"
[[rule]]
id = "ci-bilirubin"
group = "contraindication"
title = "Site: bilirubin at most 3 mg/dL"
quantity = "bilirubin"
comparison = "<="
threshold = "51.3 µmol/L"
on_violation = "fail"
source = "site protocol"
evidence = "site"

[[rule]]
id = "nw-performance-status"
enabled = false

[[rule]]
id = "site-g3-only"
group = "net-recommendation"
title = "G3: FDG-PET within 8 weeks"
quantity = "days_since_imaging"
comparison = "<="
threshold = "56 d"
on_violation = "warn"
grade = ["G3", "NEC"]
source = "site protocol"
evidence = "site"
"#;
    let set = RuleSet::with_site_files([("site.toml", site)]).unwrap();
    assert_eq!(set.rules().len(), 34);
    let r = set.rules().iter().find(|r| r.id == "ci-bilirubin").unwrap();
    assert_eq!(r.origin, "site.toml");
    assert!((r.threshold.value - 51.3 / 17.104).abs() < 1e-12);
    assert!(set.rules().iter().all(|r| r.id != "nw-performance-status"));
    let rec = PatientRecord::from_toml(
        &edit("bilirubin = \"0.7 mg/dL\"", "bilirubin = \"2.5 mg/dL\""),
        "p.toml",
    )
    .unwrap();
    let a = assess_eligibility(&rec, &set);
    assert_eq!(check(&a, "ci-bilirubin").status, Status::Pass);
    // The G3 rule does not apply to this G2 patient ...
    assert!(a.checks.iter().all(|c| c.rule != "site-g3-only"));
    // ... and is not evaluated without a recorded grade.
    let rec = PatientRecord::from_toml(&edit("grade = \"G2\"\n", ""), "p.toml").unwrap();
    let a = assess_eligibility(&rec, &set);
    let c = check(&a, "site-g3-only");
    assert_eq!(c.status, Status::NotEvaluated);
    assert_eq!(
        c.note.as_deref(),
        Some("tumour grade not recorded; the rule applies to G3, NEC")
    );
}

#[test]
fn rule_file_errors() {
    let rule = |body: &str| {
        format!(
            "[[rule]]\nid = \"x\"\ngroup = \"contraindication\"\ntitle = \"t\"\nsource = \"s\"\nevidence = \"e\"\n{body}"
        )
    };
    let cases = [
        (
            "bilirubin in mmol/L",
            rule(
                "quantity = \"bilirubin\"\ncomparison = \"<=\"\nthreshold = \"2 mmol/L\"\non_violation = \"fail\"",
            ),
        ),
        (
            "flag with <=",
            rule(
                "quantity = \"finding\"\nfinding = \"a\"\ncomparison = \"<=\"\nthreshold = \"false\"\non_violation = \"fail\"",
            ),
        ),
        (
            "finding without name",
            rule(
                "quantity = \"finding\"\ncomparison = \"==\"\nthreshold = \"false\"\non_violation = \"fail\"",
            ),
        ),
        (
            "status pass",
            rule(
                "quantity = \"ecog\"\ncomparison = \"<=\"\nthreshold = \"2\"\non_violation = \"pass\"",
            ),
        ),
        (
            "unknown quantity",
            rule(
                "quantity = \"karnofsky\"\ncomparison = \"<=\"\nthreshold = \"2\"\non_violation = \"fail\"",
            ),
        ),
        (
            "duration without unit",
            rule(
                "quantity = \"days_since_imaging\"\ncomparison = \"<=\"\nthreshold = \"56\"\non_violation = \"warn\"",
            ),
        ),
    ];
    let text = cases
        .iter()
        .map(|(what, t)| {
            let e = RuleSet::with_site_files([("site.toml", t.as_str())]).unwrap_err();
            format!("{what}:\n  {}", e.to_string().replace('\n', "\n  "))
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(text);
}
