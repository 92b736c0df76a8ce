//! The models against vectors computed elsewhere (Python, shared/reference; see tests/data/README.md),
//! and the invariants every model must keep (property tests).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use sirt_analytic::bsa::{BsaInputs, LsfBand, LsfBands};
use sirt_analytic::lung::Lung;
use sirt_analytic::partition::{Territory, TumourCompartment};
use sirt_analytic::prescription::{InjectionLimits, Prescription, TumourTarget, solve};
use sirt_units::{AbsorbedDose, Activity, DepositionCoefficient, Fraction, Length, Mass, Volume};

/// The resin bands of clinical-rules.md §3.2 as the reference vectors read them: [0, 10) % × 1,
/// [10, 15) % × 0.8, [15, 20] % × 0.6, above 20 % contraindicated.
fn reference_bands() -> LsfBands {
    let band = |lower, lower_inclusive, upper, upper_inclusive, factor| LsfBand {
        lower,
        lower_inclusive,
        upper,
        upper_inclusive,
        factor,
    };
    LsfBands {
        bands: vec![
            band(0.0, true, 0.10, false, Some(1.0)),
            band(0.10, true, 0.15, false, Some(0.8)),
            band(0.15, true, 0.20, true, Some(0.6)),
            band(0.20, false, 1.0, true, None),
        ],
        source: "clinical-rules.md §3.2".into(),
    }
}

fn vectors() -> Vec<Value> {
    serde_json::from_str(include_str!("data/sirt_derived_test_vectors.json")).unwrap()
}

