//! Image geometry in patient coordinates, written once (conventions: `docs/coordinates.md`).
//!
//! | module | what |
//! |---|---|
//! | `point` | [`PointLps`] (patient coordinates, mm) and [`ContinuousIndex`] (a grid's index space) |
//! | `grid` | [`Grid`]: dims, spacing, origin at the first voxel centre, direction cosines, [`FrameOfReference`]; (G1)–(G5) |
//! | `rigid` | [`Rigid`] transforms between frames, named `to_from_from` (`ct_from_spect`); (R1)–(R3) |
//! | `image` | [`Image`], [`Mask`] (binary), [`FractionalMask`]; volumes in mL |
//! | `resample` | trilinear images, nearest and fractional masks onto another grid; identity when frames match; (X1)–(X4) |
//! | `structure` | [`Structure`]: a named binary mask with its [`Role`] in a plan (liver, lungs, tumour, territory), made by image loading and used by voxel dosimetry |
//!
//! ```
//! use sirt_geometry::*;
//! let ct = FrameOfReference("1.2.3".into());
//! let grid = Grid::axis_aligned([4, 4, 2], [1.0, 1.0, 2.5], PointLps::new(-10.0, 5.0, 100.0), ct).unwrap();
//! let p = grid.patient_from_index(ContinuousIndex::new(1.0, 2.0, 1.0));
//! assert_eq!(p, PointLps::new(-9.0, 7.0, 102.5));
//! assert_eq!(grid.index_from_patient(p), ContinuousIndex::new(1.0, 2.0, 1.0));
//! ```

mod grid;
mod image;
mod point;
mod resample;
mod rigid;
mod structure;

pub use grid::{DIRECTION_TOLERANCE, FACE_NEIGHBOURS, FrameOfReference, Grid, cross};
pub use image::{FractionalMask, Image, Mask};
pub use point::{ContinuousIndex, PointLps};
pub use resample::{
    bin_sum, resample_linear, resample_mask_fractional, resample_nearest, source_from_target,
};
pub use rigid::Rigid;
pub use structure::{Role, Structure};

/// A geometry that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    /// An invalid grid, image or transform; the message says which value.
    #[error("{0}")]
    Invalid(String),
    /// Two frames of reference that should be the same are not.
    #[error("{what}: expected frame of reference {expected}, found {found}")]
    FrameMismatch {
        /// The frame expected.
        expected: FrameOfReference,
        /// The frame found.
        found: FrameOfReference,
        /// Where.
        what: String,
    },
    /// Different frames of reference and no registration between them.
    #[error(
        "the images are in different frames of reference ({source_frame} and {target_frame}) and no \
         registration links them; give a rigid registration (e.g. ct_from_spect)"
    )]
    NoRegistration {
        /// Frame of the source image.
        source_frame: FrameOfReference,
        /// Frame of the target grid.
        target_frame: FrameOfReference,
    },
}
