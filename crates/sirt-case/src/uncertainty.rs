//! `[uncertainty]`: the spread of the plan's inputs, for the Monte Carlo propagation of
//! `sirt-uncertainty` (docs/uncertainty.md). Every key is optional; what a case leaves out takes
//! the cited default of `sirt-uncertainty`, and the report says which defaults were used.
//!
//! Standard deviations of fractions (`lsf_sd`, `residual_sd`) are absolute (in the fraction's
//! own unit: `0.02` or `"2 %"` is two percentage points); coefficients of variation (`*_cv`)
//! are relative. Every value must lie in [0, 1]: a negative spread is meaningless, and a
//! coefficient of variation above 100 % is not an uncertainty the model represents
//! (design choice: such an input is unknown, not uncertain).

use crate::CaseError;
use std::collections::{BTreeMap, BTreeSet};

/// A spread as written: a number, or a text with a percent sign (`"17.2 %"`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum RawSpread {
    Number(f64),
    Text(String),
}

/// `[uncertainty.tumours.<id>]`: one tumour's own spreads.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTumourSpread {
    pub volume_cv: Option<RawSpread>,
    pub tnr_cv: Option<RawSpread>,
}

/// `[uncertainty]` as written.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUncertainty {
    pub lsf_sd: Option<RawSpread>,
    pub residual_sd: Option<RawSpread>,
    pub activity_calibration_cv: Option<RawSpread>,
    pub liver_volume_cv: Option<RawSpread>,
    pub perfused_volume_cv: Option<RawSpread>,
    pub lung_mass_cv: Option<RawSpread>,
    pub tumour_volume_cv: Option<RawSpread>,
    pub tnr_cv: Option<RawSpread>,
    pub maa_discrepancy: Option<String>,
    #[serde(default)]
    pub tumours: BTreeMap<String, RawTumourSpread>,
}

/// The model of the difference between the MAA-predicted and the Y-90 (post-treatment) lesion
/// dose (`uncertainty.maa_discrepancy`); its parameters and source are in `sirt-uncertainty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaaDiscrepancy {
    /// `"smits2020-lesion"`: the lesion-dose limits of agreement of 99mTc-MAA against
    /// post-treatment SPECT in the paired series of Smits et al. 2020.
    Smits2020Lesion,
    /// `"none"`: the MAA distribution is taken as the microspheres' (only the inputs vary).
    None,
}

impl MaaDiscrepancy {
    /// The names a case file may write.
    pub const NAMES: [&'static str; 2] = ["smits2020-lesion", "none"];

    /// The name as written in a case file.
    pub fn label(self) -> &'static str {
        match self {
            MaaDiscrepancy::Smits2020Lesion => "smits2020-lesion",
            MaaDiscrepancy::None => "none",
        }
    }
}

/// One tumour's own spreads (`uncertainty.tumours.<id>`), each optional.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct TumourSpread {
    /// Coefficient of variation of the tumour's volume (and mass).
    pub volume_cv: Option<f64>,
    /// Coefficient of variation of the tumour's TNR.
    pub tnr_cv: Option<f64>,
}

/// `[uncertainty]` validated: each value in [0, 1], tumour ids known. `None` where the case
/// leaves the key out (the default of `sirt-uncertainty` then applies).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct UncertaintyInput {
    /// Absolute standard deviation of every LSF (fraction).
    pub lsf_sd: Option<f64>,
    /// Absolute standard deviation of every residual fraction.
    pub residual_sd: Option<f64>,
    /// Coefficient of variation of the dose calibrator's activity (one factor for every
    /// injection: the same calibration measures every vial).
    pub activity_calibration_cv: Option<f64>,
    /// Coefficient of variation of the whole liver volume.
    pub liver_volume_cv: Option<f64>,
    /// Coefficient of variation of each perfused volume.
    pub perfused_volume_cv: Option<f64>,
    /// Coefficient of variation of the lung mass used.
    pub lung_mass_cv: Option<f64>,
    /// Coefficient of variation of each tumour volume, unless the tumour has its own.
    pub tumour_volume_cv: Option<f64>,
    /// Coefficient of variation of each TNR, unless the tumour has its own.
    pub tnr_cv: Option<f64>,
    /// The MAA → Y-90 lesion-dose discrepancy model.
    pub maa_discrepancy: Option<MaaDiscrepancy>,
    /// Per-tumour spreads, by tumour id.
    pub tumours: BTreeMap<String, TumourSpread>,
}

