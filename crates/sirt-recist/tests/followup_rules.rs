//! Follow-up rules of RECIST 1.1 (Eisenhauer EA et al., Eur J Cancer 2009;45:228–247,
//! doi:10.1016/j.ejca.2008.10.026) that a SIRT follow-up meets: non-target disease only
//! (Table 2 and its best response), lesions not assessed (not done) versus assessed but not
//! evaluable (§4.3.4), and a baseline scan on the treatment day. Each rule has a case that
//! fires it and one that does not; the expected categories are the tables' rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{File, d};
use proptest::prelude::*;
use sirt_recist::{
    Disease, LesionKind, NonTargetResponse as N, OverallResponse as O, Params, TargetResponse as T,
    Unassessed, UnassessedLesion,
};

fn confirmed() -> Params {
    Params {
        confirmation_required: true,
        ..Params::default()
    }
}

fn status(s: &str) -> String {
    format!("status = \"{s}\"")
}

/// Non-target disease only: a liver non-target and a nodal non-target (12 mm short axis).
fn non_target_only() -> File {
    File::new()
        .non_target("NT1", "liver")
        .non_target_node("N1")
        .baseline(&[("N1", &d("12.0"))])
}

fn overall(f: &File, p: &Params) -> Vec<O> {
    f.eval_with(p)
        .global
        .time_points
        .iter()
        .map(|t| t.overall)
        .collect()
}

/// RECIST 1.1 Table 2 (non-target disease only), row by row through files: non-target CR, no
/// new lesion → CR; non-CR/non-PD → non-CR/non-PD (not SD); not all evaluated → NE;
/// unequivocal PD → PD; any new lesion → PD. No target response, no sum.
#[test]
fn table_2_rows_through_files() {
    let rows: [(&str, &str, &str, O); 5] = [
        ("CR", "CR", "", O::Cr),
        ("non-CR/non-PD", "CR", "", O::NonCrNonPd),
        ("NE", "CR", "", O::Ne),
        ("PD", "non-CR/non-PD", "", O::Pd),
        (
            "non-CR/non-PD",
            "CR",
            "new_lesions = [{ id = \"L1\", organ = \"lung\" }]",
            O::Pd,
        ),
    ];
    for (nt1, n1, extra, want) in rows {
        let f =
            non_target_only().follow_with(56, extra, &[("NT1", &status(nt1)), ("N1", &status(n1))]);
        let e = f.eval();
        let tp = &e.global.time_points[0];
        assert_eq!(tp.overall, want, "NT1 {nt1}, N1 {n1}, {extra}");
        assert_eq!((tp.target, tp.sum_tenth_mm), (None, None));
        assert_eq!(e.global.disease, Disease::NonTargetOnly);
        assert_ne!(tp.overall, O::Sd, "Table 2 never assigns SD");
    }
}

/// Best overall response without confirmation (RECIST 1.1 §4.4.1): non-CR/non-PD counts like
/// SD, so only from the SD minimum duration (42 days by default) after the reference date;
/// before it the time point is NE.
#[test]
fn non_cr_non_pd_needs_the_sd_minimum_duration() {
    let present = [
        ("NT1", status("non-CR/non-PD")),
        ("N1", status("non-CR/non-PD")),
    ];
    let rows: Vec<(&str, &str)> = present.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let at_42 = non_target_only().follow(42, &rows).eval();
    assert_eq!(at_42.global.best.response, O::NonCrNonPd);
    let at_41 = non_target_only().follow(41, &rows).eval();
    assert_eq!(at_41.global.best.response, O::Ne);
    assert!(
        at_41
            .global
            .best
            .note
            .as_deref()
            .unwrap()
            .contains("less than 42 days"),
        "{:?}",
        at_41.global.best
    );
}

