//! Plan parameters of the web application on arbitrary JSON: `sirt_server::engine::parameters_from`
//! (the body of `PATCH /api/plans/{id}`), then `Engine::compute` of the analytic demo case with
//! them (the parameters applied to the case as typed overrides, validated and planned), and the merge patch
//! of the input onto the demo's stored parameters. Must return `Ok` or `Err`, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const DEMO: &str = include_str!("../../examples/demo-net-case.toml");

fn engine() -> &'static sirt_server::Engine {
    static E: OnceLock<sirt_server::Engine> = OnceLock::new();
    E.get_or_init(|| sirt_server::Engine::embedded().expect("embedded engine data"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let mut merged = serde_json::json!({"injections": {"R": {"tnr": {"T1": 3.0}}}});
    sirt_server::engine::merge_patch(&mut merged, &value);
    for v in [&value, &merged] {
        match sirt_server::engine::parameters_from(v) {
            Ok(p) => match engine().compute(DEMO, &p) {
                Ok(c) => {
                    let _ = c.result.to_string();
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            },
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
