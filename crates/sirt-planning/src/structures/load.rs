//! Images and existing structures read for the structure tools: an image with its modality
//! (and, for a DICOM CT, its series reference and study: the SEG written references them), and
//! the named structures of an RT Structure Set, a SEG or a NIfTI label map as masks on the CT
//! grid.

use super::StructureError;
use sirt_dicom::write::SeriesRef;
use sirt_geometry::{FrameOfReference, Grid, Image, Mask, Rigid, Role};
use sirt_imaging::StructureRequest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What an image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    /// CT (HU).
    Ct,
    /// MR.
    Mr,
    /// NM tomography: a SPECT (counts).
    Spect,
    /// PET (Bq/mL).
    Pet,
    /// NIfTI: no modality stated (the option that names it says what it is).
    Nifti,
}

impl Modality {
    /// In words, as an error names it ("an NM (SPECT) series").
    pub fn describe(self) -> &'static str {
        match self {
            Modality::Ct => "a CT series",
            Modality::Mr => "an MR series",
            Modality::Spect => "an NM (SPECT) series",
            Modality::Pet => "a PT (PET) series",
            Modality::Nifti => "a NIfTI file",
        }
    }

    /// The DICOM Modality, or "NIfTI".
    pub fn dicom(self) -> &'static str {
        match self {
            Modality::Ct => "CT",
            Modality::Mr => "MR",
            Modality::Spect => "NM",
            Modality::Pet => "PT",
            Modality::Nifti => "NIfTI",
        }
    }
}

/// An image read for the tools.
#[derive(Debug, Clone)]
pub struct SourceImage {
    /// The values (HU, counts, Bq/mL).
    pub image: Image<f32>,
    /// The file or folder it was read from.
    pub path: PathBuf,
    /// What it is.
    pub modality: Modality,
    /// A DICOM CT or MR series: what a SEG references.
    pub series: Option<SeriesRef>,
    /// Its DICOM study (patient, study UID), when DICOM.
    pub study: Option<sirt_dicom::Study>,
    /// Its Series Instance UID, when DICOM.
    pub series_uid: Option<String>,
}

fn is_nifti(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".nii") || name.ends_with(".nii.gz")
}

/// The image series a path names (a folder holding one, or one of its files), with its study.
fn find_series(
    path: &Path,
    flag: &str,
) -> Result<(sirt_dicom::Study, sirt_dicom::Series), StructureError> {
    let read = |what: String| StructureError::Read {
        flag: flag.into(),
        path: path.into(),
        what,
    };
    if !path.exists() {
        return Err(read(
            "expected a DICOM series folder or file, or a NIfTI file, found no such file or folder"
                .into(),
        ));
    }
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
            if holds && ["CT", "MR", "NM", "PT"].contains(&se.modality.as_str()) {
                found.push((st.clone(), se.clone()));
            }
        }
    }
    match found.len() {
        1 => Ok(found.swap_remove(0)),
        0 => Err(read(format!(
            "expected an image series (CT, MR, NM or PT), found {}",
            if seen.is_empty() {
                "no DICOM series".to_string()
            } else {
                seen.join(", ")
            }
        ))),
        n => Err(read(format!(
            "expected a single image series, found {n} ({}): put each series in its own folder",
            seen.join(", ")
        ))),
    }
}

/// Reads an image named by option `flag`: a DICOM series (folder or file: CT, MR, NM, PT) or
/// NIfTI (in `nifti_frame`, by default `sirt_imaging::NIFTI_FRAME`: NIfTI has no frame of
/// reference, the caller states which frame it lies in).
pub fn load_image(
    path: &Path,
    flag: &str,
    nifti_frame: Option<&FrameOfReference>,
) -> Result<SourceImage, StructureError> {
    let imaging = |source| StructureError::Imaging {
        flag: flag.into(),
        path: path.into(),
        source: Box::new(source),
    };
    if is_nifti(path) {
        let image = sirt_imaging::load_ct(path, nifti_frame).map_err(imaging)?;
        return Ok(SourceImage {
            image,
            path: path.into(),
            modality: Modality::Nifti,
            series: None,
            study: None,
            series_uid: None,
        });
    }
    let (study, series) = find_series(path, flag)?;
    let dicom = |source| StructureError::Dicom {
        flag: flag.into(),
        path: path.into(),
        source: Box::new(source),
    };
    let (image, modality, reference) = match series.modality.as_str() {
        "NM" => (
            sirt_imaging::load_spect(path, None).map_err(imaging)?,
            Modality::Spect,
            None,
        ),
        "PT" => (
            sirt_imaging::load_pet(path, None).map_err(imaging)?.image,
            Modality::Pet,
            None,
        ),
        m => {
            let read = sirt_dicom::read_image_series(&series.files).map_err(dicom)?;
            let reference =
                SeriesRef::from_image_series(&read).map_err(|e| StructureError::Read {
                    flag: flag.into(),
                    path: path.into(),
                    what: format!("cannot reference the series: {e}"),
                })?;
            let modality = if m == "MR" {
                Modality::Mr
            } else {
                Modality::Ct
            };
            (read.image, modality, Some(reference))
        }
    };
    Ok(SourceImage {
        image,
        path: path.into(),
        modality,
        series: reference,
        study: Some(study),
        series_uid: Some(series.series_instance_uid),
    })
}

