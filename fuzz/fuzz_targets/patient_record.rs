//! Patient records (TOML, `crates/sirt-clinical/FORMAT.md`) and site eligibility rule files: a
//! record that reads is assessed with the embedded rules, its labs graded (CTCAE v5.0) and both
//! rendered; the same text is also merged as a site rule file. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_clinical::{CtcaeVersion, PatientRecord, RuleSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut rules) = RuleSet::embedded() else {
        return;
    };
    match PatientRecord::from_toml(text, "fuzz.toml") {
        Ok(record) => {
            let a = sirt_clinical::assess_eligibility(&record, &rules);
            let _ = sirt_clinical::render_assessment(&a);
            match sirt_clinical::grade_labs(&record, CtcaeVersion::V5_0) {
                Ok(t) => {
                    let _ = sirt_clinical::render_timeline(&t);
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Err(e) = rules.merge_toml(text, "fuzz-site.toml") {
        let _ = e.to_string();
    }
});
