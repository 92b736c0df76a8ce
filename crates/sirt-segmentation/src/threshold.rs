//! Thresholds: an absolute interval on any image; the voxels at or above a fraction of the
//! maximum within a restricting mask (the SPECT isocontour of a perfused territory, restricted
//! to the liver); a counts threshold; the threshold of one slice (interactive preview).
//!
//! A restricting mask on another grid (the liver drawn on the CT, the threshold on the SPECT) is
//! put on the image grid with `sirt_geometry::resample_mask_fractional` (through the
//! registration when the frames differ): a voxel is inside when at least half of it is
//! ([`RESTRICTION_MIN_FRACTION`], sampled at [`RESTRICTION_SUPERSAMPLING`]³ points).

use sirt_geometry::{
    ContinuousIndex, Grid, Image, Mask, Rigid, resample_mask_fractional, source_from_target,
};
use sirt_units::Fraction;

use crate::{SegmentationError, describe_grid};

/// Points per axis at which a restricting mask on another grid is sampled in each image voxel.
/// Design choice: 3 × 3 × 3 = 27 samples estimate the fraction of the voxel inside within
/// 1/27 ≈ 4 %, enough to decide the 50 % rule, at 27 look-ups per voxel.
pub const RESTRICTION_SUPERSAMPLING: usize = 3;

/// Fraction of an image voxel that must lie in a restricting mask on another grid for the voxel
/// to count as inside. Design choice: 0.5, the partial-volume rule that keeps the restricted
/// volume unbiased (as many voxels gained at the border as lost).
pub const RESTRICTION_MIN_FRACTION: f32 = 0.5;

/// A closed interval [lo, hi] of image values (both included, as ITK's BinaryThreshold and
/// ConnectedThreshold).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Lowest value included.
    pub lo: f32,
    /// Highest value included.
    pub hi: f32,
}

impl Interval {
    /// An interval: both ends not NaN and lo ≤ hi (an end may be infinite: "at least lo").
    pub fn new(lo: f32, hi: f32) -> Result<Self, SegmentationError> {
        if lo.is_nan() || hi.is_nan() || lo > hi {
            return Err(SegmentationError::InvalidParameter {
                what: "threshold interval".into(),
                expected: "two numbers with lower ≤ upper".into(),
                found: format!("[{lo}, {hi}]"),
            });
        }
        Ok(Self { lo, hi })
    }

    /// [lo, +∞).
    pub fn at_least(lo: f32) -> Result<Self, SegmentationError> {
        Self::new(lo, f32::INFINITY)
    }

    /// Whether `v` is in the interval (NaN never is).
    #[inline]
    pub fn contains(self, v: f32) -> bool {
        v >= self.lo && v <= self.hi
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.hi == f32::INFINITY {
            write!(f, "≥ {}", self.lo)
        } else {
            write!(f, "[{}, {}]", self.lo, self.hi)
        }
    }
}

/// The voxels of `image` whose value lies in `interval`.
pub fn threshold(image: &Image<f32>, interval: Interval) -> Mask {
    image.map(|v| interval.contains(v))
}

/// A restricting mask, with the registration that links its frame to the image's when they
/// differ (either direction, e.g. `ct_from_spect`).
#[derive(Debug, Clone, Copy)]
pub struct Restriction<'a> {
    /// The mask (the liver).
    pub mask: &'a Mask,
    /// The registration between the mask's frame and the image's, when they differ.
    pub registration: Option<&'a Rigid>,
}

impl<'a> Restriction<'a> {
    /// A restriction in the image's frame.
    pub fn new(mask: &'a Mask) -> Self {
        Self {
            mask,
            registration: None,
        }
    }
}

/// The restricting mask on `grid`: itself when on that grid, else resampled (fractional,
/// ≥ [`RESTRICTION_MIN_FRACTION`]). Refuses an empty mask, frames without a registration, and a
/// mask that covers no voxel of `grid`.
pub fn restriction_on_grid(
    restriction: Restriction<'_>,
    grid: &Grid,
) -> Result<Mask, SegmentationError> {
    let mask = restriction.mask;
    let voxels = mask.count();
    if voxels == 0 {
        return Err(SegmentationError::EmptyMask {
            what: "the restricting mask".into(),
        });
    }
    if mask.grid().same_as(grid) {
        return Ok(mask.clone());
    }
    let mask_from_image =
        source_from_target(&mask.grid().frame, &grid.frame, restriction.registration)
            .map_err(resample_error)?;
    let on_grid = resample_mask_fractional(mask, grid, &mask_from_image, RESTRICTION_SUPERSAMPLING)
        .map_err(resample_error)?
        .threshold(RESTRICTION_MIN_FRACTION);
    if on_grid.count() == 0 {
        return Err(SegmentationError::NoOverlap {
            voxels,
            mask_grid: describe_grid(mask.grid()),
            image_grid: describe_grid(grid),
        });
    }
    Ok(on_grid)
}

