//! Points that name their space: [`PointLps`] (patient coordinates, mm) and [`ContinuousIndex`]
//! (voxel index space of one grid).

/// A point in DICOM patient coordinates (LPS), millimetres.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PointLps {
    /// Towards the patient's left, mm.
    pub x: f64,
    /// Towards the patient's posterior, mm.
    pub y: f64,
    /// Towards the patient's head (superior), mm.
    pub z: f64,
}

impl PointLps {
    /// A point from LPS coordinates in mm.
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        Self { x, y, z }
    }

    /// The coordinates as an array.
    pub const fn to_array(self) -> [f64; 3] {
        [self.x, self.y, self.z]
    }

    /// All coordinates finite.
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite() && self.z.is_finite()
    }

    /// Euclidean distance, mm.
    pub fn distance(self, other: PointLps) -> f64 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2) + (self.z - other.z).powi(2))
            .sqrt()
    }

    /// The same point in RAS (NIfTI world) coordinates: (−x, −y, z).
    pub const fn to_ras(self) -> [f64; 3] {
        [-self.x, -self.y, self.z]
    }

    /// A point given in RAS coordinates.
    pub const fn from_ras(ras: [f64; 3]) -> Self {
        Self {
            x: -ras[0],
            y: -ras[1],
            z: ras[2],
        }
    }
}

/// A position in the voxel index space of one grid: (i, j, k) with integer values at voxel centres.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContinuousIndex {
    /// Column index (fastest in memory).
    pub i: f64,
    /// Row index.
    pub j: f64,
    /// Slice index.
    pub k: f64,
}

impl ContinuousIndex {
    /// An index.
    pub const fn new(i: f64, j: f64, k: f64) -> Self {
        Self { i, j, k }
    }

    /// The centre of voxel (i, j, k).
    pub fn of_voxel(i: usize, j: usize, k: usize) -> Self {
        Self {
            i: i as f64,
            j: j as f64,
            k: k as f64,
        }
    }
}
