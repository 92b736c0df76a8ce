//! Margins: grow or shrink a mask by a distance in mm, exact Euclidean on anisotropic grids.
//!
//! - grow by r: the voxels whose centre lies within r of the centre of a voxel of the mask
//!   (`distance_transform_edt(~mask, sampling=spacing) <= r` in scipy's terms);
//! - shrink by r: the voxels of the mask whose centre lies farther than r from the centre of
//!   every voxel outside the mask (`distance_transform_edt(mask, sampling=spacing) > r`); so
//!   shrink(m, r) = ¬grow(¬m, r). Beyond the image border there is nothing: the border does not
//!   erode a mask that touches it (as scipy).
//!
//! Distances come from the separable squared distance transform (module `edt`), computed in
//! the mask's bounding box widened by the margin, not over the whole grid.

use sirt_geometry::{Grid, Mask};
use sirt_units::Length;

use crate::SegmentationError;
use crate::bbox::{bounding_box, reach_voxels};
use crate::edt::squared_edt;

/// Tolerance on squared distances, mm²: a voxel at exactly the margin distance (in exact
/// arithmetic) is within it whatever the round-off of the squares. Design choice: 1e-9 mm² is
/// far below the smallest non-zero difference between squared distances of voxel centres on
/// clinical grids (spacings given to 1e-3 mm: differences ≥ 1e-6 mm²).
pub const TIE_TOLERANCE_MM2: f64 = 1e-9;

/// A margin.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Margin {
    /// Add the voxels within this distance of the mask.
    Grow(Length),
    /// Remove the voxels within this distance of the outside.
    Shrink(Length),
}

impl Margin {
    /// The distance, mm.
    pub fn mm(self) -> f64 {
        match self {
            Margin::Grow(l) | Margin::Shrink(l) => l.m() * 1000.0,
        }
    }
}

impl std::fmt::Display for Margin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Margin::Grow(_) => write!(f, "+{} mm", self.mm()),
            Margin::Shrink(_) => write!(f, "−{} mm", self.mm()),
        }
    }
}

/// `mask` grown or shrunk by `margin`. Refuses a distance that is not finite or is negative; a
/// margin of 0 gives the mask back.
pub fn margin(mask: &Mask, margin: Margin) -> Result<Mask, SegmentationError> {
    let r = margin.mm();
    if !(r.is_finite() && r >= 0.0) {
        return Err(SegmentationError::InvalidParameter {
            what: "margin".into(),
            expected: "a finite distance ≥ 0 mm".into(),
            found: format!("{r} mm"),
        });
    }
    if r == 0.0 {
        return Ok(mask.clone());
    }
    let grid = mask.grid();
    let spacing = grid.spacing_mm;
    // No two voxel centres lie farther apart than the grid's diagonal: a longer margin acts as
    // the diagonal does, and the diagonal keeps r² finite (1e300² would be +∞, the distance of
    // "no site at all").
    let r = r.min(diagonal_mm(grid));
    let limit = r * r + TIE_TOLERANCE_MM2;
    let (widen, grow) = match margin {
        Margin::Grow(_) => (
            [0, 1, 2].map(|c| reach_voxels(r, spacing[c], grid.dims[c])),
            true,
        ),
        Margin::Shrink(_) => ([1; 3], false),
    };
    let Some(bx) = bounding_box(mask, widen) else {
        return Ok(mask.clone());
    };
    let offsets: Vec<usize> = bx.offsets(grid.dims).collect();
    let data = mask.data();
    // Sites: the mask's voxels to grow from, or the outside's voxels to shrink from.
    let sites: Vec<bool> = offsets.iter().map(|&o| data[o] == grow).collect();
    let d2 = squared_edt(&sites, bx.dims(), spacing);
    let mut out = mask.clone();
    let out_data = out.data_mut();
    for (&o, &d) in offsets.iter().zip(&d2) {
        out_data[o] = if grow { d <= limit } else { d > limit };
    }
    Ok(out)
}

/// The distance between the centres of the grid's first and last voxels, mm: the longest
/// distance between two voxel centres.
fn diagonal_mm(grid: &Grid) -> f64 {
    (0..3)
        .map(|c| (grid.dims[c].saturating_sub(1) as f64 * grid.spacing_mm[c]).powi(2))
        .sum::<f64>()
        .sqrt()
}
