//! `sirtplan`: plan a SIRT case, run the quick calculators, or the bundled demo; follow-up
//! (tumour response, eligibility, laboratory toxicity, registry statistics).
//!
//! Exit codes: 0 plan made (even with failed checks, which are reported), 2 invalid input,
//! 1 internal error.

mod calc;
mod cohort;
mod dose_cmd;
mod followup;
mod server_cmd;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The analytic demo case bundled in the binary (`sirtplan demo --analytic`).
const DEMO_CASE: &str = include_str!("../../../examples/demo-net-case.toml");
/// The demo case on the digital phantom (`sirtplan demo`), written beside the phantom.
const DEMO_PHANTOM_CASE: &str = include_str!("../../../examples/demo-phantom-case.toml");

#[derive(Parser)]
#[command(
    name = "sirtplan",
    version,
    about = "SIRT (radioembolization) planning and follow-up: activities, doses, vial orders, guideline checks, tumour response, toxicity and registry statistics. Research use only.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people.
    Text,
    /// For machines.
    Json,
}

#[derive(clap::Args)]
struct PlanArgs {
    /// Output format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write plan.txt, plan.json and a self-contained plan.html to this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// With --out: also print plan.html to plan.pdf with headless Chromium.
    #[arg(long, requires = "out")]
    pdf: bool,
    /// A site device catalogue that adds or overrides devices (repeatable).
    #[arg(long = "devices", value_name = "FILE")]
    devices: Vec<PathBuf>,
    /// A site rule file that adds, overrides or disables rules (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
}

// Parsed once per run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Plan a case file (docs/case-format.md).
    Plan {
        /// The case file (TOML).
        case: PathBuf,
        #[command(flatten)]
        args: PlanArgs,
    },
    /// Plan the demo case: the digital phantom (standard preset, seed 1) is written with the
    /// case file beside it (into --phantom-dir, or OUT/phantom with --out, else a temporary
    /// folder removed afterwards), then planned with voxel dosimetry (MAA prediction, Y-90 PET
    /// verification). --analytic plans the image-free bilobar NET case instead.
    Demo {
        #[command(flatten)]
        args: PlanArgs,
        /// Print the demo case file instead of planning it.
        #[arg(long)]
        print_case: bool,
        /// The image-free demo: bilobar NET, staged lobar glass treatment.
        #[arg(long)]
        analytic: bool,
        /// Where to write the phantom and its case file (kept).
        #[arg(long, value_name = "DIR", conflicts_with = "analytic")]
        phantom_dir: Option<PathBuf>,
    },
    /// Quick calculators.
    Calc {
        #[command(subcommand)]
        calc: calc::Calc,
    },
    /// List the device catalogue (with site files).
    Devices {
        /// Site device catalogues.
        #[arg(long = "devices", value_name = "FILE")]
        devices: Vec<PathBuf>,
    },
    /// List the rules (with site files).
    Rules {
        /// Site rule files.
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
    /// Write the digital phantom (CT, labels, segments, MAA SPECT, Y-90 PET, true activity maps
    /// as NIfTI, and truth.json; CT, SPECT, PET, SEG and RT Structure Set as DICOM under dicom/)
    /// to a folder.
    Phantom {
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Random seed (noise).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Size preset: small (4 mm CT), standard (2 mm), large (512 × 512 × 300).
        #[arg(long, default_value = "standard")]
        preset: sirt_phantom::Preset,
    },
    /// Compute a dose map and per-structure metrics (DVH, D_x, V_x, partition check) from one
    /// activity image: MAA SPECT (prediction), Y-90 PET or a self-calibrated image.
    Dose {
        #[command(flatten)]
        args: dose_cmd::DoseArgs,
    },
    /// Tumour response of one patient (RECIST 1.1, mRECIST, Choi, modified Choi) from a
    /// measurement file: sums, nadir and responses per follow-up, globally and for the liver
    /// lesions, and the best overall response with and without confirmation (docs/followup.md).
    /// The options set the protocol; a key in the file's [protocol] table overrides the option.
    Recist {
        #[command(flatten)]
        args: followup::RecistArgs,
    },
    /// SIRT eligibility of one patient record: liver function scores (Child-Pugh, ALBI, MELD)
    /// and every eligibility rule (contraindications, NET recommendations, Northwestern
    /// criteria) with its value, threshold and source (docs/followup.md).
    Eligibility {
        #[command(flatten)]
        args: followup::EligibilityArgs,
    },
    /// Laboratory toxicity of one patient record: CTCAE grades before and after SIRT, the worst
    /// grade after treatment, REILD and Braat's hepatotoxicity grade (docs/followup.md).
    Labs {
        #[command(flatten)]
        args: followup::LabsArgs,
    },
    /// Outcome statistics of a registry CSV: Kaplan-Meier (with its plot), log-rank, Cox,
    /// logistic regression, ROC (docs/followup.md).
    Cohort {
        #[command(subcommand)]
        cmd: cohort::Cohort,
    },
    /// Run the web application backend: JSON API, accounts, plan workflow, on SQLite or
    /// PostgreSQL (docs/server.md). Create the first account with `sirtplan admin create-user`.
    Serve {
        #[command(flatten)]
        args: server_cmd::ServeArgs,
    },
    /// Accounts of the web application.
    Admin {
        #[command(subcommand)]
        cmd: server_cmd::Admin,
    },
    /// List the DICOM studies and series under a folder (modality, size, frame of reference),
    /// and the files skipped with the reason.
    Scan {
        /// The folder (searched recursively).
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// An error for the user (exit 2) or an internal one (exit 1).
pub(crate) enum Failure {
    Input(anyhow::Error),
    Internal(anyhow::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Internal(e.into())
    }
}

pub(crate) type Result<T> = std::result::Result<T, Failure>;

/// Marks an error as the user's input.
pub(crate) fn input<E: Into<anyhow::Error>>(e: E) -> Failure {
    Failure::Input(e.into())
}

/// A voxel plan error as the user's input or an internal one, as the library says; the message
/// and its causes are the wrapped error's own.
fn voxel_failure(e: sirt_voxelplan::VoxelPlanError) -> Failure {
    if e.is_input() {
        Failure::Input(e.into())
    } else {
        Failure::Internal(e.into())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let (code, e) = match f {
                Failure::Input(e) => (2, e),
                Failure::Internal(e) => (1, e),
            };
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "error: {e}");
            for cause in e.chain().skip(1) {
                let _ = writeln!(err, "  caused by: {cause}");
            }
            ExitCode::from(code)
        }
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::Input)
}

