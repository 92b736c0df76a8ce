//! Series discovery: walk a folder tree, read headers only, group files into studies and series.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use rayon::prelude::*;

use crate::DicomError;
use crate::file::{Attrs, DICOMDIR_SOP_CLASS, Extent, open};

/// What [`scan`] found in a folder tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScanReport {
    /// The folder scanned.
    pub root: PathBuf,
    /// Studies, ordered by date then UID.
    pub studies: Vec<Study>,
    /// Files that are not DICOM or could not be read or used, with the reason.
    pub skipped: Vec<Skipped>,
    /// Number of files looked at (DICOM or not).
    pub files_seen: usize,
}

/// A study and its series.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Study {
    /// Study Instance UID.
    pub study_instance_uid: String,
    /// Patient ID, when present.
    pub patient_id: Option<String>,
    /// Patient's Name, when present.
    pub patient_name: Option<String>,
    /// Study Date (YYYYMMDD), when present.
    pub study_date: Option<String>,
    /// Study Description, when present.
    pub description: Option<String>,
    /// Series, ordered by series number then UID.
    pub series: Vec<Series>,
}

/// A series and its files.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Series {
    /// Series Instance UID.
    pub series_instance_uid: String,
    /// Series Number, when present.
    pub series_number: Option<i64>,
    /// Modality (CT, MR, NM, PT, RTDOSE, RTSTRUCT, SEG, …).
    pub modality: String,
    /// SOP Class UID of the first file.
    pub sop_class_uid: String,
    /// Series Description, when present.
    pub description: Option<String>,
    /// Frame of Reference UID (for RT Structure Sets: the referenced frame of reference).
    pub frame_of_reference_uid: Option<String>,
    /// Rows of the first image, when an image.
    pub rows: Option<u32>,
    /// Columns of the first image, when an image.
    pub columns: Option<u32>,
    /// Number of frames summed over the files (1 for each single-frame image).
    pub frames: u32,
    /// Files of the series, ordered by path.
    pub files: Vec<PathBuf>,
}

impl Series {
    /// A short size description: `512 × 512 × 3 files`, `194 × 129 × 98 frames`, `1 file`.
    pub fn size_description(&self) -> String {
        let n = self.files.len();
        let files = if n == 1 {
            "1 file".to_string()
        } else {
            format!("{n} files")
        };
        match (self.columns, self.rows) {
            (Some(c), Some(r)) if self.frames as usize == n => format!("{c} × {r} × {files}"),
            (Some(c), Some(r)) => format!("{c} × {r} × {} frames ({files})", self.frames),
            _ => files,
        }
    }
}

/// A file left out of the report, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why (names what is wrong).
    pub reason: String,
}

/// Header facts of one file.
struct Header {
    path: PathBuf,
    study_uid: String,
    series_uid: String,
    series_number: Option<i64>,
    modality: String,
    sop_class: String,
    series_description: Option<String>,
    frame: Option<String>,
    rows: Option<u32>,
    columns: Option<u32>,
    frames: u32,
    patient_id: Option<String>,
    patient_name: Option<String>,
    study_date: Option<String>,
    study_description: Option<String>,
}

fn read_header(path: &Path) -> Result<Header, DicomError> {
    let f = open(path, Extent::Header)?;
    let a = f.attrs();
    let media_class = f.obj.meta().media_storage_sop_class_uid();
    let sop_class = a
        .opt_str(tags::SOP_CLASS_UID)
        .unwrap_or_else(|| media_class.trim_end_matches('\0').to_string());
    if sop_class == DICOMDIR_SOP_CLASS {
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: "a DICOMDIR index; the folder tree is scanned instead".into(),
        });
    }
    let study_uid = a.req_str(tags::STUDY_INSTANCE_UID, "Study Instance UID (0020,000D)")?;
    let series_uid = a.req_str(tags::SERIES_INSTANCE_UID, "Series Instance UID (0020,000E)")?;
    let modality = a.opt_str(tags::MODALITY).unwrap_or_else(|| "OT".into());
    let frame = a.opt_str(tags::FRAME_OF_REFERENCE_UID).or_else(|| {
        a.items(tags::STRUCTURE_SET_ROI_SEQUENCE)
            .iter()
            .find_map(|item| {
                Attrs::new(item, path).opt_str(tags::REFERENCED_FRAME_OF_REFERENCE_UID)
            })
    });
    let rows = a.opt_u32(tags::ROWS, "Rows (0028,0010)")?;
    let columns = a.opt_u32(tags::COLUMNS, "Columns (0028,0011)")?;
    let frames = match a.opt_u32(tags::NUMBER_OF_FRAMES, "Number of Frames (0028,0008)")? {
        Some(n) => n,
        None if rows.is_some() => 1,
        None => 0,
    };
    Ok(Header {
        path: path.to_path_buf(),
        study_uid,
        series_uid,
        series_number: a.opt_i64(tags::SERIES_NUMBER, "Series Number (0020,0011)")?,
        modality,
        sop_class,
        series_description: a.opt_str(tags::SERIES_DESCRIPTION),
        frame,
        rows,
        columns,
        frames,
        patient_id: a.opt_str(tags::PATIENT_ID),
        patient_name: a.opt_str(tags::PATIENT_NAME),
        study_date: a.opt_str(tags::STUDY_DATE),
        study_description: a.opt_str(tags::STUDY_DESCRIPTION),
    })
}

