//! Errors: every message names the file (or files) and what is wrong with it.

use std::path::PathBuf;

use sirt_geometry::{FrameOfReference, GeometryError};

/// What went wrong reading DICOM. Each variant names the file(s) involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DicomError {
    /// The file could not be opened or read (I/O error, truncated data, a parser error).
    #[error("{}: cannot read the file: {reason}", .file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file is not DICOM (no `DICM` marker and no recognisable data set).
    #[error("{}: not a DICOM file: {reason}", .file.display())]
    NotDicom {
        /// The file.
        file: PathBuf,
        /// Why it was not recognised.
        reason: String,
    },
    /// A required attribute is absent or empty.
    #[error("{}: missing attribute {attribute}", .file.display())]
    MissingAttribute {
        /// The file.
        file: PathBuf,
        /// Attribute keyword and tag, e.g. `Image Position (Patient) (0020,0032)`.
        attribute: &'static str,
    },
    /// A required attribute is absent and the data set ends before its tag: the file was most
    /// likely cut short at an element boundary.
    #[error(
        "{}: missing attribute {attribute}: the data set ends at element {last_tag}, before it \
         (truncated file?)",
        .file.display()
    )]
    Truncated {
        /// The file.
        file: PathBuf,
        /// The attribute expected.
        attribute: &'static str,
        /// The last element read, `(gggg,eeee)`.
        last_tag: String,
    },
    /// An attribute is present but its value cannot be used.
    #[error("{}: invalid {attribute}: {reason}", .file.display())]
    InvalidAttribute {
        /// The file.
        file: PathBuf,
        /// Attribute keyword and tag.
        attribute: &'static str,
        /// What is wrong with the value.
        reason: String,
    },
    /// A valid object of a kind this operation does not handle (yet).
    #[error("{}: not supported: {what}", .file.display())]
    Unsupported {
        /// The file.
        file: PathBuf,
        /// What is not supported.
        what: String,
    },
    /// The pixel data cannot be decoded or does not match the image attributes.
    #[error("{}: pixel data: {reason}", .file.display())]
    PixelData {
        /// The file.
        file: PathBuf,
        /// Why.
        reason: String,
    },
    /// An operation on a list of files received none.
    #[error("no files were given for the series")]
    NoFiles,
    /// A file does not belong to the same image volume as the first one (mixed series, another
    /// frame of reference, another orientation or size).
    #[error("{} does not belong with {}: {what}", .file.display(), .first.display())]
    Inconsistent {
        /// The file that differs.
        file: PathBuf,
        /// The file it was compared with (the first file of the series).
        first: PathBuf,
        /// What differs.
        what: String,
    },
    /// Two slices at the same position.
    #[error(
        "duplicate slice: {} and {} are both at {position_mm:.3} mm along the slice normal",
        .first.display(), .second.display()
    )]
    DuplicateSlice {
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
        /// Their position along the slice normal, mm.
        position_mm: f64,
    },
    /// A gap of a whole number of slice spacings between two consecutive slices.
    #[error(
        "missing slice: the gap between {} and {} is {gap_mm:.3} mm where the slice spacing is \
         {spacing_mm:.3} mm (about {missing} slice(s) missing)",
        .before.display(), .after.display()
    )]
    MissingSlice {
        /// The slice before the gap.
        before: PathBuf,
        /// The slice after the gap.
        after: PathBuf,
        /// The gap, mm.
        gap_mm: f64,
        /// The slice spacing elsewhere, mm.
        spacing_mm: f64,
        /// Slices that would fill the gap.
        missing: usize,
    },
    /// Slice spacing that is not uniform (and not a missing slice).
    #[error(
        "non-uniform slice spacing: the gap between {} and {} is {gap_mm:.3} mm where the slice \
         spacing is {spacing_mm:.3} mm",
        .before.display(), .after.display()
    )]
    NonUniformSpacing {
        /// The slice before the gap.
        before: PathBuf,
        /// The slice after the gap.
        after: PathBuf,
        /// The gap, mm.
        gap_mm: f64,
        /// The smallest spacing of the series, mm.
        spacing_mm: f64,
    },
    /// Slices that are not stacked along their normal (gantry tilt or a sheared volume).
    #[error(
        "gantry tilt (or sheared stack): {} is shifted by {shift_mm:.3} mm across the slice \
         normal relative to {} (slices must be stacked along their normal; resample the tilted \
         series first)",
        .file.display(), .first.display()
    )]
    GantryTilt {
        /// The slice that is shifted.
        file: PathBuf,
        /// The first slice.
        first: PathBuf,
        /// In-plane shift, mm.
        shift_mm: f64,
    },
    /// The geometry built from the attributes is not valid.
    #[error("{}: invalid image geometry: {source}", .file.display())]
    Geometry {
        /// The file.
        file: PathBuf,
        /// The geometry error.
        source: GeometryError,
    },
    /// A contour or ROI of an RT Structure Set cannot be used.
    #[error("{}: ROI {roi_number} \"{roi_name}\": {what}", .file.display())]
    Contour {
        /// The RT Structure Set file.
        file: PathBuf,
        /// ROI Number.
        roi_number: i64,
        /// ROI Name.
        roi_name: String,
        /// What is wrong.
        what: String,
    },
    /// A segment of a DICOM SEG cannot be put on the grid asked for.
    #[error("{}: segment {segment_number} \"{label}\": {what}", .file.display())]
    Segment {
        /// The SEG file.
        file: PathBuf,
        /// Segment Number.
        segment_number: u32,
        /// Segment Label.
        label: String,
        /// What is wrong.
        what: String,
    },
    /// An ROI or segment in another frame of reference than the grid it is put on.
    #[error(
        "{}: {what} is in frame of reference {found} but the grid is in {expected}; register the \
         images first",
        .file.display()
    )]
    FrameMismatch {
        /// The file.
        file: PathBuf,
        /// The ROI or segment.
        what: String,
        /// Frame of the grid.
        expected: FrameOfReference,
        /// Frame of the object.
        found: FrameOfReference,
    },
}
