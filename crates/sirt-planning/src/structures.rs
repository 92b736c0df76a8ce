//! Structures made from the images (issue 16, "Structures"): the application layer over the
//! structure tools of `sirt-segmentation` — `sirtplan structure` and the server are thin adapters
//! over it.
//!
//! 1. [`load_image`] reads an image (a DICOM series folder or file, or NIfTI) with what it is
//!    (CT, MR, NM SPECT, PET; NIfTI states no modality); [`load_masks`] reads existing
//!    structures (RT Structure Set, SEG, NIfTI label map) as editable masks on the CT grid.
//! 2. [`make`] replays an [`EditHistory`] (tool operations, each with its author and the
//!    instant the caller gives) on the named images and masks, puts the result on the planning
//!    CT's grid (through the registration when the frames differ: fractional resampling, 27
//!    samples per CT voxel, inside when ≥ 50 %), and refuses an implausible result with the
//!    reason: a tool on an image of the wrong modality (naming both), an empty structure, a
//!    liver outside the site's plausibility bounds (`plausibility.liver_volume`), a perfused
//!    territory less than [`MIN_TERRITORY_IN_LIVER`] inside the liver. It gives the live
//!    volume.
//! 3. [`seg_bytes`] writes the structures as one DICOM SEG referencing the CT series, with
//!    Content Creator's Name and each segment's Segment Algorithm Type and Name from its
//!    history; [`rt_struct_bytes`] writes them as one RT Structure Set with Operators' Name and
//!    each ROI's generation algorithm, description and interpreter; [`label_map_bytes`] writes them as a NIfTI label map instead, with the table
//!    name → label values that a case's `images.labels` takes.
//!
//! It reads the image files it is given and writes none; it reads no clock.

mod load;
mod output;

pub use load::{Modality, SourceImage, StructureSource, load_image, load_masks};
pub use output::{
    LabelMap, MAX_STRUCTURES, RT_STRUCT_SERIES_NUMBER, SEG_SERIES_NUMBER, SegRequest, label_map,
    label_map_bytes, rt_struct_bytes, seg_bytes,
};
pub use sirt_segmentation as tools;
pub use sirt_segmentation::history::{AlgorithmType, Author, EditHistory, Inputs, Operation};
pub use sirt_voxel_dosimetry::MIN_TERRITORY_IN_LIVER;

use sirt_geometry::{Mask, Rigid, Role, resample_mask_fractional, source_from_target};
use sirt_segmentation::SegmentationError;
use sirt_settings::Plausibility;
use sirt_units::Volume;
use std::path::PathBuf;

/// Points per axis at which a structure made on another grid (a territory on the SPECT) is
/// sampled in each CT voxel when it is put on the planning CT's grid. Design choice: the same
/// 3 × 3 × 3 = 27 samples as the tools' own restriction (`sirt_segmentation::threshold::
/// RESTRICTION_SUPERSAMPLING`) and the voxel dosimetry's partial volumes.
pub const CT_SUPERSAMPLING: usize = sirt_segmentation::threshold::RESTRICTION_SUPERSAMPLING;

/// Fraction of a CT voxel that must lie in the structure for the voxel to be inside. Design
/// choice: 0.5, the partial-volume rule that keeps the volume unbiased (as many voxels gained
/// at the border as lost); the same rule as the tools' restriction.
pub const CT_MIN_FRACTION: f32 = sirt_segmentation::threshold::RESTRICTION_MIN_FRACTION;

/// How a structure made on another grid was put on the planning CT's grid (for the report).
pub const CT_RESAMPLING: &str = "fractional: 27 samples per CT voxel, inside when ≥ 50 %";

