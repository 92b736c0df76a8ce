//! Single-frame image series (CT, MR, …) → `Image<f32>` on a grid in LPS.
//!
//! Slices are sorted along the slice normal n = row cosines × column cosines (the first and
//! second triplets of Image Orientation (Patient)); the grid origin is Image Position (Patient)
//! of the first slice after sorting (the centre of its first voxel), spacing is (column spacing
//! = Pixel Spacing\[1\] along i, row spacing = Pixel Spacing\[0\] along j, slice spacing along k)
//! and the direction columns are (row cosines, column cosines, n).
//!
//! Loading is done in two parallel passes (rayon): each file is read once into memory, checked
//! and parsed up to its Pixel Data, which stays in the file's bytes (native transfer syntaxes)
//! or is decoded (encapsulated ones); once the slices are checked and sorted, each slice's
//! stored values are rescaled straight into its place in the volume (timings against
//! SimpleITK and pydicom: README, Benchmarks; `benches/run_imaging_benches.sh`).

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use rayon::prelude::*;
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps, cross};

use crate::DicomError;
use crate::file::{Attrs, Extent, PixelBuffer, PixelFormat, open, rescale_frame};

/// Largest difference between direction cosines of two slices of one volume.
const ORIENTATION_TOLERANCE: f64 = 1e-4;

/// A loaded image series: the image and what identifies its slices.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSeries {
    /// Voxel values after Rescale Slope/Intercept (HU for CT), on the series' grid.
    pub image: Image<f32>,
    /// Modality (CT, MR, …).
    pub modality: String,
    /// Series Instance UID.
    pub series_instance_uid: String,
    /// Rescale Type (e.g. `HU`), when stated.
    pub rescale_type: Option<String>,
    /// The files in slice order (k = 0 first).
    pub files: Vec<PathBuf>,
    /// SOP Instance UIDs in slice order.
    pub sop_instance_uids: Vec<String>,
}

/// One slice read from its file (or one frame of a multi-frame object, whose `path` then names
/// the file and the frame).
pub(crate) struct Slice {
    pub path: PathBuf,
    pub series_uid: String,
    pub sop_instance_uid: String,
    pub modality: String,
    pub frame: String,
    pub rows: usize,
    pub columns: usize,
    pub row_cos: [f64; 3],
    pub col_cos: [f64; 3],
    pub position: [f64; 3],
    pub pixel_spacing: [f64; 2],
    pub thickness: Option<f64>,
    pub spacing_between: Option<f64>,
    pub rescale_type: Option<String>,
}

/// The pixel data of a slice until the volume is assembled: the file's bytes (native) or the
/// decoded frame, and how stored values become modality values.
pub(crate) struct SlicePixels {
    pub buffer: PixelBuffer,
    pub format: PixelFormat,
    pub slope: f64,
    pub intercept: f64,
}

impl SlicePixels {
    /// Writes the slice's modality values (stored value × slope + intercept) to `out`, which
    /// holds one frame.
    pub fn write(&self, out: &mut [f32]) {
        rescale_frame(
            self.buffer.as_slice(),
            &self.format,
            0,
            self.slope,
            self.intercept,
            out,
        );
    }
}

