//! The planning draft of a case: what the planning pages collected so far (the series of each
//! role, the structures, the injections, the prescription as typed), kept in the data folder
//! so that a page reload resumes where the user was, with a revision number against lost
//! updates. It is a working document, not a record: the plan made from it is stored and audited
//! as every plan (`POST /api/cases/{id}/plans`' path).

use crate::AppState;
use crate::error::ApiError;
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The series picked for each role (series ids of the patient's studies).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// The planning CT: the grid of the structures and the density.
    #[serde(default)]
    pub planning_ct: Option<i64>,
    /// The 99mTc-MAA SPECT.
    #[serde(default)]
    pub maa_spect: Option<i64>,
    /// The CT of the SPECT/CT (for the registration to the planning CT).
    #[serde(default)]
    pub maa_ct: Option<i64>,
    /// The post-treatment Y-90 PET.
    #[serde(default)]
    pub y90_pet: Option<i64>,
    /// The CT of the PET/CT.
    #[serde(default)]
    pub pet_ct: Option<i64>,
    /// The cone-beam CT (optional; the territories are drawn on it).
    #[serde(default)]
    pub cbct: Option<i64>,
    /// The structures: an RT Structure Set or a DICOM SEG on the planning CT.
    #[serde(default)]
    pub structures: Option<i64>,
    /// A DICOM Spatial Registration linking the SPECT's (and PET's) frame with the CT's.
    #[serde(default)]
    pub registration: Option<i64>,
    /// A DICOM Spatial Registration linking the PET's frame with the CT's, when the PET is
    /// registered on its own (the registration tool writes one object per moving series).
    #[serde(default)]
    pub pet_registration: Option<i64>,
}

/// One tumour: its id in the plan and its structure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TumourPick {
    /// The tumour's id in the plan (`T1`).
    pub id: String,
    /// Its structure's name.
    pub structure: String,
    /// Couinaud segment (text).
    #[serde(default)]
    pub segment: Option<String>,
    /// `right`, `left` or `both`.
    #[serde(default)]
    pub lobe: Option<String>,
}

/// The structures picked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StructurePicks {
    /// The whole liver, tumours included.
    #[serde(default)]
    pub liver: Option<String>,
    /// The lungs.
    #[serde(default)]
    pub lungs: Option<String>,
    /// The tumours.
    #[serde(default)]
    pub tumours: Vec<TumourPick>,
    /// Extrahepatic structures (stomach, duodenum) whose share of the MAA is reported.
    #[serde(default)]
    pub extrahepatic: Vec<String>,
}

/// A tumour in an injection's territory, with the part of it inside (as typed; empty: all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareDraft {
    /// Tumour id.
    pub id: String,
    /// The part of the tumour in the territory, `0.6` or `60 %`; empty: all of it.
    #[serde(default)]
    pub fraction: Option<String>,
}

/// An injection's goal as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalDraft {
    /// `tumour_dose`, `perfused_dose`, `activity`, `maximum` or `formula` (BSA).
    #[serde(default)]
    pub kind: String,
    /// The dose or activity with its unit (`150 Gy`, `1.2 GBq`).
    #[serde(default)]
    pub value: Option<String>,
    /// For a tumour dose: `combined`, `every` or a tumour id.
    #[serde(default)]
    pub tumour: Option<String>,
}

/// One injection (catheter position) as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InjectionDraft {
    /// Identifier (`WL`, `R`).
    pub id: String,
    /// Catheter position.
    #[serde(default)]
    pub label: Option<String>,
    /// `whole-liver`, `lobar` or `segmental`.
    #[serde(default)]
    pub territory: String,
    /// The perfused territory's structure (cone-beam CT); none for a whole-liver injection
    /// measured on the liver.
    #[serde(default)]
    pub territory_structure: Option<String>,
    /// `right`, `left` or `both`.
    #[serde(default)]
    pub lobe: String,
    /// `whole-liver`, `lobar`, `segmentectomy`, `lobectomy`; empty: the territory's default.
    #[serde(default)]
    pub intent: Option<String>,
    /// `mird`, `partition`, `bsa`, `ho166`.
    #[serde(default)]
    pub method: String,
    /// The goal.
    #[serde(default)]
    pub goal: GoalDraft,
    /// Tumours in the territory.
    #[serde(default)]
    pub tumours: Vec<ShareDraft>,
}

/// A date, a time and a time zone, as typed (`2025-01-29`, `10:00`, `Europe/London`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstantDraft {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    /// `HH:MM`.
    #[serde(default)]
    pub time: String,
    /// IANA zone (`Europe/Paris`) or an offset (`+01:00`).
    #[serde(default)]
    pub zone: String,
}

/// Dose limits as typed (`75 Gy`; empty: none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsDraft {
    /// Perfused normal liver, per injection.
    #[serde(default)]
    pub normal_liver_max: Option<String>,
    /// Perfused volume, per injection.
    #[serde(default)]
    pub perfused_max: Option<String>,
    /// Lungs, per injection.
    #[serde(default)]
    pub lung_max: Option<String>,
    /// Whole non-tumoural liver, per session.
    #[serde(default)]
    pub whole_liver_ntad_max: Option<String>,
    /// Lungs, per session.
    #[serde(default)]
    pub lung_session_max: Option<String>,
    /// Lungs, cumulative.
    #[serde(default)]
    pub lung_cumulative_max: Option<String>,
}

