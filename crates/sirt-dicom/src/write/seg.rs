//! DICOM Segmentation (binary) from a label map on the grid of a written (or read) series.
//!
//! One segment per [`SegmentSpec`] (its voxels: the label map's voxels whose value is one of its
//! values — usually one value per segment); one frame per segment and slice that holds any of
//! its voxels (a segment without voxels gets one empty frame on the first slice), full size,
//! ordered by segment then slice. Shared Functional Groups: Pixel Measures and Plane
//! Orientation; Per-frame: Frame Content (dimension indices segment, slice), Plane Position,
//! Segment Identification and Derivation Image (the source slice). 1-bit pixels packed across
//! frames.

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use sirt_geometry::{ContinuousIndex, Grid, Image};

use super::WriteError;
use super::common::{
    Code, Header, Obj, SeriesInfo, SeriesModule, SeriesRef, StudyInfo, WrittenObject, checked_base,
    content_date_time, encode, frame_uid, image_orientation, new_uid, pixel_module,
    same_written_grid, sop_ref,
};

/// One segment to write.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentSpec {
    /// Label values of the label map that make up the segment (usually one).
    pub values: Vec<u16>,
    /// Segment Label.
    pub label: String,
    /// Segment Description, when any.
    pub description: Option<String>,
    /// Segmented Property Category (CID 7150), e.g. [`SegmentSpec::anatomical_structure`].
    pub category: Code,
    /// Segmented Property Type (CID 7151), e.g. SCT 10200004 Liver.
    pub property_type: Code,
    /// Recommended display colour (RGB), when any.
    pub color: Option<[u8; 3]>,
    /// Segment Algorithm Name (0062,0009): the algorithm that made the segment, at most 64
    /// characters (e.g. an edit history's "region growing + fill holes + margin").
    pub algorithm: Option<String>,
    /// Segment Algorithm Type (0062,0008); `None`: AUTOMATIC when an algorithm is named,
    /// MANUAL otherwise. SEMIAUTOMATIC and AUTOMATIC need an algorithm name, MANUAL takes none
    /// (type 1C, PS3.3 C.8.20.2).
    pub algorithm_type: Option<SegmentAlgorithmType>,
}

/// Segment Algorithm Type (0062,0008), PS3.3 C.8.20.2 (Segment Description Macro).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentAlgorithmType {
    /// Drawn by a person.
    Manual,
    /// Computed with a person's help (parameters, seeds, corrections).
    Semiautomatic,
    /// Computed without a person.
    Automatic,
}

impl SegmentAlgorithmType {
    /// The DICOM Enumerated Value.
    pub fn dicom(self) -> &'static str {
        match self {
            SegmentAlgorithmType::Manual => "MANUAL",
            SegmentAlgorithmType::Semiautomatic => "SEMIAUTOMATIC",
            SegmentAlgorithmType::Automatic => "AUTOMATIC",
        }
    }
}

/// Who made a segmentation and what it is (Content Identification Macro, PS3.3 Table 10-12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegContent {
    /// Content Label (0070,0080): upper-case letters, digits, space and `_`, at most 16.
    pub label: String,
    /// Content Description (0070,0081), at most 64 characters.
    pub description: Option<String>,
    /// Content Creator's Name (0070,0084): the person who made the segmentation, a DICOM person
    /// name (`Family^Given`, at most 64 characters per component group).
    pub creator: Option<String>,
}

impl SegContent {
    /// The content [`write_seg`] writes: label "SEGMENTATION", the series description, no
    /// creator (an empty Content Creator's Name).
    pub fn unattributed(series: &SeriesInfo) -> Self {
        Self {
            label: DEFAULT_CONTENT_LABEL.into(),
            description: series.description.clone(),
            creator: None,
        }
    }
}

/// Content Label of a SEG written without [`SegContent`]: "SEGMENTATION" (design choice: what
/// the object is; dcmqi writes the same).
const DEFAULT_CONTENT_LABEL: &str = "SEGMENTATION";
/// Longest Content Label: a CS value holds 16 characters (PS3.5 6.2).
const MAX_CONTENT_LABEL: usize = 16;
/// Longest LO value (Content Description, Segment Algorithm Name) and PN component group: 64
/// characters (PS3.5 6.2).
pub(super) const MAX_LO: usize = 64;
/// Most components of a PN component group: family, given, middle, prefix, suffix (PS3.5 6.2).
pub(super) const MAX_PN_COMPONENTS: usize = 5;

