//! The roles a series plays in a plan, the modalities each takes, and whether the SPECT's and
//! PET's frames of reference need a registration to the planning CT.

use super::draft::Roles;
use crate::answers::SeriesView;
use crate::error::ApiError;
use schemars::JsonSchema;
use serde::Serialize;

/// One role: its key in [`Roles`], the modalities it takes and whether a plan needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RoleSpec {
    /// Key (`planning_ct`).
    pub role: &'static str,
    /// DICOM modalities accepted (a NIfTI series has the modality stated at upload).
    pub modalities: &'static [&'static str],
    /// Whether a plan needs it.
    pub required: bool,
    /// What it is, in words (English; the page shows its own words).
    pub what: &'static str,
}

/// The roles (issue 16: planning CT, MAA SPECT/CT, Y-90 PET/CT, cone-beam CT; the structures
/// and a registration object). The modalities are DICOM PS3.3 C.7.3.1.1.1 terms: CT, MR, NM,
/// PT, RTSTRUCT, SEG, REG.
pub const ROLES: [RoleSpec; 9] = [
    RoleSpec {
        role: "planning_ct",
        modalities: &["CT", "MR"],
        required: true,
        what: "planning CT",
    },
    RoleSpec {
        role: "maa_spect",
        modalities: &["NM"],
        required: true,
        what: "99mTc-MAA SPECT",
    },
    RoleSpec {
        role: "maa_ct",
        modalities: &["CT"],
        required: false,
        what: "CT of the MAA SPECT/CT",
    },
    RoleSpec {
        role: "y90_pet",
        modalities: &["PT"],
        required: false,
        what: "Y-90 PET",
    },
    RoleSpec {
        role: "pet_ct",
        modalities: &["CT"],
        required: false,
        what: "CT of the Y-90 PET/CT",
    },
    RoleSpec {
        role: "cbct",
        modalities: &["CT"],
        required: false,
        what: "cone-beam CT",
    },
    RoleSpec {
        role: "structures",
        modalities: &["RTSTRUCT", "SEG"],
        required: true,
        what: "structures (RT Structure Set or SEG)",
    },
    RoleSpec {
        role: "registration",
        modalities: &["REG"],
        required: false,
        what: "spatial registration (REG)",
    },
    RoleSpec {
        role: "pet_registration",
        modalities: &["REG"],
        required: false,
        what: "spatial registration of the PET (REG)",
    },
];

/// The series id picked for a role.
pub(crate) fn picked(roles: &Roles, role: &str) -> Option<i64> {
    match role {
        "planning_ct" => roles.planning_ct,
        "maa_spect" => roles.maa_spect,
        "maa_ct" => roles.maa_ct,
        "y90_pet" => roles.y90_pet,
        "pet_ct" => roles.pet_ct,
        "cbct" => roles.cbct,
        "structures" => roles.structures,
        "registration" => roles.registration,
        "pet_registration" => roles.pet_registration,
        _ => None,
    }
}

/// A series in messages: `series 3 "CT (phantom)" (CT-1)`.
pub(crate) fn describe(s: &SeriesView) -> String {
    format!(
        "series {} \"{}\" ({})",
        s.series.id,
        s.series.description.as_deref().unwrap_or("no description"),
        s.series.folder
    )
}

/// Refuses a pick of a series that is not the patient's, or of the wrong modality for its
/// role (422 naming the role, the series and both modalities).
pub(crate) fn check(roles: &Roles, series: &[SeriesView]) -> Result<(), ApiError> {
    for spec in &ROLES {
        let Some(id) = picked(roles, spec.role) else {
            continue;
        };
        let Some(s) = series.iter().find(|s| s.series.id == id) else {
            return Err(ApiError::invalid(format!(
                "field `roles.{}`: expected a series of this patient's studies, found series id {id}",
                spec.role
            )));
        };
        if !spec.modalities.contains(&s.series.modality.as_str()) {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "wrong_modality",
                format!(
                    "field `roles.{}`: the {} must be a series of modality {}, found {} of modality {}",
                    spec.role,
                    spec.what,
                    spec.modalities.join(" or "),
                    describe(s),
                    s.series.modality
                ),
            ));
        }
    }
    Ok(())
}

