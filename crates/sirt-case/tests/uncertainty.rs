//! `[uncertainty]`: values read, bad values refused naming the field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");

/// The demo case with its `[uncertainty]` table replaced by `table`.
fn with(table: &str) -> String {
    let at = DEMO.find("\n[uncertainty]").unwrap();
    format!("{}\n{table}\n", &DEMO[..at])
}

#[test]
fn demo_table_is_read() {
    let case = sirt_case::parse(DEMO, "demo.toml").unwrap();
    let u = case.uncertainty.unwrap();
    assert_eq!(u.lsf_sd, Some(0.015));
    assert_eq!(u.activity_calibration_cv, Some(0.05));
    assert_eq!(u.tnr_cv, Some(0.2));
    assert_eq!(u.residual_sd, None);
    assert_eq!(
        u.maa_discrepancy,
        Some(sirt_case::MaaDiscrepancy::Smits2020Lesion)
    );
    assert_eq!(u.tumours["T5"].volume_cv, Some(0.35));
    let none = sirt_case::parse(&with(""), "demo.toml").unwrap();
    assert!(none.uncertainty.is_none());
}

#[test]
fn bad_values_name_the_field() {
    for (table, field, found) in [
        (
            "[uncertainty]\nlsf_sd = -0.01",
            "uncertainty.lsf_sd",
            "found -0.01",
        ),
        (
            "[uncertainty]\ntnr_cv = 1.5",
            "uncertainty.tnr_cv",
            "found 1.5",
        ),
        (
            "[uncertainty]\nresidual_sd = \"120 %\"",
            "uncertainty.residual_sd",
            "found \"120 %\"",
        ),
        (
            "[uncertainty]\nlung_mass_cv = \"a lot\"",
            "uncertainty.lung_mass_cv",
            "found \"a lot\"",
        ),
        (
            "[uncertainty]\nmaa_discrepancy = \"smits\"",
            "uncertainty.maa_discrepancy",
            "found \"smits\"",
        ),
        (
            "[uncertainty.tumours.T9]\ntnr_cv = 0.1",
            "uncertainty.tumours.T9",
            "found \"T9\"",
        ),
        (
            "[uncertainty.tumours.T1]\nvolume_cv = -1",
            "uncertainty.tumours.T1.volume_cv",
            "found -1",
        ),
    ] {
        let e = sirt_case::parse(&with(table), "demo.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("field `{field}`")) && e.contains(found),
            "{table}: {e}"
        );
    }
    let e = sirt_case::parse(&with("[uncertainty]\nlsf_cv = 0.1"), "demo.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("lsf_cv"), "{e}");
}
