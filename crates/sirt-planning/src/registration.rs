//! Rigid registration of a moving series (a SPECT/CT through its CT, a PET/CT through its CT,
//! or the SPECT or PET directly) to the planning CT, for `sirtplan register` and the web
//! application's planning pages (docs/registration.md): the series read from DICOM folders or
//! NIfTI files, the region (a mask file, a named structure, a box), the automatic registration
//! (`sirt_registration::register_rigid`), a manual nudge composed with its result, and the DICOM
//! Spatial Registration object written in the fixed series' study.
//!
//! | module | what |
//! |---|---|
//! | `load` | [`load_fixed`], [`load_moving`], [`load_moving_ct`], [`moving_through_ct`], [`check_patients`] → [`Series`] |
//! | `region` | [`RegionChoice`] → the region on the fixed image and its [`RegionSummary`] |
//! | `adjust` | [`Nudge`], [`nudged`]; [`rigid_from_matrix`] (a matrix refused unless rigid); [`matrix`] |
//! | `object` | [`writable_study`], [`registration_object`] (REG bytes with creator and [`Method`]) |
//! | `saved` | [`saved_registration`]: a REG object read back ([`SavedRegistration`]: transform, method, creator, date) |
//! | `error` | [`RegisterError`], naming the input (a CLI flag, a request field) and the file |
//!
//! Inputs are labelled by the adapter (`--fixed`, `roles.planning_ct`): every refusal names the
//! label and the path. Nothing is printed or written here; the adapters write the bytes.

mod adjust;
mod error;
mod load;
mod object;
mod region;
mod saved;

pub use adjust::{Nudge, matrix, nudged, rigid_from_matrix};
pub use error::{FrameMismatch, RegisterError, TwoPatients};
pub use load::{
    NIFTI_MOVING_FRAME, Series, Source, check_patients, is_nifti, load_fixed, load_moving,
    load_moving_ct, moving_through_ct,
};
pub use object::{
    CONTENT_LABEL, Method, Provenance, REGISTRATION_SERIES_NUMBER, registration_object,
    writable_study,
};
pub use region::{RegionChoice, RegionSummary, region};
pub use saved::{SavedRegistration, saved_registration};
pub use sirt_registration::{
    Quality, REGION_MARGIN_MM, RegistrationWarning, RigidRegistration, rotation_angle_deg,
    rotation_angles_deg, rotation_from_angles_deg,
};

use sirt_registration::{RigidOptions, register_rigid};

/// The automatic registration of `moving` (the series registered: a CT of a SPECT/CT or
/// PET/CT, or the moving series itself) to `fixed` within `choice`'s region, with the default
/// options (docs/registration.md: the settings), and the region's summary.
pub fn register(
    fixed: &Series,
    moving: &Series,
    choice: &RegionChoice,
) -> Result<(RigidRegistration, RegionSummary), RegisterError> {
    let (region, summary) = region(choice, &fixed.image)?;
    let options = RigidOptions {
        region,
        ..Default::default()
    };
    let r = register_rigid(&fixed.image, &moving.image, &options)?;
    Ok((r, summary))
}
