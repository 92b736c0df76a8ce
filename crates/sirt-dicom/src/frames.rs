//! Per-frame attributes of multi-frame objects: functional groups (per-frame, else shared) and
//! the scaling of stored values (Pixel Value Transformation / Rescale Slope and Intercept, Real
//! World Value Mapping), frame by frame.

use dicom_core::Tag;
use dicom_core::value::{DicomValueType, PrimitiveValue, Value};
use dicom_dictionary_std::tags;

use crate::DicomError;
use crate::file::Attrs;

/// How stored values were turned into the values of a volume.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ValueScaling {
    /// No scaling stated: the stored values.
    Stored,
    /// Rescale Slope and Intercept (at the top level, or in the Pixel Value Transformation
    /// functional group), per frame when `per_frame`.
    Rescale {
        /// The slope and intercept differ between frames.
        per_frame: bool,
        /// Rescale Type (e.g. `HU`, `CNTS`), when stated.
        rescale_type: Option<String>,
    },
    /// Real World Value Mapping (0040,9096) slope and intercept (no Rescale stated).
    RealWorld {
        /// The slope and intercept differ between frames.
        per_frame: bool,
        /// Measurement Units Code Sequence: code value (UCUM, e.g. `Bq/ml`, `{counts}`).
        units: Option<String>,
        /// LUT Label or LUT Explanation, when stated.
        label: Option<String>,
    },
}

/// The functional groups of a multi-frame object.
#[derive(Clone, Copy)]
pub(crate) struct Groups<'a> {
    pub per_frame: &'a [dicom_object::InMemDicomObject],
    pub shared: Option<Attrs<'a>>,
    pub root: Attrs<'a>,
}

impl<'a> Groups<'a> {
    /// The functional groups of `a`; the per-frame sequence, when present, must have one item
    /// per frame.
    pub fn read(a: Attrs<'a>, frames: usize) -> Result<Self, DicomError> {
        let per_frame = a.items(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
        if !per_frame.is_empty() && per_frame.len() != frames {
            return Err(DicomError::InvalidAttribute {
                file: a.path.to_path_buf(),
                attribute: "Per-frame Functional Groups Sequence (5200,9230)",
                reason: format!(
                    "{} items for {frames} frames (Number of Frames (0028,0008))",
                    per_frame.len()
                ),
            });
        }
        let shared = a
            .items(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)
            .first()
            .map(|item| Attrs::new(item, a.path));
        Ok(Self {
            per_frame,
            shared,
            root: a,
        })
    }

    /// The first item of the functional group `seq` for frame `f` (0-based): per-frame, else
    /// shared.
    pub fn item(&self, f: usize, seq: Tag) -> Option<Attrs<'a>> {
        let per = self
            .per_frame
            .get(f)
            .and_then(|g| Attrs::new(g, self.root.path).items(seq).first())
            .map(|i| Attrs::new(i, self.root.path));
        per.or_else(|| {
            self.shared
                .and_then(|s| s.items(seq).first())
                .map(|i| Attrs::new(i, self.root.path))
        })
    }
}

/// Slope, intercept, units and label of a Real World Value Mapping item.
type RealWorldMap = (f64, f64, Option<String>, Option<String>);

/// Slope and intercept of a Real World Value Mapping item (`None` when it has no slope, e.g. a
/// LUT), with its units and label.
fn real_world_item(a: Attrs<'_>) -> Result<Option<RealWorldMap>, DicomError> {
    let Some(slope) = a.opt_f64(
        tags::REAL_WORLD_VALUE_SLOPE,
        "Real World Value Slope (0040,9225)",
    )?
    else {
        return Ok(None);
    };
    let intercept = a
        .opt_f64(
            tags::REAL_WORLD_VALUE_INTERCEPT,
            "Real World Value Intercept (0040,9224)",
        )?
        .unwrap_or(0.0);
    let units = a
        .items(tags::MEASUREMENT_UNITS_CODE_SEQUENCE)
        .first()
        .and_then(|c| Attrs::new(c, a.path).opt_str(tags::CODE_VALUE));
    let label = a
        .opt_str(tags::LUT_LABEL)
        .or_else(|| a.opt_str(tags::LUT_EXPLANATION));
    Ok(Some((slope, intercept, units, label)))
}

/// The first Real World Value Mapping item with a slope in `a`.
fn real_world_in(a: Attrs<'_>) -> Result<Option<RealWorldMap>, DicomError> {
    for item in a.items(tags::REAL_WORLD_VALUE_MAPPING_SEQUENCE) {
        if let Some(m) = real_world_item(Attrs::new(item, a.path))? {
            return Ok(Some(m));
        }
    }
    Ok(None)
}

/// Rescale slope and intercept in `a`, when a slope is stated.
fn rescale_in(a: Attrs<'_>) -> Result<Option<(f64, f64, Option<String>)>, DicomError> {
    let Some(slope) = a.opt_f64(tags::RESCALE_SLOPE, "Rescale Slope (0028,1053)")? else {
        return Ok(None);
    };
    let intercept = a
        .opt_f64(tags::RESCALE_INTERCEPT, "Rescale Intercept (0028,1052)")?
        .unwrap_or(0.0);
    Ok(Some((slope, intercept, a.opt_str(tags::RESCALE_TYPE))))
}

