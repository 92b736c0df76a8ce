//! mRECIST and Choi against their published definitions (clinical-rules.md §1.8: mRECIST
//! [S] KJR 2022 PMC9747269 T11; Choi [V] radiopaedia, [S] PMC5658474 T2), non-target and
//! marker rules (RECIST 1.1 §4.3.3, Table 2) and equivocal new lesions (§4.3.5).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{File, d};
use sirt_recist::{
    Criteria, NewLesions, NonTargetResponse as N, OverallResponse as O, Params, TargetResponse as T,
};

fn with(c: Criteria) -> Params {
    Params {
        criteria: c,
        ..Params::default()
    }
}

fn viable(diameter: &str, viable: &str) -> String {
    format!("diameter_mm = {diameter}, viable_mm = {viable}")
}

fn mrecist(base_viable: &str, follow: &[&str]) -> Vec<T> {
    let mut f = File::new()
        .target("T1", "liver")
        .baseline(&[("T1", &viable("50.0", base_viable))]);
    for (i, v) in follow.iter().enumerate() {
        f = f.follow(42 * (i as i64 + 1), &[("T1", &viable("50.0", v))]);
    }
    let e = f.eval_with(&with(Criteria::MRecist));
    e.global
        .time_points
        .iter()
        .map(|t| t.target.unwrap())
        .collect()
}

#[test]
fn mrecist_uses_viable_tumour() {
    // PR: viable sum down ≥ 30 % from baseline (40 → 28 exactly −30 %); the whole lesion is
    // unchanged at 50 mm.
    assert_eq!(mrecist("40.0", &["28.0"]), [T::Pr]);
    assert_eq!(mrecist("40.0", &["28.1"]), [T::Sd]);
    // CR: no intratumoural arterial enhancement in any target, whatever the lesion's size.
    assert_eq!(mrecist("40.0", &["0"]), [T::Cr]);
    // PD: ≥ 20 % over the nadir without the 5 mm rule: 20 → 24 (+20 %, +4 mm) is PD under
    // mRECIST; the same numbers as RECIST diameters are SD.
    assert_eq!(mrecist("20.0", &["24.0"]), [T::Pd]);
    assert_eq!(mrecist("20.0", &["23.9"]), [T::Sd]);
    let e = common::one_target("20.0", &["24.0"]).eval();
    assert_eq!(e.global.time_points[0].target, Some(T::Sd));
}

#[test]
fn mrecist_without_viable_measurement_falls_back_to_the_diameter() {
    let f = File::new()
        .target("T1", "liver")
        .target_node("N1")
        .baseline(&[("T1", &viable("50.0", "40.0")), ("N1", &d("20.0"))])
        .follow(42, &[("T1", &viable("50.0", "0")), ("N1", &d("9.0"))]);
    let e = f.eval_with(&with(Criteria::MRecist));
    // Node followed by its short axis: < 10 mm counts as gone → CR.
    assert_eq!(e.global.time_points[0].target, Some(T::Cr));
    assert_eq!(e.global.baseline_sum_tenth_mm, Some(600));
    assert!(
        e.findings
            .iter()
            .any(|f| f.message.contains("no viable_mm at baseline"))
    );
    // An mRECIST target whose viable part is below 10 mm is refused.
    let f = File::new()
        .target("T1", "liver")
        .baseline(&[("T1", &viable("50.0", "9.9"))]);
    let err = sirt_recist::evaluate(&f.text, "m.toml", &with(Criteria::MRecist)).unwrap_err();
    assert!(
        err.to_string()
            .contains("viable tumour of 9.9 mm is below the 10 mm"),
        "{err}"
    );
}

fn choi(c: Criteria, base: (&str, &str), follow: &[(&str, &str)]) -> Vec<T> {
    let field = |(mm, hu): (&str, &str)| format!("diameter_mm = {mm}, density_hu = {hu}");
    let mut f = File::new()
        .target("T1", "liver")
        .target("T2", "lung")
        .baseline(&[("T1", &field(base)), ("T2", &field(base))]);
    for (i, v) in follow.iter().enumerate() {
        f = f.follow(
            42 * (i as i64 + 1),
            &[("T1", &field(*v)), ("T2", &field(*v))],
        );
    }
    let e = f.eval_with(&with(c));
    assert!(e.global.density_criterion);
    e.global
        .time_points
        .iter()
        .map(|t| t.target.unwrap())
        .collect()
}

