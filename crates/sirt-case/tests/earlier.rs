//! `[[earlier_treatments]]` with the delivered doses of earlier SIRT, PRRT and EBRT/SBRT courses,
//! and a session's own `mapping_date`: read typed; a field of another kind, a zero count, a zero
//! activity or a mapping after the treatment refused, naming the field, what was expected and
//! found.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_case::{Lobe, TerritoryKind};

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");

/// The demo without its earlier treatments, with `tables` appended.
fn with_earlier(tables: &str) -> String {
    let cut = DEMO.find("[[earlier_treatments]]").unwrap();
    format!("{}{tables}", &DEMO[..cut])
}

const HISTORY: &str = r#"
[[earlier_treatments]]
date = "2024-01-10"
kind = "SIRT"
device = "SIR-Spheres"
territory = "lobar"
lobe = "right"
activity = "1.2 GBq"
whole_liver_ntad = "22 Gy"
lung_dose = "4 Gy"

[[earlier_treatments]]
date = "2023-05-15"
kind = "PRRT"
activity = "200 mCi"
cycles = 4
liver_dose = "8 Gy"
kidney_dose = "18 Gy"

[[earlier_treatments]]
date = "2022-02-01"
kind = "sbrt"
liver_mean_dose = "9.5 Gy"
fractions = 5
"#;

#[test]
fn history_is_read_typed() {
    let case = sirt_case::parse(&with_earlier(HISTORY), "c.toml").unwrap();
    let [sirt, prrt, sbrt] = &case.earlier_treatments[..] else {
        panic!("three earlier treatments");
    };
    assert!(sirt.is_sirt());
    assert_eq!(sirt.territory, Some(TerritoryKind::Lobar));
    assert_eq!(sirt.lobe, Some(Lobe::Right));
    assert_eq!(sirt.device.as_deref(), Some("SIR-Spheres"));
    assert!((sirt.activity.unwrap().gbq() - 1.2).abs() < 1e-12);
    // 200 mCi = 7.4 GBq per cycle.
    assert!((prrt.activity.unwrap().gbq() - 7.4).abs() < 1e-12);
    assert_eq!(prrt.cycles, Some(4));
    assert!((prrt.kidney_dose.unwrap().gy() - 18.0).abs() < 1e-12);
    assert_eq!(sbrt.kind, "SBRT");
    assert_eq!(sbrt.fractions, Some(5));
    assert!((case.earlier_sirt_whole_liver_ntad().gy() - 22.0).abs() < 1e-12);
    assert!(case.earlier_sirt_without_ntad().is_empty());
    assert!((case.earlier_lung_dose().gy() - 4.0).abs() < 1e-12);
}

#[test]
fn the_demo_history_stays_valid() {
    let case = sirt_case::parse(DEMO, "demo.toml").unwrap();
    assert_eq!(case.earlier_treatments.len(), 3);
    assert_eq!(case.earlier_sirt_whole_liver_ntad().gy(), 0.0);
}

#[test]
fn bad_history_is_refused_naming_the_field() {
    for (table, field, found) in [
        (
            "kind = \"PRRT\"\nwhole_liver_ntad = \"20 Gy\"",
            "earlier_treatments[0].whole_liver_ntad",
            "expected only on a treatment of kind SIRT, found it on kind PRRT",
        ),
        (
            "kind = \"SIRT\"\nfractions = 5",
            "earlier_treatments[0].fractions",
            "expected only on a treatment of kind EBRT or SBRT, found it on kind SIRT",
        ),
        (
            "kind = \"PRRT\"\ncycles = 0",
            "earlier_treatments[0].cycles",
            "expected a count of at least 1, found 0",
        ),
        (
            "kind = \"SIRT\"\nactivity = \"0 GBq\"",
            "earlier_treatments[0].activity",
            "expected an activity above zero",
        ),
        (
            "kind = \"SIRT\"\nlobe = \"middle\"",
            "earlier_treatments[0].lobe",
            "expected one of right, left, both, found \"middle\"",
        ),
        (
            "kind = \"SIRT\"\nterritory = \"lobe\"",
            "earlier_treatments[0].territory",
            "expected one of whole-liver, lobar, segmental",
        ),
        (
            "kind = \"SIRT\"\nwhole_liver_ntad = \"20\"",
            "whole_liver_ntad = \"20\"",
            "expected an absorbed dose with a unit (Gy, cGy, mGy)",
        ),
        ("kind = \"proton\"", "earlier_treatments[0].kind", "SBRT"),
    ] {
        let text = with_earlier(&format!(
            "[[earlier_treatments]]\ndate = \"2024-01-10\"\n{table}\n"
        ));
        let e = sirt_case::parse(&text, "c.toml").unwrap_err().to_string();
        assert!(e.contains(field), "{table}: {e}");
        assert!(e.contains(found), "{table}: {e}");
    }
}

#[test]
fn a_session_may_have_its_own_mapping_date() {
    let text = DEMO.replace(
        "id = \"2\"\ntreatment = \"2026-06-04T10:00:00[Europe/Paris]\"",
        "id = \"2\"\ntreatment = \"2026-06-04T10:00:00[Europe/Paris]\"\nmapping_date = \"2026-05-20T09:00:00[Europe/Paris]\"",
    );
    assert_ne!(text, DEMO);
    let case = sirt_case::parse(&text, "c.toml").unwrap();
    let (first, from1) = case.imaging_date(&case.sessions[0]).unwrap();
    assert_eq!(from1, "mapping.date");
    assert_eq!(first.to_string(), "2026-02-24T11:00:00+01:00[Europe/Paris]");
    let (second, from2) = case.imaging_date(&case.sessions[1]).unwrap();
    assert_eq!(from2, "the session's mapping_date");
    assert_eq!(
        second.to_string(),
        "2026-05-20T09:00:00+02:00[Europe/Paris]"
    );
}

#[test]
fn a_mapping_after_the_treatment_is_refused() {
    let text = DEMO.replace(
        "id = \"2\"\ntreatment = \"2026-06-04T10:00:00[Europe/Paris]\"",
        "id = \"2\"\ntreatment = \"2026-06-04T10:00:00[Europe/Paris]\"\nmapping_date = \"2026-06-05T09:00:00[Europe/Paris]\"",
    );
    let e = sirt_case::parse(&text, "c.toml").unwrap_err().to_string();
    assert!(e.contains("sessions[1].mapping_date"), "{e}");
    assert!(
        e.contains("an instant before the session's treatment"),
        "{e}"
    );
}
