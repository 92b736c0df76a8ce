//! The plan computation: the application layer (`sirt-planning`, as `sirtplan plan`) on a case
//! file with the plan's parameters applied. Parameters are typed changes of the case's values
//! (`sirt_case::Overrides`), applied before the case is validated and planned: without the
//! voxel part on each change ([`Engine::compute`], milliseconds), with it for the report and the
//! viewer ([`Engine::outcome`]).
//!
//! Parameters (all optional; a JSON merge patch of them is what `PATCH /api/plans/{id}` takes):
//!
//! | parameter | case file field |
//! |---|---|
//! | `device`, `k`, `residual_fraction` | `planning.device`, `planning.k`, `planning.residual_fraction` |
//! | `injections.ID.{device, k, method, lsf, residual_fraction}` | the same keys of the injection `ID` |
//! | `injections.ID.tnr.TUMOUR` | `tnr` of tumour `TUMOUR` in injection `ID` |
//! | `sessions.ID.treatment` | `treatment` of session `ID` (`"2026-03-05T10:00:00[Europe/Paris]"`) |
//!
//! A case file may leave out the values its images measure (the lung shunt fraction, the TNRs,
//! the perfused volumes: `sirt_planning`'s measured inputs). When such a case file is stored
//! (a new plan version, or a plan's new case file), [`Engine::measure`] measures them once on
//! the patient's images; the plan version keeps them in its result ([`Kept`], under
//! [`MEASURED_KEY`]) and every recomputation of it ([`Engine::compute_kept`]: a parameter
//! change, the approval's comparison, the delivery records) plans with them without reading the
//! images. The result's `input_provenance` says where each input came from, an LSF or TNR
//! parameter as such.

use crate::AppState;
use crate::answers::{DeviceOption, PlanOptions};
use crate::error::ApiError;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sirt_case::{InjectionOverrides, MeasuredValues, Method, Origin, Overrides, SessionOverrides};
use sirt_nuclides::KConvention;
use sirt_planning::{CaseText, ImageRoot, Outcome, PlanningError, SiteData};
use sirt_store::limits;
use sirt_units::{Fraction, Volume};
use std::collections::BTreeMap;
use thiserror::Error;

/// The parameters of one injection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InjectionParameters {
    /// Device id of the catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// K convention (`therasphere-ifu`, `nuclear-data`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<String>,
    /// Method (`mird`, `partition`, `bsa`, `ho166`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Lung shunt fraction (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lsf: Option<f64>,
    /// Expected residual fraction (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual_fraction: Option<f64>,
    /// Tumour-to-normal ratio per tumour id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tnr: BTreeMap<String, f64>,
}

/// The parameters of one session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionParameters {
    /// Planned treatment instant with its zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment: Option<String>,
}

/// What a plan changes on top of its case file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    /// Default device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// K convention for all injections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<String>,
    /// Default residual fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual_fraction: Option<f64>,
    /// Per injection id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub injections: BTreeMap<String, InjectionParameters>,
    /// Per session id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sessions: BTreeMap<String, SessionParameters>,
}

/// Why a plan could not be computed.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The parameters are not the documented ones (serde's message names the field; it is
    /// shown in the message, not kept as a source, so that it is said once).
    #[error("parameters: field `parameters`: expected the documented parameters, found {0}")]
    Parameters(serde_json::Error),
    /// The application layer: the case file is invalid or cannot be planned, its images cannot
    /// be used ([`PlanningError::is_input`]), or an internal failure.
    #[error(transparent)]
    Planning(Box<PlanningError>),
    /// Internal: the measurement a plan version keeps (written by the server in its result)
    /// does not read, or a measured value is missing from the plan made with the images.
    #[error("the kept measurement of the plan: {0}")]
    Kept(&'static str),
    /// Internal: the kept measurement stored in the result does not read.
    #[error("the kept measurement of the plan (`{MEASURED_KEY}` of its result)")]
    KeptJson(#[source] serde_json::Error),
}

impl From<PlanningError> for EngineError {
    fn from(e: PlanningError) -> Self {
        Self::Planning(Box::new(e))
    }
}

impl EngineError {
    /// Whether the error is in the user's input (parameters, case file, images).
    pub fn is_input(&self) -> bool {
        match self {
            Self::Parameters(_) => true,
            Self::Planning(e) => e.is_input(),
            Self::Kept(_) | Self::KeptJson(_) => false,
        }
    }
}

/// A computed plan.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The plan.
    pub plan: sirt_workflow::Plan,
    /// The plan's JSON (`sirt_report::plan_json`), stored as the result.
    pub result: Value,
}

