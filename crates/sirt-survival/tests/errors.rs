//! Refusals name the problem: CSV errors give file, line and column; model errors give the
//! covariate and what was expected. Messages are snapshot-tested.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_survival::{
    BinaryColumns, Cohort, CohortColumns, CoxError, CoxOptions, KmCurve, KmOptions, LogisticError,
    LogisticOptions, MissingValues, PositiveSide, ReadError, Subject, TimeUnit, cox, logistic_fit,
    parse_binary_csv, parse_cohort_csv, roc,
};

fn cols() -> CohortColumns {
    CohortColumns::new("months", "died", TimeUnit::Months)
        .with_group("arm")
        .with_covariates(&["dose_gy"])
}

fn read_err(text: &str) -> ReadError {
    parse_cohort_csv(text, "registry.csv", &cols()).unwrap_err()
}

#[test]
fn csv_refusals_name_file_line_and_column() {
    let mut messages = Vec::new();
    let cases = [
        "months,died,arm\n3,1,A\n",
        "months,died,arm,dose_gy\n3,1,A,120\n-2,1,B,80\n",
        "months,died,arm,dose_gy\n3,2,A,120\n",
        "months,died,arm,dose_gy\n3,1,A,high\n",
        "months,died,arm,dose_gy\n3,1,A,\n",
        "months,died,arm,dose_gy\n3,1,A,120,9\n",
        "months,died,arm,dose_gy\n3,1,\"A,120\n",
        "",
        "months,died,arm,dose_gy,months\n3,1,A,120,3\n",
        "months,died,arm,dose_gy\nthree,1,A,120\n",
        "months,died,arm,dose_gy\ninf,1,A,120\n",
    ];
    for text in cases {
        messages.push(read_err(text).to_string());
    }
    // Structured fields of one of them.
    match read_err("months,died,arm,dose_gy\n3,1,A,120\n\n-2,1,B,80\n") {
        ReadError::Value { line, column, .. } => assert_eq!((line, column.as_str()), (4, "months")),
        other => panic!("{other:?}"),
    }
    let dropped = parse_cohort_csv(
        "months,died,arm,dose_gy\n3,1,A,\n4,0,B,NA\n",
        "registry.csv",
        &cols().with_missing(MissingValues::DropRow),
    )
    .unwrap_err();
    messages.push(dropped.to_string());
    let b = parse_binary_csv(
        "response,dose_gy\n1,120\nyes,80\n",
        "lesions.csv",
        &BinaryColumns {
            response: "response".into(),
            covariates: vec!["dose_gy".into()],
            missing: MissingValues::Reject,
        },
    )
    .unwrap_err();
    messages.push(b.to_string());
    insta::assert_snapshot!(messages.join("\n"));
}

#[test]
fn csv_details_are_kept() {
    // Quoted fields with commas, CRLF, a byte-order mark, missing rows dropped with their lines.
    let text =
        "\u{feff}months,died,arm,dose_gy\r\n3,1,\"A, left lobe\",120\r\n5,0,B,\r\n7,1,B,80\r\n";
    let c = parse_cohort_csv(text, "r.csv", &cols().with_missing(MissingValues::DropRow)).unwrap();
    assert_eq!(c.subjects().len(), 2);
    assert_eq!(c.dropped_lines(), &[3]);
    assert_eq!(
        c.group_labels(),
        vec!["A, left lobe".to_string(), "B".to_string()]
    );
    assert_eq!(c.time_unit(), TimeUnit::Months);
    assert_eq!(c.subjects()[1].covariates, vec![80.0]);
}

fn small(rows: &[(f64, bool, f64, f64)]) -> Cohort {
    Cohort::new(
        "test",
        TimeUnit::Days,
        vec!["x".into(), "y".into()],
        rows.iter()
            .map(|&(t, e, x, y)| Subject {
                duration: t,
                event: e,
                group: None,
                covariates: vec![x, y],
            })
            .collect(),
    )
    .unwrap()
}

#[test]
fn model_refusals_are_typed() {
    let mut messages = Vec::new();
    // Zero variance.
    let c = small(&[
        (1.0, true, 1.0, 0.0),
        (2.0, false, 1.0, 1.0),
        (3.0, true, 1.0, 2.0),
    ]);
    let e = cox(&c, &CoxOptions::default()).unwrap_err();
    assert!(matches!(e, CoxError::ZeroVariance { .. }));
    messages.push(e.to_string());
    // Collinear: y = 2x.
    let c = small(&[
        (1.0, true, 1.0, 2.0),
        (2.0, false, 2.0, 4.0),
        (3.0, true, 0.0, 0.0),
        (4.0, true, 5.0, 10.0),
    ]);
    let e = cox(&c, &CoxOptions::default()).unwrap_err();
    assert!(matches!(e, CoxError::Singular { .. }), "{e:?}");
    messages.push(e.to_string());
    // Monotone likelihood: the subject with the larger x always fails first.
    let c = small(&[
        (1.0, true, 4.0, 0.3),
        (2.0, true, 3.0, 0.1),
        (3.0, true, 2.0, 0.4),
        (4.0, true, 1.0, 0.2),
    ]);
    let e = cox(&c, &CoxOptions::default()).unwrap_err();
    assert!(matches!(e, CoxError::NotConverged { .. }), "{e:?}");
    messages.push(
        e.to_string()
            .split("; last step")
            .next()
            .unwrap()
            .to_string(),
    );
    let c = small(&[(1.0, false, 1.0, 0.0), (2.0, false, 2.0, 1.0)]);
    messages.push(cox(&c, &CoxOptions::default()).unwrap_err().to_string());
    // Logistic: separation and no variation.
    let names = vec!["dose_gy".to_string()];
    let x: Vec<Vec<f64>> = [50.0, 80.0, 100.0, 150.0, 200.0, 260.0]
        .iter()
        .map(|&d| vec![d])
        .collect();
    let e = logistic_fit(
        &[false, false, false, true, true, true],
        &x,
        &names,
        "response",
        &LogisticOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e, LogisticError::Separation);
    messages.push(e.to_string());
    messages.push(
        logistic_fit(
            &[true; 6],
            &x,
            &names,
            "response",
            &LogisticOptions::default(),
        )
        .unwrap_err()
        .to_string(),
    );
    messages.push(
        KmCurve::fit(
            &[1.0],
            &[true],
            &KmOptions {
                alpha: 1.5,
                ..KmOptions::default()
            },
        )
        .unwrap_err()
        .to_string(),
    );
    messages.push(
        roc(&[1.0, 2.0], &[true, true], PositiveSide::HigherScore)
            .unwrap_err()
            .to_string(),
    );
    insta::assert_snapshot!(messages.join("\n"));
}
