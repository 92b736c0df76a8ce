//! CTCAE v5.0 grading against every boundary vector of clinical-rules.md §2.1 (from
//! `pharmaverse/admiral` `tests/testthat/test-derive_var_atoxgr.R`), the v5.0 table rows for
//! albumin and platelets, and the explicit anticoagulation rule for the INR.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use sirt_clinical::*;

const V5: CtcaeVersion = CtcaeVersion::V5_0;

fn ctx(
    baseline: Baseline,
    uln: Option<f64>,
    lln: Option<f64>,
    anticoagulated: Option<bool>,
) -> LabContext {
    LabContext {
        baseline,
        uln,
        lln,
        anticoagulated,
    }
}

fn g(term: LabTerm, value: f64, c: &LabContext) -> Option<u8> {
    grade(V5, term, value, c).unwrap().grade()
}

#[test]
fn alt_baseline_normal_uln_40() {
    // ALT v5, BL normal, ULN 40: 801→4, 800→3, 201→3, 200→2, 121→2, 120→1, 41→1, 40→0.
    let c = ctx(Baseline::Value(30.0), Some(40.0), None, None);
    for (v, want) in [
        (801.0, 4),
        (800.0, 3),
        (201.0, 3),
        (200.0, 2),
        (121.0, 2),
        (120.0, 1),
        (41.0, 1),
        (40.0, 0),
    ] {
        assert_eq!(g(LabTerm::AltIncreased, v, &c), Some(want), "ALT {v}");
        // AST has the same criteria.
        assert_eq!(g(LabTerm::AstIncreased, v, &c), Some(want), "AST {v}");
    }
    // The baseline itself is graded against the ULN the same way.
    let b = ctx(Baseline::ThisIsBaseline, Some(40.0), None, None);
    assert_eq!(g(LabTerm::AltIncreased, 121.0, &b), Some(2));
}

#[test]
fn alt_missing_uln_is_not_gradable() {
    // ULN missing → NA (admiral "ANRHI missing - cannot grade").
    let c = ctx(Baseline::Value(30.0), None, None, None);
    let out = grade(V5, LabTerm::AltIncreased, 100.0, &c).unwrap();
    assert_eq!(
        out,
        GradeOutcome::NotGradable {
            reason: NotGradable::NoUpperLimit {
                term: LabTerm::AltIncreased
            }
        }
    );
    assert_eq!(
        out.text(),
        "not gradable (no upper limit of normal for ALT)"
    );
}

/// Whether the value is "not gradable" because it lies between the ULN and the grade 1 bound
/// of an abnormal baseline.
fn below_abnormal_grade1(term: LabTerm, value: f64, c: &LabContext) -> bool {
    matches!(
        grade(V5, term, value, c).unwrap(),
        GradeOutcome::NotGradable {
            reason: NotGradable::BelowAbnormalBaselineGrade1 { .. }
        }
    )
}

/// CTCAE v5.0 "Alanine aminotransferase increased" / "Aspartate aminotransferase increased",
/// "if baseline was abnormal": G1 1.5–3.0 × BL, G2 >3.0–5.0, G3 >5.0–20.0, G4 >20.0 × BL.
/// admiral's vectors (BASE 40, ULN 39): 801→4, 800→3, 201→3, 200→2, 121→2, 120→1, 60→1; its
/// 59→0 lies between the ULN and 1.5 × BL, where CTCAE v5.0 gives no grade
/// (clinical-rules.md §2.1 "Gap"): not gradable here. 39 (≤ ULN) is grade 0.
#[test]
fn alt_baseline_abnormal() {
    let c = ctx(Baseline::Value(40.0), Some(39.0), None, None);
    for (v, want) in [
        (801.0, 4),
        (800.0, 3),
        (201.0, 3),
        (200.0, 2),
        (121.0, 2),
        (120.0, 1),
        (60.0, 1),
        (39.0, 0),
    ] {
        assert_eq!(g(LabTerm::AltIncreased, v, &c), Some(want), "ALT {v}");
        assert_eq!(g(LabTerm::AstIncreased, v, &c), Some(want), "AST {v}");
    }
    for v in [59.0, 40.0, 39.5] {
        assert!(
            below_abnormal_grade1(LabTerm::AltIncreased, v, &c),
            "ALT {v}"
        );
        assert!(
            below_abnormal_grade1(LabTerm::AstIncreased, v, &c),
            "AST {v}"
        );
    }
    insta::assert_snapshot!(
        grade(V5, LabTerm::AltIncreased, 59.0, &c).unwrap().text(),
        @"not gradable (baseline ALT 40 was above the ULN 39; the value is above the ULN but below grade 1 (≥ 1.5 × baseline = 60), where CTCAE v5.0 defines no grade)"
    );
    assert_eq!(
        grade(V5, LabTerm::AltIncreased, 60.0, &c).unwrap(),
        GradeOutcome::Graded {
            grade: 1,
            criterion: Criterion::BaselineMultiples
        }
    );
}

