//! Rule records and their files.

use sirt_units::{AbsorbedDose, Activity, Bilirubin, Fraction, Volume};
use std::fmt;
use thiserror::Error;

/// The quantity a rule compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Mean absorbed dose of a whole tumour in a session: the energy its parts receive from the
    /// session's injections over its whole mass (Gy).
    TumourDose,
    /// Tumour volume (mL).
    TumourVolume,
    /// Mean dose to the perfused volume of an injection (Gy).
    PerfusedDose,
    /// Mean dose to the perfused non-tumoural liver of an injection (Gy).
    PerfusedNormalLiverDose,
    /// Activity shunted to the lungs by an injection, A · LSF.
    LungActivity,
    /// Lung shunt fraction of an injection.
    Lsf,
    /// |activity of the ordered vial at the planned instant − prescription| / prescription.
    VialDeviation,
    /// Whole-liver normal-tissue absorbed dose of a session (Gy).
    WholeLiverNtad,
    /// Lung dose of a session (Gy).
    LungDoseSession,
    /// Cumulative lung dose up to and including a session (Gy).
    LungDoseCumulative,
    /// Whether a session treats both lobes.
    SingleSessionBilobar,
    /// Whether a bilobar session has an injection not planned with the partition model (MCD).
    SingleSessionBilobarWithoutMcd,
    /// Tumour volume / whole liver volume.
    TumourBurden,
    /// Serum total bilirubin.
    Bilirubin,
}

/// Where a quantity lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One tumour in one session.
    SessionTumour,
    /// One tumour of the patient.
    Tumour,
    /// One injection.
    Injection,
    /// One session.
    Session,
    /// The patient.
    Patient,
}

/// The dimension of a quantity, which fixes the unit of its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Gy.
    Dose,
    /// mL.
    Volume,
    /// GBq (mCi accepted).
    Activity,
    /// A fraction, written "20 %" or 0.2.
    Fraction,
    /// mg/dL (µmol/L accepted).
    Bilirubin,
    /// true / false.
    Flag,
}

impl Quantity {
    /// Its scope.
    pub fn scope(self) -> Scope {
        use Quantity::*;
        match self {
            TumourDose => Scope::SessionTumour,
            TumourVolume => Scope::Tumour,
            PerfusedDose | PerfusedNormalLiverDose | LungActivity | Lsf | VialDeviation => {
                Scope::Injection
            }
            WholeLiverNtad
            | LungDoseSession
            | LungDoseCumulative
            | SingleSessionBilobar
            | SingleSessionBilobarWithoutMcd => Scope::Session,
            TumourBurden | Bilirubin => Scope::Patient,
        }
    }

    /// Its dimension.
    pub fn dimension(self) -> Dimension {
        use Quantity::*;
        match self {
            TumourDose
            | PerfusedDose
            | PerfusedNormalLiverDose
            | WholeLiverNtad
            | LungDoseSession
            | LungDoseCumulative => Dimension::Dose,
            TumourVolume => Dimension::Volume,
            LungActivity => Dimension::Activity,
            Lsf | TumourBurden | VialDeviation => Dimension::Fraction,
            Bilirubin => Dimension::Bilirubin,
            SingleSessionBilobar | SingleSessionBilobarWithoutMcd => Dimension::Flag,
        }
    }
}

impl Dimension {
    /// The unit values are reported in.
    pub fn unit(self) -> &'static str {
        match self {
            Dimension::Dose => "Gy",
            Dimension::Volume => "mL",
            Dimension::Activity => "GBq",
            Dimension::Fraction => "%",
            Dimension::Bilirubin => "mg/dL",
            Dimension::Flag => "",
        }
    }
}

/// A rule's comparison: what must hold between the value and the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub enum Comparison {
    /// value ≥ threshold.
    #[serde(rename = ">=")]
    AtLeast,
    /// value > threshold.
    #[serde(rename = ">")]
    Above,
    /// value ≤ threshold.
    #[serde(rename = "<=")]
    AtMost,
    /// value < threshold.
    #[serde(rename = "<")]
    Below,
    /// value = threshold (flags).
    #[serde(rename = "==")]
    Equal,
}

impl Comparison {
    /// Whether `value cmp threshold` holds.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::AtLeast => value >= threshold,
            Comparison::Above => value > threshold,
            Comparison::AtMost => value <= threshold,
            Comparison::Below => value < threshold,
            Comparison::Equal => value == threshold,
        }
    }

    /// The operator as written in files and reports.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::Above => ">",
            Comparison::AtMost => "≤",
            Comparison::Below => "<",
            Comparison::Equal => "=",
        }
    }
}

/// The status a rule's result can take.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The comparison holds.
    Pass,
    /// Not evaluated: a value needed was not available.
    NotEvaluated,
    /// Violated; informational.
    Info,
    /// Violated; needs attention.
    Warn,
    /// Violated; a limit.
    Fail,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Pass => "pass",
            Status::NotEvaluated => "not evaluated",
            Status::Info => "info",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        })
    }
}

/// The dosimetry a rule's threshold was established on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// 99mTc-MAA predicted (planning).
    MaaPredicted,
    /// Post-treatment imaging (verification).
    PostTreatment,
}

