//! NIfTI-1 reading on arbitrary bytes (plain or gzip): `sirt_nifti::read` and `read_labels`.
//! Must return `Ok` or `Err`, never panic, and not allocate what the data does not hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_geometry::FrameOfReference;

fuzz_target!(|data: &[u8]| {
    let frame = FrameOfReference("1.2.3".into());
    match sirt_nifti::read(data, "fuzz.nii", frame.clone()) {
        Ok(img) => {
            let _ = img.grid().len();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Err(e) = sirt_nifti::read_labels(data, "fuzz.nii", frame) {
        let _ = e.to_string();
    }
});
