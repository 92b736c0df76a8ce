//! Radiobiology against independent truth: the analytic limits of Dale's formula, Niemierko's
//! EUD and the LKB model; the clinical-rules.md §4.2 LKB vector (Dawson LA et al., IJROBP
//! 2002;53:810, doi 10.1016/S0360-3016(02)02846-8, liver metastases TD50 45.8 Gy, m 0.12 \[R];
//! values computed from the formula by the domain notes and checked with SciPy 1.17.1
//! `norm.cdf`); the Lyman partial-volume law that the Kutcher–Burman reduction must reproduce
//! (Burman C et al., IJROBP 1991;21:123, doi 10.1016/0360-3016(91)90172-Z, liver n 0.32,
//! m 0.15, TD50 40 Gy \[R]); NumPy/SciPy on random structures; the data file's records and how
//! site files change them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use proptest::prelude::*;
use sirt_clinical::*;
use sirt_units::{AbsorbedDose, TimeSpan};
use std::io::Write;
use std::process::{Command, Stdio};

const Y90_H: f64 = 64.1;

fn lq(ab: f64, t_rep_h: f64) -> LqParameters {
    LqParameters {
        alpha_beta: AbsorbedDose::from_gy(ab),
        repair_half_time: TimeSpan::from_hours(t_rep_h),
        source: "test".into(),
    }
}

fn uniform(gy: f64, n: usize) -> Vec<Weighted> {
    vec![Weighted { gy, weight: 1.0 }; n]
}

/// BED of a uniform map equals the scalar formula, voxel by voxel, for Y-90 and Ho-166 with
/// the half-lives of `sirt-nuclides`; and the clinical-rules.md §4.1 vectors (40 Gy, α/β 2.5,
/// T_rep 1.5 h: Y-90 54.634 / 30.352, Ho-166 73.922 / 41.068 Gy).
#[test]
fn bed_map_of_a_uniform_dose_is_the_scalar_bed() {
    for (nuclide, bed40, eqd2_40) in [
        (sirt_nuclides::Nuclide::Y90, 54.634, 30.352),
        (sirt_nuclides::Nuclide::Ho166, 73.922, 41.068),
    ] {
        let t = nuclide.half_life();
        let p = LqParameters::normal_liver();
        let map = bed_voxels(&[40.0; 27], t, &p).unwrap();
        let scalar = bed_permanent_implant(AbsorbedDose::from_gy(40.0), t, &p).unwrap();
        for &b in &map {
            assert!(
                (f64::from(b) - scalar.bed.gy()).abs() < 1e-4,
                "{nuclide}: {b}"
            );
        }
        assert!(
            (scalar.bed.gy() - bed40).abs() < 5e-4,
            "{nuclide}: {}",
            scalar.bed
        );
        let e = eqd2_voxels(&map, p.alpha_beta).unwrap();
        assert!(
            (f64::from(e[0]) - eqd2_40).abs() < 5e-4,
            "{nuclide}: {}",
            e[0]
        );
    }
}

/// Limits of Dale's formula: α/β → ∞ gives BED → D (no quadratic term); T_rep → 0 (instant
/// repair) gives D; T_phys → 0 (an acute single dose) gives D (1 + D/(α/β)).
#[test]
fn bed_limits() {
    let d = 120.0;
    let b = |ab: f64, trep: f64, tphys: f64| {
        f64::from(bed_voxels(&[d as f32], TimeSpan::from_hours(tphys), &lq(ab, trep)).unwrap()[0])
    };
    assert!((b(1e9, 1.5, Y90_H) - d).abs() < 1e-3);
    assert!((b(2.5, 1e-9, Y90_H) - d).abs() < 1e-3);
    assert!((b(2.5, 1.5, 1e-9) - d * (1.0 + d / 2.5)).abs() / (d * (1.0 + d / 2.5)) < 1e-6);
}

