//! Score boundaries from the published tables (clinical-rules.md §2.2–2.4): every Child-Pugh
//! item and class boundary, the ALBI / mALBI cut-offs, MELD bounds, and the unit conversions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use sirt_clinical::*;

fn b(text: &str) -> BilirubinValue {
    text.parse().unwrap()
}
fn alb(text: &str) -> Albumin {
    text.parse().unwrap()
}
fn inr(x: f64) -> Inr {
    Inr::new(x).unwrap()
}

#[test]
fn child_pugh_bilirubin_points_in_both_units() {
    // < 2 mg/dL (< 34.2 µmol/L) 1; 2–3 (34.2–51.3) 2; > 3 (> 51.3) 3; middle band inclusive.
    for (t, want) in [
        ("1.99 mg/dL", 1),
        ("2 mg/dL", 2),
        ("3 mg/dL", 2),
        ("3.01 mg/dL", 3),
        ("34.1 µmol/L", 1),
        ("34.2 µmol/L", 2),
        ("51.3 µmol/L", 2),
        ("51.4 umol/L", 3),
    ] {
        assert_eq!(child_pugh_bilirubin_points(b(t)), want, "{t}");
    }
}

#[test]
fn child_pugh_albumin_and_inr_points() {
    // Albumin > 3.5 g/dL 1; 2.8–3.5 2; < 2.8 3.
    for (t, want) in [
        ("3.51 g/dL", 1),
        ("3.5 g/dL", 2),
        ("35 g/L", 2),
        ("2.8 g/dL", 2),
        ("28 g/L", 2),
        ("2.79 g/dL", 3),
    ] {
        assert_eq!(child_pugh_albumin_points(alb(t)), want, "{t}");
    }
    // INR < 1.7 1; 1.7–2.3 2; > 2.3 3.
    for (x, want) in [(1.69, 1), (1.7, 2), (2.3, 2), (2.31, 3)] {
        assert_eq!(child_pugh_inr_points(inr(x)), want, "INR {x}");
    }
}

fn cp(bili: &str, albumin: &str, i: f64, a: Ascites, e: Encephalopathy) -> ChildPugh {
    child_pugh(&ChildPughInputs {
        bilirubin: b(bili),
        albumin: alb(albumin),
        inr: inr(i),
        ascites: a,
        encephalopathy: e,
    })
}

#[test]
fn child_pugh_class_boundaries() {
    use Ascites as A;
    use Encephalopathy as E;
    // 5 and 6 are A, 7 is B, 9 is B, 10 is C (A 5–6, B 7–9, C 10–15).
    let five = cp("1 mg/dL", "40 g/L", 1.0, A::None, E::None);
    assert_eq!((five.total, five.class), (5, ChildPughClass::A));
    let six = cp("2 mg/dL", "40 g/L", 1.0, A::None, E::None);
    assert_eq!((six.total, six.class), (6, ChildPughClass::A));
    let seven = cp("2 mg/dL", "3.5 g/dL", 1.0, A::None, E::None);
    assert_eq!((seven.total, seven.class), (7, ChildPughClass::B));
    let nine = cp("2 mg/dL", "3.5 g/dL", 1.7, A::Mild, E::None);
    assert_eq!((nine.total, nine.class), (9, ChildPughClass::B));
    let ten = cp("2 mg/dL", "3.5 g/dL", 1.7, A::Mild, E::Grade1To2);
    assert_eq!((ten.total, ten.class), (10, ChildPughClass::C));
    let fifteen = cp(
        "3.5 mg/dL",
        "2.5 g/dL",
        2.5,
        A::ModerateSevere,
        E::Grade3To4,
    );
    assert_eq!((fifteen.total, fifteen.class), (15, ChildPughClass::C));
    for (p, c) in [(5, "A"), (6, "A"), (7, "B"), (9, "B"), (10, "C"), (15, "C")] {
        assert_eq!(ChildPughClass::from_points(p).to_string(), c);
    }
}

