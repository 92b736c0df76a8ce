//! The demo series (tests/data/demo-recist.toml): sums and percentages checked against hand
//! arithmetic written in the comments, global vs hepatic response, the text rendering
//! (snapshots) and the JSON form.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use sirt_recist::{Criteria, OverallResponse as O, Params, TargetResponse as T, render_text};

const DEMO: &str = include_str!("data/demo-recist.toml");

fn demo(p: &Params) -> sirt_recist::Evaluation {
    sirt_recist::evaluate(DEMO, "demo-recist.toml", p).unwrap()
}

fn date(s: &str) -> jiff::civil::Date {
    s.parse().unwrap()
}

#[test]
fn global_response_by_hand() {
    let e = demo(&Params::default());
    let g = &e.global;
    // Baseline 42.0 + 31.5 + 18.0 = 91.5 mm.
    assert_eq!(g.baseline_sum_tenth_mm, Some(915));
    let sums: Vec<Option<u64>> = g.time_points.iter().map(|t| t.sum_tenth_mm).collect();
    // 30.1 + 22.0 + 12.0 = 64.1; 27 + 20 + 9 = 56.0; T2 not evaluated; 33 + 22 + 10 = 65.0;
    // 38 + 25 + 10 = 73.0.
    assert_eq!(sums, [Some(641), Some(560), None, Some(650), Some(730)]);
    // 64.1 / 91.5 − 1 = −29.945 % → −29.9 % (SD: 641 × 10 = 6410 > 915 × 7 = 6405).
    assert_eq!(g.time_points[0].change_from_baseline_tenth_pct, Some(-299));
    assert_eq!(g.time_points[0].target, Some(T::Sd));
    // 56.0 / 91.5 − 1 = −38.80 %; nadir before it 64.1: 56.0 / 64.1 − 1 = −12.64 %.
    assert_eq!(g.time_points[1].change_from_baseline_tenth_pct, Some(-388));
    assert_eq!(g.time_points[1].change_from_nadir_tenth_pct, Some(-126));
    assert_eq!(g.time_points[1].target, Some(T::Pr));
    // T2 not evaluated: NE, measured 28.0 + 9.5 = 37.5 mm.
    assert_eq!(g.time_points[2].target, Some(T::Ne));
    assert_eq!(g.time_points[2].measured_sum_tenth_mm, Some(375));
    // 65.0: −28.96 % from baseline (not PR), +16.07 % over the nadir 56.0 (not PD): a
    // continued PR; but the equivocal lung lesion confirmed on 2025-11-24 dates PD here.
    assert_eq!(g.time_points[3].change_from_baseline_tenth_pct, Some(-290));
    assert_eq!(g.time_points[3].change_from_nadir_tenth_pct, Some(161));
    assert_eq!(g.time_points[3].target, Some(T::Pr));
    assert_eq!(g.time_points[3].overall, O::Pd);
    // 73.0 over 56.0: +30.36 %, +17 mm → PD.
    assert_eq!(g.time_points[4].change_from_nadir_tenth_pct, Some(304));
    assert_eq!(g.time_points[4].target, Some(T::Pd));
    assert_eq!(g.first_progression, Some(date("2025-09-22")));
    assert_eq!(
        (g.best.response, g.best.date),
        (O::Pr, Some(date("2025-05-19")))
    );
    // With confirmation: the PR of 2025-05-19 has no confirming CR/PR (NE, then PD) → the
    // first SD at least 42 days after the treatment start (2025-03-17) is the best.
    assert_eq!(
        (g.best_confirmed.response, g.best_confirmed.date),
        (O::Sd, Some(date("2025-03-17")))
    );
}

