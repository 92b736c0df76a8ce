//! A rule file (TOML) read into an empty rule set: `merge_toml` must return `Err`, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_rules::RuleSet;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut set = RuleSet::default();
    if let Err(e) = set.merge_toml(text, "fuzz") {
        let _ = e.to_string();
    }
    // Merging the same text a second time exercises replacement and removal by id.
    let _ = set.merge_toml(text, "fuzz-again");
});
