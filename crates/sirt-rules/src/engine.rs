//! The rule engine every kind of rule shares: reading TOML rule files, merging site files
//! (replace by id, `enabled = false` removes), origin tracking, threshold parsing and errors.
//!
//! A kind of rule is a [`RuleRecord`] (the plan rules of this crate: [`Rule`](crate::Rule); the
//! eligibility rules of `sirt-clinical`) over a [`RuleQuantity`] (the enum of what its rules
//! compare). The fields every rule has (id, title, quantity, comparison, threshold, status on
//! violation, source, evidence, note) are read and checked here; a kind adds its own fields
//! (filters, group) in [`RuleRecord::build`].

use crate::evaluate::CheckValue;
use crate::rule::{Comparison, Status};
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use thiserror::Error;

/// What the rules of a kind compare: the enum of the `quantity` field of its rule files.
pub trait RuleQuantity: Copy + PartialEq {
    /// The name in rule files ("tumour_dose", "bilirubin").
    fn key(self) -> &'static str;
    /// The unit of thresholds and values ("Gy", "mg/dL"; "" for plain numbers and flags).
    fn unit(self) -> &'static str;
    /// Whether it is a yes/no fact: threshold `true` / `false`, comparison `==`.
    fn is_flag(self) -> bool;
    /// Reads a threshold (of a quantity that is not a flag) in [`unit`](Self::unit); the error
    /// says why the text is not one ("not a number", the unit parser's message).
    fn parse_threshold(self, text: &str) -> Result<f64, String>;
}

/// One kind of rule record, read from rule files by [`RuleSet`].
pub trait RuleRecord: Sized {
    /// What its rules compare.
    type Quantity: RuleQuantity + DeserializeOwned;
    /// The record as written in a file (serde, `deny_unknown_fields`).
    type Raw: DeserializeOwned;
    /// The fields of [`Raw`](Self::Raw) that only this kind has.
    type RawExtra;
    /// How errors name its files: "rule", "eligibility rule".
    const FILE_KIND: &'static str;
    /// The rule files built into the program, (origin, text), in evaluation order.
    const EMBEDDED_FILES: &'static [(&'static str, &'static str)];

    /// Splits a record as written into the fields every rule has and the kind's own.
    fn split(raw: Self::Raw) -> (RawCommon<Self::Quantity>, Self::RawExtra);
    /// The rule from its checked common fields and the kind's own fields.
    fn build(common: Common<Self::Quantity>, extra: Self::RawExtra) -> Result<Self, InvalidField>;
    /// Its id.
    fn id(&self) -> &str;
}

/// The fields every rule record has, as written in a file (each may be missing).
#[derive(Debug, Clone, PartialEq)]
pub struct RawCommon<Q> {
    /// Unique id.
    pub id: String,
    /// Wording.
    pub title: Option<String>,
    /// Quantity compared.
    pub quantity: Option<Q>,
    /// What must hold.
    pub comparison: Option<Comparison>,
    /// Threshold as written.
    pub threshold: Option<String>,
    /// Status when violated.
    pub on_violation: Option<Status>,
    /// Citation.
    pub source: Option<String>,
    /// Evidence label.
    pub evidence: Option<String>,
    /// Shown with the result.
    pub note: Option<String>,
    /// `false`: remove the rule with this id.
    pub enabled: Option<bool>,
}

/// The fields every rule has, checked: the quantity, comparison and threshold fit together.
#[derive(Debug, Clone, PartialEq)]
pub struct Common<Q> {
    /// Unique id.
    pub id: String,
    /// Wording.
    pub title: String,
    /// Quantity compared.
    pub quantity: Q,
    /// What must hold.
    pub comparison: Comparison,
    /// The threshold.
    pub threshold: Threshold,
    /// Status when violated (fail, warn or info).
    pub on_violation: Status,
    /// Citation.
    pub source: String,
    /// Evidence label.
    pub evidence: String,
    /// Shown with the result.
    pub note: Option<String>,
    /// The file the rule came from.
    pub origin: String,
}

/// A threshold in the quantity's report unit, kept with the text it was written as.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Threshold {
    /// Value in the report unit of the quantity (Gy, mL, GBq, %, mg/dL, ...; flags 1/0).
    pub value: f64,
    /// As written in the rule file.
    pub written: String,
}

impl Threshold {
    /// The threshold as a check reports it: a yes/no for flags, else the number.
    pub fn check_value(&self, flag: bool) -> CheckValue {
        if flag {
            CheckValue::Flag(self.value != 0.0)
        } else {
            CheckValue::Number(self.value)
        }
    }
}

/// A field of a rule record that does not fit; [`RuleSet`] adds file and rule.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidField {
    /// Field.
    pub field: &'static str,
    /// Expected.
    pub expected: String,
    /// Found.
    pub found: String,
}

impl InvalidField {
    /// A required field that is not given.
    pub fn missing(field: &'static str) -> Self {
        Self {
            field,
            expected: "a value".to_owned(),
            found: "nothing".to_owned(),
        }
    }

    fn in_rule(self, kind: &'static str, origin: &str, rule: &str) -> RuleFileError {
        RuleFileError::Invalid {
            kind,
            origin: origin.to_owned(),
            rule: rule.to_owned(),
            problem: Box::new(self),
        }
    }
}

