//! The dose of one activity image (`sirtplan dose`): a MAA SPECT as a prediction, a Y-90 PET, or
//! any image self-calibrated to the delivered activity, on a CT with its structures, through
//! `sirt-imaging` and `sirt-voxel-dosimetry`; its report document, JSON and files. The command
//! line turns its flags into a [`DoseImage`] and prints or writes what [`DoseOutcome`] makes.

use crate::PlanningError;
use crate::voxel::{VoxelPlanError, rt_dose_bytes};
use serde_json::Value;
use sirt_geometry::{FrameOfReference, Image, Rigid};
use sirt_i18n::{Lang, Text, t};
use sirt_imaging::{
    StructureRequest, StudyRef, instant_of, load_ct_study, load_pet, load_spect, load_structures,
};
use sirt_nuclides::Coefficient;
use sirt_report::document::Document;
use sirt_units::{Activity, Fraction, Instant};
use sirt_voxel_dosimetry::physics::activity::HuToDensity;
use sirt_voxel_dosimetry::physics::dvh::{DEFAULT_DX_PERCENT, DEFAULT_VX_GY};
use sirt_voxel_dosimetry::{ActivityInput, DensityInput, EngineChoice, Request, VoxelDosimetry};
use std::collections::BTreeMap;
use std::path::Path;

/// What the activity image is, with what scales it.
#[derive(Debug, Clone, PartialEq)]
pub enum DoseActivity {
    /// 99mTc-MAA SPECT counts scaled to the planned activity (prediction).
    Maa {
        /// The planned administered activity.
        administered: Activity,
        /// The lung shunt fraction.
        lsf: Fraction,
    },
    /// Y-90 PET in Bq/mL, decay-corrected back to the administration.
    Pet {
        /// The administration instant.
        administration: Instant,
    },
    /// Any image (bremsstrahlung or Ho-166 SPECT, PET) scaled so that liver and lungs hold the
    /// delivered activity.
    SelfCalibrated {
        /// The delivered activity at the administration.
        delivered: Activity,
    },
}

/// One activity image to dose.
#[derive(Debug, Clone)]
pub struct DoseImage<'a> {
    /// The CT (DICOM series folder or NIfTI, HU).
    pub ct: &'a Path,
    /// The activity image (DICOM folder or file, NIfTI).
    pub activity_image: &'a Path,
    /// What it is.
    pub activity: DoseActivity,
    /// Structures: RT Structure Set, DICOM SEG or a NIfTI label map.
    pub structures: &'a Path,
    /// The structures wanted, with their roles.
    pub requests: &'a [StructureRequest],
    /// For a NIfTI label map: name → label values.
    pub labels: &'a BTreeMap<String, Vec<u16>>,
    /// A rigid DICOM Spatial Registration linking the activity image's frame to the CT's.
    pub registration: Option<&'a Path>,
    /// K.
    pub k: Coefficient,
    /// The engine.
    pub engine: EngineChoice,
    /// DVH bin width, Gy.
    pub bin_gy: f64,
    /// For a MAA SPECT: counts this close to the liver count as liver (the site settings'
    /// `maa.liver_margin`).
    pub liver_margin: sirt_units::Length,
}

/// The dose of one activity image.
#[derive(Debug, Clone)]
pub struct DoseOutcome {
    /// The dosimetry (dose map on the activity image's grid, per-structure DVH and metrics).
    pub dosimetry: VoxelDosimetry,
    /// How the image was read and calibrated.
    pub notes: Vec<String>,
    /// The CT's DICOM study (RT Dose joins it), None for a NIfTI CT.
    pub study: Option<StudyRef>,
}

/// Loads the images and structures, and computes the dose of the activity image.
pub fn dose_image(req: &DoseImage<'_>) -> Result<DoseOutcome, PlanningError> {
    let imaging = |e| PlanningError::Voxel(VoxelPlanError::Imaging(e));
    let loaded = load_ct_study(req.ct, None).map_err(imaging)?;
    let ct = loaded.image;
    let structures =
        load_structures(req.structures, ct.grid(), req.requests, req.labels).map_err(imaging)?;
    let mut notes = Vec::new();
    let (image, activity) = activity_input(req, &ct.grid().frame, &mut notes)?;
    let activity = activity.with_image(&image);
    let registration = ct_from_activity(req, &ct.grid().frame, &image.grid().frame)?;
    let dosimetry = sirt_voxel_dosimetry::run(&Request {
        activity,
        density: DensityInput::FromCt {
            ct: &ct,
            curve: HuToDensity::default(),
        },
        structures: &structures,
        registration: registration.as_ref(),
        k: req.k.clone(),
        engine: req.engine,
        bin_gy: req.bin_gy,
        dx_percent: DEFAULT_DX_PERCENT.to_vec(),
        vx_gy: DEFAULT_VX_GY.to_vec(),
    })
    .map_err(|e| PlanningError::Voxel(VoxelPlanError::Dosimetry(e)))?;
    Ok(DoseOutcome {
        dosimetry,
        notes,
        study: loaded.study,
    })
}

/// The activity input of a request, before its image is attached.
enum Scaling {
    Maa(Activity, Fraction, sirt_units::Length),
    Pet(Instant, Instant),
    SelfCalibrated(Activity),
}

impl Scaling {
    fn with_image(self, image: &Image<f32>) -> ActivityInput<'_> {
        match self {
            Self::Maa(administered, lsf, liver_margin) => ActivityInput::MaaPredictive {
                counts: image,
                administered,
                lsf,
                territories: vec![],
                liver_margin,
            },
            Self::Pet(reference, administration) => ActivityInput::Pet {
                bq_per_ml: image,
                reference,
                administration,
            },
            Self::SelfCalibrated(delivered) => ActivityInput::SelfCalibrated { image, delivered },
        }
    }
}