/// Slope and intercept of every frame (0-based order of the file) and what they are: Rescale
/// (per-frame Pixel Value Transformation, else shared, else the top-level Rescale Slope and
/// Intercept) when stated; else Real World Value Mapping (per-frame, shared, top level); else
/// the stored values.
pub(crate) fn frame_scaling(
    g: &Groups<'_>,
    frames: usize,
) -> Result<(Vec<(f64, f64)>, ValueScaling), DicomError> {
    let path = g.root.path;
    let check = |slope: f64, f: usize, what: &'static str| {
        if slope == 0.0 {
            Err(DicomError::InvalidAttribute {
                file: path.to_path_buf(),
                attribute: what,
                reason: format!("slope 0 (frame {})", f + 1),
            })
        } else {
            Ok(())
        }
    };
    // Rescale.
    let root_rescale = rescale_in(g.root)?;
    let mut rescale = Vec::with_capacity(frames);
    let mut rescale_type = root_rescale.as_ref().and_then(|r| r.2.clone());
    let mut any_group = false;
    for f in 0..frames {
        let from_group = match g.item(f, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE) {
            Some(item) => rescale_in(item)?,
            None => None,
        };
        any_group |= from_group.is_some();
        match from_group.or_else(|| root_rescale.clone()) {
            Some((s, i, t)) => {
                check(s, f, "Rescale Slope (0028,1053)")?;
                if rescale_type.is_none() {
                    rescale_type = t;
                }
                rescale.push((s, i));
            }
            None => break,
        }
    }
    if rescale.len() == frames && (any_group || root_rescale.is_some()) {
        let per_frame = rescale.windows(2).any(|w| w[0] != w[1]);
        return Ok((
            rescale,
            ValueScaling::Rescale {
                per_frame,
                rescale_type,
            },
        ));
    }
    if !rescale.is_empty() {
        return Err(DicomError::MissingAttribute {
            file: path.to_path_buf(),
            attribute: "Rescale Slope (0028,1053) of a frame (stated for some frames only)",
        });
    }
    // Real World Value Mapping.
    let root_rwv = real_world_in(g.root)?;
    let mut rwv = Vec::with_capacity(frames);
    let mut units = None;
    let mut label = None;
    for f in 0..frames {
        let per = match g.per_frame.get(f) {
            Some(item) => real_world_in(Attrs::new(item, path))?,
            None => None,
        };
        let shared = match (&per, g.shared) {
            (None, Some(s)) => real_world_in(s)?,
            _ => None,
        };
        match per.or(shared).or_else(|| root_rwv.clone()) {
            Some((s, i, u, l)) => {
                check(s, f, "Real World Value Slope (0040,9225)")?;
                if units.is_none() {
                    units = u;
                }
                if label.is_none() {
                    label = l;
                }
                rwv.push((s, i));
            }
            None => break,
        }
    }
    if rwv.len() == frames && frames > 0 {
        let per_frame = rwv.windows(2).any(|w| w[0] != w[1]);
        return Ok((
            rwv,
            ValueScaling::RealWorld {
                per_frame,
                units,
                label,
            },
        ));
    }
    if !rwv.is_empty() {
        return Err(DicomError::MissingAttribute {
            file: path.to_path_buf(),
            attribute: "Real World Value Mapping Sequence (0040,9096) of a frame (stated for some frames only)",
        });
    }
    Ok((vec![(1.0, 0.0); frames], ValueScaling::Stored))
}

/// The tags of an AT attribute (e.g. Frame Increment Pointer); also read when written with
/// another binary VR (pairs of US, or UL group << 16 | element). `Ok(None)` when absent.
pub(crate) fn tag_list(
    a: Attrs<'_>,
    tag: Tag,
    attribute: &'static str,
) -> Result<Option<Vec<Tag>>, DicomError> {
    let Some(e) = a.obj.get(tag) else {
        return Ok(None);
    };
    let invalid = |reason: String| DicomError::InvalidAttribute {
        file: a.path.to_path_buf(),
        attribute,
        reason,
    };
    let tags: Vec<Tag> = match e.value() {
        Value::Primitive(PrimitiveValue::Tags(v)) => v.to_vec(),
        Value::Primitive(PrimitiveValue::U16(v)) if v.len() % 2 == 0 => {
            v.chunks_exact(2).map(|c| Tag(c[0], c[1])).collect()
        }
        Value::Primitive(PrimitiveValue::U32(v)) => v
            .iter()
            .map(|x| Tag((x >> 16) as u16, (x & 0xFFFF) as u16))
            .collect(),
        Value::Primitive(PrimitiveValue::Empty) => Vec::new(),
        Value::Primitive(PrimitiveValue::U8(v)) if v.len() % 4 == 0 => v
            .chunks_exact(4)
            .map(|c| {
                Tag(
                    u16::from_le_bytes([c[0], c[1]]),
                    u16::from_le_bytes([c[2], c[3]]),
                )
            })
            .collect(),
        other => {
            return Err(invalid(format!(
                "not a list of tags (value of type {:?})",
                other.value_type()
            )));
        }
    };
    if tags.is_empty() {
        return Ok(None);
    }
    Ok(Some(tags))
}

/// Non-negative integers (US, UL, IS) of an attribute; `Ok(None)` when absent or empty.
pub(crate) fn uints(
    a: Attrs<'_>,
    tag: Tag,
    attribute: &'static str,
) -> Result<Option<Vec<u32>>, DicomError> {
    let Some(e) = a.obj.get(tag) else {
        return Ok(None);
    };
    if e.value().multiplicity() == 0 {
        return Ok(None);
    }
    let v = e
        .to_multi_int::<i64>()
        .map_err(|err| DicomError::InvalidAttribute {
            file: a.path.to_path_buf(),
            attribute,
            reason: format!("not integers ({err})"),
        })?;
    v.iter()
        .map(|&x| {
            u32::try_from(x).map_err(|_| DicomError::InvalidAttribute {
                file: a.path.to_path_buf(),
                attribute,
                reason: format!("{x} is out of range"),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
