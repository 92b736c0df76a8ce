//! Automatic rigid registration (6 degrees of freedom) of two images by Mattes mutual
//! information, multi-resolution (docs/registration.md).
//!
//! [`register_rigid`] finds `fixed_from_moving`: the rigid transform that takes a point in the
//! moving image's patient coordinates (its own frame of reference) to the fixed image's
//! (`to` = fixed frame, `from` = moving frame; docs/coordinates.md, R1–R3).
//!
//! | module | what |
//! |---|---|
//! | `options` | [`RigidOptions`] (defaults: the issue's comparison settings, each a named constant with its source), [`Region`], [`Initial`] |
//! | `pyramid` | each level's images: block averaging to the level's sampling resolution, Gaussian smoothing |
//! | `sampling` | the region on a level, the voxels inside the moving image, random samples with a fixed seed |
//! | `interpolate` | trilinear values and gradients in patient coordinates |
//! | `mattes` | Mattes mutual information with B-spline Parzen windows and its analytic gradient |
//! | `optimizer` | regular-step gradient descent with physical-shift parameter scales |
//! | `transform` | the pose being optimised; rotation angles for people |
//!
//! Method in short: at each level (shrink 4, 2, 1 by default) both images are block-averaged to
//! the level's sampling spacing — the shrink factor times the coarser of the two images' finest
//! spacings, so that the work is bounded by the coarser image — and smoothed (sigma 2, 1, 0
//! voxels of each image's own grid); 10 % of the region's voxels that fall inside the moving
//! image are drawn (at least [`MIN_SAMPLES_PER_LEVEL`]), each at a random point within
//! its voxel; the transform about the region's centre is moved by regular-step gradient descent
//! on the Mattes MI (50 bins); metric and gradient are computed in parallel.
//!
//! ```
//! use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
//! use sirt_registration::{register_rigid, RigidOptions};
//! // A bright cube in a 40 × 40 × 40 image of 2 mm voxels; the moving image shows it 4 mm to the
//! // patient's left (+x) in its own frame.
//! let cube = |frame: &str, shift: f64| {
//!     let g = Grid::axis_aligned([40; 3], [2.0; 3], PointLps::new(-39.0, -39.0, -39.0),
//!         FrameOfReference(frame.into())).unwrap();
//!     let data = (0..g.len()).map(|o| {
//!         let [i, j, k] = g.index_of_offset(o);
//!         let p = g.patient_from_index(sirt_geometry::ContinuousIndex::of_voxel(i, j, k));
//!         let r = ((p.x - shift).powi(2) + (p.y / 1.5).powi(2) + (p.z / 0.8).powi(2)).sqrt();
//!         if r < 20.0 { 100.0 } else { 0.0 }
//!     }).collect();
//!     Image::new(g, data).unwrap()
//! };
//! let fixed = cube("fixed", 0.0);
//! let moving = cube("moving", 4.0);
//! let options = RigidOptions { initial: sirt_registration::Initial::Identity, ..Default::default() };
//! let r = register_rigid(&fixed, &moving, &options).unwrap();
//! // A moving point 4 mm to the left is the fixed point at 0: translation ≈ (−4, 0, 0) mm.
//! assert!((r.fixed_from_moving.translation_mm[0] + 4.0).abs() < 0.5);
//! ```

mod error;
mod interpolate;
mod mattes;
mod optimizer;
mod options;
mod pyramid;
mod sampling;
mod transform;

pub use error::{RegistrationError, Which};
pub use optimizer::StopReason;
pub use options::{
    GRADIENT_TOLERANCE, HISTOGRAM_BINS, Initial, LEARNING_RATE, Level, MAX_ITERATIONS, MIN_STEP,
    REGION_MARGIN_MM, RELAXATION, Region, RigidOptions, SAMPLING_FRACTION, SAMPLING_SEED,
    SHRINK_FACTORS, SMOOTHING_SIGMAS_VOXELS,
};
pub use sampling::MIN_SAMPLES_PER_LEVEL;
pub use transform::{rotation_angle_deg, rotation_angles_deg, rotation_from_angles_deg};

