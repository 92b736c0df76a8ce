//! Errors of the DICOM writers: each names the object (or file) and what is wrong.

use std::path::PathBuf;

/// What went wrong writing DICOM.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The input cannot be written as asked (a non-finite voxel, a mask on another grid, an
    /// empty name, an invalid UID, …).
    #[error("{object}: {what}")]
    InvalidInput {
        /// The object being written, e.g. `CT series 2 "CT"` or `RT Structure Set: ROI "liver"`.
        object: String,
        /// What is wrong.
        what: String,
    },
    /// dicom-rs could not encode the object.
    #[error("{object}: cannot encode the DICOM object: {reason}")]
    Encode {
        /// The object.
        object: String,
        /// Why.
        reason: String,
    },
    /// A file could not be written.
    #[error("{}: cannot write the file: {reason}", .file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// Why.
        reason: String,
    },
    /// The source series to reference could not be read.
    #[error("cannot reference the source series: {0}")]
    Source(#[from] crate::DicomError),
}
