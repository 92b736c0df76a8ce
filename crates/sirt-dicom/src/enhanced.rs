//! Enhanced (and Legacy Converted Enhanced) multi-frame CT and MR → `Image<f32>`.
//!
//! Each frame's plane comes from the functional groups (per-frame, else shared): Plane Position
//! (Patient) (0020,9113) > Image Position (Patient), Plane Orientation (Patient) (0020,9116) >
//! Image Orientation (Patient), Pixel Measures (0028,9110) > Pixel Spacing, Slice Thickness,
//! Spacing Between Slices. The frames are then stacked exactly like the slices of a classic
//! series (sorted along the normal; one orientation, size and spacing; duplicates, gaps,
//! non-uniform spacing and tilt refused; messages name the file and the frame). Values are
//! scaled frame by frame ([`ValueScaling`]: Pixel Value Transformation or top-level Rescale,
//! else Real World Value Mapping, else stored). Several stacks (Stack ID) or temporal positions
//! in one object are refused.

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use sirt_geometry::Image;

use crate::DicomError;
use crate::file::{Attrs, Extent, PixelFormat, open, stored_values};
use crate::frames::{Groups, ValueScaling, frame_scaling};
use crate::series::{Slice, check_consistent, stack};

/// An enhanced multi-frame image read into a volume.
#[derive(Debug, Clone, PartialEq)]
pub struct EnhancedImage {
    /// The file.
    pub file: PathBuf,
    /// Values after scaling (HU for CT), on the volume's grid.
    pub image: Image<f32>,
    /// Modality (CT or MR).
    pub modality: String,
    /// How stored values were scaled.
    pub scaling: ValueScaling,
    /// Series Instance UID.
    pub series_instance_uid: String,
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// The frame (0-based, in file order) at each slice k of the grid.
    pub frame_order: Vec<usize>,
}

fn frame_path(path: &Path, f: usize) -> PathBuf {
    PathBuf::from(format!("{} [frame {}]", path.display(), f + 1))
}

/// Reads an Enhanced CT / MR image (one stack of parallel frames) into a volume; see the
/// module documentation.
pub fn load_enhanced_image(file: impl AsRef<Path>) -> Result<EnhancedImage, DicomError> {
    let path = file.as_ref();
    let f = open(path, Extent::All)?;
    let a = f.attrs();
    let modality = a.req_str(tags::MODALITY, "Modality (0008,0060)")?;
    if !matches!(modality.as_str(), "CT" | "MR") {
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!("modality \"{modality}\" where an enhanced CT or MR image was expected"),
        });
    }
    let format = PixelFormat::read(a)?;
    if format.bits_allocated == 1 {
        return Err(DicomError::InvalidAttribute {
            file: path.to_path_buf(),
            attribute: "Bits Allocated (0028,0100)",
            reason: "1 (a CT or MR image has 8, 16 or 32)".into(),
        });
    }
    let frames = format.frames;
    // Pixel data first: it bounds Number of Frames before anything is allocated per frame.
    let bytes = f.pixel_bytes(&format)?;
    let groups = Groups::read(a, frames)?;
    if groups.per_frame.is_empty() && groups.shared.is_none() {
        return Err(DicomError::MissingAttribute {
            file: path.to_path_buf(),
            attribute: "Per-frame / Shared Functional Groups Sequence (5200,9230)/(5200,9229) \
                        (not an enhanced multi-frame image)",
        });
    }
    let (scale, scaling) = frame_scaling(&groups, frames)?;
    let series_uid = a.req_str(tags::SERIES_INSTANCE_UID, "Series Instance UID (0020,000E)")?;
    let sop_uid = a.opt_str(tags::SOP_INSTANCE_UID).unwrap_or_default();
    let frame_uid = a.req_str(
        tags::FRAME_OF_REFERENCE_UID,
        "Frame of Reference UID (0020,0052)",
    )?;
    let rescale_type = match &scaling {
        ValueScaling::Rescale { rescale_type, .. } => rescale_type.clone(),
        _ => None,
    };
    let per_frame = format.frame_len();
    let mut one_volume = OneVolume::default();
    let mut slices = Vec::with_capacity(frames);
    let mut frame_values: Vec<Vec<f32>> = Vec::with_capacity(frames);
    let mut raw = Vec::with_capacity(per_frame);
    for (fr, &(m, b)) in scale.iter().enumerate() {
        let fp = frame_path(path, fr);
        let plane = frame_plane(&groups, fr, &fp)?;
        one_volume.check(&groups, fr, path)?;
        raw.clear();
        stored_values(&bytes, &format, fr * per_frame, per_frame, &mut raw);
        frame_values.push(
            raw.iter()
                .map(|&v| (v as f64 * m + b) as f32)
                .collect::<Vec<f32>>(),
        );
        let positive = |v: Option<f64>| v.filter(|t| *t > 0.0);
        let FramePlane {
            ipp,
            iop,
            ps,
            measures: pm,
        } = plane;
        slices.push(Slice {
            path: fp.clone(),
            series_uid: series_uid.clone(),
            sop_instance_uid: sop_uid.clone(),
            modality: modality.clone(),
            frame: frame_uid.clone(),
            rows: format.rows,
            columns: format.columns,
            row_cos: [iop[0], iop[1], iop[2]],
            col_cos: [iop[3], iop[4], iop[5]],
            position: [ipp[0], ipp[1], ipp[2]],
            pixel_spacing: [ps[0], ps[1]],
            thickness: positive(pm.opt_f64(tags::SLICE_THICKNESS, "Slice Thickness (0018,0050)")?),
            spacing_between: positive(pm.opt_f64(
                tags::SPACING_BETWEEN_SLICES,
                "Spacing Between Slices (0018,0088)",
            )?),
            rescale_type: rescale_type.clone(),
        });
    }
    if let Some((first, rest)) = slices.split_first() {
        for s in rest {
            check_consistent(first, s)?;
        }
    }
    let (grid, order) = stack(&slices)?;
    let mut data = Vec::with_capacity(grid.len());
    for &o in &order {
        data.extend_from_slice(&frame_values[o]);
    }
    let image = Image::new(grid, data).map_err(|source| DicomError::Geometry {
        file: path.to_path_buf(),
        source,
    })?;
    Ok(EnhancedImage {
        file: path.to_path_buf(),
        image,
        modality,
        scaling,
        series_instance_uid: series_uid,
        sop_instance_uid: sop_uid,
        frame_order: order,
    })
}

