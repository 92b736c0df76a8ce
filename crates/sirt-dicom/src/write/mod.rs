//! DICOM out: sirt-geometry images and masks written as DICOM objects that `dciodvfy` accepts
//! and sirt-dicom, pydicom and other readers read back.
//!
//! | writer | object |
//! |---|---|
//! | [`write_ct_series`] | CT Image Storage, one file per slice, HU as int16 with Rescale Slope/Intercept |
//! | [`write_pet_series`] | PET Image Storage, one file per slice, Bq/mL (Units BQML) with a slope per slice, decay correction, Radiopharmaceutical Information |
//! | [`write_nm_tomo`] | NM Image Storage, one multi-frame RECON TOMO object (Frame Increment Pointer → Slice Vector, geometry in the Detector Information Sequence), energy window, radiopharmaceutical |
//! | [`write_seg`] | Segmentation Storage, BINARY, one segment per [`SegmentSpec`] of a label map, referencing the source series |
//! | [`write_rt_struct`] | RT Structure Set from masks, contours traced at half a voxel (marching squares; holes as separate contours), referencing the source series |
//! | [`write_encapsulated_pdf`] | Encapsulated PDF (a report for the PACS), modality DOC, in the study given |
//! | [`write_spatial_registration`] | Spatial Registration, a rigid `fixed_from_moving` matrix between two frames of reference (RIGID), with how it was found (CID 7100) and who made it |
//! | [`write_rt_dose`] | RT Dose, Gy, 32-bit (or 16-bit) unsigned × Dose Grid Scaling, relative Grid Frame Offset Vector |
//!
//! Writers return the encoded files in memory ([`WrittenObject`]; image series also give a
//! [`SeriesRef`] for SEG and RT Structure Sets); [`save_objects`] writes them into a folder.
//! Everything is Explicit VR Little Endian with a file meta header. UIDs: [`new_uid`] gives
//! `2.25.` + a random UUID; the Frame of Reference UID is the grid's frame when that is a UID
//! ([`frame_uid`]). Errors: [`WriteError`], naming the object.

mod common;
mod contour;
mod document;
mod dose;
mod error;
mod image;
mod nm;
mod registration;
mod rtstruct;
mod seg;

pub use common::{
    CivilDateTime, Code, IMPLEMENTATION_CLASS_UID, SeriesInfo, SeriesRef, StudyInfo, WrittenObject,
    WrittenSeries, frame_uid, is_valid_uid, new_uid, save_objects,
};
pub use document::write_encapsulated_pdf;
pub use dose::{DoseBits, NO_PLAN_SUMMATION, RtDoseInfo, write_rt_dose};
pub use error::WriteError;
pub use image::{
    DecayCorrection, PetInfo, Radionuclide, Radiopharmaceutical, write_ct_series, write_pet_series,
};
pub use nm::{EnergyWindow, NmInfo, write_nm_tomo};
pub use registration::{RegistrationContent, RegistrationMethod, write_spatial_registration};
pub use rtstruct::{
    RoiProvenance, RoiSpec, RtStructContent, write_rt_struct, write_rt_struct_with_content,
};
pub use seg::{SegContent, SegmentAlgorithmType, SegmentSpec, write_seg, write_seg_with_content};
