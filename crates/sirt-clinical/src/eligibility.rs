//! Eligibility for SIRT as cited data: rule records (`data/*.toml` of this crate, extended or
//! overridden by site files), the facts of a patient record, and the assessment.
//!
//! A rule has the record shape of `sirt-rules`: id, title, quantity, comparison, threshold with
//! its unit, status on violation, source, evidence, note; plus the group it belongs to and an
//! optional grade filter. A value the record does not give is `not evaluated` with the reason.
//! The files are read, merged and checked by the rule engine of `sirt-rules`
//! ([`sirt_rules::engine::RuleSet`]): [`EligibilityRule`] is its [`RuleRecord`], [`Quantity`] its
//! [`RuleQuantity`].

use crate::labs::{UnitTable, parse_with_units};
use crate::record::{
    NetGrade, PatientRecord, PriorKind, PriorOutcome, SecretorySyndrome, latest,
    who2019_grade_from_ki67,
};
use crate::scores::{
    self, Albi, AlbiCoefficient, ChildPugh, ChildPughInputs, Meld, Meld3, MeldInputs,
};
use jiff::civil::Date;
use sirt_rules::engine::{Common, InvalidField, RawCommon};
use sirt_rules::{CheckValue, Comparison, RuleQuantity, RuleRecord, Status, Threshold};
use sirt_units::{Albumin, Bilirubin, CellCount, Creatinine, Fraction, Gfr, Sodium, signif15};
use std::fmt;

/// The embedded rule files, in evaluation order.
pub const EMBEDDED_ELIGIBILITY_FILES: [(&str, &str); 3] = [
    (
        "crates/sirt-clinical/data/contraindications.toml",
        include_str!("../data/contraindications.toml"),
    ),
    (
        "crates/sirt-clinical/data/net-recommendations.toml",
        include_str!("../data/net-recommendations.toml"),
    ),
    (
        "crates/sirt-clinical/data/northwestern.toml",
        include_str!("../data/northwestern.toml"),
    ),
];

/// What a rule compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Total bilirubin (mg/dL; µmol/L accepted in thresholds).
    Bilirubin,
    /// Albumin (g/L; g/dL accepted).
    Albumin,
    /// INR.
    Inr,
    /// Platelets (10⁹/L).
    Platelets,
    /// Leukocytes (10⁹/L).
    Leukocytes,
    /// Granulocytes (10⁹/L).
    Granulocytes,
    /// Creatinine (mg/dL).
    Creatinine,
    /// Glomerular filtration rate (mL/min).
    Gfr,
    /// Sodium (mmol/L).
    Sodium,
    /// Child-Pugh total points.
    ChildPughPoints,
    /// ALBI score (coefficient −0.085).
    AlbiScore,
    /// MELD.
    Meld,
    /// ECOG performance status.
    Ecog,
    /// Hepatic tumour burden (%).
    TumourBurden,
    /// Life expectancy (months).
    LifeExpectancy,
    /// Days from the end of the last systemic anticancer therapy to the assessment.
    DaysSinceSystemicTherapy,
    /// Days from the latest contrast-enhanced CT/MRI to the assessment.
    DaysSinceImaging,
    /// Liver-only or liver-dominant disease (prognosis defined by the liver).
    LiverDominantDisease,
    /// Any extrahepatic disease.
    ExtrahepaticDisease,
    /// Secretory syndrome present and not controlled.
    SecretorySyndromeUncontrolled,
    /// An earlier TACE or bland embolisation ended in progression.
    FailedEmbolicTherapy,
    /// Earlier external-beam radiotherapy with the liver in the field.
    PriorLiverRadiation,
    /// Ongoing anti-angiogenic systemic therapy.
    AntiAngiogenicTherapyActive,
    /// Bilobar and multifocal liver disease.
    BilobarMultifocalDisease,
    /// Infiltrative liver disease.
    InfiltrativeDisease,
    /// Hypovascular tumours.
    HypovascularTumours,
    /// Large, bulky tumours.
    BulkyTumours,
    /// A named yes/no finding of the record's `[findings]` table (the rule names it in `finding`).
    Finding,
}

/// The dimension of a quantity, which fixes the unit of its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Bilirubin,
    Albumin,
    Ratio,
    CellCount,
    Creatinine,
    Gfr,
    Sodium,
    Number,
    Fraction,
    Months,
    Days,
    Flag,
}

