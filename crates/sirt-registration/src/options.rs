//! The settings of a registration, each default a named constant with its source.

use crate::error::RegistrationError;
use sirt_geometry::{Mask, PointLps, Rigid};

/// Histogram bins of the Mattes metric: 50, the comparison setting (issue 16) and
/// SimpleITK's `SetMetricAsMattesMutualInformation(numberOfHistogramBins=50)` default.
pub const HISTOGRAM_BINS: usize = 50;

/// Fraction of the fixed region's voxels drawn as sample points at each level: 10 %, the issue's
/// comparison setting (issue 16; SimpleITK `SetMetricSamplingPercentage(0.10)`).
pub const SAMPLING_FRACTION: f64 = 0.10;

/// Seed of the random sampling: design choice, any fixed value makes runs repeatable.
pub const SAMPLING_SEED: u64 = 20_251_016;

/// Shrink factors of the three-level pyramid, coarse to fine: 4, 2, 1 (issue 16).
pub const SHRINK_FACTORS: [usize; 3] = [4, 2, 1];

/// Gaussian smoothing sigma of each level, in voxels of each image's own grid (as SimpleITK's
/// `SetSmoothingSigmasPerLevel([2, 1, 0])` with `SmoothingSigmasAreSpecifiedInPhysicalUnitsOff`):
/// 2, 1, 0 (issue 16).
pub const SMOOTHING_SIGMAS_VOXELS: [f64; 3] = [2.0, 1.0, 0.0];

/// At most 200 iterations per level (issue 16).
pub const MAX_ITERATIONS: usize = 200;

/// First step length of the regular-step gradient descent, in the scaled parameter space (about
/// the largest displacement of the region's corners, mm): design choice, 2 mm moves a 30 mm
/// offset in 15 steps at the coarsest level; the same value is given to SimpleITK in the bench.
pub const LEARNING_RATE: f64 = 2.0;

/// The descent stops when the step length falls below this (scaled parameter space, ≈ mm):
/// 1e-3, design choice, a hundredth of the 0.1 mm accuracy sought; the bench gives SimpleITK
/// the same.
pub const MIN_STEP: f64 = 1e-3;

/// The step is multiplied by this when the gradient turns back: 0.5, the default of ITK's
/// `RegularStepGradientDescentOptimizerv4` (and SimpleITK's `relaxationFactor`).
pub const RELAXATION: f64 = 0.5;

/// The descent stops when the scaled gradient's magnitude falls below this: 1e-4, the default of
/// ITK's `RegularStepGradientDescentOptimizerv4` (SimpleITK's `gradientMagnitudeTolerance`).
pub const GRADIENT_TOLERANCE: f64 = 1e-4;

/// A region mask is dilated by this margin before sampling, mm: design choice, so that the
/// samples hold both sides of the organ's edge (the edge is what aligns it; a mask drawn on the
/// liver alone samples parenchyma and tumours only). Measured on the phantom's liver (CT–CT,
/// all voxels sampled): the Mattes MI's optimum lies > 2 mm off the truth with no margin,
/// 0.7 mm off with 10 mm, and on the truth (within the 0.5 mm probe step) with 20 or 30 mm.
pub const REGION_MARGIN_MM: f64 = 20.0;

/// One level of the pyramid.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Level {
    /// Shrink factor (≥ 1) relative to the sampling resolution of the finest level.
    pub shrink: usize,
    /// Gaussian smoothing sigma in voxels of each image's own grid (0: none).
    pub smoothing_sigma_voxels: f64,
}

/// Where the samples are drawn: the fixed image, or a part of it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Region {
    /// The whole fixed image.
    #[default]
    Whole,
    /// The voxels of a mask on the fixed image's grid (e.g. the liver), dilated by
    /// `margin_mm` (a cuboid of that half-width; 0 for none).
    Mask {
        /// The mask, on the fixed grid.
        mask: Mask,
        /// Dilation margin, mm.
        margin_mm: f64,
    },
    /// An axis-aligned box in the fixed image's patient coordinates (LPS, mm), given by two
    /// opposite corners.
    Box {
        /// Corner with the smaller coordinates.
        min: PointLps,
        /// Corner with the larger coordinates.
        max: PointLps,
    },
}

/// Where the optimisation starts.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Initial {
    /// The moving image's geometric centre on the fixed image's (SimpleITK's
    /// `CenteredTransformInitializer(GEOMETRY)`): the default, because the patient coordinates
    /// of two scanners share no origin (the table position sets it), so the identity can be
    /// hundreds of millimetres off while two scans of one body part have nearby centres.
    #[default]
    Centres,
    /// The patient coordinates as they are (two series of one scanner session).
    Identity,
    /// A given `fixed_from_moving` (e.g. a previous or manual registration).
    Given(Rigid),
}

