//! The structures made, as one DICOM SEG referencing the planning CT (who made them and how:
//! Content Creator's Name, each segment's Segment Algorithm Type, Name and Description from its
//! edit history), as one RT Structure Set referencing it (Operators' Name, each ROI's ROI
//! Generation Algorithm and Description and ROI Interpreter from its history), or as a NIfTI
//! label map with its table name → label values.
//!
//! Structures may overlap (a territory lies in the liver): each voxel's label is the sum of
//! 2^i over the structures i (0-based, in the order given) that hold it, and structure i is
//! made of the labels present that have bit i set. One structure alone is label 1.

use super::{Made, SourceImage, StructureError};
use sirt_dicom::write::{
    CivilDateTime, Code, RoiProvenance, RoiSpec, RtStructContent, SegContent, SegmentAlgorithmType,
    SegmentSpec, SeriesInfo, SeriesRef, StudyInfo, write_rt_struct_with_content,
    write_seg_with_content,
};
use sirt_geometry::{Image, Role};
use sirt_segmentation::history::{AlgorithmType, Author};
use sirt_units::Instant;
use std::path::Path;

/// Most structures in one output: the labels are bit sets in 16-bit values (NIfTI label maps
/// and the SEG writer's label map are u16).
pub const MAX_STRUCTURES: usize = 16;

/// Series Number of a SEG written by the structure tools. Design choice: after the images'
/// numbers and the registration object's (900).
pub const SEG_SERIES_NUMBER: u32 = 901;

/// Series Number of an RT Structure Set written by the structure tools. Design choice: after
/// the SEG's.
pub const RT_STRUCT_SERIES_NUMBER: u32 = 902;

/// Structure Set Label of the RT Structure Set (SH, at most 16 characters, PS3.5 6.2): what
/// made it, as the SEG's Content Label.
const STRUCTURE_SET_LABEL: &str = "SIRTPLAN_TOOLS";

/// Longest ROI Generation Description written, bytes: LO holds 64 characters (PS3.5 6.2), and
/// dciodvfy counts the bytes of UTF-8 text (a dash "–" is 3).
const MAX_ROI_DESCRIPTION: usize = 64;

/// Content Label of the SEG (CS, upper-case, at most 16 characters, PS3.5 6.2): what made it.
const CONTENT_LABEL: &str = "SIRTPLAN_TOOLS";

/// Longest Segment Description written: ST holds 1024 characters (PS3.5 6.2).
const MAX_SEGMENT_DESCRIPTION: usize = 1024;

/// A label map of the structures and the label values of each.
#[derive(Debug, Clone)]
pub struct LabelMap {
    /// The labels on the CT grid.
    pub labels: Image<u16>,
    /// Each structure's name and label values, in the order given.
    pub values: Vec<(String, Vec<u16>)>,
}

/// The label map of `made` (all on one grid, at most [`MAX_STRUCTURES`], names distinct).
pub fn label_map(made: &[Made]) -> Result<LabelMap, StructureError> {
    let Some(first) = made.first() else {
        return Err(StructureError::Output {
            what: "no structure to write".into(),
        });
    };
    if made.len() > MAX_STRUCTURES {
        return Err(StructureError::Output {
            what: format!(
                "{} structures: at most {MAX_STRUCTURES} fit in one file (16-bit labels, one bit per structure)",
                made.len()
            ),
        });
    }
    let grid = first.mask.grid();
    let mut labels = Image::filled(grid.clone(), 0u16);
    for (i, m) in made.iter().enumerate() {
        if made[..i].iter().any(|o| o.name == m.name) {
            return Err(StructureError::Output {
                what: format!(
                    "two structures are named \"{}\": give each its own name",
                    m.name
                ),
            });
        }
        if !m.mask.grid().same_as(grid) {
            return Err(StructureError::Output {
                what: format!(
                    "structure \"{}\" is on another grid than \"{}\" ({} and {})",
                    m.name,
                    first.name,
                    sirt_segmentation::describe_grid(m.mask.grid()),
                    sirt_segmentation::describe_grid(grid)
                ),
            });
        }
        let bit = 1u16 << i;
        for (l, &inside) in labels.data_mut().iter_mut().zip(m.mask.data()) {
            if inside {
                *l |= bit;
            }
        }
    }
    let mut present: Vec<u16> = labels.data().to_vec();
    present.sort_unstable();
    present.dedup();
    let values = made
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let bit = 1u16 << i;
            (
                m.name.clone(),
                present.iter().copied().filter(|v| v & bit != 0).collect(),
            )
        })
        .collect();
    Ok(LabelMap { labels, values })
}