impl Quantity {
    /// The name used in rule files.
    pub fn key(self) -> &'static str {
        use Quantity::*;
        match self {
            Bilirubin => "bilirubin",
            Albumin => "albumin",
            Inr => "inr",
            Platelets => "platelets",
            Leukocytes => "leukocytes",
            Granulocytes => "granulocytes",
            Creatinine => "creatinine",
            Gfr => "gfr",
            Sodium => "sodium",
            ChildPughPoints => "child_pugh_points",
            AlbiScore => "albi_score",
            Meld => "meld",
            Ecog => "ecog",
            TumourBurden => "tumour_burden",
            LifeExpectancy => "life_expectancy",
            DaysSinceSystemicTherapy => "days_since_systemic_therapy",
            DaysSinceImaging => "days_since_imaging",
            LiverDominantDisease => "liver_dominant_disease",
            ExtrahepaticDisease => "extrahepatic_disease",
            SecretorySyndromeUncontrolled => "secretory_syndrome_uncontrolled",
            FailedEmbolicTherapy => "failed_embolic_therapy",
            PriorLiverRadiation => "prior_liver_radiation",
            AntiAngiogenicTherapyActive => "anti_angiogenic_therapy_active",
            BilobarMultifocalDisease => "bilobar_multifocal_disease",
            InfiltrativeDisease => "infiltrative_disease",
            HypovascularTumours => "hypovascular_tumours",
            BulkyTumours => "bulky_tumours",
            Finding => "finding",
        }
    }

    fn dimension(self) -> Dimension {
        use Quantity::*;
        match self {
            Bilirubin => Dimension::Bilirubin,
            Albumin => Dimension::Albumin,
            Inr => Dimension::Ratio,
            Platelets | Leukocytes | Granulocytes => Dimension::CellCount,
            Creatinine => Dimension::Creatinine,
            Gfr => Dimension::Gfr,
            Sodium => Dimension::Sodium,
            ChildPughPoints | AlbiScore | Meld | Ecog => Dimension::Number,
            TumourBurden => Dimension::Fraction,
            LifeExpectancy => Dimension::Months,
            DaysSinceSystemicTherapy | DaysSinceImaging => Dimension::Days,
            LiverDominantDisease
            | ExtrahepaticDisease
            | SecretorySyndromeUncontrolled
            | FailedEmbolicTherapy
            | PriorLiverRadiation
            | AntiAngiogenicTherapyActive
            | BilobarMultifocalDisease
            | InfiltrativeDisease
            | HypovascularTumours
            | BulkyTumours
            | Finding => Dimension::Flag,
        }
    }
}

impl Dimension {
    fn unit(self) -> &'static str {
        match self {
            Dimension::Bilirubin | Dimension::Creatinine => "mg/dL",
            Dimension::Albumin => "g/L",
            Dimension::Ratio | Dimension::Number | Dimension::Flag => "",
            Dimension::CellCount => "10^9/L",
            Dimension::Gfr => "mL/min",
            Dimension::Sodium => "mmol/L",
            Dimension::Fraction => "%",
            Dimension::Months => "months",
            Dimension::Days => "days",
        }
    }
}

/// The group a rule belongs to (a section of the report).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RuleGroup {
    /// Contraindications (absolute: fail; relative: warn).
    Contraindication,
    /// Indications of SIRT.
    Indication,
    /// NET recommendations (Lam et al., EJNMMI, Table 2 mNET).
    NetRecommendation,
    /// Northwestern selection criteria favouring SIRT (pass: present; info: absent).
    Northwestern,
}

impl RuleGroup {
    /// Section heading.
    pub fn heading(self) -> &'static str {
        match self {
            RuleGroup::Contraindication => "Contraindications",
            RuleGroup::Indication => "Indications",
            RuleGroup::NetRecommendation => "NET recommendations (Lam et al., Table 2 mNET)",
            RuleGroup::Northwestern => {
                "Northwestern selection criteria favouring SIRT (pass: present; info: absent)"
            }
        }
    }
}

/// One eligibility rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EligibilityRule {
    /// Unique id.
    pub id: String,
    /// Group.
    pub group: RuleGroup,
    /// Wording.
    pub title: String,
    /// French wording (`title_fr`); the English wording is printed in French when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_fr: Option<String>,
    /// Quantity compared.
    pub quantity: Quantity,
    /// Finding name when `quantity = "finding"`.
    pub finding: Option<String>,
    /// What must hold.
    pub comparison: Comparison,
    /// Threshold.
    pub threshold: Threshold,
    /// Status when violated.
    pub on_violation: Status,
    /// Tumour grades the rule applies to (empty: all).
    pub grade: Vec<NetGrade>,
    /// Citation.
    pub source: String,
    /// Evidence label.
    pub evidence: String,
    /// Shown with the result.
    pub note: Option<String>,
    /// File the rule came from.
    pub origin: String,
}

