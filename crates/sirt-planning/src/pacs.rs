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