use interpolate::Volume;
use mattes::{Evaluation, Mattes};
use optimizer::{Descent, descend};
use pyramid::{block_average, block_factors, smooth};
use sampling::{candidates, check_mask, draw, region_on_level};
use sirt_geometry::{ContinuousIndex, Grid, Image, PointLps, Rigid};
use sirt_units::Fraction;
use transform::{IDENTITY, Pose, point};

/// Below this share of the region inside the moving image at the end, the result is flagged:
/// design choice, a registration driven mostly by what lies outside the region is not one of
/// the region.
pub const MIN_OVERLAP: f64 = 0.5;

/// One level of a finished registration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LevelReport {
    /// Shrink factor.
    pub shrink: usize,
    /// Smoothing sigma, voxels of each image's own grid.
    pub smoothing_sigma_voxels: f64,
    /// Voxel spacing of the fixed image at this level, mm.
    pub fixed_spacing_mm: [f64; 3],
    /// Voxel spacing of the moving image at this level, mm.
    pub moving_spacing_mm: [f64; 3],
    /// Sample points drawn.
    pub samples: usize,
    /// Steps taken.
    pub iterations: usize,
    /// Why it stopped.
    pub stop: StopReason,
    /// Mattes MI at the last evaluation, nats.
    pub mattes_mi: f64,
}

/// How well the images match, at the finest level's samples.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Quality {
    /// Mattes mutual information at the result, nats (higher is better; 0 for independent
    /// images; it depends on the images' content, so compare it with `mattes_mi_initial`).
    pub mattes_mi: f64,
    /// Mattes MI at the initial transform, nats.
    pub mattes_mi_initial: f64,
    /// Normalised mutual information (H_F + H_M) / H_FM (Studholme et al., Pattern Recognit.
    /// 1999;32:71–86, doi:10.1016/S0031-3203(98)00091-0): 1 for independent images, 2 for
    /// identical ones; on the phantom's pairs (12–30 HU noise) 1.39–1.47 when aligned, 1.04–1.15
    /// at the start (10–30 mm, up to 10° off). Compare it with `normalised_mi_initial`.
    pub normalised_mi: f64,
    /// Normalised MI at the initial transform.
    pub normalised_mi_initial: f64,
    /// Pearson correlation of the fixed and moving values over the samples inside the moving
    /// image (meaningful when both images are CT: near 1 when aligned); `None` when either is
    /// constant there.
    pub correlation: Option<f64>,
    /// The correlation at the initial transform.
    pub correlation_initial: Option<f64>,
    /// Share of the region's voxels (finest level) whose centres fall inside the moving image at
    /// the result.
    pub overlap: Fraction,
    /// Sample points of the finest level.
    pub samples: usize,
}

/// A result to look at before using it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegistrationWarning {
    /// The finest level stopped at its iteration limit, not converged.
    NotConverged {
        /// The limit.
        iterations: usize,
    },
    /// Less than [`MIN_OVERLAP`] of the region lies inside the moving image.
    LowOverlap {
        /// The share.
        overlap: Fraction,
    },
}

impl std::fmt::Display for RegistrationWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistrationWarning::NotConverged { iterations } => write!(
                f,
                "the finest level did not converge within {iterations} iterations"
            ),
            RegistrationWarning::LowOverlap { overlap } => write!(
                f,
                "only {:.1} % of the region lies inside the moving image (at least {:.0} % \
                 expected)",
                overlap.percent(),
                MIN_OVERLAP * 100.0
            ),
        }
    }
}

/// A finished registration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RigidRegistration {
    /// Takes a point in the moving image's patient coordinates (moving frame) to the fixed
    /// image's (fixed frame).
    pub fixed_from_moving: Rigid,
    /// Where the optimisation started.
    pub initial_fixed_from_moving: Rigid,
    /// The centre of rotation used by the optimiser (fixed patient coordinates).
    pub centre_of_rotation: PointLps,
    /// The levels, coarse to fine.
    pub levels: Vec<LevelReport>,
    /// The match at the result.
    pub quality: Quality,
    /// What to look at before using the result (empty: none).
    pub warnings: Vec<RegistrationWarning>,
}

