//! Bounding boxes of masks: the tools compute in the box that can change, not the whole grid.

use sirt_geometry::Mask;

/// The box [lo, hi] (inclusive voxel indices) to compute in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Box3 {
    pub(crate) lo: [usize; 3],
    pub(crate) hi: [usize; 3],
}

impl Box3 {
    pub(crate) fn dims(&self) -> [usize; 3] {
        [0, 1, 2].map(|c| self.hi[c] - self.lo[c] + 1)
    }

    /// Grid offset of each box voxel, in the box's memory order.
    pub(crate) fn offsets(self, grid_dims: [usize; 3]) -> impl Iterator<Item = usize> {
        let [nx, ny, _] = grid_dims;
        (self.lo[2]..=self.hi[2]).flat_map(move |k| {
            (self.lo[1]..=self.hi[1])
                .flat_map(move |j| (self.lo[0]..=self.hi[0]).map(move |i| i + nx * (j + ny * k)))
        })
    }
}

/// The bounding box of the mask's voxels widened by `widen` voxels per axis (clipped to the
/// grid); `None` for an empty mask.
pub(crate) fn bounding_box(mask: &Mask, widen: [usize; 3]) -> Option<Box3> {
    let dims = mask.grid().dims;
    let mut lo = dims;
    let mut hi = [0usize; 3];
    let mut any = false;
    for (o, _) in mask.data().iter().enumerate().filter(|(_, m)| **m) {
        let v = mask.grid().index_of_offset(o);
        for c in 0..3 {
            lo[c] = lo[c].min(v[c]);
            hi[c] = hi[c].max(v[c]);
        }
        any = true;
    }
    any.then(|| Box3 {
        lo: [0, 1, 2].map(|c| lo[c].saturating_sub(widen[c])),
        hi: [0, 1, 2].map(|c| hi[c].saturating_add(widen[c]).min(dims[c] - 1)),
    })
}

/// The voxels along one axis (of `n` voxels `spacing_mm` apart) that a distance of `r_mm` ≥ 0
/// can reach from a voxel, plus one for round-off: ⌈r / spacing⌉ + 1, at most `n` (a reach of
/// `n` covers the whole axis from any voxel), so that a huge distance (1e300 mm) neither
/// overflows nor wraps round to a small reach.
pub(crate) fn reach_voxels(r_mm: f64, spacing_mm: f64, n: usize) -> usize {
    let w = (r_mm / spacing_mm).ceil();
    if w < n as f64 { w as usize + 1 } else { n }
}
