//! Any DICOM series read with the loader of its kind, to know what it holds: a volume with its
//! grid, an object without a grid of its own (RT Structure Set, SEG, spatial registration), or
//! something sirtplan does not read. Image uploads check every series this way before storing it.

use sirt_dicom::{DicomError, Series};
use sirt_geometry::Grid;
use std::path::PathBuf;

/// What a series holds, once read by its loader.
#[derive(Debug, Clone, PartialEq)]
pub enum SeriesContent {
    /// A volume: its files in slice order, its grid and number of images.
    Volume {
        /// The files, in slice order.
        files: Vec<PathBuf>,
        /// The volume's grid.
        grid: Grid,
        /// Images (slices or frames).
        images: u32,
    },
    /// An object without its own grid (RT Structure Set, SEG, registration).
    Object,
    /// Not an image sirtplan reads (SR, presentation states, ...), with the reason.
    NotUsed(String),
}

/// The grid of the first file of a multi-frame series read by `load` (every file is read, so
/// that a bad one is refused); an object when the series has no file.
fn multi_frame(
    s: &Series,
    load: impl Fn(&std::path::Path) -> Result<Grid, DicomError>,
) -> Result<SeriesContent, DicomError> {
    let mut grid = None;
    for f in &s.files {
        let g = load(f)?;
        grid.get_or_insert(g);
    }
    Ok(match grid {
        Some(grid) => SeriesContent::Volume {
            files: s.files.clone(),
            images: s.frames,
            grid,
        },
        None => SeriesContent::Object,
    })
}

/// Reads every file of a series with the loader of its modality (RT Structure Set, SEG, spatial
/// registration, RT Dose, NM tomography, enhanced multi-frame images, single-frame image
/// series) and says what it holds. A file its loader refuses is an error naming it.
pub fn read_series(s: &Series) -> Result<SeriesContent, DicomError> {
    match s.modality.as_str() {
        "RTSTRUCT" => {
            for f in &s.files {
                sirt_dicom::read_rt_struct(f)?;
            }
            Ok(SeriesContent::Object)
        }
        "SEG" => {
            for f in &s.files {
                sirt_dicom::read_seg(f)?;
            }
            Ok(SeriesContent::Object)
        }
        "REG" => {
            for f in &s.files {
                sirt_dicom::read_spatial_registration(f)?;
            }
            Ok(SeriesContent::Object)
        }
        "RTDOSE" => multi_frame(s, |f| Ok(sirt_dicom::load_rt_dose(f)?.image.grid().clone())),
        "NM" => multi_frame(s, |f| Ok(sirt_dicom::load_nm_tomo(f)?.image.grid().clone())),
        m if s.rows.is_none() => Ok(SeriesContent::NotUsed(format!(
            "a {m} object without pixel data (SOP class {}), not an image sirtplan reads",
            s.sop_class_uid
        ))),
        _ if s.frames as usize > s.files.len() => multi_frame(s, |f| {
            Ok(sirt_dicom::load_enhanced_image(f)?.image.grid().clone())
        }),
        _ => {
            let series = sirt_dicom::read_image_series(&s.files)?;
            Ok(SeriesContent::Volume {
                grid: series.image.grid().clone(),
                images: u32::try_from(series.files.len()).unwrap_or(u32::MAX),
                files: series.files,
            })
        }
    }
}
