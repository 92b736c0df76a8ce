//! A case read for measurement (`sirtplan measure`): the values the images measure (the lung
//! shunt fraction, the tumour-to-normal ratios, the perfused volumes) may be left out; the file is
//! otherwise validated as [`crate::parse`] validates it. Each value left out is given a
//! placeholder only so that the rest can be validated; [`Stated`] says which values the file
//! gave, and a measurement shows only those beside its own.

use crate::{Case, CaseError};
use sirt_units::{Fraction, Volume};
use std::collections::{BTreeMap, BTreeSet};

/// Placeholder lung shunt fraction for a case that states none: a design choice (no shunt), never
/// shown; the measured LSF replaces it.
const PLACEHOLDER_LSF: f64 = 0.0;

/// Placeholder tumour-to-normal ratio for a share that states none: a design choice (uniform
/// uptake), never shown; the measured TNR replaces it.
const PLACEHOLDER_TNR: f64 = 1.0;

/// A value the images measure that the case file leaves out.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Missing {
    /// `mapping.lsf`: an injection states no `lsf` and there are no planar counts.
    Lsf,
    /// `injections[n].tumours[m].tnr`.
    Tnr {
        /// The injection id.
        injection: String,
        /// The tumour id.
        tumour: String,
        /// The field path.
        field: String,
    },
    /// `injections[n].perfused_volume`.
    PerfusedVolume {
        /// The injection id.
        injection: String,
        /// The field path.
        field: String,
    },
}

impl Missing {
    /// The field path the case file leaves out.
    pub fn field(&self) -> &str {
        match self {
            Missing::Lsf => "mapping.lsf",
            Missing::Tnr { field, .. } | Missing::PerfusedVolume { field, .. } => field,
        }
    }
}

/// The reasons the case file gives for values it enters although the images measure them
/// (`crate::reasons` checks them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reasons {
    /// `mapping.lsf_reason`.
    pub lsf: Option<String>,
    /// `injections[].lsf_reason` by injection id.
    pub injection_lsf: BTreeMap<String, String>,
    /// `injections[].tumours[].tnr_reason` by (injection id, tumour id).
    pub tnr: BTreeMap<(String, String), String>,
    /// `injections[].perfused_volume_reason` by injection id.
    pub perfused_volume: BTreeMap<String, String>,
}

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
    /// Whether `mapping.planar` counts are given (the planar geometric-mean LSF).
    pub planar: bool,
    /// The values left out, in file order.
    pub missing: Vec<Missing>,
    /// The reasons given beside entered values.
    pub reasons: Reasons,
}

/// Values measured on the images, put where the case file leaves them out
/// ([`parse_with_measured`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasuredValues {
    /// The lung shunt fraction (for `mapping.lsf`).
    pub lsf: Option<Fraction>,
    /// TNR by (injection id, tumour id).
    pub tnr: BTreeMap<(String, String), f64>,
    /// Perfused volume by injection id.
    pub perfused_volume: BTreeMap<String, Volume>,
}

/// Reads the case text as a TOML table; `file` names it in errors.
fn read_table(text: &str, file: &str) -> Result<toml::Table, CaseError> {
    toml::from_str(text).map_err(|e| CaseError::Syntax {
        file: file.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })
}

