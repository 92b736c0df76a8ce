//! Files at rest: the SQLite database with its `-wal` and `-shm` files, backups and key files
//! are readable and writable by their owner only (mode 0600), whatever the process's umask.
//!
//! OWASP ASVS 4.0.3 V8.3.4 ("sensitive data ... stored securely") and V12.5.x: patient data and
//! the audit log are not left world-readable on a shared host. Elsewhere than Unix, the folder's
//! access control list is the administrator's and these functions change nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The permission bits of every file this crate creates or opens: owner read and write
/// (design choice: the "files 0600"; nobody but the service account reads patient data).
#[cfg(unix)]
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// The files beside a SQLite database that hold its data: the write-ahead log, its index, and
/// the rollback journal (SQLite's file formats, <https://www.sqlite.org/tempfiles.html>).
const SQLITE_COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// The file of a `sqlite://PATH` or `sqlite:PATH` URL (without its `?` options); `None` for an
/// in-memory database or another scheme.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Creates an empty file with mode 0600 unless the path exists (SQLite then opens it as an empty
/// database, and gives its `-wal` and `-shm` files the same mode).
pub(crate) fn create_private_if_missing(path: &Path) -> std::io::Result<()> {
    match open_new_private(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets mode 0600 on the database file and on those of its companion files that exist.
/// Returns the first file that could not be changed, with the cause.
pub(crate) fn make_sqlite_private(db: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    let mut files = vec![db.to_path_buf()];
    for suffix in SQLITE_COMPANIONS {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    for f in files {
        match make_private(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err((f, e)),
        }
    }
    Ok(())
}

/// Sets mode 0600 on a file (no change when it has it already).
#[cfg(unix)]
pub(crate) fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o7777;
    if mode != PRIVATE_FILE_MODE {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(PRIVATE_FILE_MODE))?;
    }
    Ok(())
}

/// Elsewhere than Unix: nothing to change.
#[cfg(not(unix))]
pub(crate) fn make_private(path: &Path) -> std::io::Result<()> {
    std::fs::metadata(path).map(|_| ())
}

/// A new file (refused when the path exists) with mode 0600 from its creation.
fn open_new_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(PRIVATE_FILE_MODE);
    }
    let f = o.open(path)?;
    // The umask may have taken bits away, never added any; set exactly 0600.
    make_private(path)?;
    Ok(f)
}

/// Writes `bytes` to a new file with mode 0600; refuses a path that exists
/// ([`std::io::ErrorKind::AlreadyExists`]); removes the file when the write fails half-way.
pub(crate) fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = open_new_private(path)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    if let Err(e) = written {
        drop(f);
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite://a/b.db"),
            Some(PathBuf::from("a/b.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/x.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(sqlite_path("sqlite:x.db"), Some(PathBuf::from("x.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
    }
}