impl SegmentSpec {
    /// Category "Anatomical Structure" (SCT 91723000).
    pub fn anatomical_structure() -> Code {
        Code::new("91723000", "SCT", "Anatomical Structure")
    }

    /// Category "Morphologically Abnormal Structure" (SCT 49755003).
    pub fn morphologically_abnormal_structure() -> Code {
        Code::new("49755003", "SCT", "Morphologically Abnormal Structure")
    }

    /// An anatomical structure of one or more label values, e.g. `organ(&[5], "Liver",
    /// Code::new("10200004", "SCT", "Liver"))`.
    pub fn organ(values: &[u16], label: &str, property_type: Code) -> Self {
        Self {
            values: values.to_vec(),
            label: label.into(),
            description: None,
            category: Self::anatomical_structure(),
            property_type,
            color: None,
            algorithm: None,
            algorithm_type: None,
        }
    }

    /// A tumour (category Morphologically Abnormal Structure, type Neoplasm SCT 108369006).
    pub fn tumour(values: &[u16], label: &str) -> Self {
        Self {
            values: values.to_vec(),
            label: label.into(),
            description: None,
            category: Self::morphologically_abnormal_structure(),
            property_type: Code::new("108369006", "SCT", "Neoplasm"),
            color: None,
            algorithm: None,
            algorithm_type: None,
        }
    }
}