/// Confirmation (RECIST 1.1 §4.6; Table 3 applied to Table 2's categories): a CR confirmed by
/// a CR at least 28 days later is CR; an unconfirmed CR counts as non-CR/non-PD — the category
/// Table 2 assigns instead of SD — never SD. With target disease the same unconfirmed CR
/// counts as SD (Table 3 row "CR, NE": SD).
#[test]
fn unconfirmed_cr_without_targets_is_non_cr_non_pd_not_sd() {
    let gone = [("NT1", status("CR")), ("N1", status("CR"))];
    let gone: Vec<(&str, &str)> = gone.iter().map(|(a, b)| (*a, b.as_str())).collect();
    // Fires: CR on day 56 confirmed on day 84 (28 days later).
    let twice = non_target_only().follow(56, &gone).follow(84, &gone);
    let b = twice.eval_with(&confirmed()).global.best;
    assert_eq!((b.response, b.confirmed_on.is_some()), (O::Cr, true));
    // Does not fire: the second CR is 27 days later.
    let early = non_target_only().follow(56, &gone).follow(83, &gone);
    let e = early.eval_with(&confirmed());
    assert_eq!(e.global.best.response, O::NonCrNonPd);
    assert!(
        e.global
            .best
            .note
            .as_deref()
            .unwrap()
            .ends_with("not confirmed; counts as non-CR/non-PD"),
        "{:?}",
        e.global.best
    );
    // Without confirmation the first CR is the best response.
    assert_eq!(e.global.best_unconfirmed.response, O::Cr);
    // Target disease: the same pattern (target CR twice, 27 days apart) counts as SD.
    let target = File::new()
        .target("T1", "liver")
        .baseline(&[("T1", &d("30"))])
        .follow(56, &[("T1", &d("0"))])
        .follow(83, &[("T1", &d("0"))]);
    let t = target.eval_with(&confirmed()).global;
    assert_eq!((t.disease, t.best.response), (Disease::Target, O::Sd));
}

/// RECIST 1.1 Table 3 footnote (a) for non-target disease: a CR followed before the SD minimum
/// by disease again (non-CR/non-PD) is PD when confirmation is required; after a definitive CR
/// (no confirmation required) a non-target present again is PD at that time point (EORTC
/// RECIST FAQ "Does a new lesion always result in PD?"). A non-CR/non-PD after the minimum
/// duration is that category, not PD.
#[test]
fn disease_back_after_cr_without_targets() {
    let gone = [("NT1", status("CR")), ("N1", status("CR"))];
    let back = [("NT1", status("non-CR/non-PD")), ("N1", status("CR"))];
    let gone: Vec<(&str, &str)> = gone.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let back: Vec<(&str, &str)> = back.iter().map(|(a, b)| (*a, b.as_str())).collect();
    // CR on day 14, back on day 35: both before the 42-day minimum.
    let f = non_target_only().follow(14, &gone).follow(35, &back);
    let c = f.eval_with(&confirmed()).global.best;
    assert_eq!(c.response, O::Pd, "{c:?}");
    assert!(c.note.as_deref().unwrap().contains("footnote a"), "{c:?}");
    assert_eq!(overall(&f, &Params::default()), [O::Cr, O::Pd]);
    // CR on day 56, back on day 98 (confirmation required, CR unconfirmed): non-CR/non-PD,
    // not PD (the minimum duration is met).
    let later = non_target_only().follow(56, &gone).follow(98, &back);
    let c = later.eval_with(&confirmed()).global;
    assert_eq!(
        c.time_points.iter().map(|t| t.overall).collect::<Vec<_>>(),
        [O::Cr, O::NonCrNonPd]
    );
    assert_eq!(c.best.response, O::NonCrNonPd);
}

fn outcome() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["CR", "non-CR/non-PD", "PD", "NE", "not done"])
}

proptest! {
    /// Non-target disease only never yields SD or PR, neither at a time point nor as best
    /// response, with or without confirmation (Table 2).
    #[test]
    fn non_target_only_never_yields_sd_or_pr(
        visits in prop::collection::vec((outcome(), outcome(), 1i64..60), 1..6),
    ) {
        let mut f = non_target_only();
        let mut day = 0;
        for (a, b, gap) in &visits {
            day += gap;
            f = f.follow(day, &[("NT1", &status(a)), ("N1", &status(b))]);
        }
        for p in [Params::default(), confirmed()] {
            let e = f.eval_with(&p);
            for tp in &e.global.time_points {
                prop_assert!(!matches!(tp.overall, O::Sd | O::Pr), "{tp:?}");
            }
            for b in [&e.global.best_confirmed, &e.global.best_unconfirmed] {
                prop_assert!(!matches!(b.response, O::Sd | O::Pr), "{b:?}");
            }
        }
    }
}