/// A structure that cannot be made, read or written; every message names the file, the
/// structure or the field, what was expected and what was found.
#[derive(Debug, thiserror::Error)]
pub enum StructureError {
    /// An image or structure file that cannot be read.
    #[error("{flag} {path}: {what}")]
    Read {
        /// The option or field that named the file (`--ct`, `images.structures`).
        flag: String,
        /// The file.
        path: PathBuf,
        /// What was expected and found.
        what: String,
    },
    /// An image or structure file its reader refuses.
    #[error("{flag} {path}")]
    Imaging {
        /// The option or field that named the file.
        flag: String,
        /// The file.
        path: PathBuf,
        /// The reader's reason.
        #[source]
        source: Box<sirt_imaging::ImagingError>,
    },
    /// A DICOM file its reader refuses.
    #[error("{flag} {path}")]
    Dicom {
        /// The option or field that named the file.
        flag: String,
        /// The file.
        path: PathBuf,
        /// The reader's reason.
        #[source]
        source: Box<sirt_dicom::DicomError>,
    },
    /// A tool used on an image of a modality it is not for.
    #[error(
        "structure \"{structure}\": {tool} needs {expected}; image \"{image}\" ({path}) is {found}"
    )]
    WrongModality {
        /// The structure being made.
        structure: String,
        /// The tool ("region growing").
        tool: &'static str,
        /// What it needs ("a CT (HU)").
        expected: &'static str,
        /// The image's name in the history.
        image: String,
        /// Its file.
        path: PathBuf,
        /// What it is ("an NM (SPECT) series").
        found: &'static str,
    },
    /// An edit history names an image that was not given.
    #[error(
        "structure \"{structure}\": edit {number} names image \"{image}\", which was not given"
    )]
    MissingImage {
        /// The structure.
        structure: String,
        /// 1-based edit number.
        number: usize,
        /// The image's name.
        image: String,
    },
    /// A tool that refused its input (the seed outside the image, masks on other grids, …).
    #[error("structure \"{structure}\"")]
    Tool {
        /// The structure.
        structure: String,
        /// The tool's reason (names the edit and its cause).
        #[source]
        source: Box<SegmentationError>,
    },
    /// A structure with no voxel.
    #[error("structure \"{structure}\" is empty after {how}: nothing to save")]
    Empty {
        /// The structure.
        structure: String,
        /// How it was made, in one line.
        how: String,
    },
    /// A liver volume outside the site's plausibility bounds.
    #[error(
        "structure \"{structure}\" (a liver): volume {found_ml:.1} mL, expected {min_ml:.0} to {max_ml:.0} mL (site setting plausibility.liver_volume); the tool's parameters let it leak or stop short: look at the images"
    )]
    ImplausibleLiver {
        /// The structure.
        structure: String,
        /// Its volume, mL.
        found_ml: f64,
        /// The smallest plausible volume, mL.
        min_ml: f64,
        /// The largest, mL.
        max_ml: f64,
    },
    /// A perfused territory without the liver to check it against.
    #[error(
        "structure \"{structure}\" (a perfused territory): no liver structure given to check that it lies in the liver"
    )]
    TerritoryWithoutLiver {
        /// The structure.
        structure: String,
    },
    /// A perfused territory lying mostly outside the liver.
    #[error(
        "structure \"{structure}\" (a perfused territory) lies {inside_percent:.1} % inside the liver \"{liver}\" (CT grid), expected at least {min_percent:.0} %: a perfused territory is a part of the liver"
    )]
    TerritoryOutsideLiver {
        /// The territory.
        structure: String,
        /// The liver's name.
        liver: String,
        /// Voxels of the territory inside the liver, %.
        inside_percent: f64,
        /// [`MIN_TERRITORY_IN_LIVER`], %.
        min_percent: f64,
    },
    /// A structure that cannot be put on the CT's grid (frames without a registration, …).
    #[error("structure \"{structure}\": cannot put it on the CT grid")]
    Geometry {
        /// The structure.
        structure: String,
        /// The geometry's reason.
        #[source]
        source: Box<sirt_geometry::GeometryError>,
    },
    /// Output that cannot be made from these inputs (a SEG for a NIfTI CT, too many
    /// structures, structures on different grids).
    #[error("{what}")]
    Output {
        /// What and why.
        what: String,
    },
    /// The DICOM SEG writer refused the structures or their provenance.
    #[error("DICOM SEG")]
    Seg(#[source] Box<sirt_dicom::WriteError>),
    /// The RT Structure Set writer refused the structures or their provenance.
    #[error("DICOM RT Structure Set")]
    RtStruct(#[source] Box<sirt_dicom::WriteError>),
    /// The NIfTI writer failed.
    #[error("NIfTI label map")]
    Nifti(#[source] Box<sirt_nifti::NiftiError>),
}

impl StructureError {
    /// Whether the user's input is at fault (exit 2) rather than an internal failure: every
    /// case but the NIfTI writer's.
    pub fn is_input(&self) -> bool {
        !matches!(self, Self::Nifti(_))
    }
}

/// What a structure is: decides the checks (a liver's volume, a territory in the liver) and the
/// SEG's property codes.
pub type StructureRole = Role;

/// The named images, masks and settings an edit history is replayed with.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Images by name (the names the history's operations use: "ct", "spect").
    pub images: &'a [(&'a str, &'a SourceImage)],
    /// Masks by name (on any grid the tools accept; the restricting masks of thresholds are
    /// resampled by the tools).
    pub masks: &'a [(&'a str, &'a Mask)],
    /// The registration linking the CT's frame with another image's, when they differ.
    pub registration: Option<&'a Rigid>,
    /// The planning CT: the structure ends on its grid.
    pub ct: &'a SourceImage,
    /// The liver on the CT grid with its name: a perfused territory is checked against it.
    pub liver: Option<(&'a str, &'a Mask)>,
    /// The site's plausibility bounds (the liver's volume).
    pub plausibility: &'a Plausibility,
}

/// A structure made: its mask on the planning CT's grid, its history and live volume.
#[derive(Debug, Clone)]
pub struct Made {
    /// Its name (Segment Label).
    pub name: String,
    /// What it is.
    pub role: StructureRole,
    /// The mask on the planning CT's grid.
    pub mask: Mask,
    /// The edits that made it.
    pub history: EditHistory,
    /// Its volume on the CT grid.
    pub volume: Volume,
    /// The grid it was made on, in words (the SPECT's for a territory threshold).
    pub made_on: String,
    /// How it was put on the CT grid, when it was made on another ([`CT_RESAMPLING`]).
    pub resampled: Option<String>,
    /// The share of its voxels inside the liver (a perfused territory), 0–1.
    pub share_in_liver: Option<f64>,
}

/// The modalities a tool works on, in words, and whether an image of `modality` is one of them
/// (NIfTI states no modality: the caller's word for it is taken).
fn tool_needs(op: &Operation) -> Option<(&'static str, &'static [Modality])> {
    match op {
        Operation::RegionGrow { .. } | Operation::ConfidenceConnected { .. } => {
            Some(("a CT (HU)", &[Modality::Ct]))
        }
        Operation::Threshold { .. } => Some(("a CT (HU) or a PET", &[Modality::Ct, Modality::Pet])),
        Operation::ThresholdRelative { .. } | Operation::ThresholdCounts { .. } => {
            Some(("an MAA SPECT (NM)", &[Modality::Spect]))
        }
        _ => None,
    }
}

/// The image an operation reads, when it reads one.
fn image_of(op: &Operation) -> Option<&str> {
    match op {
        Operation::Threshold { image, .. }
        | Operation::ThresholdRelative { image, .. }
        | Operation::ThresholdCounts { image, .. }
        | Operation::RegionGrow { image, .. }
        | Operation::ConfidenceConnected { image, .. } => Some(image),
        _ => None,
    }
}

/// Refuses a tool on an image of the wrong modality, naming both.
fn check_modalities(
    name: &str,
    history: &EditHistory,
    cx: &Context<'_>,
) -> Result<(), StructureError> {
    for (n, edit) in history.edits.iter().enumerate() {
        let Some(image) = image_of(&edit.operation) else {
            continue;
        };
        let Some((_, src)) = cx.images.iter().find(|(k, _)| *k == image) else {
            return Err(StructureError::MissingImage {
                structure: name.into(),
                number: n + 1,
                image: image.into(),
            });
        };
        if let Some((expected, ok)) = tool_needs(&edit.operation)
            && src.modality != Modality::Nifti
            && !ok.contains(&src.modality)
        {
            return Err(StructureError::WrongModality {
                structure: name.into(),
                tool: edit.operation.kind(),
                expected,
                image: image.into(),
                path: src.path.clone(),
                found: src.modality.describe(),
            });
        }
    }
    Ok(())
}

/// Makes structure `name` (of role `role`) by replaying `history` with `cx`: the modality of
/// each tool's image checked, the result put on the CT grid, refused when empty, a liver out of
/// the plausibility bounds or a territory outside the liver.
pub fn make(
    name: &str,
    role: StructureRole,
    history: &EditHistory,
    cx: &Context<'_>,
) -> Result<Made, StructureError> {
    check_modalities(name, history, cx)?;
    let inputs = Inputs {
        images: cx.images.iter().map(|(k, s)| (*k, &s.image)).collect(),
        masks: cx.masks.to_vec(),
        registration: cx.registration,
    };
    let tool = |source| StructureError::Tool {
        structure: name.into(),
        source: Box::new(source),
    };
    let on_own_grid = history.replay(&inputs).map_err(tool)?;
    let made_on = sirt_segmentation::describe_grid(on_own_grid.grid());
    let (mask, resampled) = on_ct_grid(name, on_own_grid, cx)?;
    let volume = sirt_segmentation::volume(&mask);
    if mask.count() == 0 {
        return Err(StructureError::Empty {
            structure: name.into(),
            how: history.describe(),
        });
    }
    let share_in_liver = check_role(name, role, &mask, volume, cx)?;
    Ok(Made {
        name: name.into(),
        role,
        mask,
        history: history.clone(),
        volume,
        made_on,
        resampled,
        share_in_liver,
    })
}

/// The mask on the CT grid: itself when it is on it; else resampled (through the registration
/// when the frames differ), fractional ≥ 50 %.
fn on_ct_grid(
    name: &str,
    mask: Mask,
    cx: &Context<'_>,
) -> Result<(Mask, Option<String>), StructureError> {
    let ct_grid = cx.ct.image.grid();
    if mask.grid().same_as(ct_grid) {
        return Ok((mask, None));
    }
    let geometry = |source| StructureError::Geometry {
        structure: name.into(),
        source: Box::new(source),
    };
    let mask_from_ct = source_from_target(&mask.grid().frame, &ct_grid.frame, cx.registration)
        .map_err(geometry)?;
    let on_ct = resample_mask_fractional(&mask, ct_grid, &mask_from_ct, CT_SUPERSAMPLING)
        .map_err(geometry)?
        .threshold(CT_MIN_FRACTION);
    let how = if mask.grid().frame == ct_grid.frame {
        CT_RESAMPLING.to_string()
    } else {
        format!("{CT_RESAMPLING}, through the registration")
    };
    Ok((on_ct, Some(how)))
}

/// The checks of a role: a liver's volume within the site's bounds; a territory at least
/// [`MIN_TERRITORY_IN_LIVER`] inside the liver (its share returned).
fn check_role(
    name: &str,
    role: StructureRole,
    mask: &Mask,
    volume: Volume,
    cx: &Context<'_>,
) -> Result<Option<f64>, StructureError> {
    match role {
        Role::Liver => {
            let b = cx.plausibility.liver_volume;
            if !b.contains(volume) {
                return Err(StructureError::ImplausibleLiver {
                    structure: name.into(),
                    found_ml: volume.ml(),
                    min_ml: b.min.ml(),
                    max_ml: b.max.ml(),
                });
            }
            Ok(None)
        }
        Role::Territory => {
            let Some((liver_name, liver)) = cx.liver else {
                return Err(StructureError::TerritoryWithoutLiver {
                    structure: name.into(),
                });
            };
            let share = share_in(mask, liver, name)?;
            if share < MIN_TERRITORY_IN_LIVER {
                return Err(StructureError::TerritoryOutsideLiver {
                    structure: name.into(),
                    liver: liver_name.into(),
                    inside_percent: 100.0 * share,
                    min_percent: 100.0 * MIN_TERRITORY_IN_LIVER,
                });
            }
            Ok(Some(share))
        }
        _ => Ok(None),
    }
}

/// The share of `mask`'s voxels in `liver` (both on the CT grid).
fn share_in(mask: &Mask, liver: &Mask, name: &str) -> Result<f64, StructureError> {
    if !liver.grid().same_as(mask.grid()) {
        return Err(StructureError::Output {
            what: format!(
                "structure \"{name}\": the liver to check it against is not on the CT grid ({})",
                sirt_segmentation::describe_grid(liver.grid())
            ),
        });
    }
    let inside = mask
        .data()
        .iter()
        .zip(liver.data())
        .filter(|&(&m, &l)| m && l)
        .count();
    Ok(inside as f64 / mask.count() as f64)
}
