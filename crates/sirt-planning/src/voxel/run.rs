//! [`run`]: a plan whose case has `[images]` → [`VoxelPlan`]: the MAA-predicted dose of each
//! session at the planned activities, beside the partition model of the plan; and, with a Y-90
//! PET, the delivered dose and the comparison.

use crate::voxel::cache::{self, Loaded};
use crate::voxel::progress::{self, Stage};
use crate::voxel::{MissingTransform, VoxelPlanError};
use sirt_case::{Images, VoxelEngine};
use sirt_dicom::SpatialRegistration;
use sirt_dicom::write::CivilDateTime;
use sirt_geometry::{FrameOfReference, Image, Rigid};
use sirt_i18n::{Arg, Text};
use sirt_imaging::{
    StructureRequest, StudyRef, instant_of, load_ct_study, load_pet, load_spect, load_structures,
};
use sirt_settings::SiteSettings;
use sirt_units::{Activity, Fraction, Length};
use sirt_voxel_dosimetry::physics::activity::HuToDensity;
use sirt_voxel_dosimetry::physics::dvh::{DEFAULT_DX_PERCENT, DEFAULT_VX_GY};
use sirt_voxel_dosimetry::{
    ActivityInput, DensityInput, EngineChoice, Prepared, Request, Role, Structure, Territory,
    Verification, VoxelDosimetry, compare,
};
use sirt_workflow::{InjectionPlan, Plan, SessionPlan};
use std::path::Path;
use std::sync::Arc;

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
    /// Loading and calibration notes, for the report (in the reader's language; English in
    /// JSON).
    pub notes: Vec<Text>,
    /// The CT's DICOM study and the first session's date (None for a NIfTI CT or a plan without
    /// sessions): RT Dose files are written only with it.
    pub study: Option<RtDoseStudy>,
    /// The CT, HU, on its own grid: the common grid of [`VoxelPlan::viewer_volumes`].
    pub ct: Arc<Image<f32>>,
    /// The structures as loaded (name, role, binary mask): RT Struct and SEG masks are on the
    /// CT grid; a NIfTI label map's masks on the map's own grid (in the CT's frame).
    pub structures: Arc<Vec<Structure>>,
    /// The MAA SPECT as loaded (counts per voxel, its own grid), when the case has one.
    pub maa_spect: Option<Arc<Image<f32>>>,
    /// CT ← SPECT, when their frames of reference differ (from `images.registration`).
    pub ct_from_spect: Option<Rigid>,
    /// The Y-90 PET as loaded (Bq/mL at its reference time, its own grid), when the case has one.
    pub y90_pet: Option<Arc<Image<f32>>>,
    /// CT ← PET, when their frames of reference differ.
    pub ct_from_pet: Option<Rigid>,
    /// The viewer's volumes on the CT grid, once computed ([`VoxelPlan::viewer_volumes`]).
    pub(crate) viewer: std::sync::OnceLock<Arc<crate::voxel::ViewerVolumes>>,
    /// The loaded images the plan was made from (what the process keeps of them: the SPECT and
    /// PET on the CT grid are kept there).
    pub(crate) loaded: Option<Arc<Loaded>>,
}

/// The structures the case asks for: the liver, the lungs, the tumours (optional unless stated),
/// the perfused territory of each injection that names one and the named extrahepatic
/// structures. A plan and a measurement ask for the same (they then share what the process
/// keeps of the images, [`crate::voxel::cache`]).
pub(crate) fn structure_requests(images: &Images) -> Vec<StructureRequest> {
    let mut w = vec![StructureRequest::new(&images.liver, Role::Liver)];
    if let Some(l) = &images.lungs {
        w.push(StructureRequest::new(l, Role::Lungs));
    }
    for (id, name) in &images.tumours {
        let mut r = StructureRequest::new(name, Role::Tumour);
        r.optional = !images.tumours_stated.contains(id);
        w.push(r);
    }
    for name in images.territories.values() {
        if !w.iter().any(|x| &x.name == name) {
            w.push(StructureRequest::new(name, Role::Territory));
        }
    }
    for name in &images.extrahepatic {
        if !w.iter().any(|x| &x.name == name) {
            w.push(StructureRequest::new(name, Role::Extrahepatic));
        }
    }
    w
}

