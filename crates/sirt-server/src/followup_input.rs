//! Follow-up input checked before it is stored: a visit's laboratory values become typed
//! quantities with their units (`sirt_clinical::read_lab_entry`, the parser of `sirt-units`, the
//! keys of a patient record's `[[labs]]`), an adverse event's term one of the CTCAE v5.0 terms of
//! `sirt_clinical::CTCAE_V5_TERMS`; anything else is refused naming the field. And how stored
//! values read back, those recorded before these checks (legacy rows) included.
//!
//! A visit's `labs` are stored as a JSON object: each laboratory value (and each reference
//! limit) as `{"value": 25.6, "unit": "µmol/L", "normalised": {"value": 1.4967…, "unit":
//! "mg/dL"}}`, the number and unit as entered (shown as entered) and the value in the unit CTCAE
//! grading uses; the INR with the unit `""`; `anticoagulated` as `true`/`false`.

use crate::error::ApiError;
use serde_json::{Map, Value, json};
use sirt_clinical::{
    CTCAE_TERMS_VERSION, CtcaeTerm, LabEntry, LabEntryError, LabInput, LabKind, ctcae_term,
    ctcae_terms_like, quote_found, read_lab_entry, reference_range_keys, visit_lab_keys,
};
use std::collections::BTreeMap;
use thiserror::Error;

/// The most CTCAE terms a refused term's message suggests. Design choice: enough to show the
/// near terms (two or three share a word in practice), few enough to stay one line.
pub const TERM_SUGGESTIONS_MAX: usize = 5;

/// A field of a follow-up body (or of a stored visit) that cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("field `{field}`: expected {expected}, found {found}")]
pub struct FieldError {
    /// The field's path: `labs.bilirubin`, `labs.reference_ranges.alt_uln`, `term`.
    pub field: String,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub found: String,
    /// The laboratory value reader's refusal, for a value.
    #[source]
    pub cause: Option<Box<LabEntryError>>,
}

