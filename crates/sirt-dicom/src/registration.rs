//! Spatial Registration (REG) objects → rigid transforms between frames of reference.
//!
//! PS3.3 C.20.2: the object's own Frame of Reference UID (0020,0052) is the *Registered-to*
//! (reference) frame; each item of the Registration Sequence (0070,0308) names a frame (its own
//! Frame of Reference UID) and, in its Matrix Registration Sequence (0070,0309) → Matrix Sequence
//! (0070,030A), the 4 × 4 Frame of Reference Transformation Matrices (3006,00C6) that take
//! coordinates of that frame into the reference frame. Several matrices in one Matrix Sequence
//! are applied in the order of the items (p' = Mₙ … M₂ M₁ p).
//!
//! Only rigid transforms are used (sirtplan resamples through rotations and translations): a
//! matrix typed RIGID must be rigid; RIGID_SCALE and AFFINE matrices are accepted only when they
//! are in fact rigid (many systems type a rigid result AFFINE), and refused otherwise, naming the
//! item. Deformable registrations (another SOP class) are refused.

use std::path::Path;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use sirt_geometry::{FrameOfReference, Rigid};

use crate::DicomError;
use crate::file::{Attrs, Extent, open};

/// Spatial Registration Storage SOP Class UID (PS3.4 B.5).
pub const SPATIAL_REGISTRATION_SOP_CLASS: &str = "1.2.840.10008.5.1.4.1.1.66.1";
/// Deformable Spatial Registration Storage SOP Class UID (refused).
pub const DEFORMABLE_REGISTRATION_SOP_CLASS: &str = "1.2.840.10008.5.1.4.1.1.66.3";

/// Registration Sequence (0070,0308).
const REGISTRATION_SEQUENCE: Tag = Tag(0x0070, 0x0308);
/// Matrix Registration Sequence (0070,0309).
const MATRIX_REGISTRATION_SEQUENCE: Tag = Tag(0x0070, 0x0309);
/// Matrix Sequence (0070,030A).
const MATRIX_SEQUENCE: Tag = Tag(0x0070, 0x030A);
/// Frame of Reference Transformation Matrix Type (0070,030C).
const MATRIX_TYPE: Tag = Tag(0x0070, 0x030C);
/// Frame of Reference Transformation Matrix (3006,00C6).
const MATRIX: Tag = Tag(0x3006, 0x00C6);
/// Registration Type Code Sequence (0070,030D).
const REGISTRATION_TYPE_CODE_SEQUENCE: Tag = Tag(0x0070, 0x030D);

/// Content Creator's Name (0070,0084).
const CONTENT_CREATOR_NAME: Tag = Tag(0x0070, 0x0084);

/// What a Spatial Registration object says about itself (Content Identification, PS3.3 C.10.9,
/// and Spatial Registration Module C.20.2): each when present and not empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationInfo {
    /// Content Label (0070,0080).
    pub label: Option<String>,
    /// Content Description (0070,0081).
    pub description: Option<String>,
    /// Content Creator's Name (0070,0084), as written (`Family^Given`).
    pub creator: Option<String>,
    /// Content Date (0008,0023), YYYYMMDD.
    pub date: Option<String>,
    /// Content Time (0008,0033), HHMMSS(.F).
    pub time: Option<String>,
    /// Code Meaning of the Registration Type Code Sequence (0070,030D) of each Matrix
    /// Registration Sequence item, as found
    /// (e.g. "Image Content-based Alignment", "Visual Alignment"), without repeats.
    pub methods: Vec<String>,
}

/// The rigid transforms of one Spatial Registration object.
#[derive(Debug, Clone, PartialEq)]
pub struct SpatialRegistration {
    /// The reference (Registered-to) frame of reference.
    pub reference: FrameOfReference,
    /// One transform per registered frame: `to` = `reference`, `from` = the item's frame
    /// (identity items of the reference frame itself left out).
    pub transforms: Vec<Rigid>,
    /// SOP Instance UID, when present.
    pub sop_instance_uid: Option<String>,
    /// Who made it, when and how, as far as it says.
    pub content: RegistrationInfo,
}

impl SpatialRegistration {
    /// The transform that takes points of `from` into `to`: a stored one, its inverse, or the
    /// composition through the reference frame (`to ← reference ← from`).
    pub fn between(&self, to: &FrameOfReference, from: &FrameOfReference) -> Option<Rigid> {
        if to == from {
            return Some(Rigid::identity(to.clone(), from.clone()));
        }
        let reference_from = |f: &FrameOfReference| {
            if *f == self.reference {
                Some(Rigid::identity(self.reference.clone(), f.clone()))
            } else {
                self.transforms.iter().find(|t| t.from == *f).cloned()
            }
        };
        let ref_from_source = reference_from(from)?;
        let ref_from_target = reference_from(to)?;
        ref_from_target.inverse().then_from(&ref_from_source).ok()
    }
}

fn multiply(a: &[[f64; 4]; 4], b: &[[f64; 4]; 4]) -> [[f64; 4]; 4] {
    let mut m = [[0.0; 4]; 4];
    for (r, row) in m.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = (0..4).map(|k| a[r][k] * b[k][c]).sum();
        }
    }
    m
}

