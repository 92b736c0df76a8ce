//! Structure tools on [`Mask`]s: each function does one step and returns a new mask (or an
//! error naming the problem); the edit history records the steps, replays them and says in one
//! line how a structure was made. Pure: no files, no clock, no threads of its own.
//!
//! | module | what |
//! |---|---|
//! | [`threshold`] | absolute interval on any image; ≥ p % of the maximum within a restricting mask (resampled onto the image grid when it is on another); a counts threshold; a one-slice preview |
//! | [`components`] | 6- / 26-connected labelling with sizes; keep the largest, keep those holding seeds, remove those under a volume |
//! | [`grow`] | seeded region growing (an explicit stack, no recursion) in an interval, optionally restricted; confidence connected (mean ± k·σ, iterated) |
//! | [`boolean`] | union, intersection, difference on one grid (different grids are refused) |
//! | [`margin`] | grow / shrink by a distance in mm, exact Euclidean on anisotropic grids (separable squared distance transform) |
//! | [`fill`] | fill holes in 3-D (background not connected to the image border) or slice by slice |
//! | [`interpolate`] | shape-based interpolation of the slices between two edited slices |
//! | [`brush`] | paint or erase a ball (or a disc on one slice) |
//! | [`history`] | the edit history: operations with author and instant, replay, undo, one-line description, DICOM SEG algorithm type and name |
//!
//! Conventions: masks are `sirt_geometry::Mask` (memory order i fastest, then j, then k;
//! docs/coordinates.md); points are patient coordinates (LPS, mm) and become the voxel whose
//! extent holds them; distances are between voxel centres in mm; intervals are closed.
//!
//! ```
//! use sirt_geometry::*;
//! use sirt_segmentation::{threshold::{Interval, threshold}, volume};
//! let grid = Grid::axis_aligned([4, 4, 1], [2.0, 2.0, 2.5], PointLps::new(0.0, 0.0, 0.0),
//!     FrameOfReference("f".into())).unwrap();
//! let ct = Image::new(grid, (0..16).map(|v| v as f32 * 10.0).collect()).unwrap();
//! let m = threshold(&ct, Interval::new(50.0, 100.0).unwrap());
//! assert_eq!(m.count(), 6);
//! assert!((volume(&m).ml() - 6.0 * 0.01).abs() < 1e-12);
//! ```

mod bbox;
pub mod boolean;
pub mod brush;
pub mod components;
mod edt;
pub mod fill;
pub mod grow;
pub mod history;
pub mod interpolate;
pub mod margin;
mod neighbours;
pub mod threshold;

pub use components::Connectivity;
pub use edt::squared_distance_to;
pub use sirt_geometry::{Grid, Image, Mask, PointLps};

use sirt_geometry::GeometryError;
use sirt_units::Volume;

/// The volume of the voxels of a mask (voxel count × voxel volume): the live volume of a
/// structure.
pub fn volume(mask: &Mask) -> Volume {
    Volume::from_ml(mask.volume_ml())
}

