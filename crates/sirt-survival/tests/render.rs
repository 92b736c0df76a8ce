//! Snapshots of the rendered outputs: the waltons Kaplan–Meier SVG (with and without the band)
//! and the text summaries. The numbers in them are checked against peers in waltons.rs,
//! rossi.rs and lifelines_peer.rs; these tests pin the presentation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{read_binary_csv, read_cohort_csv};

use sirt_survival::{
    BinaryColumns, CohortColumns, CoxOptions, KmOptions, KmPlotOptions, LogisticOptions,
    MissingValues, PositiveSide, TimeUnit, cox, cox_summary_text, kaplan_meier, km_summary_text,
    logistic, logistic_summary_text, logrank, render_km_svg, roc, roc_summary_text,
};
use std::path::Path;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn waltons() -> sirt_survival::Cohort {
    read_cohort_csv(
        &data("waltons.csv"),
        &CohortColumns::new("T", "E", TimeUnit::Days).with_group("group"),
    )
    .unwrap()
}

#[test]
fn km_svg_with_band_and_risk_table() {
    let km = kaplan_meier(&waltons(), &KmOptions::default()).unwrap();
    let svg = render_km_svg(
        &km,
        &KmPlotOptions {
            show_ci: true,
            risk_times: None,
            title: Some("waltons: miR-137 vs control".into()),
        },
    );
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("Time (days)") && svg.contains("Number at risk"));
    insta::assert_snapshot!(svg);
}

#[test]
fn km_svg_with_chosen_risk_times_and_censoring() {
    let cols = CohortColumns::new("week", "arrest", TimeUnit::Weeks).with_group("fin");
    let km = kaplan_meier(
        &read_cohort_csv(&data("rossi.csv"), &cols).unwrap(),
        &KmOptions::default(),
    )
    .unwrap();
    let svg = render_km_svg(
        &km,
        &KmPlotOptions {
            show_ci: false,
            risk_times: Some(vec![0.0, 13.0, 26.0, 39.0, 52.0]),
            title: None,
        },
    );
    // Numbers at risk (week >= t) counted with pandas on rossi.csv.
    let table = km.at_risk(&[0.0, 13.0, 26.0, 39.0, 52.0]);
    assert_eq!(table.groups[0].1, vec![216, 206, 187, 171, 154]);
    assert_eq!(table.groups[1].1, vec![216, 207, 194, 182, 168]);
    insta::assert_snapshot!(svg);
}

#[test]
fn km_and_logrank_text() {
    let c = waltons();
    let km = kaplan_meier(&c, &KmOptions::default()).unwrap();
    let lr = logrank(&c).unwrap();
    let text = km_summary_text(&km, Some(&lr)).replace(env!("CARGO_MANIFEST_DIR"), "<crate>");
    insta::assert_snapshot!(text);
}

#[test]
fn cox_text() {
    let cols = CohortColumns::new("week", "arrest", TimeUnit::Weeks)
        .with_covariates(&["fin", "age", "race", "wexp", "mar", "paro", "prio"]);
    let fit = cox(
        &read_cohort_csv(&data("rossi.csv"), &cols).unwrap(),
        &CoxOptions::default(),
    )
    .unwrap();
    insta::assert_snapshot!(cox_summary_text(&fit));
}

#[test]
fn logistic_and_roc_text() {
    let t = read_binary_csv(
        &data("rossi.csv"),
        &BinaryColumns {
            response: "arrest".into(),
            covariates: vec!["fin".into(), "age".into(), "prio".into()],
            missing: MissingValues::Reject,
        },
    )
    .unwrap();
    let fit = logistic(&t, &LogisticOptions::default()).unwrap();
    let r = roc(
        &t.column("prio").unwrap(),
        t.responses(),
        PositiveSide::HigherScore,
    )
    .unwrap();
    insta::assert_snapshot!(format!(
        "{}\n{}",
        logistic_summary_text(&fit),
        roc_summary_text(&r, "prior convictions (count)")
    ));
}

/// Results serialize to JSON for the CLI; "not reached" is explicit, never 0.
#[test]
fn results_serialize_with_explicit_not_reached() {
    let cols = CohortColumns::new("week", "arrest", TimeUnit::Weeks).with_group("fin");
    let c = read_cohort_csv(&data("rossi.csv"), &cols).unwrap();
    let km = kaplan_meier(&c, &KmOptions::default()).unwrap();
    let v = serde_json::to_value(&km).unwrap();
    assert_eq!(v["time_unit"], "weeks");
    assert_eq!(
        v["groups"][0]["curve"]["median"]["median"]["status"],
        "not_reached"
    );
    assert_eq!(v["groups"][0]["curve"]["options"]["transform"], "log_log");
    let w = serde_json::to_value(kaplan_meier(&waltons(), &KmOptions::default()).unwrap()).unwrap();
    assert_eq!(
        w["groups"][0]["curve"]["median"]["median"]["status"],
        "reached"
    );
    assert_eq!(w["groups"][0]["curve"]["median"]["median"]["time"], 58.0);
    let lr = serde_json::to_value(logrank(&c).unwrap()).unwrap();
    assert_eq!(lr["df"], 1);
    let t = read_binary_csv(
        &data("rossi.csv"),
        &BinaryColumns {
            response: "arrest".into(),
            covariates: vec!["prio".into()],
            missing: MissingValues::Reject,
        },
    )
    .unwrap();
    let r = roc(
        &t.column("prio").unwrap(),
        t.responses(),
        PositiveSide::HigherScore,
    )
    .unwrap();
    let rv = serde_json::to_value(&r).unwrap();
    assert!(rv["points"][0]["threshold"].is_null());
    assert_eq!(rv["positive_side"], "higher_score");
}