/// The embedded device catalogue and rule set, loaded once.
#[derive(Debug)]
pub struct Engine {
    site: SiteData,
    /// The files the device catalogue was read from, as (name, text), in the order read.
    device_files: Vec<(&'static str, &'static str)>,
    /// The files the rule set was read from, as (name, text), in the order read.
    rule_files: Vec<(&'static str, &'static str)>,
}

/// Name of the case file in engine messages.
const CASE_NAME: &str = "case.toml";

impl Engine {
    /// The engine with the embedded catalogue and rules (as `sirtplan plan` without site files).
    pub fn embedded() -> Result<Engine, EngineError> {
        Engine::with_settings(sirt_settings::SiteSettings::default())
    }

    /// The engine with the embedded catalogue and rules and the site's settings.
    pub fn with_settings(settings: sirt_settings::SiteSettings) -> Result<Engine, EngineError> {
        let mut site = SiteData::embedded()?;
        site.settings = settings;
        Ok(Engine {
            site,
            device_files: vec![(
                "data/devices.toml",
                sirt_devices::catalogue::EMBEDDED_DEVICES,
            )],
            rule_files: sirt_rules::EMBEDDED_RULE_FILES.to_vec(),
        })
    }

    /// The files the device catalogue was read from, as (name, text), in the order read: what
    /// the approval hash covers (their bytes, not a rendering of the parsed catalogue).
    pub fn device_files(&self) -> &[(&'static str, &'static str)] {
        &self.device_files
    }

    /// The files the rule set was read from, as (name, text), in the order read (evaluation
    /// order): what the approval hash covers.
    pub fn rule_files(&self) -> &[(&'static str, &'static str)] {
        &self.rule_files
    }

    /// The device catalogue, rule set and site settings plans are made with.
    pub fn site(&self) -> &SiteData {
        &self.site
    }

    /// Plans a case file with parameters applied, without its voxel part (a case that leaves
    /// out values its images measure is refused naming the field: see [`Engine::compute_kept`]).
    pub fn compute(&self, case_toml: &str, params: &Parameters) -> Result<Computed, EngineError> {
        self.compute_kept(case_toml, &params.overrides(), None)
    }

    /// Plans a case file with typed overrides (the parameters and the recorded deliveries,
    /// `delivery`), without its voxel part.
    pub fn compute_overrides(
        &self,
        case_toml: &str,
        overrides: &Overrides,
    ) -> Result<Computed, EngineError> {
        self.compute_kept(case_toml, overrides, None)
    }

    /// Plans a case file with typed overrides and the measurement its plan version keeps
    /// ([`Engine::measure`]), without its voxel part and without reading the images
    /// (milliseconds): the values the case leaves out are the kept ones, and the result carries
    /// `input_provenance` (each measurable input measured, entered or changed by a plan
    /// parameter) and [`MEASURED_KEY`]. Without `kept`, the result is the plan's JSON alone.
    pub fn compute_kept(
        &self,
        case_toml: &str,
        overrides: &Overrides,
        kept: Option<&Kept>,
    ) -> Result<Computed, EngineError> {
        let case = CaseText {
            text: case_toml,
            name: CASE_NAME,
        };
        let none = MeasuredValues::default();
        let values = kept.map_or(&none, |k| &k.values);
        let (plan, mut result) =
            sirt_planning::plan_without_document_measured(&self.site, case, overrides, values)?;
        if let Some(k) = kept {
            result["input_provenance"] = k.provenance_with(&plan.case, overrides);
            result[MEASURED_KEY] = k.to_json();
        }
        Ok(Computed { plan, result })
    }