fn arr3(v: &[f64]) -> [f64; 3] {
    [v[0], v[1], v[2]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Reads one slice, its pixel data (checked to hold the frame, not yet converted) and what
/// `extra` takes from its attributes.
pub(crate) fn read_slice_with<X>(
    path: &Path,
    extra: impl Fn(Attrs<'_>) -> Result<X, DicomError>,
) -> Result<(Slice, SlicePixels, X), DicomError> {
    let mut f = open(path, Extent::All)?;
    let a: Attrs<'_> = f.attrs();
    let modality = a.opt_str(tags::MODALITY).unwrap_or_else(|| "OT".into());
    if matches!(
        modality.as_str(),
        "RTDOSE" | "RTSTRUCT" | "SEG" | "RTPLAN" | "RTRECORD" | "SR" | "REG"
    ) {
        let hint = if modality == "RTDOSE" {
            " (use load_rt_dose)"
        } else {
            ""
        };
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!("an object of modality {modality} is not an image slice{hint}"),
        });
    }
    let format = PixelFormat::read(a)?;
    if format.frames != 1 {
        let hint = match modality.as_str() {
            "NM" => "use load_nm_tomo for a reconstructed SPECT",
            _ => "use load_enhanced_image for an enhanced CT/MR",
        };
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!(
                "a {modality} object of {} frames where a single-frame slice was expected ({hint})",
                format.frames
            ),
        });
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
    if ps.iter().any(|&s| s <= 0.0) {
        return Err(DicomError::InvalidAttribute {
            file: path.to_path_buf(),
            attribute: "Pixel Spacing (0028,0030)",
            reason: format!("{ps:?}: spacings must be above 0 mm"),
        });
    }
    let slope = a
        .opt_f64(tags::RESCALE_SLOPE, "Rescale Slope (0028,1053)")?
        .unwrap_or(1.0);
    let intercept = a
        .opt_f64(tags::RESCALE_INTERCEPT, "Rescale Intercept (0028,1052)")?
        .unwrap_or(0.0);
    // Taken (and checked) here, before the remaining attributes, as when the values were
    // converted here: a file's errors come in the same order.
    let buffer = f.take_pixel_buffer(&format)?;
    let a: Attrs<'_> = f.attrs();
    let x = extra(a)?;
    let slice = Slice {
        path: path.to_path_buf(),
        series_uid: a.req_str(tags::SERIES_INSTANCE_UID, "Series Instance UID (0020,000E)")?,
        sop_instance_uid: a.opt_str(tags::SOP_INSTANCE_UID).unwrap_or_default(),
        modality,
        frame: a.req_str(
            tags::FRAME_OF_REFERENCE_UID,
            "Frame of Reference UID (0020,0052)",
        )?,
        rows: format.rows,
        columns: format.columns,
        row_cos: arr3(&iop[0..3]),
        col_cos: arr3(&iop[3..6]),
        position: arr3(&ipp),
        pixel_spacing: [ps[0], ps[1]],
        thickness: a
            .opt_f64(tags::SLICE_THICKNESS, "Slice Thickness (0018,0050)")?
            .filter(|t| *t > 0.0),
        spacing_between: a
            .opt_f64(
                tags::SPACING_BETWEEN_SLICES,
                "Spacing Between Slices (0018,0088)",
            )?
            .filter(|t| *t > 0.0),
        rescale_type: a.opt_str(tags::RESCALE_TYPE),
    };
    let pixels = SlicePixels {
        buffer,
        format,
        slope,
        intercept,
    };
    Ok((slice, pixels, x))
}

/// Checks that `s` belongs to the same volume as `first`.
pub(crate) fn check_consistent(first: &Slice, s: &Slice) -> Result<(), DicomError> {
    let differ = |what: String| DicomError::Inconsistent {
        file: s.path.clone(),
        first: first.path.clone(),
        what,
    };
    if s.series_uid != first.series_uid {
        return Err(differ(format!(
            "another series (Series Instance UID {} instead of {}): mixed series in one folder",
            s.series_uid, first.series_uid
        )));
    }
    if s.frame != first.frame {
        return Err(differ(format!(
            "another frame of reference ({} instead of {})",
            s.frame, first.frame
        )));
    }
    if s.rows != first.rows || s.columns != first.columns {
        return Err(differ(format!(
            "another size ({} rows × {} columns instead of {} × {})",
            s.rows, s.columns, first.rows, first.columns
        )));
    }
    let max_diff = (0..3)
        .map(|c| {
            (s.row_cos[c] - first.row_cos[c])
                .abs()
                .max((s.col_cos[c] - first.col_cos[c]).abs())
        })
        .fold(0.0, f64::max);
    if max_diff > ORIENTATION_TOLERANCE {
        return Err(differ(format!(
            "another orientation (Image Orientation (Patient) {:?} {:?} instead of {:?} {:?})",
            s.row_cos, s.col_cos, first.row_cos, first.col_cos
        )));
    }
    let ps_diff = (0..2)
        .map(|c| (s.pixel_spacing[c] - first.pixel_spacing[c]).abs())
        .fold(0.0, f64::max);
    if ps_diff > 1e-4 * first.pixel_spacing[0].max(first.pixel_spacing[1]) {
        return Err(differ(format!(
            "another pixel spacing ({:?} mm instead of {:?} mm)",
            s.pixel_spacing, first.pixel_spacing
        )));
    }
    if s.modality != first.modality {
        return Err(differ(format!(
            "another modality ({} instead of {})",
            s.modality, first.modality
        )));
    }
    Ok(())
}

