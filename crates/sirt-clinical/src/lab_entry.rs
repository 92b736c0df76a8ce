//! A laboratory value as a person enters it on a follow-up visit: read with `sirt-units`' parser
//! into a typed quantity (the number and the unit written, and the value in the unit that CTCAE
//! grading uses), or refused saying what was expected and what was found.
//!
//! The keys are those of a patient record's `[[labs]]` ([`LAB_KEYS`]) and
//! `[reference_ranges]` ([`REFERENCE_RANGE_KEYS`]); each reads as the record reader reads it
//! (the same `FromStr` of the same quantity), so a value accepted here is accepted, and graded
//! the same, in a record.
//!
//! ```
//! use sirt_clinical::{LabInput, LabKind, read_lab_entry};
//! let bili = LabKind::of_lab_key("bilirubin").unwrap();
//! let e = read_lab_entry(bili, &LabInput::from("17.104 µmol/L")).unwrap();
//! assert_eq!((e.value, e.unit, e.normalised.unit), (17.104, "µmol/L", "mg/dL"));
//! assert!((e.normalised.value - 1.0).abs() < 1e-12);
//! assert_eq!(e.text(), "17.104 µmol/L");
//! let err = read_lab_entry(bili, &LabInput::from("<b>1</b> mg/dL")).unwrap_err();
//! assert!(err.to_string().ends_with("found \"<b>1</b> mg/dL\" (it does not start with a number)"));
//! ```

use crate::record::{LAB_KEYS, LabInput, REFERENCE_RANGE_KEYS};
use sirt_units::{
    Albumin, Bilirubin, CellCount, Creatinine, EnzymeActivity, Gfr, Inr, ParseQuantityError,
    Sodium, UnitTable, parse_with_unit_index,
};
use thiserror::Error;

/// The longest text, in characters, an error message quotes of what was found; a longer one is
/// cut and ends with "…". Design choice: the message stays one readable line, and the start of
/// the text is enough for the person who typed it to recognise it.
pub const FOUND_TEXT_MAX_CHARS: usize = 60;

/// The kind of quantity a laboratory key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabKind {
    /// Total bilirubin: mg/dL or µmol/L (`sirt_units::Bilirubin`).
    Bilirubin,
    /// Albumin: g/L or g/dL.
    Albumin,
    /// INR: a ratio without unit.
    Inr,
    /// Platelets, leukocytes, granulocytes: 10⁹/L or /µL.
    CellCount,
    /// Creatinine: mg/dL or µmol/L.
    Creatinine,
    /// Sodium: mmol/L.
    Sodium,
    /// Glomerular filtration rate: mL/min.
    Gfr,
    /// AST, ALT, ALP, GGT: U/L or µkat/L.
    EnzymeActivity,
}

impl LabKind {
    /// The kind of a `[[labs]]` key (one of [`LAB_KEYS`]); `None` for any other key.
    pub fn of_lab_key(key: &str) -> Option<LabKind> {
        Some(match key {
            "bilirubin" => LabKind::Bilirubin,
            "albumin" => LabKind::Albumin,
            "inr" => LabKind::Inr,
            "platelets" | "leukocytes" | "granulocytes" => LabKind::CellCount,
            "creatinine" => LabKind::Creatinine,
            "sodium" => LabKind::Sodium,
            "gfr" => LabKind::Gfr,
            "ast" | "alt" | "alp" | "ggt" => LabKind::EnzymeActivity,
            _ => return None,
        })
    }

    /// The kind of a `[reference_ranges]` key (one of [`REFERENCE_RANGE_KEYS`]); `None` for
    /// any other key.
    pub fn of_reference_range_key(key: &str) -> Option<LabKind> {
        Some(match key {
            "bilirubin_uln" => LabKind::Bilirubin,
            "ast_uln" | "alt_uln" | "alp_uln" | "ggt_uln" => LabKind::EnzymeActivity,
            "albumin_lln" => LabKind::Albumin,
            "platelets_lln" => LabKind::CellCount,
            _ => return None,
        })
    }