#[test]
fn choi_size_or_density() {
    let c = Criteria::Choi;
    // PR by size: ≥ 10 % decrease (50 → 45 exactly −10 %), density unchanged.
    assert_eq!(choi(c, ("50.0", "100"), &[("45.0", "100")]), [T::Pr]);
    assert_eq!(choi(c, ("50.0", "100"), &[("45.1", "100")]), [T::Sd]);
    // PR by density: ≥ 15 % decrease (100 → 85 HU exactly −15 %), size unchanged.
    assert_eq!(choi(c, ("50.0", "100"), &[("50.0", "85.0")]), [T::Pr]);
    assert_eq!(choi(c, ("50.0", "100"), &[("50.0", "85.1")]), [T::Sd]);
    // PD: size ≥ 10 % up and no PR by density.
    assert_eq!(choi(c, ("50.0", "100"), &[("55.0", "100")]), [T::Pd]);
    assert_eq!(choi(c, ("50.0", "100"), &[("54.9", "100")]), [T::Sd]);
    // Size up 10 % but density down 20 %: PR by density, not PD.
    assert_eq!(choi(c, ("50.0", "100"), &[("55.0", "80")]), [T::Pr]);
}

#[test]
fn modified_choi_needs_size_and_density() {
    let c = Criteria::ChoiModified;
    assert_eq!(choi(c, ("50.0", "100"), &[("45.0", "85")]), [T::Pr]);
    assert_eq!(choi(c, ("50.0", "100"), &[("45.0", "100")]), [T::Sd]);
    assert_eq!(choi(c, ("50.0", "100"), &[("50.0", "80")]), [T::Sd]);
    assert_eq!(choi(c, ("50.0", "100"), &[("55.0", "100")]), [T::Pd]);
}

#[test]
fn choi_without_density_is_size_only_with_a_warning() {
    let e = common::one_target("50.0", &["45.0"]).eval_with(&with(Criteria::Choi));
    assert_eq!(e.global.time_points[0].target, Some(T::Pr));
    assert!(!e.global.density_criterion);
    assert!(
        e.findings
            .iter()
            .any(|f| f.message.contains("Choi is applied on size only"))
    );
}

#[test]
fn non_target_cr_needs_normal_markers() {
    let f = File::new()
        .target("T1", "liver")
        .non_target("NT1", "bone")
        .baseline(&[("T1", &d("30"))])
        .follow_with(
            42,
            "tumour_markers = \"above normal\"",
            &[("T1", &d("0")), ("NT1", "status = \"CR\"")],
        )
        .follow_with(
            84,
            "tumour_markers = \"normal\"",
            &[("T1", &d("0")), ("NT1", "status = \"CR\"")],
        );
    let e = f.eval();
    let tp: Vec<(Option<N>, O)> = e
        .global
        .time_points
        .iter()
        .map(|t| (t.non_target, t.overall))
        .collect();
    // Markers above normal: non-CR/non-PD, so (CR, non-CR/non-PD) → PR; then CR.
    assert_eq!(tp, [(Some(N::NonCrNonPd), O::Pr), (Some(N::Cr), O::Cr)]);
    // The hepatic track ignores markers and the bone lesion: CR at once.
    let h = e.hepatic.unwrap();
    assert_eq!(h.time_points[0].overall, O::Cr);
    assert_eq!(h.non_targets, Vec::<String>::new());
}

#[test]
fn unequivocal_non_target_progression_is_pd() {
    let f = File::new()
        .target("T1", "liver")
        .non_target("NT1", "peritoneum")
        .baseline(&[("T1", &d("30"))])
        .follow(42, &[("T1", &d("20")), ("NT1", "status = \"PD\"")]);
    let e = f.eval();
    let t = &e.global.time_points[0];
    assert_eq!(
        (t.target, t.non_target, t.overall),
        (Some(T::Pr), Some(N::Pd), O::Pd)
    );
}

