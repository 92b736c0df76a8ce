//! Loads the image inputs of a case: DICOM folders or files and NIfTI files, into the volumes and
//! named structures of `sirt-geometry`.
//!
//! | function | reads |
//! |---|---|
//! | [`load_ct`] | a folder holding one CT (or MR) series, or a `.nii` / `.nii.gz` file (HU) |
//! | [`load_spect`] | an NM RECON TOMO file, a folder holding one, or NIfTI (counts) |
//! | [`load_pet`] | a folder holding one PET series (Bq/mL, with its decay-correction reference), or NIfTI (Bq/mL, reference given by the caller) |
//! | [`read_series`] | any DICOM series read by the loader of its kind: a volume with its grid, an object (RT Struct, SEG, REG), or not an image sirtplan reads (what image uploads check) |
//! | [`load_structures`] | an RT Structure Set (ROIs rasterised on the CT grid), a DICOM SEG, or a NIfTI label map with a table name → label values |
//!
//! What a path is: a folder is scanned for DICOM (`sirt_dicom::scan`); a file ending in `.nii`
//! or `.nii.gz` is NIfTI; any other file is DICOM. NIfTI files carry no frame of reference: they
//! get the frame passed by the caller (the CT's, when the CT is DICOM), which states that they
//! lie in the same scanner space. Every error names the path and what was expected.
//!
//! ```no_run
//! use sirt_imaging::{load_ct, load_structures, StructureRequest};
//! use sirt_geometry::Role;
//! let ct = load_ct("phantom/dicom/ct".as_ref(), None)?;
//! let wanted = [StructureRequest::new("liver", Role::Liver)];
//! let structures = load_structures("phantom/dicom/rtstruct.dcm".as_ref(), ct.grid(), &wanted, &Default::default())?;
//! # Ok::<(), sirt_imaging::ImagingError>(())
//! ```

mod series;
pub use series::{SeriesContent, read_series};

use sirt_dicom::{DicomDateTime, DicomZone, PetVolume};
use sirt_geometry::{FrameOfReference, Grid, Image, Mask};
use sirt_geometry::{Role, Structure};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Frame given to NIfTI inputs when no DICOM frame is known.
pub const NIFTI_FRAME: &str = "nifti-scanner-space";

