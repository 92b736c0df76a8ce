//! The sirtplan case file: one TOML document per patient plan (format reference:
//! `docs/case-format.md`; full example: `examples/demo-net-case.toml`).
//!
//! | module | what |
//! |---|---|
//! | `raw` | serde mirror of the TOML tables (unknown keys refused) |
//! | `case` | the validated [`Case`]: typed quantities, resolved references, recorded defaults |
//! | `validate` | the checks, each failure a [`CaseError`] naming the field path and what was expected |
//!
//! Quantities carry their unit in the text (`"45 mL"`, `"3.2 GBq"`, `"1.75 m"`); instants carry
//! their zone (`"2026-03-05T10:00:00[Europe/Paris]"`). A number without unit, a date-time without
//! zone, a tumour larger than its territory or a reference to an unknown tumour is an error.
//!
//! ```
//! let text = include_str!("../../../examples/demo-net-case.toml");
//! let case = sirt_case::parse(text, "demo-net-case.toml").unwrap();
//! assert_eq!(case.diagnosis.indication, "NET");
//! let bad = text.replace("volume = \"1650 mL\"", "volume = \"1650\"");
//! let e = sirt_case::parse(&bad, "demo.toml").unwrap_err().to_string();
//! assert!(e.contains("bare number"), "{e}");
//! ```

mod case;
mod course;
mod measured;
mod overrides;
mod provenance;
mod raw;
mod reasons;
mod uncertainty;
mod validate;

pub use case::*;
pub use course::{CourseDetail, CumulativeInput};
pub use measured::{
    MeasuredValues, Missing, Reasons, Stated, parse_for_measurement, parse_with_measured,
    stated_values,
};
pub use overrides::{DeliveryOverride, InjectionOverrides, Overrides, SessionOverrides};
pub use provenance::*;
pub use uncertainty::{MaaDiscrepancy, TumourSpread, UncertaintyInput};
pub use validate::{EARLIER_KINDS, INDICATIONS};

/// A case file that cannot be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CaseError {
    /// TOML syntax, an unknown key, or a value of the wrong type or unit.
    #[error("case file {file}: {message}")]
    Syntax {
        /// File name as given.
        file: String,
        /// The TOML reader's message, with line and column.
        message: String,
    },
    /// A value that reads but cannot be used.
    #[error("case file {file}: field `{field}`: expected {expected}, found {found}")]
    Invalid {
        /// File name as given.
        file: String,
        /// Path of the field ("injections[1].tumours[0].tnr").
        field: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A typed change ([`Overrides`]) that does not fit the case: an unknown id, a value out of
    /// range.
    #[error("parameters: field `{field}`: expected {expected}, found {found}")]
    Override {
        /// Path of the change (`injections.R.tnr.T1`).
        field: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
}

/// Reads a case from its TOML text, applies typed changes to its values and validates the
/// result as [`parse`] validates a file; `file` names it in errors.
pub fn parse_with_overrides(
    text: &str,
    file: &str,
    overrides: &Overrides,
) -> Result<Case, CaseError> {
    let mut raw = read_raw(text, file)?;
    overrides.apply(&mut raw)?;
    validate::validate(raw, file)
}

/// The case file read as written: its reasons checked on its TOML table (`reasons`), then its
/// typed fields (read from the text again, so that type errors keep their line and column).
fn read_raw(text: &str, file: &str) -> Result<raw::RawCase, CaseError> {
    let syntax = |e: toml::de::Error| CaseError::Syntax {
        file: file.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    };
    reasons::check(&toml::from_str(text).map_err(syntax)?, file)?;
    toml::from_str(text).map_err(syntax)
}

/// Reads and validates a case from its TOML text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Case, CaseError> {
    validate::validate(read_raw(text, file)?, file)
}
