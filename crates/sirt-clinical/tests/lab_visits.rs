//! `PatientRecord::from_lab_visits` gives what `from_toml` gives on the equivalent TOML record
//! (the record, every `Invalid` error word for word, the lab grading), for the examples' labs,
//! for bad values and for random visits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use sirt_clinical::*;
use std::collections::BTreeMap;

const NAME: &str = "the visits' laboratory values";

fn toml_value(v: &LabInput) -> toml::Value {
    match v {
        LabInput::Text(s) => toml::Value::String(s.clone()),
        LabInput::Integer(i) => toml::Value::Integer(*i),
        LabInput::Number(x) => toml::Value::Float(*x),
        LabInput::Flag(b) => toml::Value::Boolean(*b),
    }
}

/// The equivalent TOML record, written as the web server wrote it before the typed constructor.
fn toml_of(input: &LabRecordInput) -> String {
    let mut record = toml::Table::new();
    let mut patient = toml::Table::new();
    patient.insert("id".into(), input.patient_id.clone().into());
    record.insert("patient".into(), patient.into());
    if let Some(d) = &input.treatment_date {
        let mut t = toml::Table::new();
        t.insert("date".into(), d.clone().into());
        record.insert("treatment".into(), t.into());
    }
    if let Some(b) = input.anticoagulated {
        let mut c = toml::Table::new();
        c.insert("anticoagulated".into(), b.into());
        record.insert("clinical".into(), c.into());
    }
    if !input.reference_ranges.is_empty() {
        let r: toml::Table = input
            .reference_ranges
            .iter()
            .map(|(k, v)| (k.clone(), toml_value(v)))
            .collect();
        record.insert("reference_ranges".into(), r.into());
    }
    let labs: Vec<toml::Value> = input
        .visits
        .iter()
        .map(|v| {
            let mut row: toml::Table = v
                .values
                .iter()
                .map(|(k, x)| (k.clone(), toml_value(x)))
                .collect();
            row.insert("date".into(), v.date.clone().into());
            row.into()
        })
        .collect();
    record.insert("labs".into(), labs.into());
    toml::to_string(&record).unwrap()
}

fn lab_input(v: &toml::Value) -> LabInput {
    match v {
        toml::Value::String(s) => LabInput::Text(s.clone()),
        toml::Value::Integer(i) => LabInput::Integer(*i),
        toml::Value::Float(x) => LabInput::Number(*x),
        toml::Value::Boolean(b) => LabInput::Flag(*b),
        other => panic!("not a lab value: {other}"),
    }
}

/// The laboratory part of a record file, as typed input.
fn input_of(text: &str) -> LabRecordInput {
    let t: toml::Table = toml::from_str(text).unwrap();
    let table = |k: &str| t.get(k).and_then(toml::Value::as_table);
    let inputs = |m: &toml::Table| -> BTreeMap<String, LabInput> {
        m.iter()
            .filter(|(k, _)| k.as_str() != "date")
            .map(|(k, v)| (k.clone(), lab_input(v)))
            .collect()
    };
    LabRecordInput {
        patient_id: table("patient").unwrap()["id"].as_str().unwrap().to_owned(),
        treatment_date: table("treatment").map(|t| t["date"].as_str().unwrap().to_owned()),
        anticoagulated: table("clinical")
            .and_then(|c| c.get("anticoagulated"))
            .and_then(toml::Value::as_bool),
        reference_ranges: table("reference_ranges").map(inputs).unwrap_or_default(),
        visits: t["labs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let row = row.as_table().unwrap();
                LabVisit {
                    date: row["date"].as_str().unwrap().to_owned(),
                    values: inputs(row),
                }
            })
            .collect(),
    }
}

/// Both constructors on `input`: the same record and grading, or the same error. Returns the
/// typed constructor's result.
fn same(input: &LabRecordInput) -> Result<PatientRecord, RecordError> {
    let text = toml_of(input);
    let typed = PatientRecord::from_lab_visits(input, NAME);
    let read = PatientRecord::from_toml(&text, NAME);
    match (&typed, &read) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "{text}");
            assert_eq!(
                grade_labs(a, CtcaeVersion::V5_0),
                grade_labs(b, CtcaeVersion::V5_0),
                "{text}"
            );
        }
        (Err(a @ RecordError::Invalid { .. }), Err(b)) => assert_eq!(a, b, "{text}"),
        (Err(RecordError::Syntax { file: fa, .. }), Err(RecordError::Syntax { file: fb, .. })) => {
            assert_eq!(fa, fb)
        }
        _ => panic!("typed {typed:?}\nTOML {read:?}\n{text}"),
    }
    typed
}

fn demo() -> LabRecordInput {
    input_of(include_str!("../../../examples/demo-patient.toml"))
}

fn edit(f: impl FnOnce(&mut LabRecordInput)) -> LabRecordInput {
    let mut i = demo();
    f(&mut i);
    i
}

