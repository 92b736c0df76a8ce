//! Voxel dosimetry.
//!
//! | module | what |
//! |---|---|
//! | [`kernel`] | dose-voxel kernels integrated from a dose point kernel over voxel pairs (K1–K4); Lanconelli 2012 tables |

pub mod kernel;

/// A dose calculation that cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DoseError {
    /// A kernel that cannot be built or read.
    #[error("dose kernel: {0}")]
    Kernel(String),
}