/// Registers `moving` to `fixed` (see the crate documentation).
pub fn register_rigid(
    fixed: &Image<f32>,
    moving: &Image<f32>,
    options: &RigidOptions,
) -> Result<RigidRegistration, RegistrationError> {
    options.validate()?;
    check_inputs(fixed, moving, options)?;
    let base_mm = min_spacing(fixed.grid()).max(min_spacing(moving.grid()));
    let initial = initial_pose(fixed, moving, options)?;
    let mut pose = initial.clone();
    let mut levels = Vec::new();
    let mut quality = None;
    let last = options.levels.len() - 1;
    for (n, level) in options.levels.iter().enumerate() {
        let data = LevelData::build(fixed, moving, options, level, base_mm, n)?;
        let (inside, region_total) =
            candidates(data.fixed.grid(), &data.region, &data.moving, &pose);
        if inside.is_empty() {
            return Err(no_overlap(options, n, region_total));
        }
        let seed = options.seed.wrapping_add(n as u64);
        let samples = draw(
            &data.fixed,
            &data.fixed_volume,
            &inside,
            options.sampling_fraction,
            seed,
        );
        let metric = Mattes::new(&samples, &data.moving, options.histogram_bins)?;
        let scales = pose.physical_shift_scales(&region_corners(data.fixed.grid(), &data.region));
        let run = descend(&metric, &mut pose, scales, &descent(options), n + 1)?;
        levels.push(LevelReport {
            shrink: level.shrink,
            smoothing_sigma_voxels: level.smoothing_sigma_voxels,
            fixed_spacing_mm: data.fixed.grid().spacing_mm,
            moving_spacing_mm: data.moving_spacing_mm,
            samples: samples.len(),
            iterations: run.iterations,
            stop: run.stop,
            mattes_mi: run.last.mi,
        });
        if n == last {
            let (now_inside, _) = candidates(data.fixed.grid(), &data.region, &data.moving, &pose);
            let overlap = now_inside.len() as f64 / region_total.max(1) as f64;
            let at_end = metric.evaluate(&pose, false);
            let at_start = metric.evaluate(&initial, false);
            quality = Some(make_quality(&at_end, &at_start, overlap, samples.len()));
        }
    }
    finish(fixed, moving, &initial, &pose, levels, quality)
}

/// The result with its warnings.
fn finish(
    fixed: &Image<f32>,
    moving: &Image<f32>,
    initial: &Pose,
    pose: &Pose,
    levels: Vec<LevelReport>,
    quality: Option<Quality>,
) -> Result<RigidRegistration, RegistrationError> {
    let (f, m) = (&fixed.grid().frame, &moving.grid().frame);
    let quality = quality.ok_or(RegistrationError::InvalidOption {
        option: "levels",
        expected: "at least one level",
        found: "none".into(),
    })?;
    let mut warnings = Vec::new();
    if let Some(l) = levels.last().filter(|l| !l.stop.converged()) {
        warnings.push(RegistrationWarning::NotConverged {
            iterations: l.iterations,
        });
    }
    if quality.overlap.value() < MIN_OVERLAP {
        warnings.push(RegistrationWarning::LowOverlap {
            overlap: quality.overlap,
        });
    }
    Ok(RigidRegistration {
        fixed_from_moving: pose.fixed_from_moving(f, m)?,
        initial_fixed_from_moving: initial.fixed_from_moving(f, m)?,
        centre_of_rotation: point(pose.centre),
        levels,
        quality,
        warnings,
    })
}