/// An input that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    /// DICOM reading failed.
    #[error(transparent)]
    Dicom(#[from] sirt_dicom::DicomError),
    /// NIfTI reading failed.
    #[error(transparent)]
    Nifti(#[from] sirt_nifti::NiftiError),
    /// A file that cannot be read at all.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The input is not what was expected.
    #[error("{path}: expected {expected}, found {found}")]
    Unexpected {
        /// The path.
        path: PathBuf,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
}

fn unexpected(path: &Path, expected: impl Into<String>, found: impl Into<String>) -> ImagingError {
    ImagingError::Unexpected {
        path: path.to_path_buf(),
        expected: expected.into(),
        found: found.into(),
    }
}

fn is_nifti(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".nii") || name.ends_with(".nii.gz")
}

/// Refuses a path where nothing exists, naming what was expected there.
fn exists(path: &Path, what: &str) -> Result<(), ImagingError> {
    if path.exists() {
        Ok(())
    } else {
        Err(unexpected(path, what, "no such file or folder"))
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, ImagingError> {
    std::fs::read(path).map_err(|source| ImagingError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The files of the one series of `modalities` in a folder (an error lists what was found when
/// there is none or more than one).
fn one_series(dir: &Path, modalities: &[&str], what: &str) -> Result<Vec<PathBuf>, ImagingError> {
    one_series_with_study(dir, modalities, what).map(|(f, _)| f)
}

/// [`one_series`] with the study of the series.
fn one_series_with_study(
    dir: &Path,
    modalities: &[&str],
    what: &str,
) -> Result<(Vec<PathBuf>, StudyRef), ImagingError> {
    if !dir.is_dir() {
        return Err(unexpected(
            dir,
            format!("a folder holding {what}"),
            "no such folder",
        ));
    }
    let report = sirt_dicom::scan(dir);
    let mut found = Vec::new();
    let mut all = Vec::new();
    for study in &report.studies {
        for s in &study.series {
            all.push(format!("{} ({} files)", s.modality, s.files.len()));
            if modalities.contains(&s.modality.as_str()) {
                found.push((
                    s.files.clone(),
                    StudyRef {
                        study_instance_uid: study.study_instance_uid.clone(),
                        patient_id: study.patient_id.clone(),
                        patient_name: study.patient_name.clone(),
                        study_date: study.study_date.clone(),
                    },
                ));
            }
        }
    }
    match found.len() {
        1 => Ok(found.swap_remove(0)),
        0 => Err(unexpected(
            dir,
            what,
            if all.is_empty() {
                format!(
                    "no DICOM series ({} files seen, {} skipped)",
                    report.files_seen,
                    report.skipped.len()
                )
            } else {
                format!("series of {}", all.join(", "))
            },
        )),
        n => Err(unexpected(
            dir,
            format!("a single {what}"),
            format!("{n} of them: put each series in its own folder"),
        )),
    }
}

/// The DICOM study a CT belongs to: what objects written for it (RT Dose) repeat.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyRef {
    /// Study Instance UID.
    pub study_instance_uid: String,
    /// Patient ID.
    pub patient_id: Option<String>,
    /// Patient's Name.
    pub patient_name: Option<String>,
    /// Study Date, YYYYMMDD.
    pub study_date: Option<String>,
}

/// A CT and, when it was read from a DICOM folder, its study.
#[derive(Debug, Clone)]
pub struct LoadedCt {
    /// HU (or MR values).
    pub image: Image<f32>,
    /// The study (None for NIfTI or a single file).
    pub study: Option<StudyRef>,
}

/// Loads a CT (or MR) volume, HU for CT.
pub fn load_ct(
    path: &Path,
    nifti_frame: Option<&FrameOfReference>,
) -> Result<Image<f32>, ImagingError> {
    load_ct_study(path, nifti_frame).map(|c| c.image)
}

/// Loads a CT (or MR) volume with its study.
pub fn load_ct_study(
    path: &Path,
    nifti_frame: Option<&FrameOfReference>,
) -> Result<LoadedCt, ImagingError> {
    exists(path, "a CT: a DICOM series folder or a NIfTI file")?;
    if is_nifti(path) {
        let frame = nifti_frame
            .cloned()
            .unwrap_or_else(|| FrameOfReference(NIFTI_FRAME.into()));
        let image = sirt_nifti::read(&read_bytes(path)?, &path.display().to_string(), frame)?;
        return Ok(LoadedCt { image, study: None });
    }
    let (files, study) = if path.is_dir() {
        let (files, study) = one_series_with_study(path, &["CT", "MR"], "a CT or MR series")?;
        (files, Some(study))
    } else {
        (vec![path.to_path_buf()], None)
    };
    Ok(LoadedCt {
        image: sirt_dicom::load_image_series(&files)?,
        study,
    })
}

/// Loads a DICOM Spatial Registration object (rigid transforms between frames of reference).
pub fn load_registration(path: &Path) -> Result<sirt_dicom::SpatialRegistration, ImagingError> {
    exists(path, "a DICOM Spatial Registration (REG) file")?;
    if path.is_dir() {
        return Err(unexpected(
            path,
            "a DICOM Spatial Registration (REG) file",
            "a folder",
        ));
    }
    Ok(sirt_dicom::read_spatial_registration(path)?)
}

/// Loads a reconstructed SPECT (counts).
pub fn load_spect(
    path: &Path,
    nifti_frame: Option<&FrameOfReference>,
) -> Result<Image<f32>, ImagingError> {
    exists(path, "a SPECT: an NM file or folder, or a NIfTI file")?;
    if is_nifti(path) {
        let frame = nifti_frame
            .cloned()
            .unwrap_or_else(|| FrameOfReference(NIFTI_FRAME.into()));
        return Ok(sirt_nifti::read(
            &read_bytes(path)?,
            &path.display().to_string(),
            frame,
        )?);
    }
    let file = if path.is_dir() {
        let files = one_series(path, &["NM"], "an NM (SPECT) series")?;
        match files.as_slice() {
            [one] => one.clone(),
            _ => {
                return Err(unexpected(
                    path,
                    "one multi-frame NM RECON TOMO file",
                    format!("{} NM files in the series", files.len()),
                ));
            }
        }
    } else {
        path.to_path_buf()
    };
    Ok(sirt_dicom::load_nm_tomo(&file)?.image)
}

/// A PET volume in Bq/mL with the instant its values refer to.
#[derive(Debug, Clone)]
pub struct LoadedPet {
    /// Bq/mL.
    pub image: Image<f32>,
    /// The instant the values refer to: the decay-correction reference (`START`), the
    /// acquisition start (`NONE`), or `None` (NIfTI, or `ADMIN`: the values already refer to the
    /// administration).
    pub reference: Option<DicomDateTime>,
    /// Decay-corrected to the administration already (`ADMIN`).
    pub corrected_to_administration: bool,
    /// How the reference was found, for the report.
    pub notes: Vec<String>,
}

/// Loads a Y-90 PET in Bq/mL.
pub fn load_pet(
    path: &Path,
    nifti_frame: Option<&FrameOfReference>,
) -> Result<LoadedPet, ImagingError> {
    exists(path, "a PET: a DICOM PET series folder or a NIfTI file")?;
    if is_nifti(path) {
        let frame = nifti_frame
            .cloned()
            .unwrap_or_else(|| FrameOfReference(NIFTI_FRAME.into()));
        return Ok(LoadedPet {
            image: sirt_nifti::read(&read_bytes(path)?, &path.display().to_string(), frame)?,
            reference: None,
            corrected_to_administration: false,
            notes: vec![format!(
                "{}: NIfTI PET, values taken as Bq/mL",
                path.display()
            )],
        });
    }
    let files = if path.is_dir() {
        one_series(path, &["PT"], "a PET series")?
    } else {
        vec![path.to_path_buf()]
    };
    let pet: PetVolume = sirt_dicom::load_pet_series(&files)?;
    use sirt_dicom::DecayCorrection;
    let (reference, admin, note) = match &pet.decay_reference.correction {
        DecayCorrection::Admin => (None, true, "values decay-corrected to the administration (ADMIN)".to_string()),
        DecayCorrection::Start => (
            pet.decay_reference.instant,
            false,
            "values decay-corrected to the acquisition start (START)".to_string(),
        ),
        DecayCorrection::None => (
            pet.acquisition_start,
            false,
            "values not decay-corrected (NONE): referred to the acquisition start (decay during the frame neglected)".to_string(),
        ),
        DecayCorrection::Other(v) => {
            return Err(unexpected(
                path,
                "Decay Correction (0054,1102) START, ADMIN or NONE",
                format!("\"{v}\""),
            ));
        }
    };
    if !admin && reference.is_none() {
        return Err(unexpected(
            path,
            "the instant the PET values refer to (Series or Acquisition Date/Time)",
            "none",
        ));
    }
    Ok(LoadedPet {
        image: pet.image,
        reference,
        corrected_to_administration: admin,
        notes: vec![note],
    })
}

/// The instant of a DICOM date-time, reading a civil time without a stated UTC offset in
/// `zone_hint` (the zone of the case's administration) and saying so.
pub fn instant_of(
    dt: &DicomDateTime,
    zone_hint: &jiff::tz::TimeZone,
) -> Result<(sirt_units::Instant, Option<String>), ImagingError> {
    match dt.zone {
        DicomZone::Offset { .. } => dt
            .instant()
            .map(|i| (i, None))
            .map_err(|e| unexpected(Path::new("PET"), "a valid date-time", e.to_string())),
        _ => {
            let zoned = zone_hint
                .to_ambiguous_zoned_datetime(dt.civil)
                .compatible()
                .map_err(|e| {
                    unexpected(Path::new("PET"), "a valid local date-time", e.to_string())
                })?;
            let note = format!(
                "{}: the PET states no UTC offset; read in the administration's time zone {}",
                dt.civil,
                zone_hint.iana_name().unwrap_or("(fixed offset)")
            );
            Ok((sirt_units::Instant::from_zoned(zoned), Some(note)))
        }
    }
}

/// A structure wanted from a structure file.
#[derive(Debug, Clone, PartialEq)]
pub struct StructureRequest {
    /// Its name in the file (ROI name, segment label, or key of the label table).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Skip it silently when absent (tumours listed by default); otherwise an error.
    pub optional: bool,
}

impl StructureRequest {
    /// A required structure.
    pub fn new(name: impl Into<String>, role: Role) -> Self {
        Self {
            name: name.into(),
            role,
            optional: false,
        }
    }
}

/// Loads the wanted structures from an RT Struct (rasterised on `ct_grid`), a SEG (its segments
/// on `ct_grid`), or a NIfTI label map (`labels`: name → label values; the map's own grid).
pub fn load_structures(
    path: &Path,
    ct_grid: &Grid,
    wanted: &[StructureRequest],
    labels: &BTreeMap<String, Vec<u16>>,
) -> Result<Vec<Structure>, ImagingError> {
    exists(
        path,
        "structures: an RT Structure Set, a DICOM SEG or a NIfTI label map",
    )?;
    let mut out = Vec::new();
    if is_nifti(path) {
        let map = sirt_nifti::read_labels(
            &read_bytes(path)?,
            &path.display().to_string(),
            ct_grid.frame.clone(),
        )?;
        for w in wanted {
            let Some(values) = labels.get(&w.name) else {
                if w.optional {
                    continue;
                }
                return Err(unexpected(
                    path,
                    format!(
                        "label values for structure \"{}\" in the case's images.labels table",
                        w.name
                    ),
                    format!(
                        "only {}",
                        labels.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            };
            let mask: Mask = map.map(|l| values.contains(&l));
            if mask.count() == 0 {
                return Err(unexpected(
                    path,
                    format!("voxels with labels {values:?} for \"{}\"", w.name),
                    "none",
                ));
            }
            out.push(Structure::new(w.name.clone(), w.role, mask));
        }
        return Ok(out);
    }
    match sirt_dicom::read_rt_struct(path) {
        Ok(rt) => {
            for w in wanted {
                let Some(roi) = rt.rois.iter().find(|r| r.name == w.name) else {
                    if w.optional {
                        continue;
                    }
                    return Err(unexpected(
                        path,
                        format!("an ROI named \"{}\"", w.name),
                        format!(
                            "ROIs {}",
                            rt.rois
                                .iter()
                                .map(|r| format!("\"{}\"", r.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                };
                out.push(Structure::new(
                    w.name.clone(),
                    w.role,
                    sirt_dicom::rasterize(roi, ct_grid)?,
                ));
            }
            Ok(out)
        }
        Err(rt_error) => {
            let seg = sirt_dicom::read_seg(path).map_err(|seg_error| {
                unexpected(
                    path,
                    "an RT Structure Set or a DICOM SEG",
                    format!("neither: as RT Struct: {rt_error}; as SEG: {seg_error}"),
                )
            })?;
            for w in wanted {
                let Some(segment) = seg.segments.iter().find(|s| s.label == w.name) else {
                    if w.optional {
                        continue;
                    }
                    return Err(unexpected(
                        path,
                        format!("a segment labelled \"{}\"", w.name),
                        format!(
                            "segments {}",
                            seg.segments
                                .iter()
                                .map(|s| format!("\"{}\"", s.label))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                };
                out.push(Structure::new(
                    w.name.clone(),
                    w.role,
                    seg.mask(segment.number, ct_grid)?,
                ));
            }
            Ok(out)
        }
    }
}
