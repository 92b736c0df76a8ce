//! Facts of a plan, the rule set, and the evaluation of one against the other.

use crate::engine::{RuleQuantity, RuleSet};
use crate::rule::{Basis, Quantity, Rule, Scope, Status};
use sirt_units::{AbsorbedDose, Activity, Bilirubin, Fraction, Volume};

/// The embedded rule files, in evaluation order.
pub const EMBEDDED_RULE_FILES: [(&str, &str); 4] = [
    (
        "data/rules/safety.toml",
        include_str!("../../../data/rules/safety.toml"),
    ),
    (
        "data/rules/net-glass.toml",
        include_str!("../../../data/rules/net-glass.toml"),
    ),
    (
        "data/rules/ho166-eanm2022.toml",
        include_str!("../../../data/rules/ho166-eanm2022.toml"),
    ),
    (
        "data/rules/hcc.toml",
        include_str!("../../../data/rules/hcc.toml"),
    ),
];

/// What the rules are evaluated on: numbers and labels of a plan, nothing else.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    /// The dosimetry basis of the doses (planning: MAA-predicted).
    pub basis: Option<Basis>,
    /// Indication ("NET", "HCC", "mCRC", "ICC", ...).
    pub indication: Option<String>,
    /// Tumour grade ("G1", "G2", "G3", "NEC").
    pub grade: Option<String>,
    /// Tumour volume / whole liver volume.
    pub tumour_burden: Option<Fraction>,
    /// Serum bilirubin, when labs are given.
    pub bilirubin: Option<Bilirubin>,
    /// Tumours of the patient with their volume.
    pub tumours: Vec<(String, Option<Volume>)>,
    /// Sessions, in order.
    pub sessions: Vec<SessionFacts>,
}

/// One session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionFacts {
    /// Session id.
    pub id: String,
    /// "unilobar" or "bilobar".
    pub extent: String,
    /// Whole-liver normal-tissue absorbed dose.
    pub whole_liver_ntad: Option<AbsorbedDose>,
    /// Lung dose of the session.
    pub lung_dose: Option<AbsorbedDose>,
    /// Cumulative lung dose.
    pub cumulative_lung_dose: Option<AbsorbedDose>,
    /// Whether some injection is not planned with the partition model.
    pub any_without_mcd: bool,
    /// Tumours treated in the session and their whole-tumour mean dose.
    pub tumours: Vec<(String, Option<AbsorbedDose>)>,
    /// Injections.
    pub injections: Vec<InjectionFacts>,
}

/// One injection.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectionFacts {
    /// Injection id.
    pub id: String,
    /// Device material ("glass", "resin", ...).
    pub device_material: String,
    /// Nuclide symbol ("Y-90").
    pub nuclide: String,
    /// Method ("mird", "partition", "bsa", "ho166").
    pub method: String,
    /// Territory kind ("whole-liver", "lobar", "segmental").
    pub territory: String,
    /// Perfused-volume dose (None when no activity was planned).
    pub perfused_dose: Option<AbsorbedDose>,
    /// Perfused normal-liver dose.
    pub normal_liver_dose: Option<AbsorbedDose>,
    /// Activity to the lungs.
    pub lung_activity: Option<Activity>,
    /// LSF.
    pub lsf: Fraction,
    /// |ordered vial activity at the planned instant − required| / required, when ordered.
    pub vial_deviation: Option<f64>,
    /// Why doses are missing (e.g. "contraindicated: LSF above 20 %").
    pub missing_reason: Option<String>,
}

/// A value compared by a rule.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum CheckValue {
    /// A number in the rule's unit.
    Number(f64),
    /// A yes/no fact.
    Flag(bool),
}

/// The result of one rule on one subject.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Check {
    /// Rule id.
    pub rule: String,
    /// Rule wording.
    pub title: String,
    /// What was checked ("patient", "session 1", "injection R", "injection R, tumour T1").
    pub subject: String,
    /// Result.
    pub status: Status,
    /// The value (None when not evaluated).
    pub value: Option<CheckValue>,
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

impl RuleSet<Rule> {
    /// Evaluates every applicable rule on every subject of its scope.
    pub fn evaluate(&self, facts: &Facts) -> Vec<Check> {
        let mut out = Vec::new();
        for rule in self.rules() {
            evaluate_rule(rule, facts, &mut out);
        }
        out
    }
}

fn matches(filter: &[String], value: Option<&str>) -> bool {
    filter.is_empty() || value.is_some_and(|v| filter.iter().any(|f| f.eq_ignore_ascii_case(v)))
}

fn injection_matches(rule: &Rule, i: &InjectionFacts) -> bool {
    matches(&rule.device_material, Some(&i.device_material))
        && matches(&rule.nuclide, Some(&i.nuclide))
        && matches(&rule.method, Some(&i.method))
        && matches(&rule.territory, Some(&i.territory))
}

fn evaluate_rule(rule: &Rule, facts: &Facts, out: &mut Vec<Check>) {
    if let (Some(rb), Some(fb)) = (rule.basis, facts.basis)
        && rb != fb
    {
        return;
    }
    if !matches(&rule.indication, facts.indication.as_deref())
        || !matches(&rule.grade, facts.grade.as_deref())
    {
        return;
    }
    match rule.quantity.scope() {
        Scope::Patient => patient_checks(rule, facts, out),
        Scope::Tumour => tumour_checks(rule, facts, out),
        Scope::Session => session_checks(rule, facts, out),
        Scope::SessionTumour => session_tumour_checks(rule, facts, out),
        Scope::Injection => injection_checks(rule, facts, out),
    }
}