    /// The unit symbols accepted, with their factor to [`LabKind::base_unit`]; empty for the INR.
    pub fn units(self) -> UnitTable {
        match self {
            LabKind::Bilirubin => Bilirubin::UNITS,
            LabKind::Albumin => Albumin::UNITS,
            LabKind::Inr => &[],
            LabKind::CellCount => CellCount::UNITS,
            LabKind::Creatinine => Creatinine::UNITS,
            LabKind::Sodium => Sodium::UNITS,
            LabKind::Gfr => Gfr::UNITS,
            LabKind::EnzymeActivity => EnzymeActivity::UNITS,
        }
    }

    /// The unit of the normalised value (the one CTCAE grading and the record use); empty for
    /// the INR.
    pub fn base_unit(self) -> &'static str {
        match self {
            LabKind::Bilirubin => Bilirubin::BASE_UNIT,
            LabKind::Albumin => Albumin::BASE_UNIT,
            LabKind::Inr => "",
            LabKind::CellCount => CellCount::BASE_UNIT,
            LabKind::Creatinine => Creatinine::BASE_UNIT,
            LabKind::Sodium => Sodium::BASE_UNIT,
            LabKind::Gfr => Gfr::BASE_UNIT,
            LabKind::EnzymeActivity => EnzymeActivity::BASE_UNIT,
        }
    }

    /// What the quantity is, as messages name it.
    pub fn what(self) -> &'static str {
        match self {
            LabKind::Bilirubin => Bilirubin::WHAT,
            LabKind::Albumin => Albumin::WHAT,
            LabKind::Inr => "an INR",
            LabKind::CellCount => CellCount::WHAT,
            LabKind::Creatinine => Creatinine::WHAT,
            LabKind::Sodium => Sodium::WHAT,
            LabKind::Gfr => Gfr::WHAT,
            LabKind::EnzymeActivity => EnzymeActivity::WHAT,
        }
    }

    /// Valid values in each unit system (conventional, then SI where they differ), as a message
    /// quotes them: `"1.2 mg/dL" or "20 µmol/L"`.
    pub fn examples(self) -> &'static [&'static str] {
        match self {
            LabKind::Bilirubin => &["1.2 mg/dL", "20 µmol/L"],
            LabKind::Albumin => &["38 g/L", "3.8 g/dL"],
            LabKind::Inr => &["1.1"],
            LabKind::CellCount => &["180 10^9/L", "180000 /µL"],
            LabKind::Creatinine => &["0.9 mg/dL", "80 µmol/L"],
            LabKind::Sodium => &["139 mmol/L"],
            LabKind::Gfr => &["80 mL/min"],
            LabKind::EnzymeActivity => &["35 U/L", "0.6 µkat/L"],
        }
    }

    /// What a value of this kind must be, for messages: `a number with a unit such as "1.2
    /// mg/dL" or "20 µmol/L" (units: mg/dL, mg/dl, µmol/L, umol/L)`.
    pub fn expected(self) -> String {
        let examples = self
            .examples()
            .iter()
            .map(|e| format!("\"{e}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        if self == LabKind::Inr {
            return format!("an INR: a number without unit such as {examples}");
        }
        let units = self
            .units()
            .iter()
            .map(|(u, _)| *u)
            .collect::<Vec<_>>()
            .join(", ");
        format!("a number with a unit such as {examples} (units: {units})")
    }
}

/// A value in one unit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct UnitValue {
    /// The number.
    pub value: f64,
    /// The unit symbol (empty for the INR).
    pub unit: &'static str,
}

/// A laboratory value as entered: the number and the unit written (one of the symbols of
/// [`LabKind::units`], so never other text), and the same value in [`LabKind::base_unit`].
///
/// Serialises as `{"value": 25.6, "unit": "µmol/L", "normalised": {"value": 1.4967…, "unit":
/// "mg/dL"}}`: what the server stores for a follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LabEntry {
    /// The number written.
    pub value: f64,
    /// The unit written (empty for the INR).
    pub unit: &'static str,
    /// The value in the unit grading uses.
    pub normalised: UnitValue,
}

