//! Spatial Registration (REG): a rigid `fixed_from_moving` transform written as a DICOM object
//! a PACS and other planning systems read (PS3.3 A.39.1, SOP Class 1.2.840.10008.5.1.4.1.1.66.1).
//!
//! The object's own Frame of Reference UID is the *Registered-to* (fixed) frame (PS3.3 C.20.2).
//! Its Registration Sequence holds two items: the fixed frame with the identity matrix, and the
//! moving frame with the 4 × 4 matrix that takes the moving frame's patient coordinates into
//! the fixed frame's (the transform that [`crate::read_spatial_registration`] reads back).
//!
//! Modules: Patient, General Study, Patient Study, General Series, Spatial Registration Series,
//! Frame of Reference, General Equipment, Enhanced General Equipment, Spatial Registration,
//! Common Instance Reference, SOP Common.

use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use sirt_geometry::Rigid;

use super::WriteError;
use super::common::{
    Code, Header, Obj, SeriesInfo, SeriesModule, SeriesRef, StudyInfo, WrittenObject, checked_base,
    encode, frame_uid, new_uid, sop_ref,
};
use super::seg::check_content_identification;

/// Spatial Registration Storage SOP Class UID (PS3.4 B.5).
const SPATIAL_REGISTRATION_STORAGE: &str = crate::registration::SPATIAL_REGISTRATION_SOP_CLASS;
/// Modality of a Spatial Registration Series: "REG" (PS3.3 C.20.1, Enumerated Value).
const REGISTRATION_MODALITY: &str = "REG";
/// Frame of Reference Transformation Matrix Type "RIGID" (PS3.3 C.20.2.1.1).
const RIGID: &str = "RIGID";
/// Registration Type Code Sequence (0070,030D).
const REGISTRATION_TYPE_CODE_SEQUENCE: Tag = Tag(0x0070, 0x030D);
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
/// Frame of Reference Transformation Comment (3006,00C8).
const TRANSFORMATION_COMMENT: Tag = Tag(0x3006, 0x00C8);
/// Content Creator's Name (0070,0084).
const CONTENT_CREATOR_NAME: Tag = Tag(0x0070, 0x0084);
/// Longest LO value: 64 characters (PS3.5 6.2).
const MAX_LO: usize = 64;

/// How the transform was found: a code of CID 7100 "RCS Registration Method Type" (PS3.16),
/// written in the Registration Type Code Sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMethod {
    /// (125024, DCM, "Image Content-based Alignment"): an automatic registration on the images'
    /// content (mutual information).
    ImageContent,
    /// (125025, DCM, "Visual Alignment"): a person aligned the images by eye (manual nudging).
    Visual,
}

impl RegistrationMethod {
    /// The code (PS3.16 CID 7100).
    fn code(self) -> Code {
        match self {
            RegistrationMethod::ImageContent => {
                Code::new("125024", "DCM", "Image Content-based Alignment")
            }
            RegistrationMethod::Visual => Code::new("125025", "DCM", "Visual Alignment"),
        }
    }
}

/// What the object says about itself (Content Identification, PS3.3 C.10.9).
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrationContent {
    /// Content Label (0070,0080): upper-case letters, digits, space and `_`, at most 16.
    pub label: String,
    /// Content Description (0070,0081), e.g. "MAA SPECT/CT to planning CT".
    pub description: Option<String>,
    /// Content Creator's Name (0070,0084): the person who made or accepted the registration,
    /// DICOM person name (`Family^Given`).
    pub creator: Option<String>,
    /// How the transform was found.
    pub method: RegistrationMethod,
    /// Frame of Reference Transformation Comment (3006,00C8), at most 64 characters: e.g. the
    /// quality figure of the registration.
    pub comment: Option<String>,
}

