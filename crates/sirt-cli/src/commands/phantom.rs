//! `sirtplan phantom --out DIR`: the digital phantom's files (`sirt_planning::phantom_files`)
//! written to a folder, all or none.

use crate::{Failure, Result};
use anyhow::Context;
use sirt_i18n::{Lang, t};
use std::io::Write;
use std::path::Path;

/// Writes the phantom's files into `dir` and returns their relative paths.
pub(crate) fn write_phantom(
    dir: &Path,
    preset: sirt_phantom::Preset,
    seed: u64,
) -> Result<Vec<String>> {
    let files =
        sirt_planning::phantom_files(preset, seed).map_err(|e| Failure::Internal(e.into()))?;
    let mut folders: Vec<&Path> = files
        .iter()
        .filter_map(|(name, _)| Path::new(name).parent())
        .collect();
    folders.dedup();
    for sub in folders {
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
    Ok(names)
}

/// `sirtplan phantom`: writes the phantom and lists what was written (a series folder on one
/// line).
pub(crate) fn phantom(
    dir: &Path,
    seed: u64,
    preset: sirt_phantom::Preset,
    lang: Lang,
    out: &mut impl Write,
) -> Result<()> {
    let names = write_phantom(dir, preset, seed)?;
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "cli-phantom-written",
            preset = format!("{preset:?}"),
            seed = seed.to_string(),
            dir = dir.display().to_string()
        )
    )?;
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
        writeln!(
            out,
            "  {folder}/ ({})",
            t!(lang, "cli-phantom-files", count = count)
        )?;
    }
    writeln!(out, "{}", t!(lang, "cli-phantom-synthetic"))?;
    Ok(())
}