/// The CT, structures ([`structure_requests`]), registration and MAA SPECT of the case: kept
/// in the process from an earlier plan or measurement of the same, unchanged files, else read
/// (and kept).
pub(crate) fn loaded_images(images: &Images, base: &Path) -> Result<Arc<Loaded>, VoxelPlanError> {
    let requests = structure_requests(images);
    let key = cache::Key::of(base, images, &requests);
    if let Some(l) = key.as_ref().and_then(cache::get) {
        return Ok(l);
    }
    let l = Arc::new(load_images(images, base, &requests)?);
    if let Some(k) = key {
        cache::put(k, l.clone());
    }
    Ok(l)
}

/// The structures and density of the case on the MAA SPECT's grid (None without a SPECT):
/// prepared once and kept with the loaded images.
pub(crate) fn prepared_on_spect(
    loaded: &Loaded,
    images: &Images,
    ct_from_spect: Option<&Rigid>,
) -> Result<Option<Arc<Prepared>>, VoxelPlanError> {
    let Some(spect) = &loaded.spect else {
        return Ok(None);
    };
    if let Some(p) = loaded.prepared_on(spect.grid()) {
        return Ok(Some(p));
    }
    let p = Arc::new(sirt_voxel_dosimetry::prepare(
        &loaded.structures,
        &DensityInput::FromCt {
            ct: &loaded.ct,
            curve: density_curve(images),
        },
        spect.grid(),
        ct_from_spect,
    )?);
    loaded.keep_prepared(p.clone());
    Ok(Some(p))
}

/// Runs the voxel dosimetry of a plan whose case has images; `base` is the folder the case's
/// image paths are relative to (the case file's folder); `settings` gives the MAA liver margin.
/// Reads the image files (through `sirt-imaging`); prints nothing.
///
/// Errors: [`VoxelPlanError::is_input`] tells a problem of the case's images, structures or
/// registration (the user's to fix) from an internal failure.
pub fn run(
    plan: &Plan,
    images: &Images,
    base: &Path,
    settings: &SiteSettings,
) -> Result<VoxelPlan, VoxelPlanError> {
    progress::report(Stage::ReadingImages, 0.0);
    let (mut inputs, study, mut notes) = Inputs::load(plan, images, base)?;
    inputs.liver_margin = settings.maa_liver_margin;
    crate::consistency::check_loaded(
        &plan.case,
        base,
        settings,
        crate::consistency::Loaded {
            kept: &inputs.loaded,
            ct_from_spect: inputs.ct_from_spect.as_ref(),
        },
        &mut notes,
    )?;
    let mut predicted = Vec::new();
    let sessions = plan.sessions.len() + usize::from(images.y90_pet.is_some());
    for (i, session) in plan.sessions.iter().enumerate() {
        progress::report(Stage::Dose, dose_fraction(i, sessions));
        if let Some(d) = inputs.predict(session, false, &mut notes)? {
            predicted.push(PredictedSession {
                session: session.id.clone(),
                dosimetry: d,
            });
        }
    }
    let pet = match &images.y90_pet {
        Some(pet_path) => {
            progress::report(Stage::Dose, dose_fraction(plan.sessions.len(), sessions));
            Some(inputs.post_treatment(pet_path, &predicted, &mut notes)?)
        }
        None => None,
    };
    progress::report(Stage::Dvh, PROGRESS_DOSE_END);
    let (delivered, y90_pet, ct_from_pet) = match pet {
        Some(p) => (p.delivered, Some(p.image), p.ct_from_pet),
        None => (None, None, None),
    };
    Ok(VoxelPlan {
        predicted,
        delivered,
        notes,
        study,
        ct: inputs.loaded.ct.clone(),
        structures: inputs.loaded.structures.clone(),
        maa_spect: inputs.loaded.spect.clone(),
        ct_from_spect: inputs.ct_from_spect,
        y90_pet,
        ct_from_pet,
        viewer: std::sync::OnceLock::new(),
        loaded: Some(inputs.loaded),
    })
}