/// The table (values filled in) read as a case and validated, after `overrides`.
fn validated(
    table: toml::Table,
    file: &str,
    overrides: &crate::Overrides,
) -> Result<Case, CaseError> {
    let mut raw = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| CaseError::Syntax {
            file: file.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
    overrides.apply(&mut raw)?;
    crate::validate::validate(raw, file)
}

/// Reads a case for measurement: as [`crate::parse`], except that `mapping.lsf`,
/// `injections[].tumours[].tnr` and `injections[].perfused_volume` may be absent (the perfused
/// volume then takes the liver's volume, the LSF 0 and the TNR 1, placeholders the measurement
/// replaces); the [`Stated`] values say which were given.
pub fn parse_for_measurement(text: &str, file: &str) -> Result<(Case, Stated), CaseError> {
    let mut table = read_table(text, file)?;
    crate::reasons::check(&table, file)?;
    let stated = record(&table);
    fill(&mut table, &stated, &Filler::Placeholders);
    let case = validated(table, file, &crate::Overrides::default())?;
    Ok((case, stated))
}

/// What the case file states of the measurable values and what it leaves out, without
/// validating it (a syntax error is reported).
pub fn stated_values(text: &str, file: &str) -> Result<Stated, CaseError> {
    Ok(record(&read_table(text, file)?))
}

/// Reads a case whose left-out measurable values ([`Stated::missing`]) are given by `measured`,
/// applies `overrides` and validates it as [`crate::parse_with_overrides`] does. A value left
/// out and not measured is an error naming its field.
pub fn parse_with_measured(
    text: &str,
    file: &str,
    overrides: &crate::Overrides,
    measured: &MeasuredValues,
) -> Result<(Case, Stated), CaseError> {
    let mut table = read_table(text, file)?;
    crate::reasons::check(&table, file)?;
    let stated = record(&table);
    if let Some(m) = stated.missing.iter().find(|m| !measured.gives(m)) {
        return Err(CaseError::Invalid {
            file: file.to_owned(),
            field: m.field().to_owned(),
            expected: "a value, or the images that measure it".to_owned(),
            found: "none".to_owned(),
        });
    }
    fill(&mut table, &stated, &Filler::Measured(measured));
    let mut case = validated(table, file, overrides)?;
    if stated.missing.contains(&Missing::Lsf) {
        // The mapping's LSF is the measured one: an injection that takes it says so.
        for inj in &mut case.injections {
            if inj.lsf_source == crate::LsfSource::Mapping {
                inj.lsf_source = crate::LsfSource::Measured;
            }
        }
    }
    Ok((case, stated))
}

impl MeasuredValues {
    /// Whether it gives the value `m` leaves out.
    pub fn gives(&self, m: &Missing) -> bool {
        match m {
            Missing::Lsf => self.lsf.is_some(),
            Missing::Tnr {
                injection, tumour, ..
            } => self.tnr.contains_key(&(injection.clone(), tumour.clone())),
            Missing::PerfusedVolume { injection, .. } => {
                self.perfused_volume.contains_key(injection)
            }
        }
    }
}

/// What fills the values left out.
enum Filler<'a> {
    /// Placeholders (measurement).
    Placeholders,
    /// The measured values (plan).
    Measured(&'a MeasuredValues),
}

/// A string of a key of a TOML table.
fn str_of(t: &toml::Table, key: &str) -> Option<String> {
    t.get(key).and_then(toml::Value::as_str).map(str::to_owned)
}

/// Records the stated values, the reasons and what is left out.
fn record(table: &toml::Table) -> Stated {
    let mut stated = Stated::default();
    let mapping = table.get("mapping").and_then(toml::Value::as_table);
    stated.lsf = mapping
        .and_then(|m| m.get("lsf"))
        .and_then(toml::Value::as_float);
    stated.planar = mapping.is_some_and(|m| m.contains_key("planar"));
    stated.reasons.lsf = mapping.and_then(|m| str_of(m, "lsf_reason"));
    let mut any_without_lsf = false;
    let injections = table.get("injections").and_then(toml::Value::as_array);
    for (n, inj) in injections
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table)
        .enumerate()
    {
        let id = str_of(inj, "id").unwrap_or_default();
        match inj.get("lsf").and_then(toml::Value::as_float) {
            Some(l) => {
                stated.injection_lsf.insert(id.clone(), l);
            }
            None => any_without_lsf = true,
        }
        if let Some(r) = str_of(inj, "lsf_reason") {
            stated.reasons.injection_lsf.insert(id.clone(), r);
        }
        if let Some(r) = str_of(inj, "perfused_volume_reason") {
            stated.reasons.perfused_volume.insert(id.clone(), r);
        }
        if inj.contains_key("perfused_volume") {
            stated.perfused_volume.insert(id.clone());
        } else {
            stated.missing.push(Missing::PerfusedVolume {
                injection: id.clone(),
                field: format!("injections[{n}].perfused_volume"),
            });
        }
        record_tnr(inj, n, &id, &mut stated);
    }
    if any_without_lsf && stated.lsf.is_none() && !stated.planar {
        stated.missing.insert(0, Missing::Lsf);
    }
    stated
}

