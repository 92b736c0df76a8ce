//! The voxel part of a plan's report: document blocks ([`VoxelPlan::blocks`]), files
//! ([`VoxelPlan::files`]: NIfTI and RT Dose dose maps, DVH CSV and SVG), JSON
//! ([`VoxelPlan::json`]) and one dose map as an RT Dose ([`rt_dose_bytes`]).

use crate::voxel::VoxelPlan;
use crate::voxel::VoxelPlanError;
use sirt_case::Images;
use sirt_dicom::write::{CivilDateTime, RtDoseInfo, SeriesInfo, StudyInfo};
use sirt_geometry::Image;
use sirt_i18n::{Lang, t};
use sirt_imaging::StudyRef;
use sirt_report::document::Block;
use sirt_report::voxel::{DeliveredSection, SliceFigures, VoxelSections};
use sirt_voxel_dosimetry::VoxelDosimetry;
use sirt_workflow::Plan;

impl VoxelPlan {
    /// The report blocks of the voxel part in the report's language `lang` ("Voxel dosimetry"
    /// heading, `sirt_report::voxel::voxel_heading`; per session the predicted dose and the
    /// plan-vs-voxel table, the delivered dose and its verification, the notes), rendered by
    /// `sirt_report::voxel::plan_voxel_blocks`. `plan` and `images` are those given to
    /// [`crate::voxel::run()`].
    /// The figures: the DVH per session, the Bland–Altman plot and the slices
    /// ([`VoxelPlan::slice_figures`]; when the volumes cannot be put on the CT grid a paragraph
    /// says so in their place).
    pub fn blocks(&self, plan: &Plan, images: &Images, lang: Lang) -> Vec<Block> {
        let mut sections = self.sections();
        sections.slices = match self.viewer_volumes() {
            Ok(v) => self.slice_figures(&v, lang),
            Err(e) => SliceFigures {
                predicted: Vec::new(),
                delivered: vec![Block::Para(t!(
                    lang,
                    "figure-slices-failed",
                    error = e.to_string()
                ))],
            },
        };
        sirt_report::voxel::plan_voxel_blocks(plan, images, &sections, lang)
    }

    /// The parts of the voxel plan the report renders.
    fn sections(&self) -> VoxelSections<'_> {
        VoxelSections {
            predicted: self
                .predicted
                .iter()
                .map(|p| (p.session.as_str(), &p.dosimetry))
                .collect(),
            delivered: self.delivered.as_ref().map(|dl| DeliveredSection {
                session: &dl.session,
                dosimetry: &dl.dosimetry,
                verification: &dl.verification,
                predicted_at_delivered: dl.predicted_at_delivered.as_ref(),
            }),
            notes: self.notes.clone(),
            slices: SliceFigures::default(),
        }
    }

    /// The files of the voxel part (name, bytes; nothing is written): per session the predicted
    /// dose (NIfTI, and RT Dose when the CT is a DICOM series), metrics and DVH CSV and SVG
    /// (overlaid with the delivered DVHs for the PET's session), the delivered dose and the
    /// dose-difference map. The DVH plots (SVG) are in `lang`; the file names, the CSV files
    /// (data for machines) and the RT Dose series descriptions stay English. Every error is
    /// internal.
    pub fn files(&self, lang: Lang) -> Result<Vec<(String, Vec<u8>)>, VoxelPlanError> {
        let nifti = |img: &Image<f32>| sirt_nifti::write(img, true);
        let mut out = Vec::new();
        let mut number = 900;
        let mut rt_dose = |name: String,
                           description: String,
                           d: &VoxelDosimetry|
         -> Result<Option<(String, Vec<u8>)>, VoxelPlanError> {
            let Some(s) = &self.study else {
                return Ok(None);
            };
            number += 1;
            let bytes = rt_dose_bytes(
                &s.study,
                s.civil,
                Some(s.utc_offset_minutes),
                number,
                &description,
                d,
            )?;
            Ok(Some((name, bytes)))
        };
        for p in &self.predicted {
            let id = &p.session;
            let d = &p.dosimetry;
            let prefix = format!("session-{id}-predicted-");
            out.push((format!("{prefix}dose.nii.gz"), nifti(&d.dose.gy)?));
            out.extend(rt_dose(
                format!("{prefix}rtdose.dcm"),
                format!("SIRT session {id} predicted dose (MAA)"),
                d,
            )?);
            let overlay = self
                .delivered
                .as_ref()
                .filter(|dl| &dl.session == id && dl.predicted_at_delivered.is_none())
                .map(|dl| &dl.dosimetry);
            out.extend(sirt_report::voxel::voxel_files(
                &prefix,
                &t!(lang, "dvh-file-title-predicted", session = id),
                d,
                overlay,
                lang,
            )?);
        }
        if let Some(dl) = &self.delivered {
            let id = &dl.session;
            let prefix = format!("session-{id}-delivered-");
            out.push((
                format!("{prefix}dose.nii.gz"),
                nifti(&dl.dosimetry.dose.gy)?,
            ));
            out.extend(rt_dose(
                format!("{prefix}rtdose.dcm"),
                format!("SIRT session {id} delivered dose (Y-90 PET)"),
                &dl.dosimetry,
            )?);
            out.extend(sirt_report::voxel::voxel_files(
                &prefix,
                &t!(lang, "dvh-file-title-delivered", session = id),
                &dl.dosimetry,
                None,
                lang,
            )?);
            if let Some(p) = &dl.predicted_at_delivered {
                let prefix = format!("session-{id}-predicted-at-delivered-");
                out.push((format!("{prefix}dose.nii.gz"), nifti(&p.dose.gy)?));
                out.extend(sirt_report::voxel::voxel_files(
                    &prefix,
                    &t!(lang, "dvh-file-title-at-delivered", session = id),
                    p,
                    Some(&dl.dosimetry),
                    lang,
                )?);
            }
            out.push((
                format!("session-{id}-dose-difference.nii.gz"),
                nifti(&dl.verification.difference)?,
            ));
        }
        Ok(out)
    }

    /// JSON of the voxel part: `predicted` (session, dosimetry), `delivered` (session,
    /// dosimetry, predicted_at_delivered, comparison, tumours_bland_altman), `notes`
    /// (`sirt_report::voxel::plan_voxel_json`).
    pub fn json(&self) -> serde_json::Value {
        sirt_report::voxel::plan_voxel_json(&self.sections())
    }
}

/// A dose map as an RT Dose in the CT's study (series `number`, dated `civil`, with
/// `offset_minutes` as its UTC offset when known). Every error is internal.
pub fn rt_dose_bytes(
    study: &StudyRef,
    civil: CivilDateTime,
    offset_minutes: Option<i32>,
    number: u32,
    description: &str,
    d: &VoxelDosimetry,
) -> Result<Vec<u8>, VoxelPlanError> {
    let mut info = StudyInfo::new(
        study.patient_name.as_deref().unwrap_or(""),
        study.patient_id.as_deref().unwrap_or(""),
        civil,
    );
    info.study_instance_uid = study.study_instance_uid.clone();
    info.utc_offset_minutes = offset_minutes;
    let written = sirt_dicom::write_rt_dose(
        &d.dose.gy,
        &info,
        &SeriesInfo::new(number, description, civil),
        &RtDoseInfo::without_plan(&format!("sirtplan (research use only): {}", d.dose.engine)),
    )?;
    Ok(written.bytes)
}