/// Fraction of a voxel plan's run done when its images are read and prepared on the activity
/// grid (design choice: loading and resampling take about a third of a first run on the demo
/// phantom; later runs find both kept, [`crate::voxel::cache`]).
const PROGRESS_PREPARED: f64 = 0.3;

/// Fraction done when every dose map is made (design choice: the DVHs and comparison after).
const PROGRESS_DOSE_END: f64 = 0.9;

/// Fraction done when the dose of dose map `i` of `n` begins.
fn dose_fraction(i: usize, n: usize) -> f64 {
    PROGRESS_PREPARED + (PROGRESS_DOSE_END - PROGRESS_PREPARED) * i as f64 / n.max(1) as f64
}

/// Reads the CT, the structures asked for, the registration and the MAA SPECT of the case.
fn load_images(
    images: &Images,
    base: &Path,
    requests: &[StructureRequest],
) -> Result<Loaded, VoxelPlanError> {
    let loaded = load_ct_study(&base.join(&images.ct), None)?;
    let ct = loaded.image;
    let structures = load_structures(
        &base.join(&images.structures),
        ct.grid(),
        requests,
        &images.labels,
    )?;
    let registration = load_registrations(&images.registration, base)?;
    let spect: Option<Image<f32>> = match &images.maa_spect {
        Some(p) => Some(load_spect(&base.join(p), Some(&ct.grid().frame))?),
        None => None,
    };
    Ok(Loaded::new(
        ct,
        loaded.study,
        structures,
        registration,
        spect,
    ))
}

/// The registration objects of the case as one (their paths joined with " + ", their
/// transforms together): None without any; objects that register to different reference
/// frames are refused naming both.
fn load_registrations(
    paths: &[String],
    base: &Path,
) -> Result<Option<(String, SpatialRegistration)>, VoxelPlanError> {
    let mut merged: Option<(String, SpatialRegistration)> = None;
    for p in paths {
        let r = sirt_imaging::load_registration(&base.join(p))?;
        merged = Some(match merged {
            None => (p.clone(), r),
            Some((names, mut m)) => {
                if m.reference != r.reference {
                    return Err(VoxelPlanError::RegistrationReferences {
                        first: names,
                        first_reference: m.reference.0.clone(),
                        second: p.clone(),
                        second_reference: r.reference.0.clone(),
                    });
                }
                m.transforms.extend(r.transforms);
                (format!("{names} + {p}"), m)
            }
        });
    }
    Ok(merged)
}

/// The CT's study with the first session's treatment date and time (None for a CT without a
/// DICOM study or a plan without sessions).
fn rt_dose_study(
    study: Option<StudyRef>,
    plan: &Plan,
) -> Result<Option<RtDoseStudy>, VoxelPlanError> {
    let (Some(study), Some(session)) = (study, plan.sessions.first()) else {
        return Ok(None);
    };
    let (civil, utc_offset_minutes) = civil_of(&session.treatment)?;
    Ok(Some(RtDoseStudy {
        study,
        civil,
        utc_offset_minutes,
    }))
}

/// An instant's civil date and time in its own zone, and that zone's UTC offset in minutes: the
/// date and time DICOM objects written for it carry (RT Dose, the report's Encapsulated PDF).
pub(crate) fn civil_of(
    i: &sirt_units::Instant,
) -> Result<(CivilDateTime, i32), sirt_dicom::write::WriteError> {
    let t = i.zoned().datetime();
    let c = CivilDateTime::new(
        i32::from(t.year()),
        u32::try_from(t.month()).unwrap_or(1),
        u32::try_from(t.day()).unwrap_or(1),
        u32::try_from(t.hour()).unwrap_or(0),
        u32::try_from(t.minute()).unwrap_or(0),
        f64::from(t.second()),
    )?;
    Ok((c, i.zoned().offset().seconds() / 60))
}