/// A rule file that cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RuleFileError {
    /// TOML syntax or a field of the wrong type.
    #[error("{kind} file {origin}: {message}")]
    Syntax {
        /// Kind of rule file ("rule", "eligibility rule").
        kind: &'static str,
        /// File.
        origin: String,
        /// The TOML reader's message.
        message: String,
    },
    /// A threshold, status or other field that does not fit the quantity.
    #[error(
        "{kind} file {origin}, rule \"{rule}\", field `{}`: expected {}, found {}",
        .problem.field,
        .problem.expected,
        .problem.found
    )]
    Invalid {
        /// Kind of rule file ("rule", "eligibility rule").
        kind: &'static str,
        /// File.
        origin: String,
        /// Rule id.
        rule: String,
        /// The field, what it should be and what it is.
        problem: Box<InvalidField>,
    },
}

/// An ordered set of rules of one kind with unique ids.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet<R> {
    rules: Vec<R>,
}

impl<R> Default for RuleSet<R> {
    fn default() -> Self {
        Self { rules: Vec::new() }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, bound = "T: DeserializeOwned")]
struct RawFile<T> {
    #[serde(default = "Vec::new")]
    rule: Vec<T>,
}

impl<R: RuleRecord> RuleSet<R> {
    /// The embedded rules ([`RuleRecord::EMBEDDED_FILES`]).
    pub fn embedded() -> Result<Self, RuleFileError> {
        Self::with_site_files([])
    }

    /// The embedded rules extended by site files, given as (file name, text), in order.
    pub fn with_site_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, RuleFileError> {
        let mut set = Self::default();
        for (origin, text) in R::EMBEDDED_FILES.iter().copied().chain(files) {
            set.merge_toml(text, origin)?;
        }
        Ok(set)
    }

    /// Adds the rules of a (site) file. A rule with an existing id replaces it in place;
    /// `enabled = false` with an id removes that rule.
    pub fn merge_toml(&mut self, text: &str, origin: &str) -> Result<(), RuleFileError> {
        let raw: RawFile<R::Raw> = toml::from_str(text).map_err(|e| RuleFileError::Syntax {
            kind: R::FILE_KIND,
            origin: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let mut seen = BTreeSet::new();
        for raw in raw.rule {
            let (common, extra) = R::split(raw);
            if !seen.insert(common.id.clone()) {
                return Err(InvalidField {
                    field: "id",
                    expected: "ids unique within a file".to_owned(),
                    found: "a second rule with this id".to_owned(),
                }
                .in_rule(R::FILE_KIND, origin, &common.id));
            }
            if common.enabled == Some(false) {
                self.rules.retain(|x| x.id() != common.id);
                continue;
            }
            let id = common.id.clone();
            let rule = read_common(common, origin)
                .and_then(|c| R::build(c, extra))
                .map_err(|e| e.in_rule(R::FILE_KIND, origin, &id))?;
            self.insert(rule);
        }
        Ok(())
    }

    /// Replaces the rule with the same id in place, or appends.
    fn insert(&mut self, rule: R) {
        match self.rules.iter_mut().find(|x| x.id() == rule.id()) {
            Some(slot) => *slot = rule,
            None => self.rules.push(rule),
        }
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[R] {
        &self.rules
    }
}

/// Checks the fields every rule has: all given, a status that is a violation, a threshold in the
/// quantity's unit, `==` exactly for flags.
fn read_common<Q: RuleQuantity>(
    raw: RawCommon<Q>,
    origin: &str,
) -> Result<Common<Q>, InvalidField> {
    let missing = InvalidField::missing;
    let quantity = raw.quantity.ok_or_else(|| missing("quantity"))?;
    let comparison = raw.comparison.ok_or_else(|| missing("comparison"))?;
    let written = raw.threshold.ok_or_else(|| missing("threshold"))?;
    let on_violation = raw.on_violation.ok_or_else(|| missing("on_violation"))?;
    if matches!(on_violation, Status::Pass | Status::NotEvaluated) {
        return Err(InvalidField {
            field: "on_violation",
            expected: "\"fail\", \"warn\" or \"info\"".to_owned(),
            found: on_violation.to_string(),
        });
    }
    let value = parse_threshold(quantity, &written)?;
    if quantity.is_flag() != (comparison == Comparison::Equal) {
        return Err(InvalidField {
            field: "comparison",
            expected: "\"==\" for true/false quantities and >=, >, <=, < for the others".to_owned(),
            found: format!("{} for {}", comparison.symbol(), quantity.key()),
        });
    }
    Ok(Common {
        title: raw.title.ok_or_else(|| missing("title"))?,
        quantity,
        comparison,
        threshold: Threshold { value, written },
        on_violation,
        source: raw.source.ok_or_else(|| missing("source"))?,
        evidence: raw.evidence.ok_or_else(|| missing("evidence"))?,
        note: raw.note,
        origin: origin.to_owned(),
        id: raw.id,
    })
}

/// Reads a threshold in the quantity's unit: `true` / `false` for flags.
fn parse_threshold<Q: RuleQuantity>(quantity: Q, text: &str) -> Result<f64, InvalidField> {
    let value = if quantity.is_flag() {
        match text {
            "true" => Ok(1.0),
            "false" => Ok(0.0),
            _ => Err("write true or false".to_owned()),
        }
    } else {
        quantity.parse_threshold(text)
    };
    value.map_err(|why| {
        let unit = quantity.unit();
        InvalidField {
            field: "threshold",
            expected: if unit.is_empty() {
                format!("a threshold for {}", quantity.key())
            } else {
                format!("a threshold in {unit} for {}", quantity.key())
            },
            found: format!("\"{text}\" ({why})"),
        }
    })
}