fn unassessed(lesion: &str, kind: LesionKind, cause: Unassessed) -> UnassessedLesion {
    UnassessedLesion {
        lesion: lesion.to_owned(),
        kind,
        cause,
    }
}

/// RECIST 1.1 §4.3.4: a target with no record or `"not done"` is not done, one `"not
/// evaluable"` (or the older `"not evaluated"`) is assessed but not evaluable; either way the
/// target response is NE (Table 1 row "NE / non-PD / no → NE") and the cause is kept.
#[test]
fn target_not_done_and_not_evaluable_are_told_apart() {
    let f = File::new()
        .target("T1", "liver")
        .target("T2", "liver")
        .target("T3", "lung")
        .non_target("NT1", "bone")
        .baseline(&[("T1", &d("30")), ("T2", &d("20")), ("T3", &d("25"))])
        .follow(
            56,
            &[
                ("T1", &d("\"not done\"")),
                ("T2", &d("\"not evaluable\"")),
                ("NT1", &status("non-CR/non-PD")),
            ],
        )
        .follow(
            98,
            &[
                ("T1", &d("\"not evaluated\"")),
                ("T2", &d("18")),
                ("T3", &d("20")),
                ("NT1", &status("non-CR/non-PD")),
            ],
        );
    let e = f.eval();
    let tp = &e.global.time_points[0];
    assert_eq!((tp.target, tp.overall), (Some(T::Ne), O::Ne));
    assert_eq!(
        tp.unassessed,
        [
            unassessed("T1", LesionKind::Target, Unassessed::NotDone),
            unassessed("T2", LesionKind::Target, Unassessed::NotEvaluable),
            unassessed("T3", LesionKind::Target, Unassessed::NotDone),
        ]
    );
    assert!(
        tp.notes
            .iter()
            .any(|n| n.starts_with("target `T1` not done"))
    );
    assert!(
        tp.notes
            .iter()
            .any(|n| n.starts_with("target `T2` not evaluable"))
    );
    assert!(
        tp.notes
            .iter()
            .any(|n| n.starts_with("target `T3` not done (no record"))
    );
    let tp = &e.global.time_points[1];
    assert_eq!(
        tp.unassessed,
        [unassessed(
            "T1",
            LesionKind::Target,
            Unassessed::NotEvaluable
        )]
    );
    // Does not fire: every target measured.
    let all = File::new()
        .target("T1", "liver")
        .baseline(&[("T1", &d("30"))])
        .follow(56, &[("T1", &d("25"))]);
    let tp = &all.eval().global.time_points[0];
    assert!(tp.unassessed.is_empty());
    assert_eq!(tp.target, Some(T::Sd));
}

/// RECIST 1.1 §4.3.4, the paper's example: "a baseline sum of 50 mm with three measured
/// lesions and at follow-up only two lesions were assessed, but those gave a sum of 80 mm, the
/// patient will have achieved PD status, regardless of the contribution of the missing
/// lesion". Whether the third is not done or not evaluable does not matter. Two lesions summing
/// to 45 mm prove nothing: NE; nor can a partial sum prove PR (20 mm ≤ 70 % of 50): NE.
#[test]
fn missing_lesion_is_ne_unless_the_measured_ones_show_pd() {
    let f = |t1: &str, t2: &str, t3: &str| {
        File::new()
            .target("T1", "liver")
            .target("T2", "lung")
            .target("T3", "adrenal")
            .baseline(&[("T1", &d("20")), ("T2", &d("20")), ("T3", &d("10"))])
            .follow(56, &[("T1", &d(t1)), ("T2", &d(t2)), ("T3", &d(t3))])
    };
    for missing in ["\"not done\"", "\"not evaluable\""] {
        let tp = f("40", "40", missing).eval().global.time_points[0].clone();
        assert_eq!((tp.target, tp.overall), (Some(T::Pd), O::Pd), "{missing}");
        assert_eq!(tp.measured_sum_tenth_mm, Some(800));
        for (t1, t2) in [("25", "20"), ("10", "10")] {
            let tp = f(t1, t2, missing).eval().global.time_points[0].clone();
            assert_eq!(tp.target, Some(T::Ne), "{t1} + {t2}, {missing}");
        }
    }
}

