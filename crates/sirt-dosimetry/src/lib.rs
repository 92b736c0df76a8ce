//! The voxel dosimetry pipeline: from loaded images and structures to a dose map with per-structure
//! metrics, and from a prediction and a delivery to their comparison.
//!
//! | module | what |
//! |---|---|
//! | [`structures`] | [`Structure`] (a named binary mask with a [`Role`]) and the structures put on the dose grid with partial-volume fractions ([`on_grid`](structures::on_grid)), normal liver = liver − tumours |
//! | [`density`] | the density map on the dose grid: CT through an HU → density curve (mass-conserving rebinning when CT voxels are smaller), or a stated uniform density |
//! | [`pipeline`] | [`run`]: [`Request`] → [`VoxelDosimetry`] (activity map, dose map with energy balance, [`StructureDose`] per structure with DVH, partition value from the same masks, small-lesion flag) |
//! | [`verify`] | [`compare`]: predicted vs delivered per structure, Bland–Altman over lesions, dose-difference map on the predicted grid |
//!
//! Physics lives in `sirt-dose` (equations A1–A3, E1–E3, H1–H4, P1–P3 there); this crate only
//! chooses grids, resamples and assembles, and it never reads files: `sirt-imaging` loads
//! DICOM and NIfTI inputs into the types used here.
//!
//! ```
//! use sirt_dosimetry::{ActivityInput, DensityInput, EngineChoice, Request, Role, Structure, run};
//! use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
//! use sirt_nuclides::{KConvention, Nuclide};
//! use sirt_units::{Activity, Density, Fraction};
//!
//! // A 10 × 10 × 10 grid of 4 mm; the "liver" is the whole grid; 1 GBq, no lung shunt.
//! let grid = Grid::axis_aligned([10, 10, 10], [4.0; 3], PointLps::new(0.0, 0.0, 0.0), FrameOfReference("f".into()))?;
//! let counts = Image::filled(grid.clone(), 1.0f32);
//! let liver = Structure::new("liver", Role::Liver, Image::filled(grid.clone(), true));
//! let result = run(&Request {
//!     activity: ActivityInput::MaaPredictive {
//!         counts: &counts,
//!         administered: Activity::from_gbq(1.0),
//!         lsf: Fraction::ZERO,
//!         territories: vec![],
//!     },
//!     density: DensityInput::Uniform("1.0 g/mL".parse::<Density>()?),
//!     structures: &[liver],
//!     registration: None,
//!     k: KConvention::TheraSphereIfu.resolve(Nuclide::Y90)?,
//!     engine: EngineChoice::LocalDeposition,
//!     bin_gy: 0.5,
//!     dx_percent: vec![70.0],
//!     vx_gy: vec![100.0],
//! })?;
//! // 50 Gy·kg/GBq × 1 GBq / 0.064 kg = 781.25 Gy everywhere.
//! assert!((result.structures[0].dvh.mean_gy - 781.25).abs() < 1e-3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod density;
pub mod pipeline;
pub mod structures;
pub mod verify;

pub use density::DensityInput;
pub use pipeline::{
    ActivityInput, EngineChoice, Request, StructureDose, Territory, VoxelDosimetry, kernel_engine,
    point_kernel, run,
};
pub use structures::{Role, Structure};
pub use verify::{Verification, compare};

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
    Dose(#[from] sirt_dose::DoseError),
}

impl From<sirt_geometry::GeometryError> for DosimetryError {
    fn from(e: sirt_geometry::GeometryError) -> Self {
        Self::Geometry(e.to_string())
    }
}
