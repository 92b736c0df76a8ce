//! `sirtplan devices` and `sirtplan rules`: the device catalogue and the rule set a plan uses,
//! with the site's files merged in.

use crate::Result;
use crate::commands::plan::site_data;
use std::io::Write;
use std::path::PathBuf;

/// `sirtplan devices`: one line per device.
pub(crate) fn devices(files: &[PathBuf], out: &mut impl Write) -> Result<()> {
    let site = site_data(files, &[])?;
    for d in site.devices.devices() {
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

/// `sirtplan rules`: each rule with its quantity, threshold, title and source.
pub(crate) fn rules(files: &[PathBuf], out: &mut impl Write) -> Result<()> {
    let site = site_data(&[], files)?;
    for rule in site.rules.rules() {
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
