//! PDF by printing the HTML report with headless Chromium (`chromium --headless --print-to-pdf`).

use std::path::{Path, PathBuf};
use std::process::Command;
use thiserror::Error;

/// Environment variables Chromium is not given: the audit key (`SIRTPLAN_AUDIT_KEY`, read by
/// `sirtplan serve` and the admin commands; the same name as `sirt_server::admin::AUDIT_KEY_ENV`,
/// which a test of sirt-server checks). Design choice: Chromium renders the report with
/// `--no-sandbox` and needs no secret; a flaw in it must not hand over the key that protects
/// the audit log.
pub const WITHHELD_ENV: [&str; 1] = ["SIRTPLAN_AUDIT_KEY"];

/// Why no PDF was made.
#[derive(Debug, Error)]
pub enum PdfError {
    /// No Chromium found.
    #[error(
        "no Chromium to print the PDF: install it (Debian: apt-get install chromium) or set \
         SIRTPLAN_CHROMIUM to its path; tried {0}"
    )]
    NoChromium(String),
    /// Chromium could not be run (not executable, vanished since it was found, ...).
    #[error("cannot run Chromium ({program}) to print {html}")]
    Run {
        /// Program run.
        program: String,
        /// The HTML file.
        html: String,
        /// Why the program could not be run.
        #[source]
        source: std::io::Error,
    },
    /// Chromium ran but failed.
    #[error("Chromium ({program}) failed to print {html}: {detail}")]
    Failed {
        /// Program run.
        program: String,
        /// The HTML file.
        html: String,
        /// Exit status and stderr.
        detail: String,
    },
}

/// Candidate browser programs, in order; `SIRTPLAN_CHROMIUM` first when set.
pub fn chromium_candidates() -> Vec<PathBuf> {
    let mut c = Vec::new();
    if let Some(p) = std::env::var_os("SIRTPLAN_CHROMIUM") {
        c.push(PathBuf::from(p));
    }
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        if let Some(paths) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&paths) {
                let p = dir.join(name);
                if p.is_file() {
                    c.push(p);
                }
            }
        }
    }
    c
}

/// Prints `html` (a file) to `pdf`, A4, without header and footer.
pub fn print_pdf(html: &Path, pdf: &Path) -> Result<(), PdfError> {
    let candidates = chromium_candidates();
    let program = candidates.first().ok_or_else(|| {
        PdfError::NoChromium(
            "SIRTPLAN_CHROMIUM, chromium, chromium-browser, google-chrome on PATH".into(),
        )
    })?;
    // One profile folder per print: Chromium refuses a profile another instance holds, and a
    // server prints several reports at once.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile =
        std::env::temp_dir().join(format!("sirtplan-chromium-{}-{seq}", std::process::id()));
    let html_abs = std::fs::canonicalize(html).unwrap_or_else(|_| html.to_path_buf());
    let mut command = Command::new(program);
    for name in WITHHELD_ENV {
        command.env_remove(name);
    }
    let out = command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html_abs.display()))
        .output();
    let _ = std::fs::remove_dir_all(&profile);
    let fail = |detail: String| PdfError::Failed {
        program: program.display().to_string(),
        html: html.display().to_string(),
        detail,
    };
    let out = out.map_err(|source| PdfError::Run {
        program: program.display().to_string(),
        html: html.display().to_string(),
        source,
    })?;
    let ok = out.status.success() && pdf.metadata().map(|m| m.len() > 0).unwrap_or(false);
    if !ok {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: String = err
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        return Err(fail(format!("{}; {}", out.status, tail)));
    }
    Ok(())
}
