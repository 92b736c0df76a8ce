//! `sirtplan dose`: a dose map and per-structure metrics from one activity image (MAA SPECT as a
//! prediction, Y-90 PET, or any image self-calibrated to the delivered activity). The flags
//! become a `sirt_planning::DoseImage`; the application layer loads, computes and renders.

use crate::commands::plan::planning_failure;
use crate::{Failure, Format, Result, input};
use anyhow::{Context, anyhow};
use sirt_i18n::{Lang, t};
use sirt_imaging::StructureRequest;
use sirt_nuclides::{KConvention, Nuclide};
use sirt_planning::voxel::VoxelPlanError;
use sirt_planning::{DoseActivity, DoseImage, DoseOutcome, PlanningError};
use sirt_units::{Activity, Fraction, Instant};
use sirt_voxel_dosimetry::{EngineChoice, Role};
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
    /// The site settings file (docs/site-settings.md); `dose` uses its MAA liver margin.
    #[arg(long, value_name = "FILE")]
    site: Option<PathBuf>,
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

pub(crate) fn run(a: DoseArgs, lang: Option<Lang>, out: &mut impl Write) -> Result<()> {
    let settings = crate::commands::plan::settings_in(a.site.as_deref(), lang)?;
    let lang = settings.language;
    let k =
        a.k.unwrap_or(match a.nuclide {
            Nuclide::Ho166 => KConvention::Ho166Rule,
            _ => KConvention::TheraSphereIfu,
        })
        .resolve(a.nuclide)
        .map_err(input)?;
    let labels = parse_labels(&a.labels)?;
    let mut notes = Vec::new();
    let activity = dose_activity(&a, lang, &mut notes)?;
    let requests = requests(&a);
    let request = DoseImage {
        ct: &a.ct,
        activity_image: &a.activity,
        activity,
        structures: &a.structures,
        requests: &requests,
        labels: &labels,
        registration: a.registration.as_deref(),
        k,
        engine: match a.engine {
            Engine::Kernel => EngineChoice::Kernel,
            Engine::LocalDeposition => EngineChoice::LocalDeposition,
        },
        bin_gy: a.bin_gy,
        liver_margin: settings.maa_liver_margin,
    };
    let mut outcome = sirt_planning::dose_image(&request).map_err(|e| dose_failure(e, &a))?;
    notes.append(&mut outcome.notes);
    outcome.notes = notes;
    if let Some(dir) = &a.out {
        write_outputs(dir, &outcome)?;
    }
    print_result(a.format, lang, &outcome, out)
}

/// An error of the dose computation in the command line's words where a flag is at fault.
fn dose_failure(e: PlanningError, a: &DoseArgs) -> Failure {
    match e {
        PlanningError::NoRegistration {
            registration,
            ct_frame,
            activity_frame,
        } => input(anyhow!(
            "--registration {registration}: no transform between the CT (frame {ct_frame}) and the activity image (frame {activity_frame})"
        )),
        PlanningError::Voxel(VoxelPlanError::PetWithoutReference { .. }) => input(anyhow!(
            "{}: a NIfTI PET has no reference time; use DICOM or --kind self-calibrated",
            a.activity.display()
        )),
        other => planning_failure(other),
    }
}

/// What scales the activity image, from the flags its kind needs.
fn dose_activity(a: &DoseArgs, lang: Lang, notes: &mut Vec<String>) -> Result<DoseActivity> {
    Ok(match a.kind {
        Kind::Maa => {
            let (administered, lsf) = maa_scaling(a, lang, notes)?;
            DoseActivity::Maa { administered, lsf }
        }
        Kind::Pet => DoseActivity::Pet {
            administration: a.administration.clone().ok_or_else(|| {
                input(anyhow!(
                    "--kind pet needs --administration (the instant of the injection, with its zone)"
                ))
            })?,
        },
        Kind::SelfCalibrated => DoseActivity::SelfCalibrated {
            delivered: a.delivered.ok_or_else(|| {
                input(anyhow!(
                    "--kind self-calibrated needs --delivered (the activity at the administration)"
                ))
            })?,
        },
    })
}

/// The planned activity and the LSF that scale MAA counts, with a note when the lungs have no
/// structure of their own.
fn maa_scaling(a: &DoseArgs, lang: Lang, notes: &mut Vec<String>) -> Result<(Activity, Fraction)> {
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
        notes.push(t!(lang, "cli-dose-no-lungs"));
    }
    Ok((administered, lsf))
}

/// Prints the voxel dosimetry report (text, in `lang`) or its JSON (English).
fn print_result(
    format: Format,
    lang: Lang,
    outcome: &DoseOutcome,
    out: &mut impl Write,
) -> Result<()> {
    match format {
        Format::Text => {
            out.write_all(sirt_report::document::to_text(&outcome.document_in(lang)).as_bytes())?;
        }
        Format::Json => {
            let text = serde_json::to_string_pretty(&outcome.json())
                .map_err(|e| Failure::Internal(e.into()))?;
            writeln!(out, "{text}")?;
        }
    }
    Ok(())
}

/// Writes dose.nii.gz, rtdose.dcm (DICOM CT), metrics.csv, dvh.csv and dvh.svg: all or nothing.
fn write_outputs(dir: &Path, outcome: &DoseOutcome) -> Result<()> {
    let files = outcome.output_files().map_err(planning_failure)?;
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