/// The NIfTI label map of `made` (gzip-compressed when `gzip`), with its label table.
pub fn label_map_bytes(made: &[Made], gzip: bool) -> Result<(Vec<u8>, LabelMap), StructureError> {
    let map = label_map(made)?;
    let bytes = sirt_nifti::write_labels(&map.labels, gzip)
        .map_err(|e| StructureError::Nifti(Box::new(e)))?;
    Ok((bytes, map))
}

/// What a SEG is written with.
#[derive(Debug, Clone, Copy)]
pub struct SegRequest<'a> {
    /// The structures (on the CT grid).
    pub structures: &'a [Made],
    /// The planning CT, a DICOM series: the SEG references it and is written in its study.
    pub ct: &'a SourceImage,
    /// Series Description.
    pub series_description: &'a str,
    /// The instant of the SEG's series (its Series and Content Date and Time).
    pub at: &'a Instant,
}

/// The DICOM SEG of the structures: one segment each, referencing the CT series, in its study;
/// Content Creator's Name the person of the latest edit by a person; per segment the Segment
/// Algorithm Type and Name of its history and its one-line description.
pub fn seg_bytes(req: &SegRequest<'_>) -> Result<Vec<u8>, StructureError> {
    let (reference, study) = dicom_ct(req.ct, "a DICOM SEG")?;
    let map = label_map(req.structures)?;
    let specs: Vec<SegmentSpec> = req
        .structures
        .iter()
        .zip(&map.values)
        .map(|(m, (_, values))| segment_spec(m, values))
        .collect();
    let at = civil(req.at)?;
    let series = SeriesInfo::new(SEG_SERIES_NUMBER, req.series_description, at);
    let content = SegContent {
        label: CONTENT_LABEL.into(),
        description: Some(content_description(req.structures)),
        creator: creator(req.structures),
    };
    let written = write_seg_with_content(&map.labels, &specs, reference, &study, &series, &content)
        .map_err(|e| StructureError::Seg(Box::new(e)))?;
    Ok(written.bytes)
}

/// The CT's series reference and study, or the refusal naming `what` is written (a DICOM object
/// references its CT series and is written in its study).
fn dicom_ct<'a>(
    ct: &'a super::SourceImage,
    what: &str,
) -> Result<(&'a SeriesRef, StudyInfo), StructureError> {
    let (Some(reference), Some(study)) = (&ct.series, &ct.study) else {
        return Err(StructureError::Output {
            what: format!(
                "{what} references its CT series: {} is not a DICOM CT series ({}); write a NIfTI label map instead (an output ending in .nii.gz)",
                ct.path.display(),
                ct.modality.describe()
            ),
        });
    };
    Ok((reference, study_info(study, &ct.path)?))
}

/// The RT Structure Set of the structures: one ROI each (contours traced on every CT slice it
/// holds), referencing the CT series, in its study; Operators' Name the person of the latest
/// edit by a person; per ROI the ROI Generation Algorithm of its history, its one-line
/// description (cut to 64 characters) and the person of its latest edit as ROI Interpreter.
/// `colours` are the ROI Display Colours (RGB), one per structure.
pub fn rt_struct_bytes(
    req: &SegRequest<'_>,
    colours: &[[u8; 3]],
) -> Result<Vec<u8>, StructureError> {
    let (reference, study) = dicom_ct(req.ct, "a DICOM RT Structure Set")?;
    // The same checks as the SEG's: at least one, names distinct, one grid.
    label_map(req.structures)?;
    if colours.len() != req.structures.len() {
        return Err(StructureError::Output {
            what: format!(
                "{} colours for {} structures: expected one per structure",
                colours.len(),
                req.structures.len()
            ),
        });
    }
    let rois: Vec<RoiSpec<'_>> = req
        .structures
        .iter()
        .zip(colours)
        .map(|(m, &color)| RoiSpec {
            name: m.name.clone(),
            mask: &m.mask,
            interpreted_type: interpreted_type(m.role).into(),
            color,
        })
        .collect();
    let content = RtStructContent {
        operator: creator(req.structures),
        description: Some(content_description(req.structures)),
        rois: req.structures.iter().map(roi_provenance).collect(),
    };
    let series = SeriesInfo::new(
        RT_STRUCT_SERIES_NUMBER,
        req.series_description,
        civil(req.at)?,
    );
    let written = write_rt_struct_with_content(
        &rois,
        reference,
        &study,
        &series,
        STRUCTURE_SET_LABEL,
        &content,
    )
    .map_err(|e| StructureError::RtStruct(Box::new(e)))?;
    Ok(written.bytes)
}

/// RT ROI Interpreted Type (PS3.3 C.8.8.8.1.2 defined terms): a tumour is a GTV, every other
/// structure an ORGAN (a perfused territory, as the liver, is anatomy).
fn interpreted_type(role: Role) -> &'static str {
    match role {
        Role::Tumour => "GTV",
        _ => "ORGAN",
    }
}