/// CTCAE v5.0 "Alkaline phosphatase increased", "if baseline was abnormal": G1 2.0–2.5 × BL,
/// G2 >2.5–5.0, G3 >5.0–20.0, G4 >20.0 × BL. admiral (BASE 40): 801→4, 800→3, 201→3, 200→2,
/// 101→2, 100→1, 80→1; its 79→0 is below 2.0 × BL and above the ULN: not gradable.
#[test]
fn alp_baseline_abnormal() {
    let c = ctx(Baseline::Value(40.0), Some(39.0), None, None);
    for (v, want) in [
        (801.0, 4),
        (800.0, 3),
        (201.0, 3),
        (200.0, 2),
        (101.0, 2),
        (100.0, 1),
        (80.0, 1),
        (30.0, 0),
    ] {
        assert_eq!(g(LabTerm::AlpIncreased, v, &c), Some(want), "ALP {v}");
    }
    assert!(below_abnormal_grade1(LabTerm::AlpIncreased, 79.0, &c));
}

/// CTCAE v5.0 "GGT increased": same multipliers as ALP; admiral's baseline-abnormal G1 is
/// > 2 × BL, not ≥: 81 → 1, and 80 (above the ULN, not above 2 × BL) is not gradable.
#[test]
fn ggt_baseline_abnormal_grade_one_is_strict() {
    let c = ctx(Baseline::Value(40.0), Some(39.0), None, None);
    for (v, want) in [
        (801.0, 4),
        (800.0, 3),
        (201.0, 3),
        (200.0, 2),
        (101.0, 2),
        (100.0, 1),
        (81.0, 1),
        (39.0, 0),
    ] {
        assert_eq!(g(LabTerm::GgtIncreased, v, &c), Some(want), "GGT {v}");
    }
    assert!(below_abnormal_grade1(LabTerm::GgtIncreased, 80.0, &c));
}

/// CTCAE v5.0 "Blood bilirubin increased": G1 ">ULN - 1.5 x ULN if baseline was normal;
/// \>1.0 - 1.5 x baseline if baseline was abnormal"; G2 above 1.5–3.0, G3 above 3.0–10.0, G4
/// above 10.0. admiral, BL normal, ULN 40: 401→4, 400→3, 121→3, 120→2, 61→2, 60→1, 41→1,
/// 40→0. BL abnormal: the same values with BASE 40 and ULN 39: G1 starts above 40; 40 itself
/// (above the ULN, not above the baseline: admiral's 0) is not gradable.
#[test]
fn bilirubin_baseline_normal_and_abnormal() {
    let normal = ctx(Baseline::Value(20.0), Some(40.0), None, None);
    let abnormal = ctx(Baseline::Value(40.0), Some(39.0), None, None);
    for (v, want) in [
        (401.0, 4),
        (400.0, 3),
        (121.0, 3),
        (120.0, 2),
        (61.0, 2),
        (60.0, 1),
        (41.0, 1),
    ] {
        assert_eq!(
            g(LabTerm::BilirubinIncreased, v, &normal),
            Some(want),
            "BL normal {v}"
        );
        assert_eq!(
            g(LabTerm::BilirubinIncreased, v, &abnormal),
            Some(want),
            "BL abnormal {v}"
        );
    }
    assert_eq!(g(LabTerm::BilirubinIncreased, 40.0, &normal), Some(0));
    assert!(below_abnormal_grade1(
        LabTerm::BilirubinIncreased,
        40.0,
        &abnormal
    ));
    assert_eq!(g(LabTerm::BilirubinIncreased, 39.0, &abnormal), Some(0));
    assert_eq!(
        g(LabTerm::BilirubinIncreased, 40.000001, &abnormal),
        Some(1)
    );
}