/// A threshold in the quantity's base unit, kept with the text it was written as.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Threshold {
    /// Value in the report unit of the dimension (Gy, mL, GBq, %, mg/dL; flags 1/0).
    pub value: f64,
    /// As written in the rule file.
    pub written: String,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rule {
    /// Unique id.
    pub id: String,
    /// Wording.
    pub title: String,
    /// Quantity compared.
    pub quantity: Quantity,
    /// What must hold.
    pub comparison: Comparison,
    /// The threshold.
    pub threshold: Threshold,
    /// Status when violated.
    pub on_violation: Status,
    /// Indications it applies to (empty: all).
    pub indication: Vec<String>,
    /// Device materials (empty: all).
    pub device_material: Vec<String>,
    /// Nuclides (empty: all).
    pub nuclide: Vec<String>,
    /// Tumour grades (empty: all).
    pub grade: Vec<String>,
    /// Planning methods (empty: all).
    pub method: Vec<String>,
    /// Territory kinds (empty: all).
    pub territory: Vec<String>,
    /// Session extents (empty: all).
    pub session_extent: Vec<String>,
    /// Dosimetry basis; `None`: any.
    pub basis: Option<Basis>,
    /// Citation.
    pub source: String,
    /// Evidence label.
    pub evidence: String,
    /// Shown with the result.
    pub note: Option<String>,
    /// The file the rule came from.
    pub origin: String,
}

/// A rule file that cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RuleFileError {
    /// TOML syntax or a field of the wrong type.
    #[error("rule file {origin}: {message}")]
    Syntax {
        /// File.
        origin: String,
        /// The TOML reader's message.
        message: String,
    },
    /// A threshold or status that does not fit the quantity.
    #[error(
        "rule file {origin}, rule \"{rule}\", field `{field}`: expected {expected}, found {found}"
    )]
    Invalid {
        /// File.
        origin: String,
        /// Rule id.
        rule: String,
        /// Field.
        field: &'static str,
        /// Expected.
        expected: String,
        /// Found.
        found: String,
    },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    pub(crate) rule: Vec<RawRule>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub(crate) id: String,
    title: Option<String>,
    quantity: Option<Quantity>,
    comparison: Option<Comparison>,
    threshold: Option<String>,
    on_violation: Option<Status>,
    #[serde(default)]
    indication: Vec<String>,
    #[serde(default)]
    device_material: Vec<String>,
    #[serde(default)]
    nuclide: Vec<String>,
    #[serde(default)]
    grade: Vec<String>,
    #[serde(default)]
    method: Vec<String>,
    #[serde(default)]
    territory: Vec<String>,
    #[serde(default)]
    session_extent: Vec<String>,
    basis: Option<Basis>,
    source: Option<String>,
    evidence: Option<String>,
    note: Option<String>,
    pub(crate) enabled: Option<bool>,
}

impl RawRule {
    pub(crate) fn into_rule(self, origin: &str) -> Result<Rule, RuleFileError> {
        let id = self.id.clone();
        let invalid = |field: &'static str, expected: &str, found: String| RuleFileError::Invalid {
            origin: origin.to_owned(),
            rule: id.clone(),
            field,
            expected: expected.to_owned(),
            found,
        };
        let missing = |field: &'static str| invalid(field, "a value", "nothing".to_owned());
        let quantity = self.quantity.ok_or_else(|| missing("quantity"))?;
        let comparison = self.comparison.ok_or_else(|| missing("comparison"))?;
        let written = self.threshold.ok_or_else(|| missing("threshold"))?;
        let on_violation = self.on_violation.ok_or_else(|| missing("on_violation"))?;
        if matches!(on_violation, Status::Pass | Status::NotEvaluated) {
            return Err(invalid(
                "on_violation",
                "\"fail\", \"warn\" or \"info\"",
                format!("{on_violation:?}"),
            ));
        }
        let dim = quantity.dimension();
        let value = parse_threshold(dim, &written).map_err(|e| {
            invalid(
                "threshold",
                &format!("a value in {} for {quantity:?}", dim.unit()),
                e,
            )
        })?;
        if (dim == Dimension::Flag) != (comparison == Comparison::Equal) {
            return Err(invalid(
                "comparison",
                "\"==\" for true/false quantities and >=, >, <=, < for the others",
                format!("{comparison:?} for {quantity:?}"),
            ));
        }
        Ok(Rule {
            title: self.title.ok_or_else(|| missing("title"))?,
            quantity,
            comparison,
            threshold: Threshold { value, written },
            on_violation,
            indication: self.indication,
            device_material: self.device_material,
            nuclide: self.nuclide,
            grade: self.grade,
            method: self.method,
            territory: self.territory,
            session_extent: self.session_extent,
            basis: self.basis,
            source: self.source.ok_or_else(|| missing("source"))?,
            evidence: self.evidence.ok_or_else(|| missing("evidence"))?,
            note: self.note,
            origin: origin.to_owned(),
            id: self.id,
        })
    }
}

/// Reads a threshold in the dimension's report unit.
fn parse_threshold(dim: Dimension, text: &str) -> Result<f64, String> {
    let err = |e: &dyn fmt::Display| format!("\"{text}\" ({e})");
    Ok(match dim {
        Dimension::Dose => text.parse::<AbsorbedDose>().map_err(|e| err(&e))?.gy(),
        Dimension::Volume => text.parse::<Volume>().map_err(|e| err(&e))?.ml(),
        Dimension::Activity => text.parse::<Activity>().map_err(|e| err(&e))?.gbq(),
        Dimension::Fraction => text.parse::<Fraction>().map_err(|e| err(&e))?.percent(),
        Dimension::Bilirubin => text.parse::<Bilirubin>().map_err(|e| err(&e))?.mg_per_dl(),
        Dimension::Flag => match text {
            "true" => 1.0,
            "false" => 0.0,
            _ => return Err(format!("\"{text}\" (write true or false)")),
        },
    })
}
