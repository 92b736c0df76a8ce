//! The voxel part of `sirtplan plan` for a case with `[images]`: the MAA-predicted dose of each
//! session at the planned activities, beside the partition model of the plan; and, with a Y-90
//! PET, the delivered dose and the comparison.

use crate::{Failure, Result, input};
use anyhow::anyhow;
use sirt_case::{Images, VoxelEngine};
use sirt_dicom::write::{CivilDateTime, RtDoseInfo, SeriesInfo, StudyInfo};
use sirt_dose::activity::HuToDensity;
use sirt_dose::dvh::{DEFAULT_DX_PERCENT, DEFAULT_VX_GY};
use sirt_dosimetry::{
    ActivityInput, DensityInput, EngineChoice, Request, Role, Territory, Verification,
    VoxelDosimetry, compare, run,
};
use sirt_geometry::{FrameOfReference, Image, Rigid};
use sirt_imaging::{
    StructureRequest, StudyRef, instant_of, load_ct_study, load_pet, load_spect, load_structures,
};
use sirt_report::document::{Block, Table};
use sirt_units::{Activity, Fraction};
use sirt_workflow::Plan;
use std::path::Path;

/// DVH bin of plan reports, Gy (dicompyler-core's 0.01 Gy would make 10⁵ bins at 1000 Gy).
pub const PLAN_DVH_BIN_GY: f64 = 0.1;

/// The post-treatment part.
pub(crate) struct Delivered {
    /// The session the PET follows.
    pub session: String,
    /// From the PET.
    pub dosimetry: VoxelDosimetry,
    /// Against the MAA prediction at the delivered activity when the case records the delivery,
    /// else at the planned one.
    pub verification: Verification,
    /// The MAA prediction at the delivered activity (None without delivery records).
    pub predicted_at_delivered: Option<VoxelDosimetry>,
}

/// The voxel results of a plan.
pub(crate) struct VoxelPlan {
    /// Per session with a planned activity: (session id, predicted dosimetry).
    pub predicted: Vec<(String, VoxelDosimetry)>,
    /// The delivered dosimetry and its comparison with the prediction of its session.
    pub delivered: Option<Delivered>,
    /// Loading notes.
    pub notes: Vec<String>,
    /// The CT's DICOM study, the first session's civil date-time and its UTC offset (minutes): RT
    /// Dose files join that study.
    pub study: Option<(StudyRef, CivilDateTime, i32)>,
}

fn requests(images: &Images, plan: &Plan) -> Vec<StructureRequest> {
    let mut w = vec![StructureRequest::new(&images.liver, Role::Liver)];
    if let Some(l) = &images.lungs {
        w.push(StructureRequest::new(l, Role::Lungs));
    }
    for (id, name) in &images.tumours {
        let mut r = StructureRequest::new(name, Role::Tumour);
        r.optional = !images.tumours_stated.contains(id);
        w.push(r);
    }
    for inj in &plan.injections {
        if let Some(name) = images.territories.get(&inj.input.id)
            && !w.iter().any(|x| &x.name == name)
        {
            w.push(StructureRequest::new(name, Role::Territory));
        }
    }
    w
}