/// CTCAE v5.0 grades the liver tests against the ULN "if baseline was normal" and against the
/// baseline "if baseline was abnormal": without a baseline, a value above the ULN is not
/// gradable (either rule could apply), one at or below it is grade 0 under both.
#[test]
fn missing_baseline_only_grades_what_both_rules_agree_on() {
    let c = ctx(Baseline::Missing, Some(40.0), None, None);
    assert_eq!(g(LabTerm::AstIncreased, 40.0, &c), Some(0));
    for term in [
        LabTerm::AstIncreased,
        LabTerm::AltIncreased,
        LabTerm::AlpIncreased,
        LabTerm::GgtIncreased,
        LabTerm::BilirubinIncreased,
    ] {
        let out = grade(V5, term, 41.0, &c).unwrap();
        assert_eq!(
            out,
            GradeOutcome::NotGradable {
                reason: NotGradable::NoBaseline { term }
            }
        );
        assert!(
            out.text().starts_with("not gradable (no baseline"),
            "{out:?}"
        );
    }
}

/// Values CTCAE cannot grade at all: not a finite, non-negative number.
#[test]
fn invalid_values_are_not_gradable() {
    let c = ctx(Baseline::Value(30.0), Some(40.0), Some(35.0), Some(false));
    for term in LabTerm::ALL {
        for v in [f64::NAN, -1.0, f64::INFINITY] {
            let out = grade(V5, term, v, &c).unwrap();
            assert!(
                matches!(
                    out,
                    GradeOutcome::NotGradable {
                        reason: NotGradable::InvalidValue { .. }
                    }
                ),
                "{term:?} {v}"
            );
        }
    }
}

/// The JSON of a grade carries its status, and for a value that is not gradable its cause and
/// reason (never a grade).
#[test]
fn grade_outcome_json() {
    let c = ctx(Baseline::Missing, Some(40.0), None, None);
    let graded = serde_json::to_value(grade(V5, LabTerm::AltIncreased, 40.0, &c).unwrap()).unwrap();
    assert_eq!(
        graded,
        serde_json::json!({"status": "graded", "grade": 0, "criterion": "uln-multiples"})
    );
    let not = serde_json::to_value(grade(V5, LabTerm::AltIncreased, 41.0, &c).unwrap()).unwrap();
    assert_eq!(not["status"], "not_gradable");
    assert_eq!(not["cause"], "no_baseline");
    assert!(not.get("grade").is_none());
    assert!(
        not["reason"]
            .as_str()
            .unwrap()
            .starts_with("no baseline ALT")
    );
}

#[test]
fn inr_vectors_for_an_anticoagulated_patient() {
    // INR v5 (AVAL, BASE → grade), admiral's vectors, which assume anticoagulation.
    let vectors: [(f64, Option<f64>, Option<u8>); 13] = [
        (2.51, Some(2.6), Some(3)),
        (2.5, Some(1.0), Some(2)),
        (1.51, Some(1.0), Some(2)),
        (1.5, Some(1.0), Some(1)),
        (1.2, Some(1.0), Some(1)),
        (1.19, Some(1.19), Some(0)),
        (2.5, Some(0.99), Some(3)),
        (1.5, Some(0.6), Some(2)),
        (1.5, Some(0.99), Some(2)),
        (1.2, Some(0.8), Some(1)),
        (1.2, Some(1.19), Some(1)),
        (1.2, Some(1.2), Some(0)),
        (1.2, None, None),
    ];
    for (v, base, want) in vectors {
        let c = ctx(
            base.map_or(Baseline::Missing, Baseline::Value),
            None,
            None,
            Some(true),
        );
        assert_eq!(
            g(LabTerm::InrIncreased, v, &c),
            want,
            "INR {v}, baseline {base:?}"
        );
    }
}

#[test]
fn inr_not_anticoagulated_uses_the_absolute_cut_offs() {
    // CTCAE v5.0 text: G1 > 1.2–1.5, G2 > 1.5–2.5, G3 > 2.5 (clinical-rules.md §2.1).
    for base in [
        Baseline::Value(1.0),
        Baseline::Value(0.6),
        Baseline::Missing,
        Baseline::ThisIsBaseline,
    ] {
        let c = ctx(base, None, None, Some(false));
        for (v, want) in [
            (2.51, 3),
            (2.5, 2),
            (1.51, 2),
            (1.5, 1),
            (1.21, 1),
            (1.2, 0),
            (1.19, 0),
        ] {
            assert_eq!(
                g(LabTerm::InrIncreased, v, &c),
                Some(want),
                "INR {v}, {base:?}"
            );
        }
    }
}