    /// Measures on its images (paths confined to `image_folder`, the patient's folder) what a
    /// case file leaves out (`mapping.lsf`, `tnr`, `perfused_volume`), as `sirtplan plan`
    /// measures it, with the provenance of every measurable input: what a plan version keeps
    /// so that its recomputations do not read the images. None for a case that states every
    /// value (nothing is read). The case is planned once with its images (the application
    /// layer's plan, voxel part included: the only one that gives the provenance, and its
    /// images stay in the application layer's cache for the viewer and the report that
    /// follow); its measured values are those the plan used.
    pub fn measure(
        &self,
        case_toml: &str,
        image_folder: &std::path::Path,
    ) -> Result<Option<Kept>, EngineError> {
        let stated = sirt_case::stated_values(case_toml, CASE_NAME).map_err(PlanningError::from)?;
        if stated.missing.is_empty() {
            return Ok(None);
        }
        let case = CaseText {
            text: case_toml,
            name: CASE_NAME,
        };
        let outcome =
            sirt_planning::plan_case(&self.site, case, ImageRoot::Confined(image_folder))?;
        let values = values_used(&outcome.plan.case, &stated.missing)?;
        let provenance = outcome
            .json
            .get("input_provenance")
            .cloned()
            .ok_or(EngineError::Kept(
                "the plan with images gave no input_provenance",
            ))?;
        // Read back from its JSON, so that every recomputation, from the stored result or not,
        // plans with the same numbers to the last bit.
        Kept::from_json(&Kept { values, provenance }.to_json()).map(Some)
    }

    /// Everything a plan shows, as `sirtplan plan` makes it: the case file with parameters
    /// applied, planned with its voxel part when it has `[images]`, its image paths confined to
    /// `image_folder` (the patient's folder).
    pub fn outcome(
        &self,
        case_toml: &str,
        params: &Parameters,
        image_folder: &std::path::Path,
    ) -> Result<Outcome, EngineError> {
        self.plan_case(case_toml, params, ImageRoot::Confined(image_folder))
    }

    /// [`Engine::outcome`] with typed overrides (the parameters and the recorded deliveries).
    pub fn outcome_overrides(
        &self,
        case_toml: &str,
        overrides: &Overrides,
        image_folder: &std::path::Path,
    ) -> Result<Outcome, EngineError> {
        let case = CaseText {
            text: case_toml,
            name: CASE_NAME,
        };
        Ok(sirt_planning::plan_case_with_overrides(
            &self.site,
            case,
            overrides,
            ImageRoot::Confined(image_folder),
        )?)
    }

    fn plan_case(
        &self,
        case_toml: &str,
        params: &Parameters,
        images: ImageRoot<'_>,
    ) -> Result<Outcome, EngineError> {
        let case = CaseText {
            text: case_toml,
            name: CASE_NAME,
        };
        let overrides = params.overrides();
        Ok(sirt_planning::plan_case_with_overrides(
            &self.site, case, &overrides, images,
        )?)
    }

    /// The values the parameters may take, for the planning workspace's choices: the devices of
    /// the catalogue (id, name, nuclide), the named K conventions (`sirt-nuclides`) and the
    /// methods (`sirt-case`). The engine validates every value again when it plans.
    pub fn options(&self) -> PlanOptions {
        let devices = self
            .site
            .devices
            .devices()
            .map(|d| DeviceOption {
                id: d.id.clone(),
                name: d.name.clone(),
                nuclide: d.nuclide.to_string(),
            })
            .collect();
        // The named conventions and methods, spelled by their own types.
        let k_conventions = [
            KConvention::TheraSphereIfu,
            KConvention::ResinPartition,
            KConvention::Ho166Rule,
            KConvention::NuclearData,
        ]
        .map(KConvention::label);
        let methods =
            [Method::Mird, Method::Partition, Method::Bsa, Method::Ho166].map(Method::label);
        PlanOptions {
            devices,
            k_conventions: k_conventions.map(str::to_owned).to_vec(),
            methods: methods.map(str::to_owned).to_vec(),
        }
    }
}

// -------------------------------------------------- the measurement a plan version keeps

/// The key of the result JSON that holds the measurement a plan version keeps ([`Kept`]):
/// `lsf` (a fraction), `tnr` (injection id → tumour id → ratio), `perfused_volume_ml`
/// (injection id → mL), each only for a value the case file leaves out, and `provenance` (the
/// case file's own provenance of its measurable inputs, without plan parameters, as
/// `input_provenance`).
pub const MEASURED_KEY: &str = "measured_values";

