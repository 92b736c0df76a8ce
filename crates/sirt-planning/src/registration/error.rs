//! Why a registration's inputs cannot be used, naming the input (its label: a CLI flag or a
//! request field) and the file.

use std::path::PathBuf;

/// A registration that cannot be made or written; each variant names the input and what was
/// expected and found.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// A path that does not exist.
    #[error(
        "{label} {path}: expected a DICOM series folder or a NIfTI file, found no such file or folder"
    )]
    Missing {
        /// The input's label (`--fixed`, `roles.planning_ct`).
        label: String,
        /// The path.
        path: PathBuf,
    },
    /// A NIfTI file that does not exist.
    #[error("{label} {path}: no such file")]
    NoSuchFile {
        /// The input's label.
        label: String,
        /// The path.
        path: PathBuf,
    },
    /// No series of the modalities wanted.
    #[error("{label} {path}: expected a {expected} series, found {found}")]
    NoSeries {
        /// The input's label.
        label: String,
        /// The path.
        path: PathBuf,
        /// The modalities wanted (`CT or MR`).
        expected: String,
        /// What the folder holds.
        found: String,
    },
    /// Several series of the modalities wanted.
    #[error(
        "{label} {path}: expected a single {expected} series, found {count}: put each series in its own folder"
    )]
    SeveralSeries {
        /// The input's label.
        label: String,
        /// The path.
        path: PathBuf,
        /// The modalities wanted.
        expected: String,
        /// How many.
        count: usize,
    },
    /// An image that cannot be read (the reader's words name the file).
    #[error(transparent)]
    Imaging(Box<sirt_imaging::ImagingError>),
    /// A DICOM series that cannot be read.
    #[error(transparent)]
    Dicom(Box<sirt_dicom::DicomError>),
    /// A NIfTI label map that cannot be read.
    #[error(transparent)]
    Nifti(Box<sirt_nifti::NiftiError>),
    /// A file that cannot be read at all.
    #[error("{label} {path}: {source}")]
    Io {
        /// The input's label.
        label: String,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A mask that cannot be put on the fixed grid.
    #[error("{label} {path}: {source}")]
    MaskGrid {
        /// The input's label.
        label: String,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: Box<sirt_geometry::GeometryError>,
    },
    /// A SPECT or PET that is not in the frame of reference of the CT registered in its place.
    #[error(
        "{} {} and {} {}: expected the same frame of reference (a SPECT/CT's or PET/CT's images share one), found {} and {}",
        .0.moving_label, .0.moving.display(), .0.ct_label, .0.ct.display(), .0.moving_frame, .0.ct_frame
    )]
    FrameOfItsCt(Box<FrameMismatch>),
    /// Series of two patients.
    #[error(
        "{} {} and {} {}: expected series of one patient, found patient IDs \"{}\" and \"{}\"",
        .0.fixed_label, .0.fixed.display(), .0.moving_label, .0.moving.display(), .0.fixed_id, .0.moving_id
    )]
    TwoPatients(Box<TwoPatients>),
    /// The registration object needs DICOM series.
    #[error("{purpose} needs {label} as a DICOM series ({why}); {path} is NIfTI")]
    NotDicom {
        /// What needs it (`--out`, `the registration object`).
        purpose: String,
        /// The input's label.
        label: String,
        /// The path.
        path: PathBuf,
        /// Why.
        why: &'static str,
    },
    /// The fixed series' study has no valid Study Date.
    #[error(
        "{label} {path}: Study Date (0008,0020): expected a date YYYYMMDD (the registration object is written in the fixed series' study and repeats its date), found {found}"
    )]
    StudyDate {
        /// The fixed series' label.
        label: String,
        /// Its path.
        path: PathBuf,
        /// The value found (`none`, `"20251341"`).
        found: String,
    },
    /// The registration refused its images or options.
    #[error(transparent)]
    Registration(Box<sirt_registration::RegistrationError>),
    /// A transform given as a matrix that is not rigid.
    #[error("field `{field}`: expected {expected}, found {found}")]
    NotRigid {
        /// The field (`fixed_from_moving`).
        field: String,
        /// What a rigid transform's matrix must be.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// The reference (UIDs) of a series just read could not be made.
    #[error("{label} {path}: the series' reference: {source}")]
    Reference {
        /// The input's label.
        label: String,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: Box<sirt_dicom::write::WriteError>,
    },
    /// The object could not be written (an invalid creator name, description).
    #[error("the registration object: {0}")]
    Write(Box<sirt_dicom::write::WriteError>),
    /// A saved registration object that relates other frames of reference than the two wanted.
    #[error(
        "{label} {path}: expected a transform between the frame of reference {fixed} and {moving}, found one relating {found}"
    )]
    NoTransform {
        /// The field or flag that named it.
        label: String,
        /// The file.
        path: PathBuf,
        /// The fixed series' frame.
        fixed: String,
        /// The moving series' frame.
        moving: String,
        /// The frames the object relates.
        found: String,
    },
}

impl RegisterError {
    /// Whether the error is in the user's input (files, fields, images): all but the reference
    /// of a series just read, which only a failure of the server's own files explains.
    pub fn is_input(&self) -> bool {
        !matches!(self, RegisterError::Reference { .. })
    }
}

/// The sources kept boxed (the error stays small on the happy path's `Result`).
macro_rules! boxed_from {
    ($($source:ty => $variant:ident),+ $(,)?) => {
        $(impl From<$source> for RegisterError {
            fn from(e: $source) -> Self {
                RegisterError::$variant(Box::new(e))
            }
        })+
    };
}

boxed_from!(
    sirt_imaging::ImagingError => Imaging,
    sirt_dicom::DicomError => Dicom,
    sirt_nifti::NiftiError => Nifti,
    sirt_registration::RegistrationError => Registration,
    sirt_dicom::write::WriteError => Write,
);

/// [`RegisterError::FrameOfItsCt`]: a SPECT or PET and the CT registered in its place.
#[derive(Debug)]
pub struct FrameMismatch {
    /// The moving series' label.
    pub moving_label: String,
    /// Its path.
    pub moving: PathBuf,
    /// The CT's label.
    pub ct_label: String,
    /// The CT's path.
    pub ct: PathBuf,
    /// The moving series' frame (`none` when it has none).
    pub moving_frame: String,
    /// The CT's frame.
    pub ct_frame: String,
}

/// [`RegisterError::TwoPatients`]: the two series and their Patient IDs.
#[derive(Debug)]
pub struct TwoPatients {
    /// The fixed series' label.
    pub fixed_label: String,
    /// Its path.
    pub fixed: PathBuf,
    /// The moving series' label.
    pub moving_label: String,
    /// Its path.
    pub moving: PathBuf,
    /// The fixed series' Patient ID.
    pub fixed_id: String,
    /// The moving series' Patient ID.
    pub moving_id: String,
}
