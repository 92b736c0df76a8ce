//! DICOM Segmentation (SEG, binary and fractional) → masks on a grid.
//!
//! Each frame of a SEG holds one segment on one plane (Per-Frame Functional Groups: Segment
//! Identification, Plane Position; Shared or Per-Frame: Plane Orientation, Pixel Measures). A
//! frame is placed on a grid whose i and j axes have the frame's orientation and pixel spacing,
//! at the grid slice and offset its Image Position (Patient) falls on (within 0.01 mm): the SEG is
//! read on the grid of the image it was drawn on (e.g. the CT series it references). Binary
//! pixels (1 bit, packed across frames) give 0 or 1; fractional pixels (8 bit) give
//! value / Maximum Fractional Value.

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use sirt_geometry::{FractionalMask, FrameOfReference, Grid, Mask, PointLps};

use crate::DicomError;
use crate::file::{Attrs, Extent, PixelFormat, open, stored_values};

/// Binary or fractional segmentation (Segmentation Type, 0062,0001).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum SegmentationType {
    /// 1-bit pixels: in or out.
    Binary,
    /// 8-bit pixels: fraction = value / `max`.
    Fractional {
        /// Maximum Fractional Value (0062,000E).
        max: u32,
        /// PROBABILITY or OCCUPANCY (Segmentation Fractional Type, 0062,0010).
        kind: String,
    },
}

/// A segment of a SEG (Segment Sequence item).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Segment {
    /// Segment Number (0062,0004).
    pub number: u32,
    /// Segment Label (0062,0005).
    pub label: String,
    /// Segment Description (0062,0006), when present.
    pub description: Option<String>,
    /// Segment Algorithm Type (0062,0008): AUTOMATIC, SEMIAUTOMATIC, MANUAL.
    pub algorithm_type: Option<String>,
}

/// One frame: a segment on a plane.
#[derive(Debug, Clone, PartialEq)]
struct SegFrame {
    segment: u32,
    position: PointLps,
    row_cos: [f64; 3],
    col_cos: [f64; 3],
    pixel_spacing: [f64; 2],
    /// Stored values (0/1 for binary, 0 … max for fractional), row by row.
    values: Vec<u8>,
}

/// A DICOM Segmentation read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// The file.
    pub file: PathBuf,
    /// Binary or fractional.
    pub segmentation_type: SegmentationType,
    /// Segments in the order of the Segment Sequence.
    pub segments: Vec<Segment>,
    /// Frame of Reference UID.
    pub frame: FrameOfReference,
    /// Rows of each frame.
    pub rows: usize,
    /// Columns of each frame.
    pub columns: usize,
    /// Series Instance UID of the images it references (Referenced Series Sequence), if stated.
    pub referenced_series_uid: Option<String>,
    frames: Vec<SegFrame>,
}

fn arr3(v: &[f64]) -> [f64; 3] {
    [v[0], v[1], v[2]]
}

/// An attribute read from a per-frame group item, else from the shared group: the first item of
/// `seq` in either.
fn group_item<'a>(
    per_frame: Option<Attrs<'a>>,
    shared: Option<Attrs<'a>>,
    seq: dicom_core::Tag,
) -> Option<Attrs<'a>> {
    [per_frame, shared]
        .into_iter()
        .flatten()
        .find_map(|g| g.items(seq).first().map(|item| Attrs::new(item, g.path)))
}

