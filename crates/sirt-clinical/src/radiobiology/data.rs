//! Radiobiological parameters as cited data: the tissue records (α/β, repair half-time, the
//! generalised-EUD parameter `a`, the structure roles they apply to) and the fits (NTCP and
//! tumour response: model, the quantity they were fitted on, D50, slope, endpoint, source,
//! evidence, confidence). Read from `data/radiobiology.toml` of this crate and extended by site
//! files the way rule files are (`sirt-rules`' engine): a record with an existing id replaces
//! it in place, `enabled = false` with an id removes it, errors name file, table, record, field,
//! what was expected and what was found.

use super::LqParameters;
use serde::Deserialize;
use sirt_units::{AbsorbedDose, TimeSpan};
use std::borrow::Cow;
use std::collections::BTreeSet;
use thiserror::Error;

/// The embedded data file (origin, text).
pub const EMBEDDED_RADIOBIOLOGY_FILE: (&str, &str) = (
    "crates/sirt-clinical/data/radiobiology.toml",
    include_str!("../../data/radiobiology.toml"),
);

/// The role of a structure a tissue record applies to (the voxel structures' roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TissueRole {
    /// A tumour.
    Tumour,
    /// The non-tumoural liver (liver minus tumours).
    NormalLiver,
    /// The whole liver.
    Liver,
    /// A perfused territory.
    Territory,
    /// The lungs.
    Lungs,
    /// A named extrahepatic structure.
    Extrahepatic,
    /// The kidneys (the cumulative dose over a patient's course: PRRT, EBRT).
    Kidneys,
}

/// The LQ parameters of a tissue, with the structure roles they apply to and the gEUD `a`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TissueRecord {
    /// Unique id ("normal-liver", "tumour").
    pub id: String,
    /// Wording (English).
    pub title: String,
    /// French wording, when given.
    pub title_fr: Option<String>,
    /// The structure roles it applies to (the first record naming a role is used for it).
    pub roles: Vec<TissueRole>,
    /// α/β, T_rep and their source.
    pub lq: LqParameters,
    /// Niemierko's generalised-EUD parameter `a` (None: no gEUD for this tissue).
    pub eud_a: Option<f64>,
    /// Where `a` comes from.
    pub eud_a_source: Option<String>,
    /// Evidence label, as the source words it.
    pub evidence: String,
    /// The file the record came from.
    pub origin: String,
}

/// Which kind of probability a fit gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FitKind {
    /// Normal-tissue complication probability.
    Ntcp,
    /// Tumour control or response probability.
    Response,
}

/// The dose–response model of a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FitModel {
    /// Lyman–Kutcher–Burman: Φ((x − D50) / (m · D50)), slope `m`.
    Lkb,
    /// Logistic: 1 / (1 + (D50 / x)^(4 γ50)), slope `γ50` (normalised slope at D50).
    Logistic,
}

/// The quantity of a structure a fit was made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FitQuantity {
    /// Mean absorbed dose.
    MeanDose,
    /// Mean BED (the tissue record's parameters).
    MeanBed,
    /// Generalised EUD of the BED map with the tissue's `a`.
    GeudBed,
}

/// A published dose–response or dose–toxicity fit, as information.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fit {
    /// Unique id.
    pub id: String,
    /// NTCP or response.
    pub kind: FitKind,
    /// Model.
    pub model: FitModel,
    /// Wording (English).
    pub title: String,
    /// French wording, when given.
    pub title_fr: Option<String>,
    /// The tissue record whose BED it reads.
    pub tissue: String,
    /// The sphere material it was fitted on ("glass", "resin", ...); None: any.
    pub device_material: Option<String>,
    /// What it reads.
    pub quantity: FitQuantity,
    /// The value of the quantity at 50 % probability.
    pub d50: AbsorbedDose,
    /// The slope (`m` for LKB, `γ50` for logistic); None when the source does not give it: the
    /// probability is then not evaluated.
    pub slope: Option<f64>,
    /// The end point.
    pub endpoint: String,
    /// Citation.
    pub source: String,
    /// Evidence label, as the source words it.
    pub evidence: String,
    /// The fit's confidence as the source states it (interval, AUC), when given.
    pub confidence: Option<String>,
    /// What a reader must know (parameters behind a BED50 not stated, cohort), when given.
    pub note: Option<String>,
    /// The file the record came from.
    pub origin: String,
}