/// The result of `rule` on one subject: the value compared, or why there is none.
fn check(rule: &Rule, subject: String, value: Result<CheckValue, String>) -> Check {
    let (status, value, note) = match value {
        Ok(v) => {
            let x = match v {
                CheckValue::Number(x) => x,
                CheckValue::Flag(b) => f64::from(u8::from(b)),
            };
            let status = if rule.comparison.holds(x, rule.threshold.value) {
                Status::Pass
            } else {
                rule.on_violation
            };
            (status, Some(v), rule.note.clone())
        }
        Err(reason) => (Status::NotEvaluated, None, Some(reason)),
    };
    Check {
        rule: rule.id.clone(),
        title: rule.title.clone(),
        subject,
        status,
        value,
        comparison: rule.comparison.symbol().to_owned(),
        threshold: rule.threshold.check_value(rule.quantity.is_flag()),
        unit: rule.quantity.unit().to_owned(),
        threshold_written: rule.threshold.written.clone(),
        source: rule.source.clone(),
        evidence: rule.evidence.clone(),
        note,
    }
}

/// A number, or the reason it is missing.
fn num(x: Option<f64>, reason: &str) -> Result<CheckValue, String> {
    x.map(CheckValue::Number).ok_or_else(|| reason.to_owned())
}

/// Whether a patient- or tumour-level rule applies: some injection matches its filters and it
/// has no session-extent filter.
fn applies_to_patient(rule: &Rule, facts: &Facts) -> bool {
    rule.session_extent.is_empty()
        && facts
            .sessions
            .iter()
            .flat_map(|s| s.injections.iter())
            .any(|i| injection_matches(rule, i))
}

/// Whether a session-level rule applies to a session: extent and some injection match.
fn applies_to_session(rule: &Rule, s: &SessionFacts) -> bool {
    matches(&rule.session_extent, Some(&s.extent))
        && s.injections.iter().any(|i| injection_matches(rule, i))
}

fn patient_checks(rule: &Rule, facts: &Facts, out: &mut Vec<Check>) {
    if !applies_to_patient(rule, facts) {
        return;
    }
    let value = match rule.quantity {
        Quantity::TumourBurden => num(
            facts.tumour_burden.map(Fraction::percent),
            "tumour burden unknown (no tumour or liver volume)",
        ),
        Quantity::Bilirubin => num(
            facts.bilirubin.map(Bilirubin::mg_per_dl),
            "no bilirubin value in the case labs",
        ),
        _ => return,
    };
    out.push(check(rule, "patient".to_owned(), value));
}

fn tumour_checks(rule: &Rule, facts: &Facts, out: &mut Vec<Check>) {
    if !applies_to_patient(rule, facts) {
        return;
    }
    for (id, volume) in &facts.tumours {
        out.push(check(
            rule,
            format!("tumour {id}"),
            num(volume.map(Volume::ml), "tumour volume unknown (mass given)"),
        ));
    }
}

fn session_checks(rule: &Rule, facts: &Facts, out: &mut Vec<Check>) {
    for s in facts
        .sessions
        .iter()
        .filter(|s| applies_to_session(rule, s))
    {
        let reason = "no activity planned in the session";
        let bilobar = s.extent == "bilobar";
        let value = match rule.quantity {
            Quantity::WholeLiverNtad => num(s.whole_liver_ntad.map(AbsorbedDose::gy), reason),
            Quantity::LungDoseSession => num(s.lung_dose.map(AbsorbedDose::gy), reason),
            Quantity::LungDoseCumulative => {
                num(s.cumulative_lung_dose.map(AbsorbedDose::gy), reason)
            }
            Quantity::SingleSessionBilobar => Ok(CheckValue::Flag(bilobar)),
            Quantity::SingleSessionBilobarWithoutMcd => {
                Ok(CheckValue::Flag(bilobar && s.any_without_mcd))
            }
            _ => return,
        };
        out.push(check(rule, format!("session {}", s.id), value));
    }
}

fn session_tumour_checks(rule: &Rule, facts: &Facts, out: &mut Vec<Check>) {
    for s in facts
        .sessions
        .iter()
        .filter(|s| applies_to_session(rule, s))
    {
        for (t, d) in &s.tumours {
            out.push(check(
                rule,
                format!("session {}, tumour {t}", s.id),
                num(
                    d.map(AbsorbedDose::gy),
                    "no activity planned for this tumour",
                ),
            ));
        }
    }
}

fn injection_checks(rule: &Rule, facts: &Facts, out: &mut Vec<Check>) {
    for s in &facts.sessions {
        if !matches(&rule.session_extent, Some(&s.extent)) {
            continue;
        }
        for i in s.injections.iter().filter(|i| injection_matches(rule, i)) {
            let reason = i
                .missing_reason
                .clone()
                .unwrap_or_else(|| "no activity planned".to_owned());
            let reason = reason.as_str();
            let value = match rule.quantity {
                Quantity::PerfusedDose => num(i.perfused_dose.map(AbsorbedDose::gy), reason),
                Quantity::PerfusedNormalLiverDose => {
                    num(i.normal_liver_dose.map(AbsorbedDose::gy), reason)
                }
                Quantity::LungActivity => num(i.lung_activity.map(Activity::gbq), reason),
                Quantity::Lsf => Ok(CheckValue::Number(i.lsf.percent())),
                Quantity::VialDeviation => num(i.vial_deviation.map(|d| d * 100.0), reason),
                _ => continue,
            };
            out.push(check(rule, format!("injection {}", i.id), value));
        }
    }
}