/// Validates `[uncertainty]`: `err(field, expected, found)` builds the error naming the field.
pub(crate) fn validate(
    raw: RawUncertainty,
    tumour_ids: &BTreeSet<String>,
    err: &dyn Fn(String, String, String) -> CaseError,
) -> Result<UncertaintyInput, CaseError> {
    let spread = |name: &str, v: Option<RawSpread>| -> Result<Option<f64>, CaseError> {
        v.map(|v| value(&format!("uncertainty.{name}"), v, err))
            .transpose()
    };
    let maa_discrepancy = match raw.maa_discrepancy.as_deref() {
        None => None,
        Some(s) => Some(match s {
            "smits2020-lesion" => MaaDiscrepancy::Smits2020Lesion,
            "none" => MaaDiscrepancy::None,
            other => {
                return Err(err(
                    "uncertainty.maa_discrepancy".into(),
                    format!("one of {}", MaaDiscrepancy::NAMES.join(", ")),
                    format!("\"{other}\""),
                ));
            }
        }),
    };
    let mut tumours = BTreeMap::new();
    for (id, t) in raw.tumours {
        let field = |name: &str| format!("uncertainty.tumours.{id}.{name}");
        if !tumour_ids.contains(&id) {
            return Err(err(
                format!("uncertainty.tumours.{id}"),
                format!(
                    "the id of a tumour of the case ({})",
                    tumour_ids.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
                format!("\"{id}\""),
            ));
        }
        let spread = TumourSpread {
            volume_cv: t
                .volume_cv
                .map(|v| value(&field("volume_cv"), v, err))
                .transpose()?,
            tnr_cv: t
                .tnr_cv
                .map(|v| value(&field("tnr_cv"), v, err))
                .transpose()?,
        };
        tumours.insert(id, spread);
    }
    Ok(UncertaintyInput {
        lsf_sd: spread("lsf_sd", raw.lsf_sd)?,
        residual_sd: spread("residual_sd", raw.residual_sd)?,
        activity_calibration_cv: spread("activity_calibration_cv", raw.activity_calibration_cv)?,
        liver_volume_cv: spread("liver_volume_cv", raw.liver_volume_cv)?,
        perfused_volume_cv: spread("perfused_volume_cv", raw.perfused_volume_cv)?,
        lung_mass_cv: spread("lung_mass_cv", raw.lung_mass_cv)?,
        tumour_volume_cv: spread("tumour_volume_cv", raw.tumour_volume_cv)?,
        tnr_cv: spread("tnr_cv", raw.tnr_cv)?,
        maa_discrepancy,
        tumours,
    })
}

/// One spread: a number in [0, 1], or a percentage text in [0 %, 100 %].
fn value(
    field: &str,
    v: RawSpread,
    err: &dyn Fn(String, String, String) -> CaseError,
) -> Result<f64, CaseError> {
    const EXPECTED: &str = "a spread in [0, 1]: a number such as 0.05 or a text such as \"5 %\" (a negative standard deviation or a coefficient of variation above 100 % is refused)";
    let x = match &v {
        RawSpread::Number(x) => *x,
        RawSpread::Text(t) => match t.trim().strip_suffix('%') {
            Some(n) => n
                .trim()
                .parse::<f64>()
                .map(|p| p / 100.0)
                .map_err(|_| err(field.into(), EXPECTED.into(), format!("\"{t}\"")))?,
            None => return Err(err(field.into(), EXPECTED.into(), format!("\"{t}\""))),
        },
    };
    if x.is_finite() && (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        let found = match v {
            RawSpread::Number(x) => x.to_string(),
            RawSpread::Text(t) => format!("\"{t}\""),
        };
        Err(err(field.into(), EXPECTED.into(), found))
    }
}
