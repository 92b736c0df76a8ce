//! `sirtplan plan CASE` and `sirtplan demo`: a case file planned by the application layer
//! (`sirt-planning`), printed, and with `--out` written with its files.

use crate::cli::{Format, PlanArgs};
use crate::commands::phantom::write_phantom;
use crate::{Failure, Result, read};
use anyhow::Context;
use sirt_i18n::Lang;
use sirt_planning::{
    CaseText, DEMO_CASE, DEMO_PHANTOM_CASE, ImageRoot, Outcome, PHANTOM_CASE_NAME, PlanningError,
    SiteData, SiteFile,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A planning error as the user's input or an internal one, as the library says; the message
/// and its causes are the error's own.
pub(crate) fn planning_failure(e: PlanningError) -> Failure {
    if e.is_input() {
        Failure::Input(e.into())
    } else {
        Failure::Internal(e.into())
    }
}

/// The embedded catalogue and rules with the site files given on the command line, each read
/// and merged in turn (devices first), so that the first faulty file is the one named.
pub(crate) fn site_data(devices: &[PathBuf], rules: &[PathBuf]) -> Result<SiteData> {
    let mut site = SiteData::embedded().map_err(planning_failure)?;
    for f in devices {
        let (name, text) = (f.display().to_string(), read(f)?);
        site.merge_devices(SiteFile {
            name: &name,
            text: &text,
        })
        .map_err(planning_failure)?;
    }
    for f in rules {
        let (name, text) = (f.display().to_string(), read(f)?);
        site.merge_rules(SiteFile {
            name: &name,
            text: &text,
        })
        .map_err(planning_failure)?;
    }
    Ok(site)
}

/// The site settings of `--site FILE`, or the defaults.
pub(crate) fn site_settings(file: Option<&Path>) -> Result<sirt_settings::SiteSettings> {
    let Some(f) = file else {
        return Ok(sirt_settings::SiteSettings::default());
    };
    let text = read(f)?;
    sirt_settings::SiteSettings::from_toml(&text, &f.display().to_string())
        .map_err(|e| Failure::Input(e.into()))
}

/// The site settings of `--site FILE` (or the defaults) with the language in force: `--lang`
/// when given, else the file's `language`, else English.
pub(crate) fn settings_in(
    file: Option<&Path>,
    lang: Option<Lang>,
) -> Result<sirt_settings::SiteSettings> {
    let mut settings = site_settings(file)?;
    if let Some(l) = lang {
        settings.language = l;
    }
    Ok(settings)
}

/// The language in force for a command with `--site FILE`: `--lang`, else the site's
/// `language`, else English.
pub(crate) fn lang_in(file: Option<&Path>, lang: Option<Lang>) -> Result<Lang> {
    match lang {
        Some(l) => Ok(l),
        None => Ok(site_settings(file)?.language),
    }
}

/// `sirtplan plan CASE`: the case file's images are relative to its folder.
pub(crate) fn plan_file(
    case: &Path,
    args: &PlanArgs,
    lang: Option<Lang>,
    out: &mut impl Write,
) -> Result<()> {
    let text = read(case)?;
    let base = case.parent().unwrap_or(Path::new("."));
    let name = case.display().to_string();
    plan(
        CaseText {
            text: &text,
            name: &name,
        },
        base,
        args,
        lang,
        out,
    )
}

/// `sirtplan demo`: the phantom demo (or the analytic one), or its case file printed.
pub(crate) fn demo(
    args: &PlanArgs,
    print_case: bool,
    analytic: bool,
    phantom_dir: Option<PathBuf>,
    lang: Option<Lang>,
    out: &mut impl Write,
) -> Result<()> {
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
        let case = CaseText {
            text: DEMO_CASE,
            name: "demo-net-case.toml (bundled)",
        };
        return plan(case, Path::new("."), args, lang, out);
    }
    demo_phantom(args, phantom_dir, lang, out)
}

