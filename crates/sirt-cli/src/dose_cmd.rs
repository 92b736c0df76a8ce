//! `sirtplan dose`: a dose map and per-structure metrics from one activity image (MAA SPECT as a
//! prediction, Y-90 PET, or any image self-calibrated to the delivered activity).

use crate::{Failure, Format, Result, input};
use anyhow::{Context, anyhow};
use sirt_geometry::{FrameOfReference, Rigid};
use sirt_imaging::{
    LoadedPet, StructureRequest, StudyRef, instant_of, load_ct_study, load_pet, load_spect,
    load_structures,
};
use sirt_nuclides::{KConvention, Nuclide};
use sirt_units::{Activity, Fraction, Instant};
use sirt_voxel_dosimetry::physics::activity::HuToDensity;
use sirt_voxel_dosimetry::physics::dvh::{DEFAULT_DX_PERCENT, DEFAULT_VX_GY};
use sirt_voxel_dosimetry::{
    ActivityInput, DensityInput, EngineChoice, Request, Role, VoxelDosimetry, run as run_dosimetry,
};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the activity image is.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Kind {
    /// 99mTc-MAA SPECT counts, scaled to the planned activity (prediction).
    Maa,
    /// Y-90 PET in Bq/mL, decay-corrected back to the administration.
    Pet,
    /// Any image (bremsstrahlung or Ho-166 SPECT, PET) scaled so that liver + lungs hold the
    /// delivered activity.
    SelfCalibrated,
}

/// The engine.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Engine {
    /// Dose-voxel kernel convolution (Y-90), density-corrected.
    Kernel,
    /// Local deposition: D = K · A₀ / m.
    LocalDeposition,
}