/// RECIST 1.1 Table 1 with non-targets not all evaluated: target CR → PR, target SD → SD; any
/// non-target PD → PD whatever the others (rows "CR / not evaluated / no → PR", "SD / non-PD or
/// not all evaluated / no → SD", "any / PD → PD"). A non-target not done and one not evaluable
/// both read as "not evaluated"; with every non-target evaluated the rows do not apply.
#[test]
fn non_target_not_done_or_not_evaluable_in_table_1() {
    let f = |target: &str, nt1: &str, nt2: &str| {
        let mut rows = vec![("T1", d(target))];
        if !nt1.is_empty() {
            rows.push(("NT1", status(nt1)));
        }
        rows.push(("NT2", status(nt2)));
        let rows: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (*a, b.as_str())).collect();
        File::new()
            .target("T1", "liver")
            .non_target("NT1", "liver")
            .non_target("NT2", "bone")
            .baseline(&[("T1", &d("30"))])
            .follow(56, &rows)
    };
    let cases: [(&str, &str, &str, N, O); 7] = [
        ("0", "not done", "CR", N::Ne, O::Pr),
        ("0", "", "CR", N::Ne, O::Pr),
        ("0", "NE", "CR", N::Ne, O::Pr),
        ("0", "CR", "CR", N::Cr, O::Cr),
        ("25", "not evaluable", "non-CR/non-PD", N::Ne, O::Sd),
        ("25", "not done", "PD", N::Pd, O::Pd),
        ("25", "CR", "non-CR/non-PD", N::NonCrNonPd, O::Sd),
    ];
    for (t, nt1, nt2, want_nt, want) in cases {
        let tp = f(t, nt1, nt2).eval().global.time_points[0].clone();
        assert_eq!(
            (tp.non_target, tp.overall),
            (Some(want_nt), want),
            "T1 {t}, NT1 {nt1:?}, NT2 {nt2}"
        );
        let cause = match nt1 {
            "not done" | "" => Some(Unassessed::NotDone),
            "NE" | "not evaluable" => Some(Unassessed::NotEvaluable),
            _ => None,
        };
        assert_eq!(
            tp.unassessed,
            cause
                .map(|c| unassessed("NT1", LesionKind::NonTarget, c))
                .into_iter()
                .collect::<Vec<_>>()
        );
    }
}

/// RECIST 1.1 §4.3.4: "when no imaging/measurement is done at all at a particular time point,
/// the patient is not evaluable (NE) at that time point" — said in the reasons. A new lesion
/// seen at such a visit is still PD (Table 1 "any / any / yes → PD").
#[test]
fn a_visit_with_nothing_done_is_ne_and_says_so() {
    let base = || {
        File::new()
            .target("T1", "liver")
            .non_target("NT1", "bone")
            .baseline(&[("T1", &d("30"))])
    };
    let e = base().follow(56, &[]).eval();
    let tp = &e.global.time_points[0];
    assert_eq!(tp.overall, O::Ne);
    assert_eq!(
        tp.unassessed,
        [
            unassessed("T1", LesionKind::Target, Unassessed::NotDone),
            unassessed("NT1", LesionKind::NonTarget, Unassessed::NotDone),
        ]
    );
    assert!(
        tp.notes
            .iter()
            .any(|n| n.starts_with("no lesion assessed at this time point")),
        "{:?}",
        tp.notes
    );
    let with_new = base()
        .follow_with(
            56,
            "new_lesions = [{ id = \"L1\", organ = \"liver\" }]",
            &[],
        )
        .eval();
    let tp = &with_new.global.time_points[0];
    assert_eq!(tp.overall, O::Pd);
    assert!(!tp.notes.iter().any(|n| n.starts_with("no lesion assessed")));
    // Not fired when one lesion is assessed but not evaluable: something was done.
    let ne = base().follow(56, &[("T1", &d("\"not evaluable\""))]).eval();
    let tp = &ne.global.time_points[0];
    assert_eq!(tp.overall, O::Ne);
    assert!(!tp.notes.iter().any(|n| n.starts_with("no lesion assessed")));
}