/// An eligibility rule as written in a rule file.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    id: String,
    group: Option<RuleGroup>,
    title: Option<String>,
    title_fr: Option<String>,
    quantity: Option<Quantity>,
    finding: Option<String>,
    comparison: Option<Comparison>,
    threshold: Option<String>,
    on_violation: Option<Status>,
    #[serde(default)]
    grade: Vec<NetGrade>,
    source: Option<String>,
    evidence: Option<String>,
    note: Option<String>,
    enabled: Option<bool>,
}

/// Days: d, days, weeks.
const DAY_UNITS: UnitTable = &[
    ("days", 1.0),
    ("day", 1.0),
    ("d", 1.0),
    ("weeks", 7.0),
    ("week", 7.0),
    ("wk", 7.0),
];
/// Months: months, years.
const MONTH_UNITS: UnitTable = &[
    ("months", 1.0),
    ("month", 1.0),
    ("years", 12.0),
    ("year", 12.0),
];

impl RuleQuantity for Quantity {
    fn key(self) -> &'static str {
        Quantity::key(self)
    }

    fn unit(self) -> &'static str {
        self.dimension().unit()
    }

    fn is_flag(self) -> bool {
        self.dimension() == Dimension::Flag
    }

    /// Reads a threshold in the dimension's report unit.
    fn parse_threshold(self, text: &str) -> Result<f64, String> {
        let err = |e: &dyn fmt::Display| e.to_string();
        Ok(match self.dimension() {
            Dimension::Bilirubin => text.parse::<Bilirubin>().map_err(|e| err(&e))?.mg_per_dl(),
            Dimension::Albumin => text.parse::<Albumin>().map_err(|e| err(&e))?.g_per_l(),
            Dimension::CellCount => text.parse::<CellCount>().map_err(|e| err(&e))?.per_nl(),
            Dimension::Creatinine => text.parse::<Creatinine>().map_err(|e| err(&e))?.mg_per_dl(),
            Dimension::Gfr => text.parse::<Gfr>().map_err(|e| err(&e))?.ml_per_min(),
            Dimension::Sodium => text.parse::<Sodium>().map_err(|e| err(&e))?.mmol_per_l(),
            Dimension::Fraction => text.parse::<Fraction>().map_err(|e| err(&e))?.percent(),
            Dimension::Ratio | Dimension::Number => text
                .trim()
                .parse::<f64>()
                .map_err(|_| "not a number".to_owned())?,
            Dimension::Months => {
                parse_with_units(text, MONTH_UNITS, "a duration", "3 months")
                    .map_err(|e| err(&e))?
                    .0
            }
            Dimension::Days => {
                parse_with_units(text, DAY_UNITS, "a duration", "4 weeks")
                    .map_err(|e| err(&e))?
                    .0
            }
            Dimension::Flag => return Err("write true or false".to_owned()),
        })
    }
}

/// The fields only eligibility rules have.
pub struct RawExtra {
    group: Option<RuleGroup>,
    title_fr: Option<String>,
    finding: Option<String>,
    grade: Vec<NetGrade>,
}

impl RuleRecord for EligibilityRule {
    type Quantity = Quantity;
    type Raw = RawRule;
    type RawExtra = RawExtra;
    const FILE_KIND: &'static str = "eligibility rule";
    const EMBEDDED_FILES: &'static [(&'static str, &'static str)] = &EMBEDDED_ELIGIBILITY_FILES;

    fn split(raw: RawRule) -> (RawCommon<Quantity>, RawExtra) {
        let common = RawCommon {
            id: raw.id,
            title: raw.title,
            quantity: raw.quantity,
            comparison: raw.comparison,
            threshold: raw.threshold,
            on_violation: raw.on_violation,
            source: raw.source,
            evidence: raw.evidence,
            note: raw.note,
            enabled: raw.enabled,
        };
        let extra = RawExtra {
            group: raw.group,
            title_fr: raw.title_fr,
            finding: raw.finding,
            grade: raw.grade,
        };
        (common, extra)
    }

    /// Adds group, grade filter and the finding name (given exactly for `quantity = "finding"`).
    fn build(c: Common<Quantity>, extra: RawExtra) -> Result<Self, InvalidField> {
        match (c.quantity, &extra.finding) {
            (Quantity::Finding, None) => return Err(InvalidField::missing("finding")),
            (Quantity::Finding, Some(_)) | (_, None) => {}
            (_, Some(f)) => {
                return Err(InvalidField {
                    field: "finding",
                    expected: "a finding name only with quantity = \"finding\"".to_owned(),
                    found: format!("\"{f}\""),
                });
            }
        }
        Ok(EligibilityRule {
            id: c.id,
            group: extra.group.ok_or_else(|| InvalidField::missing("group"))?,
            title: c.title,
            title_fr: extra.title_fr,
            quantity: c.quantity,
            finding: extra.finding,
            comparison: c.comparison,
            threshold: c.threshold,
            on_violation: c.on_violation,
            grade: extra.grade,
            source: c.source,
            evidence: c.evidence,
            note: c.note,
            origin: c.origin,
        })
    }

