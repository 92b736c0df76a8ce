//! `sirtplan scan DIR`: the DICOM studies and series under a folder, and the files skipped.

use crate::cli::Format;
use crate::{Failure, Result};
use anyhow::Context;
use sirt_i18n::{Lang, t};
use std::io::Write;
use std::path::Path;

/// `sirtplan scan DIR`: studies, series and skipped files (the text in `lang`; the reasons a
/// file was skipped are the DICOM reader's, in English).
pub(crate) fn scan(dir: &Path, format: Format, lang: Lang, out: &mut impl Write) -> Result<()> {
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
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "cli-scan-summary",
            dir = dir.display().to_string(),
            files = report.files_seen,
            studies = report.studies.len(),
            series = n_series,
            skipped = report.skipped.len()
        )
    )?;
    let (series_word, frame_word) = (t!(lang, "cli-scan-series"), t!(lang, "cli-scan-frame"));
    for st in &report.studies {
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-scan-study",
                uid = st.study_instance_uid.clone(),
                patient = st.patient_id.as_deref().unwrap_or("-"),
                name = st.patient_name.as_deref().unwrap_or("-"),
                date = st.study_date.as_deref().unwrap_or("-"),
                description = st
                    .description
                    .as_deref()
                    .map(|d| format!("  \"{d}\""))
                    .unwrap_or_default()
            )
        )?;
        for se in &st.series {
            writeln!(
                out,
                "  {series_word} {:>4}  {:<8}  {:<30}  {frame_word} {}{}",
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
                "                uid {}  {} {}",
                se.series_instance_uid,
                t!(lang, "cli-scan-in"),
                se.files
                    .first()
                    .and_then(|f| f.parent())
                    .map(rel)
                    .unwrap_or_else(|| "-".into())
            )?;
        }
    }
    if !report.skipped.is_empty() {
        writeln!(out, "{}", t!(lang, "cli-scan-skipped"))?;
        for s in &report.skipped {
            writeln!(out, "  {}: {}", rel(&s.path), s.reason)?;
        }
    }
    Ok(())
}
