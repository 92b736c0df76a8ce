//! RECIST measurement files (TOML, `crates/sirt-recist/FORMAT.md`): `sirt_recist::evaluate` with the
//! default protocol and with confirmation required; what evaluates is rendered. Must return `Ok` or
//! `Err`, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut params = sirt_recist::Params::default();
    for confirm in [false, true] {
        params.confirmation_required = confirm;
        match sirt_recist::evaluate(text, "fuzz.toml", &params) {
            Ok(e) => {
                let _ = sirt_recist::render_text(&e);
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
