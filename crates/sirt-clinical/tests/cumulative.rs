//! The cumulative dose over a course (`sirt_clinical::cumulative`) against independent truth:
//! the LQ fractionation formula by hand (textbook 50 Gy in 25 fractions), Dale's formula for a
//! mono-exponential clearance written in its λ/μ form (Dale RG, Br J Radiol 1985;58:515; no
//! published PRRT worked example with its numbers could be read here: the closed form is
//! evaluated in the test), the Y-90 vectors of clinical-rules.md §4.1, the Lu-177 Gy/GBq of
//! safety-and-radiobiology.md §7.1, and the Bodei 2008 kidney thresholds (28 / 40 Gy BED).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_clinical::RadiobiologyData;
use sirt_clinical::cumulative::{
    CourseTerm, CumulativeData, DoseBasis, HalfLifeBasis, LimitChoice, LimitQuantity, LimitStatus,
    Modality, Organ, OrganKind, OrganTotal, TimeStructure, cumulative,
};
use sirt_units::{AbsorbedDose, TimeSpan};
use std::f64::consts::LN_2;

fn term(organ: Organ, dose_gy: f64, time: TimeStructure) -> CourseTerm {
    CourseTerm {
        course: "course".into(),
        modality: Modality::Prrt,
        date: "2024-01-01".into(),
        organ,
        dose: AbsorbedDose::from_gy(dose_gy),
        dose_basis: DoseBasis::Entered {
            field: "f".into(),
            method: None,
        },
        time,
        irradiated_fraction: None,
    }
}

fn run(terms: Vec<CourseTerm>, risk: Option<bool>) -> Vec<OrganTotal> {
    let rb = RadiobiologyData::embedded().unwrap();
    let data = CumulativeData::embedded().unwrap();
    cumulative(terms, &rb, &data, risk).unwrap()
}

fn clearance(hours: f64, cycles: u32, basis: HalfLifeBasis) -> TimeStructure {
    TimeStructure::Clearance {
        half_life: TimeSpan::from_hours(hours),
        basis,
        cycles,
    }
}

/// EBRT 50 Gy in 25 fractions with α/β 10 Gy: BED = 50 · (1 + 2/10) = 60 Gy, EQD2 = 50 Gy
/// (the textbook example; tumour record α/β 10 Gy).
#[test]
fn ebrt_50_gy_in_25_fractions_is_60_gy_bed() {
    let t = term(
        Organ::tumour("T1"),
        50.0,
        TimeStructure::Fractions { fractions: 25 },
    );
    let out = run(vec![t], None);
    let o = &out[0];
    assert!((o.bed_gy.unwrap() - 60.0).abs() < 1e-9, "{:?}", o.bed_gy);
    assert!((o.eqd2_gy.unwrap() - 50.0).abs() < 1e-9);
    assert!(o.bed_exact);
}

/// PRRT, kidneys (α/β 2.6 Gy, T_rep 2.8 h), 4 equal cycles of 4.5 Gy with T_eff 50 h: per cycle
/// BED = d (1 + d λ / ((μ + λ) α/β)), λ = ln2/T_eff, μ = ln2/T_rep (Dale 1985), summed over the
/// cycles (complete repair between them).
#[test]
fn prrt_dale_with_effective_half_life() {
    let (lambda, mu, ab, d) = (LN_2 / 50.0, LN_2 / 2.8, 2.6, 4.5);
    let per_cycle = d * (1.0 + d * lambda / ((mu + lambda) * ab));
    let expected = 4.0 * per_cycle;
    let t = term(
        Organ::of(OrganKind::Kidneys),
        18.0,
        clearance(50.0, 4, HalfLifeBasis::Entered),
    );
    let out = run(vec![t], Some(true));
    let k = &out[0];
    assert!((k.bed_gy.unwrap() - expected).abs() < 1e-9);
    assert!((expected - 19.652).abs() < 1e-3, "{expected}");
    // One cycle of 18 Gy gives a larger BED than four of 4.5 Gy (fractionation spares).
    let one = run(
        vec![term(
            Organ::of(OrganKind::Kidneys),
            18.0,
            clearance(50.0, 1, HalfLifeBasis::Entered),
        )],
        Some(true),
    );
    assert!(one[0].bed_gy.unwrap() > k.bed_gy.unwrap() + 1.0);
}