impl LabEntry {
    /// The value as a record writes it: `"25.6 µmol/L"`, the INR `"1.1"`.
    pub fn text(&self) -> String {
        if self.unit.is_empty() {
            self.value.to_string()
        } else {
            format!("{} {}", self.value, self.unit)
        }
    }

    /// The value as the record reader's input ([`LabInput`]): the text with its unit, the INR a
    /// number; it reads back to the same quantity.
    pub fn to_input(&self) -> LabInput {
        if self.unit.is_empty() {
            LabInput::Number(self.value)
        } else {
            LabInput::Text(self.text())
        }
    }
}

/// A laboratory value that does not read: what was expected and what was found (quoted, cut
/// at [`FOUND_TEXT_MAX_CHARS`]); the caller names the field.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("expected {expected}, found {found}")]
pub struct LabEntryError {
    /// What a value of the key must be ([`LabKind::expected`]).
    pub expected: String,
    /// What was found.
    pub found: String,
    /// The quantity parser's refusal, where the text reached it.
    #[source]
    pub cause: Option<Box<ParseQuantityError>>,
}

/// A text as a message quotes it: in double quotes, control characters, quotes and backslashes
/// escaped, cut at [`FOUND_TEXT_MAX_CHARS`] characters with "…".
pub fn quote_found(text: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == FOUND_TEXT_MAX_CHARS {
            out.push('…');
            break;
        }
        out.extend(c.escape_debug());
    }
    out.push('"');
    out
}

/// Reads a value entered for a key of kind `kind`: a text with one of the kind's units
/// (`"1.9 mg/dL"`), the INR a number or a text of a number. A bare number for a quantity, an
/// unknown unit, a negative or non-finite value, a yes/no, or text that does not start with a
/// number is refused.
pub fn read_lab_entry(kind: LabKind, input: &LabInput) -> Result<LabEntry, LabEntryError> {
    let refuse = |found: String, cause: Option<ParseQuantityError>| LabEntryError {
        expected: kind.expected(),
        found,
        cause: cause.map(Box::new),
    };
    match (kind, input) {
        (_, LabInput::Flag(b)) => Err(refuse(format!("the yes/no value {b}"), None)),
        (LabKind::Inr, LabInput::Text(s)) => {
            let v = s.trim().parse::<f64>().ok();
            inr_entry(v).ok_or_else(|| refuse(quote_found(s), None))
        }
        (LabKind::Inr, LabInput::Integer(i)) => {
            inr_entry(Some(*i as f64)).ok_or_else(|| refuse(i.to_string(), None))
        }
        (LabKind::Inr, LabInput::Number(x)) => {
            inr_entry(Some(*x)).ok_or_else(|| refuse(x.to_string(), None))
        }
        (_, LabInput::Integer(i)) => Err(refuse(format!("the bare number {i}"), None)),
        (_, LabInput::Number(x)) => Err(refuse(format!("the bare number {x}"), None)),
        (_, LabInput::Text(s)) => {
            quantity_entry(kind, s).map_err(|e| refuse(found_of(s, &e), Some(e)))
        }
    }
}

/// An INR entry from a number: finite and non-negative (`Inr::new`).
fn inr_entry(v: Option<f64>) -> Option<LabEntry> {
    let inr = Inr::new(v?)?;
    let value = inr.value() + 0.0;
    Some(LabEntry {
        value,
        unit: "",
        normalised: UnitValue { value, unit: "" },
    })
}

/// A quantity entry from its text: the base value and the unit index from `sirt-units`' parser;
/// the number written read again from the text before the unit (the parser read the same digits),
/// so that it is kept exactly as typed rather than converted there and back.
fn quantity_entry(kind: LabKind, text: &str) -> Result<LabEntry, ParseQuantityError> {
    let units = kind.units();
    let example = kind.examples().first().copied().unwrap_or_default();
    let (base, index) = parse_with_unit_index(text, units, kind.what(), example, false)?;
    let (unit, factor) = units[index];
    let written = text
        .trim()
        .strip_suffix(unit)
        .and_then(|n| n.trim().parse::<f64>().ok())
        .unwrap_or(base / factor);
    Ok(LabEntry {
        // `+ 0.0` turns a "-0" into 0.
        value: written + 0.0,
        unit,
        normalised: UnitValue {
            value: base + 0.0,
            unit: kind.base_unit(),
        },
    })
}

