//! The voxel dosimetry pipeline: from loaded images and structures to a dose map with per-structure
//! metrics, and from a prediction and a delivery to their comparison.
//!
//! | module | what |
//! |---|---|
//! | [`structures`] | [`Structure`] (a named binary mask with a [`Role`]) and the structures put on the dose grid with partial-volume fractions ([`on_grid`](structures::on_grid)), normal liver = liver − tumours |
//! | [`density`] | the density map on the dose grid: CT through an HU → density curve (mass-conserving rebinning when CT voxels are smaller), or a stated uniform density; the density of a structure's part of each voxel (D2) |
//! | [`run`] | [`run()`](run::run): [`Request`] → [`VoxelDosimetry`] (activity map, dose map with energy balance, [`StructureDose`] per structure with DVH, partition value from the same masks, small-lesion flag) |
//! | [`radiobiology`](mod@radiobiology) | [`radiobiology()`](radiobiology::radiobiology): per structure with tissue parameters the BED of its part dose (Dale, the nuclide's half-life), BED-volume histogram by the DVH code, mean BED and EQD2, gEUD, published NTCP/response fits as information; [`bed_map`](radiobiology::bed_map) for display (R1–R4 there) |
//! | [`compare`](mod@compare) | [`compare()`]: predicted vs delivered per structure (P1), Bland–Altman over lesions (P2), dose-difference map on the predicted grid (P3) |
//!
//! The physics is in [`crate::physics`] (equations A1–A3, E1–E3, H1–H4, P1–P3 there); the
//! pipeline chooses grids, resamples and assembles.

pub mod compare;
pub mod density;
pub mod radiobiology;
pub mod run;
pub mod structures;

pub use compare::{Verification, compare};
pub use density::DensityInput;
pub use run::{
    ActivityInput, EngineChoice, ExtrahepaticUptake, MIN_TERRITORY_IN_LIVER, Prepared, Request,
    StructureDose, Territory, VoxelDosimetry, kernel_engine, point_kernel, prepare, run,
    run_prepared, share_in_liver,
};
pub use structures::{Role, Structure};

/// A dosimetry that cannot be made; each message says what is wrong and with which input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DosimetryError {
    /// Grids or frames that cannot be brought together.
    #[error("geometry: {0}")]
    Geometry(String),
    /// A structure that is missing, empty or ambiguous.
    #[error("structure \"{name}\": {what}")]
    Structure {
        /// The structure's name.
        name: String,
        /// What is wrong.
        what: String,
    },
    /// Inputs that cannot be used together.
    #[error("{0}")]
    Input(String),
    /// The dose calculation refused its inputs.
    #[error(transparent)]
    Dose(#[from] crate::physics::DoseError),
}

impl From<sirt_geometry::GeometryError> for DosimetryError {
    fn from(e: sirt_geometry::GeometryError) -> Self {
        Self::Geometry(e.to_string())
    }
}
