//! NM multi-frame reconstructed SPECT (Image Type value 3 `RECON TOMO`) → `Image<f32>`.
//!
//! Geometry (PS3.3 C.8.4.11, C.8.4.15): Image Position (Patient) and Image Orientation
//! (Patient) of the first slice are in the (first) item of the Detector Information Sequence
//! (0054,0022); slice s (1-based, the value of the Slice Vector (0054,0080) of a frame) lies at
//! IPP + (s − 1) · Spacing Between Slices · n, n = row cosines × column cosines. A negative
//! Spacing Between Slices stacks the slices against n. The grid's k axis always runs along +n
//! (right-handed), so with a negative spacing the last slice comes first. Frames are ordered by
//! the Frame Increment Pointer (0028,0009): for RECON TOMO it points to the Slice Vector; other
//! indexing vectors (energy window, R-R interval, time slot) must hold a single value each
//! (several energy windows or gates are refused, naming the vector).
//!
//! Values: stored values × slope + intercept per frame ([`ValueScaling`]: Rescale when stated,
//! else Real World Value Mapping, else the stored counts).

use std::path::{Path, PathBuf};

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};

use crate::DicomError;
use crate::datetime::{ACQUISITION, DicomDateTime, SERIES, read_datetime, timezone_offset};
use crate::file::{Attrs, Extent, PixelFormat, open, stored_values};
use crate::frames::{Groups, ValueScaling, frame_scaling, tag_list, uints};
use crate::isotope::{Radiopharmaceutical, read_radiopharmaceuticals};

/// An energy window of the acquisition (Energy Window Information Sequence item).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnergyWindow {
    /// Energy Window Name (0054,0018), when stated.
    pub name: Option<String>,
    /// (lower, upper) limits, keV (Energy Window Range Sequence).
    pub ranges_kev: Vec<(f64, f64)>,
}

/// A reconstructed SPECT volume and what the object says about its acquisition.
#[derive(Debug, Clone, PartialEq)]
pub struct NmVolume {
    /// The file.
    pub file: PathBuf,
    /// Values (counts, or what [`NmVolume::scaling`] says) on the volume's grid.
    pub image: Image<f32>,
    /// How stored values were scaled.
    pub scaling: ValueScaling,
    /// Image Type (0008,0008) values.
    pub image_type: Vec<String>,
    /// Series Instance UID.
    pub series_instance_uid: String,
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// The frame (0-based, in file order) at each slice k of the grid.
    pub frame_order: Vec<usize>,
    /// Acquisition start: Acquisition DateTime (0008,002A), else Acquisition Date + Time.
    pub acquisition_start: Option<DicomDateTime>,
    /// Series Date + Series Time.
    pub series_start: Option<DicomDateTime>,
    /// Actual Frame Duration (0018,1242), ms: at the top level, else that of the first item of
    /// the Rotation Information Sequence (the time per projection of a TOMO acquisition).
    pub actual_frame_duration_ms: Option<f64>,
    /// Projections over all rotations (Number of Frames in Rotation, 0054,0053), when stated.
    pub projections: Option<u32>,
    /// Σ projections × Actual Frame Duration over the rotations, s, when all are stated.
    pub acquisition_duration_s: Option<f64>,
    /// Radiopharmaceuticals (Total Dose converted from MBq to Bq).
    pub radiopharmaceuticals: Vec<Radiopharmaceutical>,
    /// Energy windows.
    pub energy_windows: Vec<EnergyWindow>,
    /// Corrected Image (0028,0051) values (e.g. `ATTN`, `SCAT`, `DECY`).
    pub corrected: Vec<String>,
    /// Patient's Weight (0010,1030), kg.
    pub patient_weight_kg: Option<f64>,
    /// What was read but deserves attention (each names the attribute).
    pub warnings: Vec<String>,
}

