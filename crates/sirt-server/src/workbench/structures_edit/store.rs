//! The editing session of a case as files, where every server instance sees it (issue 17 runs
//! several): `DATA/patients/{patient}/workbench/structures/case-{case}/` holds `session.json`
//! (the structures with their edit histories, the undo and redo steps) and `masks/` (each
//! version of a mask on the planning CT's grid, one byte a voxel, zlib-compressed, never
//! rewritten: a step of the undo list names the files of its masks). One change at a time per
//! case across servers: an exclusive lock of the operating system (`flock`) on the folder's
//! `lock` file, which a stopped process gives back by itself (on a network file system the
//! lock must be supported: NFSv4 does). `session.json` is written to a new file and renamed
//! over the old one.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use sirt_geometry::{Grid, Mask};
use sirt_planning::structures::EditHistory;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::RoleName;

/// Undo steps kept. Design choice: enough for an editing sitting; each step keeps only the
/// names of its masks' files, so the files on disk are at most this many versions per
/// structure changed.
pub(crate) const MAX_UNDO: usize = 30;

/// How long a change waits for another change of the same case before answering 409.
/// Design choice: longer than a tool on a large CT, shorter than a browser's patience.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// How often a waiting change looks at the lock again (design choice).
const LOCK_POLL: Duration = Duration::from_millis(50);

/// zlib level of the mask files: 1, the fastest (design choice: masks are mostly runs of
/// zeros and ones, which level 1 already shrinks a hundredfold).
const MASK_COMPRESSION: u32 = 1;

/// One structure as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Kept {
    /// Its name (Segment Label).
    pub name: String,
    /// What it is.
    pub role: RoleName,
    /// `#rrggbb`, when chosen.
    pub colour: Option<String>,
    /// Its mask's file in `masks/`.
    pub mask: String,
    /// Voxels inside.
    pub voxels: usize,
    /// The operations that made it, with author and instant (provenance of the SEG).
    pub history: EditHistory,
    /// The slices last edited by hand (for interpolation), latest last.
    pub edited_slices: Vec<usize>,
    /// The grid it was made on, in words, when not the CT's (a territory on the SPECT).
    pub made_on: Option<String>,
    /// How it was put on the CT grid, when made on another.
    pub resampled: Option<String>,
}

/// A state of the structures an undo or redo goes back to, with what the change was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Step {
    /// The change, in words ("region growing of liver").
    pub what: String,
    /// The structures before (undo) or after (redo) it.
    pub structures: Vec<Kept>,
}

/// `session.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SessionFile {
    /// Changes so far.
    pub revision: u64,
    /// The planning CT series the masks lie on.
    pub ct_series_id: i64,
    /// Its grid.
    pub grid: Grid,
    /// The structures series it was opened from.
    pub source_series_id: Option<i64>,
    /// Who opened it, when (UTC).
    pub opened_by: String,
    pub opened_at: String,
    /// The next mask file number.
    pub next_mask: u64,
    /// The structures now.
    pub structures: Vec<Kept>,
    /// Undo steps, latest last.
    pub undo: Vec<Step>,
    /// Redo steps, latest last.
    pub redo: Vec<Step>,
    /// The last change, in words.
    pub last: Option<String>,
    /// The SEG series saved last from this session.
    pub saved_series_id: Option<i64>,
}

impl SessionFile {
    /// Records the structures as they are before a change `what` (undo step; redo cleared).
    pub fn before_change(&mut self, what: &str) {
        self.undo.push(Step {
            what: what.to_owned(),
            structures: self.structures.clone(),
        });
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
        self.redo.clear();
        self.last = Some(what.to_owned());
    }

    /// The structure named `name`, or 422 naming `field` and the names there are.
    pub fn find(&self, name: &str, field: &str) -> Result<usize, ApiError> {
        self.structures
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.structures.iter().map(|s| s.name.as_str()).collect();
                ApiError::invalid(format!(
                    "field `{field}`: expected a structure of the editing session ({}), found \"{name}\"",
                    if names.is_empty() {
                        "none yet".to_owned()
                    } else {
                        names.join(", ")
                    }
                ))
            })
    }
}

/// The folder of a case's session.
#[derive(Debug, Clone)]
pub(crate) struct Dir {
    root: PathBuf,
}

/// The lock of a session: an exclusive lock of the operating system on the session's `lock`
/// file, released when dropped (closed), and by the system when its process ends (a server
/// that stopped mid-change leaves no lock behind).
pub(crate) struct Locked {
    _file: std::fs::File,
}

fn storage(_: std::io::Error) -> ApiError {
    ApiError::internal()
}