fn f(v: &Value, path: &[&str]) -> f64 {
    let mut x = v;
    for p in path {
        x = &x[*p];
    }
    x.as_f64().unwrap_or_else(|| panic!("{path:?} missing"))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

/// (I1) A = D·M/(K(1−LSF)), (L2) D_lung = K·A·LSF/1 kg; vectors "glass_mird_*".
#[test]
fn mird_vectors() {
    let mut n = 0;
    for v in vectors()
        .iter()
        .filter(|v| v["id"].as_str().unwrap().starts_with("glass_mird"))
    {
        let i = &v["inputs"];
        let territory = Territory {
            tumours: vec![],
            normal_liver: Mass::from_kg(f(i, &["M_target_kg"])),
        };
        let lung = Lung::with_mass(
            Fraction::new(f(i, &["LSF"])).unwrap(),
            Mass::from_kg(f(i, &["lung_mass_kg"])),
        );
        let k = DepositionCoefficient::from_gy_kg_per_gbq(f(i, &["coef_Gy_kg_per_GBq"]));
        let s = solve(
            &territory,
            &lung,
            k,
            &Prescription::PerfusedDose(AbsorbedDose::from_gy(f(i, &["D_target_Gy"]))),
            &InjectionLimits::default(),
        )
        .unwrap();
        let o = &v["outputs"];
        assert!(
            close(s.administered.gbq(), f(o, &["A_required_GBq"]), 1e-12),
            "{}",
            v["id"]
        );
        assert!(
            close(
                s.doses.perfused.activity.gbq(),
                f(o, &["A_delivered_to_target_GBq"]),
                1e-12
            ),
            "{}",
            v["id"]
        );
        assert!(
            (s.doses.lung.dose.gy() - f(o, &["lung_dose_Gy"])).abs() < 1e-9,
            "{}",
            v["id"]
        );
        n += 1;
    }
    assert_eq!(n, 4);
}

/// (B1) BSA = 0.20247·H^0.725·W^0.425; (B2) A = BSA − 0.2 + TV/LV; (B4) bands; "resin_bsa_*".
#[test]
fn bsa_vectors() {
    let mut n = 0;
    for v in vectors()
        .iter()
        .filter(|v| v["id"].as_str().unwrap().starts_with("resin_bsa"))
    {
        let i = &v["inputs"];
        let r = BsaInputs {
            height: Length::from_m(f(i, &["height_m"])),
            weight: Mass::from_kg(f(i, &["weight_kg"])),
            tumour_volume: Volume::from_ml(f(i, &["tumour_volume_mL"])),
            liver_volume: Volume::from_ml(f(i, &["total_liver_volume_incl_tumour_mL"])),
            perfused_volume: None,
            lsf: Fraction::new(f(i, &["LSF"])).unwrap(),
        }
        .compute(&reference_bands())
        .unwrap();
        let o = &v["outputs"];
        assert!(close(r.bsa_m2, f(o, &["BSA_m2"]), 1e-14), "{}", v["id"]);
        assert!(close(
            r.tumour_involvement,
            f(o, &["tumour_involvement_fraction"]),
            1e-14
        ));
        assert!(close(
            r.whole_liver_activity.gbq(),
            f(o, &["A_GBq_before_LSF_reduction"]),
            1e-14
        ));
        assert!(close(
            r.activity.unwrap().gbq(),
            f(o, &["A_GBq_after_reduction"]),
            1e-14
        ));
        assert!(((1.0 - r.lsf_factor.unwrap()) - f(o, &["LSF_reduction_fraction"])).abs() < 1e-15);
        n += 1;
    }
    assert_eq!(n, 3);
}

/// Inverse from a normal-liver dose: A = D_NL·(TNR·M_T + M_NL)/(K(1−LSF)); D_T = TNR·D_NL;
/// "partition_*". Solved here as the inverse with the normal-liver limit binding.
#[test]
fn partition_vectors() {
    let mut n = 0;
    for v in vectors()
        .iter()
        .filter(|v| v["id"].as_str().unwrap().starts_with("partition"))
    {
        let i = &v["inputs"];
        let territory = Territory {
            tumours: vec![TumourCompartment {
                id: "T".into(),
                mass: Mass::from_kg(f(i, &["M_tumour_kg"])),
                tnr: f(i, &["TNR"]),
            }],
            normal_liver: Mass::from_kg(f(i, &["M_normal_liver_kg"])),
        };
        let lung = Lung::convention(Fraction::new(f(i, &["LSF"])).unwrap());
        let k = DepositionCoefficient::from_gy_kg_per_gbq(f(i, &["coef"]));
        let s = solve(
            &territory,
            &lung,
            k,
            &Prescription::MaximumAllowed,
            &InjectionLimits {
                normal_liver_max: Some(AbsorbedDose::from_gy(f(i, &["D_normal_liver_Gy"]))),
                ..Default::default()
            },
        )
        .unwrap();
        let o = &v["outputs"];
        assert!(
            close(s.administered.gbq(), f(o, &["A_GBq"]), 1e-12),
            "{}",
            v["id"]
        );
        assert!(close(
            s.doses.tumours[0].1.dose.gy(),
            f(o, &["D_tumour_Gy"]),
            1e-12
        ));
        assert!(close(s.doses.lung.dose.gy(), f(o, &["D_lung_Gy"]), 1e-12));
        assert!(close(
            s.doses.tumours[0].1.activity.gbq(),
            f(o, &["A_tumour_GBq"]),
            1e-12
        ));
        assert!(close(
            s.doses.normal_liver.activity.gbq(),
            f(o, &["A_normal_GBq"]),
            1e-12
        ));
        n += 1;
    }
    assert_eq!(n, 3);
}

/// (I5) A = D·M/K with K = 15.87; "ho166_*" (column A_MBq_using_15p87).
#[test]
fn ho166_vectors() {
    let mut n = 0;
    for v in vectors()
        .iter()
        .filter(|v| v["id"].as_str().unwrap().starts_with("ho166"))
    {
        let i = &v["inputs"];
        let territory = Territory {
            tumours: vec![],
            normal_liver: Mass::from_kg(f(i, &["liver_or_perfused_mass_kg"])),
        };
        let s = solve(
            &territory,
            &Lung::convention(Fraction::ZERO),
            DepositionCoefficient::from_gy_kg_per_gbq(15.87),
            &Prescription::Ho166Rule(AbsorbedDose::from_gy(f(i, &["D_Gy"]))),
            &InjectionLimits::default(),
        )
        .unwrap();
        let expected = f(&v["outputs"], &["A_MBq_using_15p87"]);
        // ho166_W1.5_D40 has the outputs of 1 kg / 60 Gy: 40 Gy × 1.5 kg is the same 60 Gy·kg.
        assert!(
            close(s.administered.mbq(), expected, 1e-12),
            "{}: {}",
            v["id"],
            s.administered.mbq()
        );
        n += 1;
    }
    assert_eq!(n, 3);
}

/// (L2) with K = 49.67 (clinical vectors, rounded to 3 decimals there).
#[test]
fn lung_dose_vectors() {
    let all: Value = serde_json::from_str(include_str!("data/clinical_vectors.json")).unwrap();
    let k = DepositionCoefficient::from_gy_kg_per_gbq(49.67);
    for v in all["lung_dose"].as_array().unwrap() {
        let lung_activity = Activity::from_gbq(f(v, &["A_GBq"]) * f(v, &["LSF"]));
        let d = k.dose(lung_activity, Mass::from_kg(f(v, &["m_kg"])));
        assert!((d.gy() - f(v, &["D_Gy"])).abs() < 5e-4, "{v}");
    }
}

/// Band lookup against the reference factors (0 = contraindicated).
#[test]
fn resin_lsf_band_vectors() {
    let all: Value = serde_json::from_str(include_str!("data/clinical_vectors.json")).unwrap();
    let bands = reference_bands();
    for v in all["resin_lsf_reduction"].as_array().unwrap() {
        let lsf = Fraction::new(f(v, &["LSF_pct"]) / 100.0).unwrap();
        let factor = bands.band_for(lsf).unwrap().factor.unwrap_or(0.0);
        assert_eq!(factor, f(v, &["factor"]), "{v}");
    }
}

fn territory_strategy() -> impl proptest::strategy::Strategy<Value = (Territory, f64)> {
    use proptest::prelude::*;
    (
        proptest::collection::vec((0.001f64..0.5, 0.1f64..20.0), 0..5),
        0.2f64..2.5,
        0.0f64..0.5,
    )
        .prop_map(|(ts, normal, lsf)| {
            (
                Territory {
                    tumours: ts
                        .into_iter()
                        .enumerate()
                        .map(|(n, (m, tnr))| TumourCompartment {
                            id: format!("T{n}"),
                            mass: Mass::from_kg(m),
                            tnr,
                        })
                        .collect(),
                    normal_liver: Mass::from_kg(normal),
                },
                lsf,
            )
        })
}

proptest::proptest! {
    /// Dose is linear in activity.
    #[test]
    fn doses_are_linear_in_activity((t, lsf) in territory_strategy(), a in 0.01f64..20.0, c in 0.1f64..10.0) {
        let k = DepositionCoefficient::from_gy_kg_per_gbq(49.67);
        let lung = Lung::convention(Fraction::new(lsf).unwrap());
        let d1 = t.doses(k, Activity::from_gbq(a), &lung).unwrap();
        let d2 = t.doses(k, Activity::from_gbq(a * c), &lung).unwrap();
        proptest::prop_assert!(close(d2.normal_liver.dose.gy(), c * d1.normal_liver.dose.gy(), 1e-12));
        proptest::prop_assert!(close(d2.perfused.dose.gy(), c * d1.perfused.dose.gy(), 1e-12));
        for (x, y) in d1.tumours.iter().zip(&d2.tumours) {
            proptest::prop_assert!(close(y.1.dose.gy(), c * x.1.dose.gy(), 1e-12));
        }
    }

    /// Tumour doses reproduce the TNR; activity and energy are conserved across compartments.
    #[test]
    fn partition_reproduces_tnr_and_conserves((t, lsf) in territory_strategy(), a in 0.01f64..20.0) {
        let k = DepositionCoefficient::from_gy_kg_per_gbq(50.0);
        let lung = Lung::convention(Fraction::new(lsf).unwrap());
        let d = t.doses(k, Activity::from_gbq(a), &lung).unwrap();
        for (tc, (_, c)) in t.tumours.iter().zip(&d.tumours) {
            proptest::prop_assert!(close(c.dose.gy() / d.normal_liver.dose.gy(), tc.tnr, 1e-12));
        }
        let total: f64 = d.tumours.iter().map(|(_, c)| c.activity.gbq()).sum::<f64>()
            + d.normal_liver.activity.gbq() + d.lung.activity.gbq();
        proptest::prop_assert!(close(total, a, 1e-12));
        let e_liver: f64 = d.tumours.iter().map(|(_, c)| c.energy.j()).sum::<f64>() + d.normal_liver.energy.j();
        proptest::prop_assert!(close(e_liver, d.perfused.energy.j(), 1e-12));
    }

    /// inverse ∘ forward = identity: the activity solved for a dose gives that dose back.
    #[test]
    fn inverse_then_forward((t, lsf) in territory_strategy(), target in 10.0f64..500.0) {
        let k = DepositionCoefficient::from_gy_kg_per_gbq(49.67);
        let lung = Lung::convention(Fraction::new(lsf).unwrap());
        let s = solve(&t, &lung, k, &Prescription::PerfusedDose(AbsorbedDose::from_gy(target)), &InjectionLimits::default()).unwrap();
        proptest::prop_assert!(close(s.doses.perfused.dose.gy(), target, 1e-12));
        if !t.tumours.is_empty() {
            let s = solve(&t, &lung, k, &Prescription::TumourDose { target: TumourTarget::Every, dose: AbsorbedDose::from_gy(target) }, &InjectionLimits::default()).unwrap();
            let min = s.doses.tumours.iter().map(|(_, c)| c.dose.gy()).fold(f64::INFINITY, f64::min);
            proptest::prop_assert!(close(min, target, 1e-12));
        }
        let s = solve(&t, &lung, k, &Prescription::MaximumAllowed, &InjectionLimits { normal_liver_max: Some(AbsorbedDose::from_gy(target)), ..Default::default() }).unwrap();
        proptest::prop_assert!(close(s.doses.normal_liver.dose.gy(), target, 1e-12));
    }
}