    fn id(&self) -> &str {
        &self.id
    }
}

/// An ordered set of eligibility rules with unique ids: the embedded ones (contraindications,
/// NET recommendations, Northwestern criteria) extended or overridden by site files.
pub type RuleSet = sirt_rules::engine::RuleSet<EligibilityRule>;

/// A score, or why it was not computed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Scored<T> {
    /// Computed.
    Computed {
        /// The result.
        value: T,
    },
    /// Not computed.
    NotEvaluated {
        /// Why.
        reason: String,
    },
}

impl<T> Scored<T> {
    /// The value, when computed.
    pub fn value(&self) -> Option<&T> {
        match self {
            Scored::Computed { value } => Some(value),
            Scored::NotEvaluated { .. } => None,
        }
    }
}

fn scored<T>(r: Result<T, String>) -> Scored<T> {
    match r {
        Ok(value) => Scored::Computed { value },
        Err(reason) => Scored::NotEvaluated { reason },
    }
}

/// Liver function scores at the assessment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scores {
    /// Child-Pugh.
    pub child_pugh: Scored<ChildPugh>,
    /// ALBI with the paper's coefficient (−0.085).
    pub albi: Scored<Albi>,
    /// MELD.
    pub meld: Scored<Meld>,
    /// MELD-Na.
    pub meld_na: Scored<u8>,
    /// MELD 3.0.
    pub meld3: Scored<Meld3>,
}

/// Tumour grade with its Ki-67 check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GradeInfo {
    /// Recorded grade.
    pub recorded: Option<NetGrade>,
    /// Ki-67.
    pub ki67: Option<Fraction>,
    /// WHO 2019 grade from Ki-67 alone.
    pub ki67_grade: Option<NetGrade>,
    /// Inconsistency note.
    pub note: Option<String>,
}

/// A laboratory value used by the assessment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LabUsed {
    /// Analyte.
    pub analyte: &'static str,
    /// Sampling date.
    pub date: Date,
    /// Value with its unit.
    pub value: String,
}

impl EligibilityCheck {
    /// The rule's wording in English and, when the rule file gives it, in French.
    pub fn title_text(&self) -> sirt_i18n::Text {
        sirt_i18n::Text::Given {
            en: self.title.clone(),
            fr: self.title_fr.clone(),
        }
    }
}

/// The result of one rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EligibilityCheck {
    /// Rule id.
    pub rule: String,
    /// Group.
    pub group: RuleGroup,
    /// Rule wording.
    pub title: String,
    /// The rule's French wording, when its file gives one (not in the JSON result, which keeps
    /// one language).
    #[serde(skip_serializing)]
    pub title_fr: Option<String>,
    /// Result.
    pub status: Status,
    /// The value compared (None when not evaluated or not applicable).
    pub value: Option<CheckValue>,
    /// The value as shown ("0.8 mg/dL", "yes", "none recorded").
    pub value_text: Option<String>,
    /// The comparison that must hold ("≤").
    pub comparison: String,
    /// The threshold in `unit`.
    pub threshold: CheckValue,
    /// Unit of value and threshold.
    pub unit: String,
    /// The threshold as written in the rule file.
    pub threshold_written: String,
    /// Citation.
    pub source: String,
    /// Evidence label.
    pub evidence: String,
    /// Note of the rule, or the reason it was not evaluated.
    pub note: Option<String>,
}

/// Counts of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Summary {
    /// Failed.
    pub fail: usize,
    /// Warnings.
    pub warn: usize,
    /// Informational.
    pub info: usize,
    /// Not evaluated.
    pub not_evaluated: usize,
    /// Passed.
    pub pass: usize,
}

/// The eligibility assessment of one patient.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assessment {
    /// Patient id.
    pub patient_id: String,
    /// The record's file name.
    pub file: String,
    /// Assessment date.
    pub assessment_date: Option<Date>,
    /// Tumour grade.
    pub grade: GradeInfo,
    /// Laboratory values used (latest on or before the assessment date).
    pub labs_used: Vec<LabUsed>,
    /// Liver function scores.
    pub scores: Scores,
    /// Results, in rule order.
    pub checks: Vec<EligibilityCheck>,
    /// Counts (Northwestern criteria excluded: they favour SIRT, they do not limit it).
    pub summary: Summary,
    /// Research-use notice.
    pub research_notice: &'static str,
}

/// What a rule is evaluated on.
enum Fact {
    Number(f64, String),
    Flag(bool),
    NotApplicable(String),
    Missing(String),
}