#[test]
fn bed_map_refuses_a_negative_voxel_naming_it() {
    let e = bed_voxels(
        &[1.0, 2.0, -0.5],
        TimeSpan::from_hours(Y90_H),
        &LqParameters::tumour(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "BED: dose voxel 2: expected a finite, non-negative absorbed dose, found -0.5 Gy"
    );
    let e = bed_voxels(&[1.0], TimeSpan::from_hours(0.0), &LqParameters::tumour()).unwrap_err();
    assert!(e.to_string().contains("`half_life`"), "{e}");
}

/// gEUD with a = 1 is the weighted mean; the power-mean limits: large a → maximum, very
/// negative a → minimum; a < 0 with a voxel at 0 Gy gives 0 Gy.
#[test]
fn geud_special_cases() {
    let v = [
        Weighted {
            gy: 10.0,
            weight: 1.0,
        },
        Weighted {
            gy: 20.0,
            weight: 2.0,
        },
        Weighted {
            gy: 50.0,
            weight: 1.0,
        },
    ];
    // (10 + 40 + 50) / 4 = 25 Gy by hand.
    assert!((geud(&v, 1.0).unwrap() - 25.0).abs() < 1e-12);
    assert!((weighted_mean(&v).unwrap() - 25.0).abs() < 1e-12);
    assert!((geud(&v, 400.0).unwrap() - 50.0).abs() < 0.2);
    assert!((geud(&v, -400.0).unwrap() - 10.0).abs() < 0.1);
    // a = 2: sqrt((100 + 800 + 2500) / 4) = sqrt(850) by hand.
    assert!((geud(&v, 2.0).unwrap() - 850f64.sqrt()).abs() < 1e-12);
    let cold = [
        v[0],
        Weighted {
            gy: 0.0,
            weight: 1.0,
        },
    ];
    assert_eq!(geud(&cold, -10.0).unwrap(), 0.0);
    assert!(matches!(
        geud(&v, 0.0),
        Err(ModelError::BadParameter { .. })
    ));
    assert!(matches!(geud(&[], 1.0), Err(ModelError::Empty)));
    assert_eq!(
        geud(
            &[Weighted {
                gy: f64::NAN,
                weight: 1.0
            }],
            1.0
        )
        .unwrap_err()
        .to_string(),
        "EUD: voxel 0: expected a finite dose ≥ 0 Gy and weight ≥ 0, found NaN Gy, weight 1"
    );
}

/// LQ-based EUD: −ln(Σ vᵢ e^(−α Dᵢ))/α by hand for two equal halves at 0 and 50 Gy with
/// α = 0.1 Gy⁻¹: −ln((1 + e^−5)/2)/0.1 = 6.86432 Gy; α → 0 gives the mean.
#[test]
fn lq_eud_by_hand() {
    let v = [
        Weighted {
            gy: 0.0,
            weight: 1.0,
        },
        Weighted {
            gy: 50.0,
            weight: 1.0,
        },
    ];
    let want = -((1.0 + (-5.0f64).exp()) / 2.0).ln() / 0.1;
    assert!((lq_eud(&v, 0.1).unwrap() - want).abs() < 1e-12);
    assert!((want - 6.86432).abs() < 1e-5);
    assert!((lq_eud(&v, 1e-9).unwrap() - 25.0).abs() < 1e-5);
    assert!(lq_eud(&v, 0.0).is_err());
}

/// clinical-rules.md §4.2 vector: LKB with TD50 45.8 Gy, m 0.12 on a uniform dose.
#[test]
fn lkb_dawson_vector() {
    for (d, want) in [
        (20.0, 0.0),
        (30.0, 0.00202),
        (32.0, 0.00602),
        (40.0, 0.14564),
        (45.8, 0.5),
        (50.0, 0.77762),
    ] {
        let v = uniform(d, 5);
        let eud = geud(&v, 1.0 / 0.97).unwrap();
        assert!((eud - d).abs() < 1e-9 * d.max(1.0), "uniform gEUD {eud}");
        let p = lkb_ntcp(eud, 45.8, 0.12);
        assert!((p - want).abs() <= 0.5e-5, "NTCP({d}) = {p}, vector {want}");
    }
    // NTCP(TD50) = 1/2 exactly, NTCP(TD50 (1 + m)) = Φ(1) = 0.8413447460685429 (SciPy).
    assert_eq!(lkb_ntcp(45.8, 45.8, 0.12), 0.5);
    assert!((lkb_ntcp(45.8 * 1.12, 45.8, 0.12) - 0.841_344_746_068_542_9).abs() < 1e-12);
    assert!(lkb_ntcp(40.0, 0.0, 0.12).is_nan());
}

/// Kutcher–Burman: a uniform dose D to a fraction v (the rest 0 Gy) reduces to gEUD = D vⁿ
/// (a = 1/n), whose NTCP must equal Lyman's partial-volume form Φ((D − TD50(v))/(m TD50(v)))
/// with TD50(v) = TD50(1) v^(−n). Burman 1991 liver parameters.
#[test]
fn kutcher_burman_reduction_is_lymans_partial_volume_law() {
    let (n, m, td50) = (0.32, 0.15, 40.0);
    for (v, d) in [
        (1.0, 40.0),
        (2.0 / 3.0, 45.0),
        (1.0 / 3.0, 57.0),
        (0.25, 70.0),
    ] {
        // 12 voxels, round(12 v) of them irradiated.
        let hot = (12.0 * v) as usize;
        let v = hot as f64 / 12.0;
        let mut voxels = uniform(d, hot);
        voxels.extend(uniform(0.0, 12 - hot));
        let eud = geud(&voxels, 1.0 / n).unwrap();
        assert!((eud - d * v.powf(n)).abs() < 1e-9, "gEUD {eud}");
        let td50_v = td50 * v.powf(-n);
        let lyman = sirt_survival::special::normal_cdf((d - td50_v) / (m * td50_v));
        assert!(
            (lkb_ntcp(eud, td50, m) - lyman).abs() < 1e-12,
            "v {v}, D {d}"
        );
    }
}

/// The logistic fit: 1/2 at D50 and its normalised slope D · dP/dD at D50 is γ50 (the meaning
/// of γ50, Bentzen & Tucker 1997).
#[test]
fn logistic_value_and_normalised_slope_at_d50() {
    let (d50, g) = (441.0, 1.7);
    assert_eq!(logistic_response(d50, d50, g), 0.5);
    let h = 1e-4;
    let slope =
        d50 * (logistic_response(d50 + h, d50, g) - logistic_response(d50 - h, d50, g)) / (2.0 * h);
    assert!((slope - g).abs() < 1e-6, "normalised slope {slope}");
    assert_eq!(logistic_response(0.0, d50, g), 0.0);
}

proptest! {
    /// BED rises with dose and T_rep, falls with α/β and the half-life; it is never below D.
    #[test]
    fn bed_is_monotone(d in 0.0f64..500.0, dd in 0.01f64..50.0, ab in 0.5f64..20.0,
                       trep in 0.1f64..5.0, tphys in 1.0f64..200.0) {
        let f = |d: f64, ab: f64, trep: f64, tphys: f64| {
            bed_permanent_implant(AbsorbedDose::from_gy(d), TimeSpan::from_hours(tphys),
                &lq(ab, trep)).unwrap().bed.gy()
        };
        let b = f(d, ab, trep, tphys);
        prop_assert!(b >= d);
        prop_assert!(f(d + dd, ab, trep, tphys) > b);
        if d > 0.0 {
            prop_assert!(f(d, ab * 1.5, trep, tphys) < b);
            prop_assert!(f(d, ab, trep * 1.5, tphys) > b);
            prop_assert!(f(d, ab, trep, tphys * 1.5) < b);
        }
    }

    /// gEUD of a uniform structure is its dose for any a; gEUD rises with a (power means);
    /// it lies between the minimum and maximum.
    #[test]
    fn geud_properties(doses in prop::collection::vec((0.1f64..300.0, 0.01f64..2.0), 1..40),
                       a in -30.0f64..30.0, d in 0.0f64..300.0) {
        prop_assume!(a.abs() > 1e-3 && (a + 0.5).abs() > 1e-3);
        let v: Vec<Weighted> = doses.iter().map(|&(gy, weight)| Weighted { gy, weight }).collect();
        let u = geud(&uniform(d, 7), a).unwrap();
        prop_assert!((u - d).abs() <= 1e-9 * d.max(1.0));
        let e = geud(&v, a).unwrap();
        let lo = v.iter().map(|x| x.gy).fold(f64::INFINITY, f64::min);
        let hi = v.iter().map(|x| x.gy).fold(0.0, f64::max);
        prop_assert!(e >= lo * (1.0 - 1e-12) && e <= hi * (1.0 + 1e-12));
        let e2 = geud(&v, a + 0.5).unwrap();
        prop_assert!(e2 >= e * (1.0 - 1e-12), "a {a}: {e} then {e2}");
    }

    /// NTCP and the logistic response rise with the dose and stay in [0, 1].
    #[test]
    fn probabilities_are_monotone(x in 0.0f64..600.0, dx in 0.1f64..50.0,
                                  d50 in 10.0f64..500.0, s in 0.05f64..4.0) {
        for p in [lkb_ntcp as fn(f64, f64, f64) -> f64, logistic_response] {
            let (a, b) = (p(x, d50, s), p(x + dx, d50, s));
            prop_assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b));
            prop_assert!(b >= a);
        }
    }
}

