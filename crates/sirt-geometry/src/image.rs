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

    /// The factor `s` with which this image is `s` times `other`, voxel by voxel, each voxel
    /// within `relative_tolerance` of the larger of the two values (`s` the ratio of the
    /// sums); None when the grids differ, `other` sums to zero or a voxel differs more. Results
    /// linear in an image (a dose in its activity, a resampling) are scaled by `s` instead of
    /// computed again.
    pub fn multiple_of(&self, other: &Image<f32>, relative_tolerance: f64) -> Option<f64> {
        use rayon::prelude::*;
        const CHUNK: usize = 1 << 16;
        if !self.grid.same_as(&other.grid) || self.data.len() != other.data.len() {
            return None;
        }
        let sum = |d: &[f32]| -> f64 {
            d.par_chunks(CHUNK)
                .map(|c| c.iter().map(|&v| f64::from(v)).sum::<f64>())
                .collect::<Vec<f64>>()
                .iter()
                .sum()
        };
        let (mine, theirs) = (sum(&self.data), sum(&other.data));
        if !(theirs > 0.0 && mine.is_finite()) {
            return None;
        }
        let s = mine / theirs;
        let same = self
            .data
            .par_chunks(CHUNK)
            .zip(other.data.par_chunks(CHUNK))
            .all(|(a, b)| {
                a.iter().zip(b).all(|(&x, &y)| {
                    let (x, y) = (f64::from(x), s * f64::from(y));
                    (x - y).abs() <= relative_tolerance * x.abs().max(y.abs())
                })
            });
        same.then_some(s)
    }
}