impl FieldError {
    fn new(field: impl Into<String>, expected: impl Into<String>, found: String) -> FieldError {
        FieldError {
            field: field.into(),
            expected: expected.into(),
            found,
            cause: None,
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::invalid(e.to_string())
    }
}

/// A JSON value as a message names it.
fn json_found(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the yes/no value {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => quote_found(s),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A JSON value as the laboratory value reader's input; `None` for null, lists and objects.
fn lab_input(v: &Value) -> Option<LabInput> {
    match v {
        Value::String(s) => Some(LabInput::Text(s.clone())),
        Value::Number(n) => n
            .as_i64()
            .map(LabInput::Integer)
            .or_else(|| n.as_f64().map(LabInput::Number)),
        Value::Bool(b) => Some(LabInput::Flag(*b)),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// "one of the keys a, b, c".
fn one_of_keys(keys: &[&str]) -> String {
    format!("one of the keys {}", keys.join(", "))
}

/// A value entered for a key of kind `kind`, read.
fn read_value(field: &str, kind: LabKind, v: &Value) -> Result<LabEntry, FieldError> {
    let Some(input) = lab_input(v) else {
        return Err(FieldError::new(field, kind.expected(), json_found(v)));
    };
    read_lab_entry(kind, &input).map_err(|e| FieldError {
        field: field.to_owned(),
        expected: e.expected.clone(),
        found: e.found.clone(),
        cause: Some(Box::new(e)),
    })
}

/// How an entry is stored.
fn entry_json(e: &LabEntry) -> Value {
    json!({
        "value": e.value,
        "unit": e.unit,
        "normalised": {"value": e.normalised.value, "unit": e.normalised.unit},
    })
}

/// Checks the `labs` of a new visit (`POST /api/cases/{id}/followups`) and gives the object to
/// store: every value a typed quantity (see the module), `reference_ranges` the same for its
/// limits, `anticoagulated` a yes/no. Absent (or null) `labs` are an empty object. The first
/// field in key order that is not one of these, or does not read, is the error.
pub fn check_labs(labs: Option<&Value>) -> Result<Map<String, Value>, FieldError> {
    let m = match labs {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(FieldError::new(
                "labs",
                format!(
                    "a JSON object of laboratory values by key ({})",
                    visit_lab_keys().join(", ")
                ),
                json_found(other),
            ));
        }
    };
    let mut out = Map::new();
    for (key, v) in m {
        let value = match key.as_str() {
            "reference_ranges" => Value::Object(check_ranges(v)?),
            "anticoagulated" => match v {
                Value::Bool(b) => Value::Bool(*b),
                other => {
                    return Err(FieldError::new(
                        "labs.anticoagulated",
                        "true or false",
                        json_found(other),
                    ));
                }
            },
            k => match LabKind::of_lab_key(k) {
                Some(kind) => entry_json(&read_value(&format!("labs.{k}"), kind, v)?),
                None => {
                    return Err(FieldError::new(
                        "labs",
                        one_of_keys(&visit_lab_keys()),
                        format!("the key {}", quote_found(key)),
                    ));
                }
            },
        };
        out.insert(key.clone(), value);
    }
    Ok(out)
}

/// Checks `labs.reference_ranges`: an object of reference limits, each a typed quantity.
fn check_ranges(v: &Value) -> Result<Map<String, Value>, FieldError> {
    let field = "labs.reference_ranges";
    let Value::Object(m) = v else {
        return Err(FieldError::new(
            field,
            format!(
                "an object of reference limits by key ({})",
                reference_range_keys().join(", ")
            ),
            json_found(v),
        ));
    };
    let mut out = Map::new();
    for (key, v) in m {
        let Some(kind) = LabKind::of_reference_range_key(key) else {
            return Err(FieldError::new(
                field,
                one_of_keys(reference_range_keys()),
                format!("the key {}", quote_found(key)),
            ));
        };
        let entry = read_value(&format!("{field}.{key}"), kind, v)?;
        out.insert(key.clone(), entry_json(&entry));
    }
    Ok(out)
}

/// Checks an adverse event's term (`POST /api/cases/{id}/toxicities`): one of the CTCAE v5.0
/// terms of the list, letter case aside; the answer is the term as CTCAE spells it. A refusal
/// points at the list and names the listed terms that share a word with what was found.
pub fn check_term(term: &str) -> Result<&'static CtcaeTerm, FieldError> {
    ctcae_term(term).ok_or_else(|| {
        let like = ctcae_terms_like(term, TERM_SUGGESTIONS_MAX);
        let found = if like.is_empty() {
            quote_found(term)
        } else {
            let like: Vec<String> = like.iter().map(|t| format!("\"{t}\"")).collect();
            format!(
                "{} (listed terms with its words: {})",
                quote_found(term),
                like.join(", ")
            )
        };
        FieldError::new(
            "term",
            format!(
                "a CTCAE v{CTCAE_TERMS_VERSION} term of the list (the `terms` of GET \
                 /api/cases/{{id}}/toxicities, the form's list), such as \"Fatigue\" or \
                 \"Abdominal pain\""
            ),
            found,
        )
    })
}

/// Whether a stored term is one of the list, spelt as CTCAE spells it (false for terms recorded
/// before terms were checked).
pub fn term_listed(term: &str) -> bool {
    ctcae_term(term).is_some_and(|t| t.term == term)
}

/// The laboratory values of a stored visit, read back as `sirt-clinical`'s input: each value
/// stored as a typed entry, and each of a legacy row (text with its unit, a number for the
/// INR) that reads as that key's quantity; what does not read is in `unreadable`, never
/// guessed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoredLabs {
    /// The values by [`sirt_clinical::LAB_KEYS`] key.
    pub values: BTreeMap<String, LabInput>,
    /// The reference limits by [`sirt_clinical::REFERENCE_RANGE_KEYS`] key.
    pub reference_ranges: BTreeMap<String, LabInput>,
    /// `anticoagulated`, where stored as a yes/no.
    pub anticoagulated: Option<bool>,
    /// The stored fields that do not read (legacy rows only), in key order, each with why.
    pub unreadable: Vec<FieldError>,
}

/// A stored value read back: a typed entry (`{"value", "unit", …}`), or a legacy text or number.
fn read_stored_value(field: &str, kind: LabKind, v: &Value) -> Result<LabInput, FieldError> {
    let entry = match (v.get("value").and_then(Value::as_f64), v.get("unit")) {
        (Some(value), Some(Value::String(unit))) if v.is_object() => {
            let text = if unit.is_empty() {
                Value::from(value)
            } else {
                Value::String(format!("{value} {unit}"))
            };
            read_value(field, kind, &text)?
        }
        _ => read_value(field, kind, v)?,
    };
    Ok(entry.to_input())
}

/// Reads the stored `labs` of a visit (see [`StoredLabs`]).
pub fn read_stored_labs(labs: &Map<String, Value>) -> StoredLabs {
    let mut out = StoredLabs::default();
    for (key, v) in labs {
        let field = format!("labs.{key}");
        match key.as_str() {
            "reference_ranges" => read_stored_ranges(v, &mut out),
            "anticoagulated" => match v {
                Value::Bool(b) => out.anticoagulated = Some(*b),
                other => {
                    out.unreadable
                        .push(FieldError::new(field, "true or false", json_found(other)))
                }
            },
            k => match LabKind::of_lab_key(k) {
                Some(kind) => match read_stored_value(&field, kind, v) {
                    Ok(input) => {
                        out.values.insert(key.clone(), input);
                    }
                    Err(e) => out.unreadable.push(e),
                },
                None => out.unreadable.push(FieldError::new(
                    field,
                    one_of_keys(&visit_lab_keys()),
                    "a key that is none of them".to_owned(),
                )),
            },
        }
    }
    out
}

fn read_stored_ranges(v: &Value, out: &mut StoredLabs) {
    let Value::Object(m) = v else {
        out.unreadable.push(FieldError::new(
            "labs.reference_ranges",
            "an object of reference limits",
            json_found(v),
        ));
        return;
    };
    for (key, v) in m {
        let field = format!("labs.reference_ranges.{key}");
        let Some(kind) = LabKind::of_reference_range_key(key) else {
            out.unreadable.push(FieldError::new(
                field,
                one_of_keys(reference_range_keys()),
                "a key that is none of them".to_owned(),
            ));
            continue;
        };
        match read_stored_value(&field, kind, v) {
            Ok(input) => {
                out.reference_ranges.insert(key.clone(), input);
            }
            Err(e) => out.unreadable.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_reproduction_is_refused_naming_the_field() {
        let e = check_labs(Some(&json!({"bilirubin": "<b>1</b> mg/dL"}))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `labs.bilirubin`: expected a number with a unit such as \"1.2 mg/dL\" or \
             \"20 µmol/L\" (units: mg/dL, mg/dl, µmol/L, umol/L), found \"<b>1</b> mg/dL\" (it \
             does not start with a number)"
        );
        let e = check_labs(Some(&json!({"bilirubin_umol_l": 14}))).unwrap_err();
        assert_eq!(e.field, "labs");
        assert!(e.expected.contains("bilirubin, albumin, inr"), "{e}");
        assert!(e.found.contains("\"bilirubin_umol_l\""), "{e}");
        let e = check_labs(Some(&json!({"reference_ranges": {"alt_uln": "45"}}))).unwrap_err();
        assert_eq!(e.field, "labs.reference_ranges.alt_uln");
        let e = check_labs(Some(&json!({"anticoagulated": "no"}))).unwrap_err();
        assert_eq!(e.field, "labs.anticoagulated");
        let e = check_labs(Some(&json!([1, 2]))).unwrap_err();
        assert_eq!((e.field.as_str(), e.found.as_str()), ("labs", "a list"));
    }

    #[test]
    fn accepted_values_are_stored_typed_and_read_back() {
        let m = check_labs(Some(&json!({"bilirubin": "17.1 µmol/L", "inr": 1.1,
            "reference_ranges": {"bilirubin_uln": "1.2 mg/dL"}, "anticoagulated": false})))
        .unwrap();
        assert_eq!(m["bilirubin"]["value"], 17.1);
        assert_eq!(m["bilirubin"]["unit"], "µmol/L");
        assert_eq!(m["bilirubin"]["normalised"]["unit"], "mg/dL");
        assert_eq!(
            m["inr"],
            json!({"value": 1.1, "unit": "", "normalised": {"value": 1.1, "unit": ""}})
        );
        let back = read_stored_labs(&m);
        assert!(back.unreadable.is_empty(), "{:?}", back.unreadable);
        assert_eq!(back.values["bilirubin"], LabInput::from("17.1 µmol/L"));
        assert_eq!(back.values["inr"], LabInput::Number(1.1));
        assert_eq!(
            back.reference_ranges["bilirubin_uln"],
            LabInput::from("1.2 mg/dL")
        );
        assert_eq!(back.anticoagulated, Some(false));
    }

    #[test]
    fn legacy_rows_read_what_reads_and_name_the_rest() {
        let legacy = json!({"bilirubin": "1.5 mg/dL", "alt": "<b>1</b> U/L", "inr": 1.0,
            "bilirubin_umol_l": 14, "reference_ranges": {"ast_uln": "40 U/L", "x": 1}});
        let back = read_stored_labs(legacy.as_object().unwrap());
        assert_eq!(back.values["bilirubin"], LabInput::from("1.5 mg/dL"));
        assert_eq!(back.values["inr"], LabInput::Number(1.0));
        assert_eq!(back.reference_ranges["ast_uln"], LabInput::from("40 U/L"));
        let fields: Vec<&str> = back.unreadable.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "labs.alt",
                "labs.bilirubin_umol_l",
                "labs.reference_ranges.x"
            ]
        );
    }

    #[test]
    fn terms_come_from_the_list() {
        assert_eq!(check_term("fatigue").unwrap().term, "Fatigue");
        let e = check_term("feeling bad").unwrap_err();
        assert_eq!(e.field, "term");
        assert!(e.expected.contains("CTCAE v5.0 term of the list"), "{e}");
        assert!(e.expected.contains("/api/cases/{id}/toxicities"), "{e}");
        assert_eq!(e.found, "\"feeling bad\"");
        let e = check_term("stomach pain").unwrap_err();
        assert!(e.found.contains("\"Abdominal pain\""), "{e}");
        assert!(term_listed("Fatigue") && !term_listed("fatigue") && !term_listed("Feeling bad"));
    }

    /// A small deterministic generator (xorshift64*, Vigna 2016) of text that looks like lab
    /// values and of arbitrary text, so that the test needs no new dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[(self.next() % xs.len() as u64) as usize]
        }

        fn text(&mut self) -> String {
            const PARTS: [&str; 24] = [
                "1", "0", ".", "5", "-", "+", "e", "E", "9", " ", "mg/dL", "µmol/L", "U/L",
                "10^9/L", "/µL", "g/dL", "<b>", "</b>", "\"", "\u{0}", "\u{301}", "ﬃ", "NaN",
                "1e308",
            ];
            let n = self.next() % 8;
            (0..n).map(|_| self.pick(&PARTS)).collect()
        }

        fn value(&mut self) -> Value {
            match self.next() % 6 {
                0 => Value::String(self.text()),
                1 => json!((self.next() as i64) >> (self.next() % 64)),
                2 => json!(f64::from_bits(self.next())),
                3 => json!(self.next().is_multiple_of(2)),
                4 => Value::Null,
                _ => json!({"value": f64::from_bits(self.next()), "unit": self.text()}),
            }
        }
    }