#[test]
fn albi_and_malbi_cut_offs() {
    // Grade 1 ≤ −2.60 < grade 2 ≤ −1.39 < grade 3; mALBI 2a ≤ −2.270 < 2b.
    for (s, g, m) in [
        (-2.60, AlbiGrade::G1, MalbiGrade::G1),
        (-2.5999, AlbiGrade::G2, MalbiGrade::G2a),
        (-2.27, AlbiGrade::G2, MalbiGrade::G2a),
        (-2.2699, AlbiGrade::G2, MalbiGrade::G2b),
        (-1.39, AlbiGrade::G2, MalbiGrade::G2b),
        (-1.3899, AlbiGrade::G3, MalbiGrade::G3),
    ] {
        assert_eq!(AlbiGrade::from_score(s), g, "{s}");
        assert_eq!(MalbiGrade::from_score(s), m, "{s}");
    }
    // A bilirubin of zero has no ALBI.
    assert!(
        albi(
            Bilirubin::from_mg_per_dl(0.0),
            alb("40 g/L"),
            AlbiCoefficient::Johnson2015
        )
        .is_none()
    );
    // The same patient in mg/dL and g/dL: 1 mg/dL = 17.104 µmol/L, 3.5 g/dL = 35 g/L.
    let x = albi(
        b("1 mg/dL").value,
        alb("3.5 g/dL"),
        AlbiCoefficient::Johnson2015,
    )
    .unwrap();
    let y = albi(
        b("17.104 µmol/L").value,
        alb("35 g/L"),
        AlbiCoefficient::Johnson2015,
    )
    .unwrap();
    assert!((x.score - y.score).abs() < 1e-12);
    assert!((x.score - (0.66 * 17.104f64.log10() - 0.085 * 35.0)).abs() < 1e-12);
}

#[test]
fn meld_bounds() {
    let i = |cr: f64, bili: f64, n: f64, dialysis: bool| MeldInputs {
        creatinine: Creatinine::from_mg_per_dl(cr),
        bilirubin: Bilirubin::from_mg_per_dl(bili),
        inr: inr(n),
        dialysis,
    };
    // Values below 1 are set to 1: MELD(i) = 0.643 → 6.
    assert_eq!(meld(&i(0.5, 0.3, 0.9, false)).score, 6);
    // Creatinine above 4 and dialysis both give creatinine 4.
    assert_eq!(
        meld(&i(6.0, 1.0, 1.0, false)),
        meld(&i(4.0, 1.0, 1.0, false))
    );
    assert_eq!(
        meld(&i(1.0, 1.0, 1.0, true)),
        meld(&i(4.0, 1.0, 1.0, false))
    );
    // MELD-Na only above 11: MELD 6 stays 6 at sodium 125.
    let m = meld(&i(1.0, 1.0, 1.0, false));
    assert_eq!(meld_na(&m, Sodium::from_mmol_per_l(125.0)), 6);
    // Sodium bounded to 125–137: 110 gives the same as 125, 150 the same as 137.
    let m = meld(&i(1.5, 2.0, 1.5, false));
    assert_eq!(
        meld_na(&m, Sodium::from_mmol_per_l(110.0)),
        meld_na(&m, Sodium::from_mmol_per_l(125.0))
    );
    assert_eq!(meld_na(&m, Sodium::from_mmol_per_l(150.0)), m.score);
    // MELD 3.0: creatinine at most 3, dialysis → 3.
    let na = Sodium::from_mmol_per_l(137.0);
    let a = alb("3.5 g/dL");
    assert_eq!(
        meld3(&i(5.0, 1.0, 1.0, false), na, a, false),
        meld3(&i(3.0, 1.0, 1.0, false), na, a, false)
    );
    assert_eq!(
        meld3(&i(1.0, 1.0, 1.0, true), na, a, false),
        meld3(&i(3.0, 1.0, 1.0, false), na, a, false)
    );
}

