//! Reading patient records: the example reads; every refusal names the file, the field, what
//! was expected and what was found (snapshot).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_clinical::*;

const EXAMPLE: &str = include_str!("../examples/patient-net-g2.toml");

fn error_of(edit: impl Fn(&str) -> String) -> String {
    let text = edit(EXAMPLE);
    assert_ne!(text, EXAMPLE, "the edit did not change the example");
    PatientRecord::from_toml(&text, "patient.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn example_reads() {
    let r = PatientRecord::from_toml(EXAMPLE, "patient-net-g2.toml").unwrap();
    assert_eq!(r.patient.id, "NET-DEMO-01");
    assert_eq!(r.tumour.grade, Some(NetGrade::G2));
    assert!((r.tumour.ki67.unwrap().value() - 0.14).abs() < 1e-15);
    assert_eq!(r.labs.len(), 4);
    assert!(r.labs.windows(2).all(|w| w[0].date <= w[1].date));
    // 80 µmol/L creatinine = 80 / 88.4 mg/dL.
    assert!((r.labs[0].creatinine.unwrap().mg_per_dl() - 80.0 / 88.4).abs() < 1e-12);
    // 12 µmol/L bilirubin = 12 / 17.104 mg/dL, kept as µmol/L for display and Child-Pugh.
    let b = r.labs[1].bilirubin.unwrap();
    assert_eq!(b.unit, BilirubinUnit::UmolPerL);
    assert!((b.value.mg_per_dl() - 12.0 / 17.104).abs() < 1e-12);
    // 4.0 g/dL albumin = 40 g/L.
    assert_eq!(r.labs[1].albumin.unwrap().g_per_l(), 40.0);
    let prrt = r
        .prior_treatments
        .as_ref()
        .unwrap()
        .iter()
        .find(|p| p.kind == PriorKind::Prrt)
        .unwrap();
    assert_eq!(prrt.cycles, Some(4));
    assert_eq!(prrt.activities.len(), 4);
    assert_eq!(r.clinical.anticoagulated, Some(false));
    assert_eq!(r.clinical.life_expectancy_months, Some(24.0));
    // A TOML date literal is accepted as well as a string.
    let t = EXAMPLE.replace("date = \"2026-03-05\"", "date = 2026-03-05");
    assert_eq!(
        PatientRecord::from_toml(&t, "p.toml")
            .unwrap()
            .treatment
            .unwrap()
            .date,
        jiff::civil::date(2026, 3, 5)
    );
}

#[test]
fn bad_inputs_are_named() {
    let cases: Vec<(&str, String)> = vec![
        (
            "unknown bilirubin unit",
            error_of(|t| t.replace("bilirubin = \"1.5 mg/dL\"", "bilirubin = \"1.5 mmol/L\"")),
        ),
        (
            "bilirubin without unit (string)",
            error_of(|t| t.replace("bilirubin = \"1.5 mg/dL\"", "bilirubin = \"1.5\"")),
        ),
        (
            "bilirubin as a bare number",
            error_of(|t| t.replace("bilirubin = \"1.5 mg/dL\"", "bilirubin = 1.5")),
        ),
        (
            "albumin in a unit of another quantity",
            error_of(|t| t.replace("albumin = \"41 g/L\"", "albumin = \"41 mg/dL\"")),
        ),
        (
            "creatinine in mmol/L",
            error_of(|t| t.replace("creatinine = \"80 µmol/L\"", "creatinine = \"0.08 mmol/L\"")),
        ),
        (
            "platelets without exponent",
            error_of(|t| t.replace("platelets = \"210 10^9/L\"", "platelets = \"210 /L\"")),
        ),
        (
            "enzyme in the wrong unit",
            error_of(|t| t.replace("ast = \"95 U/L\"", "ast = \"95 mg/dL\"")),
        ),
        (
            "sodium negative",
            error_of(|t| t.replace("sodium = \"139 mmol/L\"", "sodium = \"-139 mmol/L\"")),
        ),
        (
            "ULN unit",
            error_of(|t| t.replace("ast_uln = \"40 U/L\"", "ast_uln = \"40 U\"")),
        ),
        (
            "INR with a unit",
            error_of(|t| t.replace("inr = 1.1", "inr = \"1.1 s\"")),
        ),
        (
            "Ki-67 as a bare percentage number",
            error_of(|t| t.replace("ki67 = \"14 %\"", "ki67 = 14")),
        ),
        (
            "unknown grade",
            error_of(|t| t.replace("grade = \"G2\"", "grade = \"G4\"")),
        ),
        (
            "ECOG out of range",
            error_of(|t| t.replace("ecog = 1", "ecog = 7")),
        ),
        (
            "bad date",
            error_of(|t| {
                t.replace(
                    "date = \"2026-04-02\"\nbilirubin",
                    "date = \"2026-02-30\"\nbilirubin",
                )
            }),
        ),
        (
            "unknown key",
            error_of(|t| t.replace("ecog = 1", "ecog = 1\nkarnofsky = 80")),
        ),
        (
            "unknown ascites level",
            error_of(|t| {
                t.replace(
                    "ascites = \"none\"\nencephalopathy",
                    "ascites = \"severe\"\nencephalopathy",
                )
            }),
        ),
        (
            "PRRT activity count",
            error_of(|t| t.replace("cycles = 4", "cycles = 3")),
        ),
        (
            "PRRT field on surgery",
            error_of(|t| t.replace("(Whipple)\"", "(Whipple)\"\ncycles = 2")),
        ),
        (
            "life expectancy without unit",
            error_of(|t| {
                t.replace(
                    "life_expectancy = \"24 months\"",
                    "life_expectancy = \"24\"",
                )
            }),
        ),
        (
            "finding name",
            error_of(|t| t.replace("active_hepatitis = false", "\"Active Hepatitis\" = false")),
        ),
        (
            "tumour burden above 100 %",
            error_of(|t| t.replace("tumour_burden = \"35 %\"", "tumour_burden = \"135 %\"")),
        ),
    ];
    let text = cases
        .iter()
        .map(|(what, e)| format!("{what}:\n  {}", e.replace('\n', "\n  ")))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(text);
}
