//! Why a registration cannot be made.

use sirt_geometry::{FrameOfReference, GeometryError};

/// Which of the two images a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The fixed (reference) image.
    Fixed,
    /// The moving image.
    Moving,
}

impl std::fmt::Display for Which {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Which::Fixed => "fixed",
            Which::Moving => "moving",
        })
    }
}

/// A registration that cannot be made; each variant names the problem and the value found.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// A voxel value is NaN or infinite.
    #[error("the {image} image has a non-finite value ({value}) at voxel ({i}, {j}, {k})")]
    NonFinite {
        /// Which image.
        image: Which,
        /// Voxel index i.
        i: usize,
        /// Voxel index j.
        j: usize,
        /// Voxel index k.
        k: usize,
        /// The value found.
        value: f32,
    },
    /// An image (or the fixed image within the region) holds one value only.
    #[error(
        "the {image} image is constant ({value}) {scope}: mutual information needs contrast \
         (expected at least two different values)"
    )]
    Constant {
        /// Which image.
        image: Which,
        /// The one value.
        value: f32,
        /// Where ("over the whole image", "within the region").
        scope: &'static str,
    },
    /// Both images are in one frame of reference: aligned by definition, and a transform
    /// between a frame and itself could not be applied (sirt-geometry takes such frames as
    /// identical).
    #[error(
        "the fixed and moving images share the frame of reference {frame}: images in one frame \
         are aligned by definition (DICOM PS3.3 C.7.4.1) and a registration between them could \
         not be applied; give the moving image its own frame"
    )]
    SameFrame {
        /// The shared frame.
        frame: FrameOfReference,
    },
    /// The region restricts the registration to no voxel of the fixed image.
    #[error("the registration region is empty: {what}")]
    EmptyRegion {
        /// Which region and why.
        what: String,
    },
    /// The region mask is not on the fixed image's grid.
    #[error(
        "the region mask must lie on the fixed image's grid: expected {expected_dims:?} voxels \
         in frame {expected_frame}, found {found_dims:?} voxels in frame {found_frame} (or a \
         different spacing, origin or direction)"
    )]
    MaskGrid {
        /// Fixed grid dims.
        expected_dims: [usize; 3],
        /// Fixed frame.
        expected_frame: FrameOfReference,
        /// Mask grid dims.
        found_dims: [usize; 3],
        /// Mask frame.
        found_frame: FrameOfReference,
    },
    /// An option outside its range.
    #[error("registration option {option}: expected {expected}, found {found}")]
    InvalidOption {
        /// The option.
        option: &'static str,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// No point of the fixed region falls inside the moving image at the initial transform.
    #[error(
        "the images do not overlap at the initial transform ({initial}): no point of the fixed \
         region maps inside the moving image; check that the series show the same body part, or \
         give an initial transform"
    )]
    NoOverlap {
        /// How the initial transform was made.
        initial: String,
    },
    /// During the optimisation the transform moved the moving image away from the fixed region.
    #[error(
        "the registration lost the overlap at resolution level {level} (iteration {iteration}): \
         only {valid} of {samples} sample points fall inside the moving image (at least \
         {needed} needed); the images may show different body parts"
    )]
    LostOverlap {
        /// Level (1 = coarsest).
        level: usize,
        /// Iteration within the level.
        iteration: usize,
        /// Samples inside.
        valid: usize,
        /// Samples drawn.
        samples: usize,
        /// The minimum.
        needed: usize,
    },
    /// At the start of a finer level, no voxel of the region (on that level's grid) maps
    /// inside the moving image at the transform the coarser levels reached.
    #[error(
        "the registration lost the overlap between resolution levels: at the start of level \
         {level}, none of the region's {region_voxels} voxels at that level maps inside the \
         moving image at the transform reached by level {previous}; the images may show \
         different body parts",
        previous = level.saturating_sub(1)
    )]
    OverlapLostBetweenLevels {
        /// The level starting (1 = coarsest; at least 2).
        level: usize,
        /// The region's voxels on that level's grid.
        region_voxels: usize,
    },
    /// A geometry that cannot be built (a level grid, the result transform).
    #[error("{what}")]
    Geometry {
        /// What was being built.
        what: &'static str,
        /// The geometry error.
        #[source]
        source: GeometryError,
    },
}

/// Maps a geometry error, naming what was built.
pub(crate) fn geometry(what: &'static str) -> impl FnOnce(GeometryError) -> RegistrationError {
    move |source| RegistrationError::Geometry { what, source }
}