fn catalogue(files: &[PathBuf]) -> Result<sirt_devices::Catalogue> {
    let mut c = sirt_devices::Catalogue::embedded().map_err(|e| Failure::Internal(e.into()))?;
    for f in files {
        c.merge_toml(&read(f)?, &f.display().to_string())
            .map_err(input)?;
    }
    Ok(c)
}

fn rule_set(files: &[PathBuf]) -> Result<sirt_rules::RuleSet> {
    let mut r = sirt_rules::RuleSet::embedded().map_err(|e| Failure::Internal(e.into()))?;
    for f in files {
        r.merge_toml(&read(f)?, &f.display().to_string())
            .map_err(input)?;
    }
    Ok(r)
}

fn run(cli: Cli, out: &mut impl Write) -> Result<()> {
    match cli.command {
        Command::Plan { case, args } => {
            let text = read(&case)?;
            let base = case.parent().unwrap_or(Path::new("."));
            plan(&text, &case.display().to_string(), base, &args, out)
        }
        Command::Demo {
            args,
            print_case,
            analytic,
            phantom_dir,
        } => {
            if print_case {
                let case = if analytic {
                    DEMO_CASE
                } else {
                    DEMO_PHANTOM_CASE
                };
                out.write_all(case.as_bytes())?;
                return Ok(());
            }
            if analytic {
                return plan(
                    DEMO_CASE,
                    "demo-net-case.toml (bundled)",
                    Path::new("."),
                    &args,
                    out,
                );
            }
            demo_phantom(&args, phantom_dir, out)
        }
        Command::Calc { calc } => calc::run(calc, out),
        Command::Dose { args } => dose_cmd::run(args, out),
        Command::Recist { args } => followup::recist(&args, out),
        Command::Eligibility { args } => followup::eligibility(&args, out),
        Command::Labs { args } => followup::labs(&args, out),
        Command::Cohort { cmd } => cohort::run(cmd, out),
        Command::Serve { args } => server_cmd::serve(&args, out),
        Command::Admin { cmd } => server_cmd::admin(&cmd, out),
        Command::Devices { devices } => {
            let c = catalogue(&devices)?;
            for d in c.devices() {
                let vials: Vec<String> = d
                    .vial_activities
                    .iter()
                    .map(|v| format!("{}", v.gbq()))
                    .collect();
                writeln!(
                    out,
                    "{:<14} {} ({}, {}, {}); K {}; ordering {:?}{}; calibration: {}{}",
                    d.id,
                    d.name,
                    d.manufacturer,
                    d.material,
                    d.nuclide,
                    d.k_convention.label(),
                    d.ordering,
                    if vials.is_empty() {
                        String::new()
                    } else {
                        format!(" [{} GBq]", vials.join(", "))
                    },
                    d.calibration.source,
                    if d.calibration.verified {
                        ""
                    } else {
                        " (unverified)"
                    }
                )?;
            }
            Ok(())
        }
        Command::Phantom {
            out: dir,
            seed,
            preset,
        } => phantom(&dir, seed, preset, out),
        Command::Scan { dir, format } => scan(&dir, format, out),
        Command::Rules { rules } => {
            let r = rule_set(&rules)?;
            for rule in r.rules() {
                writeln!(
                    out,
                    "{:<30} {:?} {} {} → {:?} [{}]\n{:<30} {}\n{:<30} source: {}",
                    rule.id,
                    rule.quantity,
                    rule.comparison.symbol(),
                    rule.threshold.written,
                    rule.on_violation,
                    rule.origin,
                    "",
                    rule.title,
                    "",
                    rule.source
                )?;
            }
            Ok(())
        }
    }
}