/// Reads a DICOM Segmentation: segments, frames and their pixels.
pub fn read_seg(file: impl AsRef<Path>) -> Result<Segmentation, DicomError> {
    let path = file.as_ref();
    let f = open(path, Extent::All)?;
    let a = f.attrs();
    let modality = a.req_str(tags::MODALITY, "Modality (0008,0060)")?;
    if modality != "SEG" {
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!("modality \"{modality}\" where a Segmentation (SEG) was expected"),
        });
    }
    let format = PixelFormat::read(a)?;
    let segmentation_type = segmentation_type(a, &format)?;
    let transfer_syntax = f.obj.meta().transfer_syntax();
    if format.bits_allocated == 1
        && !matches!(
            transfer_syntax.trim_end_matches('\0'),
            "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1" | "1.2.840.10008.1.2.1.99"
        )
    {
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!("a BINARY segmentation in compressed transfer syntax {transfer_syntax}"),
        });
    }
    let segments = read_segments(a)?;
    let frame = a.req_str(
        tags::FRAME_OF_REFERENCE_UID,
        "Frame of Reference UID (0020,0052)",
    )?;
    let shared = a
        .items(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)
        .first()
        .map(|s| Attrs::new(s, path));
    let per_frame = a.items(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    if per_frame.len() != format.frames {
        return Err(a.invalid(
            "Per-Frame Functional Groups Sequence (5200,9230)",
            format!("{} items for {} frames", per_frame.len(), format.frames),
        ));
    }
    let bytes = f.pixel_bytes(&format)?;
    let n = format.frame_len();
    let mut raw = Vec::with_capacity(n);
    let mut frames = Vec::with_capacity(format.frames);
    for (fi, item) in per_frame.iter().enumerate() {
        let mut frame = seg_frame(Attrs::new(item, path), shared, fi, &segments)?;
        raw.clear();
        stored_values(&bytes, &format, fi * n, n, &mut raw);
        frame.values = raw.iter().map(|&v| v.clamp(0, 255) as u8).collect();
        frames.push(frame);
    }
    let referenced_series_uid = a
        .items(tags::REFERENCED_SERIES_SEQUENCE)
        .first()
        .and_then(|s| Attrs::new(s, path).opt_str(tags::SERIES_INSTANCE_UID));
    Ok(Segmentation {
        file: path.to_path_buf(),
        segmentation_type,
        segments,
        frame: FrameOfReference(frame),
        rows: format.rows,
        columns: format.columns,
        referenced_series_uid,
        frames,
    })
}

/// Segmentation Type (0062,0001) and, for FRACTIONAL, its maximum and kind; the bits allocated
/// must match (1 for BINARY, 8 for FRACTIONAL).
fn segmentation_type(a: Attrs<'_>, format: &PixelFormat) -> Result<SegmentationType, DicomError> {
    let seg_type = a.req_str(tags::SEGMENTATION_TYPE, "Segmentation Type (0062,0001)")?;
    match seg_type.as_str() {
        "BINARY" => {
            if format.bits_allocated != 1 {
                return Err(a.invalid(
                    "Bits Allocated (0028,0100)",
                    format!(
                        "{} for a BINARY segmentation (must be 1)",
                        format.bits_allocated
                    ),
                ));
            }
            Ok(SegmentationType::Binary)
        }
        "FRACTIONAL" => {
            if format.bits_allocated != 8 {
                return Err(a.invalid(
                    "Bits Allocated (0028,0100)",
                    format!(
                        "{} for a FRACTIONAL segmentation (must be 8)",
                        format.bits_allocated
                    ),
                ));
            }
            let max = a.req_u32(
                tags::MAXIMUM_FRACTIONAL_VALUE,
                "Maximum Fractional Value (0062,000E)",
            )?;
            if max == 0 || max > 255 {
                return Err(a.invalid(
                    "Maximum Fractional Value (0062,000E)",
                    format!("{max} (must be 1 … 255)"),
                ));
            }
            Ok(SegmentationType::Fractional {
                max,
                kind: a
                    .opt_str(tags::SEGMENTATION_FRACTIONAL_TYPE)
                    .unwrap_or_else(|| "PROBABILITY".into()),
            })
        }
        other => Err(DicomError::Unsupported {
            file: a.path.to_path_buf(),
            what: format!("Segmentation Type {other} (BINARY and FRACTIONAL are read)"),
        }),
    }
}

