//! The image series loader on arbitrary bytes: the input as a one-file series, then as the first
//! of a two-file series whose second file is pydicom's CT_small.dcm (consistency, sorting and
//! spacing checks), then the header scan of the folder holding it. Every call must return
//! `Ok` or `Err`, never panic, and not allocate what the file does not hold.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("common_tmp.rs");

const T: &str = "dicom_series";
static CT_SMALL: &[u8] = include_bytes!("../../crates/sirt-dicom/tests/data/pydicom/CT_small.dcm");

fuzz_target!(|data: &[u8]| {
    let Some(a) = write_input(T, "a.dcm", data) else {
        return;
    };
    if let Ok(img) = sirt_dicom::load_image_series(&[&a]) {
        let _ = img.grid().len();
    }
    let Some(b) = write_input(T, "b.dcm", CT_SMALL) else {
        return;
    };
    if let Err(e) = sirt_dicom::read_image_series(&[&a, &b]) {
        let _ = e.to_string();
    }
    let report = sirt_dicom::scan(scratch(T));
    let _ = report.skipped.len();
});