/// Writes the phantom and its case file, then plans it.
fn demo_phantom(args: &PlanArgs, phantom_dir: Option<PathBuf>, out: &mut impl Write) -> Result<()> {
    let (dir, temporary) = match (phantom_dir, &args.out) {
        (Some(d), _) => (d, false),
        (None, Some(o)) => (o.join("phantom"), false),
        (None, None) => (
            std::env::temp_dir().join(format!("sirtplan-demo-{}", std::process::id())),
            true,
        ),
    };
    let result = (|| {
        phantom(
            &dir,
            1,
            sirt_phantom::Preset::Standard,
            &mut std::io::sink(),
        )?;
        let case_path = dir.join("demo-phantom-case.toml");
        std::fs::write(&case_path, DEMO_PHANTOM_CASE)
            .with_context(|| format!("cannot write {}", case_path.display()))
            .map_err(Failure::Internal)?;
        plan(
            DEMO_PHANTOM_CASE,
            "demo-phantom-case.toml (bundled, on the digital phantom)",
            &dir,
            args,
            out,
        )
    })();
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn phantom(
    dir: &Path,
    seed: u64,
    preset: sirt_phantom::Preset,
    out: &mut impl Write,
) -> Result<()> {
    let p = sirt_phantom::generate(preset, seed).map_err(|e| Failure::Internal(e.into()))?;
    let nifti = |img: &sirt_geometry::Image<f32>| {
        sirt_nifti::write(img, true).map_err(|e| Failure::Internal(e.into()))
    };
    let labels = |img: &sirt_geometry::Image<u16>| {
        sirt_nifti::write_labels(img, true).map_err(|e| Failure::Internal(e.into()))
    };
    let truth = serde_json::to_vec_pretty(&p.truth).map_err(|e| Failure::Internal(e.into()))?;
    let files = vec![
        ("ct.nii.gz".to_owned(), nifti(&p.ct)?),
        ("labels.nii.gz".to_owned(), labels(&p.labels)?),
        ("segments.nii.gz".to_owned(), labels(&p.segments)?),
        ("spect_maa_counts.nii.gz".to_owned(), nifti(&p.spect)?),
        ("pet_y90_bq_per_ml.nii.gz".to_owned(), nifti(&p.pet)?),
        (
            "true_maa_activity_mbq.nii.gz".to_owned(),
            nifti(&p.maa_activity)?,
        ),
        (
            "true_y90_activity_mbq.nii.gz".to_owned(),
            nifti(&p.y90_activity)?,
        ),
        ("truth.json".to_owned(), truth),
    ];
    let mut files = files;
    let dicom =
        sirt_voxelplan::phantom_dicom::files(&p).map_err(|e| Failure::Internal(e.into()))?;
    files.extend(dicom);
    for sub in ["dicom/ct", "dicom/spect", "dicom/pet"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d)
            .with_context(|| format!("cannot create {}", d.display()))
            .map_err(Failure::Internal)?;
    }
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    sirt_report::write_outputs(
        dir,
        &sirt_report::Outputs {
            files,
            pdf_from_html: None,
        },
    )
    .map_err(|e| Failure::Internal(e.into()))?;
    writeln!(
        out,
        "phantom ({preset:?}, seed {seed}) written to {}:",
        dir.display()
    )?;
    // Series folders as one line each.
    let mut folders: Vec<(String, usize)> = Vec::new();
    for n in names {
        match n.rsplit_once('/') {
            Some((folder, _)) if folder != "dicom" => {
                match folders.iter_mut().find(|(f, _)| *f == folder) {
                    Some((_, count)) => *count += 1,
                    None => folders.push((folder.to_owned(), 1)),
                }
            }
            _ => writeln!(out, "  {n}")?,
        }
    }
    for (folder, count) in folders {
        let files = if count == 1 { "file" } else { "files" };
        writeln!(out, "  {folder}/ ({count} {files})")?;
    }
    writeln!(out, "synthetic data for research and testing only")?;
    Ok(())
}

