//! A device catalogue (TOML) read into an empty catalogue: `merge_toml` must return `Err`,
//! never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_devices::Catalogue;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut catalogue = Catalogue::default();
    if let Err(e) = catalogue.merge_toml(text, "fuzz") {
        let _ = e.to_string();
    }
    let _ = catalogue.merge_toml(text, "fuzz-again");
});