/// Writes `fixed_from_moving` as a Spatial Registration object in `study` (a new series:
/// `series`). `references` are the image series the registration was computed on (each on the
/// fixed or the moving frame; listed in the Common Instance Reference module); none is needed.
///
/// Refused: a transform between one frame and itself (a registration needs two frames of
/// reference), a reference on neither frame, a label that is not a valid Content Label, a
/// Content Description or comment longer than 64 characters or holding a backslash or control
/// character, a creator that is not a DICOM person name (as the SEG writer refuses them).
pub fn write_spatial_registration(
    fixed_from_moving: &Rigid,
    references: &[&SeriesRef],
    study: &StudyInfo,
    series: &SeriesInfo,
    content: &RegistrationContent,
) -> Result<WrittenObject, WriteError> {
    let object = series.name("Spatial Registration");
    check_registration_input(&object, fixed_from_moving, references, content)?;
    let fixed_uid = frame_uid(&fixed_from_moving.to);
    let moving_uid = frame_uid(&fixed_from_moving.from);
    let sop_instance_uid = new_uid();
    let h = Header {
        study,
        series,
        modality: REGISTRATION_MODALITY,
        sop_class_uid: SPATIAL_REGISTRATION_STORAGE,
        sop_instance_uid: &sop_instance_uid,
        instance_number: 1,
        series_module: SeriesModule::General,
        frame_of_reference_uid: Some(&fixed_uid),
    };
    let mut o = checked_base(&object, &h)?;
    // General Series: Laterality is Type 2C (paired body parts); a registration has none.
    o.empty(tags::LATERALITY, VR::CS);
    content_identification(&mut o, series, content);
    let identity = Rigid::identity(fixed_from_moving.to.clone(), fixed_from_moving.to.clone());
    o.seq(
        REGISTRATION_SEQUENCE,
        vec![
            registration_item(&fixed_uid, &identity, content, references),
            registration_item(&moving_uid, fixed_from_moving, content, references),
        ],
    );
    common_instance_reference(&mut o, references, study);
    encode(
        o,
        &object,
        "REG.dcm".into(),
        SPATIAL_REGISTRATION_STORAGE,
        &sop_instance_uid,
    )
}

/// The checks of [`write_spatial_registration`], before anything is encoded.
fn check_registration_input(
    object: &str,
    fixed_from_moving: &Rigid,
    references: &[&SeriesRef],
    content: &RegistrationContent,
) -> Result<(), WriteError> {
    let bad = |what: String| WriteError::InvalidInput {
        object: object.to_owned(),
        what,
    };
    let (fixed, moving) = (&fixed_from_moving.to, &fixed_from_moving.from);
    if frame_uid(fixed) == frame_uid(moving) {
        return Err(bad(format!(
            "the transform goes from frame of reference {moving} to itself; a registration \
             relates two frames (give the moving series its own frame of reference)"
        )));
    }
    check_content_identification(
        object,
        &content.label,
        content.description.as_deref(),
        content.creator.as_deref(),
    )?;
    if let Some(c) = &content.comment
        && (c.chars().count() > MAX_LO || c.chars().any(|c| c == '\\' || c.is_control()))
    {
        return Err(bad(format!(
            "transformation comment of {} characters: expected at most {MAX_LO}, without \
             backslash or control characters",
            c.chars().count()
        )));
    }
    for r in references {
        let f = &r.grid.frame;
        if frame_uid(f) != frame_uid(fixed) && frame_uid(f) != frame_uid(moving) {
            return Err(bad(format!(
                "referenced series {} is on frame of reference {f}, neither the fixed ({fixed}) \
                 nor the moving ({moving}) frame",
                r.series_instance_uid
            )));
        }
    }
    Ok(())
}

/// Content Identification (Instance Number is in the base), Content Date and Time.
fn content_identification(o: &mut Obj, series: &SeriesInfo, content: &RegistrationContent) {
    o.str(tags::CONTENT_LABEL, VR::CS, &content.label);
    o.str(
        tags::CONTENT_DESCRIPTION,
        VR::LO,
        content.description.as_deref().unwrap_or(""),
    );
    o.str(
        CONTENT_CREATOR_NAME,
        VR::PN,
        content.creator.as_deref().unwrap_or(""),
    );
    o.str(tags::CONTENT_DATE, VR::DA, &series.date_time.date());
    o.str(tags::CONTENT_TIME, VR::TM, &series.date_time.time());
}

