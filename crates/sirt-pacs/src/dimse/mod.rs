//! DIMSE over dicom-rs' upper layer (`dicom-ul`): C-ECHO, C-FIND (study and series level),
//! C-GET and C-STORE as a service user (`scu`), and the receiver (`scp`): C-ECHO and C-STORE
//! as a service provider writing accepted objects into a folder.

pub mod message;
pub mod scp;
pub mod scu;

pub use scp::{
    BatchLimits, ObjectCheck, Origin, Receiver, ReceiverConfig, ReceiverEvent, Refusal, Storage,
};
pub use scu::DimseClient;

/// The storage SOP classes proposed for C-GET and accepted by the receiver (PS3.4 Annex B.5):
/// the objects sirtplan reads and writes (CT, MR, NM, PET, RT Dose, RT Structure Set, RT
/// Plan, SEG, Spatial Registration, Encapsulated PDF) and secondary captures.
pub const STORAGE_SOP_CLASSES: &[&str] = &[
    dicom_dictionary_std::uids::CT_IMAGE_STORAGE,
    dicom_dictionary_std::uids::ENHANCED_CT_IMAGE_STORAGE,
    dicom_dictionary_std::uids::MR_IMAGE_STORAGE,
    dicom_dictionary_std::uids::NUCLEAR_MEDICINE_IMAGE_STORAGE,
    dicom_dictionary_std::uids::POSITRON_EMISSION_TOMOGRAPHY_IMAGE_STORAGE,
    dicom_dictionary_std::uids::ENHANCED_PET_IMAGE_STORAGE,
    dicom_dictionary_std::uids::RT_DOSE_STORAGE,
    dicom_dictionary_std::uids::RT_STRUCTURE_SET_STORAGE,
    dicom_dictionary_std::uids::RT_PLAN_STORAGE,
    dicom_dictionary_std::uids::SEGMENTATION_STORAGE,
    dicom_dictionary_std::uids::SPATIAL_REGISTRATION_STORAGE,
    dicom_dictionary_std::uids::ENCAPSULATED_PDF_STORAGE,
    dicom_dictionary_std::uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
];

/// The transfer syntaxes offered and accepted for data sets: Explicit VR Little Endian, then
/// Implicit VR Little Endian, the default every DICOM node supports (PS3.5 §10.1).
pub const TRANSFER_SYNTAXES: &[&str] = &[
    dicom_dictionary_std::uids::EXPLICIT_VR_LITTLE_ENDIAN,
    dicom_dictionary_std::uids::IMPLICIT_VR_LITTLE_ENDIAN,
];
