//! Grids: where the voxels of an image sit in patient coordinates.
//!
//! Conventions (docs/coordinates.md):
//! - (G1) patient coordinates are DICOM LPS, in millimetres: +x towards the patient's Left,
//!   +y Posterior, +z Superior (head).
//! - (G2) `origin` is the **centre** of the first voxel (index 0, 0, 0), as DICOM Image Position
//!   (Patient) of the first slice.
//! - (G3) `direction` holds three unit column vectors: the LPS direction of increasing i
//!   (column index, DICOM row direction cosines), of increasing j (row index, DICOM column
//!   direction cosines) and of increasing k (slice index).
//! - (G4) p = origin + D · diag(spacing) · (i, j, k)ᵀ, and its inverse
//!   (i, j, k)ᵀ = diag(spacing)⁻¹ · Dᵀ · (p − origin) (D orthonormal).
//! - (G5) memory order: i fastest, then j, then k: offset = i + nx · (j + ny · k).

use crate::GeometryError;
use crate::point::{ContinuousIndex, PointLps};

/// The six face neighbours of a voxel, as index offsets (i, j, k): a voxel whose six neighbours
/// are all inside a mask is an inner voxel of it.
pub const FACE_NEIGHBOURS: [(isize, isize, isize); 6] = [
    (1, 0, 0),
    (-1, 0, 0),
    (0, 1, 0),
    (0, -1, 0),
    (0, 0, 1),
    (0, 0, -1),
];

/// An identifier of a frame of reference (DICOM Frame of Reference UID, or a name for
/// synthetic data). Points of different frames can only meet through a rigid transform.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct FrameOfReference(pub String);

impl std::fmt::Display for FrameOfReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Tolerance on direction cosines: unit length and orthogonality within 1e-4, the precision
/// DICOM writers commonly round Image Orientation (Patient) to.
pub const DIRECTION_TOLERANCE: f64 = 1e-4;

/// The geometry of an image.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    /// Number of voxels along i, j, k.
    pub dims: [usize; 3],
    /// Voxel spacing along i, j, k, mm.
    pub spacing_mm: [f64; 3],
    /// Centre of voxel (0, 0, 0) in LPS, mm (G2).
    pub origin: PointLps,
    /// Direction cosines: `direction[c]` is the LPS unit vector of axis c (i, j, k) (G3).
    pub direction: [[f64; 3]; 3],
    /// The frame of reference the coordinates belong to.
    pub frame: FrameOfReference,
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product a × b.
pub fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

impl Grid {
    /// An axis-aligned grid (identity direction).
    pub fn axis_aligned(
        dims: [usize; 3],
        spacing_mm: [f64; 3],
        origin: PointLps,
        frame: FrameOfReference,
    ) -> Result<Self, GeometryError> {
        Self::new(
            dims,
            spacing_mm,
            origin,
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            frame,
        )
    }