/// A note for each tumour of the case without its structure.
fn missing_tumour_notes(images: &Images, structures: &[Structure]) -> Vec<Text> {
    let mut notes = Vec::new();
    for (id, name) in &images.tumours {
        if !structures.iter().any(|s| &s.name == name) {
            notes.push(Text::with(
                "note-voxel-missing-tumour",
                vec![
                    ("tumour", Arg::from(id)),
                    ("name", Arg::from(name)),
                    ("file", Arg::from(&images.structures)),
                ],
            ));
        }
    }
    notes
}

/// The HU → density curve: the case file's, else the default.
pub(crate) fn density_curve(images: &Images) -> HuToDensity {
    match &images.hu_to_density {
        Some(points) => HuToDensity {
            points: points.clone(),
            source: "the case file's images.hu_to_density".into(),
        },
        None => HuToDensity::default(),
    }
}

/// The dose engine the case asks for.
fn engine_choice(images: &Images) -> EngineChoice {
    match images.engine {
        VoxelEngine::Kernel => EngineChoice::Kernel,
        VoxelEngine::LocalDeposition => EngineChoice::LocalDeposition,
    }
}

/// The transform `to ← from` when the frames differ: from the registration object (its path
/// and contents), or None (the pipeline then refuses the different frames, naming them).
pub(crate) fn transform(
    registration: Option<&(String, SpatialRegistration)>,
    to: &FrameOfReference,
    from: &FrameOfReference,
    what: &str,
) -> Result<Option<Rigid>, VoxelPlanError> {
    if to == from {
        return Ok(None);
    }
    match registration {
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
}

/// The inputs of the voxel dosimetry: the images loaded (CT, structures, registration, MAA
/// SPECT; kept in the process for the next plan of the same images, [`crate::voxel::cache`]),
/// the density curve, the engine and the transform CT ← SPECT.
struct Inputs<'a> {
    plan: &'a Plan,
    images: &'a Images,
    base: &'a Path,
    loaded: Arc<Loaded>,
    curve: HuToDensity,
    engine: EngineChoice,
    /// CT ← SPECT, when their frames differ.
    ct_from_spect: Option<Rigid>,
    /// MAA counts within this distance of the liver count as liver (site setting).
    liver_margin: Length,
}

/// The post-treatment results of a Y-90 PET.
struct PostTreatment {
    /// The delivered dosimetry and comparison (None without a prediction to compare with).
    delivered: Option<Delivered>,
    /// The PET as loaded.
    image: Arc<Image<f32>>,
    /// CT ← PET, when their frames differ.
    ct_from_pet: Option<Rigid>,
}

impl<'a> Inputs<'a> {
    /// Loads the CT, structures, registration and MAA SPECT of the case (or finds them loaded
    /// in the process); with the RT Dose study and the loading notes.
    fn load(
        plan: &'a Plan,
        images: &'a Images,
        base: &'a Path,
    ) -> Result<(Self, Option<RtDoseStudy>, Vec<Text>), VoxelPlanError> {
        let loaded = loaded_images(images, base)?;
        let study = rt_dose_study(loaded.study.clone(), plan)?;
        let notes = missing_tumour_notes(images, &loaded.structures);
        let ct_from_spect = match &loaded.spect {
            Some(sp) => transform(
                loaded.registration.as_ref(),
                &loaded.ct.grid().frame,
                &sp.grid().frame,
                "CT and the SPECT",
            )?,
            None => None,
        };
        let inputs = Self {
            plan,
            images,
            base,
            loaded,
            curve: density_curve(images),
            engine: engine_choice(images),
            ct_from_spect,
            liver_margin: SiteSettings::default().maa_liver_margin,
        };
        Ok((inputs, study, notes))
    }

    /// The transform `to ← from` when the frames differ (see [`transform`]).
    fn transform(
        &self,
        to: &FrameOfReference,
        from: &FrameOfReference,
        what: &str,
    ) -> Result<Option<Rigid>, VoxelPlanError> {
        transform(self.loaded.registration.as_ref(), to, from, what)
    }

