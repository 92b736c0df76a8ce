//! RT Structure Set from binary masks on the grid of a written (or read) image series.
//!
//! Each slice of each mask is traced into closed planar contours at half a voxel between set
//! and unset voxel centres (marching squares, holes as separate contours; see `contour`), in
//! the slice's plane, with the slice's SOP Instance UID in the Contour Image Sequence.
//! Rasterising them again at the voxel centres ([`rasterize`](crate::rasterize)) gives the
//! mask back.

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use sirt_geometry::{ContinuousIndex, Mask};

use super::WriteError;
use super::common::{
    Header, Obj, SeriesInfo, SeriesModule, SeriesRef, StudyInfo, WrittenObject, checked_base, ds,
    encode, frame_uid, new_uid, same_written_grid, sop_ref,
};
use super::contour::trace_slice;
use super::seg::{MAX_LO, MAX_PN_COMPONENTS, SegmentAlgorithmType};

/// Referenced SOP Class UID of the study in the RT Referenced Study Sequence (Detached Study
/// Management, as PS3.3 C.8.8.5 suggests and RT systems expect).
const DETACHED_STUDY_MANAGEMENT: &str = "1.2.840.10008.3.1.2.3.1";

/// One ROI to write.
#[derive(Debug, Clone, PartialEq)]
pub struct RoiSpec<'a> {
    /// ROI Name (unique in the structure set).
    pub name: String,
    /// The mask, on the grid of the referenced series.
    pub mask: &'a Mask,
    /// RT ROI Interpreted Type: `ORGAN`, `GTV`, `PTV`, `AVOIDANCE`, `EXTERNAL`, `CONTROL`, ….
    pub interpreted_type: String,
    /// ROI Display Color (RGB).
    pub color: [u8; 3],
}

/// How one ROI was made and who interpreted it (PS3.3 C.8.8.5 Structure Set Module and C.8.8.8
/// RT ROI Observations Module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoiProvenance {
    /// ROI Generation Algorithm (3006,0036): the defined terms AUTOMATIC, SEMIAUTOMATIC and
    /// MANUAL are those of the SEG's Segment Algorithm Type.
    pub algorithm: SegmentAlgorithmType,
    /// ROI Generation Description (3006,0038), LO: how it was made, at most 64 characters.
    pub description: Option<String>,
    /// ROI Interpreter (3006,00A6), PN: the person who made or accepted it (`Family^Given`).
    pub interpreter: Option<String>,
}

/// Who made a structure set and how (the RT Series Module's Operators' Name (0008,1070), the
/// Structure Set Description (3006,0006), and each ROI's [`RoiProvenance`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtStructContent {
    /// Operators' Name (0008,1070), PN: the person who made the structure set.
    pub operator: Option<String>,
    /// Structure Set Description (3006,0006), ST (at most 1024 characters).
    pub description: Option<String>,
    /// One per ROI, in the order of the ROIs.
    pub rois: Vec<RoiProvenance>,
}

impl RtStructContent {
    /// What [`write_rt_struct`] writes: every ROI AUTOMATIC, no description, empty Operators'
    /// Name and ROI Interpreter.
    pub fn unattributed(rois: usize) -> Self {
        Self {
            operator: None,
            description: None,
            rois: vec![
                RoiProvenance {
                    algorithm: SegmentAlgorithmType::Automatic,
                    description: None,
                    interpreter: None,
                };
                rois
            ],
        }
    }
}

/// Longest ST value (Structure Set Description): 1024 characters (PS3.5 6.2).
const MAX_ST: usize = 1024;