fn set(i: &mut LabRecordInput, visit: usize, key: &str, v: impl Into<LabInput>) {
    i.visits[visit].values.insert(key.to_owned(), v.into());
}

#[test]
fn examples_labs_read_and_grade_the_same() {
    let demo = demo();
    assert_eq!(demo.visits.len(), 4);
    assert_eq!(demo.reference_ranges.len(), 7);
    let r = same(&demo).unwrap();
    assert_eq!(r.file, NAME);
    assert_eq!(r.patient.id, "NET-DEMO-01");
    assert_eq!(r.clinical.anticoagulated, Some(false));
    assert_eq!(r.labs.len(), 4);
    let t = grade_labs(&r, CtcaeVersion::V5_0).unwrap();
    assert!(!t.tracks.is_empty());

    let net = input_of(include_str!("../examples/patient-net-g2.toml"));
    same(&net).unwrap();
    // Without a treatment, anticoagulation or ranges; anticoagulated; visits out of order.
    same(&edit(|i| {
        i.treatment_date = None;
        i.anticoagulated = None;
        i.reference_ranges.clear();
    }))
    .unwrap();
    same(&edit(|i| i.anticoagulated = Some(true))).unwrap();
    let r = same(&edit(|i| i.visits.reverse())).unwrap();
    assert!(r.labs.windows(2).all(|w| w[0].date <= w[1].date));
    // A visit with no values is a lab set with its date only.
    let r = same(&edit(|i| i.visits[1].values.clear())).unwrap();
    assert_eq!(r.labs[1].bilirubin, None);
    // Numbers where the record allows them: an INR as an integer or a text.
    same(&edit(|i| set(i, 0, "inr", 1_i64))).unwrap();
    same(&edit(|i| set(i, 0, "inr", "1.2"))).unwrap();
}

#[test]
fn bad_values_are_refused_with_the_same_message() {
    let cases: Vec<(LabRecordInput, &str)> = vec![
        (
            edit(|i| set(i, 2, "bilirubin", "1.5 mmol/L")),
            "field `labs[2].bilirubin`: expected a bilirubin concentration in mg/dL, mg/dl, \
             µmol/L, umol/L, found \"1.5 mmol/L\" (unit \"mmol/L\")",
        ),
        (
            edit(|i| set(i, 2, "bilirubin", 1.5)),
            "field `labs[2].bilirubin`: expected a bilirubin concentration with a unit",
        ),
        (
            edit(|i| set(i, 0, "platelets", 150_i64)),
            "field `labs[0].platelets`: expected a cell count with a unit",
        ),
        (
            edit(|i| set(i, 1, "albumin", true)),
            "field `labs[1].albumin`: expected a value with its unit, written as a string, \
             found true",
        ),
        (
            edit(|i| set(i, 2, "inr", "1.1 s")),
            "field `labs[2].inr`: expected an INR: a ratio without unit such as 1.1, found \
             \"1.1 s\"",
        ),
        (
            edit(|i| set(i, 3, "inr", false)),
            "field `labs[3].inr`: expected an INR: a ratio without unit such as 1.1, found false",
        ),
        (
            edit(|i| i.visits[3].date = "2026-02-30".into()),
            "field `labs[3].date`: expected a date written YYYY-MM-DD, found \"2026-02-30\"",
        ),
        (
            edit(|i| i.treatment_date = Some("5 March".into())),
            "field `treatment.date`: expected a date written YYYY-MM-DD, found \"5 March\"",
        ),
        (
            edit(|i| {
                i.reference_ranges.insert("ast_uln".into(), "40 U".into());
            }),
            "field `reference_ranges.ast_uln`: expected an enzyme activity in U/L",
        ),
        (
            edit(|i| i.patient_id = " ".into()),
            "field `patient.id`: expected an identifier, found an empty text",
        ),
    ];
    for (input, message) in cases {
        let e = same(&input).unwrap_err().to_string();
        let expected = format!("patient record {NAME}: {message}");
        assert!(e.starts_with(&expected), "{e}\n{expected}");
    }
}

#[test]
fn unknown_keys_are_refused_naming_them() {
    let input = edit(|i| set(i, 1, "ldh", "250 U/L"));
    let e = same(&input).unwrap_err();
    let read = PatientRecord::from_toml(&toml_of(&input), NAME).unwrap_err();
    for e in [&e, &read] {
        assert!(matches!(e, RecordError::Syntax { .. }), "{e:?}");
        assert!(e.to_string().contains("unknown field `ldh`"), "{e}");
    }
    assert_eq!(
        e.to_string(),
        format!(
            "patient record {NAME}: labs[1]: unknown field `ldh`, expected one of `bilirubin`, \
             `albumin`, `inr`, `platelets`, `leukocytes`, `granulocytes`, `creatinine`, \
             `sodium`, `gfr`, `ast`, `alt`, `alp`, `ggt`"
        )
    );

    let input = edit(|i| {
        i.reference_ranges
            .insert("ldh_uln".into(), "250 U/L".into());
    });
    let e = same(&input).unwrap_err().to_string();
    assert!(
        e.contains("reference_ranges: unknown field `ldh_uln`"),
        "{e}"
    );

    // The date is the visit's, not one of its values.
    let input = edit(|i| set(i, 0, "date", "2026-02-09"));
    let e = PatientRecord::from_lab_visits(&input, NAME).unwrap_err();
    assert!(matches!(e, RecordError::Syntax { .. }), "{e:?}");
    assert!(e.to_string().contains("labs[0]: `date`"), "{e}");
}