/// The TNRs of one injection's tumour shares: recorded, or left out.
fn record_tnr(inj: &toml::Table, n: usize, id: &str, stated: &mut Stated) {
    let Some(shares) = inj.get("tumours").and_then(toml::Value::as_array) else {
        return;
    };
    for (m, share) in shares.iter().filter_map(toml::Value::as_table).enumerate() {
        let tumour = str_of(share, "id").unwrap_or_default();
        let key = (id.to_owned(), tumour.clone());
        if let Some(r) = str_of(share, "tnr_reason") {
            stated.reasons.tnr.insert(key.clone(), r);
        }
        match share.get("tnr") {
            Some(t) => {
                if let Some(t) = t.as_float() {
                    stated.tnr.insert(key, t);
                }
            }
            None => stated.missing.push(Missing::Tnr {
                injection: id.to_owned(),
                tumour,
                field: format!("injections[{n}].tumours[{m}].tnr"),
            }),
        }
    }
}

/// Puts the values left out into the table: placeholders or measurements.
fn fill(table: &mut toml::Table, stated: &Stated, filler: &Filler<'_>) {
    let liver_volume = table.get("liver").and_then(|l| l.get("volume")).cloned();
    for m in &stated.missing {
        match m {
            Missing::Lsf => {
                let lsf = match filler {
                    Filler::Placeholders => Some(PLACEHOLDER_LSF),
                    Filler::Measured(v) => v.lsf.map(Fraction::value),
                };
                let mapping = table
                    .entry("mapping")
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let (Some(m), Some(lsf)) = (mapping.as_table_mut(), lsf) {
                    m.insert("lsf".into(), toml::Value::Float(lsf));
                }
            }
            Missing::Tnr {
                injection, tumour, ..
            } => {
                let tnr = match filler {
                    Filler::Placeholders => Some(PLACEHOLDER_TNR),
                    Filler::Measured(v) => v.tnr.get(&(injection.clone(), tumour.clone())).copied(),
                };
                if let (Some(share), Some(tnr)) = (share_mut(table, injection, tumour), tnr) {
                    share.insert("tnr".into(), toml::Value::Float(tnr));
                }
            }
            Missing::PerfusedVolume { injection, .. } => {
                let volume = match filler {
                    Filler::Placeholders => liver_volume.clone(),
                    Filler::Measured(v) => v
                        .perfused_volume
                        .get(injection)
                        .map(|v| toml::Value::String(format!("{:.6} mL", v.ml()))),
                };
                if let (Some(inj), Some(v)) = (injection_mut(table, injection), volume) {
                    inj.insert("perfused_volume".into(), v);
                }
            }
        }
    }
}

/// The table of the injection `id`.
fn injection_mut<'a>(table: &'a mut toml::Table, id: &str) -> Option<&'a mut toml::Table> {
    table
        .get_mut("injections")?
        .as_array_mut()?
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|i| i.get("id").and_then(toml::Value::as_str) == Some(id))
}