/// Files under `dir`, depth first, sorted by name; symbolic links to folders are not followed.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            skipped.push(Skipped {
                path: dir.to_path_buf(),
                reason: format!("cannot list the folder: {e}"),
            });
            return;
        }
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => paths.push(e.path()),
            Err(e) => skipped.push(Skipped {
                path: dir.to_path_buf(),
                reason: format!("cannot list an entry of the folder: {e}"),
            }),
        }
    }
    paths.sort();
    for p in paths {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => walk(&p, files, skipped),
            Ok(m) if m.is_file() => files.push(p),
            Ok(m) if m.file_type().is_symlink() => match std::fs::metadata(&p) {
                Ok(t) if t.is_file() => files.push(p),
                Ok(_) => skipped.push(Skipped {
                    path: p,
                    reason: "symbolic link to a folder (not followed)".into(),
                }),
                Err(e) => skipped.push(Skipped {
                    path: p,
                    reason: format!("broken symbolic link: {e}"),
                }),
            },
            Ok(_) => skipped.push(Skipped {
                path: p,
                reason: "not a regular file".into(),
            }),
            Err(e) => skipped.push(Skipped {
                path: p,
                reason: format!("cannot stat: {e}"),
            }),
        }
    }
}

/// Walks `dir` (recursively), reads the header of every file (stopping before Pixel Data) and
/// groups DICOM files into studies and series. Files that are not DICOM or cannot be used are
/// listed in [`ScanReport::skipped`] with the reason; the scan itself never fails on a file.
/// A `dir` that is a file is scanned as a folder holding that file.
pub fn scan(dir: impl AsRef<Path>) -> ScanReport {
    let root = dir.as_ref().to_path_buf();
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    match std::fs::metadata(&root) {
        Ok(m) if m.is_file() => files.push(root.clone()),
        Ok(_) => walk(&root, &mut files, &mut skipped),
        Err(e) => skipped.push(Skipped {
            path: root.clone(),
            reason: format!("cannot open: {e}"),
        }),
    }
    let files_seen = files.len();
    let results: Vec<Result<Header, DicomError>> =
        files.par_iter().map(|p| read_header(p)).collect();

    type SeriesKey = (String, String);
    let mut studies: BTreeMap<String, Study> = BTreeMap::new();
    let mut series: BTreeMap<SeriesKey, Series> = BTreeMap::new();
    for (path, r) in files.iter().zip(results) {
        let h = match r {
            Ok(h) => h,
            Err(e) => {
                skipped.push(Skipped {
                    path: path.clone(),
                    reason: reason_of(&e),
                });
                continue;
            }
        };
        let study = studies.entry(h.study_uid.clone()).or_insert_with(|| Study {
            study_instance_uid: h.study_uid.clone(),
            patient_id: h.patient_id.clone(),
            patient_name: h.patient_name.clone(),
            study_date: h.study_date.clone(),
            description: h.study_description.clone(),
            series: Vec::new(),
        });
        study.patient_id = study.patient_id.take().or(h.patient_id);
        study.patient_name = study.patient_name.take().or(h.patient_name);
        study.study_date = study.study_date.take().or(h.study_date);
        study.description = study.description.take().or(h.study_description);
        let s = series
            .entry((h.study_uid.clone(), h.series_uid.clone()))
            .or_insert_with(|| Series {
                series_instance_uid: h.series_uid.clone(),
                series_number: h.series_number,
                modality: h.modality.clone(),
                sop_class_uid: h.sop_class.clone(),
                description: h.series_description.clone(),
                frame_of_reference_uid: h.frame.clone(),
                rows: h.rows,
                columns: h.columns,
                frames: 0,
                files: Vec::new(),
            });
        s.frames = s.frames.saturating_add(h.frames);
        s.frame_of_reference_uid = s.frame_of_reference_uid.take().or(h.frame);
        s.files.push(h.path);
    }
    for ((study_uid, _), s) in series {
        if let Some(study) = studies.get_mut(&study_uid) {
            study.series.push(s);
        }
    }
    let mut studies: Vec<Study> = studies.into_values().collect();
    for st in &mut studies {
        st.series.sort_by(|a, b| {
            (a.series_number.unwrap_or(i64::MAX), &a.series_instance_uid)
                .cmp(&(b.series_number.unwrap_or(i64::MAX), &b.series_instance_uid))
        });
    }
    studies.sort_by(|a, b| {
        (&a.study_date, &a.study_instance_uid).cmp(&(&b.study_date, &b.study_instance_uid))
    });
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    ScanReport {
        root,
        studies,
        skipped,
        files_seen,
    }
}

/// The reason of a skip without the path (the entry already names the file).
fn reason_of(e: &DicomError) -> String {
    let full = e.to_string();
    match e {
        DicomError::Read { file, .. }
        | DicomError::NotDicom { file, .. }
        | DicomError::MissingAttribute { file, .. }
        | DicomError::Truncated { file, .. }
        | DicomError::InvalidAttribute { file, .. }
        | DicomError::Unsupported { file, .. } => {
            let prefix = format!("{}: ", file.display());
            full.strip_prefix(&prefix)
                .map(str::to_string)
                .unwrap_or(full)
        }
        _ => full,
    }
}
