//! The patient record: one TOML document per patient (format: `FORMAT.md` of this crate).

use crate::labs::{BilirubinValue, UnitTable, parse_with_units};
use jiff::civil::Date;
use sirt_units::{
    AbsorbedDose, Activity, Albumin, CellCount, Creatinine, EnzymeActivity, Fraction, Gfr, Inr,
    ParseQuantityError, Sodium,
};
use std::collections::BTreeMap;
use std::str::FromStr;
use thiserror::Error;

mod visits;
pub use visits::{LAB_KEYS, LabInput, LabRecordInput, LabVisit, REFERENCE_RANGE_KEYS};

/// A patient record that cannot be read.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RecordError {
    /// TOML syntax, an unknown key, or a value of the wrong type.
    #[error("patient record {file}: {message}")]
    Syntax {
        /// File name as given.
        file: String,
        /// The TOML reader's message, with line and column.
        message: String,
    },
    /// A value that reads but cannot be used (unit, range, date).
    #[error("patient record {file}: field `{field}`: expected {expected}, found {found}")]
    Invalid {
        /// File name as given.
        file: String,
        /// Path of the field (`labs[2].bilirubin`).
        field: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
}

/// Sex, as MELD 3.0 uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

/// Tumour grade of a neuroendocrine neoplasm (WHO 2019).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
pub enum NetGrade {
    /// Well-differentiated NET, grade 1.
    G1,
    /// Well-differentiated NET, grade 2.
    G2,
    /// Well-differentiated NET, grade 3.
    G3,
    /// Poorly differentiated neuroendocrine carcinoma.
    #[serde(rename = "NEC")]
    Nec,
}

impl NetGrade {
    /// "G1", "G2", "G3", "NEC".
    pub fn label(self) -> &'static str {
        match self {
            NetGrade::G1 => "G1",
            NetGrade::G2 => "G2",
            NetGrade::G3 => "G3",
            NetGrade::Nec => "NEC",
        }
    }
}

/// Ki-67 index below which a well-differentiated NET is G1: < 3 %. WHO Classification of
/// Tumours, Digestive System Tumours, 5th ed. (2019); Nagtegaal ID et al., "The 2019 WHO
/// classification of tumours of the digestive system", Histopathology 2020;76:182–188,
/// doi:10.1111/his.13975, Table 2 \[R: recalled, primary not opened here].
pub const KI67_G2_FROM: f64 = 0.03;

/// Ki-67 index above which a well-differentiated NET is G3: > 20 % (G2: 3–20 %). Same source
/// as [`KI67_G2_FROM`] \[R].
pub const KI67_G3_ABOVE: f64 = 0.20;

/// The WHO 2019 grade of a well-differentiated NET from its Ki-67 index alone: G1 < 3 %,
/// G2 3–20 %, G3 > 20 % ([`KI67_G2_FROM`], [`KI67_G3_ABOVE`]). The WHO grade is the higher of
/// the Ki-67 and the mitotic-count grades, and NEC is defined by differentiation, so the
/// recorded grade may be higher than this, never lower.
pub fn who2019_grade_from_ki67(ki67: Fraction) -> NetGrade {
    let k = sirt_units::signif15(ki67.value());
    if k < KI67_G2_FROM {
        NetGrade::G1
    } else if k <= KI67_G3_ABOVE {
        NetGrade::G2
    } else {
        NetGrade::G3
    }
}

/// Secretory (carcinoid) syndrome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretorySyndrome {
    /// No secretory syndrome.
    None,
    /// Present, controlled (e.g. by somatostatin analogues).
    Controlled,
    /// Present, not controlled.
    Uncontrolled,
}

/// Distribution of the liver metastases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Distribution {
    /// One lobe.
    Unilobar,
    /// Both lobes.
    Bilobar,
}

/// Ascites, in the three Child-Pugh levels.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Ascites {
    /// None.
    None,
    /// Mild (slight, or controlled with diuretics).
    Mild,
    /// Moderate to severe (or refractory).
    ModerateSevere,
}

/// Hepatic encephalopathy, in the three Child-Pugh levels.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Encephalopathy {
    /// None.
    None,
    /// Grade 1–2 (or suppressed with medication).
    #[serde(rename = "grade-1-2")]
    Grade1To2,
    /// Grade 3–4 (or refractory).
    #[serde(rename = "grade-3-4")]
    Grade3To4,
}