struct Facts<'a> {
    record: &'a PatientRecord,
    on: Option<Date>,
    scores: &'a Scores,
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl Facts<'_> {
    fn lab<T: Copy>(
        &self,
        name: &str,
        pick: impl Fn(&crate::record::LabSet) -> Option<T>,
        show: impl Fn(T) -> (f64, String),
    ) -> Fact {
        match latest(&self.record.labs, self.on, pick) {
            Some((_, v)) => {
                let (x, text) = show(v);
                Fact::Number(x, text)
            }
            None => Fact::Missing(format!("no {name} value{}", self.on_text())),
        }
    }

    fn on_text(&self) -> String {
        self.on
            .map(|d| format!(" on or before {d}"))
            .unwrap_or_default()
    }

    fn flag(&self, v: Option<bool>, what: &str) -> Fact {
        match v {
            Some(b) => Fact::Flag(b),
            None => Fact::Missing(format!("{what} not recorded")),
        }
    }

    fn days_to_assessment(&self, from: Date) -> Fact {
        match self.on {
            Some(on) => {
                let d = on
                    .since(from)
                    .map(|s| f64::from(s.get_days()))
                    .unwrap_or(0.0);
                Fact::Number(d, format!("{d} days (since {from})"))
            }
            None => Fact::Missing("no assessment date (patient.assessment_date)".to_owned()),
        }
    }

    fn fact(&self, rule: &EligibilityRule) -> Fact {
        let r = self.record;
        match rule.quantity {
            Quantity::Bilirubin => self.lab(
                "bilirubin",
                |l| l.bilirubin,
                |b| (b.value.mg_per_dl(), b.to_string()),
            ),
            Quantity::Albumin => {
                self.lab("albumin", |l| l.albumin, |a| (a.g_per_l(), a.to_string()))
            }
            Quantity::Inr => self.lab("INR", |l| l.inr, |i| (i.value(), format!("{i}"))),
            Quantity::Platelets => {
                self.lab("platelet", |l| l.platelets, |c| (c.per_nl(), c.to_string()))
            }
            Quantity::Leukocytes => self.lab(
                "leukocyte",
                |l| l.leukocytes,
                |c| (c.per_nl(), c.to_string()),
            ),
            Quantity::Granulocytes => self.lab(
                "granulocyte",
                |l| l.granulocytes,
                |c| (c.per_nl(), c.to_string()),
            ),
            Quantity::Creatinine => self.lab(
                "creatinine",
                |l| l.creatinine,
                |c| (c.mg_per_dl(), c.to_string()),
            ),
            Quantity::Gfr => self.lab("GFR", |l| l.gfr, |g| (g.ml_per_min(), g.to_string())),
            Quantity::Sodium => {
                self.lab("sodium", |l| l.sodium, |s| (s.mmol_per_l(), s.to_string()))
            }
            Quantity::ChildPughPoints => match &self.scores.child_pugh {
                Scored::Computed { value } => Fact::Number(
                    f64::from(value.total),
                    format!("{}{} ({} points)", value.class, value.total, value.total),
                ),
                Scored::NotEvaluated { reason } => Fact::Missing(format!("Child-Pugh: {reason}")),
            },
            Quantity::AlbiScore => match &self.scores.albi {
                Scored::Computed { value } => Fact::Number(
                    value.score,
                    format!("{:.2} (grade {})", value.score, value.grade),
                ),
                Scored::NotEvaluated { reason } => Fact::Missing(format!("ALBI: {reason}")),
            },
            Quantity::Meld => match &self.scores.meld {
                Scored::Computed { value } => {
                    Fact::Number(f64::from(value.score), value.score.to_string())
                }
                Scored::NotEvaluated { reason } => Fact::Missing(format!("MELD: {reason}")),
            },
            Quantity::Ecog => match r.clinical.ecog {
                Some(e) => Fact::Number(f64::from(e), format!("ECOG {e}")),
                None => Fact::Missing("ECOG not recorded".to_owned()),
            },
            Quantity::TumourBurden => match r.liver.tumour_burden {
                Some(f) => Fact::Number(f.percent(), format!("{:.1}", f)),
                None => Fact::Missing("hepatic tumour burden not recorded".to_owned()),
            },
            Quantity::LifeExpectancy => match r.clinical.life_expectancy_months {
                Some(m) => Fact::Number(m, format!("{m} months")),
                None => Fact::Missing("life expectancy not recorded".to_owned()),
            },
            Quantity::DaysSinceImaging => match r.clinical.imaging_date {
                Some(d) => self.days_to_assessment(d),
                None => Fact::Missing("date of the latest CT/MRI not recorded".to_owned()),
            },
            Quantity::DaysSinceSystemicTherapy => self.days_since_systemic(),
            Quantity::LiverDominantDisease => {
                match (r.extrahepatic.present, r.extrahepatic.liver_dominant) {
                    (_, Some(b)) => Fact::Flag(b),
                    (Some(false), None) => Fact::Flag(true),
                    _ => Fact::Missing(
                        "whether the disease is liver-only or liver-dominant is not recorded"
                            .to_owned(),
                    ),
                }
            }
            Quantity::ExtrahepaticDisease => {
                self.flag(r.extrahepatic.present, "extrahepatic disease")
            }
            Quantity::SecretorySyndromeUncontrolled => match r.tumour.secretory_syndrome {
                Some(s) => Fact::Flag(s == SecretorySyndrome::Uncontrolled),
                None => Fact::Missing("secretory syndrome not recorded".to_owned()),
            },
            Quantity::FailedEmbolicTherapy => self.failed_embolic(),
            Quantity::PriorLiverRadiation => self.prior_liver_radiation(),
            Quantity::AntiAngiogenicTherapyActive => self.anti_angiogenic(),
            Quantity::BilobarMultifocalDisease => {
                let bilobar = r
                    .liver
                    .distribution
                    .map(|d| d == crate::record::Distribution::Bilobar);
                match (bilobar, r.liver.multifocal) {
                    (Some(false), _) | (_, Some(false)) => Fact::Flag(false),
                    (Some(true), Some(true)) => Fact::Flag(true),
                    _ => {
                        Fact::Missing("liver distribution or multifocality not recorded".to_owned())
                    }
                }
            }
            Quantity::InfiltrativeDisease => {
                self.flag(r.liver.infiltrative, "infiltrative disease")
            }
            Quantity::HypovascularTumours => self.flag(r.liver.hypovascular, "tumour vascularity"),
            Quantity::BulkyTumours => self.flag(r.liver.bulky, "large, bulky tumours"),
            Quantity::Finding => {
                let name = rule.finding.as_deref().unwrap_or_default();
                match r.findings.get(name) {
                    Some(b) => Fact::Flag(*b),
                    None => Fact::Missing(format!("finding `{name}` not recorded")),
                }
            }
        }
    }

    fn days_since_systemic(&self) -> Fact {
        let Some(list) = &self.record.prior_treatments else {
            return Fact::Missing("earlier treatments not recorded (prior_treatments)".to_owned());
        };
        let systemic: Vec<_> = list
            .iter()
            .filter(|p| p.kind == PriorKind::Systemic)
            .collect();
        if systemic.is_empty() {
            return Fact::NotApplicable("no systemic therapy recorded".to_owned());
        }
        if systemic.iter().any(|p| p.ongoing == Some(true)) {
            return Fact::Number(0.0, "0 days (ongoing)".to_owned());
        }
        let mut last: Option<Date> = None;
        for p in &systemic {
            match p.end.or(p.start) {
                Some(d) => last = Some(last.map_or(d, |l| l.max(d))),
                None => {
                    return Fact::Missing(format!(
                        "systemic therapy{} without dates",
                        p.agent
                            .as_ref()
                            .map(|a| format!(" {a}"))
                            .unwrap_or_default()
                    ));
                }
            }
        }
        match last {
            Some(d) => self.days_to_assessment(d),
            None => Fact::NotApplicable("no systemic therapy recorded".to_owned()),
        }
    }

    fn failed_embolic(&self) -> Fact {
        let Some(list) = &self.record.prior_treatments else {
            return Fact::Missing("earlier treatments not recorded (prior_treatments)".to_owned());
        };
        let embolic: Vec<_> = list
            .iter()
            .filter(|p| matches!(p.kind, PriorKind::Tace | PriorKind::BlandEmbolization))
            .collect();
        if embolic
            .iter()
            .any(|p| p.outcome == Some(PriorOutcome::Progression))
        {
            return Fact::Flag(true);
        }
        if embolic
            .iter()
            .any(|p| matches!(p.outcome, None | Some(PriorOutcome::Unknown)))
        {
            return Fact::Missing(
                "outcome of an earlier TACE or embolisation not recorded".to_owned(),
            );
        }
        Fact::Flag(false)
    }

    fn prior_liver_radiation(&self) -> Fact {
        let Some(list) = &self.record.prior_treatments else {
            return Fact::Missing("earlier treatments not recorded (prior_treatments)".to_owned());
        };
        let ebrt: Vec<_> = list.iter().filter(|p| p.kind == PriorKind::Ebrt).collect();
        if ebrt.iter().any(|p| p.liver_in_field == Some(true)) {
            return Fact::Flag(true);
        }
        if ebrt.iter().any(|p| p.liver_in_field.is_none()) {
            return Fact::Missing("earlier EBRT without `liver_in_field`".to_owned());
        }
        Fact::Flag(false)
    }

    fn anti_angiogenic(&self) -> Fact {
        let Some(list) = &self.record.prior_treatments else {
            return Fact::Missing("earlier treatments not recorded (prior_treatments)".to_owned());
        };
        let mut unknown = false;
        for p in list.iter().filter(|p| p.kind == PriorKind::Systemic) {
            let active = p.ongoing == Some(true) || (p.end.is_none() && p.ongoing.is_none());
            match (active, p.anti_angiogenic) {
                (true, Some(true)) => return Fact::Flag(true),
                (true, None) => unknown = true,
                _ => {}
            }
        }
        if unknown {
            Fact::Missing(
                "a current systemic therapy without `anti_angiogenic` (or without an end date)"
                    .to_owned(),
            )
        } else {
            Fact::Flag(false)
        }
    }
}

