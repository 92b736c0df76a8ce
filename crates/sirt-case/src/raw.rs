//! The case file as written: serde mirrors of the TOML tables, before validation.

use sirt_analytic::lung::PlanarCounts;
use sirt_units::{
    AbsorbedDose, Activity, Bilirubin, Density, Fraction, Instant, Length, Mass, Volume,
};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCase {
    pub schema: String,
    pub patient: RawPatient,
    pub diagnosis: RawDiagnosis,
    pub labs: Option<RawLabs>,
    pub liver: RawLiver,
    pub lungs: Option<RawLungs>,
    pub mapping: Option<RawMapping>,
    #[serde(default)]
    pub tumours: Vec<RawTumour>,
    pub planning: RawPlanning,
    #[serde(default)]
    pub sessions: Vec<RawSession>,
    #[serde(default)]
    pub injections: Vec<RawInjection>,
    #[serde(default)]
    pub earlier_treatments: Vec<RawEarlier>,
    pub images: Option<RawImages>,
    #[serde(default)]
    pub accepted: Vec<RawAccepted>,
    pub uncertainty: Option<crate::uncertainty::RawUncertainty>,
    pub cumulative: Option<crate::course::RawCumulative>,
}

/// `[[accepted]]`: a refused input the case accepts, with the reason the report prints.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAccepted {
    pub what: String,
    pub reason: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawImages {
    pub ct: String,
    pub maa_spect: Option<String>,
    pub y90_pet: Option<String>,
    pub structures: String,
    pub liver: Option<String>,
    pub lungs: Option<String>,
    #[serde(default)]
    pub tumours: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub territories: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub extrahepatic: Vec<String>,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, Vec<i64>>,
    pub engine: Option<String>,
    pub hu_to_density: Option<Vec<(f64, f64)>>,
    pub pet_session: Option<String>,
    pub registration: Option<OneOrMany>,
}

/// A path, or a list of paths (`images.registration`).
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPatient {
    pub id: String,
    pub sex: Option<String>,
    pub age: Option<u32>,
    pub height: Option<Length>,
    pub weight: Option<Mass>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDiagnosis {
    pub indication: String,
    pub primary_site: Option<String>,
    pub grade: Option<String>,
    pub ki67_percent: Option<f64>,
    pub history: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLabs {
    pub bilirubin: Option<Bilirubin>,
    pub sampled: Option<Instant>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLiver {
    pub volume: Volume,
    pub density: Option<Density>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLungs {
    pub mass: Option<Mass>,
    pub ct_volume: Option<Volume>,
    pub density: Option<Density>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMapping {
    pub lsf: Option<Fraction>,
    /// Why `lsf` is entered although the images measure it (`crate::reasons`).
    // Read from the file's TOML table by `crate::reasons` (before values left out are filled
    // in); declared so that `deny_unknown_fields` takes the key and its type is checked.
    #[allow(dead_code)]
    pub lsf_reason: Option<String>,
    pub planar: Option<PlanarCounts>,
    pub date: Option<Instant>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTumour {
    pub id: String,
    pub segment: Option<String>,
    pub lobe: Option<String>,
    pub volume: Option<Volume>,
    pub mass: Option<Mass>,
    pub density: Option<Density>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimits {
    pub normal_liver_max: Option<AbsorbedDose>,
    pub perfused_max: Option<AbsorbedDose>,
    pub lung_max: Option<AbsorbedDose>,
    pub whole_liver_ntad_max: Option<AbsorbedDose>,
    pub lung_session_max: Option<AbsorbedDose>,
    pub lung_cumulative_max: Option<AbsorbedDose>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPlanning {
    pub device: String,
    pub k: Option<String>,
    pub residual_fraction: Option<Fraction>,
    #[serde(default)]
    pub limits: RawLimits,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSession {
    pub id: String,
    pub treatment: Instant,
    pub calibration: Option<Instant>,
    pub mapping_date: Option<Instant>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawShare {
    pub id: String,
    pub tnr: f64,
    /// Why `tnr` is entered although the images measure it (`crate::reasons`).
    // Read from the file's TOML table by `crate::reasons` (before values left out are filled
    // in); declared so that `deny_unknown_fields` takes the key and its type is checked.
    #[allow(dead_code)]
    pub tnr_reason: Option<String>,
    pub fraction: Option<Fraction>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGoal {
    pub tumour_dose: Option<AbsorbedDose>,
    pub tumour: Option<String>,
    pub perfused_dose: Option<AbsorbedDose>,
    pub activity: Option<Activity>,
    #[serde(default)]
    pub maximum: bool,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDelivery {
    pub injected: Instant,
    pub vial_activity: Option<Activity>,
    pub residual: Activity,
    pub residual_measured: Instant,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInjection {
    pub id: String,
    pub session: String,
    pub label: Option<String>,
    pub territory: String,
    pub intent: Option<String>,
    pub lobe: String,
    pub perfused_volume: Volume,
    /// Why `perfused_volume` is entered although the images measure it (`crate::reasons`).
    // Read from the file's TOML table by `crate::reasons` (before values left out are filled
    // in); declared so that `deny_unknown_fields` takes the key and its type is checked.
    #[allow(dead_code)]
    pub perfused_volume_reason: Option<String>,
    #[serde(default)]
    pub tumours: Vec<RawShare>,
    pub method: String,
    pub device: Option<String>,
    pub k: Option<String>,
    pub lsf: Option<Fraction>,
    /// Why `lsf` is entered although the images measure it (`crate::reasons`).
    // Read from the file's TOML table by `crate::reasons` (before values left out are filled
    // in); declared so that `deny_unknown_fields` takes the key and its type is checked.
    #[allow(dead_code)]
    pub lsf_reason: Option<String>,
    pub residual_fraction: Option<Fraction>,
    #[serde(default)]
    pub goal: RawGoal,
    #[serde(default)]
    pub limits: RawLimits,
    pub delivery: Option<RawDelivery>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEarlier {
    pub date: String,
    pub kind: String,
    pub description: Option<String>,
    pub lung_dose: Option<AbsorbedDose>,
    pub whole_liver_ntad: Option<AbsorbedDose>,
    pub activity: Option<Activity>,
    pub device: Option<String>,
    pub territory: Option<String>,
    pub lobe: Option<String>,
    pub cycles: Option<u32>,
    pub liver_dose: Option<AbsorbedDose>,
    pub kidney_dose: Option<AbsorbedDose>,
    pub liver_mean_dose: Option<AbsorbedDose>,
    pub fractions: Option<u32>,
    pub nuclide: Option<String>,
    pub radiopharmaceutical: Option<String>,
    pub dose_method: Option<String>,
    pub liver_effective_half_life: Option<sirt_units::TimeSpan>,
    pub kidney_effective_half_life: Option<sirt_units::TimeSpan>,
    pub kidney_mean_dose: Option<AbsorbedDose>,
    pub tumour_doses: Option<std::collections::BTreeMap<String, AbsorbedDose>>,
}
