//! Boundary vectors of shared/domain/clinical-rules.md §1 (RECIST 1.1), the independent vectors
//! of `heyhey-yoyo/RECIST-tracker` `tests/recist.test.js` (MIT, commit 3650428), and the EORTC
//! RECIST FAQ examples (recist.eortc.org). Every expected value is the source's, not this code's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{File, d, one_target};
use sirt_recist::{
    NewLesions, NonTargetResponse as N, OverallResponse as O, Params, TargetResponse as T,
};

fn targets(f: &File) -> Vec<T> {
    f.eval()
        .global
        .time_points
        .iter()
        .map(|t| t.target.unwrap())
        .collect()
}

fn overall(f: &File) -> Vec<O> {
    f.eval()
        .global
        .time_points
        .iter()
        .map(|t| t.overall)
        .collect()
}

fn confirmed() -> Params {
    Params {
        confirmation_required: true,
        ..Params::default()
    }
}

// ------------------------------------------------------------------ clinical-rules.md §1 vectors

#[test]
fn baseline_100_to_70_is_pr_and_70_1_is_sd() {
    assert_eq!(targets(&one_target("100.0", &["70.0"])), [T::Pr]);
    assert_eq!(targets(&one_target("100.0", &["70.1"])), [T::Sd]);
}

#[test]
fn nadir_20_to_25_is_pd_and_24_9_is_not() {
    // +25 %, +5 mm → PD; +24.5 %, +4.9 mm → not PD (the 5 mm rule).
    assert_eq!(targets(&one_target("20.0", &["25.0"])), [T::Pd]);
    assert_eq!(targets(&one_target("20.0", &["24.9"])), [T::Sd]);
}

#[test]
fn nadir_90_to_108_is_pd_and_107_9_is_not() {
    assert_eq!(targets(&one_target("90.0", &["108.0"])), [T::Pd]);
    assert_eq!(targets(&one_target("90.0", &["107.9"])), [T::Sd]);
}

#[test]
fn floating_point_boundaries_are_exact() {
    // 14.0 → 9.8 is exactly −30 % (IEEE: −29.999999999999993) → PR.
    let e = one_target("14.0", &["9.8"]).eval();
    let tp = &e.global.time_points[0];
    assert_eq!(tp.target, Some(T::Pr));
    assert_eq!(tp.change_from_baseline_tenth_pct, Some(-300));
    // 14 → 9.9 → not PR.
    assert_eq!(targets(&one_target("14.0", &["9.9"])), [T::Sd]);
    // Nadir 27.0 → 32.4 is exactly +20 % and +5.4 mm → PD.
    let e = one_target("27.0", &["32.4"]).eval();
    let tp = &e.global.time_points[0];
    assert_eq!(tp.target, Some(T::Pd));
    assert_eq!(tp.change_from_nadir_tenth_pct, Some(200));
    // Nadir 3.2 → 8.2 is +5.0 mm (IEEE 4.999999999999999), +156.25 % → PD.
    let e = one_target("20.0", &["3.2", "8.2"]).eval();
    let tp = &e.global.time_points[1];
    assert_eq!(tp.nadir_tenth_mm, Some(32));
    assert_eq!(tp.target, Some(T::Pd));
    assert_eq!(tp.change_from_nadir_tenth_pct, Some(1563));
}

#[test]
fn integer_rule_of_the_tracker_holds_on_the_vectors() {
    // RECIST-tracker src/domain/recist.js: PD if cur*5 >= nadir*6 && cur-nadir >= 50; PR if
    // cur*10 <= base*7 (tenths). The crate's SizeRule must agree on every vector above.
    let r = sirt_recist::SizeRule::RECIST;
    for (base, cur, pr) in [
        (1000, 700, true),
        (1000, 701, false),
        (140, 98, true),
        (140, 99, false),
    ] {
        assert_eq!(r.is_pr(base, cur), pr, "{base} → {cur}");
        assert_eq!(cur * 10 <= base * 7, pr);
    }
    for (nadir, cur, pd) in [
        (200, 250, true),
        (200, 249, false),
        (900, 1080, true),
        (900, 1079, false),
        (270, 324, true),
        (32, 82, true),
    ] {
        assert_eq!(r.is_pd(nadir, cur), pd, "{nadir} → {cur}");
        assert_eq!(cur * 5 >= nadir * 6 && cur - nadir >= 50, pd);
    }
}