/// The same random structure through NumPy/SciPy: gEUD (a = 1, 3, −10), LQ-EUD (α 0.05),
/// the BED of each voxel (Y-90, α/β 10, T_rep 1.5 h) and LKB (TD50 93 Gy, m 0.28 on the mean
/// BED: test values). Skipped without python3, NumPy and SciPy unless SIRTPLAN_REQUIRE_PEERS.
#[test]
fn numpy_scipy_peer() {
    let doses: Vec<f64> = (0..200).map(|i| 5.0 + f64::from(i * 37 % 211)).collect();
    let weights: Vec<f64> = (0..200).map(|i| 0.5 + f64::from(i % 7) / 7.0).collect();
    let script = r#"
import json, sys
import numpy as np
from scipy.stats import norm
x = json.load(sys.stdin); d = np.array(x["d"]); w = np.array(x["w"]); v = w / w.sum()
g = lambda a: float((v * d**a).sum() ** (1 / a))
bed = d + d**2 * 1.5 / ((1.5 + 64.1) * 10.0)
mb = float((v * bed).sum())
print(json.dumps({"g1": g(1.0), "g3": g(3.0), "gm10": g(-10.0),
  "lq": float(-np.log((v * np.exp(-0.05 * d)).sum()) / 0.05),
  "bed": bed.tolist(), "ntcp": float(norm.cdf((mb - 93.0) / (0.28 * 93.0)))}))
"#;
    let child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let out = child.ok().and_then(|mut c| {
        let body = serde_json::json!({ "d": doses, "w": weights }).to_string();
        c.stdin.take()?.write_all(body.as_bytes()).ok()?;
        c.wait_with_output().ok().filter(|o| o.status.success())
    });
    let Some(out) = out else {
        assert!(
            std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
            "python3 with NumPy and SciPy is required (SIRTPLAN_REQUIRE_PEERS is set)"
        );
        eprintln!("python3 with NumPy and SciPy not available: peer check skipped");
        return;
    };
    let peer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = |k: &str| peer[k].as_f64().unwrap();
    let v: Vec<Weighted> = doses
        .iter()
        .zip(&weights)
        .map(|(&gy, &weight)| Weighted { gy, weight })
        .collect();
    let close = |ours: f64, theirs: f64, what: &str| {
        assert!(
            (ours - theirs).abs() <= 1e-10 * theirs.abs(),
            "{what}: {ours} vs {theirs}"
        );
    };
    close(geud(&v, 1.0).unwrap(), f("g1"), "gEUD a=1");
    close(geud(&v, 3.0).unwrap(), f("g3"), "gEUD a=3");
    close(geud(&v, -10.0).unwrap(), f("gm10"), "gEUD a=-10");
    close(lq_eud(&v, 0.05).unwrap(), f("lq"), "LQ-EUD");
    let f32s: Vec<f32> = doses.iter().map(|&d| d as f32).collect();
    let bed = bed_voxels(&f32s, TimeSpan::from_hours(Y90_H), &lq(10.0, 1.5)).unwrap();
    let peer_bed = peer["bed"].as_array().unwrap();
    for (b, p) in bed.iter().zip(peer_bed) {
        let p = p.as_f64().unwrap();
        assert!((f64::from(*b) - p).abs() <= 1e-6 * p, "BED {b} vs {p}");
    }
    let bv: Vec<Weighted> = doses
        .iter()
        .zip(&weights)
        .map(|(&gy, &weight)| Weighted {
            gy: gy + gy * gy * 1.5 / ((1.5 + Y90_H) * 10.0),
            weight,
        })
        .collect();
    close(
        lkb_ntcp(weighted_mean(&bv).unwrap(), 93.0, 0.28),
        f("ntcp"),
        "LKB",
    );
}

