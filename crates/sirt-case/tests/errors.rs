//! Every refusal of a case file names the file, the field and what was expected (snapshot).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");

fn error_of(edit: impl Fn(&str) -> String) -> String {
    let text = edit(DEMO);
    assert_ne!(text, DEMO, "the edit did not change the demo case");
    sirt_case::parse(&text, "case.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn demo_case_reads() {
    let case = sirt_case::parse(DEMO, "demo.toml").unwrap();
    assert_eq!(case.tumours.len(), 5);
    assert_eq!(case.injections.len(), 2);
    // Whole non-tumoural liver: (1650 − 114.4) mL × 1.05 g/mL = 1612.38 g.
    assert!((case.whole_normal_liver_mass().kg() - 1.61238).abs() < 1e-12);
    // Right territory: normal (1080 − 95) × 1.05 = 1034.25 g.
    assert!((case.injections[0].normal_liver_mass.kg() - 1.03425).abs() < 1e-12);
    // Lung mass 3400 mL × 0.3 g/mL = 1.02 kg.
    assert!((case.lungs.mass.kg() - 1.02).abs() < 1e-12);
    // Tumour burden 114.4 / 1650.
    assert!((case.tumour_burden().unwrap().value() - 114.4 / 1650.0).abs() < 1e-15);
}

#[test]
fn bad_inputs_are_named() {
    let cases: Vec<(&str, String)> = vec![
        (
            "unit-less number",
            error_of(|t| t.replace("volume = \"62 mL\"", "volume = \"62\"")),
        ),
        (
            "unit of another quantity",
            error_of(|t| t.replace("volume = \"62 mL\"", "volume = \"62 kg\"")),
        ),
        (
            "mixed units",
            error_of(|t| t.replace("residual = \"0.09 GBq\"", "residual = \"0.09 GBq 2 mCi\"")),
        ),
        (
            "missing time zone",
            error_of(|t| t.replace("2026-03-05T10:00:00[Europe/Paris]", "2026-03-05T10:00:00")),
        ),
        (
            "negative mass",
            error_of(|t| t.replace("volume = \"62 mL\"", "mass = \"-62 g\"")),
        ),
        (
            "zero tumour volume",
            error_of(|t| t.replace("volume = \"62 mL\"", "volume = \"0 mL\"")),
        ),
        (
            "LSF of one",
            error_of(|t| t.replace("lsf = 0.055", "lsf = 1.0")),
        ),
        (
            "LSF above one",
            error_of(|t| t.replace("lsf = 0.055", "lsf = 1.5")),
        ),
        (
            "TNR zero",
            error_of(|t| t.replace("{ id = \"T2\", tnr = 3.5 }", "{ id = \"T2\", tnr = 0 }")),
        ),
        (
            "unknown tumour",
            error_of(|t| t.replace("{ id = \"T2\", tnr = 3.5 }", "{ id = \"T9\", tnr = 3.5 }")),
        ),
        (
            "tumours above liver",
            error_of(|t| t.replace("volume = \"1650 mL\"", "volume = \"100 mL\"")),
        ),
        (
            "tumours above territory",
            error_of(|t| {
                t.replace(
                    "perfused_volume = \"520 mL\"",
                    "perfused_volume = \"15 mL\"",
                )
            }),
        ),
        (
            "unknown key",
            error_of(|t| t.replace("ki67_percent = 14", "ki67 = 14")),
        ),
        (
            "unknown session",
            error_of(|t| t.replace("session = \"2\"", "session = \"3\"")),
        ),
        (
            "goal for method",
            error_of(|t| {
                t.replacen(
                    "goal = { tumour_dose = \"200 Gy\", tumour = \"combined\" }",
                    "goal = { perfused_dose = \"120 Gy\" }",
                    1,
                )
            }),
        ),
        (
            "grade",
            error_of(|t| t.replace("grade = \"G2\"", "grade = \"2\"")),
        ),
        (
            "schema",
            error_of(|t| t.replace("sirtplan-case/1", "sirtplan-case/0")),
        ),
        (
            "residual missing",
            error_of(|t| t.replace("residual_fraction = 0.03", "")),
        ),
        (
            "no LSF",
            error_of(|t| {
                t.replace("lsf = 0.055\n", "").replace("lsf = 0.048\n", "").replace("planar = { lung_anterior = 15200, lung_posterior = 11800, liver_anterior = 248000, liver_posterior = 192000 }\n", "")
            }),
        ),
        (
            "earlier date",
            error_of(|t| t.replace("date = \"2015-06-12\"", "date = \"12/06/2015\"")),
        ),
    ];
    let text: String = cases
        .iter()
        .map(|(what, e)| format!("{what}:\n  {}\n", e.replace('\n', "\n  ")))
        .collect();
    insta::assert_snapshot!(text);
}
