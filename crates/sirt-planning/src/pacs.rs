//! The plan report for the PACS: its PDF as a DICOM Encapsulated PDF, in the CT's study when the
//! case's CT came from one, else in a new study of the case's patient id.

use crate::voxel::VoxelPlanError;
use crate::{Outcome, PlanningError};
use sirt_dicom::write::{CivilDateTime, SeriesInfo, StudyInfo, write_encapsulated_pdf};
use sirt_units::Instant;

/// Series Number of the report: after the RT Dose series (901 onwards, one per dose map), far
/// enough not to meet them [site choice: any number the site's PACS does not use].
pub const REPORT_SERIES_NUMBER: u32 = 990;

/// The Document Title (0042,0010) of the report.
pub const REPORT_DOCUMENT_TITLE: &str = "SIRT plan (sirtplan, research use only)";

/// An instant's civil date and time in its own zone, and that zone's UTC offset in minutes.
fn civil(i: &Instant) -> Result<(CivilDateTime, i32), PlanningError> {
    crate::voxel::run::civil_of(i).map_err(dicom)
}

fn dicom(e: sirt_dicom::write::WriteError) -> PlanningError {
    PlanningError::Voxel(VoxelPlanError::DicomWrite(e))
}

impl Outcome {
    /// The report's PDF (`plan.pdf`, printed from [`Outcome::html`]) as a DICOM Encapsulated
    /// PDF (Part 10 bytes): in the CT's study (its Study Instance UID, patient name and id, dated
    /// like the plan's RT Dose files) when the case's CT was read from DICOM, else in a new study
    /// (new UIDs) of the case's patient id dated at the first session's treatment. Every error
    /// is internal (the PDF is the one this program printed).
    pub fn report_dicom(&self, pdf: &[u8]) -> Result<Vec<u8>, PlanningError> {
        let ct_study = self.voxel.as_ref().and_then(|v| v.study.as_ref());
        let (mut study, civil_time, offset) = match ct_study {
            Some(s) => {
                let mut info = StudyInfo::new(
                    s.study.patient_name.as_deref().unwrap_or(""),
                    s.study.patient_id.as_deref().unwrap_or(""),
                    s.civil,
                );
                info.study_instance_uid
                    .clone_from(&s.study.study_instance_uid);
                (info, s.civil, s.utc_offset_minutes)
            }
            None => {
                let (c, offset) = match self.plan.sessions.first() {
                    Some(s) => civil(&s.treatment)?,
                    None => (CivilDateTime::now_utc(), 0),
                };
                let mut info = StudyInfo::new("", &self.plan.case.patient.id, c);
                info.description = Some("SIRT plan".into());
                (info, c, offset)
            }
        };
        study.utc_offset_minutes = Some(offset);
        let series = SeriesInfo::new(REPORT_SERIES_NUMBER, "sirtplan plan report", civil_time);
        let written =
            write_encapsulated_pdf(pdf, &study, &series, REPORT_DOCUMENT_TITLE).map_err(dicom)?;
        Ok(written.bytes)
    }
}

/// Series Description of the SEG and RT Structure Set of a plan sent to the PACS.
pub const PLAN_STRUCTURES_DESCRIPTION: &str = "SIRT plan structures (sirtplan)";

/// ROI Display Colours of the plan's RT Structure Set, by role (design choice: the viewer's
/// usual colours, distinct on a grey CT): liver brown, tumour red, lungs blue, a perfused
/// territory green, any other structure yellow.
const ROI_COLOURS: [(sirt_geometry::Role, [u8; 3]); 4] = [
    (sirt_geometry::Role::Liver, [170, 110, 60]),
    (sirt_geometry::Role::Tumour, [230, 40, 40]),
    (sirt_geometry::Role::Lungs, [70, 130, 230]),
    (sirt_geometry::Role::Territory, [60, 190, 90]),
];

/// The colour of any other structure (design choice, see [`ROI_COLOURS`]).
const OTHER_COLOUR: [u8; 3] = [230, 200, 40];

/// A DICOM object of a plan for the PACS.
#[derive(Debug, Clone, PartialEq)]
pub struct PacsObject {
    /// Its modality: `RTDOSE`, `SEG`, `RTSTRUCT` or `DOC` (the report).
    pub modality: &'static str,
    /// A file name for it.
    pub name: String,
    /// Part 10 bytes.
    pub bytes: Vec<u8>,
}

