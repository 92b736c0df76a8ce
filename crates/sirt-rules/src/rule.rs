//! Rule records and their files.

use crate::engine::{Common, InvalidField, RawCommon, RuleQuantity, RuleRecord, Threshold};
use crate::evaluate::EMBEDDED_RULE_FILES;
use sirt_i18n::{Lang, Text, t};
use sirt_units::{AbsorbedDose, Activity, Bilirubin, Fraction, Volume};
use std::fmt;

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
    /// Lung dose of a session with the lung mass used (CT-derived, stated, or the voxel lung
    /// mean dose) (Gy). On the partition basis only when that mass is not the 1 kg convention.
    LungDoseSession,
    /// Cumulative lung dose up to and including a session, with the lung mass used (Gy).
    LungDoseCumulative,
    /// Lung dose of a session in the convention the 30 Gy limit was set in: K · A · LSF / 1 kg
    /// with the planning LSF (Gy).
    #[serde(rename = "lung_dose_session_1kg")]
    LungDoseSession1kg,
    /// Cumulative lung dose in the 1 kg convention: earlier treatments as recorded plus the
    /// plan's sessions at K · A · LSF / 1 kg (Gy).
    #[serde(rename = "lung_dose_cumulative_1kg")]
    LungDoseCumulative1kg,
    /// |delivered activity / prescribed activity − 1| of an injection with a delivery record.
    DeliveredActivityDeviation,
    /// Measured residual fraction − the residual fraction the plan assumed (percentage points).
    ResidualExcess,
    /// Share of the administered activity in a segmented extrahepatic structure (MAA-predicted
    /// or measured on the Y-90 PET).
    ExtrahepaticFraction,
    /// Share of the MAA SPECT counts outside the liver and its margin, the lungs and the named
    /// extrahepatic structures: not treated as microspheres, left out of the map.
    ExcludedCountsFraction,
    /// Whether a session treats both lobes.
    SingleSessionBilobar,
    /// Whether a bilobar session has an injection not planned with the partition model (MCD).
    SingleSessionBilobarWithoutMcd,
    /// Tumour volume / whole liver volume.
    TumourBurden,
    /// Serum total bilirubin.
    Bilirubin,
    /// Whether a session is a retreatment: the case records an earlier SIRT, or an earlier
    /// session of the plan treated a lobe this session treats.
    EarlierSirt,
    /// Whether the case records an earlier PRRT.
    EarlierPrrt,
    /// Whether the imaging a session is planned on (its mapping date, else `mapping.date`) is
    /// older at the session's treatment instant than the site's imaging age limit
    /// (`retreatment.imaging_max_age` of the site settings, default 8 weeks).
    ImagingAgeOverSiteLimit,
}

