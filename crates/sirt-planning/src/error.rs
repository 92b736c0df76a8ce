//! Why a plan could not be made.

use thiserror::Error;

/// A plan that cannot be made or rendered. [`PlanningError::is_input`] tells what the user must
/// fix (the case file, a site file, the case's images) from internal failures.
#[derive(Debug, Error)]
pub enum PlanningError {
    /// Internal: the device catalogue built into the program does not load.
    #[error("the embedded device catalogue")]
    EmbeddedDevices(#[source] sirt_devices::CatalogueError),
    /// Internal: the rule set built into the program does not load.
    #[error("the embedded rule set")]
    EmbeddedRules(#[source] sirt_rules::RuleFileError),
    /// Input: a site device catalogue is invalid (the message names the file).
    #[error(transparent)]
    SiteDevices(sirt_devices::CatalogueError),
    /// Input: a site rule file is invalid (the message names the file).
    #[error(transparent)]
    SiteRules(sirt_rules::RuleFileError),
    /// Input: the site settings file is invalid (the message names the file and the key).
    #[error(transparent)]
    SiteSettings(sirt_settings::SettingsError),
    /// Input: the case file is invalid (the message names the file and the field).
    #[error(transparent)]
    Case(#[from] sirt_case::CaseError),
    /// Input: the case cannot be planned.
    #[error(transparent)]
    Plan(#[from] sirt_workflow::PlanError),
    /// Input: an image path of the case leaves the folder its images must stay in.
    #[error(
        "case file field `images.{field}`: expected a path relative to the image folder, without `..`, found \"{path}\""
    )]
    ImagePath {
        /// The field of `[images]` (`ct`, `structures`, ...).
        field: &'static str,
        /// The path as written.
        path: String,
    },
    /// Input: the registration given does not link the CT's frame to the activity image's.
    #[error(
        "registration {registration}: no transform between the CT (frame {ct_frame}) and the activity image (frame {activity_frame})"
    )]
    NoRegistration {
        /// The registration file.
        registration: String,
        /// The CT's frame of reference UID.
        ct_frame: String,
        /// The activity image's frame of reference UID.
        activity_frame: String,
    },
    /// Input: a value outside the site's plausibility bounds, or an image failing a consistency
    /// check, that the case does not accept (`[[accepted]]`; the message names the field or file,
    /// the limit and what was found), or an acceptance with nothing to accept.
    #[error(transparent)]
    Refused(Box<crate::plausibility::Rejection>),
    /// Measuring the inputs the case leaves out (or states) on its images: input or internal as
    /// [`crate::measure::MeasureError::is_input`] says.
    #[error(transparent)]
    Measure(Box<crate::measure::MeasureError>),
    /// The uncertainty propagation (`--uncertainty`): the sample count is input, the rest
    /// internal.
    #[error(transparent)]
    Uncertainty(#[from] sirt_uncertainty::UncertaintyError),
    /// The voxel part: input or internal as [`crate::voxel::VoxelPlanError::is_input`] says.
    #[error(transparent)]
    Voxel(#[from] crate::voxel::VoxelPlanError),
    /// Internal: the plan's JSON could not be written.
    #[error("the plan's JSON")]
    Json(#[source] serde_json::Error),
    /// Internal: the digital phantom could not be made.
    #[error(transparent)]
    Phantom(#[from] sirt_phantom::PhantomError),
    /// Internal: a NIfTI file of the phantom could not be written.
    #[error(transparent)]
    Nifti(#[from] sirt_nifti::NiftiError),
}

impl From<crate::measure::MeasureError> for PlanningError {
    fn from(e: crate::measure::MeasureError) -> Self {
        Self::Measure(Box::new(e))
    }
}

impl PlanningError {
    /// Whether the error is in the user's input (case file, site files, the case's images)
    /// rather than an internal failure.
    pub fn is_input(&self) -> bool {
        match self {
            Self::SiteDevices(_)
            | Self::SiteRules(_)
            | Self::SiteSettings(_)
            | Self::Case(_)
            | Self::Plan(_)
            | Self::ImagePath { .. }
            | Self::NoRegistration { .. }
            | Self::Refused(_) => true,
            Self::Voxel(e) => e.is_input(),
            Self::Measure(e) => e.is_input(),
            Self::Uncertainty(e) => {
                matches!(e, sirt_uncertainty::UncertaintyError::Samples { .. })
            }
            Self::EmbeddedDevices(_)
            | Self::EmbeddedRules(_)
            | Self::Json(_)
            | Self::Phantom(_)
            | Self::Nifti(_) => false,
        }
    }
}