/// Why a plan's objects for the PACS cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum PacsExportError {
    /// The plan has no voxel part (its case has no `[images]`): no dose map, no structures.
    #[error(
        "the plan has no voxel part (its case file has no [images]): no RT Dose or structures to send"
    )]
    NoImages,
    /// The plan's CT is not a DICOM series: its RT Dose, SEG and RT Struct reference one.
    #[error(
        "the planning CT is not a DICOM series: the RT Dose, SEG and RT Struct reference a DICOM CT"
    )]
    NoDicomCt,
    /// The CT could not be read again, or the structures not written.
    #[error(transparent)]
    Structures(#[from] crate::structures::StructureError),
    /// The RT Dose or the report could not be written (boxed: it is large).
    #[error(transparent)]
    Planning(Box<PlanningError>),
}

impl Outcome {
    /// The objects of an approved plan for the PACS: its RT Dose files (one per dose map), the
    /// structures it was computed with as one SEG and one RT Structure Set referencing the
    /// planning CT (read again from `ct_path`, a DICOM series: its Series and SOP Instance UIDs),
    /// and, when `pdf` is given, the report as an Encapsulated PDF. `at` dates the structures'
    /// series (the approval). Each object is written by `sirt-dicom`'s writers, which
    /// dciodvfy accepts (crates/sirt-dicom/tests/write.rs).
    pub fn pacs_objects(
        &self,
        ct_path: &std::path::Path,
        pdf: Option<&[u8]>,
        at: &Instant,
    ) -> Result<Vec<PacsObject>, PacsExportError> {
        let voxel = self.voxel.as_ref().ok_or(PacsExportError::NoImages)?;
        if voxel.study.is_none() {
            return Err(PacsExportError::NoDicomCt);
        }
        let mut out = Vec::new();
        let files = voxel
            .files(self.report_options.lang)
            .map_err(|e| PacsExportError::Planning(Box::new(PlanningError::from(e))))?;
        for (name, bytes) in files {
            if name.ends_with("rtdose.dcm") {
                out.push(PacsObject {
                    modality: "RTDOSE",
                    name,
                    bytes,
                });
            }
        }
        let ct = crate::structures::load_image(ct_path, "planning CT", None)?;
        if ct.series.is_none() {
            return Err(PacsExportError::NoDicomCt);
        }
        let on_ct: Vec<sirt_geometry::Structure> = voxel
            .structures
            .iter()
            .filter(|s| s.mask.grid().dims == ct.image.grid().dims)
            .cloned()
            .collect();
        let made = made_of(&on_ct, at);
        let req = crate::structures::SegRequest {
            structures: &made,
            ct: &ct,
            series_description: PLAN_STRUCTURES_DESCRIPTION,
            at,
        };
        out.push(PacsObject {
            modality: "SEG",
            name: "structures-seg.dcm".into(),
            bytes: crate::structures::seg_bytes(&req)?,
        });
        let colours: Vec<[u8; 3]> = made.iter().map(|m| roi_colour(m.role)).collect();
        out.push(PacsObject {
            modality: "RTSTRUCT",
            name: "structures-rtstruct.dcm".into(),
            bytes: crate::structures::rt_struct_bytes(&req, &colours)?,
        });
        if let Some(pdf) = pdf {
            out.push(PacsObject {
                modality: "DOC",
                name: "plan-report.dcm".into(),
                bytes: self
                    .report_dicom(pdf)
                    .map_err(|e| PacsExportError::Planning(Box::new(e)))?,
            });
        }
        Ok(out)
    }
}

/// The ROI Display Colour of a structure of role `role` ([`ROI_COLOURS`]): what the plan's RT
/// Structure Set and `sirtplan structure --as rt-struct` give it.
pub fn roi_colour(role: sirt_geometry::Role) -> [u8; 3] {
    ROI_COLOURS
        .iter()
        .find(|(r, _)| *r == role)
        .map_or(OTHER_COLOUR, |(_, c)| *c)
}

/// The plan's structures as made structures: each imported as the plan read it (its history
/// one import by this program), on the CT grid, the structures of another grid left out (a
/// NIfTI label map's), names kept distinct.
fn made_of(structures: &[sirt_geometry::Structure], at: &Instant) -> Vec<crate::structures::Made> {
    use crate::structures::{Author, EditHistory, Operation};
    let mut seen = std::collections::BTreeSet::new();
    structures
        .iter()
        .filter(|s| seen.insert(s.name.clone()))
        .take(crate::structures::MAX_STRUCTURES)
        .map(|s| {
            let mut history = EditHistory::new(s.mask.grid().clone());
            history.push(
                Operation::Import {
                    mask: s.name.clone(),
                },
                Author::Program(format!("sirtplan {}", env!("CARGO_PKG_VERSION"))),
                at.clone(),
            );
            crate::structures::Made {
                name: s.name.clone(),
                role: s.role,
                mask: s.mask.clone(),
                history,
                volume: sirt_segmentation::volume(&s.mask),
                made_on: sirt_segmentation::describe_grid(s.mask.grid()),
                resampled: None,
                share_in_liver: None,
            }
        })
        .collect()
}