    /// The voxel dosimetry of an activity map on the CT's density, with the K of `injection`.
    fn dosimetry(
        &self,
        activity: ActivityInput<'_>,
        injection: &InjectionPlan,
        registration: Option<&Rigid>,
    ) -> Result<VoxelDosimetry, VoxelPlanError> {
        let request = Request {
            activity,
            density: DensityInput::FromCt {
                ct: &self.loaded.ct,
                curve: self.curve.clone(),
            },
            structures: &self.loaded.structures,
            registration,
            k: injection.k.clone(),
            engine: self.engine,
            bin_gy: PLAN_DVH_BIN_GY,
            dx_percent: DEFAULT_DX_PERCENT.to_vec(),
            vx_gy: DEFAULT_VX_GY.to_vec(),
        };
        let prepared = self.prepared_for(&request)?;
        Ok(sirt_voxel_dosimetry::run_prepared(&request, &prepared)?)
    }

    /// The structures and density on the request's activity grid: prepared once per grid and
    /// kept with the loaded images (the registration to a grid is always the same: the case's
    /// transform to its image's frame).
    fn prepared_for(&self, request: &Request<'_>) -> Result<Arc<Prepared>, VoxelPlanError> {
        let grid = request.activity.image().grid();
        if let Some(p) = self.loaded.prepared_on(grid) {
            return Ok(p);
        }
        progress::report(Stage::Resampling, PROGRESS_PREPARED / 2.0);
        let p = Arc::new(sirt_voxel_dosimetry::prepare(
            request.structures,
            &request.density,
            grid,
            request.registration,
        )?);
        self.loaded.keep_prepared(p.clone());
        Ok(p)
    }

    /// The injections of a session with an activity, each with its expected activity (ordered
    /// vials), or its delivered one (`at_delivered`; None when an injection has no delivery
    /// record).
    fn session_activities(
        &self,
        session: &SessionPlan,
        at_delivered: bool,
    ) -> Option<Vec<(&'a InjectionPlan, Activity)>> {
        let plan = self.plan;
        let mut planned = Vec::new();
        for inj in session
            .injections
            .iter()
            .filter_map(|&i| plan.injections.get(i))
        {
            let Some(p) = inj.planned() else { continue };
            let a = if at_delivered {
                p.delivered.as_ref()?.delivery.delivered
            } else {
                p.expected.administered
            };
            planned.push((inj, a));
        }
        Some(planned)
    }

