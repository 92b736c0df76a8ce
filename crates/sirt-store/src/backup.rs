//! Backup of a live SQLite database: `VACUUM INTO` writes a consistent snapshot (one read
//! transaction: the writers of a WAL database go on meanwhile) to a new file, created with mode
//! 0600 before SQLite writes into it (<https://www.sqlite.org/lang_vacuum.html#vacuuminto>:
//! the target must not exist or be empty). A PostgreSQL database is backed up with `pg_dump`.

use crate::files::{make_private, write_new_private};
use crate::{Backend, Store, StoreError, redact_url};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a backup was not made. Nothing is left at the output path when one is returned.
#[derive(Debug, Error)]
pub enum BackupError {
    /// The output file exists already.
    #[error("backup file {}: it already exists; nothing was written (choose a new file name)", .path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The database is PostgreSQL: its own tool makes the backup.
    #[error(
        "backup of {url}: the database is PostgreSQL; back it up with its own tool: `pg_dump --format=custom --file={} '{url}'` (restore with `pg_restore --dbname=URL {}` into an empty database)",
        .path.display(), .path.display()
    )]
    Postgres {
        /// The database (without its password).
        url: String,
        /// The file asked for.
        path: PathBuf,
    },
    /// The output path is not UTF-8 (SQLite takes the file name as text).
    #[error("backup file {}: expected a path in UTF-8, found another encoding", .path.display())]
    PathEncoding {
        /// The file.
        path: PathBuf,
    },
    /// The output file could not be created.
    #[error("backup file {}: cannot create it", .path.display())]
    Create {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// SQLite could not write the copy.
    #[error("backup file {}: the database could not write the copy", .path.display())]
    Database {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: StoreError,
    },
}

impl Store {
    /// Writes a consistent copy of this SQLite database to `out`, a new file with mode 0600;
    /// refuses an existing file and a PostgreSQL database ([`BackupError::Postgres`] gives the
    /// `pg_dump` command). Returns the copy's size in bytes.
    pub async fn backup_to(&self, url: &str, out: &Path) -> Result<u64, BackupError> {
        if self.backend == Backend::Postgres {
            return Err(BackupError::Postgres {
                url: redact_url(url),
                path: out.to_owned(),
            });
        }
        let text = out.to_str().ok_or_else(|| BackupError::PathEncoding {
            path: out.to_owned(),
        })?;
        if out.symlink_metadata().is_ok() {
            return Err(BackupError::Exists {
                path: out.to_owned(),
            });
        }
        write_new_private(out, b"").map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                BackupError::Exists {
                    path: out.to_owned(),
                }
            } else {
                BackupError::Create {
                    path: out.to_owned(),
                    source,
                }
            }
        })?;
        let written = sqlx::query("VACUUM INTO $1")
            .bind(text)
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)
            .and_then(|_| {
                make_private(out).map_err(|e| StoreError::Invalid {
                    field: "backup file",
                    expected: "mode 0600".into(),
                    found: e.to_string(),
                })
            })
            .and_then(|()| {
                std::fs::metadata(out)
                    .map(|m| m.len())
                    .map_err(|e| StoreError::Invalid {
                        field: "backup file",
                        expected: "a written file".into(),
                        found: e.to_string(),
                    })
            });
        written.map_err(|source| {
            let _ = std::fs::remove_file(out);
            BackupError::Database {
                path: out.to_owned(),
                source,
            }
        })
    }
}