fn compute_scores(record: &PatientRecord, on: Option<Date>) -> Scores {
    let labs = &record.labs;
    let bili = latest(labs, on, |l| l.bilirubin).map(|x| x.1);
    let alb = latest(labs, on, |l| l.albumin).map(|x| x.1);
    let inr = latest(labs, on, |l| l.inr).map(|x| x.1);
    let cr = latest(labs, on, |l| l.creatinine).map(|x| x.1);
    let na = latest(labs, on, |l| l.sodium).map(|x| x.1);
    let c = &record.clinical;
    let need = |items: &[(&str, bool)]| -> String {
        let missing: Vec<&str> = items
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(n, _)| *n)
            .collect();
        format!("missing {}", missing.join(", "))
    };
    let child_pugh = scored(match (bili, alb, inr, c.ascites, c.encephalopathy) {
        (Some(bilirubin), Some(albumin), Some(inr), Some(ascites), Some(encephalopathy)) => {
            Ok(scores::child_pugh(&ChildPughInputs {
                bilirubin,
                albumin,
                inr,
                ascites,
                encephalopathy,
            }))
        }
        _ => Err(need(&[
            ("bilirubin", bili.is_some()),
            ("albumin", alb.is_some()),
            ("INR", inr.is_some()),
            ("ascites", c.ascites.is_some()),
            ("encephalopathy", c.encephalopathy.is_some()),
        ])),
    });
    let albi = scored(match (bili, alb) {
        (Some(b), Some(a)) => scores::albi(b.value, a, AlbiCoefficient::Johnson2015)
            .ok_or_else(|| "bilirubin of 0 has no logarithm".to_owned()),
        _ => Err(need(&[
            ("bilirubin", bili.is_some()),
            ("albumin", alb.is_some()),
        ])),
    });
    let inputs = match (cr, bili, inr, c.dialysis) {
        (Some(creatinine), Some(b), Some(inr), Some(dialysis)) => Ok(MeldInputs {
            creatinine,
            bilirubin: b.value,
            inr,
            dialysis,
        }),
        _ => Err(need(&[
            ("creatinine", cr.is_some()),
            ("bilirubin", bili.is_some()),
            ("INR", inr.is_some()),
            ("dialysis status", c.dialysis.is_some()),
        ])),
    };
    let meld = inputs.as_ref().map(scores::meld).map_err(Clone::clone);
    let meld_na = match (&meld, na) {
        (Ok(m), Some(s)) => Ok(scores::meld_na(m, s)),
        (Err(e), _) => Err(e.clone()),
        (_, None) => Err("missing sodium".to_owned()),
    };
    let female = record.patient.sex.map(|s| s == crate::record::Sex::Female);
    let meld3 = match (&inputs, na, alb, female) {
        (Ok(i), Some(s), Some(a), Some(f)) => Ok(scores::meld3(i, s, a, f)),
        (Err(e), _, _, _) => Err(e.clone()),
        _ => Err(need(&[
            ("sodium", na.is_some()),
            ("albumin", alb.is_some()),
            ("sex", female.is_some()),
        ])),
    };
    Scores {
        child_pugh,
        albi,
        meld: scored(meld),
        meld_na: scored(meld_na),
        meld3: scored(meld3),
    }
}