/// Kind of an earlier treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriorKind {
    /// Surgery (primary or metastases).
    Surgery,
    /// Peptide receptor radionuclide therapy.
    Prrt,
    /// Transarterial chemoembolisation.
    Tace,
    /// Bland transarterial embolisation.
    BlandEmbolization,
    /// Radioembolisation (SIRT).
    Sirt,
    /// Systemic anticancer therapy (chemotherapy, targeted therapy); somatostatin analogues
    /// have their own kind.
    Systemic,
    /// Somatostatin analogue (octreotide, lanreotide); not counted as systemic therapy in the
    /// 4-week rule, since it is usually continued around SIRT.
    SomatostatinAnalogue,
    /// External-beam radiotherapy.
    Ebrt,
    /// Thermal ablation.
    Ablation,
    /// Anything else.
    Other,
}

impl PriorKind {
    /// The word used in the record.
    pub fn label(self) -> &'static str {
        match self {
            PriorKind::Surgery => "surgery",
            PriorKind::Prrt => "prrt",
            PriorKind::Tace => "tace",
            PriorKind::BlandEmbolization => "bland-embolization",
            PriorKind::Sirt => "sirt",
            PriorKind::Systemic => "systemic",
            PriorKind::SomatostatinAnalogue => "somatostatin-analogue",
            PriorKind::Ebrt => "ebrt",
            PriorKind::Ablation => "ablation",
            PriorKind::Other => "other",
        }
    }
}

/// Outcome of an earlier treatment, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriorOutcome {
    /// Response.
    Response,
    /// Stable disease.
    Stable,
    /// Progression (the treatment failed).
    Progression,
    /// Not known.
    Unknown,
}

/// Treatment needed for a liver decompensation, as Braat's grading distinguishes it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum LiverTreatment {
    /// None.
    None,
    /// Non-invasive (diuretics, ursodeoxycholic acid, steroids).
    NonInvasive,
    /// Invasive (paracentesis, transfusion, haemodialysis, TIPS).
    Invasive,
}

/// The patient.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Patient {
    /// Identifier (pseudonymous).
    pub id: String,
    /// Sex (MELD 3.0).
    pub sex: Option<Sex>,
    /// Date of the eligibility assessment; the labs used are the latest on or before it.
    pub assessment_date: Option<Date>,
}

/// The tumour.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Tumour {
    /// Primary site.
    pub primary: Option<String>,
    /// Recorded grade.
    pub grade: Option<NetGrade>,
    /// Ki-67 index.
    pub ki67: Option<Fraction>,
    /// Secretory syndrome.
    pub secretory_syndrome: Option<SecretorySyndrome>,
}

/// Liver disease.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct LiverDisease {
    /// Hepatic tumour burden (tumour volume / liver volume).
    pub tumour_burden: Option<Fraction>,
    /// Unilobar or bilobar.
    pub distribution: Option<Distribution>,
    /// More than one lesion.
    pub multifocal: Option<bool>,
    /// Infiltrative disease.
    pub infiltrative: Option<bool>,
    /// Hypovascular tumours.
    pub hypovascular: Option<bool>,
    /// Large, bulky tumours.
    pub bulky: Option<bool>,
}

/// Extrahepatic disease.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Extrahepatic {
    /// Whether there is any.
    pub present: Option<bool>,
    /// Sites.
    pub sites: Vec<String>,
    /// Whether the prognosis is defined by the liver disease (liver-only or liver-dominant).
    pub liver_dominant: Option<bool>,
}

/// Clinical state at the assessment.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Clinical {
    /// ECOG performance status, 0–5.
    pub ecog: Option<u8>,
    /// Ascites.
    pub ascites: Option<Ascites>,
    /// Hepatic encephalopathy.
    pub encephalopathy: Option<Encephalopathy>,
    /// Whether the patient is on anticoagulation (CTCAE INR grading); never assumed.
    pub anticoagulated: Option<bool>,
    /// The anticoagulant, as text.
    pub anticoagulant: Option<String>,
    /// Two or more dialyses in the last week, or 24 h of CVVHD (MELD).
    pub dialysis: Option<bool>,
    /// Life expectancy in months.
    pub life_expectancy_months: Option<f64>,
    /// Date of the latest contrast-enhanced CT or MRI.
    pub imaging_date: Option<Date>,
}