impl Dir {
    /// `{patient folder}/workbench/structures/case-{case}`.
    pub fn new(patient_folder: &Path, case_id: i64) -> Dir {
        Dir {
            root: patient_folder
                .join("workbench")
                .join("structures")
                .join(format!("case-{case_id}")),
        }
    }

    fn session_path(&self) -> PathBuf {
        self.root.join("session.json")
    }

    fn masks(&self) -> PathBuf {
        self.root.join("masks")
    }

    /// Takes the session's lock (waiting for another change up to [`LOCK_WAIT`], then 409).
    pub fn lock(&self) -> Result<Locked, ApiError> {
        std::fs::create_dir_all(&self.root).map_err(storage)?;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.root.join("lock"))
            .map_err(storage)?;
        let start = SystemTime::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Locked { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if start.elapsed().unwrap_or_default() > LOCK_WAIT {
                        return Err(ApiError::new(
                            axum::http::StatusCode::CONFLICT,
                            "busy",
                            "another change of this case's structures is running: try again when it ends",
                        ));
                    }
                    std::thread::sleep(LOCK_POLL);
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(storage(e)),
            }
        }
    }

    /// The session, when one was opened.
    pub fn read(&self) -> Result<Option<SessionFile>, ApiError> {
        match std::fs::read(self.session_path()) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| ApiError::internal()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(storage(e)),
        }
    }

    /// The session, or 409 when none was opened.
    pub fn read_open(&self) -> Result<SessionFile, ApiError> {
        self.read()?.ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "no_session",
                "no structure editing session is open for this case: open one first (POST …/workbench/structures/session)",
            )
        })
    }

    /// Writes the session (new file renamed over the old), then removes the mask files that no
    /// structure, undo or redo step names any more.
    pub fn write(&self, s: &SessionFile) -> Result<(), ApiError> {
        let bytes = serde_json::to_vec(s).map_err(|_| ApiError::internal())?;
        let tmp = self.root.join("session.json.tmp");
        std::fs::write(&tmp, bytes).map_err(storage)?;
        std::fs::rename(&tmp, self.session_path()).map_err(storage)?;
        self.collect_garbage(s);
        Ok(())
    }

    fn collect_garbage(&self, s: &SessionFile) {
        let named: std::collections::BTreeSet<&str> = s
            .structures
            .iter()
            .chain(s.undo.iter().flat_map(|u| u.structures.iter()))
            .chain(s.redo.iter().flat_map(|u| u.structures.iter()))
            .map(|k| k.mask.as_str())
            .collect();
        let Ok(entries) = std::fs::read_dir(self.masks()) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !named.contains(name.as_str()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// Writes a new mask file; its name.
    pub fn write_mask(&self, s: &mut SessionFile, mask: &Mask) -> Result<String, ApiError> {
        std::fs::create_dir_all(self.masks()).map_err(storage)?;
        let name = format!("m{}.zlib", s.next_mask);
        s.next_mask += 1;
        let bytes: Vec<u8> = mask.data().iter().map(|&b| u8::from(b)).collect();
        let mut z = flate2::write::ZlibEncoder::new(
            Vec::with_capacity(bytes.len() / 64),
            flate2::Compression::new(MASK_COMPRESSION),
        );
        z.write_all(&bytes).map_err(storage)?;
        let packed = z.finish().map_err(storage)?;
        std::fs::write(self.masks().join(&name), packed).map_err(storage)?;
        Ok(name)
    }

    /// A structure's mask on the session's grid.
    pub fn read_mask(&self, s: &SessionFile, k: &Kept) -> Result<Mask, ApiError> {
        let packed = std::fs::read(self.masks().join(&k.mask)).map_err(storage)?;
        let mut bytes = Vec::with_capacity(s.grid.len());
        flate2::read::ZlibDecoder::new(packed.as_slice())
            .read_to_end(&mut bytes)
            .map_err(storage)?;
        Mask::new(s.grid.clone(), bytes.into_iter().map(|b| b != 0).collect())
            .map_err(|_| ApiError::internal())
    }

    /// Removes the whole session (before opening a new one).
    pub fn clear(&self) -> Result<(), ApiError> {
        let _ = std::fs::remove_file(self.session_path());
        match std::fs::remove_dir_all(self.masks()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(storage(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// While a change holds a case's lock, another opening of the lock file (another request,
    /// another server on the same folder) cannot take it; once the change ends, it can.
    #[test]
    fn one_change_at_a_time_per_case() {
        let root = std::env::temp_dir().join(format!("sirt-se-lock-{}", std::process::id()));
        let dir = Dir::new(&root, 7);
        let held = dir.lock().unwrap();
        let other = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.root.join("lock"))
            .unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(held);
        other.try_lock().unwrap();
        drop(other);
        drop(dir.lock().unwrap());
        let _ = std::fs::remove_dir_all(&root);
    }
}
