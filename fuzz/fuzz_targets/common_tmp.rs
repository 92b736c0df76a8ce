// Shared by the DICOM fuzz targets (included with `include!`): a per-process scratch folder
// and a helper that writes the input there.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static SCRATCH: OnceLock<PathBuf> = OnceLock::new();

/// `$TMPDIR/sirtplan-fuzz-<target>-<pid>`, created once.
fn scratch(target: &str) -> &'static Path {
    SCRATCH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sirtplan-fuzz-{target}-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    })
}

/// Writes `bytes` to `name` in the scratch folder; `None` when the write fails.
fn write_input(target: &str, name: &str, bytes: &[u8]) -> Option<PathBuf> {
    let p = scratch(target).join(name);
    std::fs::write(&p, bytes).ok()?;
    Some(p)
}