#[derive(clap::Args)]
pub(crate) struct DoseArgs {
    /// The activity image: a DICOM folder or file (NM SPECT, PET series) or NIfTI.
    #[arg(long, value_name = "PATH")]
    activity: PathBuf,
    /// What the activity image is.
    #[arg(long, value_enum)]
    kind: Kind,
    /// The CT (DICOM series folder or NIfTI, HU): density and the grid of the structures.
    #[arg(long, value_name = "PATH")]
    ct: PathBuf,
    /// Structures: RT Structure Set, DICOM SEG or a NIfTI label map (then --label).
    #[arg(long, value_name = "PATH")]
    structures: PathBuf,
    /// A DICOM Spatial Registration object (rigid) linking the activity image's frame of
    /// reference to the CT's, when they differ.
    #[arg(long, value_name = "FILE")]
    registration: Option<PathBuf>,
    /// Name of the whole-liver structure (tumours included).
    #[arg(long, default_value = "liver")]
    liver: String,
    /// Name of the lung structure (needed for MAA with a lung shunt).
    #[arg(long)]
    lungs: Option<String>,
    /// A tumour structure (repeatable).
    #[arg(long = "tumour", value_name = "NAME")]
    tumours: Vec<String>,
    /// Another structure to report (repeatable).
    #[arg(long = "structure", value_name = "NAME")]
    others: Vec<String>,
    /// For a NIfTI label map: NAME=L1,L2,… (repeatable).
    #[arg(long = "label", value_name = "NAME=VALUES")]
    labels: Vec<String>,
    /// MAA: the planned administered activity ("1.8 GBq", "48.6 mCi").
    #[arg(long)]
    administered: Option<Activity>,
    /// MAA: the lung shunt fraction (0–1).
    #[arg(long)]
    lsf: Option<f64>,
    /// Self-calibrated: the delivered activity at the administration.
    #[arg(long)]
    delivered: Option<Activity>,
    /// PET: the administration instant ("2026-03-05T10:25:00[Europe/Paris]").
    #[arg(long)]
    administration: Option<Instant>,
    /// Dose engine.
    #[arg(long, value_enum, default_value = "kernel")]
    engine: Engine,
    /// K convention (default: therasphere-ifu for Y-90, ho166-rule for Ho-166).
    #[arg(long)]
    k: Option<KConvention>,
    /// Nuclide of the microspheres.
    #[arg(long, default_value = "Y-90")]
    nuclide: Nuclide,
    /// DVH bin width, Gy.
    #[arg(long, default_value_t = 0.1)]
    bin_gy: f64,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write dose.nii.gz, rtdose.dcm (DICOM CT: in its study), metrics.csv, dvh.csv and dvh.svg
    /// to this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

fn parse_labels(specs: &[String]) -> Result<BTreeMap<String, Vec<u16>>> {
    let mut map = BTreeMap::new();
    for s in specs {
        let (name, values) = s
            .split_once('=')
            .ok_or_else(|| input(anyhow!("--label \"{s}\": expected NAME=L1,L2,…")))?;
        let values = values
            .split(',')
            .map(|v| v.trim().parse::<u16>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| {
                input(anyhow!(
                    "--label \"{s}\": label values must be whole numbers 0–65535"
                ))
            })?;
        map.insert(name.trim().to_owned(), values);
    }
    Ok(map)
}

/// The structure requests of the command line.
fn requests(a: &DoseArgs) -> Vec<StructureRequest> {
    let mut w = vec![StructureRequest::new(&a.liver, Role::Liver)];
    if let Some(l) = &a.lungs {
        w.push(StructureRequest::new(l, Role::Lungs));
    }
    w.extend(
        a.tumours
            .iter()
            .map(|t| StructureRequest::new(t, Role::Tumour)),
    );
    w.extend(
        a.others
            .iter()
            .map(|t| StructureRequest::new(t, Role::Other)),
    );
    w
}

pub(crate) fn run(a: DoseArgs, out: &mut impl Write) -> Result<()> {
    let k =
        a.k.unwrap_or(match a.nuclide {
            Nuclide::Ho166 => KConvention::Ho166Rule,
            _ => KConvention::TheraSphereIfu,
        })
        .resolve(a.nuclide)
        .map_err(input)?;
    let labels = parse_labels(&a.labels)?;
    let loaded = load_ct_study(&a.ct, None).map_err(input)?;
    let ct = loaded.image;
    let frame = Some(&ct.grid().frame);
    let structures =
        load_structures(&a.structures, ct.grid(), &requests(&a), &labels).map_err(input)?;
    let mut notes = Vec::new();
    let image;
    let activity = match a.kind {
        Kind::Maa => {
            image = load_spect(&a.activity, frame).map_err(input)?;
            let (administered, lsf) = maa_scaling(&a, &mut notes)?;
            ActivityInput::MaaPredictive {
                counts: &image,
                administered,
                lsf,
                territories: vec![],
            }
        }
        Kind::Pet => {
            let pet = load_pet(&a.activity, frame).map_err(input)?;
            let (reference, administration) = pet_times(&a, &pet, &mut notes)?;
            image = pet.image;
            ActivityInput::Pet {
                bq_per_ml: &image,
                reference,
                administration,
            }
        }
        Kind::SelfCalibrated => {
            image = load_spect(&a.activity, frame)
                .or_else(|_| load_pet(&a.activity, frame).map(|p| p.image))
                .map_err(input)?;
            let delivered = a.delivered.ok_or_else(|| {
                input(anyhow!(
                    "--kind self-calibrated needs --delivered (the activity at the administration)"
                ))
            })?;
            ActivityInput::SelfCalibrated {
                image: &image,
                delivered,
            }
        }
    };
    let ct_from_activity = ct_from_activity(&a, &ct.grid().frame, &activity)?;
    let result = run_dosimetry(&Request {
        activity,
        density: DensityInput::FromCt {
            ct: &ct,
            curve: HuToDensity::default(),
        },
        structures: &structures,
        registration: ct_from_activity.as_ref(),
        k,
        engine: match a.engine {
            Engine::Kernel => EngineChoice::Kernel,
            Engine::LocalDeposition => EngineChoice::LocalDeposition,
        },
        bin_gy: a.bin_gy,
        dx_percent: DEFAULT_DX_PERCENT.to_vec(),
        vx_gy: DEFAULT_VX_GY.to_vec(),
    })
    .map_err(input)?;
    if let Some(dir) = &a.out {
        write_outputs(dir, &result, loaded.study.as_ref())?;
    }
    print_result(a.format, &result, &notes, out)
}

/// The planned activity and the LSF that scale MAA counts, with a note when the lungs have no
/// structure of their own.
fn maa_scaling(a: &DoseArgs, notes: &mut Vec<String>) -> Result<(Activity, Fraction)> {
    let administered = a.administered.ok_or_else(|| {
        input(anyhow!(
            "--kind maa needs --administered (the planned activity)"
        ))
    })?;
    let lsf = a.lsf.ok_or_else(|| {
        input(anyhow!(
            "--kind maa needs --lsf (the lung shunt fraction, 0–1)"
        ))
    })?;
    let lsf = Fraction::new(lsf)
        .filter(|f| f.value() < 1.0)
        .ok_or_else(|| input(anyhow!("--lsf must be from 0 to below 1, found {lsf}")))?;
    if lsf.value() > 0.0 && a.lungs.is_none() {
        notes.push("no --lungs structure: the lung counts keep the liver scale".to_string());
    }
    Ok((administered, lsf))
}

/// The PET's reference instant and the administration (`--administration`), with the notes on
/// how the reference was found.
fn pet_times(a: &DoseArgs, pet: &LoadedPet, notes: &mut Vec<String>) -> Result<(Instant, Instant)> {
    let administration = a.administration.clone().ok_or_else(|| {
        input(anyhow!(
            "--kind pet needs --administration (the instant of the injection, with its zone)"
        ))
    })?;
    notes.extend(pet.notes.iter().cloned());
    let reference = if pet.corrected_to_administration {
        administration.clone()
    } else {
        match &pet.reference {
            Some(r) => {
                let (i, note) = instant_of(r, administration.zoned().time_zone()).map_err(input)?;
                notes.extend(note);
                i
            }
            None => {
                return Err(input(anyhow!(
                    "{}: a NIfTI PET has no reference time; use DICOM or --kind self-calibrated",
                    a.activity.display()
                )));
            }
        }
    };
    Ok((reference, administration))
}

/// The rigid transform from the activity image to the CT (`--registration`), when their frames
/// of reference differ.
fn ct_from_activity(
    a: &DoseArgs,
    ct_frame: &FrameOfReference,
    activity: &ActivityInput<'_>,
) -> Result<Option<Rigid>> {
    let activity_frame = match activity {
        ActivityInput::MaaPredictive { counts, .. } => counts.grid().frame.clone(),
        ActivityInput::Pet { bq_per_ml, .. } => bq_per_ml.grid().frame.clone(),
        ActivityInput::SelfCalibrated { image, .. } => image.grid().frame.clone(),
    };
    match &a.registration {
        Some(p) if activity_frame != *ct_frame => {
            let r = sirt_imaging::load_registration(p).map_err(input)?;
            Ok(Some(r.between(ct_frame, &activity_frame).ok_or_else(|| {
                input(anyhow!(
                    "--registration {}: no transform between the CT (frame {}) and the activity image (frame {})",
                    p.display(),
                    ct_frame.0,
                    activity_frame.0
                ))
            })?))
        }
        _ => Ok(None),
    }
}

/// Prints the voxel dosimetry report (text) or its JSON.
fn print_result(
    format: Format,
    result: &VoxelDosimetry,
    notes: &[String],
    out: &mut impl Write,
) -> Result<()> {
    match format {
        Format::Text => out.write_all(
            sirt_report::document::to_text(&sirt_report::voxel::voxel_document(
                "sirtplan voxel dosimetry",
                result,
                notes,
            ))
            .as_bytes(),
        )?,
        Format::Json => {
            let v = sirt_report::voxel::voxel_json(result, notes);
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| Failure::Internal(e.into()))?
            )?;
        }
    }
    Ok(())
}

