//! RECIST 1.1 Tables 1, 2 and 3 (Eisenhauer 2009, as reproduced in shared/domain/clinical-rules.md
//! §1.6–1.7) row by row, and the best-overall-response vectors of `pharmaverse/admiralonco`
//! (Apache-2.0) `tests/testthat/test-derive_param_bor.R` and `test-derive_param_confirmed_bor.R`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::civil::Date;
use sirt_recist::{
    Assessment, Disease, NewLesions as New, NonTargetResponse as N, OverallResponse as O, Params,
    TargetResponse as T, best_overall_response, overall_with_targets, overall_without_targets,
};

const TARGETS: [T; 5] = [T::Cr, T::Pr, T::Sd, T::Pd, T::Ne];
/// `None`: no non-target lesion at baseline (reads as CR in Table 1).
const NON_TARGETS: [Option<N>; 5] = [
    Some(N::Cr),
    Some(N::NonCrNonPd),
    Some(N::Ne),
    Some(N::Pd),
    None,
];
/// An equivocal new lesion is not PD at its time point (RECIST 1.1 §4.3.5): it reads as "No".
const NEW: [New; 3] = [New::No, New::Equivocal, New::Yes];

fn no(n: New) -> bool {
    n != New::Yes
}

#[test]
fn table_1_every_row() {
    type Row = (&'static str, fn(T, Option<N>, New) -> bool, O);
    let rows: [Row; 9] = [
        (
            "CR | CR | No → CR",
            |t, n, w| t == T::Cr && matches!(n, Some(N::Cr) | None) && no(w),
            O::Cr,
        ),
        (
            "CR | non-CR/non-PD | No → PR",
            |t, n, w| t == T::Cr && n == Some(N::NonCrNonPd) && no(w),
            O::Pr,
        ),
        (
            "CR | not evaluated | No → PR",
            |t, n, w| t == T::Cr && n == Some(N::Ne) && no(w),
            O::Pr,
        ),
        (
            "PR | non-PD or not all evaluated | No → PR",
            |t, n, w| t == T::Pr && n != Some(N::Pd) && no(w),
            O::Pr,
        ),
        (
            "SD | non-PD or not all evaluated | No → SD",
            |t, n, w| t == T::Sd && n != Some(N::Pd) && no(w),
            O::Sd,
        ),
        (
            "NE | non-PD | No → NE",
            |t, n, w| t == T::Ne && n != Some(N::Pd) && no(w),
            O::Ne,
        ),
        ("PD | any | yes or no → PD", |t, _, _| t == T::Pd, O::Pd),
        (
            "any | PD | yes or no → PD",
            |_, n, _| n == Some(N::Pd),
            O::Pd,
        ),
        ("any | any | yes → PD", |_, _, w| w == New::Yes, O::Pd),
    ];
    let mut used = [0usize; 9];
    for t in TARGETS {
        for n in NON_TARGETS {
            for w in NEW {
                let matching: Vec<usize> =
                    (0..rows.len()).filter(|&i| (rows[i].1)(t, n, w)).collect();
                assert!(!matching.is_empty(), "no Table 1 row for {t:?} {n:?} {w:?}");
                for &i in &matching {
                    used[i] += 1;
                    assert_eq!(
                        overall_with_targets(t, n, w),
                        rows[i].2,
                        "row {}: {t:?} {n:?} {w:?}",
                        rows[i].0
                    );
                }
            }
        }
    }
    assert!(used.iter().all(|&u| u > 0), "every row exercised: {used:?}");
}

#[test]
fn table_2_every_row() {
    type Row = (&'static str, fn(N, New) -> bool, O);
    let rows: [Row; 5] = [
        ("CR | No → CR", |n, w| n == N::Cr && no(w), O::Cr),
        (
            "non-CR/non-PD | No → non-CR/non-PD",
            |n, w| n == N::NonCrNonPd && no(w),
            O::NonCrNonPd,
        ),
        (
            "not all evaluated | No → NE",
            |n, w| n == N::Ne && no(w),
            O::Ne,
        ),
        ("unequivocal PD | yes or no → PD", |n, _| n == N::Pd, O::Pd),
        ("any | yes → PD", |_, w| w == New::Yes, O::Pd),
    ];
    let mut used = [0usize; 5];
    for n in [N::Cr, N::NonCrNonPd, N::Ne, N::Pd] {
        for w in NEW {
            let matching: Vec<usize> = (0..rows.len()).filter(|&i| (rows[i].1)(n, w)).collect();
            assert!(!matching.is_empty(), "no Table 2 row for {n:?} {w:?}");
            for &i in &matching {
                used[i] += 1;
                assert_eq!(
                    overall_without_targets(n, w),
                    rows[i].2,
                    "row {}",
                    rows[i].0
                );
            }
        }
    }
    assert!(used.iter().all(|&u| u > 0), "every row exercised: {used:?}");
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn at(days: i64) -> Date {
    date("2025-01-06")
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
}

/// Table 3 with two time points; the reference date is day 0, SD minimum 42 days, confirmation
/// at least 28 days later. "met": the first time point on day 56 and the second on day 112;
/// "not met": days 7 and 35 (both before the SD minimum, 28 days apart).
#[test]
fn table_3_every_row() {
    let p = Params {
        confirmation_required: true,
        ..Params::default()
    };
    let bor = |a: O, b: O, met: bool| {
        let (d1, d2) = if met { (56, 112) } else { (7, 35) };
        let pts = [
            Assessment {
                date: at(d1),
                response: a,
            },
            Assessment {
                date: at(d2),
                response: b,
            },
        ];
        best_overall_response(&pts, at(0), &p, true, Disease::Target).response
    };
    // (first, subsequent, BOR when the SD duration is met, BOR when it is not; None = the
    // table gives no condition and only the met case is checked).
    type Row = (O, O, &'static [O], Option<&'static [O]>);
    let rows: [Row; 11] = [
        (O::Cr, O::Cr, &[O::Cr], Some(&[O::Cr])),
        (
            O::Cr,
            O::Pr,
            &[O::Sd, O::Pd, O::Pr],
            Some(&[O::Sd, O::Pd, O::Pr]),
        ),
        (O::Cr, O::Sd, &[O::Sd], Some(&[O::Pd])),
        (O::Cr, O::Pd, &[O::Sd], Some(&[O::Pd])),
        (O::Cr, O::Ne, &[O::Sd], Some(&[O::Ne])),
        (O::Pr, O::Cr, &[O::Pr], Some(&[O::Pr])),
        (O::Pr, O::Pr, &[O::Pr], Some(&[O::Pr])),
        (O::Pr, O::Sd, &[O::Sd], None),
        (O::Pr, O::Pd, &[O::Sd], Some(&[O::Pd])),
        (O::Pr, O::Ne, &[O::Sd], Some(&[O::Ne])),
        (O::Ne, O::Ne, &[O::Ne], Some(&[O::Ne])),
    ];
    for (a, b, met, not_met) in rows {
        let got = bor(a, b, true);
        assert!(
            met.contains(&got),
            "{a:?} then {b:?}, SD duration met: {got:?}, table {met:?}"
        );
        if let Some(nm) = not_met {
            let got = bor(a, b, false);
            assert!(
                nm.contains(&got),
                "{a:?} then {b:?}, not met: {got:?}, table {nm:?}"
            );
        }
    }
    // CR then PR: this implementation's choice among "SD, PD or PR" (footnote a).
    assert_eq!(bor(O::Cr, O::Pr, true), O::Sd);
    assert_eq!(bor(O::Cr, O::Pr, false), O::Pd);
}

type Subject = (&'static str, &'static str, &'static [(&'static str, O)]);

/// admiralonco's test data (ADSL TRTSDT and ADRS OVR records).
const ADMIRALONCO: [Subject; 8] = [
    (
        "1",
        "2020-01-01",
        &[
            ("2020-01-01", O::Pr),
            ("2020-02-01", O::Cr),
            ("2020-02-16", O::Ne),
            ("2020-03-01", O::Cr),
            ("2020-04-01", O::Sd),
        ],
    ),
    (
        "2",
        "2019-12-12",
        &[
            ("2020-01-01", O::Sd),
            ("2020-02-01", O::Pr),
            ("2020-03-01", O::Sd),
            ("2020-03-13", O::Cr),
        ],
    ),
    (
        "3",
        "2019-11-11",
        &[
            ("2019-11-12", O::Cr),
            ("2019-12-02", O::Cr),
            ("2020-01-01", O::Sd),
        ],
    ),
    (
        "4",
        "2019-12-30",
        &[
            ("2020-01-01", O::Pr),
            ("2020-03-01", O::Sd),
            ("2020-04-01", O::Sd),
            ("2020-05-01", O::Pr),
            ("2020-05-15", O::NonCrNonPd),
        ],
    ),
    (
        "5",
        "2020-01-01",
        &[
            ("2020-01-01", O::Pr),
            ("2020-01-10", O::Sd),
            ("2020-01-20", O::Pr),
            ("2020-05-15", O::NonCrNonPd),
        ],
    ),
    (
        "6",
        "2020-02-02",
        &[
            ("2020-02-06", O::Pr),
            ("2020-02-16", O::Cr),
            ("2020-03-30", O::Pr),
        ],
    ),
    (
        "7",
        "2020-02-02",
        &[
            ("2020-02-06", O::Pr),
            ("2020-02-16", O::Cr),
            ("2020-04-01", O::Ne),
        ],
    ),
    (
        "9",
        "2020-02-01",
        &[("2020-02-16", O::Pd), ("2020-03-06", O::Sd)],
    ),
];

fn subject(id: &str) -> (Date, Vec<Assessment>) {
    let (_, start, recs) = ADMIRALONCO.iter().find(|s| s.0 == id).unwrap();
    let pts = recs
        .iter()
        .map(|(d, r)| Assessment {
            date: date(d),
            response: *r,
        })
        .collect();
    (date(start), pts)
}

fn check(p: &Params, confirmation: bool, expected: &[(&str, O, &str)]) {
    for (id, resp, when) in expected {
        let (start, pts) = subject(id);
        let b = best_overall_response(&pts, start, p, confirmation, Disease::Target);
        assert_eq!(
            (b.response, b.date),
            (*resp, Some(date(when))),
            "subject {id}: {b:?}"
        );
    }
}

#[test]
fn admiralonco_unconfirmed_bor() {
    // derive_param_bor Test 1 (ref_start_window = 28), expected_01.
    let p = Params {
        sd_min_days: 28,
        ..Params::default()
    };
    check(
        &p,
        false,
        &[
            ("1", O::Cr, "2020-02-01"),
            ("2", O::Cr, "2020-03-13"),
            ("3", O::Cr, "2019-11-12"),
            ("4", O::Pr, "2020-01-01"),
            ("5", O::Pr, "2020-01-01"),
            ("6", O::Cr, "2020-02-16"),
            ("7", O::Cr, "2020-02-16"),
        ],
    );
    // Test 1, third part: subject 7's three records moved before the reference date and all
    // set to SD → NE dated to the first record.
    let pts: Vec<Assessment> = [
        ("2020-01-01", O::Sd),
        ("2020-01-02", O::Sd),
        ("2020-01-03", O::Sd),
    ]
    .iter()
    .map(|(d, r)| Assessment {
        date: date(d),
        response: *r,
    })
    .collect();
    let b = best_overall_response(&pts, date("2020-02-02"), &p, false, Disease::Target);
    assert_eq!((b.response, b.date), (O::Ne, Some(date("2020-01-01"))));
    // Test 2: a PD on 2020-03-01 for subject 2 (encoded as that time point's response) drops
    // the later CR: BOR PR on 2020-02-01.
    let (start, mut pts) = subject("2");
    pts[2].response = O::Pd;
    let b = best_overall_response(&pts, start, &p, false, Disease::Target);
    assert_eq!((b.response, b.date), (O::Pr, Some(date("2020-02-01"))));
}

#[test]
fn admiralonco_confirmed_bor_defaults() {
    // derive_param_confirmed_bor Test 1: ref_start_window = 28, ref_confirm = 28,
    // max_nr_ne = 1, accept_sd = FALSE.
    let p = Params {
        sd_min_days: 28,
        min_confirmation_days: 28,
        max_ne_between: 1,
        accept_sd_between: false,
        ..Params::default()
    };
    check(
        &p,
        true,
        &[
            ("1", O::Cr, "2020-02-01"),
            ("2", O::Sd, "2020-02-01"),
            ("3", O::Sd, "2020-01-01"),
            ("4", O::Sd, "2020-03-01"),
            ("5", O::NonCrNonPd, "2020-05-15"),
            ("6", O::Sd, "2020-03-30"),
            ("7", O::Ne, "2020-02-06"),
            ("9", O::Pd, "2020-02-16"),
        ],
    );
    let (start, pts) = subject("1");
    let b = best_overall_response(&pts, start, &p, true, Disease::Target);
    assert_eq!(b.confirmed_on, Some(date("2020-03-01")));
}

#[test]
fn admiralonco_confirmed_bor_accept_sd() {
    // Test 2: ref_confirm = 14, max_nr_ne = 0, accept_sd = TRUE, missing as NE.
    let p = Params {
        sd_min_days: 28,
        min_confirmation_days: 14,
        max_ne_between: 0,
        accept_sd_between: true,
        ..Params::default()
    };
    check(
        &p,
        true,
        &[
            ("1", O::Pr, "2020-01-01"),
            ("2", O::Pr, "2020-02-01"),
            ("3", O::Cr, "2019-11-12"),
            ("4", O::Sd, "2020-03-01"),
            ("5", O::Pr, "2020-01-01"),
            ("6", O::Sd, "2020-03-30"),
            ("9", O::Pd, "2020-02-16"),
        ],
    );
    // Subject 8 has no assessment: NE (missing_as_ne = TRUE).
    let b = best_overall_response(&[], date("2020-04-01"), &p, true, Disease::Target);
    assert_eq!((b.response, b.date), (O::Ne, None));
}