/// Reference ranges of the patient's laboratory.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ReferenceRanges {
    /// Upper limit of normal, total bilirubin.
    pub bilirubin_uln: Option<BilirubinValue>,
    /// ULN, AST.
    pub ast_uln: Option<EnzymeActivity>,
    /// ULN, ALT.
    pub alt_uln: Option<EnzymeActivity>,
    /// ULN, alkaline phosphatase.
    pub alp_uln: Option<EnzymeActivity>,
    /// ULN, GGT.
    pub ggt_uln: Option<EnzymeActivity>,
    /// Lower limit of normal, albumin.
    pub albumin_lln: Option<Albumin>,
    /// LLN, platelets.
    pub platelets_lln: Option<CellCount>,
}

/// An earlier treatment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PriorTreatment {
    /// Kind.
    pub kind: PriorKind,
    /// Start date.
    pub start: Option<Date>,
    /// End date (for a course); `None` with `ongoing` for a current one.
    pub end: Option<Date>,
    /// Still going on at the assessment.
    pub ongoing: Option<bool>,
    /// Agent or procedure name.
    pub agent: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Outcome.
    pub outcome: Option<PriorOutcome>,
    /// Anti-angiogenic agent (bevacizumab, aflibercept, sunitinib, ...); systemic only.
    pub anti_angiogenic: Option<bool>,
    /// Whether the liver was in the field; EBRT only.
    pub liver_in_field: Option<bool>,
    /// Number of cycles; PRRT only.
    pub cycles: Option<u32>,
    /// Administered activity per cycle; PRRT only.
    pub activities: Vec<Activity>,
    /// Device; SIRT only.
    pub device: Option<String>,
    /// Administered activity; SIRT only.
    pub activity: Option<Activity>,
    /// Mean tumour absorbed dose; SIRT only.
    pub tumour_dose: Option<AbsorbedDose>,
    /// Mean perfused-volume absorbed dose; SIRT only.
    pub perfused_dose: Option<AbsorbedDose>,
    /// Mean non-tumoural liver absorbed dose; SIRT only.
    pub normal_liver_dose: Option<AbsorbedDose>,
}

/// The SIRT treatment the follow-up refers to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Treatment {
    /// Date of the (first) SIRT session; day 0 of the timeline.
    pub date: Date,
    /// Device.
    pub device: Option<String>,
    /// Extent ("whole liver", "right lobe", ...).
    pub extent: Option<String>,
}

/// One dated set of laboratory results; any value may be missing.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LabSet {
    /// Sampling date.
    pub date: Date,
    /// Total bilirubin.
    pub bilirubin: Option<BilirubinValue>,
    /// Albumin.
    pub albumin: Option<Albumin>,
    /// INR.
    pub inr: Option<Inr>,
    /// Platelets.
    pub platelets: Option<CellCount>,
    /// Leukocytes.
    pub leukocytes: Option<CellCount>,
    /// Granulocytes (neutrophils).
    pub granulocytes: Option<CellCount>,
    /// Creatinine.
    pub creatinine: Option<Creatinine>,
    /// Sodium.
    pub sodium: Option<Sodium>,
    /// Glomerular filtration rate.
    pub gfr: Option<Gfr>,
    /// AST.
    pub ast: Option<EnzymeActivity>,
    /// ALT.
    pub alt: Option<EnzymeActivity>,
    /// Alkaline phosphatase.
    pub alp: Option<EnzymeActivity>,
    /// GGT.
    pub ggt: Option<EnzymeActivity>,
}

/// A dated clinical observation during follow-up (REILD, Braat grading).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Observation {
    /// Date.
    pub date: Date,
    /// Ascites at this date.
    pub ascites: Option<Ascites>,
    /// Jaundice.
    pub jaundice: Option<bool>,
    /// Encephalopathy.
    pub encephalopathy: Option<Encephalopathy>,
    /// Tumour progression shown at this date.
    pub tumour_progression: Option<bool>,
    /// Biliary obstruction shown at this date.
    pub biliary_obstruction: Option<bool>,
    /// Treatment needed for liver decompensation.
    pub liver_treatment: Option<LiverTreatment>,
    /// Death from liver failure.
    pub fatal_liver_failure: Option<bool>,
    /// Free text.
    pub note: Option<String>,
}

/// A patient record, validated: typed quantities, sorted dated series.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PatientRecord {
    /// The file name as given.
    pub file: String,
    /// Patient.
    pub patient: Patient,
    /// Tumour.
    pub tumour: Tumour,
    /// Liver disease.
    pub liver: LiverDisease,
    /// Extrahepatic disease.
    pub extrahepatic: Extrahepatic,
    /// Clinical state.
    pub clinical: Clinical,
    /// Named yes/no findings (`portal_hypertension_untreated = false`).
    pub findings: BTreeMap<String, bool>,
    /// Reference ranges.
    pub reference_ranges: ReferenceRanges,
    /// Earlier treatments; `None` when the record does not say (not the same as none).
    pub prior_treatments: Option<Vec<PriorTreatment>>,
    /// The SIRT treatment followed up.
    pub treatment: Option<Treatment>,
    /// Laboratory results, by date.
    pub labs: Vec<LabSet>,
    /// Clinical observations, by date.
    pub observations: Vec<Observation>,
}

