//! The NM reconstructed-SPECT, PET and enhanced CT/MR readers on arbitrary bytes: `load_nm_tomo`
//! and `load_enhanced_image` of the input;
//! `load_pet_series_any_units` of the input alone and with a valid PET slice (the test data's
//! pet_02.dcm) as a two-file series; the instants, elapsed times and SUV of what reads. Must
//! return `Ok` or `Err`, never panic, and not allocate what the file does not hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_dicom::{DicomDateTime, Radiopharmaceutical};

include!("common_tmp.rs");

const T: &str = "dicom_nm_pet";
static PET_02: &[u8] = include_bytes!("../../crates/sirt-dicom/tests/data/nm_pet/pet_02.dcm");

fn times(a: Option<&DicomDateTime>, rps: &[Radiopharmaceutical]) {
    for rp in rps {
        for t in [rp.start, rp.stop].iter().flatten() {
            let _ = t.instant();
            let _ = t.to_string();
            if let Some(a) = a {
                let _ = a.elapsed_since(t);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(a) = write_input(T, "a.dcm", data) else {
        return;
    };
    match sirt_dicom::load_nm_tomo(&a) {
        Ok(nm) => {
            let _ = nm.image.grid().len();
            times(nm.acquisition_start.as_ref(), &nm.radiopharmaceuticals);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Err(e) = sirt_dicom::load_enhanced_image(&a) {
        let _ = e.to_string();
    }
    if let Ok(pet) = sirt_dicom::load_pet_series_any_units(&[&a]) {
        times(
            pet.decay_reference.instant.as_ref(),
            pet.radiopharmaceutical.as_slice(),
        );
        let _ = format!("{:?}", pet.suv);
    }
    let Some(b) = write_input(T, "b.dcm", PET_02) else {
        return;
    };
    match sirt_dicom::load_pet_series(&[&a, &b]) {
        Ok(pet) => {
            let _ = format!("{:?}", pet.suv);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
