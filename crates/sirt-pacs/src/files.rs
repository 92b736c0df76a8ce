//! DICOM files on disk: what a push sends (the file meta information, where the data set
//! starts) and where a pull writes (a temporary folder moved in place only when complete).

use crate::PacsError;
use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The preamble before `DICM` (PS3.10 §7.1).
const PREAMBLE_LEN: usize = 128;

/// The most bytes read to find a file's meta information: the meta group is small (PS3.10
/// §7.1: a few UIDs and titles); design choice, 64 KiB is hundreds of times what it takes.
const META_READ_LIMIT: u64 = 64 * 1024;

/// A DICOM Part 10 file's identity and encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMeta {
    /// Media Storage SOP Class UID (0002,0002).
    pub sop_class_uid: String,
    /// Media Storage SOP Instance UID (0002,0003).
    pub sop_instance_uid: String,
    /// Transfer Syntax UID (0002,0010).
    pub transfer_syntax: String,
    /// Where the data set starts (after the preamble and the meta group).
    pub dataset_offset: usize,
}

/// Reads the file meta information at the start of `bytes` (preamble, `DICM`, group 0002).
pub fn parse_meta(bytes: &[u8]) -> Result<FileMeta, String> {
    let head = bytes
        .get(PREAMBLE_LEN..)
        .ok_or_else(|| format!("{} bytes, shorter than the 128-byte preamble", bytes.len()))?;
    if !head.starts_with(b"DICM") {
        return Err("no DICM prefix after the 128-byte preamble (PS3.10 §7.1)".into());
    }
    crate::lengths::check_meta(&head[4..]).map_err(|e| format!("file meta information: {e}"))?;
    let mut cursor = Cursor::new(head);
    let meta = dicom_object::meta::FileMetaTable::from_reader(&mut cursor)
        .map_err(|e| format!("file meta information: {e}"))?;
    let offset = PREAMBLE_LEN + usize::try_from(cursor.position()).unwrap_or(usize::MAX);
    let check = |what: &str, v: &str| {
        if v.is_empty() {
            Err(format!("file meta information without {what}"))
        } else {
            Ok(v.to_owned())
        }
    };
    Ok(FileMeta {
        sop_class_uid: check(
            "Media Storage SOP Class UID",
            meta.media_storage_sop_class_uid(),
        )?,
        sop_instance_uid: check(
            "Media Storage SOP Instance UID",
            meta.media_storage_sop_instance_uid(),
        )?,
        transfer_syntax: check("Transfer Syntax UID", meta.transfer_syntax())?,
        dataset_offset: offset,
    })
}

/// Reads the meta information of the file at `path` (its first bytes only).
pub fn read_meta(path: &Path) -> Result<FileMeta, PacsError> {
    let file = fs::File::open(path).map_err(|source| PacsError::Io {
        path: path.to_owned(),
        what: "cannot open",
        source,
    })?;
    let mut head = Vec::new();
    file.take(META_READ_LIMIT)
        .read_to_end(&mut head)
        .map_err(|source| PacsError::Io {
            path: path.to_owned(),
            what: "cannot read",
            source,
        })?;
    parse_meta(&head).map_err(|reason| PacsError::NotDicom {
        path: path.to_owned(),
        reason,
    })
}