/// SIRT, Y-90 (64.1 h), normal liver α/β 2.5, T_rep 1.5 h: 75 Gy → 126.448 Gy
/// (safety-and-radiobiology.md §5.1 [derived]); a lobar session's whole-liver mean of 20 Gy over
/// half the liver: 0.5 · BED(40 Gy) = 0.5 · 54.634 (clinical-rules.md §4.1 vector).
#[test]
fn sirt_permanent_implant_and_part_of_the_organ() {
    let y90 = TimeStructure::PermanentImplant {
        half_life: TimeSpan::from_hours(64.1),
    };
    let whole = run(
        vec![term(Organ::of(OrganKind::NormalLiver), 75.0, y90.clone())],
        None,
    );
    assert!((whole[0].bed_gy.unwrap() - 126.448).abs() < 1e-3);
    let mut lobar = term(Organ::of(OrganKind::NormalLiver), 20.0, y90);
    lobar.irradiated_fraction = Some(0.5);
    let half = run(vec![lobar], None);
    assert!((half[0].bed_gy.unwrap() - 0.5 * 54.634).abs() < 1e-3);
    assert!((half[0].dose_gy - 20.0).abs() < 1e-12);
}

/// Courses add: BED_total = Σ BED_i, absorbed doses add; a summed BED is not compared with
/// an absorbed-dose limit (the normal liver has none: the statement is shown instead).
#[test]
fn courses_add_and_the_liver_has_no_limit() {
    let y90 = TimeStructure::PermanentImplant {
        half_life: TimeSpan::from_hours(64.1),
    };
    let out = run(
        vec![
            term(Organ::of(OrganKind::NormalLiver), 75.0, y90.clone()),
            term(Organ::of(OrganKind::NormalLiver), 40.0, y90),
        ],
        None,
    );
    let o = &out[0];
    assert!((o.bed_gy.unwrap() - (126.448 + 54.634)).abs() < 2e-3);
    assert!((o.dose_gy - 115.0).abs() < 1e-12);
    assert!(o.checks.is_empty());
    assert!(
        o.no_limit
            .as_ref()
            .unwrap()
            .statement
            .contains("No validated")
    );
}

/// Lu-177 DOTATATE liver default: 4 × 7.4 GBq × 0.27 Gy/GBq ≈ 8 Gy (safety-and-radiobiology.md
/// §7.1 [derived]): the embedded record holds 0.27 (liver) and 0.57 (kidneys) Gy/GBq.
#[test]
fn lutetium_records() {
    let data = CumulativeData::embedded().unwrap();
    let r = data.radiopharmaceutical("lu177-dotatate").unwrap();
    let liver = r
        .organs
        .iter()
        .find(|o| o.organ == OrganKind::NormalLiver)
        .unwrap();
    assert!((4.0 * 7.4 * liver.gy_per_gbq - 7.992).abs() < 1e-9);
    let kidneys = r
        .organs
        .iter()
        .find(|o| o.organ == OrganKind::Kidneys)
        .unwrap();
    assert_eq!(kidneys.gy_per_gbq, 0.57);
    assert_eq!(r.nuclide, "Lu-177");
}

fn kidney_status(bed_target: f64, risk: Option<bool>) -> (f64, LimitStatus, f64, LimitChoice) {
    // n fractions of exactly 2 Gy (n = BED / (2 · (1 + 2/2.6)), rounded).
    let n = (bed_target / (2.0 * (1.0 + 2.0 / 2.6))).round() as u32;
    let t = term(
        Organ::of(OrganKind::Kidneys),
        2.0 * f64::from(n),
        TimeStructure::Fractions { fractions: n },
    );
    let out = run(vec![t], risk);
    let c = &out[0].checks[0];
    assert_eq!(c.limit.quantity, LimitQuantity::Bed);
    (c.value_gy, c.status, c.limit.threshold.gy(), c.choice)
}

/// Bodei 2008: 28 Gy BED with renal risk factors, 40 Gy without; not stated → 28 Gy applied.
/// BED of n × 2 Gy with α/β 2.6: n · 2 · (1 + 2/2.6) = 3.538 n Gy.
#[test]
fn bodei_kidney_limits_fire_at_28_and_40_gy() {
    let per = 2.0 * (1.0 + 2.0 / 2.6);
    // 7 fractions: 24.8 Gy; 8: 28.3 Gy; 11: 38.9 Gy; 12: 42.5 Gy.
    let (v, s, thr, choice) = kidney_status(7.0 * per, Some(true));
    assert!((v - 7.0 * per).abs() < 1e-9 && thr == 28.0);
    assert_eq!((s, choice), (LimitStatus::Met, LimitChoice::Stated));
    let (v, s, ..) = kidney_status(8.0 * per, Some(true));
    assert!(v > 28.0);
    assert_eq!(s, LimitStatus::Exceeded);
    let (_, s, thr, _) = kidney_status(11.0 * per, Some(false));
    assert_eq!((s, thr), (LimitStatus::Met, 40.0));
    let (_, s, thr, _) = kidney_status(12.0 * per, Some(false));
    assert_eq!((s, thr), (LimitStatus::Exceeded, 40.0));
    let (_, s, thr, choice) = kidney_status(8.0 * per, None);
    assert_eq!(
        (s, thr, choice),
        (
            LimitStatus::Exceeded,
            28.0,
            LimitChoice::NotStatedLowerApplied
        )
    );
}