/// Frame indexing vectors that may accompany the Slice Vector, with a name for messages.
const OTHER_VECTORS: [(Tag, &str); 8] = [
    (
        tags::ENERGY_WINDOW_VECTOR,
        "Energy Window Vector (0054,0010)",
    ),
    (tags::DETECTOR_VECTOR, "Detector Vector (0054,0020)"),
    (tags::PHASE_VECTOR, "Phase Vector (0054,0030)"),
    (tags::ROTATION_VECTOR, "Rotation Vector (0054,0050)"),
    (tags::RR_INTERVAL_VECTOR, "R-R Interval Vector (0054,0060)"),
    (tags::TIME_SLOT_VECTOR, "Time Slot Vector (0054,0070)"),
    (tags::ANGULAR_VIEW_VECTOR, "Angular View Vector (0054,0090)"),
    (tags::TIME_SLICE_VECTOR, "Time Slice Vector (0054,0100)"),
];

fn arr3(v: &[f64]) -> [f64; 3] {
    [v[0], v[1], v[2]]
}

/// Image Position and Orientation (Patient) of the first slice: from the Detector Information
/// Sequence (every item must agree), else from the top level with a warning.
fn plane(a: Attrs<'_>, warnings: &mut Vec<String>) -> Result<([f64; 3], [f64; 6]), DicomError> {
    let path = a.path;
    let items = a.items(tags::DETECTOR_INFORMATION_SEQUENCE);
    let mut found: Option<([f64; 3], [f64; 6])> = None;
    for (n, item) in items.iter().enumerate() {
        let d = Attrs::new(item, path);
        let ipp = d.opt_f64s(
            tags::IMAGE_POSITION_PATIENT,
            "Image Position (Patient) (0020,0032) in the Detector Information Sequence",
        )?;
        let iop = d.opt_f64s(
            tags::IMAGE_ORIENTATION_PATIENT,
            "Image Orientation (Patient) (0020,0037) in the Detector Information Sequence",
        )?;
        let (Some(ipp), Some(iop)) = (ipp, iop) else {
            continue;
        };
        if ipp.len() != 3 || iop.len() != 6 {
            return Err(DicomError::InvalidAttribute {
                file: path.to_path_buf(),
                attribute: "Image Position/Orientation (Patient) in the Detector Information Sequence (0054,0022)",
                reason: format!(
                    "item {}: {} and {} values where 3 and 6 are needed",
                    n + 1,
                    ipp.len(),
                    iop.len()
                ),
            });
        }
        let this = (arr3(&ipp), [iop[0], iop[1], iop[2], iop[3], iop[4], iop[5]]);
        match &found {
            None => found = Some(this),
            Some(first) => {
                let diff = (0..3)
                    .map(|c| (first.0[c] - this.0[c]).abs())
                    .chain((0..6).map(|c| 1000.0 * (first.1[c] - this.1[c]).abs()))
                    .fold(0.0, f64::max);
                if diff > 0.1 {
                    return Err(DicomError::InvalidAttribute {
                        file: path.to_path_buf(),
                        attribute: "Detector Information Sequence (0054,0022)",
                        reason: format!(
                            "items 1 and {} give different image planes ({:?} {:?} and {:?} {:?})",
                            n + 1,
                            first.0,
                            first.1,
                            this.0,
                            this.1
                        ),
                    });
                }
            }
        }
    }
    if let Some(p) = found {
        return Ok(p);
    }
    // Not where the standard puts them; some writers use the top level.
    let ipp = a.opt_f64s(
        tags::IMAGE_POSITION_PATIENT,
        "Image Position (Patient) (0020,0032)",
    )?;
    let iop = a.opt_f64s(
        tags::IMAGE_ORIENTATION_PATIENT,
        "Image Orientation (Patient) (0020,0037)",
    )?;
    match (ipp, iop) {
        (Some(ipp), Some(iop)) if ipp.len() == 3 && iop.len() == 6 => {
            warnings.push(
                "Image Position/Orientation (Patient) read from the top level of the data set: \
                 the Detector Information Sequence (0054,0022) has none"
                    .into(),
            );
            Ok((arr3(&ipp), [iop[0], iop[1], iop[2], iop[3], iop[4], iop[5]]))
        }
        _ => Err(DicomError::MissingAttribute {
            file: path.to_path_buf(),
            attribute: if items.is_empty() {
                "Detector Information Sequence (0054,0022) (it gives Image Position and \
                 Orientation (Patient) of a reconstructed SPECT)"
            } else {
                "Image Position (Patient) (0020,0032) / Image Orientation (Patient) (0020,0037) \
                 in the Detector Information Sequence (0054,0022)"
            },
        }),
    }
}