/// Reads a series of single-frame slices (CT, MR, …) into an image in the series' units
/// (Rescale Slope/Intercept applied: HU for CT). See [`read_image_series`] for the checks.
pub fn load_image_series<P: AsRef<Path> + Sync>(files: &[P]) -> Result<Image<f32>, DicomError> {
    read_image_series(files).map(|s| s.image)
}

/// Reads a series of single-frame slices with its identifiers.
///
/// Refused with an error naming the file(s): slices of another series, frame of reference, size,
/// orientation, pixel spacing or modality than the first; two slices at one position (duplicate);
/// a gap of a whole number of spacings (missing slice) or any other non-uniform spacing (1 %
/// tolerance, at least 0.01 mm); positions not stacked along the slice normal (gantry tilt,
/// tolerance max(0.01 mm, 1 % of the pixel spacing)); multi-frame objects. A single slice is
/// allowed, with Slice Thickness (else Spacing Between Slices) as the spacing along k.
pub fn read_image_series<P: AsRef<Path> + Sync>(files: &[P]) -> Result<ImageSeries, DicomError> {
    read_series_with(files, |_| Ok(())).map(|(s, _)| s)
}

/// [`read_image_series`], with what `extra` takes from each file's attributes, in slice order.
pub(crate) fn read_series_with<P: AsRef<Path> + Sync, X: Send>(
    files: &[P],
    extra: impl Fn(Attrs<'_>) -> Result<X, DicomError> + Sync,
) -> Result<(ImageSeries, Vec<X>), DicomError> {
    if files.is_empty() {
        return Err(DicomError::NoFiles);
    }
    // Read in parallel; report the first failing file in the order given.
    let read: Vec<(Slice, SlicePixels, X)> = files
        .par_iter()
        .map(|p| read_slice_with(p.as_ref(), &extra))
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut slices = Vec::with_capacity(read.len());
    let mut pixels = Vec::with_capacity(read.len());
    let mut extras = Vec::with_capacity(read.len());
    for (s, p, x) in read {
        slices.push(s);
        pixels.push(p);
        extras.push(Some(x));
    }
    // Consistency against the file given first (before sorting), so that messages name it.
    if let Some((first, rest)) = slices.split_first() {
        for s in rest {
            check_consistent(first, s)?;
        }
    }
    let (grid, order) = stack(&slices)?;
    // Every slice has rows × columns samples (checked above): convert each into its place in
    // the volume, in parallel. The zeroed buffer comes from the allocator untouched, so its
    // pages are first written by the threads that convert.
    let frame_len = grid.dims[0] * grid.dims[1];
    let mut data = vec![0.0f32; grid.len()];
    data.par_chunks_mut(frame_len.max(1))
        .zip(order.par_iter())
        .for_each(|(out, &o)| {
            if let Some(p) = pixels.get(o) {
                p.write(out);
            }
        });
    drop(pixels);
    let mut files = Vec::with_capacity(order.len());
    let mut uids = Vec::with_capacity(order.len());
    let mut ordered_extras = Vec::with_capacity(order.len());
    let mut slots: Vec<Option<Slice>> = slices.into_iter().map(Some).collect();
    let mut modality = String::new();
    let mut series_instance_uid = String::new();
    let mut rescale_type = None;
    for (n, &o) in order.iter().enumerate() {
        let (Some(s), Some(x)) = (
            slots.get_mut(o).and_then(Option::take),
            extras.get_mut(o).and_then(Option::take),
        ) else {
            return Err(DicomError::NoFiles);
        };
        if n == 0 {
            modality = s.modality.clone();
            series_instance_uid = s.series_uid.clone();
            rescale_type = s.rescale_type.clone();
        }
        files.push(s.path);
        uids.push(s.sop_instance_uid);
        ordered_extras.push(x);
    }
    let Some(first_file) = files.first().cloned() else {
        return Err(DicomError::NoFiles);
    };
    let image = Image::new(grid, data).map_err(|source| DicomError::Geometry {
        file: first_file,
        source,
    })?;
    Ok((
        ImageSeries {
            image,
            modality,
            series_instance_uid,
            rescale_type,
            files,
            sop_instance_uids: uids,
        },
        ordered_extras,
    ))
}

/// The grid of consistent slices (checked with [`check_consistent`]) and the order of the slices
/// along it (indices into `slices`, k = 0 first): sorted along the slice normal; duplicates,
/// gaps, non-uniform spacing and gantry tilt refused.
/// The unit slice normal n = row × column of Image Orientation (Patient), or why the cosines
/// cannot give one (not orthogonal unit vectors).
pub(crate) fn slice_normal(row: [f64; 3], col: [f64; 3]) -> Result<[f64; 3], String> {
    let n = cross(row, col);
    let norm = dot(n, n).sqrt();
    if norm.is_nan() || norm <= 0.5 {
        return Err(format!(
            "row {row:?} and column {col:?} cosines are not orthogonal unit vectors"
        ));
    }
    Ok(n.map(|x| x / norm))
}

pub(crate) fn stack(slices: &[Slice]) -> Result<(Grid, Vec<usize>), DicomError> {
    let Some(first) = slices.first() else {
        return Err(DicomError::NoFiles);
    };
    let row = first.row_cos;
    let col = first.col_cos;
    let min_ps = first.pixel_spacing[0].min(first.pixel_spacing[1]);
    let normal = slice_normal(row, col).map_err(|reason| DicomError::InvalidAttribute {
        file: first.path.clone(),
        attribute: "Image Orientation (Patient) (0020,0037)",
        reason,
    })?;
    let along = |s: &Slice| dot(normal, s.position);
    let mut order: Vec<usize> = (0..slices.len()).collect();
    order.sort_by(|&a, &b| along(&slices[a]).total_cmp(&along(&slices[b])));
    let sorted: Vec<&Slice> = order.iter().map(|&o| &slices[o]).collect();

    // Gantry tilt: every position minus its component along n must be the same point.
    let inplane = |s: &Slice| {
        let d = along(s);
        [0, 1, 2].map(|c| s.position[c] - d * normal[c])
    };
    let p0 = inplane(sorted[0]);
    let tilt_tol = (0.01 * min_ps).max(0.01);
    for s in &sorted[1..] {
        let p = inplane(s);
        let shift =
            ((p[0] - p0[0]).powi(2) + (p[1] - p0[1]).powi(2) + (p[2] - p0[2]).powi(2)).sqrt();
        if shift > tilt_tol {
            return Err(DicomError::GantryTilt {
                file: s.path.clone(),
                first: sorted[0].path.clone(),
                shift_mm: shift,
            });
        }
    }
    let positions: Vec<f64> = sorted.iter().map(|s| along(s)).collect();
    let gaps: Vec<f64> = positions.windows(2).map(|w| w[1] - w[0]).collect();
    for (n, &g) in gaps.iter().enumerate() {
        if g < 0.01 {
            return Err(DicomError::DuplicateSlice {
                first: sorted[n].path.clone(),
                second: sorted[n + 1].path.clone(),
                position_mm: positions[n],
            });
        }
    }
    let spacing_k = if sorted.len() == 1 {
        let s = sorted[0];
        s.thickness
            .or(s.spacing_between)
            .ok_or_else(|| DicomError::MissingAttribute {
                file: s.path.clone(),
                attribute: "Slice Thickness (0018,0050) (needed for a single-slice series)",
            })?
    } else {
        let min_gap = gaps.iter().copied().fold(f64::INFINITY, f64::min);
        let tol = (0.01 * min_gap).max(0.01);
        for (n, &g) in gaps.iter().enumerate() {
            if (g - min_gap).abs() <= tol {
                continue;
            }
            let ratio = g / min_gap;
            let whole = ratio.round();
            if whole >= 2.0 && (g - whole * min_gap).abs() <= tol * whole {
                return Err(DicomError::MissingSlice {
                    before: sorted[n].path.clone(),
                    after: sorted[n + 1].path.clone(),
                    gap_mm: g,
                    spacing_mm: min_gap,
                    missing: whole as usize - 1,
                });
            }
            return Err(DicomError::NonUniformSpacing {
                before: sorted[n].path.clone(),
                after: sorted[n + 1].path.clone(),
                gap_mm: g,
                spacing_mm: min_gap,
            });
        }
        (positions[positions.len() - 1] - positions[0]) / (positions.len() - 1) as f64
    };
    let s0 = sorted[0];
    let grid = Grid::new(
        [s0.columns, s0.rows, sorted.len()],
        [s0.pixel_spacing[1], s0.pixel_spacing[0], spacing_k],
        PointLps::new(s0.position[0], s0.position[1], s0.position[2]),
        [row, col, normal],
        FrameOfReference(s0.frame.clone()),
    )
    .map_err(|source| DicomError::Geometry {
        file: s0.path.clone(),
        source,
    })?;
    Ok((grid, order))
}