/// Runs the voxel dosimetry of a plan whose case has images; `base` is the case file's folder.
pub(crate) fn voxel_plan(plan: &Plan, images: &Images, base: &Path) -> Result<VoxelPlan> {
    let path = |p: &str| base.join(p);
    let mut notes = Vec::new();
    let loaded = load_ct_study(&path(&images.ct), None).map_err(input)?;
    let ct = loaded.image;
    let study = match (loaded.study, plan.sessions.first()) {
        (Some(study), Some(session)) => {
            let t = session.treatment.zoned().datetime();
            let civil = CivilDateTime::new(
                i32::from(t.year()),
                u32::try_from(t.month()).unwrap_or(1),
                u32::try_from(t.day()).unwrap_or(1),
                u32::try_from(t.hour()).unwrap_or(0),
                u32::try_from(t.minute()).unwrap_or(0),
                f64::from(t.second()),
            )
            .map_err(|e| Failure::Internal(e.into()))?;
            let offset_minutes = session.treatment.zoned().offset().seconds() / 60;
            Some((study, civil, offset_minutes))
        }
        _ => None,
    };
    let frame = Some(&ct.grid().frame);
    let structures = load_structures(
        &path(&images.structures),
        ct.grid(),
        &requests(images, plan),
        &images.labels,
    )
    .map_err(input)?;
    for (id, name) in &images.tumours {
        if !structures.iter().any(|s| &s.name == name) {
            notes.push(format!(
                "tumour {id}: no structure \"{name}\" in {}: not in the voxel dosimetry",
                images.structures
            ));
        }
    }
    let curve = match &images.hu_to_density {
        Some(points) => HuToDensity {
            points: points.clone(),
            source: "the case file's images.hu_to_density".into(),
        },
        None => HuToDensity::default(),
    };
    let engine = match images.engine {
        VoxelEngine::Kernel => EngineChoice::Kernel,
        VoxelEngine::LocalDeposition => EngineChoice::LocalDeposition,
    };
    let registration = match &images.registration {
        Some(p) => Some((
            p.clone(),
            sirt_imaging::load_registration(&path(p)).map_err(input)?,
        )),
        None => None,
    };
    // The transform `to ← from` when the frames differ: from the registration object, or None
    // (the pipeline then refuses the different frames, naming them).
    let transform = |to: &FrameOfReference,
                     from: &FrameOfReference,
                     what: &str|
     -> Result<Option<Rigid>> {
        if to == from {
            return Ok(None);
        }
        match &registration {
            None => Ok(None),
            Some((p, r)) => r.between(to, from).map(Some).ok_or_else(|| {
                input(anyhow!(
                    "images.registration {p}: no transform between the {what} (frames {} and {}; the object registers {} to {})",
                    to.0,
                    from.0,
                    r.transforms
                        .iter()
                        .map(|t| t.from.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    r.reference.0
                ))
            }),
        }
    };
    let request =
        |activity: ActivityInput<'_>, k, registration: Option<&Rigid>| -> Result<VoxelDosimetry> {
            run(&Request {
                activity,
                density: DensityInput::FromCt {
                    ct: &ct,
                    curve: curve.clone(),
                },
                structures: &structures,
                registration,
                k,
                engine,
                bin_gy: PLAN_DVH_BIN_GY,
                dx_percent: DEFAULT_DX_PERCENT.to_vec(),
                vx_gy: DEFAULT_VX_GY.to_vec(),
            })
            .map_err(input)
        };

    let spect: Option<Image<f32>> = match &images.maa_spect {
        Some(p) => Some(load_spect(&path(p), frame).map_err(input)?),
        None => None,
    };
    let ct_from_spect = match &spect {
        Some(sp) => transform(&ct.grid().frame, &sp.grid().frame, "CT and the SPECT")?,
        None => None,
    };
    // The MAA prediction of a session at the expected activities (ordered vials), or at the
    // delivered ones (`at_delivered`, None when an injection has no delivery record).
    let predict = |session: &sirt_workflow::SessionPlan,
                   at_delivered: bool,
                   notes: &mut Vec<String>|
     -> Result<Option<VoxelDosimetry>> {
        let Some(spect) = &spect else {
            return Ok(None);
        };
        let mut planned = Vec::new();
        for inj in session
            .injections
            .iter()
            .filter_map(|&i| plan.injections.get(i))
        {
            let Some(p) = inj.planned() else { continue };
            let a = if at_delivered {
                match &p.delivered {
                    Some(d) => d.delivery.delivered,
                    None => return Ok(None),
                }
            } else {
                p.expected.administered
            };
            planned.push((inj, a));
        }
        let Some((first, _)) = planned.first() else {
            return Ok(None);
        };
        let k = first.k.clone();
        let total: f64 = planned.iter().map(|(_, a)| a.gbq()).sum();
        let lsf = planned
            .iter()
            .map(|(inj, a)| inj.input.lung.lsf.value() * a.gbq())
            .sum::<f64>()
            / total;
        let all_mapped = planned
            .iter()
            .all(|(inj, _)| images.territories.contains_key(&inj.input.id));
        let territories = if all_mapped {
            planned
                .iter()
                .filter_map(|(inj, a)| {
                    images.territories.get(&inj.input.id).map(|s| Territory {
                        structure: s.clone(),
                        administered: *a,
                        lsf: inj.input.lung.lsf,
                    })
                })
                .collect()
        } else {
            if planned.len() > 1 && !at_delivered {
                notes.push(format!(
                    "session {}: not every injection has a territory structure: the whole liver holds the session's activity",
                    session.id
                ));
            }
            vec![]
        };
        let d = request(
            ActivityInput::MaaPredictive {
                counts: spect,
                administered: Activity::from_gbq(total),
                lsf: Fraction::new(lsf).ok_or_else(|| {
                    Failure::Internal(anyhow!("activity-weighted LSF {lsf} out of range"))
                })?,
                territories,
            },
            k,
            ct_from_spect.as_ref(),
        )?;
        Ok(Some(d))
    };
    let mut predicted = Vec::new();
    for session in &plan.sessions {
        if let Some(d) = predict(session, false, &mut notes)? {
            predicted.push((session.id.clone(), d));
        }
    }

    let mut delivered = None;
    if let Some(pet_path) = &images.y90_pet {
        let session = match &images.pet_session {
            Some(id) => plan.sessions.iter().find(|s| &s.id == id),
            None => plan
                .sessions
                .iter()
                .find(|s| {
                    s.injections.iter().any(|&i| {
                        plan.injections
                            .get(i)
                            .and_then(|x| x.planned())
                            .is_some_and(|p| p.delivered.is_some())
                    })
                })
                .or(plan.sessions.first()),
        }
        .ok_or_else(|| input(anyhow!("images.y90_pet: the case has no session")))?;
        let injections: Vec<_> = session
            .injections
            .iter()
            .filter_map(|&i| plan.injections.get(i))
            .collect();
        let administration = injections
            .iter()
            .filter_map(|inj| inj.planned().and_then(|p| p.delivered.as_ref()))
            .map(|d| d.injected.clone())
            .min()
            .unwrap_or_else(|| session.treatment.clone());
        let k = injections
            .first()
            .map(|i| i.k.clone())
            .ok_or_else(|| input(anyhow!("session {}: no injection", session.id)))?;
        let pet = load_pet(&path(pet_path), frame).map_err(input)?;
        let mut pet_notes = pet.notes.clone();
        let reference = if pet.corrected_to_administration {
            administration.clone()
        } else {
            let r = pet.reference.as_ref().ok_or_else(|| {
                input(anyhow!(
                    "{pet_path}: the PET has no reference time (a NIfTI PET cannot be decay-corrected)"
                ))
            })?;
            let (i, note) = instant_of(r, administration.zoned().time_zone()).map_err(input)?;
            pet_notes.extend(note);
            i
        };
        let ct_from_pet = transform(&ct.grid().frame, &pet.image.grid().frame, "CT and the PET")?;
        let d = request(
            ActivityInput::Pet {
                bq_per_ml: &pet.image,
                reference,
                administration,
            },
            k,
            ct_from_pet.as_ref(),
        )?;
        notes.extend(pet_notes.into_iter().map(|n| format!("Y-90 PET: {n}")));
        let at_delivered = predict(session, true, &mut notes)?;
        let reference = at_delivered.as_ref().or_else(|| {
            predicted
                .iter()
                .find(|(id, _)| id == &session.id)
                .map(|(_, p)| p)
        });
        if let Some(p) = reference {
            let spect_from_pet = transform(
                &p.dose.gy.grid().frame,
                &d.dose.gy.grid().frame,
                "SPECT and the PET",
            )?;
            let v = compare(p, &d, spect_from_pet.as_ref()).map_err(input)?;
            delivered = Some(Delivered {
                session: session.id.clone(),
                dosimetry: d,
                verification: v,
                predicted_at_delivered: at_delivered,
            });
        } else {
            notes.push(format!(
                "session {}: no MAA prediction to compare the PET with",
                session.id
            ));
        }
    }
    Ok(VoxelPlan {
        predicted,
        delivered,
        notes,
        study,
    })
}

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