/// How one structure was made: its history's algorithm type and description, and the person of
/// its latest edit by a person.
fn roi_provenance(m: &Made) -> RoiProvenance {
    RoiProvenance {
        algorithm: algorithm_type(m),
        description: Some(cut_to_bytes(&m.history.describe(), MAX_ROI_DESCRIPTION)),
        interpreter: creator(std::slice::from_ref(m)),
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
fn cut_to_bytes(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

fn algorithm_type(m: &Made) -> SegmentAlgorithmType {
    match m.history.algorithm_type() {
        AlgorithmType::Manual => SegmentAlgorithmType::Manual,
        AlgorithmType::Semiautomatic => SegmentAlgorithmType::Semiautomatic,
        AlgorithmType::Automatic => SegmentAlgorithmType::Automatic,
    }
}

/// "liver, territory right": the structures, at most 64 characters (LO).
fn content_description(made: &[Made]) -> String {
    let names: Vec<&str> = made.iter().map(|m| m.name.as_str()).collect();
    let text = format!("structures: {}", names.join(", "));
    if text.chars().count() <= 64 {
        text
    } else {
        format!("{} structures made with sirtplan", made.len())
    }
}

/// The person of the latest edit by a person, over all the structures.
fn creator(made: &[Made]) -> Option<String> {
    made.iter()
        .flat_map(|m| m.history.edits.iter())
        .filter_map(|e| match &e.author {
            Author::Person(p) => Some((e.instant.timestamp(), p.clone())),
            Author::Program(_) => None,
        })
        .max_by_key(|(t, _)| *t)
        .map(|(_, p)| p)
}

/// One segment: its codes by role, its history's algorithm type, name and description.
fn segment_spec(m: &Made, values: &[u16]) -> SegmentSpec {
    let liver = || Code::new("10200004", "SCT", "Liver");
    let mut s = match m.role {
        Role::Liver | Role::Territory | Role::NormalLiver => {
            SegmentSpec::organ(values, &m.name, liver())
        }
        Role::Lungs => SegmentSpec::organ(values, &m.name, Code::new("39607008", "SCT", "Lung")),
        Role::Tumour => SegmentSpec::tumour(values, &m.name),
        Role::Extrahepatic | Role::Other => {
            SegmentSpec::organ(values, &m.name, Code::new("85756007", "SCT", "Tissue"))
        }
    };
    s.algorithm_type = Some(algorithm_type(m));
    s.algorithm = m.history.algorithm_name();
    let mut d = m.history.describe();
    if let Some(r) = &m.resampled {
        d.push_str(&format!(
            "; made on {}, put on the CT grid ({r})",
            m.made_on
        ));
    }
    s.description = Some(d.chars().take(MAX_SEGMENT_DESCRIPTION).collect());
    s
}

/// A DICOM date (DA, PS3.5 6.2: eight digits YYYYMMDD) at midnight, when valid.
fn study_date(da: Option<&str>) -> Option<CivilDateTime> {
    let da = da?;
    if da.len() != 8 || !da.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let part = |a: usize, b: usize| da.get(a..b).and_then(|s| s.parse::<u32>().ok());
    let year = i32::try_from(part(0, 4)?).ok()?;
    CivilDateTime::new(year, part(4, 6)?, part(6, 8)?, 0, 0, 0.0).ok()
}

/// The UTC civil date-time of an instant.
fn civil(at: &Instant) -> Result<CivilDateTime, StructureError> {
    let ts = at.timestamp();
    let seconds = ts.as_second() as f64 + f64::from(ts.subsec_microsecond()) / 1e6;
    Ok(CivilDateTime::new(1970, 1, 1, 0, 0, 0.0)
        .map_err(|e| StructureError::Seg(Box::new(e)))?
        .plus_seconds(seconds))
}

/// The CT's study, as the SEG repeats it: the SEG shares the study's Study Instance UID, so it
/// repeats the study's date (a date made up here, such as the SEG's, would contradict the
/// study). A CT without a valid Study Date is refused: the writer has no empty Study Date.
fn study_info(st: &sirt_dicom::Study, ct: &Path) -> Result<StudyInfo, StructureError> {
    let date_time = study_date(st.study_date.as_deref()).ok_or_else(|| StructureError::Output {
        what: format!(
            "{}: Study Date (0008,0020): expected a date YYYYMMDD (a DICOM SEG is written in its \
             CT's study and repeats its date), found {}",
            ct.display(),
            st.study_date
                .as_deref()
                .map_or_else(|| "none".to_owned(), |d| format!("\"{d}\""))
        ),
    })?;
    let mut study = StudyInfo::new(
        st.patient_name.as_deref().unwrap_or(""),
        st.patient_id.as_deref().unwrap_or(""),
        date_time,
    );
    study.study_instance_uid = st.study_instance_uid.clone();
    study.description = st.description.clone();
    Ok(study)
}