/// Without an effective half-life the BED is a range: T_eff = T_phys (Lu-177, 159.5 h) the
/// smallest, one acute dose per cycle (d + d²/(α/β)) the largest; the limit is decided only
/// when both sides agree.
#[test]
fn unknown_effective_half_life_gives_a_range() {
    let bound = || clearance(159.528, 4, HalfLifeBasis::PhysicalBound);
    // 4 cycles of 4.5 Gy: smallest 18 + 81 · 2.8/((2.8 + 159.528) · 2.6), largest 18 + 81/2.6.
    let out = run(
        vec![term(Organ::of(OrganKind::Kidneys), 18.0, bound())],
        Some(true),
    );
    let k = &out[0];
    let lo = 18.0 + 81.0 * 2.8 / ((2.8 + 159.528) * 2.6);
    let hi = 18.0 + 81.0 / 2.6;
    assert!((k.bed_gy.unwrap() - lo).abs() < 1e-9);
    assert!((k.bed_max_gy.unwrap() - hi).abs() < 1e-9);
    assert!(!k.bed_exact);
    // 18.5 < 28 < 49.2: undetermined.
    assert_eq!(k.checks[0].status, LimitStatus::Undetermined);
    // 2 cycles of 4.5 Gy: largest 9 + 40.5/2.6 = 24.6 < 28: met whatever T_eff.
    let out = run(
        vec![term(
            Organ::of(OrganKind::Kidneys),
            9.0,
            clearance(159.528, 2, HalfLifeBasis::PhysicalBound),
        )],
        Some(true),
    );
    assert_eq!(out[0].checks[0].status, LimitStatus::Met);
    // An EBRT course without its fractions: BED ≥ D, unbounded: exceeded only when D alone is.
    let out = run(
        vec![term(
            Organ::of(OrganKind::Kidneys),
            30.0,
            TimeStructure::Unknown {
                missing: "earlier_treatments[0].fractions".into(),
            },
        )],
        Some(true),
    );
    assert_eq!(out[0].checks[0].status, LimitStatus::Exceeded);
    assert_eq!(out[0].bed_max_gy, None);
}

/// The lungs have no tissue record: no BED, no BED limit (the 50 Gy absorbed-dose rule of the
/// plan checks them); absorbed doses still add.
#[test]
fn lungs_sum_absorbed_dose_only() {
    let y90 = TimeStructure::PermanentImplant {
        half_life: TimeSpan::from_hours(64.1),
    };
    let out = run(
        vec![
            term(Organ::of(OrganKind::Lungs), 12.0, y90.clone()),
            term(Organ::of(OrganKind::Lungs), 9.5, y90),
        ],
        None,
    );
    let l = &out[0];
    assert_eq!((l.bed_gy, l.tissue.is_none()), (None, true));
    assert!((l.dose_gy - 21.5).abs() < 1e-12);
    assert!(l.checks.is_empty() && l.no_limit.is_some());
}

/// A negative dose or a zero half-life is refused naming the course and the structure.
#[test]
fn bad_parameters_are_refused() {
    let rb = RadiobiologyData::embedded().unwrap();
    let data = CumulativeData::embedded().unwrap();
    let e = cumulative(
        vec![term(
            Organ::of(OrganKind::Kidneys),
            4.0,
            clearance(0.0, 1, HalfLifeBasis::Entered),
        )],
        &rb,
        &data,
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("kidneys") && e.contains("half_life"), "{e}");
}

/// Site files: a record replaced by id, a bad record named by file, table, id and field.
#[test]
fn site_files() {
    let site = r#"
[[limit]]
id = "bodei2008-kidney-bed"
organ = "kidneys"
quantity = "bed"
threshold = "35 Gy"
applies = "without_kidney_risk_factors"
title = "site"
source = "site"
evidence = "site"
"#;
    let data = CumulativeData::with_site_files([("site.toml", site)]).unwrap();
    let l = data
        .limits()
        .iter()
        .find(|l| l.id == "bodei2008-kidney-bed")
        .unwrap();
    assert_eq!(l.threshold.gy(), 35.0);
    let bad = site.replace("\"35 Gy\"", "\"0 Gy\"");
    let e = CumulativeData::with_site_files([("site.toml", bad.as_str())])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("site.toml") && e.contains("limit") && e.contains("threshold"),
        "{e}"
    );
    let bad = "[[radiopharmaceutical]]\nid = \"x\"\ntitle = \"x\"\nnuclide = \"Lu-177\"\n[[radiopharmaceutical.organ]]\norgan = \"kidneys\"\ngy_per_gbq = -1.0\nsource = \"s\"\nevidence = \"e\"\n";
    let e = CumulativeData::with_site_files([("s.toml", bad)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("gy_per_gbq") && e.contains("-1"), "{e}");
    let e = CumulativeData::with_site_files([("s.toml", "[[limit]]\nid = 3\n")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("s.toml"), "{e}");
}
