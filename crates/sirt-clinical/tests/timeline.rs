//! Toxicity timeline: grades of the example against the CTCAE v5.0 rows (clinical-rules.md
//! §2.1), time to onset, and REILD / Braat grading (§3.3) on edited versions of the example.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_clinical::*;

const EXAMPLE: &str = include_str!("../examples/patient-net-g2.toml");

fn timeline(text: &str) -> Timeline {
    let r = PatientRecord::from_toml(text, "p.toml").unwrap();
    grade_labs(&r, CtcaeVersion::V5_0).unwrap()
}

fn track(t: &Timeline, term: LabTerm) -> &LabTrack {
    t.tracks.iter().find(|x| x.term == term).unwrap()
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn example_grades_and_onset() {
    let t = timeline(EXAMPLE);
    // ALT 140 U/L, ULN 45, baseline 38 (normal): > 3 × 45 = 135 → G2 on day 28.
    let alt = track(&t, LabTerm::AltIncreased);
    assert_eq!(alt.baseline(), Some(0));
    let w = alt.worst_after.as_ref().unwrap();
    assert_eq!((w.grade, w.day), (2, 28));
    assert_eq!(alt.first_worsening_day, Some(28));
    // ALP: baseline 148 U/L above the ULN 120 → CTCAE v5.0 "if baseline was abnormal" grade 1
    // is 2.0–2.5 × baseline; 290 and 160 U/L are above the ULN and below 2 × 148 = 296, where
    // CTCAE v5.0 defines no grade: not gradable (never grade 0), although 290 > 2.0 × ULN.
    let alp = track(&t, LabTerm::AlpIncreased);
    assert_eq!(alp.baseline(), Some(1));
    assert!(alp.worst_after.is_none());
    assert_eq!(alp.not_gradable_after, 2);
    for p in alp.points.iter().filter(|p| p.phase == Phase::After) {
        assert!(
            matches!(
                p.grade,
                GradeOutcome::NotGradable {
                    reason: NotGradable::BelowAbnormalBaselineGrade1 { .. }
                }
            ),
            "{p:?}"
        );
    }
    // Bilirubin baseline 12 µmol/L (0.70 mg/dL), ULN 1.2 mg/dL; 1.5 mg/dL ≤ 1.8 → G1.
    let b = track(&t, LabTerm::BilirubinIncreased);
    assert_eq!(b.worst_after.as_ref().unwrap().grade, 1);
    // Platelets 140 < LLN 150 → G1.
    assert_eq!(
        track(&t, LabTerm::PlateletCountDecreased)
            .worst_after
            .as_ref()
            .unwrap()
            .grade,
        1
    );
    assert_eq!(t.reild.status, ReildStatus::NotMet);
    assert_eq!(t.braat.grade, Some(2));
}

fn reild_case(intervention: Option<&str>) -> String {
    let mut t = edit(
        EXAMPLE,
        "bilirubin = \"1.5 mg/dL\"",
        "bilirubin = \"3.1 mg/dL\"",
    );
    t = edit(&t, "albumin = \"36 g/L\"", "albumin = \"28 g/L\"");
    let line = match intervention {
        Some(i) => format!("liver_treatment = \"{i}\""),
        None => String::new(),
    };
    t = edit(
        &t,
        "ascites = \"none\"\njaundice = false\ntumour_progression = false\nbiliary_obstruction = false\nliver_treatment = \"none\"",
        &format!(
            "ascites = \"moderate-severe\"\njaundice = true\ntumour_progression = false\nbiliary_obstruction = false\n{line}"
        ),
    );
    t
}

#[test]
fn reild_met_and_braat_grades() {
    let t = timeline(&reild_case(Some("non-invasive")));
    // Bilirubin 3.1 mg/dL > 1.5 × 1.2 → G2; albumin 28 g/L < 30 → G2; ascites new; day 28.
    assert_eq!(t.reild.status, ReildStatus::Met);
    assert_eq!(t.reild.onset_day, Some(28));
    assert_eq!(t.braat.grade, Some(3));
    assert_eq!(timeline(&reild_case(Some("invasive"))).braat.grade, Some(4));
    assert_eq!(timeline(&reild_case(Some("none"))).braat.grade, Some(2));
    let t = timeline(&reild_case(None));
    assert_eq!(t.braat.grade, None);
    assert!(
        t.braat.explanation.contains("not recorded"),
        "{}",
        t.braat.explanation
    );
    let fatal = edit(
        &reild_case(Some("invasive")),
        "date = \"2026-06-04\"\nascites",
        "date = \"2026-06-04\"\nfatal_liver_failure = true\nascites",
    );
    assert_eq!(timeline(&fatal).braat.grade, Some(5));
}

#[test]
fn reild_exclusions() {
    let progression = edit(
        &reild_case(Some("none")),
        "tumour_progression = false",
        "tumour_progression = true",
    );
    let t = timeline(&progression);
    assert_eq!(t.reild.status, ReildStatus::NotMet);
    assert!(
        t.reild
            .reasons
            .iter()
            .any(|r| r == "tumour progression recorded in the window")
    );
    // Neither progression nor obstruction recorded as absent: possible, not met.
    let unknown = reild_case(Some("none"))
        .replace("tumour_progression = false\n", "")
        .replace("biliary_obstruction = false\n", "");
    let t = timeline(&unknown);
    assert_eq!(t.reild.status, ReildStatus::Possible);
    assert_eq!(t.braat.grade, Some(2));
}

#[test]
fn reild_window_is_two_weeks_to_four_months() {
    // Move the deterioration to day 10: before the window.
    let early = reild_case(Some("none")).replace("2026-04-02", "2026-03-15");
    let t = timeline(&early);
    assert_eq!(
        t.reild.window.unwrap(),
        (
            jiff::civil::date(2026, 3, 19),
            jiff::civil::date(2026, 7, 5)
        )
    );
    // The day-91 values inside the window are back to baseline: not met.
    assert_eq!(t.reild.status, ReildStatus::NotMet);
    assert!(t.reild.reasons[0].starts_with("hyperbilirubinaemia: no bilirubin grade above"));
}

#[test]
fn inr_needs_the_anticoagulation_status() {
    let t = timeline(&edit(EXAMPLE, "anticoagulated = false\n", ""));
    let inr = track(&t, LabTerm::InrIncreased);
    assert!(inr.points.iter().all(|p| p.grade.grade().is_none()));
    assert!(
        t.braat.explanation.contains("not evaluated: ALP, INR"),
        "{}",
        t.braat.explanation
    );
}

#[test]
fn without_treatment_values_are_graded_against_the_reference_range() {
    let cut = EXAMPLE.find("[treatment]").unwrap();
    let end = EXAMPLE.find("[[labs]]").unwrap();
    let text = format!("{}{}", &EXAMPLE[..cut], &EXAMPLE[end..]);
    let t = timeline(&text);
    assert_eq!(t.treatment_date, None);
    let alp = track(&t, LabTerm::AlpIncreased);
    // 290 U/L > 2.5 × 120 = 300? No: 290 ≤ 300 → G1 against the ULN.
    assert_eq!(alp.points[2].grade.grade(), Some(1));
    assert!(alp.worst_after.is_none());
    assert_eq!(t.reild.status, ReildStatus::NotEvaluated);
    assert_eq!(t.braat.grade, None);
}

#[test]
fn unsupported_versions_are_errors() {
    let r = PatientRecord::from_toml(EXAMPLE, "p.toml").unwrap();
    assert!(matches!(
        grade_labs(&r, CtcaeVersion::V4_03),
        Err(CtcaeError::UnsupportedVersion { .. })
    ));
    // Also for a record without any lab value (nothing to grade is not a v6.0 report).
    let cut = EXAMPLE.find("[[labs]]").unwrap();
    let no_labs = PatientRecord::from_toml(&EXAMPLE[..cut], "p.toml").unwrap();
    assert!(matches!(
        grade_labs(&no_labs, CtcaeVersion::V6_0),
        Err(CtcaeError::UnsupportedVersion { .. })
    ));
}

/// A laboratory visit on the treatment day is the baseline (the latest value on or before day
/// 0), graded against the reference range; the values after it use the CTCAE v5.0 baseline
/// rules against it. Moving the example's 2026-03-04 visit to the treatment day 2026-03-05
/// keeps every grade; one day later (day 1) it is no longer the baseline.
#[test]
fn a_baseline_on_the_treatment_day_is_the_baseline() {
    let same_day = timeline(&edit(
        EXAMPLE,
        "date = \"2026-03-04\"",
        "date = \"2026-03-05\"",
    ));
    let alt = track(&same_day, LabTerm::AltIncreased);
    let base = alt
        .points
        .iter()
        .find(|p| p.phase == Phase::Baseline)
        .unwrap();
    assert_eq!(
        (base.date, base.day),
        (jiff::civil::date(2026, 3, 5), Some(0))
    );
    assert_eq!(alt.baseline(), Some(0));
    assert_eq!(alt.worst_after.as_ref().unwrap().grade, 2);
    let before = timeline(EXAMPLE);
    for term in LabTerm::ALL {
        let (Some(a), Some(b)) = (
            same_day.tracks.iter().find(|t| t.term == term),
            before.tracks.iter().find(|t| t.term == term),
        ) else {
            continue;
        };
        let grades = |t: &LabTrack| t.points.iter().map(|p| p.grade.clone()).collect::<Vec<_>>();
        assert_eq!(grades(a), grades(b), "{term:?}");
    }
    // The day after the treatment it is a value after treatment, and the baseline is the
    // 2026-02-09 visit.
    let next_day = timeline(&edit(
        EXAMPLE,
        "date = \"2026-03-04\"",
        "date = \"2026-03-06\"",
    ));
    let alt = track(&next_day, LabTerm::AltIncreased);
    let base = alt
        .points
        .iter()
        .find(|p| p.phase == Phase::Baseline)
        .unwrap();
    assert_eq!(base.date, jiff::civil::date(2026, 2, 9));
}