/// What was found, from the parser's refusal of `text`.
fn found_of(text: &str, e: &ParseQuantityError) -> String {
    let q = quote_found(text);
    match e {
        ParseQuantityError::Empty { .. } => "an empty text".to_owned(),
        ParseQuantityError::BadNumber { .. } => format!("{q} (it does not start with a number)"),
        ParseQuantityError::MissingUnit { .. } => format!("the bare number {q}"),
        ParseQuantityError::UnknownUnit { unit, .. } => {
            format!("{q} (unit {} is not one of them)", quote_found(unit))
        }
        ParseQuantityError::TooLarge { .. } => format!("{q} (too large)"),
        ParseQuantityError::OutOfRange { .. } => format!("{q} (negative or not finite)"),
    }
}

/// Every key a visit's laboratory values may have, for messages: the [`LAB_KEYS`], then
/// `reference_ranges` and `anticoagulated`.
pub fn visit_lab_keys() -> Vec<&'static str> {
    LAB_KEYS
        .iter()
        .copied()
        .chain(["reference_ranges", "anticoagulated"])
        .collect()
}

/// The [`REFERENCE_RANGE_KEYS`], for messages.
pub fn reference_range_keys() -> &'static [&'static str] {
    &REFERENCE_RANGE_KEYS
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn read(kind: LabKind, s: &str) -> Result<LabEntry, LabEntryError> {
        read_lab_entry(kind, &LabInput::from(s))
    }

    #[test]
    fn every_key_has_a_kind_and_its_examples_read() {
        for k in LAB_KEYS {
            let kind = LabKind::of_lab_key(k).unwrap();
            for e in kind.examples() {
                assert!(read(kind, e).is_ok(), "{k}: {e}");
            }
        }
        for k in REFERENCE_RANGE_KEYS {
            assert!(LabKind::of_reference_range_key(k).is_some(), "{k}");
        }
        assert_eq!(LabKind::of_lab_key("bilirubin_umol_l"), None);
        assert_eq!(LabKind::of_reference_range_key("bilirubin"), None);
    }

    #[test]
    fn hand_conversions() {
        // Bilirubin: 1 mg/dL = 10 mg/L ÷ 584.66 g/mol = 17.104 µmol/L (sirt-units, clinical-rules.md
        // §2.2); the rounded SI factor 17.1 gives the same to 0.03 %.
        let e = read(LabKind::Bilirubin, "17.1 µmol/L").unwrap();
        assert_eq!((e.value, e.unit), (17.1, "µmol/L"));
        assert!((e.normalised.value - 17.1 / 17.104).abs() < 1e-12);
        assert!((e.normalised.value - 1.0).abs() < 3e-4);
        assert_eq!(e.normalised.unit, "mg/dL");
        // Albumin 3.8 g/dL = 38 g/L (1 dL = 0.1 L).
        let e = read(LabKind::Albumin, "3.8 g/dL").unwrap();
        assert!((e.normalised.value - 38.0).abs() < 1e-12);
        // Creatinine 88.4 µmol/L = 1 mg/dL (KDIGO 2012 factor 88.4).
        let e = read(LabKind::Creatinine, "88.4 µmol/L").unwrap();
        assert!((e.normalised.value - 1.0).abs() < 1e-12);
        // 150 000 /µL = 150 × 10⁹/L (1 L = 10⁶ µL).
        let e = read(LabKind::CellCount, "150000 /µL").unwrap();
        assert!((e.normalised.value - 150.0).abs() < 1e-9);
        // 1 µkat/L = 60 U/L (1 U = 1 µmol/min).
        let e = read(LabKind::EnzymeActivity, "1 µkat/L").unwrap();
        assert_eq!(e.normalised.value, 60.0);
        // The INR: a number, as JSON or text.
        let e = read_lab_entry(LabKind::Inr, &LabInput::Number(1.1)).unwrap();
        assert_eq!((e.value, e.unit, e.text()), (1.1, "", "1.1".to_owned()));
        assert_eq!(read(LabKind::Inr, " 1.2 ").unwrap().value, 1.2);
    }

    #[test]
    fn refusals_say_what_was_expected_and_found() {
        let e = read(LabKind::Bilirubin, "<b>1</b> mg/dL").unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected a number with a unit such as \"1.2 mg/dL\" or \"20 µmol/L\" (units: \
             mg/dL, mg/dl, µmol/L, umol/L), found \"<b>1</b> mg/dL\" (it does not start with a \
             number)"
        );
        assert!(std::error::Error::source(&e).is_some());
        let e = read(LabKind::Bilirubin, "1.5 mmol/L").unwrap_err();
        assert!(
            e.found.ends_with("(unit \"mmol/L\" is not one of them)"),
            "{}",
            e.found
        );
        let e = read_lab_entry(LabKind::Albumin, &LabInput::Integer(38)).unwrap_err();
        assert_eq!(e.found, "the bare number 38");
        let e = read(LabKind::Albumin, "-1 g/L").unwrap_err();
        assert!(e.found.contains("negative"), "{}", e.found);
        let e = read_lab_entry(LabKind::Inr, &LabInput::Flag(true)).unwrap_err();
        assert_eq!(e.found, "the yes/no value true");
        for bad in ["NaN", "inf", "-1", "1.1 mg/dL", ""] {
            assert!(read(LabKind::Inr, bad).is_err(), "{bad}");
        }
        // A long text is cut; quotes and control characters are escaped.
        let long = format!("{}\"\n mg/dL", "9".repeat(200));
        let e = read(LabKind::Bilirubin, &long).unwrap_err();
        assert!(
            e.found.chars().count() < FOUND_TEXT_MAX_CHARS + 60,
            "{}",
            e.found
        );
        assert_eq!(quote_found("a\"b\nc"), "\"a\\\"b\\nc\"");
    }

    #[test]
    fn minus_zero_is_zero() {
        let e = read(LabKind::Sodium, "-0 mmol/L").unwrap();
        assert!(e.value.is_sign_positive() && e.normalised.value.is_sign_positive());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any text, for any kind: an entry or a refusal, never a panic; an entry's text reads
        /// back to the same entry, and a refusal quotes at most the allowed length.
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,80}|[-+0-9.eE ]{0,12}(mg/dL|µmol/L|U/L|/µL|g/dL|mmol/L|x)?") {
            for k in LAB_KEYS {
                let kind = LabKind::of_lab_key(k).unwrap();
                match read(kind, &s) {
                    Ok(e) => {
                        prop_assert!(e.value.is_finite() && e.value >= 0.0);
                        prop_assert!(e.normalised.value.is_finite() && e.normalised.value >= 0.0);
                        prop_assert_eq!(read_lab_entry(kind, &e.to_input()).unwrap(), e);
                    }
                    Err(e) => {
                        let _ = e.to_string();
                        // Each of the (at most two) quoted texts keeps at most the allowed number
                        // of characters, each escaped to at most 10 (`\\u{10ffff}`).
                        prop_assert!(e.found.chars().count() <= 2 * (10 * FOUND_TEXT_MAX_CHARS + 3) + 60);
                    }
                }
            }
        }

        /// Any number, for any kind: the INR takes a finite non-negative one, a quantity none.
        #[test]
        fn arbitrary_numbers(x in proptest::num::f64::ANY, i in any::<i64>()) {
            for k in LAB_KEYS {
                let kind = LabKind::of_lab_key(k).unwrap();
                let r = read_lab_entry(kind, &LabInput::Number(x));
                prop_assert_eq!(r.is_ok(), kind == LabKind::Inr && x.is_finite() && x >= 0.0);
                let r = read_lab_entry(kind, &LabInput::Integer(i));
                prop_assert_eq!(r.is_ok(), kind == LabKind::Inr && i >= 0);
            }
        }
    }
}