/// The geometry's refusal to put a restricting mask on the image grid.
fn resample_error(source: sirt_geometry::GeometryError) -> SegmentationError {
    SegmentationError::Geometry {
        what: "cannot put the restricting mask on the image grid",
        source,
    }
}

/// The voxels of the restriction whose value is at least `fraction_of_max` × the maximum value
/// within the restriction (the isocontour at p % of the maximum, e.g. the perfused territory of
/// one injection on its MAA SPECT, restricted to the liver). Refuses a restriction whose
/// maximum is not above zero (nothing to take a percentage of).
pub fn threshold_relative(
    image: &Image<f32>,
    fraction_of_max: Fraction,
    within: Restriction<'_>,
) -> Result<Mask, SegmentationError> {
    let inside = restriction_on_grid(within, image.grid())?;
    let max = image
        .data()
        .iter()
        .zip(inside.data())
        .filter(|&(v, &m)| m && !v.is_nan())
        .map(|(&v, _)| v)
        .fold(f32::NEG_INFINITY, f32::max);
    if !(max.is_finite() && max > 0.0) {
        return Err(SegmentationError::InvalidParameter {
            what: "threshold at a percentage of the maximum".into(),
            expected: "a finite maximum above 0 within the restricting mask".into(),
            found: format!("{max}"),
        });
    }
    let cut = (fraction_of_max.value() * f64::from(max)) as f32;
    let mut out = inside;
    for (m, &v) in out.data_mut().iter_mut().zip(image.data()) {
        *m = *m && v >= cut;
    }
    Ok(out)
}

/// The voxels with at least `min_counts` (a SPECT counts threshold), within the restriction
/// when one is given. Refuses a negative or non-finite count.
pub fn threshold_counts(
    image: &Image<f32>,
    min_counts: f64,
    within: Option<Restriction<'_>>,
) -> Result<Mask, SegmentationError> {
    if !(min_counts.is_finite() && min_counts >= 0.0) {
        return Err(SegmentationError::InvalidParameter {
            what: "counts threshold".into(),
            expected: "a finite number of counts ≥ 0".into(),
            found: format!("{min_counts}"),
        });
    }
    let interval = Interval::at_least(min_counts as f32)?;
    let mut out = threshold(image, interval);
    if let Some(r) = within {
        let inside = restriction_on_grid(r, image.grid())?;
        for (o, &m) in out.data_mut().iter_mut().zip(inside.data()) {
            *o = *o && m;
        }
    }
    Ok(out)
}

/// The grid of slice `k` of `grid`: the same rows and columns, one slice, first voxel at the
/// slice's first voxel.
pub fn slice_grid(grid: &Grid, k: usize) -> Result<Grid, SegmentationError> {
    if k >= grid.dims[2] {
        return Err(SegmentationError::SliceOutOfRange {
            what: "slice grid".into(),
            k,
            last: grid.dims[2] - 1,
        });
    }
    let origin = grid.patient_from_index(ContinuousIndex::of_voxel(0, 0, k));
    Grid::new(
        [grid.dims[0], grid.dims[1], 1],
        grid.spacing_mm,
        origin,
        grid.direction,
        grid.frame.clone(),
    )
    .map_err(|source| SegmentationError::Geometry {
        what: "cannot make the grid of one slice",
        source,
    })
}

/// The threshold of slice `k` of `image` alone (the interactive preview): a one-slice mask on
/// [`slice_grid`].
pub fn threshold_slice(
    image: &Image<f32>,
    k: usize,
    interval: Interval,
) -> Result<Mask, SegmentationError> {
    let grid = slice_grid(image.grid(), k)?;
    let plane = grid.dims[0] * grid.dims[1];
    let mut out = Mask::filled(grid, false);
    let values = &image.data()[k * plane..(k + 1) * plane];
    for (m, &v) in out.data_mut().iter_mut().zip(values) {
        *m = interval.contains(v);
    }
    Ok(out)
}
