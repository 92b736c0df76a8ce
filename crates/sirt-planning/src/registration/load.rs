//! The series of a registration: the fixed CT, the moving series (CT, MR, NM, PT, or NIfTI),
//! the CT of a SPECT/CT or PET/CT registered in its place; DICOM folders or NIfTI files.

use super::RegisterError;
use super::error::{FrameMismatch, TwoPatients};
use sirt_dicom::write::SeriesRef;
use sirt_geometry::{FrameOfReference, Image};
use std::path::{Path, PathBuf};

/// Frame given to a moving series read from NIfTI (NIfTI carries no frame of reference): not the
/// fixed NIfTI's (`sirt_imaging::NIFTI_FRAME`), since the two are registered, not aligned.
pub const NIFTI_MOVING_FRAME: &str = "nifti-moving-scanner-space";

/// Modalities of a fixed image or of the CT of a SPECT/CT or PET/CT (PS3.3 C.7.3.1.1.1).
const CT_MODALITIES: [&str; 2] = ["CT", "MR"];
/// Modalities of a moving series registered directly (PS3.3 C.7.3.1.1.1).
const MOVING_MODALITIES: [&str; 4] = ["CT", "MR", "NM", "PT"];

/// An input: its label in messages (a CLI flag, a request field) and its path.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// `--fixed`, `roles.planning_ct`.
    pub label: &'a str,
    /// A DICOM series folder (or a file of one) or a NIfTI file.
    pub path: &'a Path,
}

/// A series read for a registration: the image, what it is, and for DICOM its reference and
/// study.
#[derive(Debug, Clone)]
pub struct Series {
    /// The image (CT in HU, SPECT counts, PET Bq/mL).
    pub image: Image<f32>,
    /// Its label in messages.
    pub label: String,
    /// Its path.
    pub path: PathBuf,
    /// DICOM modality, or `NIfTI`.
    pub modality: String,
    /// The series' reference (UIDs), for a CT or MR read from DICOM.
    pub reference: Option<SeriesRef>,
    /// Its study, when DICOM.
    pub study: Option<sirt_dicom::Study>,
}

impl Series {
    /// The image's frame of reference.
    pub fn frame(&self) -> &FrameOfReference {
        &self.image.grid().frame
    }
}

/// Whether a path names a NIfTI file.
pub fn is_nifti(path: &Path) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    name.ends_with(".nii") || name.ends_with(".nii.gz")
}