#[test]
fn table_1_with_non_target_not_evaluated() {
    // Tracker vectors: (CR, NE) → PR; (PR, NE) → PR; (SD, NE) → SD; (NE, non-CR/non-PD) → NE.
    use sirt_recist::overall_with_targets as ow;
    assert_eq!(ow(T::Cr, Some(N::Ne), NewLesions::No), O::Pr);
    assert_eq!(ow(T::Pr, Some(N::Ne), NewLesions::No), O::Pr);
    assert_eq!(ow(T::Sd, Some(N::Ne), NewLesions::No), O::Sd);
    assert_eq!(ow(T::Ne, Some(N::NonCrNonPd), NewLesions::No), O::Ne);
    // The same through a file: target CR with the non-target not evaluated → PR.
    let f = File::new()
        .target("T1", "liver")
        .non_target("NT1", "bone")
        .baseline(&[("T1", &d("30.0"))])
        .follow(42, &[("T1", &d("0")), ("NT1", "status = \"NE\"")]);
    let e = f.eval();
    let tp = &e.global.time_points[0];
    assert_eq!(
        (tp.target, tp.non_target, tp.overall),
        (Some(T::Cr), Some(N::Ne), O::Pr)
    );
}

// ------------------------------------------------------------------ RECIST-tracker tests

/// The tracker's fixture: t1 liver 50 mm, t2 node 20 mm short axis, n1 non-target (ascites).
fn tracker(visits: &[(&str, &str, &str)]) -> File {
    let mut f = File::new()
        .target("t1", "liver")
        .target_node("t2")
        .non_target("n1", "peritoneum")
        .baseline(&[("t1", &d("50")), ("t2", &d("20"))]);
    for (i, (a, b, nt)) in visits.iter().enumerate() {
        let mut m: Vec<(&str, String)> = Vec::new();
        if !a.is_empty() {
            m.push(("t1", d(a)));
        }
        if !b.is_empty() {
            m.push(("t2", d(b)));
        }
        m.push(("n1", format!("status = \"{nt}\"")));
        let m: Vec<(&str, &str)> = m.iter().map(|(i, s)| (*i, s.as_str())).collect();
        f = f.follow(31 + 28 * i as i64, &m);
    }
    f
}

const P: &str = "non-CR/non-PD";

#[test]
fn tracker_pr_uses_30_percent_from_baseline() {
    let e = tracker(&[("30", "15", P)]).eval();
    let tp = &e.global.time_points[0];
    assert_eq!(tp.sum_tenth_mm, Some(450));
    assert_eq!((tp.target, tp.overall), (Some(T::Pr), O::Pr));
}

#[test]
fn tracker_pd_requires_20_percent_and_5_mm() {
    let t = targets(&tracker(&[
        ("40", "10", P),
        ("43", "11", P),
        ("49", "11", P),
    ]));
    assert_eq!((t[1], t[2]), (T::Sd, T::Pd));
}

#[test]
fn tracker_cr_requires_nodes_below_10_mm() {
    let e = tracker(&[("0", "9", "CR")]).eval();
    let tp = &e.global.time_points[0];
    assert_eq!((tp.target, tp.overall), (Some(T::Cr), O::Cr));
}

#[test]
fn tracker_definite_new_lesion_is_pd() {
    let f = File::new()
        .target("t1", "liver")
        .target_node("t2")
        .non_target("n1", "peritoneum")
        .baseline(&[("t1", &d("50")), ("t2", &d("20"))])
        .follow_with(
            26,
            "new_lesions = [{ id = \"nl1\", organ = \"lung\" }]",
            &[
                ("t1", &d("30")),
                ("t2", &d("15")),
                ("n1", "status = \"non-CR/non-PD\""),
            ],
        );
    assert_eq!(overall(&f), [O::Pd]);
}

#[test]
fn tracker_missing_measurement_is_ne_not_zero() {
    // One target not recorded → NE (never summed as 0).
    let e = tracker(&[("30", "", P)]).eval();
    let tp = &e.global.time_points[0];
    assert_eq!((tp.target, tp.overall), (Some(T::Ne), O::Ne));
    assert!(
        tp.notes[0].contains(
            "target `t2` not done (no record at this visit), last measured on 2025-01-06"
        )
    );
    // All targets missing → NE, not CR.
    let e = tracker(&[("", "", P)]).eval();
    assert_eq!(e.global.time_points[0].target, Some(T::Ne));
    // A missing measurement creates no false nadir of zero.
    let t = targets(&tracker(&[("30", "10", P), ("25", "", P)]));
    assert_eq!(t[1], T::Ne);
}