/// The embedded records: every one cited with its evidence; the normal-liver and tumour
/// records state the same parameters as `LqParameters::normal_liver()` / `tumour()`; the roles
/// map to them; no embedded fit has a slope (none was found in a source read here).
#[test]
fn embedded_records() {
    let data = RadiobiologyData::embedded().unwrap();
    assert!(
        data.tissues()
            .iter()
            .all(|t| !t.lq.source.is_empty() && !t.evidence.is_empty())
    );
    let liver = data.tissue_for(TissueRole::NormalLiver).unwrap();
    assert_eq!(liver.id, "normal-liver");
    let builtin = LqParameters::normal_liver();
    assert_eq!(
        (liver.lq.alpha_beta, liver.lq.repair_half_time),
        (builtin.alpha_beta, builtin.repair_half_time)
    );
    let t = data.tissue_for(TissueRole::Tumour).unwrap();
    let builtin = LqParameters::tumour();
    assert_eq!(
        (t.lq.alpha_beta, t.lq.repair_half_time),
        (builtin.alpha_beta, builtin.repair_half_time)
    );
    assert!(data.tissue_for(TissueRole::Lungs).is_none());
    let resin: Vec<_> = data
        .fits_for(FitKind::Ntcp, "normal-liver", "RESIN")
        .map(|f| f.d50.gy())
        .collect();
    assert_eq!(resin, [93.0]);
    let glass: Vec<_> = data
        .fits_for(FitKind::Response, "tumour", "glass")
        .map(|f| (f.quantity, f.d50.gy()))
        .collect();
    assert_eq!(
        glass,
        [
            (FitQuantity::MeanBed, 441.0),
            (FitQuantity::MeanDose, 292.0)
        ]
    );
    for f in data.fits() {
        assert!(f.slope.is_none(), "{}", f.id);
        assert_eq!(f.probability(AbsorbedDose::from_gy(100.0)), None);
        assert!(
            f.source.contains("doi") || f.source.contains("J Nucl Med"),
            "{}",
            f.id
        );
    }
}

