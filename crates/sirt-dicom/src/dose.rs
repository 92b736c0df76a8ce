//! RT Dose (multi-frame dose grid) → `Image<f32>` of dose values.
//!
//! Frames lie at Image Position (Patient) + offset × n, n = row cosines × column cosines, with
//! offsets from Grid Frame Offset Vector (3004,000C): relative to the first frame when its first
//! value is 0 (type a of PS3.3 C.8.8.3.2), or absolute z coordinates (type b, only for axial
//! frames) otherwise. Frames are put in order of increasing offset; the offsets must be uniform.
//! Values are stored values × Dose Grid Scaling, in the unit of Dose Units.

use std::path::Path;

use dicom_dictionary_std::tags;
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};

use crate::DicomError;
use crate::file::{Attrs, Extent, PixelFormat, open, stored_values};

/// The unit of the dose values (Dose Units, 3004,0002).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum DoseUnits {
    /// Gray.
    Gy,
    /// Relative dose (no absolute unit).
    Relative,
    /// Any other value, as written.
    Other(String),
}

impl std::fmt::Display for DoseUnits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DoseUnits::Gy => f.write_str("Gy"),
            DoseUnits::Relative => f.write_str("relative"),
            DoseUnits::Other(s) => f.write_str(s),
        }
    }
}

/// An RT Dose grid.
#[derive(Debug, Clone, PartialEq)]
pub struct RtDose {
    /// Dose values (stored values × Dose Grid Scaling), in `units`.
    pub image: Image<f32>,
    /// The unit of the values.
    pub units: DoseUnits,
    /// Dose Type (PHYSICAL, EFFECTIVE, ERROR), when present.
    pub dose_type: Option<String>,
    /// Dose Summation Type (PLAN, BEAM, FRACTION, …), when present.
    pub summation_type: Option<String>,
    /// Dose Grid Scaling applied.
    pub scaling: f64,
}

/// Reads an RT Dose file (16- or 32-bit, signed or unsigned pixels) into its dose grid.
pub fn load_rt_dose(file: impl AsRef<Path>) -> Result<RtDose, DicomError> {
    let path = file.as_ref();
    let f = open(path, Extent::All)?;
    let a = f.attrs();
    let modality = a.req_str(tags::MODALITY, "Modality (0008,0060)")?;
    if modality != "RTDOSE" {
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!("modality \"{modality}\" where an RT Dose (RTDOSE) was expected"),
        });
    }
    let format = PixelFormat::read(a)?;
    if !matches!(format.bits_allocated, 16 | 32) {
        return Err(a.invalid(
            "Bits Allocated (0028,0100)",
            format!("{} (RT Dose uses 16 or 32)", format.bits_allocated),
        ));
    }
    let iop = a.req_f64s(
        tags::IMAGE_ORIENTATION_PATIENT,
        "Image Orientation (Patient) (0020,0037)",
        6,
    )?;
    let ipp = a.req_f64s(
        tags::IMAGE_POSITION_PATIENT,
        "Image Position (Patient) (0020,0032)",
        3,
    )?;
    let ps = a.req_f64s(tags::PIXEL_SPACING, "Pixel Spacing (0028,0030)", 2)?;
    let frame = a.req_str(
        tags::FRAME_OF_REFERENCE_UID,
        "Frame of Reference UID (0020,0052)",
    )?;
    let scaling = a
        .opt_f64(tags::DOSE_GRID_SCALING, "Dose Grid Scaling (3004,000E)")?
        .ok_or_else(|| DicomError::MissingAttribute {
            file: path.to_path_buf(),
            attribute: "Dose Grid Scaling (3004,000E)",
        })?;
    let units = dose_units(a)?;
    let row = [iop[0], iop[1], iop[2]];
    let col = [iop[3], iop[4], iop[5]];
    let normal = crate::series::slice_normal(row, col)
        .map_err(|reason| a.invalid("Image Orientation (Patient) (0020,0037)", reason))?;

    let nf = format.frames;
    let offsets = frame_offsets(a, nf, &ipp, normal)?;
    // Frame order by increasing offset.
    let mut order: Vec<usize> = (0..nf).collect();
    order.sort_by(|&x, &y| offsets[x].total_cmp(&offsets[y]));
    let sorted: Vec<f64> = order.iter().map(|&o| offsets[o]).collect();
    let spacing_k = if nf == 1 {
        single_frame_thickness(a)?
    } else {
        uniform_frame_spacing(a, &offsets, &sorted)?
    };
    let first = sorted[0];
    let origin = PointLps::new(
        ipp[0] + first * normal[0],
        ipp[1] + first * normal[1],
        ipp[2] + first * normal[2],
    );
    let grid = Grid::new(
        [format.columns, format.rows, nf],
        [ps[1], ps[0], spacing_k],
        origin,
        [row, col, normal],
        FrameOfReference(frame),
    )
    .map_err(|source| DicomError::Geometry {
        file: path.to_path_buf(),
        source,
    })?;
    let bytes = f.pixel_bytes(&format)?;
    let per_frame = format.frame_len();
    let mut raw = Vec::with_capacity(per_frame);
    let mut data = Vec::with_capacity(grid.len());
    for &o in &order {
        raw.clear();
        stored_values(&bytes, &format, o * per_frame, per_frame, &mut raw);
        data.extend(raw.iter().map(|&v| (v as f64 * scaling) as f32));
    }
    let image = Image::new(grid, data).map_err(|source| DicomError::Geometry {
        file: path.to_path_buf(),
        source,
    })?;
    Ok(RtDose {
        image,
        units,
        dose_type: a.opt_str(tags::DOSE_TYPE),
        summation_type: a.opt_str(tags::DOSE_SUMMATION_TYPE),
        scaling,
    })
}