/// The slice number (1-based) of each frame, and the number of slices.
fn slice_numbers(
    a: Attrs<'_>,
    frames: usize,
    warnings: &mut Vec<String>,
) -> Result<(Vec<u32>, usize), DicomError> {
    let pointer = tag_list(
        a,
        tags::FRAME_INCREMENT_POINTER,
        "Frame Increment Pointer (0028,0009)",
    )?;
    let slices: Vec<u32> = match &pointer {
        None => {
            warnings.push(format!(
                "no Frame Increment Pointer (0028,0009): the {frames} frames are taken as slices \
                 1 … {frames} in file order"
            ));
            (1..=frames as u32).collect()
        }
        Some(p) => slice_vector(a, p, frames)?,
    };
    let n = match a.opt_u32(tags::NUMBER_OF_SLICES, "Number of Slices (0054,0081)")? {
        Some(n) => {
            if n as usize != frames {
                return Err(a.invalid(
                    "Number of Slices (0054,0081)",
                    format!("{n} slices for {frames} frames (Number of Frames (0028,0008))"),
                ));
            }
            n as usize
        }
        None => frames,
    };
    check_each_slice_once(a, &slices, n)?;
    Ok((slices, n))
}

/// The Slice Vector, one value per frame, named by the Frame Increment Pointer `pointer`;
/// the other indexing vectors it names must hold a single value.
fn slice_vector(a: Attrs<'_>, pointer: &[Tag], frames: usize) -> Result<Vec<u32>, DicomError> {
    let path = a.path;
    if !pointer.contains(&tags::SLICE_VECTOR) {
        let names: Vec<String> = pointer
            .iter()
            .map(|t| format!("({:04X},{:04X})", t.group(), t.element()))
            .collect();
        return Err(a.invalid(
            "Frame Increment Pointer (0028,0009)",
            format!(
                "{} does not include the Slice Vector (0054,0080): not a reconstructed \
                 volume",
                names.join("\\")
            ),
        ));
    }
    for t in pointer {
        if *t != tags::SLICE_VECTOR {
            check_single_valued_vector(a, *t, frames)?;
        }
    }
    let v = uints(a, tags::SLICE_VECTOR, "Slice Vector (0054,0080)")?.ok_or(
        DicomError::MissingAttribute {
            file: path.to_path_buf(),
            attribute: "Slice Vector (0054,0080) (named by the Frame Increment Pointer)",
        },
    )?;
    if v.len() != frames {
        return Err(a.invalid(
            "Slice Vector (0054,0080)",
            format!(
                "{} values for {frames} frames (Number of Frames (0028,0008))",
                v.len()
            ),
        ));
    }
    Ok(v)
}

/// Refuses an indexing vector `t` (named by the Frame Increment Pointer) that is not an NM
/// one, is absent, has not one value per frame or has several distinct values.
fn check_single_valued_vector(a: Attrs<'_>, t: Tag, frames: usize) -> Result<(), DicomError> {
    let path = a.path;
    let Some(&(_, name)) = OTHER_VECTORS.iter().find(|(tag, _)| *tag == t) else {
        return Err(a.invalid(
            "Frame Increment Pointer (0028,0009)",
            format!(
                "points to ({:04X},{:04X}), which is not an NM frame indexing vector",
                t.group(),
                t.element()
            ),
        ));
    };
    let v = uints(a, t, name)?.ok_or(DicomError::MissingAttribute {
        file: path.to_path_buf(),
        attribute: "an indexing vector named by the Frame Increment Pointer (0028,0009)",
    })?;
    if v.len() != frames {
        return Err(a.invalid(
            "Frame Increment Pointer (0028,0009)",
            format!("{name} has {} values for {frames} frames", v.len()),
        ));
    }
    let mut distinct = v.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() > 1 {
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!(
                "{} distinct values in {name} (several energy windows, gates or \
                 time slots in one object); only single volumes are read",
                distinct.len()
            ),
        });
    }
    Ok(())
}