fn make_quality(end: &Evaluation, start: &Evaluation, overlap: f64, samples: usize) -> Quality {
    Quality {
        mattes_mi: end.mi,
        mattes_mi_initial: start.mi,
        normalised_mi: end.normalised_mi,
        normalised_mi_initial: start.normalised_mi,
        correlation: end.correlation,
        correlation_initial: start.correlation,
        overlap: Fraction::new(overlap.clamp(0.0, 1.0)).unwrap_or(Fraction::ZERO),
        samples,
    }
}

fn descent(o: &RigidOptions) -> Descent {
    Descent {
        learning_rate: o.learning_rate,
        min_step: o.min_step,
        relaxation: o.relaxation,
        gradient_tolerance: o.gradient_tolerance,
        max_iterations: o.max_iterations,
    }
}

fn no_overlap(options: &RigidOptions, level: usize, region_voxels: usize) -> RegistrationError {
    if level == 0 {
        RegistrationError::NoOverlap {
            initial: match options.initial {
                Initial::Centres => "the images' centres aligned".into(),
                Initial::Identity => "the patient coordinates as they are".into(),
                Initial::Given(_) => "the transform given".into(),
            },
        }
    } else {
        RegistrationError::OverlapLostBetweenLevels {
            level: level + 1,
            region_voxels,
        }
    }
}

fn min_spacing(g: &Grid) -> f64 {
    g.spacing_mm.iter().copied().fold(f64::INFINITY, f64::min)
}

/// One level's images and region.
struct LevelData {
    fixed: Image<f32>,
    fixed_volume: Volume,
    moving: Volume,
    moving_spacing_mm: [f64; 3],
    region: Vec<bool>,
}

impl LevelData {
    fn build(
        fixed: &Image<f32>,
        moving: &Image<f32>,
        options: &RigidOptions,
        level: &Level,
        base_mm: f64,
        n: usize,
    ) -> Result<Self, RegistrationError> {
        let target = base_mm * level.shrink as f64;
        let ff = block_factors(fixed.grid(), target);
        let fm = block_factors(moving.grid(), target);
        let sigma = level.smoothing_sigma_voxels;
        let fd = fixed.data();
        let fixed_l = smooth(
            block_average(fixed.grid(), ff, |o| fd[o])?,
            ff.map(|f| sigma / f as f64),
        )?;
        let md = moving.data();
        let moving_l = smooth(
            block_average(moving.grid(), fm, |o| md[o])?,
            fm.map(|f| sigma / f as f64),
        )?;
        let region = region_on_level(&options.region, fixed.grid(), fixed_l.grid(), ff)?;
        if !region.iter().any(|&r| r) {
            let s = fixed_l.grid().spacing_mm;
            return Err(RegistrationError::EmptyRegion {
                what: format!(
                    "no voxel of the fixed image lies in the region at resolution level {} \
                     (voxels of {:.1} × {:.1} × {:.1} mm); is the region inside the fixed image?",
                    n + 1,
                    s[0],
                    s[1],
                    s[2]
                ),
            });
        }
        Ok(Self {
            fixed_volume: Volume::new(&fixed_l),
            fixed: fixed_l,
            moving_spacing_mm: moving_l.grid().spacing_mm,
            moving: Volume::new(&moving_l),
            region,
        })
    }
}

/// Refuses what cannot be registered: one frame, non-finite or constant values, a bad mask.
fn check_inputs(
    fixed: &Image<f32>,
    moving: &Image<f32>,
    options: &RigidOptions,
) -> Result<(), RegistrationError> {
    if fixed.grid().frame == moving.grid().frame {
        return Err(RegistrationError::SameFrame {
            frame: fixed.grid().frame.clone(),
        });
    }
    for (image, which) in [(fixed, Which::Fixed), (moving, Which::Moving)] {
        check_values(image, which)?;
    }
    if let Region::Mask { mask, .. } = &options.region {
        check_mask(mask, fixed.grid())?;
    }
    if let Initial::Given(r) = &options.initial
        && (r.to != fixed.grid().frame || r.from != moving.grid().frame)
    {
        return Err(RegistrationError::InvalidOption {
            option: "initial transform",
            expected: "fixed_from_moving: to the fixed image's frame, from the moving image's",
            found: format!("to {}, from {}", r.to, r.from),
        });
    }
    Ok(())
}