impl PatientRecord {
    /// Reads and validates a record from its TOML text; `file` names it in errors.
    ///
    /// The crate reads no files: the caller reads the text (ARCHITECTURE.md: clinical crates
    /// never touch files).
    pub fn from_toml(text: &str, file: &str) -> Result<Self, RecordError> {
        let raw: raw::RawRecord = toml::from_str(text).map_err(|e| RecordError::Syntax {
            file: file.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        Ctx { file }.record(raw)
    }
}

mod raw {
    use super::*;
    use toml::Value;

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawRecord {
        pub(super) patient: RawPatient,
        #[serde(default)]
        pub(super) tumour: RawTumour,
        #[serde(default)]
        pub(super) liver: RawLiver,
        #[serde(default)]
        pub(super) extrahepatic: RawExtrahepatic,
        #[serde(default)]
        pub(super) clinical: RawClinical,
        #[serde(default)]
        pub(super) findings: BTreeMap<String, bool>,
        #[serde(default)]
        pub(super) reference_ranges: RawRanges,
        pub(super) prior_treatments: Option<Vec<RawPrior>>,
        pub(super) treatment: Option<RawTreatment>,
        #[serde(default)]
        pub(super) labs: Vec<RawLabs>,
        #[serde(default)]
        pub(super) observations: Vec<RawObservation>,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawPatient {
        pub(super) id: String,
        pub(super) sex: Option<Sex>,
        pub(super) assessment_date: Option<Value>,
    }

    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawTumour {
        pub(super) primary: Option<String>,
        pub(super) grade: Option<NetGrade>,
        pub(super) ki67: Option<Value>,
        pub(super) secretory_syndrome: Option<SecretorySyndrome>,
    }

    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawLiver {
        pub(super) tumour_burden: Option<Value>,
        pub(super) distribution: Option<Distribution>,
        pub(super) multifocal: Option<bool>,
        pub(super) infiltrative: Option<bool>,
        pub(super) hypovascular: Option<bool>,
        pub(super) bulky: Option<bool>,
    }

    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawExtrahepatic {
        pub(super) present: Option<bool>,
        #[serde(default)]
        pub(super) sites: Vec<String>,
        pub(super) liver_dominant: Option<bool>,
    }

    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawClinical {
        pub(super) ecog: Option<i64>,
        pub(super) ascites: Option<Ascites>,
        pub(super) encephalopathy: Option<Encephalopathy>,
        pub(super) anticoagulated: Option<bool>,
        pub(super) anticoagulant: Option<String>,
        pub(super) dialysis: Option<bool>,
        pub(super) life_expectancy: Option<Value>,
        pub(super) imaging_date: Option<Value>,
    }

    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawRanges {
        pub(super) bilirubin_uln: Option<Value>,
        pub(super) ast_uln: Option<Value>,
        pub(super) alt_uln: Option<Value>,
        pub(super) alp_uln: Option<Value>,
        pub(super) ggt_uln: Option<Value>,
        pub(super) albumin_lln: Option<Value>,
        pub(super) platelets_lln: Option<Value>,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawPrior {
        pub(super) kind: PriorKind,
        pub(super) start: Option<Value>,
        pub(super) end: Option<Value>,
        pub(super) ongoing: Option<bool>,
        pub(super) agent: Option<String>,
        pub(super) description: Option<String>,
        pub(super) outcome: Option<PriorOutcome>,
        pub(super) anti_angiogenic: Option<bool>,
        pub(super) liver_in_field: Option<bool>,
        pub(super) cycles: Option<i64>,
        pub(super) activities: Option<Vec<Value>>,
        pub(super) device: Option<String>,
        pub(super) activity: Option<Value>,
        pub(super) tumour_dose: Option<Value>,
        pub(super) perfused_dose: Option<Value>,
        pub(super) normal_liver_dose: Option<Value>,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawTreatment {
        pub(super) date: Value,
        pub(super) device: Option<String>,
        pub(super) extent: Option<String>,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawLabs {
        pub(super) date: Value,
        pub(super) bilirubin: Option<Value>,
        pub(super) albumin: Option<Value>,
        pub(super) inr: Option<Value>,
        pub(super) platelets: Option<Value>,
        pub(super) leukocytes: Option<Value>,
        pub(super) granulocytes: Option<Value>,
        pub(super) creatinine: Option<Value>,
        pub(super) sodium: Option<Value>,
        pub(super) gfr: Option<Value>,
        pub(super) ast: Option<Value>,
        pub(super) alt: Option<Value>,
        pub(super) alp: Option<Value>,
        pub(super) ggt: Option<Value>,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawObservation {
        pub(super) date: Value,
        pub(super) ascites: Option<Ascites>,
        pub(super) jaundice: Option<bool>,
        pub(super) encephalopathy: Option<Encephalopathy>,
        pub(super) tumour_progression: Option<bool>,
        pub(super) biliary_obstruction: Option<bool>,
        pub(super) liver_treatment: Option<LiverTreatment>,
        pub(super) fatal_liver_failure: Option<bool>,
        pub(super) note: Option<String>,
    }
}

/// Months in a life expectancy: months and years.
const MONTH_UNITS: UnitTable = &[
    ("months", 1.0),
    ("month", 1.0),
    ("mo", 1.0),
    ("years", 12.0),
    ("year", 12.0),
];

struct Ctx<'a> {
    file: &'a str,
}

/// Expected / found texts for a quantity that did not parse.
fn describe(e: &ParseQuantityError) -> (String, String) {
    match e {
        ParseQuantityError::Empty { what, example } => (
            format!("{what} with a unit (e.g. \"{example}\")"),
            "an empty value".to_owned(),
        ),
        ParseQuantityError::BadNumber {
            input,
            what,
            example,
        } => (
            format!("{what} such as \"{example}\""),
            format!("\"{input}\""),
        ),
        ParseQuantityError::MissingUnit {
            input, what, units, ..
        } => (
            format!("{what} with a unit ({units})"),
            format!("the bare number {input}"),
        ),
        ParseQuantityError::UnknownUnit {
            input,
            unit,
            what,
            units,
        } => (
            format!("{what} in {units}"),
            format!("\"{input}\" (unit \"{unit}\")"),
        ),
        ParseQuantityError::TooLarge { input, what } => (
            format!("{what} of a representable size"),
            format!("\"{input}\""),
        ),
        ParseQuantityError::OutOfRange { input, what } => (
            format!("{what} as a finite, non-negative number"),
            format!("\"{input}\""),
        ),
    }
}

fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

impl Ctx<'_> {
    fn invalid(
        &self,
        field: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> RecordError {
        RecordError::Invalid {
            file: self.file.to_owned(),
            field: field.to_owned(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// A quantity written as a string with its unit; a bare number is refused with the list of
    /// units.
    fn qty<T>(&self, v: &toml::Value, field: &str) -> Result<T, RecordError>
    where
        T: FromStr<Err = ParseQuantityError>,
    {
        let text = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(x) => x.to_string(),
            other => {
                return Err(self.invalid(
                    field,
                    "a value with its unit, written as a string",
                    value_text(other),
                ));
            }
        };
        text.parse::<T>().map_err(|e| {
            let (expected, found) = describe(&e);
            self.invalid(field, expected, found)
        })
    }

    fn opt_qty<T>(&self, v: &Option<toml::Value>, field: &str) -> Result<Option<T>, RecordError>
    where
        T: FromStr<Err = ParseQuantityError>,
    {
        v.as_ref().map(|v| self.qty(v, field)).transpose()
    }

    fn fraction(
        &self,
        v: &Option<toml::Value>,
        field: &str,
    ) -> Result<Option<Fraction>, RecordError> {
        let Some(v) = v else { return Ok(None) };
        let expected = "a fraction: a number in [0, 1] or a percentage such as \"35 %\"";
        match v {
            toml::Value::String(s) => s
                .parse::<Fraction>()
                .map(Some)
                .map_err(|_| self.invalid(field, expected, format!("\"{s}\""))),
            toml::Value::Float(x) => Fraction::new(*x)
                .map(Some)
                .ok_or_else(|| self.invalid(field, expected, x.to_string())),
            toml::Value::Integer(i) => Fraction::new(*i as f64)
                .map(Some)
                .ok_or_else(|| self.invalid(field, expected, i.to_string())),
            other => Err(self.invalid(field, expected, value_text(other))),
        }
    }

    fn inr(&self, v: &Option<toml::Value>, field: &str) -> Result<Option<Inr>, RecordError> {
        let Some(v) = v else { return Ok(None) };
        let expected = "an INR: a ratio without unit such as 1.1";
        let x = match v {
            toml::Value::Float(x) => *x,
            toml::Value::Integer(i) => *i as f64,
            toml::Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| self.invalid(field, expected, format!("\"{s}\"")))?,
            other => return Err(self.invalid(field, expected, value_text(other))),
        };
        Inr::new(x)
            .map(Some)
            .ok_or_else(|| self.invalid(field, expected, x.to_string()))
    }

    fn date(&self, v: &toml::Value, field: &str) -> Result<Date, RecordError> {
        let expected = "a date written YYYY-MM-DD";
        let text = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => return Err(self.invalid(field, expected, value_text(other))),
        };
        text.trim()
            .parse::<Date>()
            .map_err(|_| self.invalid(field, expected, format!("\"{text}\"")))
    }

    fn opt_date(&self, v: &Option<toml::Value>, field: &str) -> Result<Option<Date>, RecordError> {
        v.as_ref().map(|v| self.date(v, field)).transpose()
    }

    /// The validated record: each part in turn, in the order of the document, so that the first
    /// invalid field is the one named.
    fn record(&self, r: raw::RawRecord) -> Result<PatientRecord, RecordError> {
        Ok(PatientRecord {
            file: self.file.to_owned(),
            patient: self.patient(r.patient)?,
            tumour: self.tumour(r.tumour)?,
            liver: self.liver(r.liver)?,
            extrahepatic: self.extrahepatic(r.extrahepatic)?,
            clinical: self.clinical(r.clinical)?,
            findings: self.findings(r.findings)?,
            reference_ranges: self.reference_ranges(&r.reference_ranges)?,
            prior_treatments: self.prior_treatments(r.prior_treatments)?,
            treatment: self.treatment(r.treatment)?,
            labs: self.lab_series(r.labs)?,
            observations: self.observations(r.observations)?,
        })
    }

    fn patient(&self, p: raw::RawPatient) -> Result<Patient, RecordError> {
        if p.id.trim().is_empty() {
            return Err(self.invalid("patient.id", "an identifier", "an empty text"));
        }
        Ok(Patient {
            id: p.id,
            sex: p.sex,
            assessment_date: self.opt_date(&p.assessment_date, "patient.assessment_date")?,
        })
    }

    fn tumour(&self, t: raw::RawTumour) -> Result<Tumour, RecordError> {
        Ok(Tumour {
            primary: t.primary,
            grade: t.grade,
            ki67: self.fraction(&t.ki67, "tumour.ki67")?,
            secretory_syndrome: t.secretory_syndrome,
        })
    }

    fn liver(&self, l: raw::RawLiver) -> Result<LiverDisease, RecordError> {
        Ok(LiverDisease {
            tumour_burden: self.fraction(&l.tumour_burden, "liver.tumour_burden")?,
            distribution: l.distribution,
            multifocal: l.multifocal,
            infiltrative: l.infiltrative,
            hypovascular: l.hypovascular,
            bulky: l.bulky,
        })
    }

    fn extrahepatic(&self, e: raw::RawExtrahepatic) -> Result<Extrahepatic, RecordError> {
        if e.present == Some(false) && !e.sites.is_empty() {
            return Err(self.invalid(
                "extrahepatic.sites",
                "no sites when `present = false`",
                format!("{} site(s)", e.sites.len()),
            ));
        }
        Ok(Extrahepatic {
            present: e.present,
            sites: e.sites,
            liver_dominant: e.liver_dominant,
        })
    }

    fn clinical(&self, c: raw::RawClinical) -> Result<Clinical, RecordError> {
        let ecog = match c.ecog {
            None => None,
            Some(e @ 0..=5) => Some(e as u8),
            Some(e) => {
                return Err(self.invalid(
                    "clinical.ecog",
                    "an ECOG performance status 0 to 5",
                    e.to_string(),
                ));
            }
        };
        let life_expectancy_months = self.life_expectancy(&c.life_expectancy)?;
        Ok(Clinical {
            ecog,
            ascites: c.ascites,
            encephalopathy: c.encephalopathy,
            anticoagulated: c.anticoagulated,
            anticoagulant: c.anticoagulant,
            dialysis: c.dialysis,
            life_expectancy_months,
            imaging_date: self.opt_date(&c.imaging_date, "clinical.imaging_date")?,
        })
    }

    /// `clinical.life_expectancy` in months.
    fn life_expectancy(&self, v: &Option<toml::Value>) -> Result<Option<f64>, RecordError> {
        let field = "clinical.life_expectancy";
        match v {
            None => Ok(None),
            Some(toml::Value::String(s)) => {
                parse_with_units(s, MONTH_UNITS, "a life expectancy", "6 months")
                    .map(|(m, _)| Some(m))
                    .map_err(|e| {
                        let (expected, found) = describe(&e);
                        self.invalid(field, expected, found)
                    })
            }
            Some(other) => Err(self.invalid(
                field,
                "a life expectancy with a unit (months, years), e.g. \"6 months\"",
                value_text(other),
            )),
        }
    }

    /// The findings, their names checked.
    fn findings(
        &self,
        findings: BTreeMap<String, bool>,
    ) -> Result<BTreeMap<String, bool>, RecordError> {
        for key in findings.keys() {
            let ok = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(self.invalid(
                    &format!("findings.{key}"),
                    "a finding name in lower case with underscores (portal_hypertension_untreated)",
                    format!("\"{key}\""),
                ));
            }
        }
        Ok(findings)
    }

    fn reference_ranges(&self, rr: &raw::RawRanges) -> Result<ReferenceRanges, RecordError> {
        Ok(ReferenceRanges {
            bilirubin_uln: self.opt_qty(&rr.bilirubin_uln, "reference_ranges.bilirubin_uln")?,
            ast_uln: self.opt_qty(&rr.ast_uln, "reference_ranges.ast_uln")?,
            alt_uln: self.opt_qty(&rr.alt_uln, "reference_ranges.alt_uln")?,
            alp_uln: self.opt_qty(&rr.alp_uln, "reference_ranges.alp_uln")?,
            ggt_uln: self.opt_qty(&rr.ggt_uln, "reference_ranges.ggt_uln")?,
            albumin_lln: self.opt_qty(&rr.albumin_lln, "reference_ranges.albumin_lln")?,
            platelets_lln: self.opt_qty(&rr.platelets_lln, "reference_ranges.platelets_lln")?,
        })
    }

    fn prior_treatments(
        &self,
        list: Option<Vec<raw::RawPrior>>,
    ) -> Result<Option<Vec<PriorTreatment>>, RecordError> {
        list.map(|list| {
            list.into_iter()
                .enumerate()
                .map(|(i, p)| self.prior(i, p))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
    }

    fn treatment(&self, t: Option<raw::RawTreatment>) -> Result<Option<Treatment>, RecordError> {
        t.map(|t| {
            Ok(Treatment {
                date: self.date(&t.date, "treatment.date")?,
                device: t.device,
                extent: t.extent,
            })
        })
        .transpose()
    }

    /// The lab sets, each named by its place in the record, sorted by date.
    fn lab_series(&self, labs: Vec<raw::RawLabs>) -> Result<Vec<LabSet>, RecordError> {
        let mut labs = labs
            .into_iter()
            .enumerate()
            .map(|(i, l)| self.labs(i, l))
            .collect::<Result<Vec<_>, _>>()?;
        labs.sort_by_key(|l| l.date);
        Ok(labs)
    }

    /// The observations, each named by its place in the record, sorted by date.
    fn observations(
        &self,
        observations: Vec<raw::RawObservation>,
    ) -> Result<Vec<Observation>, RecordError> {
        let mut observations = observations
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                Ok(Observation {
                    date: self.date(&o.date, &format!("observations[{i}].date"))?,
                    ascites: o.ascites,
                    jaundice: o.jaundice,
                    encephalopathy: o.encephalopathy,
                    tumour_progression: o.tumour_progression,
                    biliary_obstruction: o.biliary_obstruction,
                    liver_treatment: o.liver_treatment,
                    fatal_liver_failure: o.fatal_liver_failure,
                    note: o.note,
                })
            })
            .collect::<Result<Vec<_>, RecordError>>()?;
        observations.sort_by_key(|o| o.date);
        Ok(observations)
    }

    fn prior(&self, i: usize, p: raw::RawPrior) -> Result<PriorTreatment, RecordError> {
        let at = |f: &str| format!("prior_treatments[{i}].{f}");
        let only = |present: bool, field: &str, kinds: &[PriorKind]| -> Result<(), RecordError> {
            if present && !kinds.contains(&p.kind) {
                let names: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
                return Err(self.invalid(
                    &at(field),
                    format!("`{field}` only for kind {}", names.join(" or ")),
                    format!("it on a treatment of kind {}", p.kind.label()),
                ));
            }
            Ok(())
        };
        only(
            p.anti_angiogenic.is_some(),
            "anti_angiogenic",
            &[PriorKind::Systemic],
        )?;
        only(
            p.liver_in_field.is_some(),
            "liver_in_field",
            &[PriorKind::Ebrt],
        )?;
        only(p.cycles.is_some(), "cycles", &[PriorKind::Prrt])?;
        only(p.activities.is_some(), "activities", &[PriorKind::Prrt])?;
        for (present, f) in [
            (p.device.is_some(), "device"),
            (p.activity.is_some(), "activity"),
            (p.tumour_dose.is_some(), "tumour_dose"),
            (p.perfused_dose.is_some(), "perfused_dose"),
            (p.normal_liver_dose.is_some(), "normal_liver_dose"),
        ] {
            only(present, f, &[PriorKind::Sirt])?;
        }
        let cycles = match p.cycles {
            None => None,
            Some(c) if (1..=100).contains(&c) => Some(c as u32),
            Some(c) => {
                return Err(self.invalid(
                    &at("cycles"),
                    "a number of cycles from 1",
                    c.to_string(),
                ));
            }
        };
        let activities = p
            .activities
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(k, v)| self.qty::<Activity>(v, &at(&format!("activities[{k}]"))))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(c) = cycles
            && !activities.is_empty()
            && activities.len() != c as usize
        {
            return Err(self.invalid(
                &at("activities"),
                format!("one activity per cycle ({c})"),
                format!("{} activities", activities.len()),
            ));
        }
        let start = self.opt_date(&p.start, &at("start"))?;
        let end = self.opt_date(&p.end, &at("end"))?;
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return Err(self.invalid(
                &at("end"),
                format!("a date on or after the start {s}"),
                e.to_string(),
            ));
        }
        if p.ongoing == Some(true) && end.is_some() {
            return Err(self.invalid(
                &at("end"),
                "no end date for an ongoing treatment",
                "an end date",
            ));
        }
        Ok(PriorTreatment {
            kind: p.kind,
            start,
            end,
            ongoing: p.ongoing,
            agent: p.agent,
            description: p.description,
            outcome: p.outcome,
            anti_angiogenic: p.anti_angiogenic,
            liver_in_field: p.liver_in_field,
            cycles,
            activities,
            device: p.device,
            activity: self.opt_qty(&p.activity, &at("activity"))?,
            tumour_dose: self.opt_qty(&p.tumour_dose, &at("tumour_dose"))?,
            perfused_dose: self.opt_qty(&p.perfused_dose, &at("perfused_dose"))?,
            normal_liver_dose: self.opt_qty(&p.normal_liver_dose, &at("normal_liver_dose"))?,
        })
    }

    fn labs(&self, i: usize, l: raw::RawLabs) -> Result<LabSet, RecordError> {
        let at = |f: &str| format!("labs[{i}].{f}");
        Ok(LabSet {
            date: self.date(&l.date, &at("date"))?,
            bilirubin: self.opt_qty(&l.bilirubin, &at("bilirubin"))?,
            albumin: self.opt_qty(&l.albumin, &at("albumin"))?,
            inr: self.inr(&l.inr, &at("inr"))?,
            platelets: self.opt_qty(&l.platelets, &at("platelets"))?,
            leukocytes: self.opt_qty(&l.leukocytes, &at("leukocytes"))?,
            granulocytes: self.opt_qty(&l.granulocytes, &at("granulocytes"))?,
            creatinine: self.opt_qty(&l.creatinine, &at("creatinine"))?,
            sodium: self.opt_qty(&l.sodium, &at("sodium"))?,
            gfr: self.opt_qty(&l.gfr, &at("gfr"))?,
            ast: self.opt_qty(&l.ast, &at("ast"))?,
            alt: self.opt_qty(&l.alt, &at("alt"))?,
            alp: self.opt_qty(&l.alp, &at("alp"))?,
            ggt: self.opt_qty(&l.ggt, &at("ggt"))?,
        })
    }
}

/// The latest value of one analyte dated on or before `on` (any date when `on` is `None`),
/// with its date.
pub fn latest<T: Copy>(
    labs: &[LabSet],
    on: Option<Date>,
    pick: impl Fn(&LabSet) -> Option<T>,
) -> Option<(Date, T)> {
    labs.iter()
        .filter(|l| on.is_none_or(|d| l.date <= d))
        .filter_map(|l| pick(l).map(|v| (l.date, v)))
        .next_back()
}
