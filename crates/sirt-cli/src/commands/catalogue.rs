//! `sirtplan devices` and `sirtplan rules`: the device catalogue and the rule set a plan uses,
//! with the site's files merged in.

use crate::Result;
use crate::commands::plan::site_data;
use sirt_i18n::{Lang, t};
use std::io::Write;
use std::path::PathBuf;

/// `sirtplan devices`: one line per device (the words in `lang`; names, materials and sources
/// are the catalogue's).
pub(crate) fn devices(files: &[PathBuf], lang: Lang, out: &mut impl Write) -> Result<()> {
    let site = site_data(files, &[])?;
    // A decimal comma in French: the vials are then separated by semicolons.
    let separator = match lang {
        Lang::En => ", ",
        Lang::Fr => "\u{a0}; ",
    };
    for d in site.devices.devices() {
        let vials: Vec<String> = d
            .vial_activities
            .iter()
            .map(|v| lang.numeric(&format!("{}", v.gbq())))
            .collect();
        let vials = if vials.is_empty() {
            String::new()
        } else {
            format!(" [{}]", lang.with_unit(&vials.join(separator), "GBq"))
        };
        let unverified = if d.calibration.verified {
            String::new()
        } else {
            format!(" {}", t!(lang, "cli-devices-unverified"))
        };
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-devices-line",
                id = format!("{:<14}", d.id),
                name = d.name.clone(),
                manufacturer = d.manufacturer.clone(),
                material = sirt_report::words::material(lang, &d.material),
                nuclide = d.nuclide.to_string(),
                k = d.k_convention.label(),
                ordering = format!("{:?}", d.ordering),
                vials = vials,
                calibration = d.calibration.source.clone(),
                unverified = unverified
            )
        )?;
    }
    Ok(())
}

/// `sirtplan rules`: each rule with its quantity, threshold, title and source (the rule files'
/// titles and sources as written).
pub(crate) fn rules(files: &[PathBuf], lang: Lang, out: &mut impl Write) -> Result<()> {
    let site = site_data(&[], files)?;
    for rule in site.rules.rules() {
        writeln!(
            out,
            "{:<30} {:?} {} {} → {} [{}]\n{:<30} {}\n{:<30} {}",
            rule.id,
            rule.quantity,
            rule.comparison.symbol(),
            lang.numeric(&rule.threshold.written),
            match lang {
                // As it always printed ("Fail", "Warn").
                Lang::En => format!("{:?}", rule.on_violation),
                Lang::Fr => rule.on_violation.text(lang),
            },
            rule.origin,
            "",
            rule.title_text().render(lang),
            "",
            t!(lang, "cli-rules-source", source = rule.source.clone())
        )?;
    }
    Ok(())
}
