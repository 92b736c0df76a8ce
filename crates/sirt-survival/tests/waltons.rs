//! waltons (lifelines `load_waltons`, 163 flies): KM tables, medians and log-rank against the
//! reference outputs in `shared/reference/survival` (copied to tests/data; produced with
//! lifelines 0.30.3 and an independent numpy implementation, see the folder's README).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod common;
use common::read_cohort_csv;

use sirt_survival::{
    CiTransform, Cohort, CohortColumns, KmOptions, MedianRule, TimeEstimate, TimeUnit,
    kaplan_meier, logrank,
};
use std::path::Path;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn waltons() -> Cohort {
    let cols = CohortColumns::new("T", "E", TimeUnit::Days).with_group("group");
    read_cohort_csv(&data("waltons.csv"), &cols).unwrap()
}

/// Rows of a reference table: None for an empty cell.
fn reference_table(name: &str) -> Vec<Vec<Option<f64>>> {
    let text = std::fs::read_to_string(data(name)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|c| {
                    if c.is_empty() {
                        None
                    } else {
                        Some(c.parse().unwrap())
                    }
                })
                .collect()
        })
        .collect()
}

fn rel_close(ours: f64, reference: f64, rel: f64, what: &str) {
    let tol = rel * reference.abs().max(1e-300);
    assert!(
        (ours - reference).abs() <= tol,
        "{what}: ours {ours:.17e}, reference {reference:.17e}"
    );
}

#[test]
fn km_tables_match_every_reference_row() {
    let cohort = waltons();
    for (group, file) in [
        ("control", "waltons_km_table_control.csv"),
        ("miR-137", "waltons_km_table_miR-137.csv"),
    ] {
        let reference = reference_table(file);
        let loglog = kaplan_meier(&cohort, &KmOptions::default()).unwrap();
        let log = kaplan_meier(
            &cohort,
            &KmOptions {
                transform: CiTransform::Log,
                ..KmOptions::default()
            },
        )
        .unwrap();
        let ll = loglog.group(group).unwrap();
        let lg = log.group(group).unwrap();
        let event_rows: Vec<_> = ll.rows.iter().filter(|r| r.events > 0).collect();
        let log_rows: Vec<_> = lg.rows.iter().filter(|r| r.events > 0).collect();
        assert_eq!(event_rows.len(), reference.len(), "{group}: event times");
        let mut worst = 0.0f64;
        for ((r, g), want) in event_rows.iter().zip(&log_rows).zip(&reference) {
            let what = format!("{group} t={}", r.time);
            assert_eq!(r.time, want[0].unwrap(), "{what}");
            assert_eq!(r.at_risk as f64, want[1].unwrap(), "{what} at risk");
            assert_eq!(r.events as f64, want[2].unwrap(), "{what} events");
            rel_close(r.survival, want[3].unwrap(), 1e-12, &format!("{what} S"));
            worst =
                worst.max(((r.survival - want[3].unwrap()) / want[3].unwrap().max(1e-300)).abs());
            match want[4] {
                Some(v) => {
                    let ours = r.variance.unwrap();
                    rel_close(ours, v, 1e-10, &format!("{what} Greenwood variance"));
                    worst = worst.max(((ours - v) / v).abs());
                    let ci = r.ci.unwrap();
                    rel_close(
                        ci.lower,
                        want[5].unwrap(),
                        1e-10,
                        &format!("{what} log-log lower"),
                    );
                    rel_close(
                        ci.upper,
                        want[6].unwrap(),
                        1e-10,
                        &format!("{what} log-log upper"),
                    );
                    let lci = g.ci.unwrap();
                    rel_close(
                        lci.lower,
                        want[7].unwrap(),
                        1e-10,
                        &format!("{what} log lower"),
                    );
                    rel_close(
                        lci.upper,
                        want[8].unwrap(),
                        1e-10,
                        &format!("{what} log upper"),
                    );
                    for (o, w) in [
                        (ci.lower, want[5]),
                        (ci.upper, want[6]),
                        (lci.lower, want[7]),
                        (lci.upper, want[8]),
                    ] {
                        let w = w.unwrap();
                        worst = worst.max(((o - w) / w).abs());
                    }
                }
                None => {
                    // Ŝ = 0 (every subject at risk died): the Greenwood sum is infinite. The
                    // reference leaves the variance and the log-log limits empty; it writes
                    // (0, 1) for the log interval, where R `survfit` gives NA. We report
                    // "undefined" for all of them, never a number.
                    assert_eq!(r.survival, 0.0, "{what}");
                    assert!(
                        r.variance.is_none() && r.ci.is_none() && g.ci.is_none(),
                        "{what}"
                    );
                    assert_eq!((want[7], want[8]), (Some(0.0), Some(1.0)), "{what}");
                }
            }
        }
        eprintln!("{group}: worst relative difference from the reference table {worst:e}");
        assert!(
            worst < 1e-10,
            "{group}: worst relative difference {worst:e}"
        );
    }
}