/// The plane of a frame from its functional groups.
struct FramePlane<'a> {
    /// Image Position (Patient), 3 values.
    ipp: Vec<f64>,
    /// Image Orientation (Patient), 6 values.
    iop: Vec<f64>,
    /// Pixel Spacing, 2 positive values.
    ps: Vec<f64>,
    /// The Pixel Measures item (Slice Thickness, Spacing Between Slices).
    measures: Attrs<'a>,
}

/// Reads the Plane Position, Plane Orientation and Pixel Measures of frame `fr` (errors name
/// `fp`, the file and frame).
fn frame_plane<'a>(
    groups: &Groups<'a>,
    fr: usize,
    fp: &Path,
) -> Result<FramePlane<'a>, DicomError> {
    let missing = |attribute: &'static str| DicomError::MissingAttribute {
        file: fp.to_path_buf(),
        attribute,
    };
    let need3 = |v: Vec<f64>, n: usize, attribute: &'static str| {
        if v.len() == n {
            Ok(v)
        } else {
            Err(DicomError::InvalidAttribute {
                file: fp.to_path_buf(),
                attribute,
                reason: format!("expected {n} values, found {}", v.len()),
            })
        }
    };
    const IPP: &str =
        "Image Position (Patient) (0020,0032) in the Plane Position Sequence (0020,9113)";
    const IOP: &str =
        "Image Orientation (Patient) (0020,0037) in the Plane Orientation Sequence (0020,9116)";
    const PS: &str = "Pixel Spacing (0028,0030) in the Pixel Measures Sequence (0028,9110)";
    let pos = groups
        .item(fr, tags::PLANE_POSITION_SEQUENCE)
        .ok_or_else(|| missing(IPP))?;
    let ipp = need3(
        pos.opt_f64s(tags::IMAGE_POSITION_PATIENT, IPP)?
            .ok_or_else(|| missing(IPP))?,
        3,
        IPP,
    )?;
    let ori = groups
        .item(fr, tags::PLANE_ORIENTATION_SEQUENCE)
        .ok_or_else(|| missing(IOP))?;
    let iop = need3(
        ori.opt_f64s(tags::IMAGE_ORIENTATION_PATIENT, IOP)?
            .ok_or_else(|| missing(IOP))?,
        6,
        IOP,
    )?;
    let pm = groups
        .item(fr, tags::PIXEL_MEASURES_SEQUENCE)
        .ok_or_else(|| missing(PS))?;
    let ps = need3(
        pm.opt_f64s(tags::PIXEL_SPACING, PS)?
            .ok_or_else(|| missing(PS))?,
        2,
        PS,
    )?;
    if ps.iter().any(|&s| s <= 0.0) {
        return Err(DicomError::InvalidAttribute {
            file: fp.to_path_buf(),
            attribute: PS,
            reason: format!("{ps:?}: spacings must be above 0 mm"),
        });
    }
    Ok(FramePlane {
        ipp,
        iop,
        ps,
        measures: pm,
    })
}

/// The first Stack ID and Temporal Position Index met, with their frames: every frame must
/// have the same (one volume per object).
#[derive(Default)]
struct OneVolume {
    stack_id: Option<(String, usize)>,
    temporal: Option<(u32, usize)>,
}

impl OneVolume {
    /// Refuses frame `fr` when its Frame Content names another stack or temporal position.
    fn check(&mut self, groups: &Groups<'_>, fr: usize, path: &Path) -> Result<(), DicomError> {
        let Some(fc) = groups.item(fr, tags::FRAME_CONTENT_SEQUENCE) else {
            return Ok(());
        };
        if let Some(id) = fc.opt_str(tags::STACK_ID) {
            match &self.stack_id {
                None => self.stack_id = Some((id, fr)),
                Some((first, f0)) if *first != id => {
                    return Err(DicomError::Unsupported {
                        file: path.to_path_buf(),
                        what: format!(
                            "several stacks in one object (Stack ID \"{first}\" at frame {} and \
                             \"{id}\" at frame {}); only one stack is read",
                            f0 + 1,
                            fr + 1
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        if let Some(t) = fc.opt_u32(
            tags::TEMPORAL_POSITION_INDEX,
            "Temporal Position Index (0020,9128)",
        )? {
            match self.temporal {
                None => self.temporal = Some((t, fr)),
                Some((first, f0)) if first != t => {
                    return Err(DicomError::Unsupported {
                        file: path.to_path_buf(),
                        what: format!(
                            "several temporal positions in one object (Temporal Position \
                             Index {first} at frame {} and {t} at frame {}); only one volume \
                             is read",
                            f0 + 1,
                            fr + 1
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}