/// Reads a Spatial Registration object.
pub fn read_spatial_registration(
    file: impl AsRef<Path>,
) -> Result<SpatialRegistration, DicomError> {
    let path = file.as_ref();
    let f = open(path, Extent::All)?;
    let a = f.attrs();
    let invalid = |attribute: &'static str, reason: String| DicomError::InvalidAttribute {
        file: path.to_path_buf(),
        attribute,
        reason,
    };
    let sop_class = a.req_str(tags::SOP_CLASS_UID, "SOP Class UID (0008,0016)")?;
    if sop_class != SPATIAL_REGISTRATION_SOP_CLASS {
        let what = if sop_class == DEFORMABLE_REGISTRATION_SOP_CLASS {
            "a deformable spatial registration (only rigid registrations are used)".to_owned()
        } else {
            format!(
                "SOP class {sop_class} where a Spatial Registration ({SPATIAL_REGISTRATION_SOP_CLASS}) was expected"
            )
        };
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what,
        });
    }
    let reference = FrameOfReference(a.req_str(
        tags::FRAME_OF_REFERENCE_UID,
        "Frame of Reference UID (0020,0052)",
    )?);
    let items = a.items(REGISTRATION_SEQUENCE);
    if items.is_empty() {
        return Err(DicomError::MissingAttribute {
            file: path.to_path_buf(),
            attribute: "Registration Sequence (0070,0308)",
        });
    }
    let mut transforms: Vec<Rigid> = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let it = Attrs::new(item, path);
        let frame = FrameOfReference(it.req_str(
            tags::FRAME_OF_REFERENCE_UID,
            "Registration Sequence item: Frame of Reference UID (0020,0052)",
        )?);
        let Some(matrix_item) = it.items(MATRIX_REGISTRATION_SEQUENCE).first() else {
            return Err(invalid(
                "Matrix Registration Sequence (0070,0309)",
                format!(
                    "Registration Sequence item {} (frame {}) has none",
                    n + 1,
                    frame.0
                ),
            ));
        };
        let matrices = Attrs::new(matrix_item, path).items(MATRIX_SEQUENCE);
        if matrices.is_empty() {
            return Err(invalid(
                "Matrix Sequence (0070,030A)",
                format!(
                    "Registration Sequence item {} (frame {}) has no matrix",
                    n + 1,
                    frame.0
                ),
            ));
        }
        let mut total = [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let mut types = Vec::new();
        for m in matrices {
            let ma = Attrs::new(m, path);
            let values = ma.req_f64s(
                MATRIX,
                "Frame of Reference Transformation Matrix (3006,00C6)",
                16,
            )?;
            let kind = ma
                .opt_str(MATRIX_TYPE)
                .unwrap_or_else(|| "(no type)".to_owned());
            let mut mm = [[0.0; 4]; 4];
            for (k, v) in values.iter().enumerate() {
                mm[k / 4][k % 4] = *v;
            }
            total = multiply(&mm, &total);
            types.push(kind);
        }
        // The last row of a homogeneous matrix, as written, is exactly 0 0 0 1.
        let rigid = Rigid::from_matrix(reference.clone(), frame.clone(), total).map_err(|e| {
            invalid(
                "Frame of Reference Transformation Matrix (3006,00C6)",
                format!(
                    "Registration Sequence item {} (frame {}, type {}): only rigid transforms are used: {e}",
                    n + 1,
                    frame.0,
                    types.join(" then ")
                ),
            )
        })?;
        if frame == reference {
            continue;
        }
        if transforms.iter().any(|t| t.from == frame) {
            return Err(invalid(
                "Registration Sequence (0070,0308)",
                format!("frame {} is registered twice", frame.0),
            ));
        }
        transforms.push(rigid);
    }
    Ok(SpatialRegistration {
        reference,
        transforms,
        sop_instance_uid: a.opt_str(tags::SOP_INSTANCE_UID),
        content: content_of(&a, items, path),
    })
}

/// The Content Identification of an object and the Registration Type Code Meanings of its
/// items; empty values left out.
fn content_of(a: &Attrs<'_>, items: &[InMemDicomObject], path: &Path) -> RegistrationInfo {
    let present = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut methods: Vec<String> = Vec::new();
    let matrix_items = items
        .iter()
        .flat_map(|i| Attrs::new(i, path).items(MATRIX_REGISTRATION_SEQUENCE));
    for item in matrix_items {
        for code in Attrs::new(item, path).items(REGISTRATION_TYPE_CODE_SEQUENCE) {
            if let Some(m) = present(Attrs::new(code, path).opt_str(tags::CODE_MEANING))
                && !methods.contains(&m)
            {
                methods.push(m);
            }
        }
    }
    RegistrationInfo {
        label: present(a.opt_str(tags::CONTENT_LABEL)),
        description: present(a.opt_str(tags::CONTENT_DESCRIPTION)),
        creator: present(a.opt_str(CONTENT_CREATOR_NAME)),
        date: present(a.opt_str(tags::CONTENT_DATE)),
        time: present(a.opt_str(tags::CONTENT_TIME)),
        methods,
    }
}
