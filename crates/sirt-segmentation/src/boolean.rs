//! Boolean operations of two masks on one grid (liver − tumours, territory ∩ liver). Masks on
//! different grids are refused, naming both grids: resample one onto the other's grid first
//! (`sirt_geometry::resample_nearest` or `resample_mask_fractional`), a choice this crate does
//! not make silently.

use sirt_geometry::Mask;

use crate::{SegmentationError, same_grid};

/// A voxel-wise combination of two masks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BooleanOp {
    /// In either.
    Union,
    /// In both.
    Intersection,
    /// In the first and not in the second.
    Difference,
}

impl BooleanOp {
    /// The operation's name in words.
    pub fn name(self) -> &'static str {
        match self {
            BooleanOp::Union => "union",
            BooleanOp::Intersection => "intersection",
            BooleanOp::Difference => "difference",
        }
    }

    fn apply(self, a: bool, b: bool) -> bool {
        match self {
            BooleanOp::Union => a || b,
            BooleanOp::Intersection => a && b,
            BooleanOp::Difference => a && !b,
        }
    }
}

/// `a op b`, voxel by voxel, on `a`'s grid; refuses `b` on another grid.
pub fn combine(a: &Mask, b: &Mask, op: BooleanOp) -> Result<Mask, SegmentationError> {
    same_grid(op.name(), a.grid(), b.grid())?;
    let mut out = a.clone();
    for (x, &y) in out.data_mut().iter_mut().zip(b.data()) {
        *x = op.apply(*x, y);
    }
    Ok(out)
}

/// a ∪ b.
pub fn union(a: &Mask, b: &Mask) -> Result<Mask, SegmentationError> {
    combine(a, b, BooleanOp::Union)
}

/// a ∩ b.
pub fn intersection(a: &Mask, b: &Mask) -> Result<Mask, SegmentationError> {
    combine(a, b, BooleanOp::Intersection)
}

/// a − b (a and not b).
pub fn difference(a: &Mask, b: &Mask) -> Result<Mask, SegmentationError> {
    combine(a, b, BooleanOp::Difference)
}
