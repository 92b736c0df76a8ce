//! `sirtplan scan DIR`: the DICOM studies and series under a folder, and the files skipped.

use crate::cli::Format;
use crate::{Failure, Result};
use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// `sirtplan scan DIR`: studies, series and skipped files.
pub(crate) fn scan(dir: &Path, format: Format, out: &mut impl Write) -> Result<()> {
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