/// What a plan version keeps of the measurement made when its case file was stored
/// ([`Engine::measure`]): the values the case leaves out, as measured on its images, and the
/// provenance of its measurable inputs. Every recomputation of the version (a parameter
/// change, the approval's comparison, the delivery records) plans with these values without
/// reading the images; a new case file is measured again.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    /// The values the case leaves out.
    pub values: MeasuredValues,
    /// `input_provenance` of the case file alone (no plan parameters): its measurements
    /// (series, masks, method, counts) and the origin of each input (measured or entered).
    pub provenance: Value,
}

/// [`Kept`] as stored ([`Kept::to_json`] writes it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeptJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lsf: Option<f64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    tnr: BTreeMap<String, BTreeMap<String, f64>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    perfused_volume_ml: BTreeMap<String, f64>,
    provenance: Value,
}

impl Kept {
    /// The stored form (the value of [`MEASURED_KEY`]).
    pub fn to_json(&self) -> Value {
        let mut tnr: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for ((injection, tumour), v) in &self.values.tnr {
            tnr.entry(injection.clone())
                .or_default()
                .insert(tumour.clone(), *v);
        }
        let perfused: BTreeMap<&String, f64> = self
            .values
            .perfused_volume
            .iter()
            .map(|(id, v)| (id, v.ml()))
            .collect();
        let mut v = json!({ "provenance": self.provenance });
        if let Some(lsf) = self.values.lsf {
            v["lsf"] = json!(lsf.value());
        }
        if !tnr.is_empty() {
            v["tnr"] = json!(tnr);
        }
        if !perfused.is_empty() {
            v["perfused_volume_ml"] = json!(perfused);
        }
        v
    }

    /// Reads the stored form.
    pub fn from_json(v: &Value) -> Result<Kept, EngineError> {
        let stored: KeptJson = serde_json::from_value(v.clone()).map_err(EngineError::KeptJson)?;
        let lsf = match stored.lsf {
            Some(l) => Some(Fraction::new(l).ok_or(EngineError::Kept("lsf outside 0–1"))?),
            None => None,
        };
        let tnr = stored
            .tnr
            .into_iter()
            .flat_map(|(i, m)| m.into_iter().map(move |(t, v)| ((i.clone(), t), v)))
            .collect();
        let perfused_volume = stored
            .perfused_volume_ml
            .into_iter()
            .map(|(i, ml)| (i, Volume::from_ml(ml)))
            .collect();
        Ok(Kept {
            values: MeasuredValues {
                lsf,
                tnr,
                perfused_volume,
            },
            provenance: stored.provenance,
        })
    }

    /// The kept measurement of a stored result (None: its case states every value).
    pub fn of_result(result: &Value) -> Result<Option<Kept>, EngineError> {
        match result.get(MEASURED_KEY) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => Kept::from_json(v).map(Some),
        }
    }

    /// `input_provenance` of a plan made with `overrides`: the kept provenance with the values
    /// the plan used (`case`) and, for each LSF or TNR a plan parameter changes, the origin
    /// "parameter" naming it (the measurement stays beside it). The JSON is the one
    /// `sirt_report::measured::json` writes.
    pub fn provenance_with(&self, case: &sirt_case::Case, overrides: &Overrides) -> Value {
        let mut p = self.provenance.clone();
        let injection = |id: &str| case.injections.iter().find(|i| i.id == id);
        let changed = |id: &str| overrides.injections.get(id);
        for e in entries(&mut p, "lsf") {
            let Some(id) = e
                .get("injection")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            if let Some(inj) = injection(&id) {
                e["lsf"] = json!(inj.lung.lsf.value());
            }
            if changed(&id).is_some_and(|o| o.lsf.is_some()) {
                e["origin"] = parameter_origin(format!("injections.{id}.lsf"));
            }
        }
        for e in entries(&mut p, "tnr") {
            let (Some(id), Some(tumour)) = (
                e.get("injection")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                e.get("tumour").and_then(Value::as_str).map(str::to_owned),
            ) else {
                continue;
            };
            let share = injection(&id).and_then(|i| i.tumours.iter().find(|s| s.id == tumour));
            if let Some(share) = share {
                e["tnr"] = json!(share.tnr);
            }
            if changed(&id).is_some_and(|o| o.tnr.contains_key(&tumour)) {
                e["origin"] = parameter_origin(format!("injections.{id}.tnr.{tumour}"));
            }
        }
        p
    }
}