/// The Segment Sequence (0062,0002), which must have an item.
fn read_segments(a: Attrs<'_>) -> Result<Vec<Segment>, DicomError> {
    let mut segments = Vec::new();
    for item in a.items(tags::SEGMENT_SEQUENCE) {
        let s = Attrs::new(item, a.path);
        segments.push(Segment {
            number: s.req_u32(tags::SEGMENT_NUMBER, "Segment Number (0062,0004)")?,
            label: s.opt_str(tags::SEGMENT_LABEL).unwrap_or_default(),
            description: s.opt_str(tags::SEGMENT_DESCRIPTION),
            algorithm_type: s.opt_str(tags::SEGMENT_ALGORITHM_TYPE),
        });
    }
    if segments.is_empty() {
        return Err(DicomError::MissingAttribute {
            file: a.path.to_path_buf(),
            attribute: "Segment Sequence (0062,0002)",
        });
    }
    Ok(segments)
}

/// Frame `fi` (its per-frame group item `pf`, else the `shared` group): its segment (one of
/// `segments`) and plane; no pixel values yet.
fn seg_frame(
    pf: Attrs<'_>,
    shared: Option<Attrs<'_>>,
    fi: usize,
    segments: &[Segment],
) -> Result<SegFrame, DicomError> {
    let path = pf.path;
    let pf = Some(pf);
    let frame_err = |what: String| DicomError::InvalidAttribute {
        file: path.to_path_buf(),
        attribute: "Per-Frame Functional Groups Sequence (5200,9230)",
        reason: format!("frame {}: {what}", fi + 1),
    };
    let segment = group_item(pf, shared, tags::SEGMENT_IDENTIFICATION_SEQUENCE)
        .ok_or_else(|| frame_err("no Segment Identification Sequence".into()))?
        .req_u32(
            tags::REFERENCED_SEGMENT_NUMBER,
            "Referenced Segment Number (0062,000B)",
        )?;
    if !segments.iter().any(|s| s.number == segment) {
        return Err(frame_err(format!(
            "refers to segment {segment}, which the Segment Sequence does not define"
        )));
    }
    let position = group_item(pf, shared, tags::PLANE_POSITION_SEQUENCE)
        .ok_or_else(|| frame_err("no Plane Position Sequence".into()))?
        .req_f64s(
            tags::IMAGE_POSITION_PATIENT,
            "Image Position (Patient) (0020,0032)",
            3,
        )?;
    let iop = group_item(pf, shared, tags::PLANE_ORIENTATION_SEQUENCE)
        .ok_or_else(|| frame_err("no Plane Orientation Sequence".into()))?
        .req_f64s(
            tags::IMAGE_ORIENTATION_PATIENT,
            "Image Orientation (Patient) (0020,0037)",
            6,
        )?;
    let ps = group_item(pf, shared, tags::PIXEL_MEASURES_SEQUENCE)
        .ok_or_else(|| frame_err("no Pixel Measures Sequence".into()))?
        .req_f64s(tags::PIXEL_SPACING, "Pixel Spacing (0028,0030)", 2)?;
    Ok(SegFrame {
        segment,
        position: PointLps::new(position[0], position[1], position[2]),
        row_cos: arr3(&iop[0..3]),
        col_cos: arr3(&iop[3..6]),
        pixel_spacing: [ps[0], ps[1]],
        values: Vec::new(),
    })
}

