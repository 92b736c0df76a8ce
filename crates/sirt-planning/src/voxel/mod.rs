//! The voxel part of a plan for a case with `[images]`: the MAA-predicted dose of each session
//! at the planned activities beside the plan's partition model, and with a Y-90 PET the
//! delivered dose and its comparison; the report blocks, files and JSON of that part; the
//! volumes a viewer shows, on the CT grid.
//!
//! | module | what |
//! |---|---|
//! | [`run`](mod@run) | [`run()`]: plan + case images → [`VoxelPlan`] ([`PredictedSession`] per session, [`Delivered`], notes, the CT's study for RT Dose, and the loaded CT, SPECT, PET and structures) |
//! | [`report`] | [`VoxelPlan::blocks`] (report document in the report's language, rendered by `sirt_report::voxel`), [`VoxelPlan::files`] (NIfTI and RT Dose dose maps, DVH CSV and SVG, as bytes), [`VoxelPlan::json`], [`rt_dose_bytes`] |
//! | [`figures`] | [`VoxelPlan::slice_figures`]: axial slices through the liver and each tumour with the dose wash, isodose lines and outlines, for the report |
//! | `cache` | the images a plan loads and the geometry it prepares on each activity grid, kept in the process for the next plan of the same images (a server's recomputations) |
//! | [`progress`] | [`with_progress`]: the stage a voxel plan is in (reading images, resampling, dose, DVH) and how far, to a callback of the calling thread |
//! | [`radiobiology`](mod@radiobiology) | [`VoxelPlan::radiobiology`]: BED, EQD2, gEUD, BED-volume histograms and published fits per dosimetry (information; `sirt_voxel_dosimetry::pipeline::radiobiology`), its report section and JSON |
//! | [`viewer`] | [`VoxelPlan::viewer_volumes`] → [`ViewerVolumes`]: CT, SPECT, PET, every dose map and the structure masks on the CT grid |
//!
//! The images are read through `sirt-imaging`; the physics is `sirt-voxel-dosimetry`'s (each
//! dose map on its activity image's own grid); this module chooses the inputs from the plan,
//! assembles and resamples for display. It prints nothing and writes no file:
//! [`VoxelPlan::files`] returns bytes. Errors ([`VoxelPlanError`]) tell input the user must fix
//! from internal failures ([`VoxelPlanError::is_input`]).
//!
//! ```no_run
//! use std::path::Path;
//! let text = std::fs::read_to_string("case.toml")?;
//! let case = sirt_case::parse(&text, "case.toml")?;
//! let devices = sirt_devices::Catalogue::embedded()?;
//! let rules = sirt_rules::RuleSet::embedded()?;
//! let plan = sirt_workflow::plan(&case, &devices, &rules, "case.toml")?;
//! if let Some(images) = &case.images {
//!     let settings = sirt_settings::SiteSettings::default();
//!     let voxel = sirt_planning::voxel::run(&plan, images, Path::new("."), &settings)?;
//!     for p in &voxel.predicted {
//!         // The dose map of the session, Gy, on the MAA SPECT's grid.
//!         let _gy = &p.dosimetry.dose.gy;
//!     }
//!     let volumes = voxel.viewer_volumes()?;
//!     assert!(volumes.doses.iter().all(|d| d.gy.grid().same_as(&volumes.grid)));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod cache;
pub mod figures;
pub mod progress;
pub mod radiobiology;
pub mod report;
pub mod run;
pub mod viewer;

pub use progress::{Stage, with_progress};
pub use report::rt_dose_bytes;
pub use run::{Delivered, PLAN_DVH_BIN_GY, PredictedSession, RtDoseStudy, VoxelPlan, run};
pub use sirt_report::voxel::{VOXEL_HEADING, is_voxel_heading, voxel_heading};
pub use viewer::{DoseKind, DoseVolume, StructureMask, ViewerVolumes};