#[test]
fn inr_without_anticoagulation_status_is_not_gradable() {
    let c = ctx(Baseline::Value(1.0), None, None, None);
    let out = grade(V5, LabTerm::InrIncreased, 3.0, &c).unwrap();
    assert_eq!(
        out,
        GradeOutcome::NotGradable {
            reason: NotGradable::AnticoagulationNotRecorded
        }
    );
    assert!(
        out.text()
            .starts_with("not gradable (anticoagulation status not recorded"),
        "{out:?}"
    );
}

#[test]
fn hypoalbuminemia_v5_rows() {
    // < LLN–3 g/dL (30 g/L) G1; < 30–20 G2; < 20 G3 (G4 is clinical only).
    let c = ctx(Baseline::Missing, None, Some(35.0), None);
    for (v, want) in [
        (35.0, 0),
        (34.9, 1),
        (30.0, 1),
        (29.9, 2),
        (20.0, 2),
        (19.9, 3),
        (5.0, 3),
    ] {
        assert_eq!(
            g(LabTerm::Hypoalbuminemia, v, &c),
            Some(want),
            "albumin {v} g/L"
        );
    }
    // Without an LLN only grade 1 is undecidable.
    let no_lln = ctx(Baseline::Missing, None, None, None);
    assert_eq!(g(LabTerm::Hypoalbuminemia, 29.9, &no_lln), Some(2));
    assert_eq!(g(LabTerm::Hypoalbuminemia, 33.0, &no_lln), None);
    // From g/dL: 3.0 g/dL = 30 g/L is grade 1, not 2.
    let a: Albumin = "3.0 g/dL".parse().unwrap();
    assert_eq!(g(LabTerm::Hypoalbuminemia, a.g_per_l(), &c), Some(1));
}

#[test]
fn platelets_v5_rows() {
    // < LLN–75 G1; < 75–50 G2; < 50–25 G3; < 25 G4 (10^9/L).
    let c = ctx(Baseline::Missing, None, Some(150.0), None);
    for (v, want) in [
        (150.0, 0),
        (149.0, 1),
        (75.0, 1),
        (74.9, 2),
        (50.0, 2),
        (49.9, 3),
        (25.0, 3),
        (24.9, 4),
    ] {
        assert_eq!(
            g(LabTerm::PlateletCountDecreased, v, &c),
            Some(want),
            "platelets {v}"
        );
    }
}

#[test]
fn other_versions_are_typed_errors() {
    let c = ctx(Baseline::Value(30.0), Some(40.0), None, None);
    for version in [CtcaeVersion::V4_03, CtcaeVersion::V6_0] {
        let e = grade(version, LabTerm::AltIncreased, 100.0, &c).unwrap_err();
        assert!(matches!(e, CtcaeError::UnsupportedVersion { version: v, .. } if v == version));
    }
    let e = grade(CtcaeVersion::V6_0, LabTerm::AltIncreased, 100.0, &c).unwrap_err();
    insta::assert_snapshot!(e.to_string());
    assert_eq!("v5.0".parse::<CtcaeVersion>().unwrap(), CtcaeVersion::V5_0);
    assert_eq!("4.03".parse::<CtcaeVersion>().unwrap(), CtcaeVersion::V4_03);
    assert!("5.1".parse::<CtcaeVersion>().is_err());
}

fn baseline_strategy() -> impl Strategy<Value = Baseline> {
    prop_oneof![
        Just(Baseline::Missing),
        Just(Baseline::ThisIsBaseline),
        (0.1f64..500.0).prop_map(Baseline::Value),
    ]
}

proptest! {
    /// For fixed context, the grade never decreases as an "increased" value rises (and never
    /// increases as albumin or platelets rise); a graded value stays graded above it for the
    /// "increased" terms only when it was graded below.
    #[test]
    fn grade_is_monotone_in_the_value(
        term in prop::sample::select(LabTerm::ALL.to_vec()),
        a in 0.0f64..1000.0,
        b in 0.0f64..1000.0,
        base in baseline_strategy(),
        uln in prop::option::of(1.0f64..200.0),
        lln in prop::option::of(1.0f64..200.0),
        anticoagulated in prop::option::of(any::<bool>()),
    ) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let c = LabContext { baseline: base, uln, lln, anticoagulated };
        let gl = grade(V5, term, lo, &c).unwrap().grade();
        let gh = grade(V5, term, hi, &c).unwrap().grade();
        if let (Some(gl), Some(gh)) = (gl, gh) {
            match term {
                LabTerm::Hypoalbuminemia | LabTerm::PlateletCountDecreased => prop_assert!(gl >= gh),
                _ => prop_assert!(gl <= gh),
            }
        }
    }
}