/// Every file named, and every file under the folders named (recursively, sorted by path);
/// hidden files (name starting with `.`) inside folders are left out.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, PacsError> {
    let mut out = Vec::new();
    for p in paths {
        let md = fs::metadata(p).map_err(|source| PacsError::Io {
            path: p.clone(),
            what: "cannot open",
            source,
        })?;
        if md.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), PacsError> {
    let io = |source| PacsError::Io {
        path: dir.to_owned(),
        what: "cannot list the folder",
        source,
    };
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for p in entries {
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Distinguishes the temporary folders of pulls in one process.
static PULL_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Where a pull writes: files go to a hidden temporary folder inside the destination and are
/// moved to `DEST/<Series Instance UID>/<SOP Instance UID>.dcm` (one folder per series, the
/// image folder a case file names) only by [`PullFolder::commit`], once the whole transfer is
/// complete. Dropped without a commit (an error, a timeout), the temporary folder
/// and everything in it are removed: a partial retrieve leaves nothing to read.
#[derive(Debug)]
pub struct PullFolder {
    dest: PathBuf,
    temp: PathBuf,
    parts: Vec<PathBuf>,
    /// (Series, SOP Instance UID) of each part, when known from the bytes as they came.
    identities: Vec<Option<(String, String)>>,
    committed: bool,
}

impl PullFolder {
    /// Creates `dest` if needed and the temporary folder inside it.
    pub fn new(dest: &Path) -> Result<Self, PacsError> {
        fs::create_dir_all(dest).map_err(|source| PacsError::Io {
            path: dest.to_owned(),
            what: "cannot create the folder",
            source,
        })?;
        let n = PULL_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dest.join(format!(".sirtplan-pull-{}-{n}.partial", std::process::id()));
        fs::create_dir(&temp).map_err(|source| PacsError::Io {
            path: temp.clone(),
            what: "cannot create the temporary folder",
            source,
        })?;
        Ok(Self {
            dest: dest.to_owned(),
            temp,
            parts: Vec::new(),
            identities: Vec::new(),
            committed: false,
        })
    }

    /// A new temporary file for the next instance, created empty.
    pub fn new_part(&mut self) -> Result<(PathBuf, fs::File), PacsError> {
        let path = self
            .temp
            .join(format!("{:06}.dcm.partial", self.parts.len() + 1));
        let file = fs::File::create(&path).map_err(|source| PacsError::Io {
            path: path.clone(),
            what: "cannot create",
            source,
        })?;
        self.parts.push(path.clone());
        self.identities.push(None);
        Ok((path, file))
    }

    /// Names the last part written: its Series and SOP Instance UIDs, read from the bytes as
    /// they came (`identify`), so that the commit need not read the file again.
    pub fn set_identity(&mut self, series: String, instance: String) -> Result<(), String> {
        for (what, v) in [
            ("Series Instance UID", &series),
            ("SOP Instance UID", &instance),
        ] {
            if !is_uid(v) {
                return Err(format!(
                    "{what} {v:?} is not a UID (1 to 64 digits and dots, PS3.5 §9.1)"
                ));
            }
        }
        if let Some(last) = self.identities.last_mut() {
            *last = Some((series, instance));
        }
        Ok(())
    }

    /// How many instances were written so far.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Reads every file (up to its pixel data), then moves each to
    /// `DEST/<Series Instance UID>/<SOP Instance UID>.dcm` (an instance already there is
    /// replaced: it is the same instance). Returns the final paths.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, PacsError> {
        let mut moves = Vec::with_capacity(self.parts.len());
        for (part, known) in self.parts.iter().zip(&self.identities) {
            let (series, instance) = match known {
                Some(id) => id.clone(),
                None => series_and_instance(part)?,
            };
            let folder = self.dest.join(&series);
            fs::create_dir_all(&folder).map_err(|source| PacsError::Io {
                path: folder.clone(),
                what: "cannot create the folder",
                source,
            })?;
            moves.push((part.clone(), folder.join(format!("{instance}.dcm"))));
        }
        for (from, to) in &moves {
            fs::rename(from, to).map_err(|source| PacsError::Io {
                path: to.clone(),
                what: "cannot move the retrieved file in place",
                source,
            })?;
        }
        self.committed = true;
        let _ = fs::remove_dir(&self.temp);
        Ok(moves.into_iter().map(|(_, to)| to).collect())
    }
}

/// A UID: 1 to 64 digits and dots (PS3.5 §9.1), safe as a file name.
/// Whether `s` is a DICOM UID as PS3.5 §9.1 writes them: at most 64 characters, components of
/// digits separated by single dots, none empty, none with a leading zero unless it is "0". A
/// UID names files and folders here: this refuses `.`, `..` and anything else a path could
/// make of it.
pub(crate) fn is_uid(s: &str) -> bool {
    s.len() <= 64
        && !s.is_empty()
        && s.split('.').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_digit())
                && (c == "0" || !c.starts_with('0'))
        })
}

/// The Series and SOP Instance UIDs of a Part 10 file from its first bytes (`head`: preamble,
/// meta information, the start of the data set), lengths checked, without dicom-rs; the SOP
/// Instance UID must be the meta information's.
pub fn identify(head: &[u8]) -> Result<(String, String), String> {
    let meta = parse_meta(head)?;
    if NOT_WALKED.contains(&meta.transfer_syntax.as_str()) {
        return Err(format!(
            "transfer syntax {} is not read here",
            meta.transfer_syntax
        ));
    }
    let explicit = meta.transfer_syntax != "1.2.840.10008.1.2";
    let (series, instance) =
        crate::lengths::find_uids(head.get(meta.dataset_offset..).unwrap_or(&[]), explicit)?;
    if instance != meta.sop_instance_uid {
        return Err(format!(
            "SOP Instance UID {instance} differs from the file meta information's {}",
            meta.sop_instance_uid
        ));
    }
    Ok((series, instance))
}