fn grade_info(record: &PatientRecord) -> GradeInfo {
    let recorded = record.tumour.grade;
    let ki67 = record.tumour.ki67;
    let ki67_grade = ki67.map(who2019_grade_from_ki67);
    let note = match (recorded, ki67_grade) {
        (Some(NetGrade::Nec), _) => None,
        (Some(r), Some(k)) if r < k => Some(format!(
            "recorded grade {} is lower than the WHO 2019 grade from Ki-67 ({}); the WHO grade \
             is the higher of the Ki-67 and mitotic-count grades",
            r.label(),
            k.label()
        )),
        (None, Some(k)) => Some(format!(
            "grade not recorded; Ki-67 alone gives {}",
            k.label()
        )),
        _ => None,
    };
    GradeInfo {
        recorded,
        ki67,
        ki67_grade,
        note,
    }
}

fn labs_used(record: &PatientRecord, on: Option<Date>) -> Vec<LabUsed> {
    let labs = &record.labs;
    let mut out = Vec::new();
    let mut push = |analyte: &'static str, v: Option<(Date, String)>| {
        if let Some((date, value)) = v {
            out.push(LabUsed {
                analyte,
                date,
                value,
            });
        }
    };
    push(
        "bilirubin",
        latest(labs, on, |l| l.bilirubin).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "albumin",
        latest(labs, on, |l| l.albumin).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "INR",
        latest(labs, on, |l| l.inr).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "platelets",
        latest(labs, on, |l| l.platelets).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "leukocytes",
        latest(labs, on, |l| l.leukocytes).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "granulocytes",
        latest(labs, on, |l| l.granulocytes).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "creatinine",
        latest(labs, on, |l| l.creatinine).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "sodium",
        latest(labs, on, |l| l.sodium).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "GFR",
        latest(labs, on, |l| l.gfr).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "AST",
        latest(labs, on, |l| l.ast).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "ALT",
        latest(labs, on, |l| l.alt).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "ALP",
        latest(labs, on, |l| l.alp).map(|(d, v)| (d, v.to_string())),
    );
    push(
        "GGT",
        latest(labs, on, |l| l.ggt).map(|(d, v)| (d, v.to_string())),
    );
    out
}

