//! The region a registration samples: the whole fixed image, a box in its patient coordinates,
//! or a mask on its grid (a NIfTI label map, or a named structure of an RT Structure Set or SEG,
//! e.g. the liver: breathing moves it against the spine), dilated by
//! [`sirt_registration::REGION_MARGIN_MM`].

use super::RegisterError;
use sirt_geometry::{Image, Mask, PointLps, Rigid};
use sirt_registration::{REGION_MARGIN_MM, Region};
use std::path::{Path, PathBuf};

/// The region asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum RegionChoice {
    /// The whole fixed image.
    Whole,
    /// A box: two opposite corners in the fixed image's patient coordinates (LPS, mm).
    Box {
        /// The corner of the smallest coordinates.
        min: PointLps,
        /// The corner of the largest coordinates.
        max: PointLps,
    },
    /// A NIfTI label map's non-zero voxels.
    LabelMap {
        /// Its label in messages.
        label: String,
        /// The file.
        path: PathBuf,
    },
    /// A named ROI of an RT Structure Set or segment of a SEG.
    Structure {
        /// Its label in messages.
        label: String,
        /// The file.
        path: PathBuf,
        /// The ROI or segment name.
        name: String,
    },
}

/// The region used, for the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegionSummary {
    /// The whole fixed image.
    Whole,
    /// A box (fixed patient coordinates, mm).
    Box {
        /// One corner.
        min: [f64; 3],
        /// The opposite corner.
        max: [f64; 3],
    },
    /// A mask, dilated by `margin_mm`.
    Mask {
        /// The file (and structure) it came from.
        source: String,
        /// Voxels of the mask on the fixed grid.
        voxels: usize,
        /// Its volume, mL.
        volume_ml: f64,
        /// The dilation, mm.
        margin_mm: f64,
    },
}

/// The region of `choice` on the fixed image, and its summary.
pub fn region(
    choice: &RegionChoice,
    fixed: &Image<f32>,
) -> Result<(Region, RegionSummary), RegisterError> {
    let (mask, source) = match choice {
        RegionChoice::Whole => return Ok((Region::Whole, RegionSummary::Whole)),
        RegionChoice::Box { min, max } => {
            let summary = RegionSummary::Box {
                min: [min.x, min.y, min.z],
                max: [max.x, max.y, max.z],
            };
            return Ok((
                Region::Box {
                    min: *min,
                    max: *max,
                },
                summary,
            ));
        }
        RegionChoice::LabelMap { label, path } => {
            (label_map(label, path, fixed)?, path.display().to_string())
        }
        RegionChoice::Structure { path, name, .. } => {
            (structure(path, name, fixed)?, path.display().to_string())
        }
    };
    let summary = RegionSummary::Mask {
        source,
        voxels: mask.count(),
        volume_ml: mask.volume_ml(),
        margin_mm: REGION_MARGIN_MM,
    };
    Ok((
        Region::Mask {
            mask,
            margin_mm: REGION_MARGIN_MM,
        },
        summary,
    ))
}

/// A NIfTI label map's non-zero voxels on the fixed grid (resampled by nearest neighbour when
/// it is on another).
fn label_map(label: &str, path: &Path, fixed: &Image<f32>) -> Result<Mask, RegisterError> {
    let grid = fixed.grid();
    let bytes = std::fs::read(path).map_err(|source| RegisterError::Io {
        label: label.into(),
        path: path.into(),
        source,
    })?;
    let labels = sirt_nifti::read_labels(&bytes, &path.display().to_string(), grid.frame.clone())?;
    let mask = labels.map(|l| l != 0);
    if mask.grid().same_as(grid) {
        return Ok(mask);
    }
    let identity = Rigid::identity(grid.frame.clone(), grid.frame.clone());
    sirt_geometry::resample_nearest(&mask, grid, &identity, false).map_err(|source| {
        RegisterError::MaskGrid {
            label: label.into(),
            path: path.into(),
            source: Box::new(source),
        }
    })
}

/// A named structure of an RT Structure Set or SEG on the fixed grid.
fn structure(path: &Path, name: &str, fixed: &Image<f32>) -> Result<Mask, RegisterError> {
    let wanted = [sirt_imaging::StructureRequest::new(
        name,
        sirt_geometry::Role::Liver,
    )];
    let mut found =
        sirt_imaging::load_structures(path, fixed.grid(), &wanted, &Default::default())?;
    // `load_structures` returns each required structure or an error naming the missing one.
    match found.pop() {
        Some(s) => Ok(s.mask),
        None => Err(RegisterError::from(
            sirt_registration::RegistrationError::EmptyRegion {
                what: format!("{}: no structure \"{name}\"", path.display()),
            },
        )),
    }
}
