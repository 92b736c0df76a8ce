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

use crate::AppState;
use crate::answers::{DeviceOption, PlanOptions};
use crate::error::ApiError;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sirt_case::{InjectionOverrides, Method, Overrides, SessionOverrides};
use sirt_nuclides::KConvention;
use sirt_planning::{CaseText, ImageRoot, Outcome, PlanningError, SiteData};
use sirt_store::limits;
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

    /// Plans a case file with parameters applied, without its voxel part.
    pub fn compute(&self, case_toml: &str, params: &Parameters) -> Result<Computed, EngineError> {
        let case = CaseText {
            text: case_toml,
            name: CASE_NAME,
        };
        let (plan, result) =
            sirt_planning::plan_without_document(&self.site, case, &params.overrides())?;
        Ok(Computed { plan, result })
    }

    /// Plans a case file with typed overrides (the parameters and the recorded deliveries,
    /// `delivery`), without its voxel part.
    pub fn compute_overrides(
        &self,
        case_toml: &str,
        overrides: &Overrides,
    ) -> Result<Computed, EngineError> {
        let case = CaseText {
            text: case_toml,
            name: CASE_NAME,
        };
        let (plan, result) = sirt_planning::plan_without_document(&self.site, case, overrides)?;
        Ok(Computed { plan, result })
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

/// Computes a plan off the async threads.
pub(crate) async fn compute(
    state: &AppState,
    case_toml: String,
    params: Parameters,
) -> Result<crate::engine::Computed, ApiError> {
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
    let engine = state.engine.clone();
    tokio::task::spawn_blocking(move || engine.compute(&case_toml, &params))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(ApiError::from)
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
