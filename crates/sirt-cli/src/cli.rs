//! The command line's definitions (clap): every command, its arguments and their help. The
//! commands themselves are in `commands/` and the modules beside this one.

use crate::{calc, cohort, dose_cmd, followup, server_cmd};
use clap::{Parser, Subcommand, ValueEnum};
use sirt_i18n::Lang;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sirtplan",
    version,
    about = "SIRT (radioembolization) planning and follow-up: activities, doses, vial orders, guideline checks, tumour response, toxicity and registry statistics. Research use only.",
    propagate_version = true
)]
pub(crate) struct Cli {
    /// Language of the text for people (reports, treatment-day sheets, calculators, listings,
    /// the follow-up commands recist, eligibility, labs and cohort): en (English) or fr (French:
    /// decimal comma, French typography). Default: the site settings' `language` (`--site
    /// FILE`), else English. JSON output is the same in every language.
    #[arg(long, global = true, value_name = "LANG", value_parser = parse_lang)]
    pub(crate) lang: Option<Lang>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// `--lang`: "en" or "fr" (a region such as "fr-FR" is accepted); anything else is refused
/// with the value named.
fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse::<Lang>().map_err(|e| e.to_string())
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// For machines.
    Json,
}

#[derive(clap::Args)]
pub(crate) struct PlanArgs {
    /// Output format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: Format,
    /// Also write plan.txt, plan.json and a self-contained plan.html to this folder.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// With --out: also print plan.html to plan.pdf with headless Chromium.
    #[arg(long, requires = "out")]
    pub(crate) pdf: bool,
    /// A site device catalogue that adds or overrides devices (repeatable).
    #[arg(long = "devices", value_name = "FILE")]
    pub(crate) devices: Vec<PathBuf>,
    /// A site rule file that adds, overrides or disables rules (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub(crate) rules: Vec<PathBuf>,
    /// The site settings file (docs/site-settings.md): event profile, plausibility bounds,
    /// image-consistency limits, MAA liver margin, imaging age, paper size.
    #[arg(long = "site", value_name = "FILE")]
    pub(crate) site: Option<PathBuf>,
    /// Propagate the spreads of the inputs (the case's [uncertainty], cited defaults where it
    /// has none) by Monte Carlo: 5th-95th percentile of every predicted dose and the
    /// probability that each dose check is met (docs/uncertainty.md).
    #[arg(long)]
    pub(crate) uncertainty: bool,
    /// With --uncertainty: the number of samples (default 20000).
    #[arg(long, value_name = "N", requires = "uncertainty")]
    pub(crate) samples: Option<usize>,
    /// With --uncertainty: the seed of the random numbers (default 20260305); the same seed
    /// gives the same result.
    #[arg(long, value_name = "S", requires = "uncertainty")]
    pub(crate) seed: Option<u64>,
}

// Parsed once per run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Choose the vial (size and calibration), treatment day and activity of each injection of a
    /// session that maximise the probability that every tumour goal is met, with at most a
    /// probability ε that a dose limit is exceeded (Monte Carlo of the case's uncertainty, the
    /// same draws for every candidate); prints the best choice, the plan's own and the
    /// trade-off table (Pareto front) (docs/uncertainty.md, "Optimisation").
    Optimise {
        #[command(flatten)]
        args: crate::commands::optimise::OptimiseArgs,
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
    /// The options set the protocol; a key in the file's `[protocol]` table overrides the option.
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
    /// Run the web application's background jobs (the voxel part of plans) without HTTP, on the
    /// servers' database and data folder; `serve` runs one worker itself unless `--workers 0`
    /// (docs/deployment.md, "Workers and the job queue").
    Worker {
        #[command(flatten)]
        args: crate::commands::worker::WorkerArgs,
    },
    /// Accounts of the web application.
    Admin {
        #[command(subcommand)]
        cmd: server_cmd::Admin,
    },
    /// Measure the plan's image-derived inputs on the case's MAA SPECT with its masks: the lung
    /// shunt fraction (counts in the lung mask over lung + liver masks), the tumour-to-normal
    /// ratio of each tumour and the perfused volume of each injection's territory mask, each with
    /// its provenance, beside the values the case states (which may be absent).
    Measure {
        /// The case file (TOML) with [images]: CT, structures with liver and lungs, MAA SPECT.
        case: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// The site settings file (image-consistency limits, plausibility bounds, language).
        #[arg(long = "site", value_name = "FILE")]
        site: Option<PathBuf>,
    },
    /// Register a series to a fixed CT: automatic rigid registration (6 degrees of freedom) by
    /// Mattes mutual information, multi-resolution (docs/registration.md). Prints
    /// fixed_from_moving (the moving series' patient coordinates to the fixed series'), the
    /// quality figures and the overlap; --out writes a DICOM Spatial Registration object.
    Register {
        #[command(flatten)]
        args: crate::commands::register::RegisterArgs,
    },
    /// Make a structure from the images (docs/structures.md): a perfused territory on the MAA
    /// SPECT (% of the maximum within the liver), the liver grown from seeds on the CT, or
    /// booleans and margins of existing structures; refused when implausible (empty, a liver
    /// outside the site's bounds, a territory outside the liver, a tool on an image of the
    /// wrong modality); saved as a DICOM SEG referencing the CT (or a NIfTI label map) with who
    /// made it and how; prints its volume.
    Structure {
        #[command(subcommand)]
        cmd: crate::commands::structure::StructureCmd,
    },
    /// The PACS: check a node, search studies and series, pull them into a folder, push files;
    /// over DICOMweb (--url) or DIMSE (--dimse AET@HOST:PORT) (docs/pacs.md).
    Pacs {
        #[command(subcommand)]
        cmd: crate::commands::pacs::PacsCmd,
    },
    /// Receive DICOM objects (C-STORE, C-ECHO) from a PACS or modality into a folder, until
    /// stopped (docs/pacs.md).
    Receive {
        #[command(flatten)]
        args: crate::commands::receive::ReceiveArgs,
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