/// A site file replaces a record by id, adds one, removes one; the slope it adds makes the
/// probability computable. Errors name file, table, record, field, expected and found.
#[test]
fn site_files_extend_and_errors_say_where() {
    let site = r#"
[[tissue]]
id = "normal-liver"
title = "Cirrhotic liver"
roles = ["normal_liver", "liver"]
alpha_beta = "3 Gy"
repair_half_time = "2.5 h"
source = "site choice"
evidence = "site"

[[fit]]
id = "site-resin"
kind = "ntcp"
model = "lkb"
title = "site fit"
tissue = "normal-liver"
device_material = "resin"
quantity = "mean_bed"
d50 = "93 Gy"
slope = 0.28
endpoint = "test"
source = "site"
evidence = "site"

[[fit]]
id = "walrand2014-glass-lobar-bed50"
enabled = false
"#;
    let data = RadiobiologyData::with_site_files([("site.toml", site)]).unwrap();
    let liver = data.tissue_for(TissueRole::Liver).unwrap();
    assert_eq!(liver.lq.alpha_beta, AbsorbedDose::from_gy(3.0));
    assert_eq!(liver.origin, "site.toml");
    assert_eq!(liver.eud_a, None);
    // Territories lost their tissue with the replacement.
    assert!(data.tissue_for(TissueRole::Territory).is_none());
    assert_eq!(
        data.fits_for(FitKind::Ntcp, "normal-liver", "glass")
            .count(),
        0
    );
    let fit = data.fits().iter().find(|f| f.id == "site-resin").unwrap();
    assert_eq!(fit.probability(AbsorbedDose::from_gy(93.0)), Some(0.5));

    let bad = site.replace("\"3 Gy\"", "\"3 mL\"");
    let e = RadiobiologyData::with_site_files([("site.toml", bad.as_str())]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("radiobiology file site.toml, tissue \"normal-liver\", field `alpha_beta`: expected a value above zero in Gy, found \"3 mL\""),
        "{e}"
    );
    let bad = site.replace("tissue = \"normal-liver\"", "tissue = \"kidney\"");
    let e = RadiobiologyData::with_site_files([("site.toml", bad.as_str())]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "radiobiology file site.toml, fit \"site-resin\", field `tissue`: expected the id of a tissue record (normal-liver, tumour, kidneys), found \"kidney\""
    );
    let bad = site.replace("slope = 0.28", "slope = -1.0");
    let e = RadiobiologyData::with_site_files([("site.toml", bad.as_str())]).unwrap_err();
    assert!(
        e.to_string()
            .contains("field `slope`: expected a finite number above 0, found -1"),
        "{e}"
    );
    let removes = "[[tissue]]\nid = \"tumour\"\nenabled = false\n";
    let e = RadiobiologyData::with_site_files([("rm.toml", removes)]).unwrap_err();
    assert!(
        e.to_string().contains("\"tumour\" removed by this file"),
        "{e}"
    );
    let e = RadiobiologyData::with_site_files([("x.toml", "[[tissue]]\nid = 1\n")]).unwrap_err();
    assert!(
        e.to_string().starts_with("radiobiology file x.toml: "),
        "{e}"
    );
}