#[test]
fn hepatic_response_by_hand() {
    let e = demo(&Params::default());
    let h = e.hepatic.as_ref().unwrap();
    // Liver targets T1 + T2: 42.0 + 31.5 = 73.5 mm; then 52.1, 47.0, NE, 55.0, 63.0.
    assert_eq!(h.baseline_sum_tenth_mm, Some(735));
    let sums: Vec<Option<u64>> = h.time_points.iter().map(|t| t.sum_tenth_mm).collect();
    assert_eq!(sums, [Some(521), Some(470), None, Some(550), Some(630)]);
    // 52.1/73.5 − 1 = −29.12 %; 47/73.5 − 1 = −36.05 %; 55/73.5 − 1 = −25.17 % and
    // 55/47 − 1 = +17.02 %; 63/47 − 1 = +34.04 %.
    let pct: Vec<Option<i64>> = h
        .time_points
        .iter()
        .map(|t| t.change_from_baseline_tenth_pct)
        .collect();
    assert_eq!(pct, [Some(-291), Some(-361), None, Some(-252), Some(-143)]);
    let o: Vec<O> = h.time_points.iter().map(|t| t.overall).collect();
    // The lung lesion does not count in the liver: the continued PR stands, PD on 2025-11-24.
    assert_eq!(o, [O::Sd, O::Pr, O::Ne, O::Pr, O::Pd]);
    assert_eq!(h.first_progression, Some(date("2025-11-24")));
}

#[test]
fn render_demo() {
    insta::assert_snapshot!("demo_default", render_text(&demo(&Params::default())));
    let confirmed = Params {
        confirmation_required: true,
        ..Params::default()
    };
    insta::assert_snapshot!("demo_confirmation_required", render_text(&demo(&confirmed)));
}

#[test]
fn render_mrecist_and_choi() {
    let f = common::File::new()
        .target("T1", "liver")
        .target("T2", "liver")
        .non_target("NT1", "liver")
        .baseline(&[
            (
                "T1",
                "diameter_mm = 48.0, viable_mm = 35.0, density_hu = 95",
            ),
            (
                "T2",
                "diameter_mm = 30.0, viable_mm = 22.5, density_hu = 88.5",
            ),
        ])
        .follow(
            45,
            &[
                (
                    "T1",
                    "diameter_mm = 47.0, viable_mm = 20.0, density_hu = 70",
                ),
                (
                    "T2",
                    "diameter_mm = 30.0, viable_mm = 12.0, density_hu = 72.4",
                ),
                ("NT1", "status = \"non-CR/non-PD\""),
            ],
        )
        .follow(
            98,
            &[
                ("T1", "diameter_mm = 49.0, viable_mm = 0, density_hu = 60"),
                ("T2", "diameter_mm = 31.0, viable_mm = \"not evaluated\""),
                ("NT1", "status = \"non-CR/non-PD\""),
            ],
        );
    for c in [Criteria::MRecist, Criteria::Choi] {
        let p = Params {
            criteria: c,
            ..Params::default()
        };
        let name = format!("small_{}", c.label().replace(' ', "_"));
        insta::assert_snapshot!(name, render_text(&f.eval_with(&p)));
    }
}

#[test]
fn evaluation_serialises() {
    let e = demo(&Params::default());
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["params"]["criteria"], "RECIST 1.1");
    assert_eq!(v["global"]["time_points"][0]["non_target"], "non-CR/non-PD");
    assert_eq!(v["global"]["time_points"][0]["date"], "2025-03-17");
    assert_eq!(v["global"]["best"]["response"], "PR");
    assert_eq!(
        v["series"]["follow_ups"][2]["measurements"][1]["diameter"],
        "not evaluable"
    );
    // T2 "not evaluated" in the file: assessed but not evaluable (RECIST 1.1 §4.3.4).
    assert_eq!(
        v["global"]["time_points"][2]["unassessed"],
        serde_json::json!([{"lesion": "T2", "kind": "target", "cause": "not evaluable"}])
    );
    assert_eq!(
        v["series"]["follow_ups"][0]["measurements"][0]["diameter"]["tenth_mm"],
        301
    );
}