/// The settings of [`crate::register_rigid`]. `Default` gives the comparison settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RigidOptions {
    /// Histogram bins (≥ 8).
    pub histogram_bins: usize,
    /// Fraction of the region's voxels sampled at each level, in (0, 1].
    pub sampling_fraction: f64,
    /// Seed of the sampling.
    pub seed: u64,
    /// Pyramid levels, coarse to fine.
    pub levels: Vec<Level>,
    /// Iterations per level, at most.
    pub max_iterations: usize,
    /// First step length.
    pub learning_rate: f64,
    /// Smallest step length.
    pub min_step: f64,
    /// Step factor on a gradient reversal, in (0, 1).
    pub relaxation: f64,
    /// Smallest scaled gradient magnitude.
    pub gradient_tolerance: f64,
    /// Where samples are drawn.
    pub region: Region,
    /// Where the optimisation starts.
    pub initial: Initial,
}

impl Default for RigidOptions {
    fn default() -> Self {
        Self {
            histogram_bins: HISTOGRAM_BINS,
            sampling_fraction: SAMPLING_FRACTION,
            seed: SAMPLING_SEED,
            levels: SHRINK_FACTORS
                .iter()
                .zip(SMOOTHING_SIGMAS_VOXELS)
                .map(|(&shrink, smoothing_sigma_voxels)| Level {
                    shrink,
                    smoothing_sigma_voxels,
                })
                .collect(),
            max_iterations: MAX_ITERATIONS,
            learning_rate: LEARNING_RATE,
            min_step: MIN_STEP,
            relaxation: RELAXATION,
            gradient_tolerance: GRADIENT_TOLERANCE,
            region: Region::Whole,
            initial: Initial::Centres,
        }
    }
}

fn invalid(option: &'static str, expected: &'static str, found: String) -> RegistrationError {
    RegistrationError::InvalidOption {
        option,
        expected,
        found,
    }
}

impl RigidOptions {
    /// Checks every setting's range.
    pub fn validate(&self) -> Result<(), RegistrationError> {
        if self.histogram_bins < 8 {
            return Err(invalid(
                "histogram_bins",
                "at least 8",
                self.histogram_bins.to_string(),
            ));
        }
        if !(self.sampling_fraction > 0.0 && self.sampling_fraction <= 1.0) {
            return Err(invalid(
                "sampling_fraction",
                "a fraction in (0, 1]",
                self.sampling_fraction.to_string(),
            ));
        }
        if self.levels.is_empty() {
            return Err(invalid("levels", "at least one level", "none".into()));
        }
        for l in &self.levels {
            if l.shrink == 0
                || !(l.smoothing_sigma_voxels.is_finite() && l.smoothing_sigma_voxels >= 0.0)
            {
                return Err(invalid(
                    "levels",
                    "shrink factors ≥ 1 and smoothing sigmas ≥ 0",
                    format!("{l:?}"),
                ));
            }
        }
        if self.max_iterations == 0 {
            return Err(invalid("max_iterations", "at least 1", "0".into()));
        }
        let positive = [
            ("learning_rate", self.learning_rate),
            ("min_step", self.min_step),
            ("gradient_tolerance", self.gradient_tolerance),
        ];
        for (option, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(invalid(option, "a finite number above 0", v.to_string()));
            }
        }
        if !(self.relaxation > 0.0 && self.relaxation < 1.0) {
            return Err(invalid(
                "relaxation",
                "a factor in (0, 1)",
                self.relaxation.to_string(),
            ));
        }
        self.validate_region()
    }

    fn validate_region(&self) -> Result<(), RegistrationError> {
        match &self.region {
            Region::Whole => Ok(()),
            Region::Mask { margin_mm, .. } => {
                if margin_mm.is_finite() && *margin_mm >= 0.0 {
                    Ok(())
                } else {
                    Err(invalid(
                        "region margin",
                        "a finite margin ≥ 0 mm",
                        margin_mm.to_string(),
                    ))
                }
            }
            Region::Box { min, max } => {
                let ok = min.is_finite()
                    && max.is_finite()
                    && min.x < max.x
                    && min.y < max.y
                    && min.z < max.z;
                if ok {
                    Ok(())
                } else {
                    Err(invalid(
                        "region box",
                        "finite corners with x0 < x1, y0 < y1, z0 < z1 (mm)",
                        format!(
                            "({}, {}, {}) to ({}, {}, {})",
                            min.x, min.y, min.z, max.x, max.y, max.z
                        ),
                    ))
                }
            }
        }
    }
}