/// The entries of a list of the provenance JSON (`lsf`, `tnr`).
fn entries<'a>(p: &'a mut Value, list: &str) -> impl Iterator<Item = &'a mut Value> {
    p.get_mut(list)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

/// The origin of an input changed by the plan parameter `field`, as
/// `sirt_report::measured::json` writes it.
fn parameter_origin(field: String) -> Value {
    let kind = Origin::Parameter {
        field: String::new(),
    }
    .key();
    json!({ "kind": kind, "field": field })
}

/// The values a case leaves out (`missing`) as the plan made with its images used them.
fn values_used(
    case: &sirt_case::Case,
    missing: &[sirt_case::Missing],
) -> Result<MeasuredValues, EngineError> {
    let absent = || EngineError::Kept("a value left out is not in the plan made with the images");
    let mut values = MeasuredValues::default();
    for m in missing {
        match m {
            sirt_case::Missing::Lsf => values.lsf = Some(case.mapping.lsf.ok_or_else(absent)?),
            sirt_case::Missing::Tnr {
                injection, tumour, ..
            } => {
                let tnr = case
                    .injections
                    .iter()
                    .find(|i| &i.id == injection)
                    .and_then(|i| i.tumours.iter().find(|s| &s.id == tumour))
                    .map(|s| s.tnr)
                    .ok_or_else(absent)?;
                values.tnr.insert((injection.clone(), tumour.clone()), tnr);
            }
            sirt_case::Missing::PerfusedVolume { injection, .. } => {
                let v = case
                    .injections
                    .iter()
                    .find(|i| &i.id == injection)
                    .map(|i| i.perfused_volume)
                    .ok_or_else(absent)?;
                values.perfused_volume.insert(injection.clone(), v);
            }
        }
    }
    Ok(values)
}

/// Applies RFC 7386 (JSON merge patch): objects merge key by key, `null` removes a key, any
/// other value replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(serde_json::Map::new());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Reads parameters from JSON, with the field path in errors.
pub fn parameters_from(value: &Value) -> Result<Parameters, EngineError> {
    serde_json::from_value(value.clone()).map_err(EngineError::Parameters)
}

impl Parameters {
    /// The parameters as typed changes of the case's values.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            device: self.device.clone(),
            k: self.k.clone(),
            residual_fraction: self.residual_fraction,
            injections: self
                .injections
                .iter()
                .map(|(id, p)| {
                    let o = InjectionOverrides {
                        device: p.device.clone(),
                        k: p.k.clone(),
                        method: p.method.clone(),
                        lsf: p.lsf,
                        residual_fraction: p.residual_fraction,
                        tnr: p.tnr.clone(),
                        delivery: None,
                    };
                    (id.clone(), o)
                })
                .collect(),
            sessions: self
                .sessions
                .iter()
                .map(|(id, p)| {
                    let o = SessionOverrides {
                        treatment: p.treatment.clone(),
                    };
                    (id.clone(), o)
                })
                .collect(),
        }
    }
}

// -------------------------------------------------------------- the engine for the handlers

/// A stored JSON text as a value (`null` when it does not read: the server wrote it).
pub(crate) fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        if e.is_input() {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_case",
                e.to_string(),
            )
        } else {
            ApiError::internal()
        }
    }
}

/// Refuses a case file longer than the store keeps.
fn check_length(case_toml: &str) -> Result<(), ApiError> {
    let n = case_toml.chars().count();
    if n > limits::CASE_TOML {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_long",
            format!(
                "field `case_toml`: expected at most {} characters, found {n}",
                limits::CASE_TOML
            ),
        ));
    }
    Ok(())
}

/// Computes a plan of a case file that states every measurable value off the async threads
/// (the demo imports); a stored plan version is recomputed with [`compute_stored`], a case
/// file about to be stored is planned with [`measure_and_compute`].
pub(crate) async fn compute(
    state: &AppState,
    case_toml: String,
    params: Parameters,
) -> Result<crate::engine::Computed, ApiError> {
    check_length(&case_toml)?;
    let engine = state.engine.clone();
    tokio::task::spawn_blocking(move || engine.compute(&case_toml, &params))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(ApiError::from)
}

/// Recomputes a stored plan version with parameters: its case file with the measurement the
/// version keeps (its result's [`MEASURED_KEY`]), without reading the images (milliseconds).
pub(crate) async fn compute_stored(
    state: &AppState,
    plan: &sirt_store::Plan,
    params: Parameters,
) -> Result<Computed, ApiError> {
    compute_stored_overrides(state, plan, params.overrides()).await
}