/// Where a quantity lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One tumour in one session.
    SessionTumour,
    /// One segmented structure (extrahepatic) in one session.
    SessionStructure,
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
    /// The name in rule files ("tumour_dose").
    pub fn key(self) -> &'static str {
        use Quantity::*;
        match self {
            TumourDose => "tumour_dose",
            TumourVolume => "tumour_volume",
            PerfusedDose => "perfused_dose",
            PerfusedNormalLiverDose => "perfused_normal_liver_dose",
            LungActivity => "lung_activity",
            Lsf => "lsf",
            VialDeviation => "vial_deviation",
            WholeLiverNtad => "whole_liver_ntad",
            LungDoseSession => "lung_dose_session",
            LungDoseCumulative => "lung_dose_cumulative",
            LungDoseSession1kg => "lung_dose_session_1kg",
            LungDoseCumulative1kg => "lung_dose_cumulative_1kg",
            DeliveredActivityDeviation => "delivered_activity_deviation",
            ResidualExcess => "residual_excess",
            ExtrahepaticFraction => "extrahepatic_fraction",
            ExcludedCountsFraction => "excluded_counts_fraction",
            SingleSessionBilobar => "single_session_bilobar",
            SingleSessionBilobarWithoutMcd => "single_session_bilobar_without_mcd",
            TumourBurden => "tumour_burden",
            Bilirubin => "bilirubin",
            EarlierSirt => "earlier_sirt",
            EarlierPrrt => "earlier_prrt",
            ImagingAgeOverSiteLimit => "imaging_age_over_site_limit",
        }
    }

    /// Its scope.
    pub fn scope(self) -> Scope {
        use Quantity::*;
        match self {
            TumourDose => Scope::SessionTumour,
            TumourVolume => Scope::Tumour,
            PerfusedDose
            | PerfusedNormalLiverDose
            | LungActivity
            | Lsf
            | VialDeviation
            | DeliveredActivityDeviation
            | ResidualExcess => Scope::Injection,
            ExtrahepaticFraction => Scope::SessionStructure,
            WholeLiverNtad
            | LungDoseSession
            | LungDoseCumulative
            | LungDoseSession1kg
            | LungDoseCumulative1kg
            | ExcludedCountsFraction
            | SingleSessionBilobar
            | SingleSessionBilobarWithoutMcd
            | EarlierSirt
            | ImagingAgeOverSiteLimit => Scope::Session,
            TumourBurden | Bilirubin | EarlierPrrt => Scope::Patient,
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
            | LungDoseCumulative
            | LungDoseSession1kg
            | LungDoseCumulative1kg => Dimension::Dose,
            TumourVolume => Dimension::Volume,
            LungActivity => Dimension::Activity,
            Lsf
            | TumourBurden
            | VialDeviation
            | DeliveredActivityDeviation
            | ResidualExcess
            | ExtrahepaticFraction
            | ExcludedCountsFraction => Dimension::Fraction,
            Bilirubin => Dimension::Bilirubin,
            SingleSessionBilobar
            | SingleSessionBilobarWithoutMcd
            | EarlierSirt
            | EarlierPrrt
            | ImagingAgeOverSiteLimit => Dimension::Flag,
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

/// The dosimetry a rule's threshold was established on, which fixes the values it is checked
/// on ([`Basis::covers`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// 99mTc-MAA predicted (planning): checked on the partition values and the voxel results.
    MaaPredicted,
    /// Post-treatment (verification): checked on the delivered values.
    PostTreatment,
    /// Only the partition model's values.
    Partition,
    /// Only the MAA-predicted voxel dosimetry.
    Voxel,
    /// Only the delivered values (delivery records, Y-90 PET).
    Delivered,
}

impl Basis {
    /// Whether a rule of this basis is checked on values of `basis`.
    pub fn covers(self, basis: CheckBasis) -> bool {
        matches!(
            (self, basis),
            (
                Basis::MaaPredicted,
                CheckBasis::Partition | CheckBasis::Voxel
            ) | (
                Basis::PostTreatment | Basis::Delivered,
                CheckBasis::Delivered
            ) | (Basis::Partition, CheckBasis::Partition)
                | (Basis::Voxel, CheckBasis::Voxel)
        )
    }
}

/// Where the values a check compares come from (the `basis` of every check in the plan JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckBasis {
    /// The partition model of the plan (case values, planned activities and ordered vials).
    #[default]
    Partition,
    /// The MAA-predicted voxel dosimetry of the case's images at the planned activities.
    Voxel,
    /// After treatment: the delivery records (partition model at the delivered activity) or
    /// the Y-90 PET.
    Delivered,
}

impl CheckBasis {
    /// The label in JSON and reports ("partition", "voxel", "delivered").
    pub fn label(self) -> &'static str {
        match self {
            CheckBasis::Partition => "partition",
            CheckBasis::Voxel => "voxel",
            CheckBasis::Delivered => "delivered",
        }
    }
}

impl Status {
    /// The status in `lang` ("pass", "FAIL"; "conforme", "ÉCHEC").
    pub fn text(self, lang: Lang) -> String {
        match self {
            Status::Pass => t!(lang, "status-pass"),
            Status::NotEvaluated => t!(lang, "status-not-evaluated"),
            Status::Info => t!(lang, "status-info"),
            Status::Warn => t!(lang, "status-warn"),
            Status::Fail => t!(lang, "status-fail"),
        }
    }
}

impl CheckBasis {
    /// The basis in `lang` ("partition", "voxel", "delivered"); [`label`](Self::label) is the
    /// JSON key.
    pub fn text(self, lang: Lang) -> String {
        match self {
            CheckBasis::Partition => t!(lang, "basis-partition"),
            CheckBasis::Voxel => t!(lang, "basis-voxel"),
            CheckBasis::Delivered => t!(lang, "basis-delivered"),
        }
    }
}

impl Rule {
    /// The rule's wording in English and, when the rule file gives it, in French.
    pub fn title_text(&self) -> Text {
        Text::Given {
            en: self.title.clone(),
            fr: self.title_fr.clone(),
        }
    }