/// The table of the tumour share `tumour` of the injection `injection`.
fn share_mut<'a>(
    table: &'a mut toml::Table,
    injection: &str,
    tumour: &str,
) -> Option<&'a mut toml::Table> {
    injection_mut(table, injection)?
        .get_mut("tumours")?
        .as_array_mut()?
        .iter_mut()
        .filter_map(toml::Value::as_table_mut)
        .find(|s| s.get("id").and_then(toml::Value::as_str) == Some(tumour))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const PHANTOM_FILE: &str = include_str!("../../../examples/demo-phantom-case.toml");

    /// The demo phantom case without the reasons it gives for its entered LSF and TNRs (these
    /// tests add and remove reasons of their own).
    fn phantom() -> String {
        let mut out = String::new();
        for line in PHANTOM_FILE
            .lines()
            .filter(|l| !l.starts_with("lsf_reason") && !l.starts_with("perfused_volume_reason"))
        {
            match line.find(", tnr_reason") {
                Some(i) => out.push_str(&format!("{} }},", &line[..i])),
                None => out.push_str(line),
            }
            out.push('\n');
        }
        assert!(!out.contains("_reason = \"digital phantom: the ground"));
        out
    }

    /// The demo phantom case without its measured values reads; the placeholders do not show as
    /// stated values.
    #[test]
    fn a_case_without_lsf_tnr_and_perfused_volume_reads() {
        let text = phantom()
            .replace("lsf = 0.06 ", "")
            .replace("perfused_volume = \"2174.2 mL\"\n", "")
            .replace(", tnr = 3.0 }", " }");
        assert_ne!(text, phantom());
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
        let (case, stated) = parse_for_measurement(&phantom(), "c.toml").unwrap();
        assert_eq!(case, crate::parse(&phantom(), "c.toml").unwrap());
        assert_eq!(stated.lsf, Some(0.06));
        assert_eq!(stated.tnr.len(), 6);
        assert!(stated.perfused_volume.contains("WL"));
    }

    /// The phantom case without its measured values.
    fn bare() -> String {
        phantom()
            .replace("lsf = 0.06 ", "")
            .replace("perfused_volume = \"2174.2 mL\"\n", "")
            .replace(", tnr = 3.0 }", " }")
    }

    /// The values left out are listed with their field paths, in file order (the LSF first).
    #[test]
    fn the_missing_values_name_their_fields() {
        let stated = stated_values(&bare(), "c.toml").unwrap();
        let fields: Vec<&str> = stated.missing.iter().map(Missing::field).collect();
        assert_eq!(
            fields,
            [
                "mapping.lsf",
                "injections[0].perfused_volume",
                "injections[0].tumours[0].tnr",
                "injections[0].tumours[3].tnr",
            ]
        );
        assert!(
            stated_values(&phantom(), "c.toml")
                .unwrap()
                .missing
                .is_empty()
        );
    }

    /// Measured values go where the file leaves them out and are used as stated ones would be:
    /// the perfused mass is the measured volume less the tumours × the liver density plus the
    /// tumour masses (hand computation); a value neither stated nor measured names its field.
    #[test]
    fn measured_values_fill_what_the_file_leaves_out() {
        let mut m = MeasuredValues {
            lsf: Fraction::new(0.05),
            ..MeasuredValues::default()
        };
        m.tnr.insert(("WL".into(), "T1".into()), 2.5);
        m.perfused_volume
            .insert("WL".into(), Volume::from_ml(2000.0));
        let e = parse_with_measured(&bare(), "c.toml", &crate::Overrides::default(), &m)
            .unwrap_err()
            .to_string();
        assert!(e.contains("injections[0].tumours[3].tnr"), "{e}");
        m.tnr.insert(("WL".into(), "T4".into()), 2.0);
        let (case, stated) =
            parse_with_measured(&bare(), "c.toml", &crate::Overrides::default(), &m).unwrap();
        assert_eq!(stated.missing.len(), 4);
        let inj = &case.injections[0];
        assert!((inj.lung.lsf.value() - 0.05).abs() < 1e-12);
        assert_eq!(inj.lsf_source, crate::LsfSource::Measured);
        assert!((inj.tumours[0].tnr - 2.5).abs() < 1e-12);
        assert!((inj.tumours[3].tnr - 2.0).abs() < 1e-12);
        assert!(
            (inj.tumours[1].tnr - 3.5).abs() < 1e-12,
            "stated value kept"
        );
        // Tumours 59.08 + 23.79 + 8.8 + 17.97 + 1.44 + 0.84 = 111.92 mL at 1.05 g/mL.
        let tumours_ml = 59.08 + 23.79 + 8.8 + 17.97 + 1.44 + 0.84;
        let expected_kg = (2000.0 - tumours_ml) * 1.05 / 1000.0 + tumours_ml * 1.05 / 1000.0;
        assert!((inj.perfused_mass.kg() - expected_kg).abs() < 1e-9);
        assert!((inj.normal_liver_mass.kg() - (2000.0 - tumours_ml) * 1.05e-3).abs() < 1e-9);
    }

    /// A reason stands beside its value: recorded by `stated_values`, accepted by `parse`;
    /// empty, or without its value, refused naming the field.
    #[test]
    fn reasons_are_recorded_and_checked() {
        let with = phantom()
            .replace(
                "lsf = 0.06 ",
                "lsf_reason = \"planar study of the referring centre\"\nlsf = 0.06 ",
            )
            .replace(
                ", tnr = 3.5 }",
                ", tnr = 3.5, tnr_reason = \"necrotic core excluded\" }",
            )
            .replace(
                "perfused_volume = \"2174.2 mL\"\n",
                "perfused_volume = \"2174.2 mL\"\nperfused_volume_reason = \"cone-beam CT\"\n",
            );
        crate::parse(&with, "c.toml").unwrap();
        let stated = stated_values(&with, "c.toml").unwrap();
        assert_eq!(
            stated.reasons.lsf.as_deref(),
            Some("planar study of the referring centre")
        );
        assert_eq!(
            stated.reasons.tnr[&("WL".to_owned(), "T2".to_owned())],
            "necrotic core excluded"
        );
        assert_eq!(stated.reasons.perfused_volume["WL"], "cone-beam CT");
        let empty = with.replace("\"cone-beam CT\"", "\"  \"");
        let e = crate::parse(&empty, "c.toml").unwrap_err().to_string();
        assert!(
            e.contains("injections[0].perfused_volume_reason") && e.contains("empty"),
            "{e}"
        );
        let alone = with.replace("lsf = 0.06 ", "");
        let e = crate::parse(&alone, "c.toml").unwrap_err().to_string();
        assert!(
            e.contains("mapping.lsf_reason") && e.contains("no `mapping.lsf`"),
            "{e}"
        );
        // A reason whose value the file leaves out (to be measured) explains nothing: refused
        // for measurement and for a plan on measured values, as for a plain read, although the
        // value left out is filled in (placeholder, measurement) before the typed read.
        let expected = |field: &str| {
            format!(
                "case file c.toml: field `{field}_reason`: expected `{field}` beside its reason \
                 (a reason explains an entered value), found no `{field}`"
            )
        };
        let cases = [
            (
                with.replace("perfused_volume = \"2174.2 mL\"\n", ""),
                "injections[0].perfused_volume",
            ),
            (
                with.replace("tnr = 3.5, ", ""),
                "injections[0].tumours[1].tnr",
            ),
            (alone, "mapping.lsf"),
        ];
        for (text, field) in cases {
            let e = crate::parse_for_measurement(&text, "c.toml").unwrap_err();
            assert_eq!(e.to_string(), expected(field));
            let measured = MeasuredValues::default();
            let e = crate::parse_with_measured(&text, "c.toml", &Default::default(), &measured)
                .unwrap_err();
            assert_eq!(e.to_string(), expected(field));
            let e = crate::parse(&text, "c.toml").unwrap_err();
            assert_eq!(e.to_string(), expected(field));
        }
    }
}
