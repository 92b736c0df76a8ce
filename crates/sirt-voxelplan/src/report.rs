//! The voxel part of a plan's report: document blocks ([`VoxelPlan::blocks`]), files
//! ([`VoxelPlan::files`]: NIfTI and RT Dose dose maps, DVH CSV and SVG), JSON
//! ([`VoxelPlan::json`]) and one dose map as an RT Dose ([`rt_dose_bytes`]).

use crate::VoxelPlanError;
use crate::plan::VoxelPlan;
use sirt_case::Images;
use sirt_dicom::write::{CivilDateTime, RtDoseInfo, SeriesInfo, StudyInfo};
use sirt_geometry::Image;
use sirt_imaging::StudyRef;
use sirt_report::document::{Block, Table};
use sirt_voxel_dosimetry::{Role, VoxelDosimetry};
use sirt_workflow::Plan;

/// The level-1 heading the voxel part of a report starts with.
pub const VOXEL_HEADING: &str = "Voxel dosimetry";

/// The partition doses of the plan (ordered vials) beside the voxel means of the same session.
fn plan_vs_voxel(plan: &Plan, session_id: &str, d: &VoxelDosimetry, images: &Images) -> Table {
    let mut t = Table::new(
        &[
            "Compartment",
            "Plan, partition model (Gy)",
            "Voxel mean (Gy)",
            "Voxel / plan",
        ],
        &[1, 2, 3],
    );
    let Some(session) = plan.sessions.iter().find(|s| s.id == session_id) else {
        return t;
    };
    let mut row = |name: String, plan_gy: f64, voxel: Option<f64>| {
        t.row(vec![
            name,
            format!("{plan_gy:.1}"),
            voxel.map_or("—".into(), |v| format!("{v:.1}")),
            voxel.map_or("—".into(), |v| format!("{:.3}", v / plan_gy)),
        ]);
    };
    for (id, dose) in &session.tumour_doses {
        let voxel = images
            .tumours
            .get(id)
            .and_then(|n| d.structure(n))
            .map(|s| s.dvh.mean_gy);
        row(format!("tumour {id}"), dose.gy(), voxel);
    }
    let nl = d
        .structures
        .iter()
        .find(|s| s.role == Role::NormalLiver)
        .map(|s| s.dvh.mean_gy);
    let ntad = session
        .totals
        .as_ref()
        .map_or(session.plan_whole_liver_ntad, |t| t.whole_liver_ntad);
    row("whole non-tumoural liver (NTAD)".into(), ntad.gy(), nl);
    if let Some(totals) = &session.totals {
        let lungs = d
            .structures
            .iter()
            .find(|s| s.role == Role::Lungs)
            .map(|s| s.dvh.mean_gy);
        row("lungs".into(), totals.lung_dose.gy(), lungs);
    }
    t
}

impl VoxelPlan {
    /// The report blocks of the voxel part ("Voxel dosimetry" heading, per session the
    /// predicted dose and the plan-vs-voxel table, the delivered dose and its verification,
    /// the notes). `plan` and `images` are those given to [`crate::run`].
    pub fn blocks(&self, plan: &Plan, images: &Images) -> Vec<Block> {
        let mut out = vec![Block::Heading(1, VOXEL_HEADING.into())];
        for p in &self.predicted {
            let id = &p.session;
            out.extend(sirt_report::voxel::voxel_blocks(
                &format!("Session {id}: predicted from the MAA SPECT at the planned activities"),
                &p.dosimetry,
                &[],
            ));
            out.push(Block::Para(format!(
                "Session {id}: the plan's partition-model doses (case volumes and TNR, ordered vials) against the voxel means from the images. The partition model assumes uniform uptake in each compartment; the voxel means use the SPECT as it is (blur, heterogeneity)."
            )));
            out.push(Block::Table(plan_vs_voxel(plan, id, &p.dosimetry, images)));
        }
        if let Some(dl) = &self.delivered {
            out.extend(sirt_report::voxel::voxel_blocks(
                &format!("Session {}: delivered, from the Y-90 PET", dl.session),
                &dl.dosimetry,
                &[],
            ));
            out.extend(sirt_report::voxel::verification_blocks(&dl.verification));
            out.push(Block::Para(match &dl.predicted_at_delivered {
                Some(p) => format!(
                    "The prediction compared is the MAA SPECT scaled so that liver and lungs hold the delivered activity of the case's delivery record ({:.4} GBq in the whole map, counts outside at the same scale), so that the differences are those of the distribution, not of the activity.",
                    p.activity.total_mbq() / 1000.0
                ),
                None => "The case has no delivery record: the prediction compared is at the planned activity, so the differences include those of the activity.".into(),
            }));
        }
        if !self.notes.is_empty() {
            out.push(Block::List(self.notes.clone()));
        }
        out
    }

    /// The files of the voxel part (name, bytes; nothing is written): per session the predicted
    /// dose (NIfTI, and RT Dose when the CT is a DICOM series), metrics and DVH CSV and SVG
    /// (overlaid with the delivered DVHs for the PET's session), the delivered dose and the
    /// dose-difference map. Every error is internal.
    pub fn files(&self) -> Result<Vec<(String, Vec<u8>)>, VoxelPlanError> {
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
                &format!("Session {id}: cumulative DVH"),
                d,
                overlay,
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
                &format!("Session {id}: delivered cumulative DVH"),
                &dl.dosimetry,
                None,
            )?);
            if let Some(p) = &dl.predicted_at_delivered {
                let prefix = format!("session-{id}-predicted-at-delivered-");
                out.push((format!("{prefix}dose.nii.gz"), nifti(&p.dose.gy)?));
                out.extend(sirt_report::voxel::voxel_files(
                    &prefix,
                    &format!("Session {id}: MAA prediction at the delivered activity (solid) vs Y-90 PET (dashed)"),
                    p,
                    Some(&dl.dosimetry),
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
    /// dosimetry, predicted_at_delivered, comparison, tumours_bland_altman), `notes`.
    pub fn json(&self) -> serde_json::Value {
        let predicted: Vec<_> = self
            .predicted
            .iter()
            .map(|p| {
                serde_json::json!({
                    "session": p.session,
                    "dosimetry": sirt_report::voxel::voxel_json(&p.dosimetry, &[]),
                })
            })
            .collect();
        let delivered = self.delivered.as_ref().map(|dl| {
            serde_json::json!({
                "session": dl.session,
                "dosimetry": sirt_report::voxel::voxel_json(&dl.dosimetry, &[]),
                "predicted_at_delivered": dl.predicted_at_delivered.as_ref().map(|p| sirt_report::voxel::voxel_json(p, &[])),
                "comparison": dl.verification.rows.iter().map(|(_, c)| c).collect::<Vec<_>>(),
                "tumours_bland_altman": dl.verification.tumours,
            })
        });
        serde_json::json!({
            "predicted": predicted,
            "delivered": delivered,
            "notes": self.notes,
        })
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