#[test]
fn lab_inputs_deserialise_as_json_values() {
    let v: BTreeMap<String, LabInput> = serde_json::from_str(
        r#"{"bilirubin": "1.5 mg/dL", "inr": 1.1, "platelets": 150, "x": true}"#,
    )
    .unwrap();
    assert_eq!(v["bilirubin"], LabInput::Text("1.5 mg/dL".into()));
    assert_eq!(v["inr"], LabInput::Number(1.1));
    assert_eq!(v["platelets"], LabInput::Integer(150));
    assert_eq!(v["x"], LabInput::Flag(true));
    assert!(serde_json::from_str::<LabInput>("null").is_err());
    assert!(serde_json::from_str::<LabInput>("[1]").is_err());
}

fn any_input() -> impl Strategy<Value = LabInput> {
    prop_oneof![
        prop::sample::select(vec![
            "1.5 mg/dL",
            "20 µmol/L",
            "1.5 mmol/L",
            "38 g/L",
            "3.5 g/dL",
            "1.1",
            "1.1 s",
            "150 10^9/L",
            "210 /L",
            "80 µmol/L",
            "139 mmol/L",
            "-139 mmol/L",
            "90 mL/min/1.73 m²",
            "40 U/L",
            "0.7 µkat/L",
            "",
            "abc",
        ])
        .prop_map(LabInput::from),
        (-5_i64..300).prop_map(LabInput::Integer),
        (-1.0_f64..300.0).prop_map(LabInput::Number),
        any::<bool>().prop_map(LabInput::Flag),
    ]
}

/// Values that read for `key`, so that random records mostly read.
fn valid(key: &str) -> Vec<LabInput> {
    let texts: &[&str] = match key {
        "bilirubin" | "bilirubin_uln" => &["0.8 mg/dL", "20 µmol/L", "2.5 mg/dl"],
        "albumin" | "albumin_lln" => &["38 g/L", "3.5 g/dL", "25 g/L"],
        "inr" => return vec![LabInput::Number(1.1), LabInput::Integer(2), "1.3".into()],
        "platelets" | "leukocytes" | "granulocytes" | "platelets_lln" => {
            &["150 10^9/L", "4.2 10^9/L", "40 G/L", "0.8 10^9/L"]
        }
        "creatinine" => &["80 µmol/L", "1.1 mg/dL", "3.5 mg/dL"],
        "sodium" => &["139 mmol/L", "128 mmol/L"],
        "gfr" => &["90 mL/min/1.73 m²"],
        _ => &["40 U/L", "0.7 µkat/L", "400 U/L"],
    };
    texts.iter().map(|t| LabInput::from(*t)).collect()
}

fn any_value(keys: Vec<&'static str>) -> impl Strategy<Value = (&'static str, LabInput)> {
    prop::sample::select(keys).prop_flat_map(|k| {
        prop_oneof![
            9 => prop::sample::select(valid(k)),
            1 => any_input(),
        ]
        .prop_map(move |v| (k, v))
    })
}

fn any_values(
    keys: Vec<&'static str>,
    n: std::ops::Range<usize>,
) -> impl Strategy<Value = BTreeMap<String, LabInput>> {
    prop::collection::vec(any_value(keys), n)
        .prop_map(|kv| kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn any_visit() -> impl Strategy<Value = LabVisit> {
    (
        prop::sample::select(vec![
            "2026-01-05",
            "2026-03-01",
            "2026-03-20",
            "2026-04-15",
            "2026-06-30",
            "2026-09-01",
            "2026-13-01",
        ]),
        any_values(LAB_KEYS.to_vec(), 0..8),
    )
        .prop_map(|(date, values)| LabVisit {
            date: date.to_owned(),
            values,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn random_visits_read_the_same(
        visits in prop::collection::vec(any_visit(), 0..5),
        ranges in any_values(REFERENCE_RANGE_KEYS.to_vec(), 0..7),
        treatment in prop::option::of(prop::sample::select(vec!["2026-03-01", "2026-02-31"])),
        anticoagulated in prop::option::of(any::<bool>()),
    ) {
        let input = LabRecordInput {
            patient_id: "P-1".into(),
            treatment_date: treatment.map(str::to_owned),
            anticoagulated,
            reference_ranges: ranges,
            visits,
        };
        let _ = same(&input);
    }
}
