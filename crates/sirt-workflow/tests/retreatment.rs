//! The treatment-history checks (`data/rules/retreatment.toml`), each on a case that fires it and
//! one that does not, and the cumulative whole-liver NTAD over SIRT sessions with an earlier SIRT.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_rules::{Check, CheckValue, Status};
use sirt_units::TimeSpan;
use sirt_workflow::{Plan, SiteSettings, plan_for_site};

fn run_with(text: &str, settings: &SiteSettings) -> Plan {
    let case = sirt_case::parse(text, "test.toml").unwrap();
    plan_for_site(
        &case,
        &sirt_devices::Catalogue::embedded().unwrap(),
        &sirt_rules::RuleSet::embedded().unwrap(),
        settings,
        "test.toml",
    )
    .unwrap()
}

fn run(text: &str) -> Plan {
    run_with(text, &SiteSettings::default())
}

/// The checks of `rule`, in subject order.
fn checks<'a>(p: &'a Plan, rule: &str) -> Vec<&'a Check> {
    p.checks.iter().filter(|c| c.rule == rule).collect()
}

/// The check of `rule` on `subject`.
fn check<'a>(p: &'a Plan, rule: &str, subject: &str) -> &'a Check {
    p.checks
        .iter()
        .find(|c| c.rule == rule && c.subject == subject)
        .unwrap_or_else(|| panic!("no {rule} on {subject}: {:#?}", checks(p, rule)))
}

/// Tumour-free liver of 1.5 kg (1500 mL at 1.0 g/mL), MAA on 2026-01-02, two sessions
/// (2026-01-12, 10 days after the MAA; 2026-04-10, 98 days after), MIRD with a fixed activity,
/// LSF 10 %, K 50 Gy·kg/GBq (TheraSphere IFU), no residual.
const BASE: &str = r#"
schema = "sirtplan-case/1"
[patient]
id = "RT-1"
[diagnosis]
indication = "HCC"
[liver]
volume = "1500 mL"
density = "1.0 g/mL"
[mapping]
lsf = 0.1
date = "2026-01-02T09:00:00-05:00"
[planning]
device = "therasphere"
residual_fraction = 0
[[sessions]]
id = "1"
treatment = "2026-01-12T10:00:00-05:00"
[[sessions]]
id = "2"
treatment = "2026-04-10T10:00:00-04:00"
[[injections]]
id = "R"
session = "1"
territory = "lobar"
lobe = "right"
perfused_volume = "900 mL"
method = "mird"
goal = { activity = "1.5 GBq" }
[[injections]]
id = "S2"
session = "2"
territory = "lobar"
lobe = "left"
perfused_volume = "500 mL"
method = "mird"
goal = { activity = "1 GBq" }
"#;

const EARLIER_SIRT: &str = r#"
[[earlier_treatments]]
date = "2024-01-10"
kind = "SIRT"
device = "SIR-Spheres"
territory = "lobar"
lobe = "right"
activity = "1.2 GBq"
whole_liver_ntad = "20 Gy"
lung_dose = "4 Gy"
"#;

const EARLIER_PRRT: &str = r#"
[[earlier_treatments]]
date = "2023-05-15"
kind = "PRRT"
description = "177Lu-DOTATATE"
activity = "7.4 GBq"
cycles = 4
"#;

/// BASE with the second session on the right lobe again.
fn right_then_right() -> String {
    BASE.replace(
        "id = \"S2\"\nsession = \"2\"\nterritory = \"lobar\"\nlobe = \"left\"",
        "id = \"S2\"\nsession = \"2\"\nterritory = \"lobar\"\nlobe = \"right\"",
    )
}

#[test]
fn earlier_sirt_warns_on_every_session_citing_eanm_and_lam() {
    let p = run(&format!("{BASE}{EARLIER_SIRT}"));
    for s in ["session 1", "session 2"] {
        let c = check(&p, "retreatment-first-treatment-thresholds", s);
        assert_eq!(c.status, Status::Warn);
        assert_eq!(c.value, Some(CheckValue::Flag(true)));
        assert!(c.source.contains("Table 2 footnote ***"), "{}", c.source);
        assert!(
            c.source
                .contains("derived from unilobar treatments without prior RE only"),
            "{}",
            c.source
        );
        assert!(c.source.contains("CVIR 2013;36(5):1320-8"), "{}", c.source);
        assert!(c.source.contains("OR 9.6"), "{}", c.source);
        let note = c.note.as_ref().unwrap().en();
        assert!(note.contains("earlier SIRT 2024-01-10"), "{note}");
        assert!(note.contains("whole-liver NTAD 20.0 Gy"), "{note}");
    }
}

#[test]
fn a_first_treatment_in_separate_lobes_passes() {
    let p = run(BASE);
    let c = checks(&p, "retreatment-first-treatment-thresholds");
    assert_eq!(c.len(), 2);
    assert!(c.iter().all(|c| c.status == Status::Pass), "{c:#?}");
}

#[test]
fn a_later_session_on_a_lobe_treated_before_warns() {
    let p = run(&right_then_right());
    let first = check(&p, "retreatment-first-treatment-thresholds", "session 1");
    assert_eq!(first.status, Status::Pass);
    let second = check(&p, "retreatment-first-treatment-thresholds", "session 2");
    assert_eq!(second.status, Status::Warn);
    let note = second.note.as_ref().unwrap().en();
    assert!(
        note.contains("session 1 (2026-01-12 10:00 -05:00) treated lobe right"),
        "{note}"
    );
}