/// Structures named in a file, as the command line writes them: `FILE:name1,name2`. For a NIfTI
/// label map each name carries its label values: `labels.nii.gz:liver=5+10+11,T1=10`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureSource {
    /// The file (RT Structure Set, SEG, NIfTI label map).
    pub file: PathBuf,
    /// The structures wanted (ROI names, segment labels, or names of a NIfTI label map).
    pub names: Vec<String>,
    /// For a NIfTI label map: name → label values.
    pub labels: BTreeMap<String, Vec<u16>>,
}

impl std::str::FromStr for StructureSource {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let Some((file, names)) = s.rsplit_once(':') else {
            return Err(format!(
                "expected FILE:NAME[,NAME…] (an RT Struct, SEG or NIfTI label map and the \
                 structures in it), found \"{s}\""
            ));
        };
        let file = PathBuf::from(file);
        let mut out = StructureSource {
            file: file.clone(),
            names: Vec::new(),
            labels: BTreeMap::new(),
        };
        for item in names.split(',').map(str::trim) {
            if item.is_empty() {
                return Err(format!("\"{s}\": an empty structure name"));
            }
            if is_nifti(&file) {
                let (name, values) = parse_labelled(item, s)?;
                out.labels.insert(name.clone(), values);
                out.names.push(name);
            } else {
                out.names.push(item.to_owned());
            }
        }
        Ok(out)
    }
}

/// `name=5+10+11` of a NIfTI label map.
fn parse_labelled(item: &str, whole: &str) -> Result<(String, Vec<u16>), String> {
    let Some((name, values)) = item.split_once('=') else {
        return Err(format!(
            "\"{whole}\": a NIfTI label map names each structure with its label values, \
             NAME=V[+V…] (e.g. liver=5+10), found \"{item}\""
        ));
    };
    let values = values
        .split('+')
        .map(|v| v.trim().parse::<u16>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("\"{whole}\": label values of \"{name}\": {e}"))?;
    Ok((name.trim().to_owned(), values))
}

impl std::fmt::Display for StructureSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.names.join(","))
    }
}

/// The structures of `source` as masks on `ct_grid`, in the order named: an RT Struct's ROIs
/// rasterised on it, a SEG's segments put on it, a NIfTI label map's voxels (resampled onto it
/// by nearest neighbour when the map is on another grid; the map lies in the CT's frame). An
/// empty structure is refused.
pub fn load_masks(
    source: &StructureSource,
    ct_grid: &Grid,
    flag: &str,
) -> Result<Vec<(String, Mask)>, StructureError> {
    let wanted: Vec<StructureRequest> = source
        .names
        .iter()
        .map(|n| StructureRequest::new(n.clone(), Role::Other))
        .collect();
    let found = sirt_imaging::load_structures(&source.file, ct_grid, &wanted, &source.labels)
        .map_err(|e| StructureError::Imaging {
            flag: flag.into(),
            path: source.file.clone(),
            source: Box::new(e),
        })?;
    let mut out = Vec::with_capacity(found.len());
    for s in found {
        let mask = if s.mask.grid().same_as(ct_grid) {
            s.mask
        } else {
            let identity = Rigid::identity(s.mask.grid().frame.clone(), ct_grid.frame.clone());
            sirt_geometry::resample_nearest(&s.mask, ct_grid, &identity, false).map_err(|e| {
                StructureError::Read {
                    flag: flag.into(),
                    path: source.file.clone(),
                    what: format!(
                        "structure \"{}\": cannot put it on the CT grid: {e}",
                        s.name
                    ),
                }
            })?
        };
        if mask.count() == 0 {
            return Err(StructureError::Read {
                flag: flag.into(),
                path: source.file.clone(),
                what: format!("structure \"{}\" has no voxel on the CT grid", s.name),
            });
        }
        out.push((s.name, mask));
    }
    Ok(out)
}