/// The report blocks of the voxel part.
pub(crate) fn blocks(plan: &Plan, images: &Images, v: &VoxelPlan) -> Vec<Block> {
    let mut out = vec![Block::Heading(1, "Voxel dosimetry".into())];
    for (id, d) in &v.predicted {
        out.extend(sirt_report::voxel::voxel_blocks(
            &format!("Session {id}: predicted from the MAA SPECT at the planned activities"),
            d,
            &[],
        ));
        out.push(Block::Para(format!(
            "Session {id}: the plan's partition-model doses (case volumes and TNR, ordered vials) against the voxel means from the images. The partition model assumes uniform uptake in each compartment; the voxel means use the SPECT as it is (blur, heterogeneity)."
        )));
        out.push(Block::Table(plan_vs_voxel(plan, id, d, images)));
    }
    if let Some(dl) = &v.delivered {
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
    if !v.notes.is_empty() {
        out.push(Block::List(v.notes.clone()));
    }
    out
}

/// The files of the voxel part: per session the predicted dose (NIfTI), metrics and DVH CSV and
/// SVG (overlaid with the delivered DVHs for the PET's session), the delivered dose and the
/// dose-difference map.
pub(crate) fn files(v: &VoxelPlan) -> Result<Vec<(String, Vec<u8>)>> {
    let nifti =
        |img: &Image<f32>| sirt_nifti::write(img, true).map_err(|e| Failure::Internal(e.into()));
    let mut out = Vec::new();
    let mut number = 900;
    let mut rt_dose = |name: String,
                       description: String,
                       d: &VoxelDosimetry|
     -> Result<Option<(String, Vec<u8>)>> {
        let Some((study, civil, offset_minutes)) = &v.study else {
            return Ok(None);
        };
        number += 1;
        let bytes = rt_dose_bytes(
            study,
            *civil,
            Some(*offset_minutes),
            number,
            &description,
            d,
        )?;
        Ok(Some((name, bytes)))
    };
    for (id, d) in &v.predicted {
        let prefix = format!("session-{id}-predicted-");
        out.push((format!("{prefix}dose.nii.gz"), nifti(&d.dose.gy)?));
        out.extend(rt_dose(
            format!("{prefix}rtdose.dcm"),
            format!("SIRT session {id} predicted dose (MAA)"),
            d,
        )?);
        let overlay = v
            .delivered
            .as_ref()
            .filter(|dl| &dl.session == id && dl.predicted_at_delivered.is_none())
            .map(|dl| &dl.dosimetry);
        out.extend(
            sirt_report::voxel::voxel_files(
                &prefix,
                &format!("Session {id}: cumulative DVH"),
                d,
                overlay,
            )
            .map_err(|e| Failure::Internal(e.into()))?,
        );
    }
    if let Some(dl) = &v.delivered {
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
        out.extend(
            sirt_report::voxel::voxel_files(
                &prefix,
                &format!("Session {id}: delivered cumulative DVH"),
                &dl.dosimetry,
                None,
            )
            .map_err(|e| Failure::Internal(e.into()))?,
        );
        if let Some(p) = &dl.predicted_at_delivered {
            let prefix = format!("session-{id}-predicted-at-delivered-");
            out.push((format!("{prefix}dose.nii.gz"), nifti(&p.dose.gy)?));
            out.extend(
                sirt_report::voxel::voxel_files(
                    &prefix,
                    &format!("Session {id}: MAA prediction at the delivered activity (solid) vs Y-90 PET (dashed)"),
                    p,
                    Some(&dl.dosimetry),
                )
                .map_err(|e| Failure::Internal(e.into()))?,
            );
        }
        out.push((
            format!("session-{id}-dose-difference.nii.gz"),
            nifti(&dl.verification.difference)?,
        ));
    }
    Ok(out)
}

/// A dose map as an RT Dose in the CT's study (series `number`, dated `civil`).
pub(crate) fn rt_dose_bytes(
    study: &StudyRef,
    civil: CivilDateTime,
    offset_minutes: Option<i32>,
    number: u32,
    description: &str,
    d: &VoxelDosimetry,
) -> Result<Vec<u8>> {
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
    )
    .map_err(|e| Failure::Internal(e.into()))?;
    Ok(written.bytes)
}

/// JSON of the voxel part.
pub(crate) fn json(v: &VoxelPlan) -> serde_json::Value {
    let predicted: Vec<_> = v
        .predicted
        .iter()
        .map(|(id, d)| {
            serde_json::json!({
                "session": id,
                "dosimetry": sirt_report::voxel::voxel_json(d, &[]),
            })
        })
        .collect();
    let delivered = v.delivered.as_ref().map(|dl| {
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
        "notes": v.notes,
    })
}