/// `sirtplan scan DIR`: studies, series and skipped files.
fn scan(dir: &Path, format: Format, out: &mut impl Write) -> Result<()> {
    std::fs::metadata(dir)
        .with_context(|| format!("cannot open {}", dir.display()))
        .map_err(Failure::Input)?;
    let report = sirt_dicom::scan(dir);
    if let Format::Json = format {
        let json =
            serde_json::to_string_pretty(&report).map_err(|e| Failure::Internal(e.into()))?;
        writeln!(out, "{json}")?;
        return Ok(());
    }
    let rel = |p: &Path| {
        p.strip_prefix(dir)
            .ok()
            .filter(|r| !r.as_os_str().is_empty())
            .unwrap_or(p)
            .display()
            .to_string()
    };
    let n_series: usize = report.studies.iter().map(|s| s.series.len()).sum();
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    writeln!(
        out,
        "{}: {}, {}, {}, {} skipped",
        dir.display(),
        plural(report.files_seen, "file", "files"),
        plural(report.studies.len(), "study", "studies"),
        plural(n_series, "series", "series"),
        report.skipped.len()
    )?;
    for st in &report.studies {
        writeln!(
            out,
            "study {}  patient {} ({})  date {}{}",
            st.study_instance_uid,
            st.patient_id.as_deref().unwrap_or("-"),
            st.patient_name.as_deref().unwrap_or("-"),
            st.study_date.as_deref().unwrap_or("-"),
            st.description
                .as_deref()
                .map(|d| format!("  \"{d}\""))
                .unwrap_or_default()
        )?;
        for se in &st.series {
            writeln!(
                out,
                "  series {:>4}  {:<8}  {:<30}  frame of reference {}{}",
                se.series_number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
                se.modality,
                se.size_description(),
                se.frame_of_reference_uid.as_deref().unwrap_or("-"),
                se.description
                    .as_deref()
                    .map(|d| format!("  \"{d}\""))
                    .unwrap_or_default()
            )?;
            writeln!(
                out,
                "                uid {}  in {}",
                se.series_instance_uid,
                se.files
                    .first()
                    .and_then(|f| f.parent())
                    .map(rel)
                    .unwrap_or_else(|| "-".into())
            )?;
        }
    }
    if !report.skipped.is_empty() {
        writeln!(out, "skipped:")?;
        for s in &report.skipped {
            writeln!(out, "  {}: {}", rel(&s.path), s.reason)?;
        }
    }
    Ok(())
}

fn plan(text: &str, name: &str, base: &Path, args: &PlanArgs, out: &mut impl Write) -> Result<()> {
    let devices = catalogue(&args.devices)?;
    let rules = rule_set(&args.rules)?;
    let case = sirt_case::parse(text, name).map_err(input)?;
    let plan = sirt_workflow::plan(&case, &devices, &rules, name).map_err(input)?;
    let voxel = match &case.images {
        Some(images) => Some((
            images,
            sirt_voxelplan::run(&plan, images, base).map_err(voxel_failure)?,
        )),
        None => None,
    };
    let mut doc = sirt_report::plan_document(&plan);
    let mut json_value = sirt_report::plan_json(&plan);
    let mut files = Vec::new();
    if let Some((images, v)) = &voxel {
        doc.blocks.extend(v.blocks(&plan, images));
        json_value["voxel"] = v.json();
        if args.out.is_some() {
            files = v.files().map_err(voxel_failure)?;
        }
    }
    let text_report = sirt_report::document::to_text(&doc);
    let json =
        serde_json::to_string_pretty(&json_value).map_err(|e| Failure::Internal(e.into()))?;
    if let Some(dir) = &args.out {
        let mut all = vec![
            ("plan.txt".into(), text_report.clone().into_bytes()),
            ("plan.json".into(), format!("{json}\n").into_bytes()),
            (
                "plan.html".into(),
                sirt_report::document::to_html(&doc).into_bytes(),
            ),
        ];
        all.extend(files);
        let outputs = sirt_report::Outputs {
            files: all,
            pdf_from_html: args.pdf.then(|| "plan.html".to_owned()),
        };
        sirt_report::write_outputs(dir, &outputs).map_err(|e| match e {
            sirt_report::OutputError::Pdf(_) => input(e),
            other => Failure::Internal(other.into()),
        })?;
    }
    match args.format {
        Format::Text => out.write_all(text_report.as_bytes())?,
        Format::Json => writeln!(out, "{json}")?,
    }
    Ok(())
}