/// The activity image read as its kind says, and how it is scaled; the PET's times with the
/// notes on how its reference was found.
fn activity_input(
    req: &DoseImage<'_>,
    ct_frame: &FrameOfReference,
    notes: &mut Vec<String>,
) -> Result<(Image<f32>, Scaling), PlanningError> {
    let imaging = |e| PlanningError::Voxel(VoxelPlanError::Imaging(e));
    let frame = Some(ct_frame);
    Ok(match &req.activity {
        DoseActivity::Maa { administered, lsf } => (
            load_spect(req.activity_image, frame).map_err(imaging)?,
            Scaling::Maa(*administered, *lsf, req.liver_margin),
        ),
        DoseActivity::Pet { administration } => {
            let pet = load_pet(req.activity_image, frame).map_err(imaging)?;
            notes.extend(pet.notes.iter().cloned());
            let reference = if pet.corrected_to_administration {
                administration.clone()
            } else {
                let r = pet.reference.as_ref().ok_or_else(|| {
                    PlanningError::Voxel(VoxelPlanError::PetWithoutReference {
                        path: req.activity_image.display().to_string(),
                    })
                })?;
                let (i, note) =
                    instant_of(r, administration.zoned().time_zone()).map_err(imaging)?;
                notes.extend(note);
                i
            };
            (pet.image, Scaling::Pet(reference, administration.clone()))
        }
        DoseActivity::SelfCalibrated { delivered } => (
            load_spect(req.activity_image, frame)
                .or_else(|_| load_pet(req.activity_image, frame).map(|p| p.image))
                .map_err(imaging)?,
            Scaling::SelfCalibrated(*delivered),
        ),
    })
}

/// The rigid transform from the activity image to the CT, when their frames of reference differ
/// and the request gives a registration.
fn ct_from_activity(
    req: &DoseImage<'_>,
    ct_frame: &FrameOfReference,
    activity_frame: &FrameOfReference,
) -> Result<Option<Rigid>, PlanningError> {
    match req.registration {
        Some(p) if activity_frame != ct_frame => {
            let r = sirt_imaging::load_registration(p)
                .map_err(|e| PlanningError::Voxel(VoxelPlanError::Imaging(e)))?;
            let t = r.between(ct_frame, activity_frame).ok_or_else(|| {
                PlanningError::NoRegistration {
                    registration: p.display().to_string(),
                    ct_frame: ct_frame.0.clone(),
                    activity_frame: activity_frame.0.clone(),
                }
            })?;
            Ok(Some(t))
        }
        _ => Ok(None),
    }
}

impl DoseOutcome {
    /// The report in English: the per-structure table and notes.
    pub fn document(&self) -> Document {
        self.document_in(Lang::En)
    }

    /// The report in `lang`: the per-structure table and notes (the notes are printed as they
    /// are: the caller words its own in `lang`, the image loader's are English).
    pub fn document_in(&self, lang: Lang) -> Document {
        sirt_report::voxel::voxel_document(
            &t!(lang, "voxel-document-title"),
            &self.dosimetry,
            &self.note_texts(),
            lang,
        )
    }

    /// The JSON.
    pub fn json(&self) -> Value {
        sirt_report::voxel::voxel_json(&self.dosimetry, &self.note_texts())
    }

    fn note_texts(&self) -> Vec<Text> {
        self.notes
            .iter()
            .map(|n| Text::verbatim(n.clone()))
            .collect()
    }

    /// The files (nothing is written): `dose.nii.gz`, `rtdose.dcm` when the CT is a DICOM series
    /// (in its study, dated on the study date), `metrics.csv`, `dvh.csv` and `dvh.svg`. Every
    /// error is internal. The DVH plot is in English.
    pub fn output_files(&self) -> Result<Vec<(String, Vec<u8>)>, PlanningError> {
        self.output_files_in(Lang::En)
    }

    /// The files, the DVH plot (title, axes, legend) in `lang`; the CSV files are data and the
    /// same in every language.
    pub fn output_files_in(&self, lang: Lang) -> Result<Vec<(String, Vec<u8>)>, PlanningError> {
        let voxel = PlanningError::Voxel;
        let nifti = sirt_nifti::write(&self.dosimetry.dose.gy, true)?;
        let mut files = vec![("dose.nii.gz".to_string(), nifti)];
        if let Some(study) = &self.study {
            let civil = study_midnight(study).map_err(|e| voxel(e.into()))?;
            let rt_dose =
                rt_dose_bytes(study, civil, None, 901, "SIRT voxel dose", &self.dosimetry)
                    .map_err(voxel)?;
            files.push(("rtdose.dcm".to_string(), rt_dose));
        }
        let title = t!(lang, "dvh-file-title");
        let dvh = sirt_report::voxel::voxel_files("", &title, &self.dosimetry, None, lang)
            .map_err(|e| voxel(e.into()))?;
        files.extend(dvh);
        Ok(files)
    }
}

/// The study date (YYYYMMDD) at midnight, no zone stated; 2000-01-01 when absent.
fn study_midnight(
    study: &StudyRef,
) -> Result<sirt_dicom::write::CivilDateTime, sirt_dicom::write::WriteError> {
    let date = study.study_date.as_deref().unwrap_or("20000101");
    let part = |r: std::ops::Range<usize>, default: u32| {
        date.get(r)
            .and_then(|x| x.parse::<u32>().ok())
            .unwrap_or(default)
    };
    sirt_dicom::write::CivilDateTime::new(
        i32::try_from(part(0..4, 2000)).unwrap_or(2000),
        part(4..6, 1),
        part(6..8, 1),
        0,
        0,
        0.0,
    )
}