    /// The territories of the injections when every one has a territory structure, else none
    /// (the whole liver holds the session's activity; a note says so for a planned session of
    /// several injections).
    fn territories(
        &self,
        session: &SessionPlan,
        planned: &[(&InjectionPlan, Activity)],
        at_delivered: bool,
        notes: &mut Vec<Text>,
    ) -> Vec<Territory> {
        let images = self.images;
        let all_mapped = planned
            .iter()
            .all(|(inj, _)| images.territories.contains_key(&inj.input.id));
        if all_mapped {
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
                notes.push(Text::with(
                    "note-voxel-whole-liver-holds-session",
                    vec![("session", Arg::from(&session.id))],
                ));
            }
            vec![]
        }
    }

    /// The MAA prediction of a session at the expected activities (ordered vials), or at the
    /// delivered ones (`at_delivered`, None when an injection has no delivery record); None
    /// without a MAA SPECT or an injection with an activity.
    fn predict(
        &self,
        session: &SessionPlan,
        at_delivered: bool,
        notes: &mut Vec<Text>,
    ) -> Result<Option<VoxelDosimetry>, VoxelPlanError> {
        let Some(spect) = &self.loaded.spect else {
            return Ok(None);
        };
        let Some(planned) = self.session_activities(session, at_delivered) else {
            return Ok(None);
        };
        let Some((first, _)) = planned.first() else {
            return Ok(None);
        };
        let total: f64 = planned.iter().map(|(_, a)| a.gbq()).sum();
        let lsf = planned
            .iter()
            .map(|(inj, a)| inj.input.lung.lsf.value() * a.gbq())
            .sum::<f64>()
            / total;
        let territories = self.territories(session, &planned, at_delivered, notes);
        let d = self.dosimetry(
            ActivityInput::MaaPredictive {
                counts: spect,
                administered: Activity::from_gbq(total),
                lsf: Fraction::new(lsf).ok_or(VoxelPlanError::LungShuntOutOfRange { lsf })?,
                territories,
                liver_margin: self.liver_margin,
            },
            first,
            self.ct_from_spect.as_ref(),
        )?;
        Ok(Some(d))
    }

    /// The session the PET follows: the case's `pet_session`, else the first session with a
    /// delivery record, else the first session.
    fn pet_session(&self) -> Result<&'a SessionPlan, VoxelPlanError> {
        let plan = self.plan;
        match &self.images.pet_session {
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
        .ok_or(VoxelPlanError::PetWithoutSession)
    }

    /// The delivered dosimetry from the Y-90 PET at `pet_path`, its notes, and the comparison
    /// with the MAA prediction of its session (at the delivered activity when the case records
    /// the delivery, else at the planned one).
    fn post_treatment(
        &self,
        pet_path: &str,
        predicted: &[PredictedSession],
        notes: &mut Vec<Text>,
    ) -> Result<PostTreatment, VoxelPlanError> {
        let session = self.pet_session()?;
        let injections: Vec<_> = session
            .injections
            .iter()
            .filter_map(|&i| self.plan.injections.get(i))
            .collect();
        let administration = injections
            .iter()
            .filter_map(|inj| inj.planned().and_then(|p| p.delivered.as_ref()))
            .map(|d| d.injected.clone())
            .min()
            .unwrap_or_else(|| session.treatment.clone());
        let first = injections
            .first()
            .ok_or_else(|| VoxelPlanError::SessionWithoutInjection {
                session: session.id.clone(),
            })?;
        let pet = self.loaded.pet(pet_path, || {
            load_pet(
                &self.base.join(pet_path),
                Some(&self.loaded.ct.grid().frame),
            )
        })?;
        let mut pet_notes = pet.notes.clone();
        let reference = if pet.corrected_to_administration {
            administration.clone()
        } else {
            let r = pet
                .reference
                .as_ref()
                .ok_or_else(|| VoxelPlanError::PetWithoutReference {
                    path: pet_path.to_owned(),
                })?;
            let (i, note) = instant_of(r, administration.zoned().time_zone())?;
            pet_notes.extend(note);
            i
        };
        let ct_from_pet = self.transform(
            &self.loaded.ct.grid().frame,
            &pet.image.grid().frame,
            "CT and the PET",
        )?;
        let d = self.dosimetry(
            ActivityInput::Pet {
                bq_per_ml: &pet.image,
                reference,
                administration,
            },
            first,
            ct_from_pet.as_ref(),
        )?;
        // The image loader's notes have no catalogue: printed as they are.
        notes.extend(pet_notes.into_iter().map(|n| {
            Text::with(
                "note-voxel-pet",
                vec![("note", Arg::from(Text::verbatim(n)))],
            )
        }));
        let delivered = self.verify(session, d, predicted, notes)?;
        Ok(PostTreatment {
            delivered,
            image: pet.image.clone(),
            ct_from_pet,
        })
    }

    /// The delivered dosimetry `d` of a session against its MAA prediction (at the delivered
    /// activity when the case records the delivery, else the planned prediction); None, with a
    /// note, when the session has no prediction.
    fn verify(
        &self,
        session: &SessionPlan,
        d: VoxelDosimetry,
        predicted: &[PredictedSession],
        notes: &mut Vec<Text>,
    ) -> Result<Option<Delivered>, VoxelPlanError> {
        let at_delivered = self.predict(session, true, notes)?;
        let reference = at_delivered.as_ref().or_else(|| {
            predicted
                .iter()
                .find(|p| p.session == session.id)
                .map(|p| &p.dosimetry)
        });
        let Some(p) = reference else {
            notes.push(Text::with(
                "note-voxel-no-prediction",
                vec![("session", Arg::from(&session.id))],
            ));
            return Ok(None);
        };
        let spect_from_pet = self.transform(
            &p.dose.gy.grid().frame,
            &d.dose.gy.grid().frame,
            "SPECT and the PET",
        )?;
        let v = compare(p, &d, spect_from_pet.as_ref())?;
        Ok(Some(Delivered {
            session: session.id.clone(),
            dosimetry: d,
            verification: v,
            predicted_at_delivered: at_delivered,
        }))
    }
}
