//! The central-directory check of a zip upload on arbitrary bytes:
//! `sirt_server::uploads::check_zip_directory` with small limits (4 MiB inflated in all, 64
//! entries, ratio 200, one grace of 64 kB per archive), then `unpack_zip` of the bytes it
//! accepts. Must return `Ok` or `Err`, never panic. What it accepts declares no more than the
//! archive's allowance (ratio × its size + one grace, at most the cap; computed here in `u128`,
//! not by the code under test), names no path leaving its folder, and inflates to no more than
//! that allowance, whatever the directory declared (issue 15).
#![no_main]

include!("common_tmp.rs");

use libfuzzer_sys::fuzz_target;
use sirt_server::uploads::{Limits, check_zip_directory, unpack_zip};

const LIMITS: Limits = Limits {
    body_bytes: 1 << 22,
    zip_uncompressed_bytes: 1 << 22,
    zip_entries: 64,
    zip_ratio: 200,
    zip_ratio_grace_bytes: 1 << 16,
    nifti_bytes: 1 << 22,
};

/// The total size of the files under `dir`, every one of them inside it.
fn bytes_under(dir: &Path) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            assert!(p.starts_with(dir), "{} outside", p.display());
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(p),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = check_zip_directory(data, &LIMITS) else {
        return;
    };
    let allowed = (u128::from(LIMITS.zip_ratio) * data.len() as u128
        + u128::from(LIMITS.zip_ratio_grace_bytes))
    .min(u128::from(LIMITS.zip_uncompressed_bytes));
    assert_eq!(u128::from(dir.allowance.bytes()), allowed);
    let declared: u128 = dir.declared.iter().map(|&d| u128::from(d)).sum();
    assert_eq!(u128::from(dir.declared_total), declared);
    assert!(
        declared <= allowed,
        "{declared} declared, {allowed} allowed"
    );
    assert_eq!(dir.names.len(), dir.declared.len());
    assert!(dir.names.len() <= LIMITS.zip_entries);
    for n in &dir.names {
        assert!(
            !n.starts_with('/') && !n.contains('\\') && !n.split('/').any(|c| c == ".."),
            "{n}"
        );
    }
    // Inflating writes no more than the allowance, whatever the entries hold.
    let Some(zip) = write_input("upload_zip_directory", "upload.zip", data) else {
        return;
    };
    let into = scratch("upload_zip_directory").join("unpacked");
    let _ = std::fs::remove_dir_all(&into);
    let _ = unpack_zip(&zip, &into, &LIMITS);
    let written = bytes_under(&into);
    assert!(
        u128::from(written) <= allowed,
        "{written} bytes written, {allowed} allowed"
    );
    let _ = std::fs::remove_dir_all(&into);
});
