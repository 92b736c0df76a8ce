//! [`run`]: a plan whose case has `[images]` → [`VoxelPlan`]: the MAA-predicted dose of each
//! session at the planned activities, beside the partition model of the plan; and, with a Y-90
//! PET, the delivered dose and the comparison.

use crate::{MissingTransform, VoxelPlanError};
use sirt_case::{Images, VoxelEngine};
use sirt_dicom::write::CivilDateTime;
use sirt_dose::activity::HuToDensity;
use sirt_dose::dvh::{DEFAULT_DX_PERCENT, DEFAULT_VX_GY};
use sirt_dosimetry::{
    ActivityInput, DensityInput, EngineChoice, Request, Role, Structure, Territory, Verification,
    VoxelDosimetry, compare,
};
use sirt_geometry::{FrameOfReference, Image, Rigid};
use sirt_imaging::{
    StructureRequest, StudyRef, instant_of, load_ct_study, load_pet, load_spect, load_structures,
};
use sirt_units::{Activity, Fraction};
use sirt_workflow::{Plan, SessionPlan};
use std::path::Path;

/// DVH bin of plan reports, Gy: a design choice of this tool, not a published value
/// (dicompyler-core's 0.01 Gy would make 10⁵ bins at 1000 Gy).
pub const PLAN_DVH_BIN_GY: f64 = 0.1;

/// The MAA prediction of one session at its planned activities.
#[derive(Debug, Clone)]
pub struct PredictedSession {
    /// The session id of the case.
    pub session: String,
    /// The predicted dosimetry: its dose map (`dosimetry.dose.gy`) is on the MAA SPECT's grid.
    pub dosimetry: VoxelDosimetry,
}

/// The post-treatment part.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The session the PET follows.
    pub session: String,
    /// From the PET: its dose map is on the PET's grid.
    pub dosimetry: VoxelDosimetry,
    /// Against the MAA prediction at the delivered activity when the case records the delivery,
    /// else at the planned one; its difference map is on the SPECT's grid.
    pub verification: Verification,
    /// The MAA prediction at the delivered activity (None without delivery records); on the
    /// SPECT's grid.
    pub predicted_at_delivered: Option<VoxelDosimetry>,
}

/// The CT's DICOM study and the date RT Dose files written for it carry.
#[derive(Debug, Clone, PartialEq)]
pub struct RtDoseStudy {
    /// The CT's study: RT Dose files join it.
    pub study: StudyRef,
    /// The first session's treatment, civil date and time.
    pub civil: CivilDateTime,
    /// Its UTC offset, minutes.
    pub utc_offset_minutes: i32,
}

/// The voxel results of a plan, with the images they came from (for a viewer:
/// [`VoxelPlan::viewer_volumes`]).
#[derive(Debug, Clone)]
pub struct VoxelPlan {
    /// Per session with a planned activity and a MAA SPECT, in the plan's session order.
    pub predicted: Vec<PredictedSession>,
    /// The delivered dosimetry and its comparison with the prediction of its session (None
    /// without a Y-90 PET, or when its session has no prediction to compare with: a note says so).
    pub delivered: Option<Delivered>,
    /// Loading and calibration notes, for the report.
    pub notes: Vec<String>,
    /// The CT's DICOM study and the first session's date (None for a NIfTI CT or a plan without
    /// sessions): RT Dose files are written only with it.
    pub study: Option<RtDoseStudy>,
    /// The CT, HU, on its own grid: the common grid of [`VoxelPlan::viewer_volumes`].
    pub ct: Image<f32>,
    /// The structures as loaded (name, role, binary mask): RT Struct and SEG masks are on the
    /// CT grid; a NIfTI label map's masks on the map's own grid (in the CT's frame).
    pub structures: Vec<Structure>,
    /// The MAA SPECT as loaded (counts per voxel, its own grid), when the case has one.
    pub maa_spect: Option<Image<f32>>,
    /// CT ← SPECT, when their frames of reference differ (from `images.registration`).
    pub ct_from_spect: Option<Rigid>,
    /// The Y-90 PET as loaded (Bq/mL at its reference time, its own grid), when the case has one.
    pub y90_pet: Option<Image<f32>>,
    /// CT ← PET, when their frames of reference differ.
    pub ct_from_pet: Option<Rigid>,
}

/// The structures the case asks for: the liver, the lungs, the tumours (optional unless stated)
/// and the perfused territory of each injection that names one.
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