/// Dose Units (3004,0002), required.
fn dose_units(a: Attrs<'_>) -> Result<DoseUnits, DicomError> {
    match a.opt_str(tags::DOSE_UNITS).as_deref() {
        Some("GY") => Ok(DoseUnits::Gy),
        Some("RELATIVE") => Ok(DoseUnits::Relative),
        Some(other) => Ok(DoseUnits::Other(other.to_string())),
        None => Err(DicomError::MissingAttribute {
            file: a.path.to_path_buf(),
            attribute: "Dose Units (3004,0002)",
        }),
    }
}

/// Offsets of the `nf` frames along `normal`, relative to Image Position (Patient), from the
/// Grid Frame Offset Vector (relative offsets, or absolute z coordinates of axial frames).
fn frame_offsets(
    a: Attrs<'_>,
    nf: usize,
    ipp: &[f64],
    normal: [f64; 3],
) -> Result<Vec<f64>, DicomError> {
    let gfov = a.opt_f64s(
        tags::GRID_FRAME_OFFSET_VECTOR,
        "Grid Frame Offset Vector (3004,000C)",
    )?;
    match gfov {
        None if nf == 1 => Ok(vec![0.0]),
        None => Err(DicomError::MissingAttribute {
            file: a.path.to_path_buf(),
            attribute: "Grid Frame Offset Vector (3004,000C) (needed for a multi-frame dose)",
        }),
        Some(v) if v.len() < nf || (nf > 1 && v.len() != nf) => Err(a.invalid(
            "Grid Frame Offset Vector (3004,000C)",
            format!("{} values for {nf} frames", v.len()),
        )),
        Some(v) if v[0] == 0.0 => Ok(v[..nf].to_vec()),
        Some(v) => {
            // Absolute z coordinates: only for axial frames, the first equal to IPP z.
            if normal[2].abs() < 1.0 - 1e-4 {
                return Err(a.invalid(
                    "Grid Frame Offset Vector (3004,000C)",
                    format!(
                        "its first value {} is not 0, so the offsets are absolute z coordinates, \
                         which the standard allows only for axial frames; the frame normal is {normal:?}",
                        v[0]
                    ),
                ));
            }
            if (v[0] - ipp[2]).abs() > 0.01 {
                return Err(a.invalid(
                    "Grid Frame Offset Vector (3004,000C)",
                    format!(
                        "its first value {} is neither 0 (relative offsets) nor the z of Image \
                         Position (Patient) {} (absolute z coordinates)",
                        v[0], ipp[2]
                    ),
                ));
            }
            Ok(v[..nf].iter().map(|z| (z - ipp[2]) / normal[2]).collect())
        }
    }
}

/// The slice spacing of a single-frame dose: Slice Thickness, else the first gap of the Grid
/// Frame Offset Vector.
fn single_frame_thickness(a: Attrs<'_>) -> Result<f64, DicomError> {
    match a
        .opt_f64(tags::SLICE_THICKNESS, "Slice Thickness (0018,0050)")?
        .filter(|t| *t > 0.0)
    {
        Some(t) => Ok(t),
        None => match a.opt_f64s(
            tags::GRID_FRAME_OFFSET_VECTOR,
            "Grid Frame Offset Vector (3004,000C)",
        )? {
            Some(v) if v.len() >= 2 && (v[1] - v[0]).abs() > 0.0 => Ok((v[1] - v[0]).abs()),
            _ => Err(DicomError::MissingAttribute {
                file: a.path.to_path_buf(),
                attribute: "Slice Thickness (0018,0050) (needed for a single-frame dose)",
            }),
        },
    }
}

/// The frame spacing of a multi-frame dose from its offsets (`sorted`: in increasing order),
/// which must be distinct and uniform.
fn uniform_frame_spacing(a: Attrs<'_>, offsets: &[f64], sorted: &[f64]) -> Result<f64, DicomError> {
    let nf = sorted.len();
    let gaps: Vec<f64> = sorted.windows(2).map(|w| w[1] - w[0]).collect();
    let min_gap = gaps.iter().copied().fold(f64::INFINITY, f64::min);
    if min_gap < 0.01 {
        return Err(a.invalid(
            "Grid Frame Offset Vector (3004,000C)",
            format!("two frames at the same offset ({offsets:?})"),
        ));
    }
    let tol = (0.01 * min_gap).max(0.01);
    if let Some(g) = gaps.iter().find(|g| (**g - min_gap).abs() > tol) {
        return Err(a.invalid(
            "Grid Frame Offset Vector (3004,000C)",
            format!(
                "non-uniform frame spacing: a gap of {g} mm where the spacing is {min_gap} mm \
                 (non-uniform dose grids are not read)"
            ),
        ));
    }
    Ok((sorted[nf - 1] - sorted[0]) / (nf - 1) as f64)
}
