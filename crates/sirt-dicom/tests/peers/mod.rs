//! The peer tools the writer tests run (dciodvfy of dicom3tools, python3 with pydicom): each
//! optional on a developer machine (the check prints a note and passes) and required when
//! `SIRTPLAN_REQUIRE_PEERS` is set, as in CI.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::path::Path;
use std::process::Command;

/// Whether the peer `name` answers `probe`; fails when it is required and absent.
pub fn peer(name: &str, probe: &mut Command) -> bool {
    let ok = probe.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
            "{name} is required (SIRTPLAN_REQUIRE_PEERS is set)"
        );
        eprintln!("{name} not available: peer check skipped");
    }
    ok
}

/// dciodvfy's error and warning lines for a file.
pub fn dciodvfy(file: &Path) -> (Vec<String>, Vec<String>) {
    let out = Command::new("dciodvfy").arg(file).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = |prefix: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .map(str::to_owned)
            .collect()
    };
    (lines("Error"), lines("Warning"))
}

/// dciodvfy's error lines for a file (its warnings printed).
pub fn dciodvfy_errors(file: &Path) -> Vec<String> {
    let (errors, warnings) = dciodvfy(file);
    for w in warnings {
        eprintln!("    {w}");
    }
    errors
}
