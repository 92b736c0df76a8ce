//! Scratch folders of the CLI tests: `$TMPDIR/sirtplan-cli-test-<pid>-<name>`, removed when the
//! test that made them ends without a panic, kept (and named on stderr) when it fails, so that a
//! long-lived developer machine or CI disk does not fill with the phantoms the tests write.

#![allow(dead_code, clippy::print_stderr)]

use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A fresh, empty folder; removed on drop unless the thread is panicking.
pub struct Scratch(PathBuf);

impl Scratch {
    /// `$TMPDIR/<prefix>-<pid>-<name>`, emptied first.
    pub fn new(prefix: &str, name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("{prefix}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("create the scratch folder");
        Scratch(d)
    }

    /// A file of this folder with the given text; the folder lives as long as the returned value.
    pub fn with_file(self, file: &str, text: &str) -> ScratchFile {
        let path = self.0.join(file);
        std::fs::write(&path, text).expect("write the scratch file");
        ScratchFile { _dir: self, path }
    }
}

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("scratch folder kept for inspection: {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A file in its own scratch folder.
pub struct ScratchFile {
    _dir: Scratch,
    path: PathBuf,
}

impl AsRef<Path> for ScratchFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Deref for ScratchFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}