#[test]
fn tracker_reappearance_after_cr_is_pd() {
    // Single liver target 30 → 0 (CR) → 12.
    let f = one_target("30", &["0", "12"]);
    let e = f.eval();
    assert_eq!(e.global.time_points[0].target, Some(T::Cr));
    assert_eq!(e.global.time_points[0].overall, O::Cr);
    assert_eq!(e.global.time_points[1].overall, O::Pd);
}

#[test]
fn tracker_node_back_above_10_mm_after_cr() {
    let node = |last: &str| {
        File::new()
            .target_node("t1")
            .baseline(&[("t1", &d("20"))])
            .follow(26, &[("t1", &d("8"))])
            .follow(54, &[("t1", &d(last))])
    };
    // 8 → 14 mm: target PD.
    let e = node("14").eval();
    assert_eq!(e.global.time_points[0].target, Some(T::Cr));
    assert_eq!(e.global.time_points[1].target, Some(T::Pd));
    // 8 → 10 mm: target not PD (+2 mm), overall PD (overall CR was assigned before).
    let e = node("10").eval();
    assert_eq!(e.global.time_points[0].overall, O::Cr);
    assert_ne!(e.global.time_points[1].target, Some(T::Pd));
    assert_eq!(e.global.time_points[1].overall, O::Pd);
}

#[test]
fn tracker_reappearance_after_target_cr_with_overall_pr_is_not_pd() {
    // Liver target 20 → 0 → 1 with a non-target present: overall PR then not PD.
    let f = File::new()
        .target("t1", "liver")
        .non_target("n1", "peritoneum")
        .baseline(&[("t1", &d("20"))])
        .follow(26, &[("t1", &d("0")), ("n1", "status = \"non-CR/non-PD\"")])
        .follow(54, &[("t1", &d("1")), ("n1", "status = \"non-CR/non-PD\"")]);
    let e = f.eval();
    assert_eq!(e.global.time_points[0].target, Some(T::Cr));
    assert_eq!(e.global.time_points[0].overall, O::Pr);
    assert_ne!(e.global.time_points[1].overall, O::Pd);
    // Node 20 → 8 → 10 with a non-target present: overall PR then not PD.
    let f = File::new()
        .target_node("t1")
        .non_target("n1", "peritoneum")
        .baseline(&[("t1", &d("20"))])
        .follow(26, &[("t1", &d("8")), ("n1", "status = \"non-CR/non-PD\"")])
        .follow(
            54,
            &[("t1", &d("10")), ("n1", "status = \"non-CR/non-PD\"")],
        );
    let e = f.eval();
    assert_eq!(e.global.time_points[0].overall, O::Pr);
    assert_ne!(e.global.time_points[1].overall, O::Pd);
}

#[test]
fn tracker_pr_persists_and_true_pd_still_counts() {
    // 100 → 69 (PR) → 72 (−28 %, not PD): PR persists (no confirmation required).
    assert_eq!(targets(&one_target("100", &["69", "72"])), [T::Pr, T::Pr]);
    // 100 → 69 → 88 (+27.5 %, +19 mm over the nadir): PD.
    assert_eq!(targets(&one_target("100", &["69", "88"])), [T::Pr, T::Pd]);
    // PD from the nadir overrides PR from baseline: (20 + 10) then (37 + 11).
    let t = targets(&tracker(&[("20", "10", P), ("37", "11", P)]));
    assert_eq!(t, [T::Pr, T::Pd]);
}

// ------------------------------------------------------------------ EORTC RECIST FAQ

