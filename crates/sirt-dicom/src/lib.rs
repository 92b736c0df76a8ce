//! DICOM in and out: reading DICOM files into `sirt-geometry` types and writing them back
//! (conventions: `docs/coordinates.md`).
//!
//! This is the only crate of the workspace that depends on dicom-rs (0.10; pure-Rust decoders:
//! native, deflate, RLE, JPEG baseline and lossless; not JPEG 2000 nor 12-bit JPEG extended).
//!
//! | module | what |
//! |---|---|
//! | `scan` | [`scan`]: walk a folder tree, read headers only, group files into [`Study`] / [`Series`]; unreadable or non-DICOM files are listed in [`ScanReport::skipped`] with the reason |
//! | `series` | [`load_image_series`], [`read_image_series`]: single-frame CT/MR slices → [`Image<f32>`](sirt_geometry::Image) (HU for CT), sorted along the slice normal, spacing, duplicates, gaps, tilt and mixing checked |
//! | `dose` | [`load_rt_dose`]: multi-frame RT Dose → [`RtDose`] (values × Dose Grid Scaling, [`DoseUnits`]) |
//! | `rtstruct` | [`read_rt_struct`] → [`RtStruct`] of [`Roi`]s with [`Contour`]s; [`rasterize`] an ROI onto a grid → [`Mask`](sirt_geometry::Mask) (voxel centres, even-odd rule, nearest slice) |
//! | `seg` | [`read_seg`] → [`Segmentation`] (BINARY and FRACTIONAL); [`Segmentation::fractional_mask`] / [`Segmentation::mask`] of a segment on the grid it was drawn on |
//! | `nm` | [`load_nm_tomo`]: NM multi-frame RECON TOMO SPECT → [`NmVolume`] (counts; geometry from the Detector Information Sequence; per-frame scaling; energy window, radiopharmaceutical) |
//! | `pet` | [`load_pet_series`]: PET slices → [`PetVolume`] in Bq/mL with the decay-correction reference ([`DecayCorrection`]) and the body-weight [`Suv`] factor when weight and dose are present |
//! | `enhanced` | [`load_enhanced_image`]: Enhanced / Legacy Converted Enhanced multi-frame CT and MR → [`EnhancedImage`] (functional groups, frame-by-frame [`ValueScaling`]) |
//! | `registration` | [`read_spatial_registration`]: Spatial Registration (REG) → [`SpatialRegistration`] of rigid transforms into its reference frame; [`SpatialRegistration::between`] any two of its frames; non-rigid matrices and deformable registrations refused |
//! | `datetime`, `isotope` | [`DicomDateTime`] with its zone when stated ([`DicomZone`]); [`Radiopharmaceutical`] information |
//! | `write` | DICOM out: CT, PET, NM tomo, SEG, RT Structure Set, RT Dose ([`write_ct_series`] … [`write_rt_dose`]), files `dciodvfy` accepts |
//! | `error` | [`DicomError`]: every message names the file(s) and what is wrong |
//! | `file` (private) | opening Part 10 files and bare data sets (no file meta header): a file is read once into memory, checked by `guard`, and parsed up to native Pixel Data, whose bytes are then used in place; attribute access with errors that name the file; pixel samples (1/8/16/32 bit, Bits Stored, sign) and their rescaling |
//! | `guard` (private) | every stated element length checked against the file size before dicom-rs parses (a corrupt header claiming 4 GB is refused at once instead of allocated); the walk also locates native Pixel Data |
//!
//! Files without a file meta header (a bare data set in implicit or explicit VR little endian,
//! such as pydicom's `rtstruct.dcm`) are read too.
//!
//! ```
//! use sirt_dicom::{load_image_series, scan};
//! let report = scan("tests/data/dcmqi");
//! let ct = &report.studies[0].series[0];
//! assert_eq!((ct.modality.as_str(), ct.files.len()), ("CT", 3));
//! let image = load_image_series(&ct.files)?;
//! assert_eq!(image.grid().dims, [512, 512, 3]);
//! // Memory order i fastest; values in HU.
//! let hu = image.get(256, 256, 1).unwrap_or(f32::NAN);
//! assert!((-1024.0..3072.0).contains(&hu));
//! # Ok::<(), sirt_dicom::DicomError>(())
//! ```

mod datetime;
mod dose;
mod enhanced;
mod error;
mod file;
mod frames;
mod guard;
mod isotope;
mod nm;
mod pet;
mod registration;
mod rtstruct;
mod scan;
mod seg;
mod series;
pub mod write;

pub use datetime::{DicomDateTime, DicomZone, Elapsed, ElapsedBasis, OffsetSource, ZoneUnknown};
pub use dose::{DoseUnits, RtDose, load_rt_dose};
pub use enhanced::{EnhancedImage, load_enhanced_image};
pub use error::DicomError;
pub use frames::ValueScaling;
pub use isotope::{Radiopharmaceutical, StartStated};
pub use nm::{EnergyWindow, NmVolume, load_nm_tomo};
pub use pet::{
    DecayCorrection, DecayReference, PetUnits, PetVolume, ReferenceSource, Suv, load_pet_series,
    load_pet_series_any_units,
};
pub use registration::{
    DEFORMABLE_REGISTRATION_SOP_CLASS, RegistrationInfo, SPATIAL_REGISTRATION_SOP_CLASS,
    SpatialRegistration, read_spatial_registration,
};
pub use rtstruct::{Contour, ContourType, Roi, RtStruct, rasterize, read_rt_struct};
pub use scan::{ScanReport, Series, Skipped, Study, scan};
pub use seg::{Segment, Segmentation, SegmentationType, read_seg};
pub use series::{ImageSeries, load_image_series, read_image_series};
pub use write::{
    WriteError, save_objects, write_ct_series, write_nm_tomo, write_pet_series, write_rt_dose,
    write_rt_struct, write_seg,
};