#[test]
fn medians_and_their_intervals_match() {
    let cohort = waltons();
    let loglog = kaplan_meier(&cohort, &KmOptions::default()).unwrap();
    let r = |t: f64| TimeEstimate::Reached { time: t };
    let c = loglog.group("control").unwrap();
    assert_eq!((c.n, c.events), (129, 122));
    assert_eq!(
        (c.median.median, c.median.lower, c.median.upper),
        (r(58.0), r(56.0), r(60.0))
    );
    let m = loglog.group("miR-137").unwrap();
    assert_eq!((m.n, m.events), (34, 34));
    assert_eq!(
        (m.median.median, m.median.lower, m.median.upper),
        (r(26.0), r(19.0), r(29.0))
    );
    let log = kaplan_meier(
        &cohort,
        &KmOptions {
            transform: CiTransform::Log,
            ..KmOptions::default()
        },
    )
    .unwrap();
    let c = log.group("control").unwrap();
    assert_eq!((c.median.lower, c.median.upper), (r(56.0), r(60.0)));
    let m = log.group("miR-137").unwrap();
    assert_eq!(
        (m.median.median, m.median.lower, m.median.upper),
        (r(26.0), r(22.0), r(29.0))
    );
}

#[test]
fn logrank_matches_reference() {
    let lr = logrank(&waltons()).unwrap();
    assert_eq!(lr.df, 1);
    eprintln!("waltons log-rank chi2 {:.17} p {:e}", lr.chi2, lr.p_value);
    rel_close(lr.chi2, 122.24912557300637, 1e-10, "chi2");
    rel_close(lr.p_value, 2.0359832222853224e-28, 1e-8, "p");
    let c = &lr.groups[0];
    let m = &lr.groups[1];
    assert_eq!((c.label.as_str(), c.observed), ("control", 122));
    assert_eq!((m.label.as_str(), m.observed), ("miR-137", 34));
    // README prints E to 4 decimals.
    assert!((c.expected - 148.9245).abs() < 5e-5, "{}", c.expected);
    assert!((m.expected - 7.0755).abs() < 5e-5, "{}", m.expected);
}

/// clinical-rules.md §6.1: T = [1, 2, 3, 4], all events: lifelines gives 2.0 (run), R's
/// documented midpoint rule gives 2.5.
#[test]
fn median_rule_on_an_exact_half_flat() {
    let d = [1.0, 2.0, 3.0, 4.0];
    let e = [true; 4];
    let first = sirt_survival::KmCurve::fit(&d, &e, &KmOptions::default()).unwrap();
    assert_eq!(first.median.median, TimeEstimate::Reached { time: 2.0 });
    let mid = sirt_survival::KmCurve::fit(
        &d,
        &e,
        &KmOptions {
            median_rule: MedianRule::MidpointOfFlat,
            ..KmOptions::default()
        },
    )
    .unwrap();
    assert_eq!(mid.median.median, TimeEstimate::Reached { time: 2.5 });
}
