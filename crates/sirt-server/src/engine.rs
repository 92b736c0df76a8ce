//! The plan computation: the application layer (`sirt-planning`, as `sirtplan plan`) on a case
//! file with the plan's parameters applied. Parameters only rewrite fields of the case file,
//! which the application layer then validates and plans: without the voxel part on each change
//! ([`Engine::compute`], milliseconds), with it for the report and the viewer
//! ([`Engine::outcome`]).
//!
//! Parameters (all optional; a JSON merge patch of them is what `PATCH /api/plans/{id}` takes):
//!
//! | parameter | case file field |
//! |---|---|
//! | `device`, `k`, `residual_fraction` | `planning.device`, `planning.k`, `planning.residual_fraction` |
//! | `injections.ID.{device, k, method, lsf, residual_fraction}` | the same keys of the injection `ID` |
//! | `injections.ID.tnr.TUMOUR` | `tnr` of tumour `TUMOUR` in injection `ID` |
//! | `sessions.ID.treatment` | `treatment` of session `ID` (`"2026-03-05T10:00:00[Europe/Paris]"`) |

use crate::answers::{DeviceOption, PlanOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sirt_case::Method;
use sirt_nuclides::KConvention;
use sirt_planning::{CaseText, ImageRoot, Outcome, PlanningError, SiteData};
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
    /// The parameters do not fit the case file.
    #[error("parameters: field `{field}`: expected {expected}, found {found}")]
    Parameter {
        /// Path of the parameter.
        field: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// The case file (with the parameters applied) is not TOML.
    #[error(transparent)]
    Case(#[from] sirt_case::CaseError),
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
            Self::Parameter { .. } | Self::Case(_) => true,
            Self::Planning(e) => e.is_input(),
        }
    }
}

/// A computed plan.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The case file with the parameters applied, as planned.
    pub effective_toml: String,
    /// The plan.
    pub plan: sirt_workflow::Plan,
    /// The plan's JSON (`sirt_report::plan_json`), stored as the result.
    pub result: Value,
}

/// The embedded device catalogue and rule set, loaded once.
#[derive(Debug)]
pub struct Engine {
    site: SiteData,
}

/// Name of the case file in engine messages.
const CASE_NAME: &str = "case.toml";

impl Engine {
    /// The engine with the embedded catalogue and rules (as `sirtplan plan` without site files).
    pub fn embedded() -> Result<Engine, EngineError> {
        Ok(Engine {
            site: SiteData::embedded()?,
        })
    }

    /// Plans a case file with parameters applied, without its voxel part.
    pub fn compute(&self, case_toml: &str, params: &Parameters) -> Result<Computed, EngineError> {
        let effective_toml = apply(case_toml, params)?;
        let outcome = self.plan_case(&effective_toml, ImageRoot::Skip)?;
        Ok(Computed {
            effective_toml,
            plan: outcome.plan,
            result: outcome.json,
        })
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
        let effective_toml = apply(case_toml, params)?;
        self.plan_case(&effective_toml, ImageRoot::Confined(image_folder))
    }

    fn plan_case(&self, case_toml: &str, images: ImageRoot<'_>) -> Result<Outcome, EngineError> {
        let case = CaseText {
            text: case_toml,
            name: CASE_NAME,
        };
        Ok(sirt_planning::plan_case(&self.site, case, images)?)
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

    /// Plans a case file as it is (without its voxel part).
    pub fn plan_text(&self, case_toml: &str) -> Result<sirt_workflow::Plan, EngineError> {
        Ok(self.plan_case(case_toml, ImageRoot::Skip)?.plan)
    }
}

fn perr(field: impl Into<String>, expected: &str, found: impl Into<String>) -> EngineError {
    EngineError::Parameter {
        field: field.into(),
        expected: expected.into(),
        found: found.into(),
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
    serde_json::from_value(value.clone())
        .map_err(|e| perr("parameters", "the documented parameters", e.to_string()))
}

fn table_of<'a>(
    root: &'a mut toml::Table,
    key: &str,
    path: &str,
) -> Result<&'a mut toml::Table, EngineError> {
    root.entry(key.to_owned())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .ok_or_else(|| perr(path, "a table in the case file", "another value"))
}

fn find_by_id<'a>(
    root: &'a mut toml::Table,
    array: &str,
    id: &str,
    path: &str,
) -> Result<&'a mut toml::Table, EngineError> {
    root.get_mut(array)
        .and_then(toml::Value::as_array_mut)
        .and_then(|a| {
            a.iter_mut()
                .filter_map(toml::Value::as_table_mut)
                .find(|t| t.get("id").and_then(toml::Value::as_str) == Some(id))
        })
        .ok_or_else(|| {
            perr(
                path,
                &format!("an id of `{array}` in the case file"),
                format!("`{id}`"),
            )
        })
}

fn fraction(path: &str, v: f64) -> Result<toml::Value, EngineError> {
    if !(0.0..1.0).contains(&v) {
        return Err(perr(path, "a fraction from 0 to below 1", v.to_string()));
    }
    Ok(toml::Value::Float(v))
}

/// The case file with the parameters written into it.
pub fn apply(case_toml: &str, p: &Parameters) -> Result<String, EngineError> {
    let mut root: toml::Table = case_toml.parse().map_err(|e: toml::de::Error| {
        EngineError::Case(sirt_case::CaseError::Syntax {
            file: CASE_NAME.into(),
            message: e.to_string().trim_end().to_owned(),
        })
    })?;
    let s = |v: &String| toml::Value::String(v.clone());
    {
        let planning = table_of(&mut root, "planning", "planning")?;
        if let Some(d) = &p.device {
            planning.insert("device".into(), s(d));
        }
        if let Some(k) = &p.k {
            planning.insert("k".into(), s(k));
        }
        if let Some(r) = p.residual_fraction {
            planning.insert(
                "residual_fraction".into(),
                fraction("residual_fraction", r)?,
            );
        }
    }
    for (id, ip) in &p.injections {
        let base = format!("injections.{id}");
        let inj = find_by_id(&mut root, "injections", id, &base)?;
        if let Some(d) = &ip.device {
            inj.insert("device".into(), s(d));
        }
        if let Some(k) = &ip.k {
            inj.insert("k".into(), s(k));
        }
        if let Some(m) = &ip.method {
            inj.insert("method".into(), s(m));
        }
        if let Some(l) = ip.lsf {
            inj.insert("lsf".into(), fraction(&format!("{base}.lsf"), l)?);
        }
        if let Some(r) = ip.residual_fraction {
            inj.insert(
                "residual_fraction".into(),
                fraction(&format!("{base}.residual_fraction"), r)?,
            );
        }
        for (tumour, tnr) in &ip.tnr {
            let path = format!("{base}.tnr.{tumour}");
            if !(tnr.is_finite() && *tnr > 0.0) {
                return Err(perr(
                    path,
                    "a tumour-to-normal ratio above zero",
                    tnr.to_string(),
                ));
            }
            let share = find_by_id(inj, "tumours", tumour, &path)?;
            share.insert("tnr".into(), toml::Value::Float(*tnr));
        }
    }
    for (id, sp) in &p.sessions {
        let base = format!("sessions.{id}");
        let session = find_by_id(&mut root, "sessions", id, &base)?;
        if let Some(t) = &sp.treatment {
            session.insert("treatment".into(), s(t));
        }
    }
    toml::to_string(&root)
        .map_err(|e| perr("parameters", "a case file that writes back", e.to_string()))
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
        let e = apply(case, &p).unwrap_err().to_string();
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