/// [`compute_stored`] with typed overrides (the parameters and the delivery records).
pub(crate) async fn compute_stored_overrides(
    state: &AppState,
    plan: &sirt_store::Plan,
    overrides: Overrides,
) -> Result<Computed, ApiError> {
    let kept = Kept::of_result(&parse_json(&plan.result_json))?;
    let engine = state.engine.clone();
    let case_toml = plan.case_toml.clone();
    tokio::task::spawn_blocking(move || engine.compute_kept(&case_toml, &overrides, kept.as_ref()))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(ApiError::from)
}

/// The case of a stored plan version as it is planned (its case file with the measured values
/// the version keeps and `overrides`), read and validated without planning it; an invalid one
/// is 422 naming the field.
pub(crate) fn stored_case(
    plan: &sirt_store::Plan,
    overrides: &Overrides,
) -> Result<sirt_case::Case, ApiError> {
    let kept = Kept::of_result(&parse_json(&plan.result_json))?;
    let read = match &kept {
        Some(k) => sirt_case::parse_with_measured(&plan.case_toml, CASE_NAME, overrides, &k.values)
            .map(|(case, _)| case),
        None => sirt_case::parse_with_overrides(&plan.case_toml, CASE_NAME, overrides),
    };
    read.map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_case",
            e.to_string(),
        )
    })
}

