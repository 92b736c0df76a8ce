//! Chromium, launched to print a PDF (with `--no-sandbox`), does not inherit the audit key: a
//! shell script standing in for it (`SIRTPLAN_CHROMIUM`) writes the environment it was given
//! into the PDF's place. The test runs itself again as a child process whose environment holds
//! `SIRTPLAN_AUDIT_KEY` (a test cannot set its own environment without `unsafe`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Set in the child run: it prints instead of spawning another.
const CHILD: &str = "SIRTPLAN_PDF_ENV_TEST_CHILD";

/// The key the child's environment holds (64 hexadecimal digits, as a real key).
const SECRET: &str = "9f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// Chromium's stand-in: finds `--print-to-pdf=PATH` and writes its environment there.
const FAKE_CHROMIUM: &str = "#!/bin/sh\n\
for a in \"$@\"; do case \"$a\" in --print-to-pdf=*) out=\"${a#--print-to-pdf=}\";; esac; done\n\
env > \"$out\"\n";

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sirtplan-pdf-env-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The child's side: prints the stand-in's environment through `print_pdf`.
fn child(dir: &Path) {
    let html = dir.join("r.html");
    std::fs::write(&html, "<html><body>report</body></html>").unwrap();
    let pdf = dir.join("r.pdf");
    sirt_report::pdf::print_pdf(&html, &pdf).unwrap();
    print!("{}", std::fs::read_to_string(&pdf).unwrap());
}

#[test]
fn chromium_does_not_inherit_the_audit_key() {
    if let Some(dir) = std::env::var_os(CHILD) {
        child(Path::new(&dir));
        return;
    }
    let dir = temp("run");
    let fake = dir.join("chromium");
    std::fs::write(&fake, FAKE_CHROMIUM).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "chromium_does_not_inherit_the_audit_key",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, &dir)
        .env("SIRTPLAN_CHROMIUM", &fake)
        .env("SIRTPLAN_AUDIT_KEY", SECRET)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The stand-in ran and saw the rest of the environment (the child's marker) ...
    assert!(
        text.contains(&format!("{CHILD}={}", dir.display())),
        "{text}"
    );
    // ... but neither the variable nor the key.
    assert!(!text.contains("SIRTPLAN_AUDIT_KEY"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