/// A voxel plan that cannot be made or rendered. Input variants (the case's images,
/// structures or registration: [`VoxelPlanError::is_input`]) are the user's to fix; the others
/// are internal failures. Messages are those of the underlying library where one is wrapped.
#[derive(Debug, thiserror::Error)]
pub enum VoxelPlanError {
    /// Input: an image, structure or registration file that cannot be read or used.
    #[error(transparent)]
    Imaging(#[from] sirt_imaging::ImagingError),
    /// Input: the dosimetry refused the images or structures (frames without registration,
    /// missing or empty structure, empty activity map, …).
    #[error(transparent)]
    Dosimetry(#[from] sirt_voxel_dosimetry::DosimetryError),
    /// Input: the case's registration object does not link two frames that differ.
    #[error(transparent)]
    NoTransform(Box<MissingTransform>),
    /// Input: a Y-90 PET in a case without sessions.
    #[error("images.y90_pet: the case has no session")]
    PetWithoutSession,
    /// Input: the PET's session has no injection.
    #[error("session {session}: no injection")]
    SessionWithoutInjection {
        /// The session id.
        session: String,
    },
    /// Input: two registration objects of `images.registration` register to different
    /// reference frames (they are used together through their common reference).
    #[error(
        "images.registration: {first} registers to frame {first_reference}, {second} to frame {second_reference}: expected objects that register to the same reference frame (the planning CT's)"
    )]
    RegistrationReferences {
        /// The first object's path.
        first: String,
        /// Its reference frame UID.
        first_reference: String,
        /// The other object's path.
        second: String,
        /// Its reference frame UID.
        second_reference: String,
    },
    /// Input: a PET without a reference time that is not corrected to the administration.
    #[error("{path}: the PET has no reference time (a NIfTI PET cannot be decay-corrected)")]
    PetWithoutReference {
        /// The case's `images.y90_pet` path.
        path: String,
    },
    /// Input: a segmented volume outside the site's plausibility bounds or an activity image
    /// inconsistent with the CT and structures, not accepted by the case (`crate::consistency`).
    #[error(transparent)]
    Refused(Box<crate::plausibility::Rejection>),
    /// Internal: the activity-weighted lung shunt fraction of a session is not in 0–1.
    #[error("activity-weighted LSF {lsf} out of range")]
    LungShuntOutOfRange {
        /// The value found.
        lsf: f64,
    },
    /// Internal: a DICOM object (RT Dose) or its date could not be written.
    #[error(transparent)]
    DicomWrite(#[from] sirt_dicom::write::WriteError),
    /// Internal: a NIfTI file could not be written.
    #[error(transparent)]
    Nifti(#[from] sirt_nifti::NiftiError),
    /// Internal: DVH CSV or SVG could not be made.
    #[error(transparent)]
    Dvh(#[from] sirt_report::dvh_out::DvhOutError),
    /// Internal: a volume could not be put on the CT grid.
    #[error("viewer volumes on the CT grid: {0}")]
    Geometry(sirt_geometry::GeometryError),
}

/// The case's registration object has no transform between two frames that differ
/// ([`VoxelPlanError::NoTransform`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "images.registration {registration}: no transform between the {between} (frames {to} and {from}; the object registers {registered} to {reference})"
)]
pub struct MissingTransform {
    /// The case's `images.registration` path (several joined with " + ").
    pub registration: String,
    /// Which images ("CT and the SPECT").
    pub between: String,
    /// The frame of reference UID transformed to.
    pub to: String,
    /// The frame of reference UID transformed from.
    pub from: String,
    /// The frames the object registers (comma-separated UIDs).
    pub registered: String,
    /// The object's reference frame UID.
    pub reference: String,
}

impl From<sirt_geometry::GeometryError> for VoxelPlanError {
    fn from(e: sirt_geometry::GeometryError) -> Self {
        Self::Geometry(e)
    }
}

impl VoxelPlanError {
    /// Whether the error is in the user's input (the case's images, structures, registration)
    /// rather than an internal failure.
    pub fn is_input(&self) -> bool {
        match self {
            Self::Imaging(_)
            | Self::Dosimetry(_)
            | Self::NoTransform(_)
            | Self::PetWithoutSession
            | Self::SessionWithoutInjection { .. }
            | Self::PetWithoutReference { .. }
            | Self::RegistrationReferences { .. }
            | Self::Refused(_) => true,
            Self::LungShuntOutOfRange { .. }
            | Self::DicomWrite(_)
            | Self::Nifti(_)
            | Self::Dvh(_)
            | Self::Geometry(_) => false,
        }
    }
}