/// Writes the phantom and its case file, then plans it.
fn demo_phantom(
    args: &PlanArgs,
    phantom_dir: Option<PathBuf>,
    lang: Option<Lang>,
    out: &mut impl Write,
) -> Result<()> {
    let (dir, temporary) = match (phantom_dir, &args.out) {
        (Some(d), _) => (d, false),
        (None, Some(o)) => (o.join("phantom"), false),
        (None, None) => (
            std::env::temp_dir().join(format!("sirtplan-demo-{}", std::process::id())),
            true,
        ),
    };
    let result = (|| {
        write_phantom(&dir, sirt_phantom::Preset::Standard, 1)?;
        let case_path = dir.join(PHANTOM_CASE_NAME);
        std::fs::write(&case_path, DEMO_PHANTOM_CASE)
            .with_context(|| format!("cannot write {}", case_path.display()))
            .map_err(Failure::Internal)?;
        let case = CaseText {
            text: DEMO_PHANTOM_CASE,
            name: "demo-phantom-case.toml (bundled, on the digital phantom)",
        };
        plan(case, &dir, args, lang, out)
    })();
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Plans a case, writes its files with `--out`, prints it; the report is in the language in
/// force (`--lang`, else the site's).
fn plan(
    case: CaseText<'_>,
    base: &Path,
    args: &PlanArgs,
    lang: Option<Lang>,
    out: &mut impl Write,
) -> Result<()> {
    let mut site = site_data(&args.devices, &args.rules)?;
    site.settings = settings_in(args.site.as_deref(), lang)?;
    let mut outcome =
        sirt_planning::plan_case(&site, case, ImageRoot::Folder(base)).map_err(planning_failure)?;
    if args.uncertainty {
        let options = sirt_uncertainty::Options {
            samples: args.samples.unwrap_or(sirt_uncertainty::DEFAULT_SAMPLES),
            seed: args.seed.unwrap_or(sirt_uncertainty::DEFAULT_SEED),
        };
        outcome
            .add_uncertainty(&site, case.name, options)
            .map_err(planning_failure)?;
    }
    if let Some(dir) = &args.out {
        write_files(&outcome, dir, args.pdf)?;
    }
    match args.format {
        Format::Text => out.write_all(outcome.text().as_bytes())?,
        Format::Json => writeln!(out, "{}", outcome.json_text().map_err(planning_failure)?)?,
    }
    Ok(())
}

/// The outcome's files in `dir`, all or none; with `--pdf` also the report and the
/// treatment-day sheets printed to PDF (`plan.pdf`, `treatment-day-session-N.pdf`) and the
/// report as a DICOM Encapsulated PDF for the PACS (`plan.dcm`).
fn write_files(outcome: &Outcome, dir: &Path, pdf: bool) -> Result<()> {
    let mut files = outcome.output_files().map_err(planning_failure)?;
    if pdf {
        let printed = print_pdfs(&files)?;
        if let Some((_, report)) = printed.iter().find(|(n, _)| n == "plan.pdf") {
            let dcm = outcome.report_dicom(report).map_err(planning_failure)?;
            files.push(("plan.dcm".to_owned(), dcm));
        }
        files.extend(printed);
    }
    let outputs = sirt_report::Outputs {
        files,
        pdf_from_html: None,
    };
    sirt_report::write_outputs(dir, &outputs).map_err(|e| match e {
        sirt_report::OutputError::Pdf(_) => crate::input(e),
        other => Failure::Internal(other.into()),
    })?;
    Ok(())
}

/// The report and the treatment-day sheets among `files` printed to PDF by Chromium, in a
/// folder of their own that is removed afterwards (nothing reaches the output folder unless
/// every file is made).
fn print_pdfs(files: &[(String, Vec<u8>)]) -> Result<Vec<(String, Vec<u8>)>> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let work = std::env::temp_dir().join(format!(
        "sirtplan-print-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let result = (|| {
        std::fs::create_dir_all(&work)
            .with_context(|| format!("cannot create {}", work.display()))
            .map_err(Failure::Internal)?;
        let mut printed = Vec::new();
        for (name, html) in files.iter().filter(|(n, _)| {
            n == "plan.html" || (n.starts_with("treatment-day-session-") && n.ends_with(".html"))
        }) {
            let pdf_name = Path::new(name).with_extension("pdf").display().to_string();
            let (html_path, pdf_path) = (work.join(name), work.join(&pdf_name));
            std::fs::write(&html_path, html)
                .with_context(|| format!("cannot write {}", html_path.display()))
                .map_err(Failure::Internal)?;
            sirt_report::pdf::print_pdf(&html_path, &pdf_path).map_err(crate::input)?;
            let bytes = std::fs::read(&pdf_path)
                .with_context(|| format!("cannot read {}", pdf_path.display()))
                .map_err(Failure::Internal)?;
            printed.push((pdf_name, bytes));
        }
        Ok(printed)
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}
