//! Rule evaluation: boundaries, filters, missing values, site overrides and file errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_rules::{CheckValue, Facts, InjectionFacts, RuleSet, SessionFacts, Status};
use sirt_units::{AbsorbedDose, Activity, Bilirubin, Fraction, Volume};

fn injection(material: &str, nuclide: &str, method: &str, lsf: f64) -> InjectionFacts {
    InjectionFacts {
        id: "R".into(),
        device_material: material.into(),
        nuclide: nuclide.into(),
        method: method.into(),
        territory: "lobar".into(),
        intent: "lobar".into(),
        perfused_dose: Some(AbsorbedDose::from_gy(130.0)),
        normal_liver_dose: Some(AbsorbedDose::from_gy(60.0)),
        lung_activity: Some(Activity::from_gbq(0.3)),
        lsf: Some(Fraction::new(lsf).unwrap()),
        vial_deviation: Some(0.05),
        ..Default::default()
    }
}

fn facts(indication: &str, grade: &str, ntad: f64, extent: &str, inj: InjectionFacts) -> Facts {
    Facts {
        indication: Some(indication.into()),
        grade: Some(grade.into()),
        tumour_burden: Some(Fraction::new(0.12).unwrap()),
        bilirubin: None,
        tumours: vec![
            ("T1".into(), Some(Volume::from_ml(40.0))),
            ("T2".into(), Some(Volume::from_ml(1.5))),
        ],
        sessions: vec![SessionFacts {
            id: "1".into(),
            extent: extent.into(),
            whole_liver_ntad: Some(AbsorbedDose::from_gy(ntad)),
            lung_dose: Some(AbsorbedDose::from_gy(12.0)),
            cumulative_lung_dose: Some(AbsorbedDose::from_gy(30.0)),
            lung_dose_1kg: Some(AbsorbedDose::from_gy(12.0)),
            cumulative_lung_dose_1kg: Some(AbsorbedDose::from_gy(30.0)),
            lung_mass_is_convention: true,
            any_without_mcd: false,
            tumours: vec![
                ("T1".into(), Some(AbsorbedDose::from_gy(210.0))),
                ("T2".into(), Some(AbsorbedDose::from_gy(149.9))),
            ],
            injections: vec![inj],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn status(checks: &[sirt_rules::Check], rule: &str, subject: &str) -> Status {
    checks
        .iter()
        .find(|c| c.rule == rule && c.subject == subject)
        .unwrap_or_else(|| panic!("no check {rule} on {subject}: {checks:#?}"))
        .status
}

#[test]
fn net_glass_boundaries() {
    let rules = RuleSet::embedded().unwrap();
    // 75 Gy exactly passes "≤ 75 Gy"; 75.000001 fails.
    let c = rules.evaluate(&facts(
        "NET",
        "G2",
        75.0,
        "unilobar",
        injection("glass", "Y-90", "partition", 0.05),
    ));
    assert_eq!(
        status(&c, "net-glass-ntad-whole-liver", "session 1"),
        Status::Pass
    );
    let c = rules.evaluate(&facts(
        "NET",
        "G2",
        75.000001,
        "unilobar",
        injection("glass", "Y-90", "partition", 0.05),
    ));
    assert_eq!(
        status(&c, "net-glass-ntad-whole-liver", "session 1"),
        Status::Fail
    );
    // Tumour doses: 210 passes both, 149.9 warns below 150 and is info below 200.
    assert_eq!(
        status(&c, "net-glass-tad-min", "session 1, tumour T1"),
        Status::Pass
    );
    assert_eq!(
        status(&c, "net-glass-tad-min", "session 1, tumour T2"),
        Status::Warn
    );
    assert_eq!(
        status(&c, "net-glass-tad-optimal", "session 1, tumour T2"),
        Status::Info
    );
    // The SCD reference applies to the MIRD method only.
    assert!(!c.iter().any(|x| x.rule == "net-glass-scd-reference"));
    // Small lesion flagged.
    assert_eq!(
        status(&c, "small-lesion-partial-volume", "tumour T2"),
        Status::Info
    );
    assert_eq!(
        status(&c, "small-lesion-partial-volume", "tumour T1"),
        Status::Pass
    );
    // HCC rules do not apply to NET.
    assert!(!c.iter().any(|x| x.rule.starts_with("hcc-")));
    // Bilirubin without labs: reported as not evaluated, with the reason.
    let b = c.iter().find(|x| x.rule == "bilirubin-max").unwrap();
    assert_eq!(b.status, Status::NotEvaluated);
    assert!(
        b.note
            .as_ref()
            .map(sirt_i18n::Text::en)
            .as_deref()
            .unwrap()
            .contains("bilirubin")
    );
    // Glass label limit: 0.3 GBq to the lungs < 16.5 mCi.
    let l = c
        .iter()
        .find(|x| x.rule == "therasphere-lung-activity")
        .unwrap();
    assert_eq!(l.status, Status::Pass);
    assert_eq!(l.threshold, CheckValue::Number(0.6105));
    // The whole glass vial is 5 % off the prescription: within the 10 % tolerance.
    assert_eq!(
        status(&c, "glass-vial-deviation", "injection R"),
        Status::Pass
    );
}

#[test]
fn grade_and_extent_filters() {
    let rules = RuleSet::embedded().unwrap();
    let c = rules.evaluate(&facts(
        "NET",
        "G1",
        40.0,
        "bilobar",
        injection("glass", "Y-90", "partition", 0.05),
    ));
    assert_eq!(
        status(&c, "net-staged-lobar-low-grade", "session 1"),
        Status::Warn
    );
    assert!(!c.iter().any(|x| x.rule == "net-bilobar-high-grade-mcd"));
    let mut f = facts(
        "NET",
        "G3",
        40.0,
        "bilobar",
        injection("glass", "Y-90", "mird", 0.05),
    );
    f.sessions[0].any_without_mcd = true;
    let c = rules.evaluate(&f);
    assert_eq!(
        status(&c, "net-bilobar-high-grade-mcd", "session 1"),
        Status::Warn
    );
    assert!(!c.iter().any(|x| x.rule == "net-staged-lobar-low-grade"));
    // Ho-166: bilobar limit 40 Gy (strictly below).
    let c = rules.evaluate(&facts(
        "mCRC",
        "",
        40.0,
        "bilobar",
        injection("poly-L-lactic acid", "Ho-166", "ho166", 0.05),
    ));
    assert_eq!(status(&c, "ho166-ntl-bilobar", "session 1"), Status::Fail);
    assert!(!c.iter().any(|x| x.rule == "ho166-ntl-unilobar"));
    assert_eq!(
        status(&c, "ho166-tumour-mcrc", "session 1, tumour T2"),
        Status::Pass
    );
}

#[test]
fn resin_lsf_and_bilirubin() {
    let rules = RuleSet::embedded().unwrap();
    let mut f = facts(
        "mCRC",
        "",
        30.0,
        "unilobar",
        injection("resin", "Y-90", "bsa", 0.2),
    );
    f.bilirubin = Some("2.1 mg/dL".parse::<Bilirubin>().unwrap());
    let c = rules.evaluate(&f);
    assert_eq!(status(&c, "resin-lsf-max", "injection R"), Status::Pass);
    assert_eq!(status(&c, "bilirubin-max", "patient"), Status::Fail);
    f.sessions[0].injections[0].lsf = Fraction::new(0.2001);
    let c = rules.evaluate(&f);
    assert_eq!(status(&c, "resin-lsf-max", "injection R"), Status::Fail);
    assert!(!c.iter().any(|x| x.rule == "therasphere-lung-activity"));
}

#[test]
fn site_files_override_disable_and_add() {
    let mut rules = RuleSet::embedded().unwrap();
    let n = rules.rules().len();
    rules
        .merge_toml(
            r#"
[[rule]]
id = "net-glass-ntad-whole-liver"
title = "Site: whole-liver NTAD at most 70 Gy"
quantity = "whole_liver_ntad"
comparison = "<="
threshold = "70 Gy"
on_violation = "fail"
indication = ["NET"]
source = "site protocol 2026-04"
evidence = "site"

[[rule]]
id = "small-lesion-partial-volume"
enabled = false

[[rule]]
id = "site-perfused-nl"
title = "Perfused normal liver at most 100 Gy"
quantity = "perfused_normal_liver_dose"
comparison = "<="
threshold = "100 Gy"
on_violation = "warn"
source = "site protocol"
evidence = "site"
"#,
            "site-rules.toml",
        )
        .unwrap();
    assert_eq!(rules.rules().len(), n);
    let c = rules.evaluate(&facts(
        "NET",
        "G2",
        72.0,
        "unilobar",
        injection("glass", "Y-90", "partition", 0.05),
    ));
    let r = c
        .iter()
        .find(|x| x.rule == "net-glass-ntad-whole-liver")
        .unwrap();
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.source, "site protocol 2026-04");
    assert!(!c.iter().any(|x| x.rule == "small-lesion-partial-volume"));
    assert_eq!(status(&c, "site-perfused-nl", "injection R"), Status::Pass);
}

#[test]
fn file_errors_name_rule_and_field() {
    let mut rules = RuleSet::default();
    let e = rules
        .merge_toml(
            "[[rule]]\nid = \"x\"\ntitle = \"t\"\nquantity = \"tumour_dose\"\ncomparison = \">=\"\nthreshold = \"150\"\non_violation = \"warn\"\nsource = \"s\"\nevidence = \"e\"\n",
            "bad.toml",
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("rule file bad.toml, rule \"x\", field `threshold`"),
        "{e}"
    );
    assert!(e.contains("bare number"), "{e}");
    let e = rules
        .merge_toml(
            "[[rule]]\nid = \"x\"\nquantity = \"tumor_dose\"\n",
            "bad.toml",
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.toml") && e.contains("tumor_dose"), "{e}");
    let e = rules
        .merge_toml(
            "[[rule]]\nid = \"x\"\ntitle = \"t\"\nquantity = \"lung_dose_session\"\ncomparison = \"<=\"\nthreshold = \"30 GBq\"\non_violation = \"fail\"\nsource = \"s\"\nevidence = \"e\"\n",
            "bad.toml",
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("GBq") && e.contains("Gy"), "{e}");
}

proptest::proptest! {
    /// A rule's status is pass exactly when the comparison holds.
    #[test]
    fn status_follows_the_comparison(ntad in 0.0f64..200.0) {
        let rules = RuleSet::embedded().unwrap();
        let c = rules.evaluate(&facts("NET", "G2", ntad, "unilobar", injection("glass", "Y-90", "partition", 0.05)));
        let s = status(&c, "net-glass-ntad-whole-liver", "session 1");
        proptest::prop_assert_eq!(s == Status::Pass, ntad <= 75.0);
    }
}
