//! Voxel dosimetry of SIRT: the physics of absorbed dose from an activity map (kernels, engines,
//! activity maps, DVH, comparison) and the pipeline that applies it to a patient's images and
//! structures. It never reads files: `sirt-imaging` loads DICOM and NIfTI inputs into the types
//! used here.
//!
//! | module | what |
//! |---|---|
//! | [`physics`] | dose-voxel kernels from dose point kernels (Y-90 Graves 2019, β spectra for Ho-166), local deposition and kernel convolution engines with the energy balance, activity maps (MAA-predictive, PET, self-calibrated), compartment concentrations, DVH and metrics, predicted-vs-delivered statistics: the equations, each with its source |
//! | [`pipeline`] | a [`Request`] (activity image, CT density, structures, registration, K, engine) → [`VoxelDosimetry`]: structures and density on the dose grid, per-structure DVH with the partition value from the same masks; [`compare`] of a prediction with a delivery |
//!
//! ```
//! use sirt_voxel_dosimetry::{ActivityInput, DensityInput, EngineChoice, Request, Role, Structure, run};
//! use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
//! use sirt_nuclides::{KConvention, Nuclide};
//! use sirt_units::{Activity, Density, Fraction, Length};
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
//!         liver_margin: Length::from_m(0.015),
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

pub mod physics;
pub mod pipeline;

pub use physics::DoseError;
pub use physics::activity::{ExtrahepaticShare, MaaAccounting};
pub use pipeline::{
    ActivityInput, DensityInput, DosimetryError, EngineChoice, ExtrahepaticUptake,
    MIN_TERRITORY_IN_LIVER, Prepared, Request, Role, Structure, StructureDose, Territory,
    Verification, VoxelDosimetry, compare, kernel_engine, point_kernel, prepare, run, run_prepared,
    share_in_liver,
};
