//! Helpers for tests: sample paths and DICOM files altered at test time in a temporary folder.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::{FileDicomObject, InMemDicomObject, open_file};

/// A file of tests/data.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// Writes a copy of `src` to `dst` after `edit`.
pub fn altered(
    src: &Path,
    dst: &Path,
    edit: impl FnOnce(&mut FileDicomObject<InMemDicomObject>),
) -> PathBuf {
    let mut obj = open_file(src).unwrap();
    edit(&mut obj);
    obj.write_to_file(dst).unwrap();
    dst.to_path_buf()
}

/// Sets a string attribute (backslashes separate values).
pub fn set(obj: &mut FileDicomObject<InMemDicomObject>, tag: dicom_core::Tag, vr: VR, v: &str) {
    obj.put_str(tag, vr, v);
}

/// A CT slice made from dcmqi's ct-3slice_01.dcm at position `ipp`, with its own SOP Instance
/// UID, written as `dir/name`.
pub fn ct_slice(dir: &Path, name: &str, ipp: [f64; 3], instance: u32) -> PathBuf {
    altered(&data("dcmqi/ct-3slice_01.dcm"), &dir.join(name), |o| {
        set(
            o,
            tags::IMAGE_POSITION_PATIENT,
            VR::DS,
            &format!("{}\\{}\\{}", ipp[0], ipp[1], ipp[2]),
        );
        set(
            o,
            tags::SOP_INSTANCE_UID,
            VR::UI,
            &format!("1.2.826.0.1.3680043.10.1234.{instance}"),
        );
    })
}

/// Replaces the temporary folder in messages by `<tmp>` (stable snapshots).
pub fn redact(msg: &str, dir: &Path) -> String {
    msg.replace(&dir.display().to_string(), "<tmp>")
        .replace(&data("").display().to_string(), "<data>/")
        .replace("<data>//", "<data>/")
}