/// Writes an RT Structure Set of `rois` referencing the image series `source` (its frame of
/// reference, study, series and each slice in the Contour Image Sequences). `label` is the
/// Structure Set Label (at most 16 characters). Every ROI is written AUTOMATIC, without an
/// operator or interpreter ([`write_rt_struct_with_content`] says who made them and how).
///
/// Modules: Patient, General Study, Patient Study, RT Series, Frame of Reference (dciodvfy
/// expects it), General Equipment, Structure Set, ROI Contour, RT ROI Observations, SOP Common.
pub fn write_rt_struct(
    rois: &[RoiSpec<'_>],
    source: &SeriesRef,
    study: &StudyInfo,
    series: &SeriesInfo,
    label: &str,
) -> Result<WrittenObject, WriteError> {
    let content = RtStructContent::unattributed(rois.len());
    write_rt_struct_with_content(rois, source, study, series, label, &content)
}

/// [`write_rt_struct`] with who made the structure set and how: Operators' Name, Structure Set
/// Description, and per ROI its ROI Generation Algorithm and Description and ROI Interpreter.
/// Refused besides: a content with another number of ROIs, a description too long or holding a
/// backslash or control character, a person that is not a DICOM person name.
pub fn write_rt_struct_with_content(
    rois: &[RoiSpec<'_>],
    source: &SeriesRef,
    study: &StudyInfo,
    series: &SeriesInfo,
    label: &str,
    content: &RtStructContent,
) -> Result<WrittenObject, WriteError> {
    let object = series.name("RT Structure Set");
    check_rt_struct_input(&object, rois, source, label)?;
    check_rt_struct_content(&object, rois.len(), content)?;
    let frame = frame_uid(&source.grid.frame);
    let sop_instance_uid = new_uid();
    let h = Header {
        study,
        series,
        modality: "RTSTRUCT",
        sop_class_uid: uids::RT_STRUCTURE_SET_STORAGE,
        sop_instance_uid: &sop_instance_uid,
        instance_number: 1,
        series_module: SeriesModule::Rt,
        frame_of_reference_uid: Some(&frame),
    };
    let mut o = checked_base(&object, &h)?;
    if let Some(op) = &content.operator {
        o.str(tags::OPERATORS_NAME, VR::PN, op);
    }
    // Structure Set.
    o.str(tags::STRUCTURE_SET_LABEL, VR::SH, label);
    if let Some(d) = &content.description {
        o.str(tags::STRUCTURE_SET_DESCRIPTION, VR::ST, d);
    }
    o.str(tags::STRUCTURE_SET_DATE, VR::DA, &series.date_time.date());
    o.str(tags::STRUCTURE_SET_TIME, VR::TM, &series.date_time.time());
    o.seq(
        tags::REFERENCED_FRAME_OF_REFERENCE_SEQUENCE,
        vec![referenced_frame_of_reference(source, &frame)],
    );
    let mut roi_items = Vec::with_capacity(rois.len());
    let mut contour_items = Vec::with_capacity(rois.len());
    let mut observation_items = Vec::with_capacity(rois.len());
    for (n, (r, made)) in rois.iter().zip(&content.rois).enumerate() {
        let number = n as i64 + 1;
        let mut roi = Obj::new();
        roi.is(tags::ROI_NUMBER, number);
        roi.str(tags::REFERENCED_FRAME_OF_REFERENCE_UID, VR::UI, &frame);
        roi.str(tags::ROI_NAME, VR::LO, &r.name);
        roi.str(
            tags::ROI_GENERATION_ALGORITHM,
            VR::CS,
            made.algorithm.dicom(),
        );
        if let Some(d) = &made.description {
            roi.str(tags::ROI_GENERATION_DESCRIPTION, VR::LO, d);
        }
        roi_items.push(roi.0);
        contour_items.push(roi_contour_item(r, number, source));
        let mut obs = Obj::new();
        obs.is(tags::OBSERVATION_NUMBER, number);
        obs.is(tags::REFERENCED_ROI_NUMBER, number);
        obs.str(tags::RTROI_INTERPRETED_TYPE, VR::CS, &r.interpreted_type);
        match &made.interpreter {
            Some(p) => obs.str(tags::ROI_INTERPRETER, VR::PN, p),
            None => obs.empty(tags::ROI_INTERPRETER, VR::PN),
        }
        observation_items.push(obs.0);
    }
    o.seq(tags::STRUCTURE_SET_ROI_SEQUENCE, roi_items);
    o.seq(tags::ROI_CONTOUR_SEQUENCE, contour_items);
    o.seq(tags::RTROI_OBSERVATIONS_SEQUENCE, observation_items);
    encode(
        o,
        &object,
        "RTSTRUCT.dcm".into(),
        uids::RT_STRUCTURE_SET_STORAGE,
        &sop_instance_uid,
    )
}

/// Refuses a Structure Set Label of no or more than 16 characters, no ROI, a source without
/// one SOP Instance UID per slice, an ROI without name or with another's name, and a mask off
/// the grid of `source`.
fn check_rt_struct_input(
    object: &str,
    rois: &[RoiSpec<'_>],
    source: &SeriesRef,
    label: &str,
) -> Result<(), WriteError> {
    let bad = |what: String| WriteError::InvalidInput {
        object: object.to_string(),
        what,
    };
    if label.is_empty() || label.len() > 16 {
        return Err(bad(format!(
            "Structure Set Label \"{label}\" must have 1 to 16 characters"
        )));
    }
    if rois.is_empty() {
        return Err(bad("no ROI to write".into()));
    }
    let grid = &source.grid;
    let nz = grid.dims[2];
    if source.sop_instance_uids.len() != nz {
        return Err(bad(format!(
            "the referenced series has {} SOP Instance UIDs for {nz} slices",
            source.sop_instance_uids.len()
        )));
    }
    for (n, r) in rois.iter().enumerate() {
        if r.name.trim().is_empty() {
            return Err(bad(format!("ROI {} has an empty name", n + 1)));
        }
        if rois[..n].iter().any(|o| o.name == r.name) {
            return Err(bad(format!("ROI name \"{}\" appears twice", r.name)));
        }
        if !same_written_grid(r.mask.grid(), grid) {
            return Err(bad(format!(
                "ROI \"{}\": its mask is not on the grid of the referenced series {} (dims \
                 {:?} vs {:?}, frame {} vs {}); resample it first",
                r.name,
                source.series_instance_uid,
                r.mask.grid().dims,
                grid.dims,
                r.mask.grid().frame,
                grid.frame
            )));
        }
    }
    Ok(())
}

/// Refuses a content whose ROIs do not match `rois` one for one, a text too long or holding a
/// backslash or control character, and a person that is not a DICOM person name.
fn check_rt_struct_content(
    object: &str,
    rois: usize,
    content: &RtStructContent,
) -> Result<(), WriteError> {
    let bad = |what: String| WriteError::InvalidInput {
        object: object.to_string(),
        what,
    };
    if content.rois.len() != rois {
        return Err(bad(format!(
            "{} ROI provenances for {rois} ROIs: expected one per ROI",
            content.rois.len()
        )));
    }
    let text = |what: &str, t: &str, max: usize| {
        if t.len() > max || t.chars().any(|c| c == '\\' || c.is_control()) {
            Err(bad(format!(
                "{what} of {} bytes: expected at most {max} (UTF-8 bytes, as dciodvfy counts \
                 them), without backslash or control characters",
                t.len()
            )))
        } else {
            Ok(())
        }
    };
    if let Some(d) = &content.description {
        text("Structure Set Description", d, MAX_ST)?;
    }
    if let Some(p) = &content.operator {
        check_person(object, "Operators' Name", p)?;
    }
    for (n, r) in content.rois.iter().enumerate() {
        if let Some(d) = &r.description {
            text(
                &format!("ROI {}: ROI Generation Description", n + 1),
                d,
                MAX_LO,
            )?;
        }
        if let Some(p) = &r.interpreter {
            check_person(object, &format!("ROI {}: ROI Interpreter", n + 1), p)?;
        }
    }
    Ok(())
}

/// Refuses a person name that is empty, longer than 64 characters, of more than 5 components
/// or holding a backslash, `=` or a control character (PS3.5 6.2, PN).
fn check_person(object: &str, what: &str, name: &str) -> Result<(), WriteError> {
    if name.trim().is_empty()
        || name.chars().count() > MAX_LO
        || name.split('^').count() > MAX_PN_COMPONENTS
        || name
            .chars()
            .any(|c| c == '\\' || c == '=' || c.is_control())
    {
        return Err(WriteError::InvalidInput {
            object: object.to_string(),
            what: format!(
                "{what} \"{name}\": expected a person name such as \"Family^Given\" (at most \
                 {MAX_PN_COMPONENTS} components separated by ^, {MAX_LO} characters, no \
                 backslash, = or control character)"
            ),
        });
    }
    Ok(())
}

/// The Referenced Frame of Reference Sequence item: the frame, the study (RT Referenced Study)
/// and the series with every slice (Contour Image Sequence).
fn referenced_frame_of_reference(source: &SeriesRef, frame: &str) -> InMemDicomObject {
    let slice_refs = source
        .sop_instance_uids
        .iter()
        .map(|u| sop_ref(&source.sop_class_uid, u))
        .collect::<Vec<_>>();
    let mut rt_series = Obj::new();
    rt_series.str(
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        &source.series_instance_uid,
    );
    rt_series.seq(tags::CONTOUR_IMAGE_SEQUENCE, slice_refs);
    let mut rt_study = Obj(sop_ref(
        DETACHED_STUDY_MANAGEMENT,
        &source.study_instance_uid,
    ));
    rt_study.seq(tags::RT_REFERENCED_SERIES_SEQUENCE, vec![rt_series.0]);
    let mut for_item = Obj::new();
    for_item.str(tags::FRAME_OF_REFERENCE_UID, VR::UI, frame);
    for_item.seq(tags::RT_REFERENCED_STUDY_SEQUENCE, vec![rt_study.0]);
    for_item.0
}

/// The ROI Contour Sequence item of ROI `number`: its colour and its contours (none for an
/// empty mask).
fn roi_contour_item(r: &RoiSpec<'_>, number: i64, source: &SeriesRef) -> InMemDicomObject {
    let contours = slice_contours(r.mask, source);
    let mut rc = Obj::new();
    rc.strs(
        tags::ROI_DISPLAY_COLOR,
        VR::IS,
        &r.color.map(|c| c.to_string()),
    );
    if !contours.is_empty() {
        rc.seq(tags::CONTOUR_SEQUENCE, contours);
    }
    rc.is(tags::REFERENCED_ROI_NUMBER, number);
    rc.0
}

/// Contour Sequence items of a mask: each slice traced into closed planar contours in patient
/// coordinates, numbered from 1, each referencing its slice.
fn slice_contours(mask: &Mask, source: &SeriesRef) -> Vec<InMemDicomObject> {
    let grid = &source.grid;
    let [nx, ny, nz] = grid.dims;
    let mask = mask.data();
    let mut contours = Vec::new();
    for k in 0..nz {
        let slice = &mask[k * nx * ny..(k + 1) * nx * ny];
        if !slice.iter().any(|&b| b) {
            continue;
        }
        for l in trace_slice(slice, nx, ny) {
            let mut data = Vec::with_capacity(l.len() * 3);
            for &(i, j) in &l {
                let p = grid.patient_from_index(ContinuousIndex::new(i, j, k as f64));
                data.push(ds(p.x));
                data.push(ds(p.y));
                data.push(ds(p.z));
            }
            let mut c = Obj::new();
            c.seq(
                tags::CONTOUR_IMAGE_SEQUENCE,
                vec![sop_ref(&source.sop_class_uid, &source.sop_instance_uids[k])],
            );
            c.str(tags::CONTOUR_GEOMETRIC_TYPE, VR::CS, "CLOSED_PLANAR");
            c.is(tags::NUMBER_OF_CONTOUR_POINTS, l.len() as i64);
            c.is(tags::CONTOUR_NUMBER, contours.len() as i64 + 1);
            c.strs(tags::CONTOUR_DATA, VR::DS, &data);
            contours.push(c.0);
        }
    }
    contours
}
