//! A [`PatientRecord`] built from dated laboratory visits without writing TOML text: the typed
//! input fills the record reader's raw structs and the same validation runs, so a value is
//! accepted or refused, and named, exactly as in the equivalent TOML record.

use super::raw::{RawClinical, RawLabs, RawPatient, RawRanges, RawRecord, RawTreatment};
use super::{Ctx, PatientRecord, RecordError};
use std::collections::BTreeMap;
use toml::Value;

/// The keys of a laboratory visit's values, as in a record's `[[labs]]` (`date` apart).
pub const LAB_KEYS: [&str; 13] = [
    "bilirubin",
    "albumin",
    "inr",
    "platelets",
    "leukocytes",
    "granulocytes",
    "creatinine",
    "sodium",
    "gfr",
    "ast",
    "alt",
    "alp",
    "ggt",
];

/// The keys of a record's `[reference_ranges]`.
pub const REFERENCE_RANGE_KEYS: [&str; 7] = [
    "bilirubin_uln",
    "ast_uln",
    "alt_uln",
    "alp_uln",
    "ggt_uln",
    "albumin_lln",
    "platelets_lln",
];

/// A laboratory value as written, before it is read: a text with its unit (`"1.9 mg/dL"`), a
/// whole number, a number (an INR: `1.1`) or a yes/no. Each stands for the TOML value of the
/// same kind (string, integer, float, boolean) and is read as that value would be: a quantity
/// needs its unit in the text, so a bare number is refused naming the units, as in a record.
///
/// Deserialises untagged, so a JSON string, number or boolean reads as one (an integer as
/// [`LabInput::Integer`], any other number as [`LabInput::Number`]); `null`, arrays and objects
/// do not.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum LabInput {
    /// Text, usually a number with its unit: `"1.9 mg/dL"`.
    Text(String),
    /// A whole number (TOML integer).
    Integer(i64),
    /// A number (TOML float): `1.1`.
    Number(f64),
    /// A yes/no (TOML boolean); no laboratory value is one, so it is refused naming the field.
    Flag(bool),
}

impl LabInput {
    fn to_toml(&self) -> Value {
        match self {
            LabInput::Text(s) => Value::String(s.clone()),
            LabInput::Integer(i) => Value::Integer(*i),
            LabInput::Number(x) => Value::Float(*x),
            LabInput::Flag(b) => Value::Boolean(*b),
        }
    }
}

impl From<&str> for LabInput {
    fn from(s: &str) -> Self {
        LabInput::Text(s.to_owned())
    }
}

impl From<String> for LabInput {
    fn from(s: String) -> Self {
        LabInput::Text(s)
    }
}

impl From<i64> for LabInput {
    fn from(i: i64) -> Self {
        LabInput::Integer(i)
    }
}

impl From<f64> for LabInput {
    fn from(x: f64) -> Self {
        LabInput::Number(x)
    }
}

impl From<bool> for LabInput {
    fn from(b: bool) -> Self {
        LabInput::Flag(b)
    }
}

/// One dated set of laboratory values: a `[[labs]]` entry of a record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabVisit {
    /// Sampling date, `YYYY-MM-DD` (the entry's `date`).
    pub date: String,
    /// Values by key, each one of [`LAB_KEYS`] (`"bilirubin"` → `"1.9 mg/dL"`).
    pub values: BTreeMap<String, LabInput>,
}

/// What [`PatientRecord::from_lab_visits`] builds a record from: the parts of a record that
/// laboratory grading ([`crate::grade_labs`]) reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabRecordInput {
    /// `patient.id`.
    pub patient_id: String,
    /// `treatment.date`, `YYYY-MM-DD`: day 0 of the timeline; `None` leaves out `[treatment]`.
    pub treatment_date: Option<String>,
    /// `clinical.anticoagulated` (CTCAE INR grading); `None` leaves it out.
    pub anticoagulated: Option<bool>,
    /// `[reference_ranges]` by key, each one of [`REFERENCE_RANGE_KEYS`]
    /// (`"bilirubin_uln"` → `"1.2 mg/dL"`).
    pub reference_ranges: BTreeMap<String, LabInput>,
    /// The `[[labs]]` entries, in this order: `labs[i]` in a message is `visits[i]`. A visit
    /// without values is an entry with only its date; leave such visits out where they carry
    /// nothing.
    pub visits: Vec<LabVisit>,
}