#[test]
fn eortc_faq_165_63_65_is_a_continued_pr() {
    // Baseline 165 mm, week 8 63 mm, week 16 65 mm → week 16 is a continued PR, with and
    // without confirmation (weeks 8 and 16 are 56 days apart).
    for p in [Params::default(), confirmed()] {
        let f = File::new()
            .target("T1", "liver")
            .target("T2", "lung")
            .baseline(&[("T1", &d("100.0")), ("T2", &d("65.0"))])
            .follow(56, &[("T1", &d("40.0")), ("T2", &d("23.0"))])
            .follow(112, &[("T1", &d("41.0")), ("T2", &d("24.0"))]);
        let e = f.eval_with(&p);
        let g = &e.global;
        assert_eq!(g.baseline_sum_tenth_mm, Some(1650));
        assert_eq!(g.time_points[0].sum_tenth_mm, Some(630));
        assert_eq!(g.time_points[1].sum_tenth_mm, Some(650));
        assert_eq!(g.time_points[1].nadir_tenth_mm, Some(630));
        assert_eq!(g.time_points[1].target, Some(T::Pr));
        assert_eq!(g.time_points[1].overall, O::Pr);
        assert_eq!(g.best.response, O::Pr);
    }
}

#[test]
fn eortc_faq_managing_pr_100_70_70_80_80_80() {
    // "Managing PR when TP measurements change slightly over time": every time point PR once
    // the PR is assigned (and confirmed if required). Visits six weeks apart.
    for p in [Params::default(), confirmed()] {
        let e = one_target("100", &["70", "70", "80", "80", "80"]).eval_with(&p);
        let o: Vec<O> = e.global.time_points.iter().map(|t| t.overall).collect();
        assert_eq!(o, [O::Pr; 5], "confirmation {}", p.confirmation_required);
    }
}

#[test]
fn before_confirmation_a_pr_that_no_longer_meets_30_percent_is_sd() {
    // clinical-rules.md §1.3: before confirmation, SD (Table 3 row PR, SD → SD).
    let e = one_target("100", &["70", "80"]).eval_with(&confirmed());
    let t: Vec<T> = e
        .global
        .time_points
        .iter()
        .map(|t| t.target.unwrap())
        .collect();
    assert_eq!(t, [T::Pr, T::Sd]);
    assert_eq!(e.global.best_confirmed.response, O::Sd);
    assert_eq!(e.global.best_unconfirmed.response, O::Pr);
}

#[test]
fn eortc_faq_reappearance_after_confirmed_cr() {
    // "Does a new lesion always result in PD?": after a definitive CR any reappearance is PD;
    // with confirmation required, an unconfirmed CR does not make a small reappearance PD.
    let f = one_target("30", &["0", "0", "4"]);
    let o: Vec<O> = f
        .eval_with(&confirmed())
        .global
        .time_points
        .iter()
        .map(|t| t.overall)
        .collect();
    assert_eq!(
        o,
        [O::Cr, O::Cr, O::Pd],
        "CR confirmed on the second visit, then back"
    );
    let f = one_target("30", &["0", "4"]);
    let o: Vec<O> = f
        .eval_with(&confirmed())
        .global
        .time_points
        .iter()
        .map(|t| t.overall)
        .collect();
    assert_eq!(
        o,
        [O::Cr, O::Pr],
        "CR not confirmed: 4 mm is PR against baseline"
    );
    let o = overall(&one_target("30", &["0", "4"]));
    assert_eq!(
        o,
        [O::Cr, O::Pd],
        "no confirmation required: the CR was definitive"
    );
}

#[test]
fn partial_measurement_is_ne_unless_the_measured_targets_prove_pd() {
    // clinical-rules.md §1.3 NE row: only some lesions measured is NE unless those measured
    // already prove PD. Baseline 30 + 20 = 50 mm (the nadir).
    let f = |t1: &str| {
        File::new()
            .target("T1", "liver")
            .target("T2", "lung")
            .baseline(&[("T1", &d("30")), ("T2", &d("20"))])
            .follow(
                42,
                &[("T1", &d(t1)), ("T2", "diameter_mm = \"not evaluated\"")],
            )
    };
    // 60.0 alone is +20 % and +10 mm over 50: PD whatever T2 is.
    let e = f("60.0").eval();
    assert_eq!(e.global.time_points[0].target, Some(T::Pd));
    assert_eq!(e.global.time_points[0].measured_sum_tenth_mm, Some(600));
    assert_eq!(e.global.time_points[0].sum_tenth_mm, None);
    // 59.9 alone does not prove PD: NE.
    assert_eq!(f("59.9").eval().global.time_points[0].target, Some(T::Ne));
}