/// One Registration Sequence item: a frame, the images of `references` on it (Referenced Image
/// Sequence, which the Common Instance Reference module then lists) and the matrix taking it
/// into the fixed frame (the comment on the moving frame's item only).
fn registration_item(
    frame: &str,
    transform: &Rigid,
    content: &RegistrationContent,
    references: &[&SeriesRef],
) -> InMemDicomObject {
    let with_comment = transform.to != transform.from;
    let mut matrix = Obj::new();
    matrix.ds(MATRIX, &row_major(transform));
    matrix.str(MATRIX_TYPE, VR::CS, RIGID);
    let mut registration = Obj::new();
    if with_comment {
        registration.opt_str(TRANSFORMATION_COMMENT, VR::LO, content.comment.as_deref());
    }
    registration.seq(
        REGISTRATION_TYPE_CODE_SEQUENCE,
        vec![content.method.code().item()],
    );
    registration.seq(MATRIX_SEQUENCE, vec![matrix.0]);
    let mut item = Obj::new();
    item.str(tags::FRAME_OF_REFERENCE_UID, VR::UI, frame);
    let images: Vec<InMemDicomObject> = references
        .iter()
        .filter(|r| frame_uid(&r.grid.frame) == frame)
        .flat_map(|r| {
            r.sop_instance_uids
                .iter()
                .map(|u| sop_ref(&r.sop_class_uid, u))
        })
        .collect();
    if !images.is_empty() {
        item.seq(tags::REFERENCED_IMAGE_SEQUENCE, images);
    }
    item.seq(MATRIX_REGISTRATION_SEQUENCE, vec![registration.0]);
    item.0
}

/// The 16 values of the homogeneous matrix, row by row (PS3.3 C.20.2.1.1: translation in the
/// fourth column, last row 0 0 0 1).
fn row_major(t: &Rigid) -> [f64; 16] {
    let r = &t.rotation;
    let p = &t.translation_mm;
    [
        r[0][0], r[0][1], r[0][2], p[0], //
        r[1][0], r[1][1], r[1][2], p[1], //
        r[2][0], r[2][1], r[2][2], p[2], //
        0.0, 0.0, 0.0, 1.0,
    ]
}

/// Common Instance Reference (PS3.3 C.12.2): the referenced series of this study in the
/// Referenced Series Sequence, those of other studies grouped by study. Always present (the
/// module is mandatory); empty sequences are left out when nothing is referenced.
fn common_instance_reference(o: &mut Obj, references: &[&SeriesRef], study: &StudyInfo) {
    let series_item = |r: &SeriesRef| {
        let mut s = Obj::new();
        s.str(tags::SERIES_INSTANCE_UID, VR::UI, &r.series_instance_uid);
        s.seq(
            tags::REFERENCED_INSTANCE_SEQUENCE,
            r.sop_instance_uids
                .iter()
                .map(|u| sop_ref(&r.sop_class_uid, u))
                .collect(),
        );
        s.0
    };
    let (same, other): (Vec<&SeriesRef>, Vec<&SeriesRef>) = references
        .iter()
        .copied()
        .partition(|r| r.study_instance_uid == study.study_instance_uid);
    if !same.is_empty() {
        o.seq(
            tags::REFERENCED_SERIES_SEQUENCE,
            same.into_iter().map(series_item).collect(),
        );
    }
    let mut studies: Vec<&str> = other
        .iter()
        .map(|r| r.study_instance_uid.as_str())
        .collect();
    studies.sort_unstable();
    studies.dedup();
    if !studies.is_empty() {
        let items = studies
            .into_iter()
            .map(|uid| {
                let mut s = Obj::new();
                s.str(tags::STUDY_INSTANCE_UID, VR::UI, uid);
                s.seq(
                    tags::REFERENCED_SERIES_SEQUENCE,
                    other
                        .iter()
                        .filter(|r| r.study_instance_uid == uid)
                        .map(|r| series_item(r))
                        .collect(),
                );
                s.0
            })
            .collect();
        o.seq(
            tags::STUDIES_CONTAINING_OTHER_REFERENCED_INSTANCES_SEQUENCE,
            items,
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use sirt_geometry::FrameOfReference;

    fn frame(name: &str) -> FrameOfReference {
        FrameOfReference(name.to_owned())
    }

    #[test]
    fn the_matrix_is_written_row_by_row_with_the_translation_in_the_fourth_column() {
        let t = Rigid::new(
            frame("1.2.3"),
            frame("1.2.4"),
            [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
            [10.0, -20.5, 3.25],
        )
        .unwrap();
        assert_eq!(
            row_major(&t),
            [
                0.0, -1.0, 0.0, 10.0, 1.0, 0.0, 0.0, -20.5, 0.0, 0.0, 1.0, 3.25, 0.0, 0.0, 0.0, 1.0
            ]
        );
    }
}