/// A target must be measured at baseline (RECIST 1.1 §3.1.1): `"not done"` and `"not
/// evaluable"` there refuse the file, as a missing measurement does.
#[test]
fn unassessed_targets_at_baseline_are_refused() {
    for word in ["\"not done\"", "\"not evaluable\""] {
        let e = File::new()
            .target("T1", "liver")
            .baseline(&[("T1", &d(word))])
            .err();
        assert!(
            e.contains("a target must be measured at baseline"),
            "{word}: {e}"
        );
    }
}

fn with_treatment_start(f: File, date: &str) -> File {
    let mut f = f;
    f.text = f.text.replacen(
        "patient = \"TEST\"\n",
        &format!("patient = \"TEST\"\ntreatment_start = \"{date}\"\n"),
        1,
    );
    f
}

/// A baseline scan on the treatment day (RECIST 1.1 §3.2: "as close as possible to the
/// treatment start and never more than 4 weeks before") is accepted without a warning, and the
/// SD minimum duration runs from the treatment start: SD 42 days after it counts (fires), 41
/// days after it does not (NE).
#[test]
fn a_baseline_on_the_treatment_day_is_accepted_and_evaluated() {
    let f = |day: i64| {
        with_treatment_start(
            File::new()
                .target("T1", "liver")
                .baseline(&[("T1", &d("30"))])
                .follow(day, &[("T1", &d("28"))]),
            "2025-01-06",
        )
    };
    let e = f(42).eval();
    assert!(e.findings.is_empty(), "{:?}", e.findings);
    assert!(e.reference_is_treatment_start);
    assert_eq!(e.reference_date, e.series.baseline.date);
    assert_eq!(e.global.time_points[0].days_from_baseline, 42);
    assert_eq!(e.global.time_points[0].overall, O::Sd);
    assert_eq!(e.global.best.response, O::Sd);
    assert_eq!(f(41).eval().global.best.response, O::Ne);
    // A baseline the day after the treatment start is evaluated with a warning.
    let after = with_treatment_start(
        File::new()
            .target("T1", "liver")
            .baseline(&[("T1", &d("30"))])
            .follow(42, &[("T1", &d("28"))]),
        "2025-01-05",
    )
    .eval();
    assert!(
        after.findings[0]
            .message
            .contains("baseline scan after the treatment start"),
        "{:?}",
        after.findings
    );
    // A follow-up on the treatment (and baseline) day is refused: it must come after both.
    let same_day = with_treatment_start(
        File::new()
            .target("T1", "liver")
            .baseline(&[("T1", &d("30"))])
            .follow(0, &[("T1", &d("28"))]),
        "2025-01-06",
    )
    .err();
    assert!(
        same_day.contains("expected a date after the baseline (2025-01-06), found 2025-01-06"),
        "{same_day}"
    );
}

/// The rendered follow-up of non-target disease only with a lesion not done, one not
/// evaluable, an unconfirmed CR and its best responses.
#[test]
fn render_non_target_only_follow_up() {
    let f = non_target_only()
        .follow(56, &[("NT1", &status("non-CR/non-PD"))])
        .follow(98, &[("NT1", &status("NE")), ("N1", &status("CR"))])
        .follow(140, &[("NT1", &status("CR")), ("N1", &status("CR"))])
        .follow(154, &[]);
    insta::assert_snapshot!(
        "non_target_only_text",
        sirt_recist::render_text(&f.eval_with(&confirmed()))
    );
}

/// The rendered follow-up of target disease with the paper's §4.3.4 example (two of three
/// targets summing to PD, the third not done) after a visit with nothing done.
#[test]
fn render_missing_assessments() {
    let f = File::new()
        .target("T1", "liver")
        .target("T2", "lung")
        .target("T3", "adrenal")
        .non_target("NT1", "bone")
        .baseline(&[("T1", &d("20")), ("T2", &d("20")), ("T3", &d("10"))])
        .follow(
            56,
            &[
                ("T1", &d("18")),
                ("T2", &d("\"not evaluable\"")),
                ("T3", &d("10")),
                ("NT1", &status("not done")),
            ],
        )
        .follow(98, &[])
        .follow(
            140,
            &[
                ("T1", &d("40")),
                ("T2", &d("40")),
                ("T3", &d("\"not done\"")),
                ("NT1", &status("non-CR/non-PD")),
            ],
        );
    insta::assert_snapshot!(
        "missing_assessments_text",
        sirt_recist::render_text(&f.eval())
    );
}