/// One measurement on images at a time (design choice: a plan with images holds its images and
/// their unit maps, hundreds of MB, for seconds; a second creation waits for the first).
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Plans a case file about to be stored (a new plan version, or a plan's new case file) with
/// parameters: measured first on the images of the patient `patient_id` when it leaves values
/// out ([`Engine::measure`]), the measurement kept in the result for the recomputations.
pub(crate) async fn measure_and_compute(
    state: &AppState,
    patient_id: i64,
    case_toml: String,
    params: Parameters,
) -> Result<Computed, ApiError> {
    check_length(&case_toml)?;
    let engine = state.engine.clone();
    let base = state.patient_folder(patient_id);
    tokio::task::spawn_blocking(move || {
        let kept = {
            let _turn = MEASURING
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            engine
                .measure(&case_toml, &base)
                .map_err(|e| measurement_error(e, &base))?
        };
        engine
            .compute_kept(&case_toml, &params.overrides(), kept.as_ref())
            .map_err(ApiError::from)
    })
    .await
    .map_err(|_| ApiError::internal())?
}

/// A failure of the measurement on the patient's images as the API answers it: the user's
/// (422: `measurement` for a value the images cannot give, `images` for images that cannot be
/// used, `invalid_case` for the case file) in the case file's words, the server's folders left
/// out; the rest internal.
fn measurement_error(e: EngineError, base: &std::path::Path) -> ApiError {
    if !e.is_input() {
        return ApiError::from(e);
    }
    let code = match &e {
        EngineError::Planning(p) => match **p {
            PlanningError::Measure(_) => "measurement",
            PlanningError::Voxel(_) | PlanningError::ImagePath { .. } => "images",
            _ => "invalid_case",
        },
        _ => "invalid_case",
    };
    let folder = format!("{}/", base.display());
    let message = e
        .to_string()
        .replace(&folder, "")
        .replace(&base.display().to_string(), "the patient's image folder");
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// Parameters as `path → value` (`injections.R.tnr.T1 → 3.1`).
pub(crate) fn flatten_parameters(v: &Value) -> BTreeMap<String, Value> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&p, x, out);
                }
            }
            other => {
                out.insert(prefix.to_owned(), other.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        // RFC 7386 appendix A, examples 1, 3, 7 and the nested one.
        let cases = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
        ];
        for (mut t, p, want) in cases {
            merge_patch(&mut t, &p);
            assert_eq!(t, want);
        }
    }

    /// The provenance of the demo case's injection R as a measurement would give it: the LSF
    /// and T1's TNR entered in the case file, T1's TNR measured beside it, and L's LSF.
    fn demo_provenance(lsf_r: (f64, Origin), tnr_t1: (f64, Origin)) -> sirt_case::InputProvenance {
        let entered = |field: &str| Origin::Entered {
            field: field.to_owned(),
            reason: None,
        };
        sirt_case::InputProvenance {
            lsf: vec![
                sirt_case::LsfInput {
                    injection: "R".into(),
                    used: Fraction::new(lsf_r.0).unwrap(),
                    origin: lsf_r.1,
                },
                sirt_case::LsfInput {
                    injection: "L".into(),
                    used: Fraction::new(0.048).unwrap(),
                    origin: entered("injections[1].lsf"),
                },
            ],
            tnr: vec![sirt_case::TnrInput {
                injection: "R".into(),
                tumour: "T1".into(),
                used: tnr_t1.0,
                origin: tnr_t1.1,
                measured: Some(sirt_case::TnrMeasurement {
                    tnr: 2.5,
                    tumour_mask: "T1".into(),
                    normal_region: "whole liver".into(),
                    tumour_counts_per_ml: 25.0,
                    normal_counts_per_ml: 10.0,
                    tumour_volume: Volume::from_ml(30.0),
                }),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn plan_parameters_change_the_origin_and_value_as_the_report_writes_them() {
        let text = include_str!("../../../examples/demo-net-case.toml");
        let entered = |field: &str| Origin::Entered {
            field: field.to_owned(),
            reason: None,
        };
        let kept = Kept {
            values: MeasuredValues::default(),
            provenance: sirt_report::measured::json(&demo_provenance(
                (0.055, entered("injections[0].lsf")),
                (2.8, entered("injections[0].tumours[0].tnr")),
            )),
        };
        let mut p = Parameters::default();
        let r = p.injections.entry("R".into()).or_default();
        r.lsf = Some(0.07);
        r.tnr.insert("T1".into(), 4.0);
        let o = p.overrides();
        let case = sirt_case::parse_with_overrides(text, "case.toml", &o).unwrap();
        let want = sirt_report::measured::json(&demo_provenance(
            (
                0.07,
                Origin::Parameter {
                    field: "injections.R.lsf".into(),
                },
            ),
            (
                4.0,
                Origin::Parameter {
                    field: "injections.R.tnr.T1".into(),
                },
            ),
        ));
        assert_eq!(kept.provenance_with(&case, &o), want);
        // Without the parameters, the case file's own origins and values again.
        let none = Overrides::default();
        let case = sirt_case::parse_with_overrides(text, "case.toml", &none).unwrap();
        assert_eq!(kept.provenance_with(&case, &none), kept.provenance);
    }

    #[test]
    fn the_kept_measurement_reads_back_to_the_last_bit() {
        let mut values = MeasuredValues {
            lsf: Fraction::new(0.059_312_345_678_9),
            ..Default::default()
        };
        values
            .tnr
            .insert(("WL".into(), "T1".into()), 2.345_678_901_234_5);
        values
            .perfused_volume
            .insert("WL".into(), Volume::from_ml(2_173.812_345));
        let kept = Kept {
            values,
            provenance: json!({"lsf": []}),
        };
        let stored = json!({ MEASURED_KEY: kept.to_json() }).to_string();
        let back = Kept::of_result(&parse_json(&stored)).unwrap().unwrap();
        assert_eq!(back, kept);
        assert_eq!(
            kept.to_json(),
            json!({
                "lsf": 0.059_312_345_678_9,
                "tnr": {"WL": {"T1": 2.345_678_901_234_5}},
                "perfused_volume_ml": {"WL": 2_173.812_345},
                "provenance": {"lsf": []},
            })
        );
        // A result without it: a case that states every value.
        assert_eq!(Kept::of_result(&json!({"injections": []})).unwrap(), None);
        let bad = json!({ MEASURED_KEY: {"lsf": 1.5, "provenance": {}} });
        assert!(Kept::of_result(&bad).is_err());
    }

    #[test]
    fn unknown_ids_name_the_parameter() {
        let case = include_str!("../../../examples/demo-net-case.toml");
        let mut p = Parameters::default();
        p.injections
            .entry("R".into())
            .or_default()
            .tnr
            .insert("T9".into(), 2.0);
        let e = sirt_case::parse_with_overrides(case, "case.toml", &p.overrides())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "parameters: field `injections.R.tnr.T9`: expected an id of `tumours` in the case file, found `T9`"
        );
        let e = parameters_from(&json!({"tumour_dose": 1}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `tumour_dose`"), "{e}");
    }
}