/// Writes dose.nii.gz, rtdose.dcm (when the CT is a DICOM series: in its study, dated on the
/// study date), metrics.csv, dvh.csv and dvh.svg: all or nothing.
pub(crate) fn write_outputs(
    dir: &Path,
    result: &VoxelDosimetry,
    study: Option<&StudyRef>,
) -> Result<()> {
    let nifti =
        sirt_nifti::write(&result.dose.gy, true).map_err(|e| Failure::Internal(e.into()))?;
    let mut files = vec![("dose.nii.gz".to_string(), nifti)];
    if let Some(study) = study {
        // The study date (YYYYMMDD) at midnight, no zone stated; 2000-01-01 when absent.
        let date = study.study_date.as_deref().unwrap_or("20000101");
        let part = |r: std::ops::Range<usize>, default: u32| {
            date.get(r)
                .and_then(|x| x.parse::<u32>().ok())
                .unwrap_or(default)
        };
        let civil = sirt_dicom::write::CivilDateTime::new(
            i32::try_from(part(0..4, 2000)).unwrap_or(2000),
            part(4..6, 1),
            part(6..8, 1),
            0,
            0,
            0.0,
        )
        .map_err(|e| Failure::Internal(e.into()))?;
        files.push((
            "rtdose.dcm".to_string(),
            sirt_planning::voxel::rt_dose_bytes(study, civil, None, 901, "SIRT voxel dose", result)
                .map_err(|e| Failure::Internal(e.into()))?,
        ));
    }
    files.extend(
        sirt_report::voxel::voxel_files("", "Cumulative DVH", result, None)
            .map_err(|e| Failure::Internal(e.into()))?,
    );
    sirt_report::write_outputs(
        dir,
        &sirt_report::Outputs {
            files,
            pdf_from_html: None,
        },
    )
    .with_context(|| format!("cannot write the outputs to {}", dir.display()))
    .map_err(Failure::Input)?;
    Ok(())
}