impl PatientRecord {
    /// Builds and validates a record from laboratory visits; `file` names it in errors.
    ///
    /// The result, and every error, is that of [`PatientRecord::from_toml`] on the equivalent
    /// record
    ///
    /// ```toml
    /// [patient]
    /// id = "<patient_id>"
    /// [treatment]                      # where treatment_date is given
    /// date = "<treatment_date>"
    /// [clinical]                       # where anticoagulated is given
    /// anticoagulated = <anticoagulated>
    /// [reference_ranges]
    /// <key> = <value>                  # each of reference_ranges
    /// [[labs]]                         # each visit, in order
    /// date = "<date>"
    /// <key> = <value>                  # each of its values
    /// ```
    ///
    /// (a [`RecordError::Invalid`] naming the field, `labs[1].bilirubin`, what was expected and
    /// what was found), except that no text is written or read: a key that is not one of
    /// [`LAB_KEYS`] (or [`REFERENCE_RANGE_KEYS`]) is refused, as the unknown key it would be in
    /// the record, with a [`RecordError::Syntax`] whose message names the entry and the key but
    /// has no line and column.
    ///
    /// ```
    /// use sirt_clinical::*;
    /// let visit = LabVisit {
    ///     date: "2026-04-02".into(),
    ///     values: [("bilirubin".to_owned(), LabInput::from("1.5 mmol/L"))].into(),
    /// };
    /// let input = LabRecordInput {
    ///     patient_id: "P1".into(),
    ///     visits: vec![visit],
    ///     ..LabRecordInput::default()
    /// };
    /// let e = PatientRecord::from_lab_visits(&input, "visits").unwrap_err().to_string();
    /// assert!(e.starts_with("patient record visits: field `labs[0].bilirubin`"), "{e}");
    /// ```
    pub fn from_lab_visits(input: &LabRecordInput, file: &str) -> Result<Self, RecordError> {
        let ctx = Ctx { file };
        ctx.record(ctx.raw_lab_record(input)?)
    }
}

impl Ctx<'_> {
    /// The raw record of the equivalent TOML document (see [`PatientRecord::from_lab_visits`]).
    fn raw_lab_record(&self, input: &LabRecordInput) -> Result<RawRecord, RecordError> {
        Ok(RawRecord {
            patient: RawPatient {
                id: input.patient_id.clone(),
                sex: None,
                assessment_date: None,
            },
            tumour: Default::default(),
            liver: Default::default(),
            extrahepatic: Default::default(),
            clinical: RawClinical {
                anticoagulated: input.anticoagulated,
                ..RawClinical::default()
            },
            findings: BTreeMap::new(),
            reference_ranges: self.raw_ranges(&input.reference_ranges)?,
            prior_treatments: None,
            treatment: input.treatment_date.as_ref().map(|d| RawTreatment {
                date: Value::String(d.clone()),
                device: None,
                extent: None,
            }),
            labs: input
                .visits
                .iter()
                .enumerate()
                .map(|(i, v)| self.raw_labs(i, v))
                .collect::<Result<Vec<_>, _>>()?,
            observations: Vec::new(),
        })
    }

    fn raw_ranges(&self, ranges: &BTreeMap<String, LabInput>) -> Result<RawRanges, RecordError> {
        let mut r = RawRanges::default();
        for (key, value) in ranges {
            let slot = match key.as_str() {
                "bilirubin_uln" => &mut r.bilirubin_uln,
                "ast_uln" => &mut r.ast_uln,
                "alt_uln" => &mut r.alt_uln,
                "alp_uln" => &mut r.alp_uln,
                "ggt_uln" => &mut r.ggt_uln,
                "albumin_lln" => &mut r.albumin_lln,
                "platelets_lln" => &mut r.platelets_lln,
                _ => return Err(self.unknown_key("reference_ranges", key, &REFERENCE_RANGE_KEYS)),
            };
            *slot = Some(value.to_toml());
        }
        Ok(r)
    }

    fn raw_labs(&self, i: usize, visit: &LabVisit) -> Result<RawLabs, RecordError> {
        let mut l = RawLabs {
            date: Value::String(visit.date.clone()),
            bilirubin: None,
            albumin: None,
            inr: None,
            platelets: None,
            leukocytes: None,
            granulocytes: None,
            creatinine: None,
            sodium: None,
            gfr: None,
            ast: None,
            alt: None,
            alp: None,
            ggt: None,
        };
        for (key, value) in &visit.values {
            let slot = match key.as_str() {
                "bilirubin" => &mut l.bilirubin,
                "albumin" => &mut l.albumin,
                "inr" => &mut l.inr,
                "platelets" => &mut l.platelets,
                "leukocytes" => &mut l.leukocytes,
                "granulocytes" => &mut l.granulocytes,
                "creatinine" => &mut l.creatinine,
                "sodium" => &mut l.sodium,
                "gfr" => &mut l.gfr,
                "ast" => &mut l.ast,
                "alt" => &mut l.alt,
                "alp" => &mut l.alp,
                "ggt" => &mut l.ggt,
                "date" => {
                    return Err(RecordError::Syntax {
                        file: self.file.to_owned(),
                        message: format!(
                            "labs[{i}]: `date` among the values; it is the visit's date, given \
                             apart (LabVisit::date)"
                        ),
                    });
                }
                _ => return Err(self.unknown_key(&format!("labs[{i}]"), key, &LAB_KEYS)),
            };
            *slot = Some(value.to_toml());
        }
        Ok(l)
    }

    /// A key the record format does not have, in the words of the TOML reader.
    fn unknown_key(&self, table: &str, key: &str, known: &[&str]) -> RecordError {
        let known: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        RecordError::Syntax {
            file: self.file.to_owned(),
            message: format!(
                "{table}: unknown field `{key}`, expected one of {}",
                known.join(", ")
            ),
        }
    }
}