/// sRGB (0–255) → DICOM CIELab (PS3.3 C.10.7.1.1: L* 0–100 and a*, b* −128–127 scaled to
/// 0–65535), through XYZ with the D50 white point (Bradford-adapted sRGB matrix).
pub(crate) fn dicom_lab(rgb: [u8; 3]) -> [u16; 3] {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (lin(rgb[0]), lin(rgb[1]), lin(rgb[2]));
    let x = (0.436_074_7 * r + 0.385_064_9 * g + 0.143_080_4 * b) / 0.964_22;
    let y = 0.222_504_5 * r + 0.716_878_6 * g + 0.060_616_9 * b;
    let z = (0.013_932_2 * r + 0.097_104_5 * g + 0.714_173_3 * b) / 0.825_21;
    let f = |t: f64| {
        let d: f64 = 6.0 / 29.0;
        if t > d.powi(3) {
            t.cbrt()
        } else {
            t / (3.0 * d * d) + 4.0 / 29.0
        }
    };
    let l = 116.0 * f(y) - 16.0;
    let a = 500.0 * (f(x) - f(y));
    let bb = 200.0 * (f(y) - f(z));
    let scale = |v: f64, lo: f64, hi: f64| {
        (((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 65535.0).round() as u16
    };
    [
        scale(l, 0.0, 100.0),
        scale(a, -128.0, 127.0),
        scale(bb, -128.0, 127.0),
    ]
}

/// Writes a binary DICOM SEG of `segments` of a label map on the grid of the image series
/// `source`, which it references (Referenced Series Sequence and a Derivation Image Sequence
/// per frame).
///
/// Modules: Patient, General Study, Patient Study, General Series, Segmentation Series, Frame
/// of Reference, General Equipment, Enhanced General Equipment, General Image, Image Pixel,
/// Segmentation Image, Multi-frame Functional Groups, Multi-frame Dimension, Common Instance
/// Reference, SOP Common.
pub fn write_seg(
    labels: &Image<u16>,
    segments: &[SegmentSpec],
    source: &SeriesRef,
    study: &StudyInfo,
    series: &SeriesInfo,
) -> Result<WrittenObject, WriteError> {
    write_seg_with_content(
        labels,
        segments,
        source,
        study,
        series,
        &SegContent::unattributed(series),
    )
}

/// [`write_seg`] with who made the segmentation and what it is: Content Label, Content
/// Description and Content Creator's Name from `content` (each segment's Segment Algorithm
/// Type and Name come from its [`SegmentSpec`]).
pub fn write_seg_with_content(
    labels: &Image<u16>,
    segments: &[SegmentSpec],
    source: &SeriesRef,
    study: &StudyInfo,
    series: &SeriesInfo,
    content: &SegContent,
) -> Result<WrittenObject, WriteError> {
    let object = series.name("SEG");
    check_seg_input(&object, labels, segments, source)?;
    check_content(&object, content)?;
    let grid = &source.grid;
    let [nx, ny, _] = grid.dims;
    let frames = seg_frames(labels, segments);
    let frame = frame_uid(&grid.frame);
    let sop_instance_uid = new_uid();
    let h = Header {
        study,
        series,
        modality: "SEG",
        sop_class_uid: uids::SEGMENTATION_STORAGE,
        sop_instance_uid: &sop_instance_uid,
        instance_number: 1,
        series_module: SeriesModule::General,
        frame_of_reference_uid: Some(&frame),
    };
    let mut o = checked_base(&object, &h)?;
    segmentation_image(&mut o, series, segments, content);
    pixel_module(&mut o, ny, nx, 1, false);
    dimensions(&mut o, &new_uid());
    shared_functional_groups(&mut o, grid);
    o.seq(
        tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE,
        frames
            .iter()
            .map(|&(number, k)| per_frame_item(source, number, k))
            .collect(),
    );
    o.is(tags::NUMBER_OF_FRAMES, frames.len() as i64);
    common_instance_reference(&mut o, source, study);
    o.bytes(
        tags::PIXEL_DATA,
        VR::OB,
        packed_bits(labels.data(), segments, &frames, nx * ny),
    );
    encode(
        o,
        &object,
        "SEG.dcm".into(),
        uids::SEGMENTATION_STORAGE,
        &sop_instance_uid,
    )
}

/// Refuses a label map off the grid of `source`, a source without one SOP Instance UID per
/// slice, no segment or too many, a segment without label, algorithm name or value, and
/// images wider or taller than 65535 pixels.
fn check_seg_input(
    object: &str,
    labels: &Image<u16>,
    segments: &[SegmentSpec],
    source: &SeriesRef,
) -> Result<(), WriteError> {
    let bad = |what: String| WriteError::InvalidInput {
        object: object.to_string(),
        what,
    };
    let grid = &source.grid;
    let [nx, ny, nz] = grid.dims;
    if !same_written_grid(labels.grid(), grid) {
        return Err(bad(format!(
            "the label map is not on the grid of the referenced series {} (dims {:?} vs {:?}, \
             frame {} vs {}); resample it first",
            source.series_instance_uid,
            labels.grid().dims,
            grid.dims,
            labels.grid().frame,
            grid.frame
        )));
    }
    if source.sop_instance_uids.len() != nz {
        return Err(bad(format!(
            "the referenced series has {} SOP Instance UIDs for {nz} slices",
            source.sop_instance_uids.len()
        )));
    }
    if segments.is_empty() || segments.len() > 65535 {
        return Err(bad(format!(
            "{} segments: between 1 and 65535 can be written",
            segments.len()
        )));
    }
    for (n, s) in segments.iter().enumerate() {
        if s.label.trim().is_empty() {
            return Err(bad(format!("segment {} has an empty label", n + 1)));
        }
        if s.algorithm.as_deref().is_some_and(|a| a.trim().is_empty()) {
            return Err(bad(format!(
                "segment {} \"{}\": the algorithm name is empty",
                n + 1,
                s.label
            )));
        }
        if let Some(a) = s.algorithm.as_deref()
            && a.chars().count() > MAX_LO
        {
            return Err(bad(format!(
                "segment {} \"{}\": the algorithm name has {} characters, at most {MAX_LO} fit \
                 (Segment Algorithm Name is LO)",
                n + 1,
                s.label,
                a.chars().count()
            )));
        }
        if s.algorithm.is_some() && algorithm_type(s) == SegmentAlgorithmType::Manual {
            return Err(bad(format!(
                "segment {} \"{}\": algorithm type MANUAL takes no algorithm name (Segment \
                 Algorithm Name is only for SEMIAUTOMATIC and AUTOMATIC, PS3.3 C.8.20.2); say \
                 how it was drawn in its description",
                n + 1,
                s.label
            )));
        }
        if s.algorithm.is_none() && algorithm_type(s) != SegmentAlgorithmType::Manual {
            return Err(bad(format!(
                "segment {} \"{}\": algorithm type {} needs an algorithm name",
                n + 1,
                s.label,
                algorithm_type(s).dicom()
            )));
        }
        if s.values.is_empty() {
            return Err(bad(format!(
                "segment {} \"{}\" lists no label value",
                n + 1,
                s.label
            )));
        }
    }
    if nx > 65535 || ny > 65535 {
        return Err(bad(format!("{nx} × {ny} pixels: at most 65535 per side")));
    }
    Ok(())
}

/// The Segment Algorithm Type of a segment: as given, else AUTOMATIC when an algorithm is
/// named and MANUAL otherwise.
fn algorithm_type(s: &SegmentSpec) -> SegmentAlgorithmType {
    s.algorithm_type.unwrap_or(if s.algorithm.is_some() {
        SegmentAlgorithmType::Automatic
    } else {
        SegmentAlgorithmType::Manual
    })
}

/// Refuses a Content Label that is not 1 to 16 upper-case letters, digits, spaces or
/// underscores, a Content Description over 64 characters, and a creator that is not a DICOM
/// person name (at most 5 `^`-separated components, 64 characters, no `\` or control
/// character).
fn check_content(object: &str, content: &SegContent) -> Result<(), WriteError> {
    check_content_identification(
        object,
        &content.label,
        content.description.as_deref(),
        content.creator.as_deref(),
    )
}

/// The checks of [`check_content`] on the Content Identification (PS3.3 C.10.9) of any object
/// that has one (the SEG, the Spatial Registration).
pub(super) fn check_content_identification(
    object: &str,
    label: &str,
    description: Option<&str>,
    creator: Option<&str>,
) -> Result<(), WriteError> {
    let bad = |what: String| WriteError::InvalidInput {
        object: object.to_string(),
        what,
    };
    if label.is_empty()
        || label.len() > MAX_CONTENT_LABEL
        || !label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'_')
    {
        return Err(bad(format!(
            "Content Label \"{label}\": expected 1 to {MAX_CONTENT_LABEL} upper-case letters, \
             digits, spaces or underscores"
        )));
    }
    if let Some(d) = description
        && (d.chars().count() > MAX_LO || d.chars().any(|c| c == '\\' || c.is_control()))
    {
        return Err(bad(format!(
            "Content Description of {} characters: expected at most {MAX_LO}, without \
             backslash or control characters",
            d.chars().count()
        )));
    }
    if let Some(name) = creator
        && (name.trim().is_empty()
            || name.chars().count() > MAX_LO
            || name.split('^').count() > MAX_PN_COMPONENTS
            || name
                .chars()
                .any(|c| c == '\\' || c == '=' || c.is_control()))
    {
        return Err(bad(format!(
            "Content Creator's Name \"{name}\": expected a person name such as \
             \"Family^Given\" (at most {MAX_PN_COMPONENTS} components separated by ^, \
             {MAX_LO} characters, no backslash, = or control character)"
        )));
    }
    Ok(())
}

/// The frames, as (segment number, slice): each slice holding any voxel of the segment, in
/// segment then slice order; slice 0 for a segment without voxels.
fn seg_frames(labels: &Image<u16>, segments: &[SegmentSpec]) -> Vec<(u16, usize)> {
    let [nx, ny, nz] = labels.grid().dims;
    let data = labels.data();
    let mut frames: Vec<(u16, usize)> = Vec::new();
    for (n, s) in segments.iter().enumerate() {
        let number = n as u16 + 1;
        let before = frames.len();
        for k in 0..nz {
            if data[k * nx * ny..(k + 1) * nx * ny]
                .iter()
                .any(|v| s.values.contains(v))
            {
                frames.push((number, k));
            }
        }
        if frames.len() == before {
            frames.push((number, 0));
        }
    }
    frames
}

/// General Image and Segmentation Image modules, with the Segment Sequence.
fn segmentation_image(
    o: &mut Obj,
    series: &SeriesInfo,
    segments: &[SegmentSpec],
    content: &SegContent,
) {
    o.strs(tags::IMAGE_TYPE, VR::CS, &["DERIVED", "PRIMARY"]);
    content_date_time(o, series);
    o.str(tags::CONTENT_LABEL, VR::CS, &content.label);
    o.opt_str(
        tags::CONTENT_DESCRIPTION,
        VR::LO,
        content.description.as_deref(),
    );
    match &content.creator {
        Some(name) => o.str(tags::CONTENT_CREATOR_NAME, VR::PN, name),
        None => o.empty(tags::CONTENT_CREATOR_NAME, VR::PN),
    }
    o.str(tags::SEGMENTATION_TYPE, VR::CS, "BINARY");
    o.str(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00");
    o.seq(
        tags::SEGMENT_SEQUENCE,
        segments
            .iter()
            .enumerate()
            .map(|(n, s)| segment_item(n as u16 + 1, s))
            .collect(),
    );
}

/// The Segment Sequence item of segment `number`.
fn segment_item(number: u16, s: &SegmentSpec) -> InMemDicomObject {
    let mut it = Obj::new();
    it.us(tags::SEGMENT_NUMBER, &[number]);
    it.str(tags::SEGMENT_LABEL, VR::LO, &s.label);
    it.opt_str(tags::SEGMENT_DESCRIPTION, VR::ST, s.description.as_deref());
    it.str(
        tags::SEGMENT_ALGORITHM_TYPE,
        VR::CS,
        algorithm_type(s).dicom(),
    );
    it.opt_str(tags::SEGMENT_ALGORITHM_NAME, VR::LO, s.algorithm.as_deref());
    it.seq(
        tags::SEGMENTED_PROPERTY_CATEGORY_CODE_SEQUENCE,
        vec![s.category.item()],
    );
    it.seq(
        tags::SEGMENTED_PROPERTY_TYPE_CODE_SEQUENCE,
        vec![s.property_type.item()],
    );
    if let Some(rgb) = s.color {
        it.us(tags::RECOMMENDED_DISPLAY_CIE_LAB_VALUE, &dicom_lab(rgb));
    }
    it.0
}

/// Multi-frame Dimension module: frames indexed by segment number, then image position.
fn dimensions(o: &mut Obj, dim_uid: &str) {
    let mut dim_org = Obj::new();
    dim_org.str(tags::DIMENSION_ORGANIZATION_UID, VR::UI, dim_uid);
    o.seq(tags::DIMENSION_ORGANIZATION_SEQUENCE, vec![dim_org.0]);
    o.str(tags::DIMENSION_ORGANIZATION_TYPE, VR::CS, "3D");
    let dim = |pointer, group, label: &str| {
        let mut d = Obj::new();
        d.str(tags::DIMENSION_ORGANIZATION_UID, VR::UI, dim_uid);
        d.at(tags::DIMENSION_INDEX_POINTER, &[pointer]);
        d.at(tags::FUNCTIONAL_GROUP_POINTER, &[group]);
        d.str(tags::DIMENSION_DESCRIPTION_LABEL, VR::LO, label);
        d.0
    };
    o.seq(
        tags::DIMENSION_INDEX_SEQUENCE,
        vec![
            dim(
                tags::REFERENCED_SEGMENT_NUMBER,
                tags::SEGMENT_IDENTIFICATION_SEQUENCE,
                "ReferencedSegmentNumber",
            ),
            dim(
                tags::IMAGE_POSITION_PATIENT,
                tags::PLANE_POSITION_SEQUENCE,
                "ImagePositionPatient",
            ),
        ],
    );
}

/// Shared Functional Groups: Pixel Measures and Plane Orientation of the grid.
fn shared_functional_groups(o: &mut Obj, grid: &Grid) {
    let mut measures = Obj::new();
    measures.ds(
        tags::PIXEL_SPACING,
        &[grid.spacing_mm[1], grid.spacing_mm[0]],
    );
    measures.ds(tags::SLICE_THICKNESS, &[grid.spacing_mm[2]]);
    measures.ds(tags::SPACING_BETWEEN_SLICES, &[grid.spacing_mm[2]]);
    let mut orientation = Obj::new();
    image_orientation(&mut orientation, grid);
    let mut shared = Obj::new();
    shared.seq(tags::PIXEL_MEASURES_SEQUENCE, vec![measures.0]);
    shared.seq(tags::PLANE_ORIENTATION_SEQUENCE, vec![orientation.0]);
    o.seq(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE, vec![shared.0]);
}

/// The Per-frame Functional Groups item of segment `number` on slice `k`: Frame Content,
/// Plane Position, Segment Identification and Derivation Image (the source slice).
fn per_frame_item(source: &SeriesRef, number: u16, k: usize) -> InMemDicomObject {
    let mut content = Obj::new();
    content.ul(
        tags::DIMENSION_INDEX_VALUES,
        &[u32::from(number), k as u32 + 1],
    );
    let mut position = Obj::new();
    let p = source
        .grid
        .patient_from_index(ContinuousIndex::of_voxel(0, 0, k));
    position.ds(tags::IMAGE_POSITION_PATIENT, &[p.x, p.y, p.z]);
    let mut ident = Obj::new();
    ident.us(tags::REFERENCED_SEGMENT_NUMBER, &[number]);
    let mut src = Obj(sop_ref(&source.sop_class_uid, &source.sop_instance_uids[k]));
    src.seq(
        tags::PURPOSE_OF_REFERENCE_CODE_SEQUENCE,
        vec![
            Code::new(
                "121322",
                "DCM",
                "Source image for image processing operation",
            )
            .item(),
        ],
    );
    let mut derivation = Obj::new();
    derivation.seq(
        tags::DERIVATION_CODE_SEQUENCE,
        vec![Code::new("113076", "DCM", "Segmentation").item()],
    );
    derivation.seq(tags::SOURCE_IMAGE_SEQUENCE, vec![src.0]);
    let mut item = Obj::new();
    item.seq(tags::DERIVATION_IMAGE_SEQUENCE, vec![derivation.0]);
    item.seq(tags::FRAME_CONTENT_SEQUENCE, vec![content.0]);
    item.seq(tags::PLANE_POSITION_SEQUENCE, vec![position.0]);
    item.seq(tags::SEGMENT_IDENTIFICATION_SEQUENCE, vec![ident.0]);
    item.0
}

/// Common Instance Reference module: every slice of `source`, under the Studies Containing
/// Other Referenced Instances Sequence when `source` is of another study.
fn common_instance_reference(o: &mut Obj, source: &SeriesRef, study: &StudyInfo) {
    let mut ref_series = Obj::new();
    ref_series.str(
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        &source.series_instance_uid,
    );
    ref_series.seq(
        tags::REFERENCED_INSTANCE_SEQUENCE,
        source
            .sop_instance_uids
            .iter()
            .map(|u| sop_ref(&source.sop_class_uid, u))
            .collect(),
    );
    if source.study_instance_uid == study.study_instance_uid {
        o.seq(tags::REFERENCED_SERIES_SEQUENCE, vec![ref_series.0]);
    } else {
        let mut other = Obj::new();
        other.str(tags::STUDY_INSTANCE_UID, VR::UI, &source.study_instance_uid);
        other.seq(tags::REFERENCED_SERIES_SEQUENCE, vec![ref_series.0]);
        o.seq(
            tags::STUDIES_CONTAINING_OTHER_REFERENCED_INSTANCES_SEQUENCE,
            vec![other.0],
        );
    }
}

/// Pixel Data: the frames' bits packed across frames, least significant bit first, padded to
/// an even length.
fn packed_bits(
    data: &[u16],
    segments: &[SegmentSpec],
    frames: &[(u16, usize)],
    per: usize,
) -> Vec<u8> {
    let mut bits = vec![0u8; (frames.len() * per).div_ceil(8).next_multiple_of(2)];
    for (f, &(number, k)) in frames.iter().enumerate() {
        let values = &segments[usize::from(number) - 1].values;
        for (m, v) in data[k * per..(k + 1) * per].iter().enumerate() {
            if values.contains(v) {
                let n = f * per + m;
                bits[n / 8] |= 1 << (n % 8);
            }
        }
    }
    bits
}