/// Runs the voxel dosimetry of a plan whose case has images; `base` is the folder the case's
/// image paths are relative to (the case file's folder). Reads the image files (through
/// `sirt-imaging`); prints nothing.
///
/// Errors: [`VoxelPlanError::is_input`] tells a problem of the case's images, structures or
/// registration (the user's to fix) from an internal failure.
pub fn run(plan: &Plan, images: &Images, base: &Path) -> Result<VoxelPlan, VoxelPlanError> {
    let path = |p: &str| base.join(p);
    let mut notes = Vec::new();
    let loaded = load_ct_study(&path(&images.ct), None)?;
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
            )?;
            let utc_offset_minutes = session.treatment.zoned().offset().seconds() / 60;
            Some(RtDoseStudy {
                study,
                civil,
                utc_offset_minutes,
            })
        }
        _ => None,
    };
    let frame = Some(&ct.grid().frame);
    let structures = load_structures(
        &path(&images.structures),
        ct.grid(),
        &requests(images, plan),
        &images.labels,
    )?;
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
        Some(p) => Some((p.clone(), sirt_imaging::load_registration(&path(p))?)),
        None => None,
    };
    // The transform `to ← from` when the frames differ: from the registration object, or None
    // (the pipeline then refuses the different frames, naming them).
    let transform = |to: &FrameOfReference,
                     from: &FrameOfReference,
                     what: &str|
     -> Result<Option<Rigid>, VoxelPlanError> {
        if to == from {
            return Ok(None);
        }
        match &registration {
            None => Ok(None),
            Some((p, r)) => r.between(to, from).map(Some).ok_or_else(|| {
                VoxelPlanError::NoTransform(Box::new(MissingTransform {
                    registration: p.clone(),
                    between: what.to_owned(),
                    to: to.0.clone(),
                    from: from.0.clone(),
                    registered: r
                        .transforms
                        .iter()
                        .map(|t| t.from.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    reference: r.reference.0.clone(),
                }))
            }),
        }
    };
    let request = |activity: ActivityInput<'_>,
                   k,
                   registration: Option<&Rigid>|
     -> Result<VoxelDosimetry, VoxelPlanError> {
        Ok(sirt_dosimetry::run(&Request {
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
        })?)
    };

    let spect: Option<Image<f32>> = match &images.maa_spect {
        Some(p) => Some(load_spect(&path(p), frame)?),
        None => None,
    };
    let ct_from_spect = match &spect {
        Some(sp) => transform(&ct.grid().frame, &sp.grid().frame, "CT and the SPECT")?,
        None => None,
    };
    // The MAA prediction of a session at the expected activities (ordered vials), or at the
    // delivered ones (`at_delivered`, None when an injection has no delivery record).
    let predict = |session: &SessionPlan,
                   at_delivered: bool,
                   notes: &mut Vec<String>|
     -> Result<Option<VoxelDosimetry>, VoxelPlanError> {
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
                lsf: Fraction::new(lsf).ok_or(VoxelPlanError::LungShuntOutOfRange { lsf })?,
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
            predicted.push(PredictedSession {
                session: session.id.clone(),
                dosimetry: d,
            });
        }
    }

    let mut delivered = None;
    let mut y90_pet = None;
    let mut ct_from_pet = None;
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
        .ok_or(VoxelPlanError::PetWithoutSession)?;
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
        let k = injections.first().map(|i| i.k.clone()).ok_or_else(|| {
            VoxelPlanError::SessionWithoutInjection {
                session: session.id.clone(),
            }
        })?;
        let pet = load_pet(&path(pet_path), frame)?;
        let mut pet_notes = pet.notes.clone();
        let reference = if pet.corrected_to_administration {
            administration.clone()
        } else {
            let r = pet
                .reference
                .as_ref()
                .ok_or_else(|| VoxelPlanError::PetWithoutReference {
                    path: pet_path.clone(),
                })?;
            let (i, note) = instant_of(r, administration.zoned().time_zone())?;
            pet_notes.extend(note);
            i
        };
        let pet_transform = transform(&ct.grid().frame, &pet.image.grid().frame, "CT and the PET")?;
        let d = request(
            ActivityInput::Pet {
                bq_per_ml: &pet.image,
                reference,
                administration,
            },
            k,
            pet_transform.as_ref(),
        )?;
        notes.extend(pet_notes.into_iter().map(|n| format!("Y-90 PET: {n}")));
        let at_delivered = predict(session, true, &mut notes)?;
        let reference = at_delivered.as_ref().or_else(|| {
            predicted
                .iter()
                .find(|p| p.session == session.id)
                .map(|p| &p.dosimetry)
        });
        if let Some(p) = reference {
            let spect_from_pet = transform(
                &p.dose.gy.grid().frame,
                &d.dose.gy.grid().frame,
                "SPECT and the PET",
            )?;
            let v = compare(p, &d, spect_from_pet.as_ref())?;
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
        y90_pet = Some(pet.image);
        ct_from_pet = pet_transform;
    }
    Ok(VoxelPlan {
        predicted,
        delivered,
        notes,
        study,
        ct,
        structures,
        maa_spect: spect,
        ct_from_spect,
        y90_pet,
        ct_from_pet,
    })
}
