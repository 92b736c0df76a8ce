//! A case read for measurement (`sirtplan measure`): the values the images measure (the lung
//! shunt fraction, the tumour-to-normal ratios, the perfused volumes) may be left out; the file is
//! otherwise validated as [`crate::parse`] validates it. Each value left out is given a
//! placeholder only so that the rest can be validated; [`Stated`] says which values the file
//! gave, and a measurement shows only those beside its own.

use crate::{Case, CaseError};
use std::collections::{BTreeMap, BTreeSet};

/// Placeholder lung shunt fraction for a case that states none: a design choice (no shunt), never
/// shown; the measured LSF replaces it.
const PLACEHOLDER_LSF: f64 = 0.0;

/// Placeholder tumour-to-normal ratio for a share that states none: a design choice (uniform
/// uptake), never shown; the measured TNR replaces it.
const PLACEHOLDER_TNR: f64 = 1.0;

/// The measured values the case file stated itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stated {
    /// `mapping.lsf`, when given.
    pub lsf: Option<f64>,
    /// `injections[].lsf` by injection id, when given.
    pub injection_lsf: BTreeMap<String, f64>,
    /// `injections[].tumours[].tnr` by (injection id, tumour id), when given.
    pub tnr: BTreeMap<(String, String), f64>,
    /// The ids of the injections whose `perfused_volume` was given (its value is the case's).
    pub perfused_volume: BTreeSet<String>,
}

/// Reads a case for measurement: as [`crate::parse`], except that `mapping.lsf`,
/// `injections[].tumours[].tnr` and `injections[].perfused_volume` may be absent (the perfused
/// volume then takes the liver's volume, the LSF 0 and the TNR 1, placeholders the measurement
/// replaces); the [`Stated`] values say which were given.
pub fn parse_for_measurement(text: &str, file: &str) -> Result<(Case, Stated), CaseError> {
    let syntax = |message: String| CaseError::Syntax {
        file: file.to_owned(),
        message,
    };
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| syntax(e.to_string().trim_end().to_owned()))?;
    let stated = fill_placeholders(&mut table);
    let raw = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| syntax(e.to_string().trim_end().to_owned()))?;
    let case = crate::validate::validate(raw, file)?;
    Ok((case, stated))
}

/// Records the stated values and puts placeholders where they are missing.
fn fill_placeholders(table: &mut toml::Table) -> Stated {
    let mut stated = Stated::default();
    let liver_volume = table.get("liver").and_then(|l| l.get("volume")).cloned();
    let mapping_lsf = table
        .get("mapping")
        .and_then(|m| m.get("lsf"))
        .and_then(toml::Value::as_float);
    stated.lsf = mapping_lsf;
    let has_planar = table.get("mapping").and_then(|m| m.get("planar")).is_some();
    let mut any_without_lsf = false;
    if let Some(toml::Value::Array(injections)) = table.get_mut("injections") {
        for inj in injections.iter_mut().filter_map(toml::Value::as_table_mut) {
            let id = inj
                .get("id")
                .and_then(toml::Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match inj.get("lsf").and_then(toml::Value::as_float) {
                Some(l) => {
                    stated.injection_lsf.insert(id.clone(), l);
                }
                None => any_without_lsf = true,
            }
            if inj.contains_key("perfused_volume") {
                stated.perfused_volume.insert(id.clone());
            } else if let Some(v) = &liver_volume {
                inj.insert("perfused_volume".into(), v.clone());
            }
            fill_tnr(inj, &id, &mut stated);
        }
    }
    if any_without_lsf && mapping_lsf.is_none() && !has_planar {
        let mapping = table
            .entry("mapping")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let Some(m) = mapping.as_table_mut() {
            m.insert("lsf".into(), toml::Value::Float(PLACEHOLDER_LSF));
        }
    }
    stated
}

/// The TNRs of one injection's tumour shares: recorded, or the placeholder put in.
fn fill_tnr(inj: &mut toml::Table, id: &str, stated: &mut Stated) {
    let Some(toml::Value::Array(shares)) = inj.get_mut("tumours") else {
        return;
    };
    for share in shares.iter_mut().filter_map(toml::Value::as_table_mut) {
        let tumour = share
            .get("id")
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match share.get("tnr").and_then(toml::Value::as_float) {
            Some(t) => {
                stated.tnr.insert((id.to_owned(), tumour), t);
            }
            None => {
                if !share.contains_key("tnr") {
                    share.insert("tnr".into(), toml::Value::Float(PLACEHOLDER_TNR));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const PHANTOM: &str = include_str!("../../../examples/demo-phantom-case.toml");

    /// The demo phantom case without its measured values reads; the placeholders do not show as
    /// stated values.
    #[test]
    fn a_case_without_lsf_tnr_and_perfused_volume_reads() {
        let text = PHANTOM
            .replace("lsf = 0.06 ", "")
            .replace("perfused_volume = \"2174.2 mL\"\n", "")
            .replace(", tnr = 3.0 }", " }");
        assert_ne!(text, PHANTOM);
        assert!(crate::parse(&text, "c.toml").is_err());
        let (case, stated) = parse_for_measurement(&text, "c.toml").unwrap();
        assert_eq!(stated.lsf, None);
        assert!(stated.perfused_volume.is_empty());
        assert_eq!(stated.tnr.len(), 4, "{:?}", stated.tnr);
        assert!(!stated.tnr.contains_key(&("WL".to_owned(), "T1".to_owned())));
        assert!((case.injections[0].perfused_volume.ml() - 2174.2).abs() < 1e-9);
    }

    /// The full demo case: every value stated, the case the same as `parse` gives.
    #[test]
    fn a_full_case_reads_as_parse_reads_it() {
        let (case, stated) = parse_for_measurement(PHANTOM, "c.toml").unwrap();
        assert_eq!(case, crate::parse(PHANTOM, "c.toml").unwrap());
        assert_eq!(stated.lsf, Some(0.06));
        assert_eq!(stated.tnr.len(), 6);
        assert!(stated.perfused_volume.contains("WL"));
    }
}
