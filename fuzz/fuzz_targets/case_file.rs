//! A case file (TOML): parsing must return `Err` or a case; a case must plan or return `Err`;
//! a plan must render as text and JSON. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static CONTEXT: OnceLock<Option<(sirt_devices::Catalogue, sirt_rules::RuleSet)>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(case) = sirt_case::parse(text, "fuzz.toml") else {
        return;
    };
    let Some((devices, rules)) = CONTEXT
        .get_or_init(|| Some((sirt_devices::Catalogue::embedded().ok()?, sirt_rules::RuleSet::embedded().ok()?)))
    else {
        return;
    };
    if let Ok(plan) = sirt_workflow::plan(&case, devices, rules, "fuzz.toml") {
        let _ = sirt_report::plan_text(&plan);
        let _ = sirt_report::plan_json(&plan).to_string();
        let _ = sirt_report::plan_html(&plan);
    }
});
