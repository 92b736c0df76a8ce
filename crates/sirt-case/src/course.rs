//! The dose detail of the earlier radiation treatments the cumulative dose over the patient's
//! course reads (`[[earlier_treatments]]`: `nuclide`, `radiopharmaceutical`, `dose_method`,
//! effective half-lives, `kidney_mean_dose`, `tumour_doses`) and the `[cumulative]` table (the
//! patient's renal risk factors). docs/case-format.md, docs/cumulative-dose.md.

use crate::CaseError;
use crate::raw::RawEarlier;
use sirt_nuclides::Nuclide;
use sirt_units::{AbsorbedDose, TimeSpan};
use std::collections::{BTreeMap, BTreeSet};

/// `[cumulative]`: what the cumulative limits need to know about the patient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CumulativeInput {
    /// Whether the patient has the renal risk factors of Bodei et al. 2008 (mainly hypertension
    /// and diabetes): they select the kidney BED threshold (28 Gy with, 40 Gy without). None:
    /// the case does not say.
    pub kidney_risk_factors: Option<bool>,
}

/// `[cumulative]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCumulative {
    pub kidney_risk_factors: bool,
}

impl From<Option<RawCumulative>> for CumulativeInput {
    fn from(raw: Option<RawCumulative>) -> Self {
        Self {
            kidney_risk_factors: raw.map(|r| r.kidney_risk_factors),
        }
    }
}

/// The dose detail of one earlier treatment for the cumulative dose (all optional; which kind
/// may carry which field: `EARLIER_FIELD_KINDS` in the validation).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CourseDetail {
    /// SIRT: the microspheres' nuclide (Y-90 or Ho-166): its half-life is the one of Dale's
    /// formula (permanent implant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nuclide: Option<Nuclide>,
    /// PRRT: the id of a radiopharmaceutical record of the cumulative-dose data (e.g.
    /// `lu177-dotatate`): its Gy/GBq per organ stand in for doses not entered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub radiopharmaceutical: Option<String>,
    /// How the entered doses were obtained (e.g. "SPECT/CT 4, 24, 96 h, OLINDA").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose_method: Option<String>,
    /// PRRT: the effective half-life of the activity in the liver (Dale's formula).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liver_effective_half_life: Option<TimeSpan>,
    /// PRRT: the effective half-life of the activity in the kidneys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kidney_effective_half_life: Option<TimeSpan>,
    /// EBRT or SBRT: mean kidney dose of the course.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kidney_mean_dose: Option<AbsorbedDose>,
    /// Mean absorbed dose per tumour of the case (tumour id → dose); PRRT: total of the cycles.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tumour_doses: BTreeMap<String, AbsorbedDose>,
}

/// The nuclides of microspheres.
const SPHERE_NUCLIDES: [Nuclide; 2] = [Nuclide::Y90, Nuclide::Ho166];

/// Validates the dose detail of `earlier_treatments[n]` (`f(name)` gives a field's path).
pub(crate) fn course_detail(
    e: &mut RawEarlier,
    f: &dyn Fn(&str) -> String,
    tumour_ids: &BTreeSet<String>,
    err: &dyn Fn(String, String, String) -> CaseError,
) -> Result<CourseDetail, CaseError> {
    let nuclide = match e.nuclide.take() {
        None => None,
        Some(text) => {
            let expected = || "Y-90 or Ho-166".to_owned();
            match text.parse::<Nuclide>() {
                Ok(n) if SPHERE_NUCLIDES.contains(&n) => Some(n),
                _ => return Err(err(f("nuclide"), expected(), format!("\"{text}\""))),
            }
        }
    };
    for (name, text) in [
        ("radiopharmaceutical", &e.radiopharmaceutical),
        ("dose_method", &e.dose_method),
    ] {
        if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(err(f(name), "a text".into(), "an empty text".into()));
        }
    }
    for (name, span) in [
        ("liver_effective_half_life", e.liver_effective_half_life),
        ("kidney_effective_half_life", e.kidney_effective_half_life),
    ] {
        if let Some(s) = span.filter(|s| !s.is_positive()) {
            return Err(err(
                f(name),
                "a time span above zero (\"50 h\")".into(),
                s.to_string(),
            ));
        }
    }
    let tumour_doses = e.tumour_doses.take().unwrap_or_default();
    if let Some(id) = tumour_doses.keys().find(|id| !tumour_ids.contains(*id)) {
        let known: Vec<&str> = tumour_ids.iter().map(String::as_str).collect();
        return Err(err(
            format!("{}.{id}", f("tumour_doses")),
            format!("the id of a tumour of the case ({})", known.join(", ")),
            format!("\"{id}\""),
        ));
    }
    Ok(CourseDetail {
        nuclide,
        radiopharmaceutical: e.radiopharmaceutical.take(),
        dose_method: e.dose_method.take(),
        liver_effective_half_life: e.liver_effective_half_life,
        kidney_effective_half_life: e.kidney_effective_half_life,
        kidney_mean_dose: e.kidney_mean_dose,
        tumour_doses,
    })
}
