//! Brush and eraser: set (or clear) the voxels whose centre lies within a radius of a point, in
//! 3-D (a ball) or in the slice that holds the point (a disc).

use sirt_geometry::{Mask, PointLps};
use sirt_units::Length;

use crate::bbox::reach_voxels;
use crate::{SegmentationError, voxel_of_point};

/// Where a brush stroke acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrushShape {
    /// A ball.
    Ball,
    /// A disc in the slice (constant k) that holds the centre.
    Disc,
}

/// One stroke: paint or erase a ball or disc.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stroke {
    /// Centre, patient coordinates (LPS, mm).
    pub centre_in_patient: PointLps,
    /// Radius.
    pub radius: Length,
    /// Ball or disc.
    pub shape: BrushShape,
    /// True: erase (clear the voxels); false: paint (set them).
    pub erase: bool,
}

/// `mask` after the stroke. Refuses a centre outside the image and a radius that is not finite
/// or is negative (radius 0 paints the voxel that holds the centre).
pub fn brush(mask: &Mask, stroke: &Stroke) -> Result<Mask, SegmentationError> {
    let grid = mask.grid();
    let r = stroke.radius.m() * 1000.0;
    if !(r.is_finite() && r >= 0.0) {
        return Err(SegmentationError::InvalidParameter {
            what: "brush radius".into(),
            expected: "a finite distance ≥ 0 mm".into(),
            found: format!("{r} mm"),
        });
    }
    let centre = voxel_of_point(grid, stroke.centre_in_patient, 1)?;
    let c = grid.index_from_patient(stroke.centre_in_patient);
    let s = grid.spacing_mm;
    let reach = |axis: usize, at: usize| {
        let w = reach_voxels(r, s[axis], grid.dims[axis]);
        (
            at.saturating_sub(w),
            at.saturating_add(w).min(grid.dims[axis] - 1),
        )
    };
    let (i0, i1) = reach(0, centre[0]);
    let (j0, j1) = reach(1, centre[1]);
    let (k0, k1) = match stroke.shape {
        BrushShape::Ball => reach(2, centre[2]),
        BrushShape::Disc => (centre[2], centre[2]),
    };
    let mut out = mask.clone();
    for k in k0..=k1 {
        // A disc measures in its slice only: the centre's k is the slice's.
        let dk = match stroke.shape {
            BrushShape::Ball => (k as f64 - c.k) * s[2],
            BrushShape::Disc => 0.0,
        };
        for j in j0..=j1 {
            for i in i0..=i1 {
                let di = (i as f64 - c.i) * s[0];
                let dj = (j as f64 - c.j) * s[1];
                let inside = di * di + dj * dj + dk * dk <= r * r || [i, j, k] == centre;
                if inside {
                    out.set(i, j, k, !stroke.erase);
                }
            }
        }
    }
    Ok(out)
}