impl Fit {
    /// Whether it applies to a device of `material` (case-insensitive; a fit without a material
    /// applies to all).
    pub fn applies_to_material(&self, material: &str) -> bool {
        self.device_material
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(material))
    }

    /// The probability at `x` (the fit's quantity, Gy); None without a slope.
    pub fn probability(&self, x: AbsorbedDose) -> Option<f64> {
        let slope = self.slope?;
        Some(match self.model {
            FitModel::Lkb => super::lkb_ntcp(x.gy(), self.d50.gy(), slope),
            FitModel::Logistic => super::logistic_response(x.gy(), self.d50.gy(), slope),
        })
    }
}

/// A data file that cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RadiobiologyDataError {
    /// TOML syntax or a field of the wrong type.
    #[error("radiobiology file {origin}: {message}")]
    Syntax {
        /// File.
        origin: String,
        /// The TOML reader's message.
        message: String,
    },
    /// A field that does not fit.
    #[error(
        "radiobiology file {}, {} \"{}\", field `{}`: expected {}, found {}",
        .0.origin, .0.table, .0.id, .0.field, .0.expected, .0.found
    )]
    Invalid(Box<InvalidRecord>),
}

/// Where a record of a data file does not fit and how.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidRecord {
    /// File.
    pub origin: String,
    /// "tissue" or "fit".
    pub table: &'static str,
    /// Record id.
    pub id: String,
    /// Field.
    pub field: &'static str,
    /// Expected.
    pub expected: String,
    /// Found.
    pub found: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    tissue: Vec<RawTissue>,
    #[serde(default)]
    fit: Vec<RawFit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTissue {
    id: String,
    enabled: Option<bool>,
    title: Option<String>,
    title_fr: Option<String>,
    roles: Option<Vec<TissueRole>>,
    alpha_beta: Option<String>,
    repair_half_time: Option<String>,
    eud_a: Option<f64>,
    eud_a_source: Option<String>,
    source: Option<String>,
    evidence: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFit {
    id: String,
    enabled: Option<bool>,
    kind: Option<FitKind>,
    model: Option<FitModel>,
    title: Option<String>,
    title_fr: Option<String>,
    tissue: Option<String>,
    device_material: Option<String>,
    quantity: Option<FitQuantity>,
    d50: Option<String>,
    slope: Option<f64>,
    endpoint: Option<String>,
    source: Option<String>,
    evidence: Option<String>,
    confidence: Option<String>,
    note: Option<String>,
}

/// What is wrong with one field (the file and record are added by the caller).
pub(crate) struct Problem {
    pub(crate) field: &'static str,
    pub(crate) expected: String,
    pub(crate) found: String,
}

fn missing(field: &'static str) -> Problem {
    Problem {
        field,
        expected: "a value".to_owned(),
        found: "nothing".to_owned(),
    }
}

fn required<T>(v: Option<T>, field: &'static str) -> Result<T, Problem> {
    v.ok_or_else(|| missing(field))
}

/// A quantity written with its unit ("2.5 Gy", "1.5 h"), finite and above zero.
fn positive_quantity<Q>(
    text: Option<String>,
    field: &'static str,
    unit: &str,
    value: impl Fn(&Q) -> f64,
) -> Result<Q, Problem>
where
    Q: std::str::FromStr,
    Q::Err: std::fmt::Display,
{
    let text = required(text, field)?;
    let expected = || format!("a value above zero in {unit}");
    match text.parse::<Q>() {
        Ok(q) if value(&q).is_finite() && value(&q) > 0.0 => Ok(q),
        Ok(_) => Err(Problem {
            field,
            expected: expected(),
            found: format!("\"{text}\""),
        }),
        Err(e) => Err(Problem {
            field,
            expected: expected(),
            found: format!("\"{text}\" ({e})"),
        }),
    }
}

fn finite_nonzero(v: Option<f64>, field: &'static str, what: &str) -> Result<Option<f64>, Problem> {
    match v {
        Some(x) if !x.is_finite() || x == 0.0 => Err(Problem {
            field,
            expected: what.to_owned(),
            found: x.to_string(),
        }),
        other => Ok(other),
    }
}

impl RawTissue {
    fn build(self, origin: &str) -> Result<TissueRecord, Problem> {
        let alpha_beta =
            positive_quantity::<AbsorbedDose>(self.alpha_beta, "alpha_beta", "Gy", |q| q.gy())?;
        let repair_half_time =
            positive_quantity::<TimeSpan>(self.repair_half_time, "repair_half_time", "h", |q| {
                q.hours()
            })?;
        let eud_a = finite_nonzero(self.eud_a, "eud_a", "a finite number other than 0")?;
        if eud_a.is_some() && self.eud_a_source.is_none() {
            return Err(missing("eud_a_source"));
        }
        let roles = required(self.roles, "roles")?;
        if roles.is_empty() {
            return Err(Problem {
                field: "roles",
                expected: "at least one structure role".to_owned(),
                found: "[]".to_owned(),
            });
        }
        Ok(TissueRecord {
            title: required(self.title, "title")?,
            title_fr: self.title_fr,
            roles,
            lq: LqParameters {
                alpha_beta,
                repair_half_time,
                source: Cow::Owned(required(self.source, "source")?),
            },
            eud_a,
            eud_a_source: self.eud_a_source,
            evidence: required(self.evidence, "evidence")?,
            origin: origin.to_owned(),
            id: self.id,
        })
    }
}

impl RawFit {
    fn build(self, origin: &str, tissues: &[TissueRecord]) -> Result<Fit, Problem> {
        let tissue = required(self.tissue, "tissue")?;
        if !tissues.iter().any(|t| t.id == tissue) {
            return Err(Problem {
                field: "tissue",
                expected: format!(
                    "the id of a tissue record ({})",
                    tissues
                        .iter()
                        .map(|t| t.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                found: format!("\"{tissue}\""),
            });
        }
        let slope = finite_nonzero(self.slope, "slope", "a finite number above 0")?;
        if slope.is_some_and(|s| s < 0.0) {
            return Err(Problem {
                field: "slope",
                expected: "a finite number above 0".to_owned(),
                found: slope.map_or_else(String::new, |s| s.to_string()),
            });
        }
        Ok(Fit {
            kind: required(self.kind, "kind")?,
            model: required(self.model, "model")?,
            title: required(self.title, "title")?,
            title_fr: self.title_fr,
            tissue,
            device_material: self.device_material,
            quantity: required(self.quantity, "quantity")?,
            d50: positive_quantity::<AbsorbedDose>(self.d50, "d50", "Gy", |q| q.gy())?,
            slope,
            endpoint: required(self.endpoint, "endpoint")?,
            source: required(self.source, "source")?,
            evidence: required(self.evidence, "evidence")?,
            confidence: self.confidence,
            note: self.note,
            origin: origin.to_owned(),
            id: self.id,
        })
    }
}

/// The tissue records and fits a plan's radiobiology is computed with.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RadiobiologyData {
    tissues: Vec<TissueRecord>,
    fits: Vec<Fit>,
}

impl RawRecord for RawTissue {
    fn id(&self) -> &str {
        &self.id
    }
    fn removes(&self) -> bool {
        self.enabled == Some(false)
    }
}

impl RawRecord for RawFit {
    fn id(&self) -> &str {
        &self.id
    }
    fn removes(&self) -> bool {
        self.enabled == Some(false)
    }
}

/// A raw record of a data file's table: its id and whether it is enabled.
pub(crate) trait RawRecord {
    /// The record's id.
    fn id(&self) -> &str;
    /// `enabled = false` removes the record of this id.
    fn removes(&self) -> bool;
}

/// Merges one table of a data file into `list` (the radiobiology and the cumulative-dose files
/// alike): ids unique within the file; a record with `enabled = false` removes the one of its
/// id; else `build` makes it, and it replaces the record of its id in place or is appended. A
/// record `build` refuses is named with `table` and its id.
pub(crate) fn merge_records<R: RawRecord, T>(
    list: &mut Vec<T>,
    raws: Vec<R>,
    origin: &str,
    table: &'static str,
    id_of: impl Fn(&T) -> &str,
    mut build: impl FnMut(R) -> Result<T, Problem>,
) -> Result<(), RadiobiologyDataError> {
    let mut seen = BTreeSet::new();
    for raw in raws {
        let id = raw.id().to_owned();
        unique(&mut seen, &id, origin, table)?;
        if raw.removes() {
            list.retain(|x| id_of(x) != id);
            continue;
        }
        let record = build(raw).map_err(|p| invalid(origin, table, &id, p))?;
        match list.iter().position(|x| id_of(x) == id) {
            Some(at) => list[at] = record,
            None => list.push(record),
        }
    }
    Ok(())
}

/// Refuses a second record with the same id in one file.
fn unique(
    seen: &mut BTreeSet<String>,
    id: &str,
    origin: &str,
    table: &'static str,
) -> Result<(), RadiobiologyDataError> {
    if seen.insert(id.to_owned()) {
        Ok(())
    } else {
        Err(RadiobiologyDataError::Invalid(Box::new(InvalidRecord {
            origin: origin.to_owned(),
            table,
            id: id.to_owned(),
            field: "id",
            expected: "ids unique within a file".to_owned(),
            found: "a second record with this id".to_owned(),
        })))
    }
}

fn invalid(origin: &str, table: &'static str, id: &str, p: Problem) -> RadiobiologyDataError {
    RadiobiologyDataError::Invalid(Box::new(InvalidRecord {
        origin: origin.to_owned(),
        table,
        id: id.to_owned(),
        field: p.field,
        expected: p.expected,
        found: p.found,
    }))
}

impl RadiobiologyData {
    /// The embedded records ([`EMBEDDED_RADIOBIOLOGY_FILE`]).
    pub fn embedded() -> Result<Self, RadiobiologyDataError> {
        Self::with_site_files([])
    }

    /// The embedded records extended by site files, given as (file name, text), in order.
    pub fn with_site_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, RadiobiologyDataError> {
        let mut data = Self::default();
        let (origin, text) = EMBEDDED_RADIOBIOLOGY_FILE;
        data.merge_toml(text, origin)?;
        for (origin, text) in files {
            data.merge_toml(text, origin)?;
        }
        Ok(data)
    }

    /// Adds the records of a (site) file: a record with an existing id replaces it in place;
    /// `enabled = false` with an id removes it. Tissues are read before fits, so a fit may name
    /// a tissue of the same file. On error nothing of the file is kept.
    pub fn merge_toml(&mut self, text: &str, origin: &str) -> Result<(), RadiobiologyDataError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| RadiobiologyDataError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let mut next = self.clone();
        let RadiobiologyData { tissues, fits } = &mut next;
        merge_records(
            tissues,
            raw.tissue,
            origin,
            "tissue",
            |x| &x.id,
            |t| t.build(origin),
        )?;
        merge_records(
            fits,
            raw.fit,
            origin,
            "fit",
            |x| &x.id,
            |f| f.build(origin, tissues),
        )?;
        next.check_fit_tissues(origin)?;
        *self = next;
        Ok(())
    }

    /// Every fit names a tissue that is still there (a file may remove a tissue).
    fn check_fit_tissues(&self, origin: &str) -> Result<(), RadiobiologyDataError> {
        match self
            .fits
            .iter()
            .find(|f| !self.tissues.iter().any(|t| t.id == f.tissue))
        {
            Some(f) => Err(RadiobiologyDataError::Invalid(Box::new(InvalidRecord {
                origin: origin.to_owned(),
                table: "fit",
                id: f.id.clone(),
                field: "tissue",
                expected: "a tissue record that is not removed".to_owned(),
                found: format!("\"{}\" removed by this file", f.tissue),
            }))),
            None => Ok(()),
        }
    }

    /// The tissue records, in order.
    pub fn tissues(&self) -> &[TissueRecord] {
        &self.tissues
    }

    /// The fits, in order.
    pub fn fits(&self) -> &[Fit] {
        &self.fits
    }

    /// The tissue record of a structure role: the first naming it.
    pub fn tissue_for(&self, role: TissueRole) -> Option<&TissueRecord> {
        self.tissues.iter().find(|t| t.roles.contains(&role))
    }

    /// The fits of `kind` on tissue `tissue` that apply to a device of `material`.
    pub fn fits_for<'a>(
        &'a self,
        kind: FitKind,
        tissue: &'a str,
        material: &'a str,
    ) -> impl Iterator<Item = &'a Fit> + 'a {
        self.fits.iter().filter(move |f| {
            f.kind == kind && f.tissue == tissue && f.applies_to_material(material)
        })
    }
}