/// Refuses a slice number outside 1 … `n` or met twice.
fn check_each_slice_once(a: Attrs<'_>, slices: &[u32], n: usize) -> Result<(), DicomError> {
    let mut seen = vec![false; n];
    for (f, &s) in slices.iter().enumerate() {
        let Some(slot) = (s as usize).checked_sub(1).and_then(|i| seen.get_mut(i)) else {
            return Err(a.invalid(
                "Slice Vector (0054,0080)",
                format!("frame {} is slice {s}, outside 1 … {n}", f + 1),
            ));
        };
        if *slot {
            return Err(a.invalid(
                "Slice Vector (0054,0080)",
                format!("slice {s} appears twice (frame {})", f + 1),
            ));
        }
        *slot = true;
    }
    Ok(())
}

fn energy_windows(a: Attrs<'_>) -> Result<Vec<EnergyWindow>, DicomError> {
    let mut out = Vec::new();
    for item in a.items(tags::ENERGY_WINDOW_INFORMATION_SEQUENCE) {
        let w = Attrs::new(item, a.path);
        let mut ranges = Vec::new();
        for r in w.items(tags::ENERGY_WINDOW_RANGE_SEQUENCE) {
            let r = Attrs::new(r, a.path);
            let lo = r.opt_f64(
                tags::ENERGY_WINDOW_LOWER_LIMIT,
                "Energy Window Lower Limit (0054,0014)",
            )?;
            let hi = r.opt_f64(
                tags::ENERGY_WINDOW_UPPER_LIMIT,
                "Energy Window Upper Limit (0054,0015)",
            )?;
            if let (Some(lo), Some(hi)) = (lo, hi) {
                ranges.push((lo, hi));
            }
        }
        out.push(EnergyWindow {
            name: w.opt_str(tags::ENERGY_WINDOW_NAME),
            ranges_kev: ranges,
        });
    }
    Ok(out)
}