    /// A grid, checked: dims > 0, spacing finite and > 0, origin finite, direction orthonormal.
    pub fn new(
        dims: [usize; 3],
        spacing_mm: [f64; 3],
        origin: PointLps,
        direction: [[f64; 3]; 3],
        frame: FrameOfReference,
    ) -> Result<Self, GeometryError> {
        if dims.contains(&0) {
            return Err(GeometryError::Invalid(format!(
                "grid dimensions must be at least 1, found {dims:?}"
            )));
        }
        if dims
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .is_none()
        {
            return Err(GeometryError::Invalid(format!(
                "grid dimensions {dims:?} overflow"
            )));
        }
        if spacing_mm.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(GeometryError::Invalid(format!(
                "voxel spacing must be finite and above 0 mm, found {spacing_mm:?}"
            )));
        }
        if !origin.is_finite() {
            return Err(GeometryError::Invalid(format!(
                "origin must be finite, found {origin:?}"
            )));
        }
        for (c, v) in direction.iter().enumerate() {
            if !v.iter().all(|x| x.is_finite())
                || (dot(*v, *v).sqrt() - 1.0).abs() > DIRECTION_TOLERANCE
            {
                return Err(GeometryError::Invalid(format!(
                    "direction cosines of axis {c} must be a unit vector, found {v:?}"
                )));
            }
        }
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            if dot(direction[a], direction[b]).abs() > DIRECTION_TOLERANCE {
                return Err(GeometryError::Invalid(format!(
                    "direction cosines of axes {a} and {b} must be orthogonal, found {:?} and {:?}",
                    direction[a], direction[b]
                )));
            }
        }
        Ok(Self {
            dims,
            spacing_mm,
            origin,
            direction,
            frame,
        })
    }

    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.dims[0] * self.dims[1] * self.dims[2]
    }

    /// Always false: a grid has at least one voxel.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Volume of one voxel, mm³.
    pub fn voxel_volume_mm3(&self) -> f64 {
        self.spacing_mm[0] * self.spacing_mm[1] * self.spacing_mm[2]
    }

    /// Offset of voxel (i, j, k) in memory (G5), `None` outside.
    pub fn offset(&self, i: usize, j: usize, k: usize) -> Option<usize> {
        (i < self.dims[0] && j < self.dims[1] && k < self.dims[2])
            .then(|| i + self.dims[0] * (j + self.dims[1] * k))
    }

    /// (i, j, k) of a memory offset.
    pub fn index_of_offset(&self, offset: usize) -> [usize; 3] {
        let i = offset % self.dims[0];
        let jk = offset / self.dims[0];
        [i, jk % self.dims[1], jk / self.dims[1]]
    }

    /// Patient position of a continuous index (G4).
    pub fn patient_from_index(&self, index: ContinuousIndex) -> PointLps {
        let s = [
            index.i * self.spacing_mm[0],
            index.j * self.spacing_mm[1],
            index.k * self.spacing_mm[2],
        ];
        let d = &self.direction;
        PointLps::new(
            self.origin.x + d[0][0] * s[0] + d[1][0] * s[1] + d[2][0] * s[2],
            self.origin.y + d[0][1] * s[0] + d[1][1] * s[1] + d[2][1] * s[2],
            self.origin.z + d[0][2] * s[0] + d[1][2] * s[1] + d[2][2] * s[2],
        )
    }

    /// Continuous index of a patient position (inverse of G4).
    pub fn index_from_patient(&self, p: PointLps) -> ContinuousIndex {
        let v = [
            p.x - self.origin.x,
            p.y - self.origin.y,
            p.z - self.origin.z,
        ];
        ContinuousIndex {
            i: dot(self.direction[0], v) / self.spacing_mm[0],
            j: dot(self.direction[1], v) / self.spacing_mm[1],
            k: dot(self.direction[2], v) / self.spacing_mm[2],
        }
    }

    /// Whether a continuous index lies inside the image extent, [−0.5, n − 0.5] on each axis.
    pub fn contains(&self, index: ContinuousIndex) -> bool {
        let inside = |x: f64, n: usize| x >= -0.5 && x <= n as f64 - 0.5;
        inside(index.i, self.dims[0])
            && inside(index.j, self.dims[1])
            && inside(index.k, self.dims[2])
    }

    /// The affine p = A · (i, j, k, 1) as a row-major 4 × 4 matrix (G4).
    pub fn patient_from_index_matrix(&self) -> [[f64; 4]; 4] {
        let mut m = [[0.0; 4]; 4];
        for (r, row) in m.iter_mut().take(3).enumerate() {
            for (c, x) in row.iter_mut().take(3).enumerate() {
                *x = self.direction[c][r] * self.spacing_mm[c];
            }
        }
        m[0][3] = self.origin.x;
        m[1][3] = self.origin.y;
        m[2][3] = self.origin.z;
        m[3][3] = 1.0;
        m
    }

    /// Whether two grids have the same voxels (dims, spacing, origin, direction within 1e-6 mm or
    /// 1e-9, and the same frame).
    pub fn same_as(&self, other: &Grid) -> bool {
        self.frame == other.frame
            && self.dims == other.dims
            && (0..3).all(|c| (self.spacing_mm[c] - other.spacing_mm[c]).abs() < 1e-6)
            && self.origin.distance(other.origin) < 1e-6
            && (0..3).all(|c| {
                (0..3).all(|r| (self.direction[c][r] - other.direction[c][r]).abs() < 1e-9)
            })
    }
}