#[test]
fn unit_conversions() {
    // Bilirubin: 1 mg/dL = 17.104 µmol/L (sirt-units, molar mass 584.66 g/mol; clinical-rules.md
    // §2.2 gives 17.104 or 17.1).
    assert_eq!(sirt_units::BILIRUBIN_UMOL_PER_L_PER_MG_PER_DL, 17.104);
    assert!((b("34.208 µmol/L").value.mg_per_dl() - 2.0).abs() < 1e-12);
    // Albumin g/dL × 10 = g/L.
    assert_eq!(alb("3.8 g/dL").g_per_l(), 38.0);
    assert!((alb("38 g/L").g_per_dl() - 3.8).abs() < 1e-12);
    // Creatinine: 1 mg/dL = 88.4 µmol/L (10 000 / 113.12 g/mol = 88.40).
    let c: Creatinine = "88.4 µmol/L".parse().unwrap();
    assert!((c.mg_per_dl() - 1.0).abs() < 1e-12);
    assert!((10_000.0 / 113.12 - CREATININE_UMOL_PER_L_PER_MG_PER_DL).abs() < 0.01);
    // Cell counts: 10^3/µL = 10^9/L; 150 000 /mm³ = 150 × 10^9/L.
    let p: CellCount = "150 10^3/µL".parse().unwrap();
    assert_eq!(p.per_nl(), 150.0);
    let p: CellCount = "150000 /mm3".parse().unwrap();
    assert!((p.per_nl() - 150.0).abs() < 1e-9);
    // Enzymes: 1 µkat/L = 60 U/L.
    let e: EnzymeActivity = "0.5 µkat/L".parse().unwrap();
    assert_eq!(e.u_per_l(), 30.0);
    // Sodium mEq/L = mmol/L.
    let s: Sodium = "140 mEq/L".parse().unwrap();
    assert_eq!(s.mmol_per_l(), 140.0);
}

#[test]
fn who_2019_grade_from_ki67() {
    // G1 < 3 %, G2 3–20 %, G3 > 20 %.
    let g = |p: f64| who2019_grade_from_ki67(sirt_units::Fraction::new(p / 100.0).unwrap());
    assert_eq!(g(2.9), NetGrade::G1);
    assert_eq!(g(3.0), NetGrade::G2);
    assert_eq!(g(20.0), NetGrade::G2);
    assert_eq!(g(20.1), NetGrade::G3);
}

proptest! {
    /// Child-Pugh points rise with bilirubin and INR and fall with albumin, in either unit.
    #[test]
    fn child_pugh_points_are_monotone(x in 0.0f64..20.0, y in 0.0f64..20.0, umol in any::<bool>()) {
        let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
        let mk = |v: f64| if umol { BilirubinValue::umol_per_l(v * 17.1) } else { BilirubinValue::mg_per_dl(v) };
        prop_assert!(child_pugh_bilirubin_points(mk(lo)) <= child_pugh_bilirubin_points(mk(hi)));
        prop_assert!(child_pugh_inr_points(inr(lo)) <= child_pugh_inr_points(inr(hi)));
        prop_assert!(
            child_pugh_albumin_points(Albumin::from_g_per_l(lo * 5.0))
                >= child_pugh_albumin_points(Albumin::from_g_per_l(hi * 5.0))
        );
    }

    /// The total is the sum of the items, between 5 and 15, and the class follows it.
    #[test]
    fn child_pugh_total_and_class(bili in 0.1f64..10.0, a in 10.0f64..50.0, i in 0.8f64..4.0,
                                  asc in 0usize..3, enc in 0usize..3) {
        let asc = [Ascites::None, Ascites::Mild, Ascites::ModerateSevere][asc];
        let enc = [Encephalopathy::None, Encephalopathy::Grade1To2, Encephalopathy::Grade3To4][enc];
        let c = child_pugh(&ChildPughInputs {
            bilirubin: BilirubinValue::mg_per_dl(bili),
            albumin: Albumin::from_g_per_l(a),
            inr: inr(i),
            ascites: asc,
            encephalopathy: enc,
        });
        prop_assert_eq!(c.total, c.bilirubin_points + c.albumin_points + c.inr_points + c.ascites_points + c.encephalopathy_points);
        prop_assert!((5..=15).contains(&c.total));
        prop_assert_eq!(c.class, ChildPughClass::from_points(c.total));
    }
}