/// Whether the SPECT (and PET) lie in the planning CT's frame of reference, or what links them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// The planning CT or the SPECT is not picked yet.
    Incomplete,
    /// Every activity image shares the CT's frame of reference: no registration is needed.
    SameFrame,
    /// A spatial registration object links the frames.
    RegistrationObject,
    /// A frame differs and no registration object was picked: the plan cannot be made.
    Needed,
}

/// The registration step's finding, with the frames compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RegistrationView {
    /// The finding.
    pub state: RegistrationState,
    /// The planning CT's frame of reference UID.
    pub ct_frame: Option<String>,
    /// The SPECT's frame of reference UID.
    pub spect_frame: Option<String>,
    /// The PET's frame of reference UID, when a PET is picked.
    pub pet_frame: Option<String>,
    /// In words (English), naming the series.
    pub message: String,
}

fn frame_of(series: &[SeriesView], id: Option<i64>) -> Option<&SeriesView> {
    id.and_then(|id| series.iter().find(|s| s.series.id == id))
}

/// The registration step: compares the frames of reference of the picked series.
pub(crate) fn registration(roles: &Roles, series: &[SeriesView]) -> RegistrationView {
    let ct = frame_of(series, roles.planning_ct);
    let spect = frame_of(series, roles.maa_spect);
    let pet = frame_of(series, roles.y90_pet);
    let frame = |s: Option<&SeriesView>| s.and_then(|s| s.series.frame_of_reference_uid.clone());
    let (ct_frame, spect_frame, pet_frame) = (frame(ct), frame(spect), frame(pet));
    let (Some(ct_s), Some(spect_s)) = (ct, spect) else {
        return RegistrationView {
            state: RegistrationState::Incomplete,
            ct_frame,
            spect_frame,
            pet_frame,
            message: "pick the planning CT and the MAA SPECT first".into(),
        };
    };
    // As the engine reads them: a series without a frame of reference (NIfTI) is put in the
    // CT's frame; one with a frame differs from a CT in another frame or without one.
    let differs = |s: Option<&SeriesView>| {
        s.is_some_and(|s| match &s.series.frame_of_reference_uid {
            None => false,
            Some(f) => ct_s.series.frame_of_reference_uid.as_ref() != Some(f),
        })
    };
    let mut different: Vec<String> = Vec::new();
    // What each frame that differs needs: the SPECT the `registration` object, the PET its own
    // (`pet_registration`, as the registration tool writes it) or the one object linking both.
    let mut linked = true;
    if differs(Some(spect_s)) {
        different.push(describe(spect_s));
        linked &= roles.registration.is_some();
    }
    if let Some(p) = pet
        && differs(Some(p))
    {
        different.push(describe(p));
        linked &= roles.registration.is_some() || roles.pet_registration.is_some();
    }
    let (state, message) = if different.is_empty() {
        (
            RegistrationState::SameFrame,
            format!(
                "{} and the activity images share one frame of reference: no registration is needed",
                describe(ct_s)
            ),
        )
    } else if linked {
        (
            RegistrationState::RegistrationObject,
            format!(
                "{} lie(s) in another frame of reference than {}: the spatial registration object picked links them",
                different.join(" and "),
                describe(ct_s)
            ),
        )
    } else {
        (
            RegistrationState::Needed,
            format!(
                "{} lie(s) in another frame of reference than {} and no spatial registration (REG) was uploaded: register them on this page (or make one with `sirtplan register --fixed CT --moving-ct CT_OF_THE_SPECT --moving SPECT --out reg.dcm` or another registration tool, upload it and pick it); without it the plan cannot be made",
                different.join(" and "),
                describe(ct_s)
            ),
        )
    };
    RegistrationView {
        state,
        ct_frame,
        spect_frame,
        pet_frame,
        message,
    }
}