/// A structure tool that cannot do what it was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentationError {
    /// A parameter out of its range.
    #[error("{what}: expected {expected}, found {found}")]
    InvalidParameter {
        /// Which parameter.
        what: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A seed point outside the image.
    #[error("seed {number} at ({x:.2}, {y:.2}, {z:.2}) mm (LPS) lies outside the image ({extent})")]
    SeedOutsideImage {
        /// 1-based number of the seed in the list given.
        number: usize,
        /// LPS x, mm.
        x: f64,
        /// LPS y, mm.
        y: f64,
        /// LPS z, mm.
        z: f64,
        /// The image extent, in words.
        extent: String,
    },
    /// A seed whose voxel does not qualify (outside the interval or the mask).
    #[error("seed {number} at voxel {voxel:?} {why}")]
    SeedRejected {
        /// 1-based number of the seed.
        number: usize,
        /// Its voxel (i, j, k).
        voxel: [usize; 3],
        /// Why, in words ("has 12 HU, outside the interval [50, 200]").
        why: String,
    },
    /// Two masks on different grids.
    #[error(
        "{operation}: the masks are on different grids ({first} and {second}); resample one onto \
         the other's grid first"
    )]
    GridMismatch {
        /// The operation.
        operation: &'static str,
        /// The first mask's grid, in words.
        first: String,
        /// The second mask's grid, in words.
        second: String,
    },
    /// A mask with no voxel where one is needed.
    #[error("{what}: the mask is empty")]
    EmptyMask {
        /// Which mask and for what.
        what: String,
    },
    /// A restricting mask that covers no voxel of the image grid.
    #[error(
        "the restricting mask ({voxels} voxels on {mask_grid}) does not overlap the image grid \
         ({image_grid})"
    )]
    NoOverlap {
        /// Voxels of the restricting mask on its own grid.
        voxels: usize,
        /// Its grid, in words.
        mask_grid: String,
        /// The image grid, in words.
        image_grid: String,
    },
    /// A grid or a resampling that the geometry refused.
    #[error("{what}")]
    Geometry {
        /// What could not be done ("cannot put the restricting mask on the image grid").
        what: &'static str,
        /// The geometry's reason.
        #[source]
        source: GeometryError,
    },
    /// A slice index outside the image.
    #[error("{what}: slice {k} is outside the image (slices 0 to {last})")]
    SliceOutOfRange {
        /// What asked for it.
        what: String,
        /// The slice index.
        k: usize,
        /// The last slice index.
        last: usize,
    },
    /// A replayed edit needs an input (image or mask) that was not given.
    #[error("edit {number} ({operation}): no {kind} named \"{name}\" was given to replay it")]
    MissingInput {
        /// 1-based edit number.
        number: usize,
        /// The operation, in words.
        operation: String,
        /// "image" or "mask".
        kind: &'static str,
        /// The input's name.
        name: String,
    },
    /// A replayed edit failed.
    #[error("edit {number} ({operation}) failed")]
    Replay {
        /// 1-based edit number.
        number: usize,
        /// The operation, in words.
        operation: String,
        /// Why.
        #[source]
        source: Box<SegmentationError>,
    },
}

/// A grid in words, for messages: "512 × 512 × 300 voxels of 0.78 × 0.6 × 1 mm, frame F".
pub fn describe_grid(grid: &Grid) -> String {
    let [nx, ny, nz] = grid.dims;
    let [sx, sy, sz] = grid.spacing_mm;
    format!(
        "{nx} × {ny} × {nz} voxels of {sx} × {sy} × {sz} mm, first voxel at ({:.2}, {:.2}, {:.2}) \
         mm, frame {}",
        grid.origin.x, grid.origin.y, grid.origin.z, grid.frame
    )
}

/// The voxel whose extent holds `point_in_patient` (round half up, as nearest-neighbour
/// resampling), or the error naming seed `number` (1-based) when the point is outside.
pub fn voxel_of_point(
    grid: &Grid,
    point_in_patient: PointLps,
    number: usize,
) -> Result<[usize; 3], SegmentationError> {
    let idx = grid.index_from_patient(point_in_patient);
    if !point_in_patient.is_finite() || !grid.contains(idx) {
        let last = grid.patient_from_index(sirt_geometry::ContinuousIndex::new(
            grid.dims[0] as f64 - 1.0,
            grid.dims[1] as f64 - 1.0,
            grid.dims[2] as f64 - 1.0,
        ));
        return Err(SegmentationError::SeedOutsideImage {
            number,
            x: point_in_patient.x,
            y: point_in_patient.y,
            z: point_in_patient.z,
            extent: format!(
                "voxel centres from ({:.2}, {:.2}, {:.2}) to ({:.2}, {:.2}, {:.2}) mm",
                grid.origin.x, grid.origin.y, grid.origin.z, last.x, last.y, last.z
            ),
        });
    }
    let round = |x: f64, n: usize| ((x + 0.5).floor().max(0.0) as usize).min(n - 1);
    Ok([
        round(idx.i, grid.dims[0]),
        round(idx.j, grid.dims[1]),
        round(idx.k, grid.dims[2]),
    ])
}

/// Refuses two masks on different grids for `operation`.
pub(crate) fn same_grid(
    operation: &'static str,
    a: &Grid,
    b: &Grid,
) -> Result<(), SegmentationError> {
    if a.same_as(b) {
        Ok(())
    } else {
        Err(SegmentationError::GridMismatch {
            operation,
            first: describe_grid(a),
            second: describe_grid(b),
        })
    }
}
