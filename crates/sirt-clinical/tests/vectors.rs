//! Scores and BED against `tests/data/vectors.json` (computed by the domain notes' author from the
//! formulas of clinical-rules.md §2.2–2.4 and §4.1; see tests/data/README.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use sirt_clinical::*;
use sirt_units::{AbsorbedDose, TimeSpan};

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/vectors.json")).unwrap()
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or_else(|| panic!("{k} in {v}"))
}

#[test]
fn albi_vectors_both_coefficients() {
    let v = vectors();
    let rows = v["albi"].as_array().unwrap();
    assert_eq!(rows.len(), 7);
    let mut worst: f64 = 0.0;
    for r in rows {
        let b = BilirubinValue::umol_per_l(f(r, "bili_umol")).value;
        let a = Albumin::from_g_per_l(f(r, "alb_gL"));
        let p = albi(b, a, AlbiCoefficient::Johnson2015).unwrap();
        let q = albi(b, a, AlbiCoefficient::FourDigits).unwrap();
        // The vectors are rounded to 4 decimals.
        for (got, want) in [(p.score, f(r, "score_085")), (q.score, f(r, "score_0852"))] {
            assert!((got - want).abs() <= 0.5e-4 + 1e-12, "{r}: {got} vs {want}");
            worst = worst.max((got - want).abs());
        }
        let grade = match p.grade {
            AlbiGrade::G1 => 1,
            AlbiGrade::G2 => 2,
            AlbiGrade::G3 => 3,
        };
        assert_eq!(grade, r["grade"].as_i64().unwrap(), "{r}");
        assert_eq!(p.malbi.to_string(), r["mALBI"].as_str().unwrap(), "{r}");
    }
    assert!(worst < 5e-5, "largest ALBI difference {worst}");
}

#[test]
fn meld_vectors() {
    let v = vectors();
    let rows = v["meld"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for r in rows {
        let i = MeldInputs {
            creatinine: Creatinine::from_mg_per_dl(f(r, "cr")),
            bilirubin: Bilirubin::from_mg_per_dl(f(r, "bili")),
            inr: Inr::new(f(r, "inr")).unwrap(),
            dialysis: r["dialysis"].as_bool().unwrap(),
        };
        let m = meld(&i);
        assert!(
            (m.meld_i - f(r, "meld_i")).abs() <= 0.5e-4,
            "{r}: MELD(i) {}",
            m.meld_i
        );
        assert_eq!(f64::from(m.score), f(r, "meld"), "{r}");
        let na = Sodium::from_mmol_per_l(f(r, "na"));
        assert_eq!(f64::from(meld_na(&m, na)), f(r, "meld_na"), "{r}");
        let alb = Albumin::from_g_per_l(f(r, "alb") * 10.0);
        let m3 = meld3(&i, na, alb, r["female"].as_bool().unwrap());
        assert!(
            (m3.raw - f(r, "meld3_raw")).abs() <= 0.5e-4,
            "{r}: MELD 3.0 raw {}",
            m3.raw
        );
        assert_eq!(f64::from(m3.score), f(r, "meld3"), "{r}");
    }
}

#[test]
fn child_pugh_vectors() {
    let v = vectors();
    let rows = v["child_pugh"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for r in rows {
        let ascites = match r["ascites"].as_i64().unwrap() {
            0 => Ascites::None,
            1 => Ascites::Mild,
            _ => Ascites::ModerateSevere,
        };
        let encephalopathy = match r["enceph"].as_i64().unwrap() {
            0 => Encephalopathy::None,
            1 => Encephalopathy::Grade1To2,
            _ => Encephalopathy::Grade3To4,
        };
        let c = child_pugh(&ChildPughInputs {
            bilirubin: BilirubinValue::mg_per_dl(f(r, "bili")),
            albumin: Albumin::from_g_per_l(f(r, "alb") * 10.0),
            inr: Inr::new(f(r, "inr")).unwrap(),
            ascites,
            encephalopathy,
        });
        assert_eq!(i64::from(c.total), r["points"].as_i64().unwrap(), "{r}");
        assert_eq!(c.class.to_string(), r["cls"].as_str().unwrap(), "{r}");
    }
}

#[test]
fn bed_vectors() {
    let v = vectors();
    let rows = v["bed_permanent_implant"].as_array().unwrap();
    assert_eq!(rows.len(), 30);
    let mut worst: f64 = 0.0;
    for r in rows {
        let params = r["params"].as_str().unwrap();
        let p = match params {
            "liver a/b=2.5 Trep=1.5h" => LqParameters::normal_liver(),
            "liver a/b=2.5 Trep=2.5h" => LqParameters::normal_liver_slow_repair(),
            "tumour a/b=10 Trep=1.5h" => LqParameters::tumour(),
            other => panic!("parameters {other}"),
        };
        let half_life = match r["isotope"].as_str().unwrap() {
            "Y-90 64.1h" => TimeSpan::from_hours(64.1),
            "Ho-166 26.8h" => TimeSpan::from_hours(26.8),
            other => panic!("isotope {other}"),
        };
        let b = bed_permanent_implant(AbsorbedDose::from_gy(f(r, "D")), half_life, &p).unwrap();
        // Vectors rounded to 3 decimals.
        for (got, want) in [(b.bed.gy(), f(r, "BED")), (b.eqd2.gy(), f(r, "EQD2"))] {
            assert!((got - want).abs() <= 0.5e-3 + 1e-9, "{r}: {got} vs {want}");
            worst = worst.max((got - want).abs());
        }
    }
    assert!(worst <= 5e-4, "largest BED/EQD2 difference {worst} Gy");
}

#[test]
fn bed_refuses_meaningless_parameters() {
    let mut p = LqParameters::normal_liver();
    p.alpha_beta = AbsorbedDose::from_gy(0.0);
    let e = bed_permanent_implant(AbsorbedDose::from_gy(40.0), TimeSpan::from_hours(64.1), &p)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "BED: `alpha_beta`: expected a finite value above zero, found 0 Gy"
    );
    // Dose 0 gives BED 0 (not an error).
    let b = bed_permanent_implant(
        AbsorbedDose::from_gy(0.0),
        TimeSpan::from_hours(64.1),
        &LqParameters::tumour(),
    )
    .unwrap();
    assert_eq!(b.bed.gy(), 0.0);
}