fn check_values(image: &Image<f32>, which: Which) -> Result<(), RegistrationError> {
    let d = image.data();
    if let Some(o) = d.iter().position(|v| !v.is_finite()) {
        let [i, j, k] = image.grid().index_of_offset(o);
        return Err(RegistrationError::NonFinite {
            image: which,
            i,
            j,
            k,
            value: d[o],
        });
    }
    let first = d.first().copied().unwrap_or(0.0);
    if d.iter().all(|&v| v == first) {
        return Err(RegistrationError::Constant {
            image: which,
            value: first,
            scope: "over the whole image",
        });
    }
    Ok(())
}

/// The geometric centre of a grid (patient coordinates).
fn grid_centre(g: &Grid) -> [f64; 3] {
    let c = |n: usize| (n as f64 - 1.0) / 2.0;
    g.patient_from_index(ContinuousIndex::new(
        c(g.dims[0]),
        c(g.dims[1]),
        c(g.dims[2]),
    ))
    .to_array()
}

/// The centre of rotation: the region's (mask bounding box, box) or the fixed image's centre.
fn rotation_centre(fixed: &Image<f32>, region: &Region) -> [f64; 3] {
    match region {
        Region::Whole => grid_centre(fixed.grid()),
        Region::Box { min, max } => [
            (min.x + max.x) / 2.0,
            (min.y + max.y) / 2.0,
            (min.z + max.z) / 2.0,
        ],
        Region::Mask { mask, .. } => {
            let g = mask.grid();
            let mut lo = [usize::MAX; 3];
            let mut hi = [0usize; 3];
            for (o, _) in mask.data().iter().enumerate().filter(|(_, m)| **m) {
                let idx = g.index_of_offset(o);
                for c in 0..3 {
                    lo[c] = lo[c].min(idx[c]);
                    hi[c] = hi[c].max(idx[c]);
                }
            }
            let mid = |c: usize| (lo[c] + hi[c]) as f64 / 2.0;
            g.patient_from_index(ContinuousIndex::new(mid(0), mid(1), mid(2)))
                .to_array()
        }
    }
}

/// The starting `moving_from_fixed`.
fn initial_pose(
    fixed: &Image<f32>,
    moving: &Image<f32>,
    options: &RigidOptions,
) -> Result<Pose, RegistrationError> {
    let centre = rotation_centre(fixed, &options.region);
    Ok(match &options.initial {
        Initial::Identity => Pose::from_affine(IDENTITY, [0.0; 3], centre),
        Initial::Centres => {
            let (f, m) = (grid_centre(fixed.grid()), grid_centre(moving.grid()));
            Pose::from_affine(IDENTITY, [m[0] - f[0], m[1] - f[1], m[2] - f[2]], centre)
        }
        Initial::Given(fixed_from_moving) => {
            let r = fixed_from_moving.inverse();
            Pose::from_affine(r.rotation, r.translation_mm, centre)
        }
    })
}

/// The corners of the region's bounding box on a level grid (patient coordinates).
fn region_corners(g: &Grid, region: &[bool]) -> Vec<[f64; 3]> {
    let mut lo = [usize::MAX; 3];
    let mut hi = [0usize; 3];
    for (o, _) in region.iter().enumerate().filter(|(_, r)| **r) {
        let idx = g.index_of_offset(o);
        for c in 0..3 {
            lo[c] = lo[c].min(idx[c]);
            hi[c] = hi[c].max(idx[c]);
        }
    }
    let mut corners = Vec::with_capacity(8);
    for n in 0..8 {
        let pick = |c: usize| {
            let v = if n >> c & 1 == 0 { lo[c] } else { hi[c] };
            v as f64
        };
        corners.push(
            g.patient_from_index(ContinuousIndex::new(pick(0), pick(1), pick(2)))
                .to_array(),
        );
    }
    corners
}