/// Multi-valued CS as trimmed strings.
pub(crate) fn cs_values(a: Attrs<'_>, tag: Tag) -> Vec<String> {
    a.opt_str(tag)
        .map(|s| {
            s.split('\\')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a reconstructed SPECT (NM Image, Image Type value 3 `RECON TOMO`, or `RECON GATED
/// TOMO` with one gate) into a volume; see the module documentation for geometry and scaling.
///
/// Refused with an error naming the file: another modality; projections or planar images;
/// no Detector Information Sequence (nor top-level) image plane; Slice Vector or Number of
/// Slices inconsistent with Number of Frames; a slice number twice or outside 1 … N; several
/// energy windows or gates; no Spacing Between Slices nor Slice Thickness for several slices;
/// pixel data shorter than the frames; an invalid geometry.
pub fn load_nm_tomo(file: impl AsRef<Path>) -> Result<NmVolume, DicomError> {
    let path = file.as_ref();
    let f = open(path, Extent::All)?;
    let a = f.attrs();
    let mut warnings = Vec::new();
    let image_type = recon_tomo_image_type(a)?;
    let format = PixelFormat::read(a)?;
    if format.bits_allocated == 1 {
        return Err(a.invalid(
            "Bits Allocated (0028,0100)",
            "1 (an NM image has 8, 16 or 32)",
        ));
    }
    let frames = format.frames;
    // Pixel data first: it bounds Number of Frames before anything is allocated per frame.
    let bytes = f.pixel_bytes(&format)?;
    let (ipp, iop) = plane(a, &mut warnings)?;
    let (slice_of_frame, n_slices) = slice_numbers(a, frames, &mut warnings)?;
    let ps = a.req_f64s(tags::PIXEL_SPACING, "Pixel Spacing (0028,0030)", 2)?;
    if ps.iter().any(|&s| s <= 0.0) {
        return Err(a.invalid(
            "Pixel Spacing (0028,0030)",
            format!("{ps:?}: spacings must be above 0 mm"),
        ));
    }
    let frame_uid = a.req_str(
        tags::FRAME_OF_REFERENCE_UID,
        "Frame of Reference UID (0020,0052)",
    )?;
    let spacing = slice_spacing(a, &mut warnings)?;
    let grid = volume_grid(
        a,
        [format.columns, format.rows, n_slices],
        [ps[1], ps[0], spacing],
        ipp,
        iop,
        frame_uid,
    )?;
    // k along +n: slice s (1-based) goes to k = s − 1 with a positive spacing, N − s otherwise.
    let mut frame_order = vec![0usize; n_slices];
    for (fr, &s) in slice_of_frame.iter().enumerate() {
        let k = if spacing > 0.0 {
            s as usize - 1
        } else {
            n_slices - s as usize
        };
        frame_order[k] = fr;
    }
    let groups = Groups::read(a, frames)?;
    let (scale, scaling) = frame_scaling(&groups, frames)?;
    if matches!(scaling, ValueScaling::Rescale { .. })
        && !a.items(tags::REAL_WORLD_VALUE_MAPPING_SEQUENCE).is_empty()
    {
        warnings.push(
            "Real World Value Mapping Sequence (0040,9096) present but not applied: values are \
             Rescale Slope/Intercept applied to the stored values"
                .into(),
        );
    }
    let per_frame = format.frame_len();
    let mut raw = Vec::with_capacity(per_frame);
    let mut data = Vec::with_capacity(grid.len());
    for &fr in &frame_order {
        raw.clear();
        stored_values(&bytes, &format, fr * per_frame, per_frame, &mut raw);
        let (m, b) = scale[fr];
        data.extend(raw.iter().map(|&v| (v as f64 * m + b) as f32));
    }
    let image = Image::new(grid, data).map_err(|source| DicomError::Geometry {
        file: path.to_path_buf(),
        source,
    })?;

    let tz = timezone_offset(a)?;
    let acquisition_start = read_datetime(a, &ACQUISITION, tz)?;
    let series_start = read_datetime(a, &SERIES, tz)?;
    let reference = acquisition_start.or(series_start);
    let radiopharmaceuticals = read_radiopharmaceuticals(a, 1e6, tz, reference.as_ref())?;
    let rotations = Rotations::read(a)?;
    let actual_frame_duration_ms = frame_duration_ms(a)?.or(rotations.first_duration_ms);
    Ok(NmVolume {
        file: path.to_path_buf(),
        image,
        scaling,
        image_type,
        series_instance_uid: a
            .req_str(tags::SERIES_INSTANCE_UID, "Series Instance UID (0020,000E)")?,
        sop_instance_uid: a.opt_str(tags::SOP_INSTANCE_UID).unwrap_or_default(),
        frame_order,
        acquisition_start,
        series_start,
        actual_frame_duration_ms,
        projections: rotations.projections,
        acquisition_duration_s: rotations.total_ms.map(|t| t / 1000.0),
        radiopharmaceuticals,
        energy_windows: energy_windows(a)?,
        corrected: cs_values(a, tags::CORRECTED_IMAGE),
        patient_weight_kg: a.opt_f64(tags::PATIENT_WEIGHT, "Patient's Weight (0010,1030)")?,
        warnings,
    })
}

/// The Image Type values of a reconstructed NM volume; refuses another modality, and
/// projections or planar images (Image Type value 3 other than RECON TOMO or RECON GATED
/// TOMO, or none).
fn recon_tomo_image_type(a: Attrs<'_>) -> Result<Vec<String>, DicomError> {
    let path = a.path;
    let modality = a.req_str(tags::MODALITY, "Modality (0008,0060)")?;
    if modality != "NM" {
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!(
                "modality \"{modality}\" where a nuclear medicine image (NM) was expected"
            ),
        });
    }
    let image_type = cs_values(a, tags::IMAGE_TYPE);
    let kind = image_type.get(2).map(String::as_str);
    match kind {
        Some("RECON TOMO" | "RECON GATED TOMO") => Ok(image_type),
        Some(other) => Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!(
                "NM image of type {other} (Image Type (0008,0008) value 3); only \
                 reconstructed volumes (RECON TOMO) are read, not projections or planar \
                 images"
            ),
        }),
        None => Err(DicomError::MissingAttribute {
            file: path.to_path_buf(),
            attribute: "Image Type (0008,0008) value 3 (RECON TOMO for a reconstructed SPECT)",
        }),
    }
}

