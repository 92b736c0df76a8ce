//! `sirtplan measure CASE.toml`: the lung shunt fraction, the tumour-to-normal ratios and the
//! perfused volumes measured on the case's MAA SPECT with its masks
//! (`sirt_planning::measure`), beside the values the case states.

use crate::cli::Format;
use crate::{Failure, Result, read};
use sirt_i18n::{Lang, t};
use sirt_planning::measure::{Measurement, measure_case};
use std::io::Write;
use std::path::Path;

/// `sirtplan measure`: reads the case (the measured values may be absent), measures, prints.
pub(crate) fn run(
    case: &Path,
    format: Format,
    site: Option<&Path>,
    lang: Option<Lang>,
    out: &mut impl Write,
) -> Result<()> {
    let text = read(case)?;
    let name = case.display().to_string();
    let base = case.parent().unwrap_or(Path::new("."));
    let settings = crate::commands::plan::settings_in(site, lang)?;
    let m = measure_case(&text, &name, base, &settings).map_err(|e| {
        if e.is_input() {
            Failure::Input(e.into())
        } else {
            Failure::Internal(e.into())
        }
    })?;
    match format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&m).map_err(|e| Failure::Internal(e.into()))?;
            writeln!(out, "{json}")?;
        }
        Format::Text => text_report(&m, &name, settings.language, out)?,
    }
    Ok(())
}

/// A stated value, or a dash.
fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "-".into())
}

/// The measurement for a person: LSF, TNR table, perfused volumes, research-use note.
fn text_report(m: &Measurement, case: &str, lang: Lang, out: &mut impl Write) -> Result<()> {
    let p = &m.lsf_provenance;
    writeln!(out, "{}", t!(lang, "cli-measure-title", case = case))?;
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "cli-measure-lsf",
            lsf = lang.percent(m.lsf, 1),
            stated = or_dash(p.stated.map(|s| lang.percent(s, 1)))
        )
    )?;
    writeln!(
        out,
        "  {}",
        t!(
            lang,
            "cli-measure-lsf-counts",
            lungs = lang.decimal(p.lungs.counts, 0),
            liver = lang.decimal(p.liver.counts, 0),
            lung_mask = p.lung_mask.clone(),
            liver_mask = p.liver_mask.clone(),
            spect = p.spect.clone(),
            structures = p.structures_file.clone()
        )
    )?;
    for c in &p.checks {
        writeln!(out, "  {}", c.render(lang))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", t!(lang, "cli-measure-tnr-header"))?;
    for r in &m.tnr {
        writeln!(
            out,
            "{:<6} {:<6} {:>6} {:>6} {:>10} {:>10}  {}",
            r.tumour,
            r.injection.as_deref().unwrap_or("-"),
            lang.decimal(r.tnr, 2),
            or_dash(r.stated.map(|s| lang.decimal(s, 2))),
            lang.decimal(r.tumour_counts.per_ml(), 1),
            lang.decimal(r.normal_counts.per_ml(), 1),
            r.normal_region
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", t!(lang, "cli-measure-perfused-header"))?;
    for v in &m.perfused_volume_ml {
        let measured = match v.volume_ml {
            Some(ml) => lang.quantity(ml, 1, "mL"),
            None => t!(lang, "cli-measure-no-territory"),
        };
        writeln!(
            out,
            "{:<6} {:>12} {:>12}  {}",
            v.injection,
            measured,
            or_dash(v.stated_ml.map(|s| lang.quantity(s, 1, "mL"))),
            v.source
        )?;
    }
    writeln!(out)?;
    masses(m, lang, out)?;
    writeln!(out)?;
    writeln!(out, "{}", t!(lang, "cli-measure-method"))?;
    writeln!(out, "{}", t!(lang, "cli-measure-note"))?;
    Ok(())
}

/// The masses from the CT densities beside the conventional ones: each injection with a
/// territory mask, then the lungs.
fn masses(m: &Measurement, lang: Lang, out: &mut impl Write) -> Result<()> {
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "measured-cli-masses-header",
            curve = m.mass_provenance.density_curve.clone()
        )
    )?;
    for v in &m.perfused_volume_ml {
        if let (Some(mass), Some(conventional)) = (v.perfused_mass_g, v.conventional_mass_g) {
            writeln!(
                out,
                "  {}",
                t!(
                    lang,
                    "measured-cli-mass-row",
                    injection = v.injection.clone(),
                    mass = lang.quantity(mass, 0, "g"),
                    conventional = lang.quantity(conventional, 0, "g"),
                    mask = v.source.clone()
                )
            )?;
        }
    }
    if let Some(l) = &m.lung_mass_provenance {
        writeln!(
            out,
            "  {}",
            t!(
                lang,
                "measured-cli-lung-mass",
                mass = lang.quantity(l.mass_g, 0, "g"),
                conventional = lang.quantity(l.conventional_mass_g, 0, "g"),
                density = lang.decimal(l.conventional_density_g_per_ml, 2),
                mask = l.mask.clone(),
                volume = lang.quantity(l.volume_ml, 0, "mL")
            )
        )?;
    }
    Ok(())
}