#[test]
fn non_target_disease_only_uses_table_2() {
    let f = File::new()
        .non_target("NT1", "liver")
        .non_target_node("N1")
        .baseline(&[("N1", &d("12.0"))])
        .follow(
            42,
            &[
                ("NT1", "status = \"non-CR/non-PD\""),
                ("N1", "status = \"CR\""),
            ],
        )
        .follow(84, &[("NT1", "status = \"CR\""), ("N1", "status = \"CR\"")]);
    let e = f.eval();
    let o: Vec<O> = e.global.time_points.iter().map(|t| t.overall).collect();
    assert_eq!(o, [O::NonCrNonPd, O::Cr]);
    assert_eq!(e.global.time_points[0].target, None);
    assert_eq!(e.global.best.response, O::Cr);
    assert_eq!(e.global.baseline_sum_tenth_mm, None);
}

#[test]
fn equivocal_new_lesion_confirmed_later_dates_pd_back() {
    let f = File::new()
        .target("T1", "liver")
        .baseline(&[("T1", &d("40"))])
        .follow(42, &[("T1", &d("25"))])
        .follow_with(
            84,
            "new_lesions = [{ id = \"L1\", organ = \"liver\", certainty = \"equivocal\" }]",
            &[("T1", &d("24"))],
        )
        .follow_with(
            126,
            "new_lesions = [{ id = \"L1\", organ = \"liver\" }]",
            &[("T1", &d("24"))],
        );
    let e = f.eval();
    let t = &e.global.time_points;
    assert_eq!(t[1].new_lesions, NewLesions::Yes);
    assert_eq!(t[1].overall, O::Pd);
    assert_eq!(e.global.first_progression, Some(t[1].date));
    assert_eq!(e.hepatic.unwrap().first_progression, Some(t[1].date));
    // Never confirmed: equivocal, not PD.
    let f = File::new()
        .target("T1", "liver")
        .baseline(&[("T1", &d("40"))])
        .follow_with(
            84,
            "new_lesions = [{ id = \"L1\", organ = \"lung\", certainty = \"equivocal\" }]",
            &[("T1", &d("24"))],
        )
        .follow(126, &[("T1", &d("24"))]);
    let e = f.eval();
    assert_eq!(e.global.time_points[0].new_lesions, NewLesions::Equivocal);
    assert_eq!(e.global.time_points[0].overall, O::Pr);
}

#[test]
fn a_lung_lesion_is_global_progression_but_not_hepatic() {
    let f = File::new()
        .target("T1", "liver")
        .target("T2", "lung")
        .baseline(&[("T1", &d("40")), ("T2", &d("20"))])
        .follow_with(
            42,
            "new_lesions = [{ id = \"L1\", organ = \"bone\" }]",
            &[("T1", &d("20")), ("T2", &d("20"))],
        );
    let e = f.eval();
    assert_eq!(e.global.time_points[0].overall, O::Pd);
    let h = e.hepatic.unwrap();
    assert_eq!(h.baseline_sum_tenth_mm, Some(400));
    assert_eq!(h.time_points[0].overall, O::Pr);
    // No liver lesion at baseline: no hepatic track.
    let f = File::new()
        .target("T1", "lung")
        .baseline(&[("T1", &d("40"))])
        .follow(42, &[("T1", &d("40"))]);
    let e = f.eval();
    assert!(e.hepatic.is_none());
    assert_eq!(
        e.hepatic_note.as_deref(),
        Some("no liver lesion at baseline")
    );
}

#[test]
fn file_protocol_overrides_the_callers_parameters() {
    let f = File::new()
        .protocol("criteria = \"mRECIST\"\nconfirmation_required = true\nsd_min_days = 56\ntoo_small_mm = 4")
        .target("T1", "liver")
        .baseline(&[("T1", &viable("50.0", "40.0"))])
        .follow(42, &[("T1", "diameter_mm = 50.0, viable_mm = \"too small\"")]);
    let e = f.eval();
    assert_eq!(e.params.criteria, Criteria::MRecist);
    assert!(e.params.confirmation_required);
    assert_eq!(e.params.sd_min_days, 56);
    assert_eq!(e.global.time_points[0].sum_tenth_mm, Some(40));
}