/// The signed spacing between slices: Spacing Between Slices (not 0), else Slice Thickness
/// with a warning.
fn slice_spacing(a: Attrs<'_>, warnings: &mut Vec<String>) -> Result<f64, DicomError> {
    match a.opt_f64(
        tags::SPACING_BETWEEN_SLICES,
        "Spacing Between Slices (0018,0088)",
    )? {
        Some(0.0) => Err(a.invalid("Spacing Between Slices (0018,0088)", "0 mm between slices")),
        Some(s) => Ok(s),
        None => {
            match a
                .opt_f64(tags::SLICE_THICKNESS, "Slice Thickness (0018,0050)")?
                .filter(|t| *t > 0.0)
            {
                Some(t) => {
                    warnings.push(format!(
                        "Spacing Between Slices (0018,0088) is empty: Slice Thickness {t} mm \
                         used as the slice spacing"
                    ));
                    Ok(t)
                }
                None => Err(DicomError::MissingAttribute {
                    file: a.path.to_path_buf(),
                    attribute: "Spacing Between Slices (0018,0088) (nor Slice Thickness)",
                }),
            }
        }
    }
}

/// The volume's grid, k along +n (row × column cosines): with a negative spacing (the last
/// element of `spacing`, signed) the last slice is the first.
fn volume_grid(
    a: Attrs<'_>,
    dims: [usize; 3],
    spacing: [f64; 3],
    ipp: [f64; 3],
    iop: [f64; 6],
    frame_uid: String,
) -> Result<Grid, DicomError> {
    let row = [iop[0], iop[1], iop[2]];
    let col = [iop[3], iop[4], iop[5]];
    let normal = crate::series::slice_normal(row, col).map_err(|reason| {
        a.invalid(
            "Image Orientation (Patient) (0020,0037) in the Detector Information Sequence",
            reason,
        )
    })?;
    let [_, _, n_slices] = dims;
    let [_, _, dk] = spacing;
    let first_offset = if dk > 0.0 {
        0.0
    } else {
        (n_slices as f64 - 1.0) * dk
    };
    let origin = PointLps::new(
        ipp[0] + first_offset * normal[0],
        ipp[1] + first_offset * normal[1],
        ipp[2] + first_offset * normal[2],
    );
    Grid::new(
        dims,
        [spacing[0], spacing[1], dk.abs()],
        origin,
        [row, col, normal],
        FrameOfReference(frame_uid),
    )
    .map_err(|source| DicomError::Geometry {
        file: a.path.to_path_buf(),
        source,
    })
}

/// Actual Frame Duration (0018,1242) of a data set or item, ms.
fn frame_duration_ms(d: Attrs<'_>) -> Result<Option<f64>, DicomError> {
    d.opt_f64(
        tags::ACTUAL_FRAME_DURATION,
        "Actual Frame Duration (0018,1242)",
    )
}

/// What the Rotation Information Sequence says about the acquisition.
struct Rotations {
    /// Σ Number of Frames in Rotation, when any is stated.
    projections: Option<u32>,
    /// Σ projections × Actual Frame Duration, ms, when every rotation states both.
    total_ms: Option<f64>,
    /// The first Actual Frame Duration stated, ms.
    first_duration_ms: Option<f64>,
}

impl Rotations {
    fn read(a: Attrs<'_>) -> Result<Self, DicomError> {
        let rotations = a.items(tags::ROTATION_INFORMATION_SEQUENCE);
        let mut projections: Option<u32> = None;
        let mut total_ms: Option<f64> = Some(0.0);
        let mut first_duration = None;
        for item in rotations {
            let r = Attrs::new(item, a.path);
            let nf = r.opt_u32(
                tags::NUMBER_OF_FRAMES_IN_ROTATION,
                "Number of Frames in Rotation (0054,0053)",
            )?;
            let d = frame_duration_ms(r)?;
            if first_duration.is_none() {
                first_duration = d;
            }
            if let Some(nf) = nf {
                projections = Some(projections.unwrap_or(0).saturating_add(nf));
            }
            total_ms = match (total_ms, nf, d) {
                (Some(t), Some(nf), Some(d)) => Some(t + f64::from(nf) * d),
                _ => None,
            };
        }
        if rotations.is_empty() {
            total_ms = None;
        }
        Ok(Self {
            projections,
            total_ms,
            first_duration_ms: first_duration,
        })
    }
}