/// The research-use notice (one wording for every output: `sirt_units::RESEARCH_NOTICE`).
pub use sirt_units::RESEARCH_NOTICE;

/// Evaluates every applicable rule on the record: the labs are the latest on or before the
/// assessment date (any date when the record has none).
pub fn assess_eligibility(record: &PatientRecord, rules: &RuleSet) -> Assessment {
    let on = record.patient.assessment_date;
    let scores = compute_scores(record, on);
    let facts = Facts {
        record,
        on,
        scores: &scores,
    };
    let mut checks = Vec::new();
    for rule in rules.rules() {
        let dim = rule.quantity.dimension();
        let grade_filter = if rule.grade.is_empty() {
            None
        } else {
            match record.tumour.grade {
                Some(g) if rule.grade.contains(&g) => None,
                Some(_) => continue,
                None => Some(format!(
                    "tumour grade not recorded; the rule applies to {}",
                    rule.grade
                        .iter()
                        .map(|g| g.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        };
        let fact = match grade_filter {
            Some(reason) => Fact::Missing(reason),
            None => facts.fact(rule),
        };
        let (status, value, value_text, note) = match fact {
            Fact::Number(x, text) => {
                let ok = rule
                    .comparison
                    .holds(signif15(x), signif15(rule.threshold.value));
                let status = if ok { Status::Pass } else { rule.on_violation };
                (
                    status,
                    Some(CheckValue::Number(x)),
                    Some(text),
                    rule.note.clone(),
                )
            }
            Fact::Flag(b) => {
                let ok = rule
                    .comparison
                    .holds(f64::from(u8::from(b)), rule.threshold.value);
                let status = if ok { Status::Pass } else { rule.on_violation };
                (
                    status,
                    Some(CheckValue::Flag(b)),
                    Some(yes_no(b).to_owned()),
                    rule.note.clone(),
                )
            }
            Fact::NotApplicable(reason) => (Status::Pass, None, Some(reason), rule.note.clone()),
            Fact::Missing(reason) => (Status::NotEvaluated, None, None, Some(reason)),
        };
        checks.push(EligibilityCheck {
            rule: rule.id.clone(),
            group: rule.group,
            title: rule.title.clone(),
            title_fr: rule.title_fr.clone(),
            status,
            value,
            value_text,
            comparison: rule.comparison.symbol().to_owned(),
            threshold: rule.threshold.check_value(dim == Dimension::Flag),
            unit: dim.unit().to_owned(),
            threshold_written: rule.threshold.written.clone(),
            source: rule.source.clone(),
            evidence: rule.evidence.clone(),
            note,
        });
    }
    let mut summary = Summary::default();
    for c in checks.iter().filter(|c| c.group != RuleGroup::Northwestern) {
        match c.status {
            Status::Fail => summary.fail += 1,
            Status::Warn => summary.warn += 1,
            Status::Info => summary.info += 1,
            Status::NotEvaluated => summary.not_evaluated += 1,
            Status::Pass => summary.pass += 1,
        }
    }
    Assessment {
        patient_id: record.patient.id.clone(),
        file: record.file.clone(),
        assessment_date: on,
        grade: grade_info(record),
        labs_used: labs_used(record, on),
        scores,
        checks,
        summary,
        research_notice: RESEARCH_NOTICE,
    }
}
