//! A zip upload on arbitrary bytes: `sirt_server::uploads::unpack_zip` with small limits (4 MiB
//! inflated in all, 64 entries, ratio 200 after 64 kB), as the upload endpoint unpacks a DICOM
//! folder. Must return `Ok` or `Err`, never panic, never write outside its folder, and not
//! inflate more than the limits allow.
#![no_main]

include!("common_tmp.rs");

use libfuzzer_sys::fuzz_target;

const LIMITS: sirt_server::uploads::Limits = sirt_server::uploads::Limits {
    body_bytes: 1 << 22,
    zip_uncompressed_bytes: 1 << 22,
    zip_entries: 64,
    zip_ratio: 200,
    zip_ratio_grace_bytes: 1 << 16,
    nifti_bytes: 1 << 22,
};

fuzz_target!(|data: &[u8]| {
    let Some(zip) = write_input("upload_zip", "upload.zip", data) else {
        return;
    };
    let into = scratch("upload_zip").join("unpacked");
    let _ = std::fs::remove_dir_all(&into);
    match sirt_server::uploads::unpack_zip(&zip, &into, &LIMITS) {
        Ok(n) => {
            // Everything written lies inside the folder and within the limit.
            let mut total = 0u64;
            let mut files = 0usize;
            let mut stack = vec![into.clone()];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    let p = e.path();
                    assert!(p.starts_with(&into), "{} outside", p.display());
                    match e.metadata() {
                        Ok(m) if m.is_dir() => stack.push(p),
                        Ok(m) => {
                            total += m.len();
                            files += 1;
                        }
                        Err(_) => {}
                    }
                }
            }
            assert!(total <= LIMITS.zip_uncompressed_bytes, "{total} bytes inflated");
            assert!(files <= n.max(LIMITS.zip_entries));
        }
        Err(e) => {
            let _ = e.len();
        }
    }
    let _ = std::fs::remove_dir_all(&into);
});
