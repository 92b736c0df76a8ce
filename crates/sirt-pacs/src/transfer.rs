//! What a pull asks for and reports as it goes, and what a push sends and reports: shared by
//! DICOMweb and DIMSE.

use crate::PacsError;
use crate::files::{FileMeta, read_meta};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What to pull.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullSelector {
    /// Every study of a patient (Patient ID).
    Patient(String),
    /// One study (Study Instance UID).
    Study(String),
    /// One series (Series Instance UID).
    Series(String),
}

/// How far a transfer is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Instances complete.
    pub instances: usize,
    /// Bytes received or sent.
    pub bytes: u64,
}

/// One instance the node refused, with its reason.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Refused {
    /// The file sent, when known.
    pub path: Option<PathBuf>,
    /// Its SOP Instance UID.
    pub sop_instance_uid: String,
    /// The DIMSE status or STOW-RS Failure Reason, when the node gave one.
    pub status: Option<u16>,
    /// The reason in words.
    pub reason: String,
}

/// What a push did.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct PushOutcome {
    /// SOP Instance UIDs the node stored.
    pub stored: Vec<String>,
    /// Instances the node refused.
    pub refused: Vec<Refused>,
    /// Files not sent (not DICOM), with the reason.
    pub skipped: Skipped,
}

/// A file to send: its path and meta information.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// The file.
    pub path: PathBuf,
    /// Its meta information.
    pub meta: FileMeta,
}

/// Files not sent, with the reason.
pub type Skipped = Vec<(PathBuf, String)>;

/// The files to send among `paths` (files, and folders searched recursively): DICOM Part 10
/// files; the others are returned as skipped with the reason. No DICOM file at all is an error.
pub fn outgoing(paths: &[PathBuf]) -> Result<(Vec<Outgoing>, Skipped), PacsError> {
    let mut send = Vec::new();
    let mut skipped = Vec::new();
    for path in crate::files::collect(paths)? {
        match read_meta(&path) {
            Ok(meta) => send.push(Outgoing { path, meta }),
            Err(PacsError::NotDicom { path, reason }) => skipped.push((path, reason)),
            Err(e) => return Err(e),
        }
    }
    if send.is_empty() {
        let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(PacsError::Request(format!(
            "no DICOM file to send in {} ({} file(s) skipped)",
            named.join(", "),
            skipped.len()
        )));
    }
    Ok((send, skipped))
}

/// Reads a whole file to send.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, PacsError> {
    std::fs::read(path).map_err(|source| PacsError::Io {
        path: path.to_owned(),
        what: "cannot read",
        source,
    })
}