#[test]
fn earlier_prrt_gives_an_info_without_a_cumulative_limit() {
    let p = run(&format!("{BASE}{EARLIER_PRRT}"));
    let c = check(&p, "retreatment-after-prrt", "patient");
    assert_eq!(c.status, Status::Info);
    let note = c.note.as_ref().unwrap().en();
    assert!(
        note.contains("PRRT 2023-05-15 (7.40 GBq (200.0 mCi) per cycle, 4 cycles)"),
        "{note}"
    );
    assert!(c.source.contains("NOT FOUND"), "{}", c.source);
    assert!(c.source.contains("CVIR 2020;43(2):246-53"), "{}", c.source);
    let without = run(BASE);
    assert_eq!(
        check(&without, "retreatment-after-prrt", "patient").status,
        Status::Pass
    );
}

#[test]
fn a_later_session_on_imaging_older_than_the_site_limit_warns_naming_the_dates() {
    let p = run(BASE);
    let first = check(&p, "imaging-age-site-limit", "session 1");
    assert_eq!(first.status, Status::Pass);
    // 2026-01-02T09:00-05:00 to 2026-04-10T10:00-04:00: 98 days exactly.
    let second = check(&p, "imaging-age-site-limit", "session 2");
    assert_eq!(second.status, Status::Warn);
    let note = second.note.as_ref().unwrap().en();
    for part in [
        "imaging of 2026-01-02 09:00 -05:00 (mapping.date)",
        "treatment 2026-04-10 10:00 -04:00",
        "98.0 days old",
        "site limit 56 days (retreatment.imaging_max_age)",
    ] {
        assert!(note.contains(part), "{part}: {note}");
    }
}

#[test]
fn the_site_limit_and_a_re_mapping_clear_the_imaging_age_warning() {
    let settings = SiteSettings {
        imaging_max_age: TimeSpan::from_days(120.0),
        ..SiteSettings::default()
    };
    let p = run_with(BASE, &settings);
    let c = check(&p, "imaging-age-site-limit", "session 2");
    assert_eq!(c.status, Status::Pass);
    assert!(
        c.note
            .as_ref()
            .map(sirt_i18n::Text::en)
            .as_deref()
            .unwrap()
            .contains("site limit 120 days")
    );
    let remapped = BASE.replace(
        "treatment = \"2026-04-10T10:00:00-04:00\"",
        "treatment = \"2026-04-10T10:00:00-04:00\"\nmapping_date = \"2026-03-30T09:00:00-04:00\"",
    );
    let p = run(&remapped);
    let c = check(&p, "imaging-age-site-limit", "session 2");
    assert_eq!(c.status, Status::Pass);
    assert!(
        c.note
            .as_ref()
            .map(sirt_i18n::Text::en)
            .as_deref()
            .unwrap()
            .contains("imaging of 2026-03-30 09:00 -04:00 (the session's mapping_date)")
    );
}

#[test]
fn without_an_imaging_date_the_age_is_not_evaluated() {
    let text = BASE.replace("date = \"2026-01-02T09:00:00-05:00\"\n", "");
    let p = run(&text);
    let c = check(&p, "imaging-age-site-limit", "session 1");
    assert_eq!(c.status, Status::NotEvaluated);
    assert!(
        c.note
            .as_ref()
            .map(sirt_i18n::Text::en)
            .as_deref()
            .unwrap()
            .contains("no imaging date")
    );
}

/// By hand: NTAD of a session = K · A · (1 − LSF) / M_normal with the ordered vial's
/// administered activity A, K 50 Gy·kg/GBq, LSF 0.1, M_normal 1.5 kg (no tumours); the
/// cumulative adds the earlier SIRT's recorded 20 Gy.
#[test]
fn cumulative_whole_liver_ntad_adds_the_earlier_sirt() {
    let p = run(&format!("{BASE}{EARLIER_SIRT}"));
    let a: Vec<f64> = p
        .injections
        .iter()
        .map(|i| i.planned().unwrap().expected.administered.gbq())
        .collect();
    let ntad = |a: f64| 50.0 * a * 0.9 / 1.5;
    let s1 = 20.0 + ntad(a[0]);
    let s2 = s1 + ntad(a[1]);
    let got: Vec<f64> = p
        .sessions
        .iter()
        .map(|s| s.cumulative_whole_liver_ntad.unwrap().gy())
        .collect();
    assert!((got[0] - s1).abs() < 1e-9, "{got:?} vs {s1}");
    assert!((got[1] - s2).abs() < 1e-9, "{got:?} vs {s2}");
    // The plan's own sum leaves the earlier SIRT out.
    assert!((p.sessions[1].plan_whole_liver_ntad.gy() - (s2 - 20.0)).abs() < 1e-9);
    // An earlier SIRT without a recorded NTAD counts 0 Gy, and a note says so.
    let unrecorded = EARLIER_SIRT.replace("whole_liver_ntad = \"20 Gy\"\n", "");
    let p = run(&format!("{BASE}{unrecorded}"));
    let got = p.sessions[0].cumulative_whole_liver_ntad.unwrap().gy();
    assert!((got - p.sessions[0].plan_whole_liver_ntad.gy()).abs() < 1e-12);
    assert!(
        p.notes.iter().any(|n| n
            .en()
            .contains("Earlier SIRT of 2024-01-10 without a recorded whole-liver NTAD")),
        "{:?}",
        p.notes
    );
}
