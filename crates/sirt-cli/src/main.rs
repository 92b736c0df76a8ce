//! `sirtplan`: plan a SIRT case, run the quick calculators, or the bundled demo; follow-up
//! (tumour response, eligibility, laboratory toxicity, registry statistics).
//!
//! Exit codes: 0 plan made (even with failed checks, which are reported), 2 invalid input,
//! 1 internal error.
//!
//! The clap definitions are in `cli`; each command is a thin adapter (read files, call the
//! libraries, print, write files) in `commands/` or the modules beside it. The plan itself is
//! made by the application layer, `sirt-planning`.

mod admin_audit;
mod calc;
mod cli;
mod cohort;
mod commands;
mod dose_cmd;
mod followup;
mod server_cmd;

use anyhow::Context;
use clap::Parser;
use cli::{Cli, Command};
use commands::{catalogue, measure, phantom, plan, register, scan, structure};
use sirt_i18n::t;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub(crate) use cli::Format;

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

fn main() -> ExitCode {
    private_files();
    let cli = Cli::parse();
    // The error's own words are the library's (English); the frame follows `--lang`.
    let lang = cli.lang.unwrap_or_default();
    let mut out = std::io::stdout().lock();
    match run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let (code, e) = match f {
                Failure::Input(e) => (2, e),
                Failure::Internal(e) => (1, e),
            };
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{} {e}", t!(lang, "cli-error"));
            for cause in e.chain().skip(1) {
                let _ = writeln!(err, "  {} {cause}", t!(lang, "cli-caused-by"));
            }
            ExitCode::from(code)
        }
    }
}

/// Everything this process creates is its user's only: files 0600, folders 0700 (umask 077),
/// whichever command creates them (the database and its `-wal`/`-shm` files, uploaded images,
/// documents, reports, backups). The issue 15 review found the database and the images
/// world-readable (0644) on a shared host; OWASP ASVS 4.0.3 V8.3.4 (sensitive data stored
/// securely). The store also sets 0600 on the SQLite files itself, for library users.
fn private_files() {
    #[cfg(unix)]
    {
        use rustix::fs::Mode;
        // Owner bits only: a file asked with 0666 is made 0600, a folder asked with 0777 is 0700.
        rustix::process::umask(Mode::from_raw_mode(0o077));
    }
}

/// A file's text; a file that cannot be read is the user's input.
pub(crate) fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::Input)
}

/// The embedded device catalogue with site catalogues merged in.
pub(crate) fn catalogue(files: &[std::path::PathBuf]) -> Result<sirt_devices::Catalogue> {
    Ok(plan::site_data(files, &[])?.devices)
}

/// The embedded rule set with site rule files merged in.
pub(crate) fn rule_set(files: &[std::path::PathBuf]) -> Result<sirt_rules::RuleSet> {
    Ok(plan::site_data(&[], files)?.rules)
}

fn run(cli: Cli, out: &mut impl Write) -> Result<()> {
    let lang = cli.lang;
    match cli.command {
        Command::Plan { case, args } => plan::plan_file(&case, &args, lang, out),
        Command::Demo {
            args,
            print_case,
            analytic,
            phantom_dir,
        } => plan::demo(&args, print_case, analytic, phantom_dir, lang, out),
        Command::Optimise { args } => commands::optimise::run(&args, lang, out),
        Command::Calc { calc } => calc::run(calc, lang, out),
        Command::Dose { args } => dose_cmd::run(args, lang, out),
        Command::Recist { args } => followup::recist(&args, lang.unwrap_or_default(), out),
        Command::Eligibility { args } => {
            followup::eligibility(&args, lang.unwrap_or_default(), out)
        }
        Command::Labs { args } => followup::labs(&args, lang.unwrap_or_default(), out),
        Command::Cohort { cmd } => cohort::run(cmd, lang.unwrap_or_default(), out),
        Command::Serve { args } => server_cmd::serve(&args, lang, out),
        Command::Worker { args } => crate::commands::worker::run(&args, lang, out),
        Command::Admin { cmd } => server_cmd::admin(&cmd, lang.unwrap_or_default(), out),
        Command::Devices { devices } => catalogue::devices(&devices, lang.unwrap_or_default(), out),
        Command::Phantom {
            out: dir,
            seed,
            preset,
        } => phantom::phantom(&dir, seed, preset, lang.unwrap_or_default(), out),
        Command::Measure { case, format, site } => {
            measure::run(&case, format, site.as_deref(), lang, out)
        }
        Command::Register { args } => register::run(&args, lang, out),
        Command::Structure { cmd } => structure::run(&cmd, out),
        Command::Pacs { cmd } => commands::pacs::run(&cmd, lang.unwrap_or_default(), out),
        Command::Receive { args } => commands::receive::run(&args, lang.unwrap_or_default(), out),
        Command::Scan { dir, format } => scan::scan(&dir, format, lang.unwrap_or_default(), out),
        Command::Rules { rules } => catalogue::rules(&rules, lang.unwrap_or_default(), out),
    }
}
