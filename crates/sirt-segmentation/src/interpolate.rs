//! Shape-based interpolation between two edited slices (Raya & Udupa, "Shape-based
//! interpolation of multidimensional objects", IEEE Trans Med Imaging 9 (1990) 32–42,
//! doi:10.1109/42.52980; Herman, Zheng & Bucholtz, "Shape-based interpolation", IEEE Comput
//! Graph Appl 12 (1992) 69–79, doi:10.1109/38.135915).
//!
//! Each edited slice becomes a signed distance map in mm (in-plane spacing): for a pixel outside
//! the shape, + its distance to the nearest pixel inside; for a pixel inside, − its distance to
//! the nearest pixel outside (exact Euclidean, module `edt`). A slice between them at fraction
//! t of the way takes the linear blend (1 − t)·d₀ + t·d₁; its pixels with a blend below zero are
//! inside (the zero level). Identical slices give themselves back.
//!
//! Each map measures to the nearest pixel centre of the other class, which lies beyond the
//! digital boundary by a fraction of a pixel (δ); the two offsets cancel in the middle slice
//! and leave (1 − 2t)·δ at fraction t: on a cone (tests/truth.rs) the areas are within 0.1 %
//! of π r² in the middle and within 3.4 % next to the edited slices (0.7 × 0.9 mm pixels).

use sirt_geometry::Mask;

use crate::SegmentationError;
use crate::edt::squared_edt;

/// Signed distance map (mm) of one slice: − distance to the outside for pixels inside, +
/// distance to the inside for pixels outside.
fn signed_distance(slice: &[bool], nx: usize, ny: usize, spacing: [f64; 3]) -> Vec<f64> {
    let dims = [nx, ny, 1];
    let to_inside = squared_edt(slice, dims, spacing);
    let outside: Vec<bool> = slice.iter().map(|&b| !b).collect();
    let to_outside = squared_edt(&outside, dims, spacing);
    slice
        .iter()
        .zip(to_inside.iter().zip(&to_outside))
        .map(|(&inside, (&a, &b))| if inside { -b.sqrt() } else { a.sqrt() })
        .collect()
}

/// `mask` with the slices strictly between `from_slice` and `to_slice` (either order) replaced
/// by the shape-based interpolation of those two slices. Refuses slices outside the image, two
/// slices with none between, and an edited slice without a pixel inside the shape.
pub fn interpolate_between(
    mask: &Mask,
    from_slice: usize,
    to_slice: usize,
) -> Result<Mask, SegmentationError> {
    let grid = mask.grid();
    let [nx, ny, nz] = grid.dims;
    for k in [from_slice, to_slice] {
        if k >= nz {
            return Err(SegmentationError::SliceOutOfRange {
                what: "slice interpolation".into(),
                k,
                last: nz - 1,
            });
        }
    }
    let (k0, k1) = (from_slice.min(to_slice), from_slice.max(to_slice));
    if k1 - k0 < 2 {
        return Err(SegmentationError::InvalidParameter {
            what: "slice interpolation".into(),
            expected: "two edited slices with at least one slice between them".into(),
            found: format!("slices {k0} and {k1}"),
        });
    }
    let plane = nx * ny;
    let slice = |k: usize| &mask.data()[k * plane..(k + 1) * plane];
    for k in [k0, k1] {
        if !slice(k).iter().any(|&b| b) {
            return Err(SegmentationError::EmptyMask {
                what: format!(
                    "slice interpolation: edited slice {k} has no pixel inside the structure"
                ),
            });
        }
    }
    let d0 = signed_distance(slice(k0), nx, ny, grid.spacing_mm);
    let d1 = signed_distance(slice(k1), nx, ny, grid.spacing_mm);
    let mut out = mask.clone();
    let data = out.data_mut();
    for k in k0 + 1..k1 {
        let t = (k - k0) as f64 / (k1 - k0) as f64;
        for (m, (a, b)) in data[k * plane..(k + 1) * plane]
            .iter_mut()
            .zip(d0.iter().zip(&d1))
        {
            *m = (1.0 - t) * a + t * b < 0.0;
        }
    }
    Ok(out)
}