    #[test]
    fn arbitrary_input_never_panics_and_what_is_accepted_reads_back() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let keys = [
            "bilirubin",
            "albumin",
            "inr",
            "platelets",
            "alt",
            "gfr",
            "sodium",
            "x",
            "",
            "reference_ranges",
            "anticoagulated",
        ];
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..20_000 {
            let mut m = Map::new();
            for _ in 0..(rng.next() % 3) {
                let key = rng.pick(&keys).to_owned();
                let v = if key == "reference_ranges" && rng.next().is_multiple_of(2) {
                    let mut r = Map::new();
                    let limit = rng.pick(&["bilirubin_uln", "alt_uln", "x"]).to_owned();
                    r.insert(limit, rng.value());
                    Value::Object(r)
                } else {
                    rng.value()
                };
                m.insert(key, v);
            }
            let body = Value::Object(m);
            match check_labs(Some(&body)) {
                Ok(stored) => {
                    accepted += 1;
                    let back = read_stored_labs(&stored);
                    assert!(back.unreadable.is_empty(), "{body}: {:?}", back.unreadable);
                    // Every stored value: a finite, non-negative number in a unit of its key.
                    for (k, v) in &stored {
                        let Some(kind) = LabKind::of_lab_key(k) else {
                            continue;
                        };
                        let x = v["value"].as_f64().unwrap();
                        assert!(x.is_finite() && x >= 0.0, "{v}");
                        let unit = v["unit"].as_str().unwrap();
                        assert!(
                            kind.units().iter().any(|(u, _)| *u == unit)
                                || kind == LabKind::Inr && unit.is_empty(),
                            "{v}"
                        );
                    }
                }
                Err(e) => {
                    refused += 1;
                    assert!(e.field.starts_with("labs"), "{e}");
                    let _ = e.to_string();
                }
            }
            // Stored rows of any shape read back without panicking.
            if let Value::Object(m) = &body {
                let _ = read_stored_labs(m);
            }
        }
        assert!(
            accepted > 1000 && refused > 1000,
            "{accepted} accepted, {refused} refused"
        );
    }
}