/// Big Endian (retired) and Deflated Explicit VR Little Endian: data sets not walked by
/// `crate::lengths` (PS3.5 §A.3, §A.5).
const NOT_WALKED: [&str; 2] = ["1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"];

/// Checks the lengths of a retrieved file's data set before dicom-rs reads it (its transfer
/// syntax: Implicit VR Little Endian, or any Explicit VR Little Endian one, encapsulated
/// included).
fn check_data_set(path: &Path) -> Result<(), PacsError> {
    let bytes = fs::read(path).map_err(|source| PacsError::Io {
        path: path.to_owned(),
        what: "cannot read",
        source,
    })?;
    let meta = parse_meta(&bytes).map_err(|reason| PacsError::NotDicom {
        path: path.to_owned(),
        reason,
    })?;
    if NOT_WALKED.contains(&meta.transfer_syntax.as_str()) {
        return Ok(());
    }
    let explicit = meta.transfer_syntax != "1.2.840.10008.1.2";
    crate::lengths::check(&bytes[meta.dataset_offset.min(bytes.len())..], explicit).map_err(
        |reason| PacsError::NotDicom {
            path: path.to_owned(),
            reason,
        },
    )
}

/// The Series and SOP Instance UIDs of a retrieved file, read with dicom-rs up to its pixel
/// data; the SOP Instance UID must be the meta information's (PS3.10 §7.1).
fn series_and_instance(path: &Path) -> Result<(String, String), PacsError> {
    use dicom_dictionary_std::tags;
    let not_dicom = |reason: String| PacsError::NotDicom {
        path: path.to_owned(),
        reason,
    };
    check_data_set(path)?;
    let obj = dicom_object::OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .map_err(|e| not_dicom(e.to_string()))?;
    let text = |tag| {
        obj.element(tag)
            .ok()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
            .unwrap_or_default()
    };
    let (series, instance) = (
        text(tags::SERIES_INSTANCE_UID),
        text(tags::SOP_INSTANCE_UID),
    );
    for (what, v) in [
        ("Series Instance UID", &series),
        ("SOP Instance UID", &instance),
    ] {
        if !is_uid(v) {
            return Err(not_dicom(format!(
                "{what} {v:?} is not a UID (1 to 64 digits and dots, PS3.5 §9.1)"
            )));
        }
    }
    let in_meta = obj.meta().media_storage_sop_instance_uid();
    if in_meta != instance {
        return Err(not_dicom(format!(
            "SOP Instance UID {instance} differs from the file meta information's {in_meta}"
        )));
    }
    Ok((series, instance))
}

impl Drop for PullFolder {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: nothing to report to if it fails (the folder is hidden and named
            // `.partial`, which `sirtplan scan` skips).
            let _ = fs::remove_dir_all(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {

    /// PS3.5 §9.1: what may name a file here; `.` and `..` (which would leave the folder) and
    /// the other malformed UIDs may not.
    #[test]
    fn only_well_formed_uids_name_files() {
        for ok in ["1.2.840.10008.5.1.4.1.1.2", "0", "2.25.0.1", "1.20.3"] {
            assert!(super::is_uid(ok), "{ok}");
        }
        let long = format!("1.{}", "2".repeat(63));
        for bad in [
            "", ".", "..", "1..2", ".1", "1.", "1.02", "1.2a", "1/2", &long,
        ] {
            assert!(!super::is_uid(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn not_dicom_is_refused_with_the_reason() {
        assert!(parse_meta(b"short").unwrap_err().contains("preamble"));
        let mut b = vec![0u8; 132];
        b[128..132].copy_from_slice(b"DICX");
        assert!(parse_meta(&b).unwrap_err().contains("DICM"));
    }

    #[test]
    fn uncommitted_pull_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("sirt-pacs-unit-{}", std::process::id()));
        {
            let mut pull = PullFolder::new(&dir).unwrap();
            let (_p, _f) = pull.new_part().unwrap();
            assert_eq!(pull.len(), 1);
        }
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }
}
