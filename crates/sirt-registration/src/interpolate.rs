//! Trilinear interpolation of a level image with its gradient, from patient coordinates.
//!
//! The index of a patient point is (i, j, k)ᵀ = diag(spacing)⁻¹ · Dᵀ · (p − origin)
//! (docs/coordinates.md, G4), folded here into one 3 × 4 map. A point is inside when its index
//! lies between the first and last voxel centres on every axis (all eight neighbours exist, as
//! ITK's linear interpolator requires). The gradient is that of the trilinear interpolant
//! (exact within a cell), turned into patient coordinates: ∇ₚ m = Σ_c (∂m/∂i_c) · D_c / s_c.

use crate::transform::Mat3;
use sirt_geometry::{Grid, Image};

/// A level image ready for interpolation.
pub(crate) struct Volume {
    dims: [usize; 3],
    data: Vec<f32>,
    /// index = m · p + b.
    m: Mat3,
    b: [f64; 3],
}

/// The value and the patient-coordinate gradient at a point.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ValueGradient {
    pub value: f64,
    pub gradient: [f64; 3],
}

/// Lower neighbour and fraction along one axis of `n` voxels; `x` in [0, n − 1].
#[inline]
fn cell(x: f64, n: usize) -> (usize, usize, f64) {
    if n < 2 {
        return (0, 0, 0.0);
    }
    let lo = (x.floor().max(0.0) as usize).min(n - 2);
    (lo, lo + 1, x - lo as f64)
}

impl Volume {
    pub fn new(image: &Image<f32>) -> Self {
        let g: &Grid = image.grid();
        let mut m = [[0.0; 3]; 3];
        for (c, row) in m.iter_mut().enumerate() {
            for (r, x) in row.iter_mut().enumerate() {
                *x = g.direction[c][r] / g.spacing_mm[c];
            }
        }
        let o = g.origin.to_array();
        let b = [0, 1, 2].map(|c| -(m[c][0] * o[0] + m[c][1] * o[1] + m[c][2] * o[2]));
        Self {
            dims: g.dims,
            data: image.data().to_vec(),
            m,
            b,
        }
    }

    /// The index map composed with an affine p = a · x + t: index = (m a) · x + (m t + b).
    pub fn index_map(&self, a: &Mat3, t: [f64; 3]) -> (Mat3, [f64; 3]) {
        let ma = crate::transform::mat_mul(&self.m, a);
        let mt = crate::transform::mat_vec(&self.m, t);
        (
            ma,
            [mt[0] + self.b[0], mt[1] + self.b[1], mt[2] + self.b[2]],
        )
    }

    /// The continuous index of a patient point.
    #[inline]
    pub fn index_of(&self, p: [f64; 3]) -> [f64; 3] {
        let m = &self.m;
        [0, 1, 2].map(|c| m[c][0] * p[0] + m[c][1] * p[1] + m[c][2] * p[2] + self.b[c])
    }

    /// Whether an index lies within the voxel centres.
    #[inline]
    pub fn inside_index(&self, x: [f64; 3]) -> bool {
        (0..3).all(|c| x[c] >= 0.0 && x[c] <= (self.dims[c] - 1) as f64)
    }

    /// Whether a patient point lies within the voxel centres.
    pub fn contains(&self, p: [f64; 3]) -> bool {
        self.inside_index(self.index_of(p))
    }

    #[inline]
    fn at(&self, i: usize, j: usize, k: usize) -> f64 {
        f64::from(self.data[i + self.dims[0] * (j + self.dims[1] * k)])
    }

    /// Trilinear value at an index, clamped to the voxel centres.
    pub fn value_clamped(&self, x: [f64; 3]) -> f32 {
        let x = [0, 1, 2].map(|c| x[c].clamp(0.0, (self.dims[c] - 1) as f64));
        self.value_gradient_index(x).0 as f32
    }

    /// Value and index-space gradient at an index inside the voxel centres.
    #[inline]
    fn value_gradient_index(&self, x: [f64; 3]) -> (f64, [f64; 3]) {
        let (x0, x1, fx) = cell(x[0], self.dims[0]);
        let (y0, y1, fy) = cell(x[1], self.dims[1]);
        let (z0, z1, fz) = cell(x[2], self.dims[2]);
        let c000 = self.at(x0, y0, z0);
        let c100 = self.at(x1, y0, z0);
        let c010 = self.at(x0, y1, z0);
        let c110 = self.at(x1, y1, z0);
        let c001 = self.at(x0, y0, z1);
        let c101 = self.at(x1, y0, z1);
        let c011 = self.at(x0, y1, z1);
        let c111 = self.at(x1, y1, z1);
        // Along x first.
        let c00 = c000 + fx * (c100 - c000);
        let c10 = c010 + fx * (c110 - c010);
        let c01 = c001 + fx * (c101 - c001);
        let c11 = c011 + fx * (c111 - c011);
        let c0 = c00 + fy * (c10 - c00);
        let c1 = c01 + fy * (c11 - c01);
        let value = c0 + fz * (c1 - c0);
        let dz = c1 - c0;
        let dy = (c10 - c00) * (1.0 - fz) + (c11 - c01) * fz;
        let dx0 = (c100 - c000) * (1.0 - fy) + (c110 - c010) * fy;
        let dx1 = (c101 - c001) * (1.0 - fy) + (c111 - c011) * fy;
        let dx = dx0 * (1.0 - fz) + dx1 * fz;
        (value, [dx, dy, dz])
    }

    /// Value and patient-coordinate gradient at an index inside the voxel centres.
    #[inline]
    pub fn value_gradient(&self, x: [f64; 3]) -> ValueGradient {
        let (value, d) = self.value_gradient_index(x);
        // ∂i_c/∂p = m[c] (a row), so ∇ₚ = Σ_c d_c · m[c].
        let m = &self.m;
        let gradient = [0, 1, 2].map(|r| d[0] * m[0][r] + d[1] * m[1][r] + d[2] * m[2][r]);
        ValueGradient { value, gradient }
    }

    /// Smallest and largest value.
    pub fn range(&self) -> (f32, f32) {
        self.data
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            })
    }
}