/// The prescription and patient data as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Prescription {
    /// `female`, `male`, …; empty: the patient record's.
    #[serde(default)]
    pub sex: Option<String>,
    /// Age in years at the treatment; empty: from the patient record's birth date.
    #[serde(default)]
    pub age: Option<String>,
    /// Height (`1.65 m`).
    #[serde(default)]
    pub height: Option<String>,
    /// Weight (`68 kg`).
    #[serde(default)]
    pub weight: Option<String>,
    /// Tumour grade (`G1`, `G2`, `G3`, `NEC`).
    #[serde(default)]
    pub grade: Option<String>,
    /// Ki-67 index, %.
    #[serde(default)]
    pub ki67_percent: Option<String>,
    /// Primary site (free text).
    #[serde(default)]
    pub primary_site: Option<String>,
    /// Device id of the catalogue.
    #[serde(default)]
    pub device: String,
    /// Residual fraction (`0.03` or `3 %`).
    #[serde(default)]
    pub residual_fraction: String,
    /// Liver tissue density (`1.05 g/mL`); empty: the case format's default.
    #[serde(default)]
    pub liver_density: Option<String>,
    /// Lung density (`0.3 g/mL`); empty: the case format's default.
    #[serde(default)]
    pub lung_density: Option<String>,
    /// Dose limits.
    #[serde(default)]
    pub limits: LimitsDraft,
    /// The planned treatment instant.
    #[serde(default)]
    pub treatment: InstantDraft,
    /// The MAA mapping's instant (optional).
    #[serde(default)]
    pub mapping: InstantDraft,
}

/// A refused plausibility or image check the plan accepts, with the reason the report prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptedDraft {
    /// The check's name (`lungs.mass`).
    pub what: String,
    /// Why the value is right.
    pub reason: String,
}

/// Everything the planning pages collect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// The series of each role.
    #[serde(default)]
    pub roles: Roles,
    /// The structures.
    #[serde(default)]
    pub structures: StructurePicks,
    /// The injections.
    #[serde(default)]
    pub injections: Vec<InjectionDraft>,
    /// The prescription.
    #[serde(default)]
    pub prescription: Prescription,
    /// Accepted exceptions.
    #[serde(default)]
    pub accepted: Vec<AcceptedDraft>,
}

/// The draft as kept: with its revision, who saved it when, and the last plan made from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Stored {
    pub revision: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
    pub plan_id: Option<i64>,
    pub draft: Draft,
}

/// Saves of drafts one at a time in this server process (the revision check and the write
/// together).
static SAVING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Where the draft of a case lies: `DATA/patients/{patient}/workbench/case-{case}.json`.
fn path(state: &AppState, patient_id: i64, case_id: i64) -> PathBuf {
    state
        .patient_folder(patient_id)
        .join("workbench")
        .join(format!("case-{case_id}.json"))
}

/// The draft of a case (an empty one at revision 0 when none was saved).
pub(crate) async fn load(
    state: &AppState,
    patient_id: i64,
    case_id: i64,
) -> Result<Stored, ApiError> {
    let p = path(state, patient_id, case_id);
    match tokio::fs::read(&p).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|_| ApiError::internal()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Stored::default()),
        Err(_) => Err(ApiError::internal()),
    }
}

/// Replaces the draft when `revision` is the one kept (else 409 naming who saved it when);
/// `edit` changes the kept record (the draft, the plan id). Written to a new file, then renamed
/// over the old one: a reader sees the old or the new draft, never half of one.
pub(crate) async fn save(
    state: &AppState,
    patient_id: i64,
    case_id: i64,
    revision: i64,
    who: &str,
    edit: impl FnOnce(&mut Stored),
) -> Result<Stored, ApiError> {
    let _turn = SAVING.lock().await;
    let mut stored = load(state, patient_id, case_id).await?;
    if stored.revision != revision {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "the planning draft of case {case_id} was saved by {} at {} (revision {}; your change was based on {revision}): reload it and apply your change again",
                stored.updated_by.as_deref().unwrap_or("someone"),
                stored.updated_at.as_deref().unwrap_or("an unknown time"),
                stored.revision
            ),
        ));
    }
    edit(&mut stored);
    stored.revision += 1;
    stored.updated_by = Some(who.to_owned());
    stored.updated_at = Some(jiff::Timestamp::now().to_string());
    let p = path(state, patient_id, case_id);
    let bytes = serde_json::to_vec_pretty(&stored).map_err(|_| ApiError::internal())?;
    let tmp = p.with_extension("json.tmp");
    let written = async {
        if let Some(dir) = p.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::write(&tmp, &bytes).await?;
        tokio::fs::rename(&tmp, &p).await
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(ApiError::internal());
    }
    Ok(stored)
}
