//! Images on a grid, binary masks and fractional masks.

use crate::GeometryError;
use crate::grid::Grid;

/// Voxel values on a grid, in the memory order of (G5).
#[derive(Debug, Clone, PartialEq)]
pub struct Image<T> {
    grid: Grid,
    data: Vec<T>,
}

/// A binary mask.
pub type Mask = Image<bool>;
/// A fractional mask: the fraction of each voxel inside the structure, in [0, 1].
pub type FractionalMask = Image<f32>;

impl<T: Copy> Image<T> {
    /// An image from its grid and values (length must match).
    pub fn new(grid: Grid, data: Vec<T>) -> Result<Self, GeometryError> {
        if data.len() != grid.len() {
            return Err(GeometryError::Invalid(format!(
                "image data has {} values for a grid of {:?} = {} voxels",
                data.len(),
                grid.dims,
                grid.len()
            )));
        }
        Ok(Self { grid, data })
    }

    /// An image of one value.
    pub fn filled(grid: Grid, value: T) -> Self {
        let n = grid.len();
        Self {
            grid,
            data: vec![value; n],
        }
    }

    /// Its grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// The values, in memory order.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The values, mutable.
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// The value of voxel (i, j, k), `None` outside.
    pub fn get(&self, i: usize, j: usize, k: usize) -> Option<T> {
        self.grid.offset(i, j, k).map(|o| self.data[o])
    }

    /// Sets voxel (i, j, k); returns false outside.
    pub fn set(&mut self, i: usize, j: usize, k: usize, value: T) -> bool {
        match self.grid.offset(i, j, k) {
            Some(o) => {
                self.data[o] = value;
                true
            }
            None => false,
        }
    }

    /// A new image of `f` applied to each value, on the same grid.
    pub fn map<U: Copy>(&self, f: impl Fn(T) -> U) -> Image<U> {
        Image {
            grid: self.grid.clone(),
            data: self.data.iter().map(|&v| f(v)).collect(),
        }
    }

    /// Consumes the image, returning grid and values.
    pub fn into_parts(self) -> (Grid, Vec<T>) {
        (self.grid, self.data)
    }
}

impl Mask {
    /// Number of voxels set.
    pub fn count(&self) -> usize {
        self.data.iter().filter(|&&b| b).count()
    }

    /// Volume of the voxels set, mL (voxel count × voxel volume).
    pub fn volume_ml(&self) -> f64 {
        self.count() as f64 * self.grid.voxel_volume_mm3() / 1000.0
    }
}

impl FractionalMask {
    /// Volume Σ fraction × voxel volume, mL.
    pub fn fractional_volume_ml(&self) -> f64 {
        self.data.iter().map(|&f| f64::from(f)).sum::<f64>() * self.grid.voxel_volume_mm3() / 1000.0
    }

    /// Voxels whose fraction is at least `threshold`.
    pub fn threshold(&self, threshold: f32) -> Mask {
        self.map(|f| f >= threshold)
    }
}