    /// The rule's note in English and, when the rule file gives it, in French.
    pub fn note_text(&self) -> Option<Text> {
        self.note.as_ref().map(|en| Text::Given {
            en: en.clone(),
            fr: self.note_fr.clone(),
        })
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rule {
    /// Unique id.
    pub id: String,
    /// Wording (English).
    pub title: String,
    /// French wording (`title_fr`); the English wording is printed in French when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_fr: Option<String>,
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
    /// Treatment intents of the injection (empty: all): "whole-liver", "lobar",
    /// "segmentectomy", "lobectomy".
    pub intent: Vec<String>,
    /// Event-definition profiles of the site settings (empty: all): "us-nrc", "eanm".
    pub profile: Vec<String>,
    /// Dosimetry basis; `None`: the partition values only.
    pub basis: Option<Basis>,
    /// Citation.
    pub source: String,
    /// Evidence label.
    pub evidence: String,
    /// Shown with the result (English).
    pub note: Option<String>,
    /// French wording of the note (`note_fr`); the English note is printed in French when
    /// absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_fr: Option<String>,
    /// The file the rule came from.
    pub origin: String,
}

/// A plan rule as written in a rule file.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    id: String,
    title: Option<String>,
    title_fr: Option<String>,
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
    #[serde(default)]
    intent: Vec<String>,
    #[serde(default)]
    profile: Vec<String>,
    basis: Option<Basis>,
    source: Option<String>,
    evidence: Option<String>,
    note: Option<String>,
    note_fr: Option<String>,
    enabled: Option<bool>,
}

/// The fields only plan rules have: which plans, sessions and injections they apply to, and
/// the French wording of the title and the note.
pub struct RawFilters {
    title_fr: Option<String>,
    note_fr: Option<String>,
    indication: Vec<String>,
    device_material: Vec<String>,
    nuclide: Vec<String>,
    grade: Vec<String>,
    method: Vec<String>,
    territory: Vec<String>,
    session_extent: Vec<String>,
    intent: Vec<String>,
    profile: Vec<String>,
    basis: Option<Basis>,
}

impl RuleRecord for Rule {
    type Quantity = Quantity;
    type Raw = RawRule;
    type RawExtra = RawFilters;
    const FILE_KIND: &'static str = "rule";
    const EMBEDDED_FILES: &'static [(&'static str, &'static str)] = &EMBEDDED_RULE_FILES;

    fn split(raw: RawRule) -> (RawCommon<Quantity>, RawFilters) {
        let common = RawCommon {
            id: raw.id,
            title: raw.title,
            quantity: raw.quantity,
            comparison: raw.comparison,
            threshold: raw.threshold,
            on_violation: raw.on_violation,
            source: raw.source,
            evidence: raw.evidence,
            note: raw.note,
            enabled: raw.enabled,
        };
        let filters = RawFilters {
            title_fr: raw.title_fr,
            note_fr: raw.note_fr,
            indication: raw.indication,
            device_material: raw.device_material,
            nuclide: raw.nuclide,
            grade: raw.grade,
            method: raw.method,
            territory: raw.territory,
            session_extent: raw.session_extent,
            intent: raw.intent,
            profile: raw.profile,
            basis: raw.basis,
        };
        (common, filters)
    }

    fn build(c: Common<Quantity>, f: RawFilters) -> Result<Self, InvalidField> {
        known("intent", &f.intent, &INTENTS)?;
        known("profile", &f.profile, &PROFILES)?;
        Ok(Rule {
            id: c.id,
            title: c.title,
            title_fr: f.title_fr,
            quantity: c.quantity,
            comparison: c.comparison,
            threshold: c.threshold,
            on_violation: c.on_violation,
            indication: f.indication,
            device_material: f.device_material,
            nuclide: f.nuclide,
            grade: f.grade,
            method: f.method,
            territory: f.territory,
            session_extent: f.session_extent,
            intent: f.intent,
            profile: f.profile,
            basis: f.basis,
            source: c.source,
            evidence: c.evidence,
            note: c.note,
            note_fr: f.note_fr,
            origin: c.origin,
        })
    }

    fn id(&self) -> &str {
        &self.id
    }
}

/// The treatment intents a rule's `intent` filter may name.
pub const INTENTS: [&str; 4] = ["whole-liver", "lobar", "segmentectomy", "lobectomy"];

/// The event-definition profiles a rule's `profile` filter may name (`sirt-settings`).
pub const PROFILES: [&str; 2] = ["us-nrc", "eanm"];

/// Every value of a filter is one of `allowed`.
fn known(field: &'static str, values: &[String], allowed: &[&str]) -> Result<(), InvalidField> {
    match values.iter().find(|v| !allowed.contains(&v.as_str())) {
        None => Ok(()),
        Some(v) => Err(InvalidField {
            field,
            expected: format!("one of {}", allowed.join(", ")),
            found: format!("\"{v}\""),
        }),
    }
}

impl RuleQuantity for Quantity {
    fn key(self) -> &'static str {
        Quantity::key(self)
    }

    fn unit(self) -> &'static str {
        self.dimension().unit()
    }

    fn is_flag(self) -> bool {
        self.dimension() == Dimension::Flag
    }

    /// Reads a threshold in the dimension's report unit.
    fn parse_threshold(self, text: &str) -> Result<f64, String> {
        let err = |e: &dyn fmt::Display| e.to_string();
        Ok(match self.dimension() {
            Dimension::Dose => text.parse::<AbsorbedDose>().map_err(|e| err(&e))?.gy(),
            Dimension::Volume => text.parse::<Volume>().map_err(|e| err(&e))?.ml(),
            Dimension::Activity => text.parse::<Activity>().map_err(|e| err(&e))?.gbq(),
            Dimension::Fraction => text.parse::<Fraction>().map_err(|e| err(&e))?.percent(),
            Dimension::Bilirubin => text.parse::<Bilirubin>().map_err(|e| err(&e))?.mg_per_dl(),
            Dimension::Flag => return Err("write true or false".to_owned()),
        })
    }
}
