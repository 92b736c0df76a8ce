//! The radiobiology of a voxel plan, as information ([`VoxelPlan::radiobiology`]): for each
//! dosimetry (each session's MAA prediction, the delivered dose and the prediction at the
//! delivered activity) `sirt_voxel_dosimetry::pipeline::radiobiology` on the geometry the dose
//! was computed on, with the device material of the dosimetry's session; its report section
//! and JSON (`sirt_report::radiobiology`).

use crate::voxel::{VoxelPlan, VoxelPlanError};
use sirt_i18n::{Lang, t};
use sirt_report::document::Block;
use sirt_voxel_dosimetry::VoxelDosimetry;
use sirt_voxel_dosimetry::physics::dvh::{DEFAULT_DX_PERCENT, DEFAULT_VX_GY};
use sirt_voxel_dosimetry::pipeline::radiobiology::{
    Radiobiology, RadiobiologyData, RadiobiologyRequest, radiobiology,
};
use sirt_workflow::Plan;

/// One dosimetry's radiobiology with its JSON key and its title's message id.
#[derive(Debug, Clone)]
pub struct DosimetryRadiobiology {
    /// "session 1 predicted", "session 1 delivered", "session 1 predicted at delivered".
    pub key: String,
    /// The session id.
    pub session: String,
    /// The message id of its title ("voxel-session-predicted", ...).
    pub title_id: &'static str,
    /// The result.
    pub radiobiology: Radiobiology,
}

/// The sphere material of a session's first injection ("" when the plan has no such session).
fn material(plan: &Plan, session: &str) -> String {
    plan.sessions
        .iter()
        .find(|s| s.id == session)
        .and_then(|s| s.injections.first())
        .and_then(|&i| plan.injections.get(i))
        .map(|inj| inj.device.material.clone())
        .unwrap_or_default()
}

impl VoxelPlan {
    /// The dosimetries of the plan: (key, session, title message id, dosimetry).
    fn dosimetries(&self) -> Vec<(String, &str, &'static str, &VoxelDosimetry)> {
        let mut out: Vec<(String, &str, &'static str, &VoxelDosimetry)> = self
            .predicted
            .iter()
            .map(|p| {
                (
                    format!("session {} predicted", p.session),
                    p.session.as_str(),
                    "voxel-session-predicted",
                    &p.dosimetry,
                )
            })
            .collect();
        if let Some(dl) = &self.delivered {
            out.push((
                format!("session {} delivered", dl.session),
                &dl.session,
                "voxel-session-delivered",
                &dl.dosimetry,
            ));
            if let Some(p) = &dl.predicted_at_delivered {
                out.push((
                    format!("session {} predicted at delivered", dl.session),
                    &dl.session,
                    "rb-title-at-delivered",
                    p,
                ));
            }
        }
        out
    }

    /// The radiobiology of every dosimetry of the plan with `data` (embedded records and the
    /// site's files), the fits chosen by the session's device material. The geometry is the one
    /// the doses were computed on (kept with the loaded images); a plan made without it
    /// (deserialised) gives an internal error.
    pub fn radiobiology(
        &self,
        plan: &Plan,
        data: &RadiobiologyData,
    ) -> Result<Vec<DosimetryRadiobiology>, VoxelPlanError> {
        let loaded = self.loaded.as_ref().ok_or_else(|| {
            VoxelPlanError::Dosimetry(sirt_voxel_dosimetry::DosimetryError::Input(
                "radiobiology: the plan's images are no longer loaded".into(),
            ))
        })?;
        let mut out = Vec::new();
        for (key, session, title_id, d) in self.dosimetries() {
            let prepared = loaded.prepared_on(d.dose.gy.grid()).ok_or_else(|| {
                VoxelPlanError::Dosimetry(sirt_voxel_dosimetry::DosimetryError::Geometry(format!(
                    "radiobiology: no prepared geometry for the dose of {key}"
                )))
            })?;
            let material = material(plan, session);
            let bin_gy = d
                .structures
                .first()
                .map_or(crate::voxel::PLAN_DVH_BIN_GY, |s| s.dvh.bin_gy);
            let r = radiobiology(
                d,
                &prepared,
                &RadiobiologyRequest {
                    data,
                    device_material: &material,
                    bin_gy,
                    dx_percent: &DEFAULT_DX_PERCENT,
                    vx_gy: &DEFAULT_VX_GY,
                },
            )?;
            out.push(DosimetryRadiobiology {
                key,
                session: session.to_owned(),
                title_id,
                radiobiology: r,
            });
        }
        Ok(out)
    }

    /// The "Radiobiology (information)" section in `lang` and its JSON (`radiobiology` key of
    /// the voxel part: per dosimetry, see `sirt_report::radiobiology::radiobiology_json`),
    /// computed once; when it cannot be computed, the heading and a paragraph saying why, and
    /// `{"error": …}`.
    pub fn radiobiology_parts(
        &self,
        plan: &Plan,
        data: &RadiobiologyData,
        lang: Lang,
    ) -> (Vec<Block>, serde_json::Value) {
        match self.radiobiology(plan, data) {
            Ok(all) => {
                let titled: Vec<(String, &Radiobiology)> = all
                    .iter()
                    .map(|r| (section_title(r, lang), &r.radiobiology))
                    .collect();
                let keyed: Vec<(String, &Radiobiology)> = all
                    .iter()
                    .map(|r| (r.key.clone(), &r.radiobiology))
                    .collect();
                (
                    sirt_report::radiobiology::radiobiology_blocks(&titled, lang),
                    sirt_report::radiobiology::radiobiology_json(&keyed),
                )
            }
            Err(e) => (
                vec![
                    Block::Heading(2, sirt_report::radiobiology::radiobiology_heading(lang)),
                    Block::Para(t!(lang, "rb-failed", error = e.to_string())),
                ],
                serde_json::json!({ "error": e.to_string() }),
            ),
        }
    }
}

/// The title of one dosimetry's part of the section in `lang`.
fn section_title(r: &DosimetryRadiobiology, lang: Lang) -> String {
    let session = r.session.as_str();
    match r.title_id {
        "voxel-session-delivered" => t!(lang, "voxel-session-delivered", session = session),
        "rb-title-at-delivered" => t!(lang, "rb-title-at-delivered", session = session),
        _ => t!(lang, "voxel-session-predicted", session = session),
    }
}

/// The embedded radiobiology records (`sirt_clinical`'s data file), read once per process.
/// Site files extend them through `RadiobiologyData::merge_toml` where a caller has them.
pub fn embedded_radiobiology() -> Result<&'static RadiobiologyData, &'static str> {
    static DATA: std::sync::OnceLock<Result<RadiobiologyData, String>> = std::sync::OnceLock::new();
    DATA.get_or_init(|| RadiobiologyData::embedded().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(String::as_str)
}