impl Segmentation {
    /// The segment of a label (exact match), if any.
    pub fn segment(&self, label: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.label == label)
    }

    /// Number of frames of a segment.
    pub fn frames_of(&self, segment_number: u32) -> usize {
        self.frames
            .iter()
            .filter(|f| f.segment == segment_number)
            .count()
    }

    /// The fraction of each voxel of `grid` in the segment: 0 or 1 for a binary SEG,
    /// value / Maximum Fractional Value for a fractional one (the largest where frames overlap).
    pub fn fractional_mask(
        &self,
        segment_number: u32,
        grid: &Grid,
    ) -> Result<FractionalMask, DicomError> {
        let err = |what: String| DicomError::Segment {
            file: self.file.clone(),
            segment_number,
            label: self
                .segments
                .iter()
                .find(|s| s.number == segment_number)
                .map(|s| s.label.clone())
                .unwrap_or_else(|| "(undefined)".into()),
            what,
        };
        if !self.segments.iter().any(|s| s.number == segment_number) {
            let defined: Vec<String> = self
                .segments
                .iter()
                .map(|s| format!("{} ({})", s.number, s.label))
                .collect();
            return Err(err(format!(
                "no such segment; this segmentation defines {}",
                defined.join(", ")
            )));
        }
        if self.frame != grid.frame {
            return Err(DicomError::FrameMismatch {
                file: self.file.clone(),
                what: format!("segment {segment_number}"),
                expected: grid.frame.clone(),
                found: self.frame.clone(),
            });
        }
        let scale = match &self.segmentation_type {
            SegmentationType::Binary => 1.0,
            SegmentationType::Fractional { max, .. } => 1.0 / *max as f32,
        };
        let mut mask = FractionalMask::filled(grid.clone(), 0.0);
        let [nx, ny, nz] = grid.dims;
        for (fi, fr) in self.frames.iter().enumerate() {
            if fr.segment != segment_number {
                continue;
            }
            let frame_no = fi + 1;
            let same = |a: [f64; 3], b: [f64; 3]| (0..3).all(|c| (a[c] - b[c]).abs() <= 1e-4);
            if !same(fr.row_cos, grid.direction[0]) || !same(fr.col_cos, grid.direction[1]) {
                return Err(err(format!(
                    "frame {frame_no} has orientation {:?} {:?}, not the grid's {:?} {:?}; \
                     resample the segmentation or read it on the grid it was drawn on",
                    fr.row_cos, fr.col_cos, grid.direction[0], grid.direction[1]
                )));
            }
            let ps_i = fr.pixel_spacing[1];
            let ps_j = fr.pixel_spacing[0];
            if (ps_i - grid.spacing_mm[0]).abs() > 1e-4 * grid.spacing_mm[0]
                || (ps_j - grid.spacing_mm[1]).abs() > 1e-4 * grid.spacing_mm[1]
            {
                return Err(err(format!(
                    "frame {frame_no} has pixels of {ps_i} × {ps_j} mm (along i × j), not the \
                     grid's {} × {} mm",
                    grid.spacing_mm[0], grid.spacing_mm[1]
                )));
            }
            let idx = grid.index_from_patient(fr.position);
            let snap = |x: f64, spacing: f64| -> Option<i64> {
                let r = x.round();
                ((x - r).abs() * spacing <= 0.01).then_some(r as i64)
            };
            let (Some(i0), Some(j0), Some(k)) = (
                snap(idx.i, grid.spacing_mm[0]),
                snap(idx.j, grid.spacing_mm[1]),
                snap(idx.k, grid.spacing_mm[2]),
            ) else {
                return Err(err(format!(
                    "frame {frame_no} at ({:.3}, {:.3}, {:.3}) mm is not on the grid's voxel \
                     lattice (index {:.3}, {:.3}, {:.3})",
                    fr.position.x, fr.position.y, fr.position.z, idx.i, idx.j, idx.k
                )));
            };
            if k < 0 || k >= nz as i64 {
                return Err(err(format!(
                    "frame {frame_no} at ({:.3}, {:.3}, {:.3}) mm lies on slice {k}, outside the \
                     grid's {nz} slices",
                    fr.position.x, fr.position.y, fr.position.z
                )));
            }
            let data = mask.data_mut();
            let base = k as usize * nx * ny;
            for r in 0..self.rows {
                let j = j0 + r as i64;
                if j < 0 || j >= ny as i64 {
                    continue;
                }
                let row = &fr.values[r * self.columns..(r + 1) * self.columns];
                for (c, &v) in row.iter().enumerate() {
                    let i = i0 + c as i64;
                    if v == 0 || i < 0 || i >= nx as i64 {
                        continue;
                    }
                    let o = base + j as usize * nx + i as usize;
                    let val = (f32::from(v) * scale).min(1.0);
                    if val > data[o] {
                        data[o] = val;
                    }
                }
            }
        }
        Ok(mask)
    }

    /// The binary mask of a segment on `grid`: voxels of fraction ≥ 0.5 (every set voxel of a
    /// binary SEG).
    pub fn mask(&self, segment_number: u32, grid: &Grid) -> Result<Mask, DicomError> {
        Ok(self.fractional_mask(segment_number, grid)?.threshold(0.5))
    }
}