/// The one series of `modalities` in a folder (or the folder of a file), with its study.
fn find_series(
    src: Source<'_>,
    modalities: &[&str],
) -> Result<(sirt_dicom::Study, sirt_dicom::Series), RegisterError> {
    let path = src.path;
    // A bare file name ("spect.dcm") has the parent "": its folder is the current one.
    let dir = if path.is_dir() {
        path
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    // The scan lists the files of `dir` as `dir` joined with their names ("./spect.dcm").
    let listed = path.file_name().map(|name| dir.join(name));
    if !path.exists() {
        return Err(RegisterError::Missing {
            label: src.label.into(),
            path: path.into(),
        });
    }
    let report = sirt_dicom::scan(dir);
    let mut found = Vec::new();
    let mut seen = Vec::new();
    for st in &report.studies {
        for se in &st.series {
            seen.push(format!("{} ({} files)", se.modality, se.files.len()));
            let holds = path.is_dir()
                || se
                    .files
                    .iter()
                    .any(|f| f == path || Some(f) == listed.as_ref());
            if holds && modalities.contains(&se.modality.as_str()) {
                found.push((st.clone(), se.clone()));
            }
        }
    }
    match found.len() {
        1 => Ok(found.swap_remove(0)),
        0 => Err(RegisterError::NoSeries {
            label: src.label.into(),
            path: path.into(),
            expected: modalities.join(" or "),
            found: if seen.is_empty() {
                "no DICOM series".to_string()
            } else {
                seen.join(", ")
            },
        }),
        count => Err(RegisterError::SeveralSeries {
            label: src.label.into(),
            path: path.into(),
            expected: modalities.join(" or "),
            count,
        }),
    }
}

/// A CT (or MR): a DICOM series read with its reference, or NIfTI in `nifti_frame`.
fn load_ct(src: Source<'_>, nifti_frame: &str) -> Result<Series, RegisterError> {
    if is_nifti(src.path) {
        let frame = FrameOfReference(nifti_frame.into());
        let image = sirt_imaging::load_ct(src.path, Some(&frame))?;
        return Ok(Series {
            image,
            label: src.label.into(),
            path: src.path.into(),
            modality: "NIfTI".into(),
            reference: None,
            study: None,
        });
    }
    let (study, series) = find_series(src, &CT_MODALITIES)?;
    let read = sirt_dicom::read_image_series(&series.files)?;
    let reference =
        SeriesRef::from_image_series(&read).map_err(|source| RegisterError::Reference {
            label: src.label.into(),
            path: src.path.into(),
            source: Box::new(source),
        })?;
    Ok(Series {
        image: read.image,
        label: src.label.into(),
        path: src.path.into(),
        modality: series.modality,
        reference: Some(reference),
        study: Some(study),
    })
}

/// The fixed image: a CT or MR series, or NIfTI (in `sirt_imaging::NIFTI_FRAME`).
pub fn load_fixed(src: Source<'_>) -> Result<Series, RegisterError> {
    load_ct(src, sirt_imaging::NIFTI_FRAME)
}

/// The CT of a SPECT/CT or PET/CT, registered in the SPECT's or PET's place.
pub fn load_moving_ct(src: Source<'_>) -> Result<Series, RegisterError> {
    load_ct(src, NIFTI_MOVING_FRAME)
}

/// Any moving series registered directly: CT/MR, NM, PT or NIfTI.
pub fn load_moving(src: Source<'_>) -> Result<Series, RegisterError> {
    if is_nifti(src.path) {
        return load_moving_ct(src);
    }
    let (study, series) = find_series(src, &MOVING_MODALITIES)?;
    let image = match series.modality.as_str() {
        "NM" => sirt_imaging::load_spect(src.path, None)?,
        "PT" => sirt_imaging::load_pet(src.path, None)?.image,
        _ => return load_moving_ct(src),
    };
    Ok(Series {
        image,
        label: src.label.into(),
        path: src.path.into(),
        modality: series.modality,
        reference: None,
        study: Some(study),
    })
}

/// The series registered through `ct` (the CT of its SPECT/CT or PET/CT): its modality, and a
/// check that it shares the CT's frame of reference (NIfTI, which has none, is taken to).
pub fn moving_through_ct(moving: Source<'_>, ct: &Series) -> Result<String, RegisterError> {
    if is_nifti(moving.path) {
        if !moving.path.is_file() {
            return Err(RegisterError::NoSuchFile {
                label: moving.label.into(),
                path: moving.path.into(),
            });
        }
        return Ok("NIfTI".into());
    }
    let (_, series) = find_series(moving, &MOVING_MODALITIES)?;
    let ct_frame = ct.frame();
    match series.frame_of_reference_uid.as_deref() {
        Some(f) if f == ct_frame.0 => Ok(series.modality),
        found => Err(RegisterError::FrameOfItsCt(Box::new(FrameMismatch {
            moving_label: moving.label.into(),
            moving: moving.path.into(),
            ct_label: ct.label.clone(),
            ct: ct.path.clone(),
            moving_frame: found.unwrap_or("none").into(),
            ct_frame: ct_frame.0.clone(),
        }))),
    }
}

/// Refuses series of two patients (when both name one).
pub fn check_patients(fixed: &Series, moving: &Series) -> Result<(), RegisterError> {
    let id = |s: &Series| s.study.as_ref().and_then(|s| s.patient_id.clone());
    match (id(fixed), id(moving)) {
        (Some(fixed_id), Some(moving_id)) if fixed_id != moving_id => {
            Err(RegisterError::TwoPatients(Box::new(TwoPatients {
                fixed_label: fixed.label.clone(),
                fixed: fixed.path.clone(),
                moving_label: moving.label.clone(),
                moving: moving.path.clone(),
                fixed_id,
                moving_id,
            })))
        }
        _ => Ok(()),
    }
}
