//! Facts of a plan, the rule set, and the evaluation of one against the other.

use crate::engine::{RuleQuantity, RuleSet};
use crate::rule::{CheckBasis, Quantity, Rule, Scope, Status};
use sirt_i18n::{Arg, Text};
use sirt_units::{AbsorbedDose, Activity, Bilirubin, Fraction, Volume};

/// The embedded rule files, in evaluation order.
pub const EMBEDDED_RULE_FILES: [(&str, &str); 6] = [
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
    (
        "data/rules/delivered.toml",
        include_str!("../../../data/rules/delivered.toml"),
    ),
    (
        "data/rules/retreatment.toml",
        include_str!("../../../data/rules/retreatment.toml"),
    ),
];

/// What the rules are evaluated on: numbers and labels of a plan from one basis (the
/// partition model, the voxel dosimetry, or the delivered values), nothing else.
///
/// A plan is checked once per basis it has: the partition facts always, the voxel facts when
/// the case has images, the delivered facts when it has delivery records or a Y-90 PET. On the
/// voxel and delivered bases, a value that is missing gives no check (the partition check
/// covers it); on the partition basis it gives `not_evaluated` with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// Where the values come from: every check carries it.
    pub check_basis: CheckBasis,
    /// How the values were obtained, in words ("partition model at the ordered vials",
    /// "MAA SPECT voxel dosimetry, kernel"): carried by every check.
    pub values_from: Text,
    /// The site's event-definition profile ("us-nrc", "eanm"); `None`: rules with a profile
    /// filter do not apply.
    pub profile: Option<String>,
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
    /// Whether the case records an earlier PRRT.
    pub earlier_prrt: bool,
    /// The earlier PRRT as recorded (date, activity, cycles, doses): shown with its check.
    pub earlier_prrt_detail: Option<Text>,
    /// Sessions, in order.
    pub sessions: Vec<SessionFacts>,
}

impl Default for Facts {
    /// The partition basis, values from nowhere in particular (an empty text), no patient
    /// values, no sessions.
    fn default() -> Self {
        Facts {
            check_basis: CheckBasis::default(),
            values_from: Text::verbatim(""),
            profile: None,
            indication: None,
            grade: None,
            tumour_burden: None,
            bilirubin: None,
            tumours: Vec::new(),
            earlier_prrt: false,
            earlier_prrt_detail: None,
            sessions: Vec::new(),
        }
    }
}

/// One session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionFacts {
    /// Session id.
    pub id: String,
    /// "unilobar" or "bilobar".
    pub extent: String,
    /// Whole-liver normal-tissue absorbed dose.
    pub whole_liver_ntad: Option<AbsorbedDose>,
    /// Why the whole-liver NTAD is not evaluable, when it is not (e.g. a MIRD injection without
    /// tumours counts tumour tissue as normal liver).
    pub ntad_not_evaluable: Option<Text>,
    /// Lung dose of the session with the lung mass used.
    pub lung_dose: Option<AbsorbedDose>,
    /// Cumulative lung dose with the lung mass used.
    pub cumulative_lung_dose: Option<AbsorbedDose>,
    /// Whether the lung mass used is the 1 kg convention (then `lung_dose` equals the 1 kg dose
    /// and is not checked twice).
    pub lung_mass_is_convention: bool,
    /// Lung dose in the 1 kg convention, K · A · LSF / 1 kg.
    pub lung_dose_1kg: Option<AbsorbedDose>,
    /// Cumulative lung dose in the 1 kg convention.
    pub cumulative_lung_dose_1kg: Option<AbsorbedDose>,
    /// How the lung doses were obtained (mass and its basis, LSF and its method): shown with
    /// the lung checks.
    pub lung_detail: Option<Text>,
    /// Whether some injection is not planned with the partition model.
    pub any_without_mcd: bool,
    /// Tumours treated in the session and their whole-tumour mean dose.
    pub tumours: Vec<(String, Option<AbsorbedDose>)>,
    /// Segmented extrahepatic structures and their share of the administered activity.
    pub extrahepatic: Vec<(String, Fraction)>,
    /// Share of the MAA SPECT counts left out of the map (voxel basis).
    pub excluded_counts: Option<Fraction>,
    /// Whether the session is a retreatment: an earlier SIRT in the case, or an earlier
    /// session of the plan treating a lobe this one treats.
    pub earlier_sirt: bool,
    /// What makes it a retreatment (the earlier SIRT, the overlapping sessions): shown with
    /// its check.
    pub earlier_sirt_detail: Option<Text>,
    /// Whether the imaging the session is planned on is older than the site's limit at the
    /// treatment instant (None: no imaging date known).
    pub imaging_age_over_limit: Option<bool>,
    /// The dates, the age and the limit compared, or why there is no imaging date: shown with
    /// the check.
    pub imaging_detail: Option<Text>,
    /// Injections.
    pub injections: Vec<InjectionFacts>,
}

/// One injection.
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// Treatment intent ("whole-liver", "lobar", "segmentectomy", "lobectomy").
    pub intent: String,
    /// Perfused-volume dose (None when no activity was planned).
    pub perfused_dose: Option<AbsorbedDose>,
    /// Perfused normal-liver dose.
    pub normal_liver_dose: Option<AbsorbedDose>,
    /// Activity to the lungs.
    pub lung_activity: Option<Activity>,
    /// LSF (None on bases that do not restate it).
    pub lsf: Option<Fraction>,
    /// |ordered vial activity at the planned instant − required| / required, when ordered.
    pub vial_deviation: Option<f64>,
    /// |delivered / prescribed − 1|, with a delivery record.
    pub delivered_activity_deviation: Option<f64>,
    /// Measured residual fraction − planned residual fraction, with a delivery record.
    pub residual_excess: Option<f64>,
    /// Why doses are missing (e.g. "contraindicated: LSF above 20 %").
    pub missing_reason: Option<Text>,
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
    /// Rule wording, in English and, when the rule file gives it, in French.
    pub title: Text,
    /// What was checked ("patient", "session 1", "injection R", "injection R, tumour T1").
    pub subject: String,
    /// Where the value comes from: partition model, voxel dosimetry or delivered.
    pub basis: CheckBasis,
    /// How the value was obtained, in words (e.g. "partition model at the ordered vials").
    pub values_from: Text,
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
    pub note: Option<Text>,
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

/// A rule's value on one subject: `None` when the rule does not apply to it (no check),
/// `Some(Err(reason))` when it applies but the value is missing.
type Value = Option<Result<CheckValue, Text>>;

fn matches(filter: &[String], value: Option<&str>) -> bool {
    filter.is_empty() || value.is_some_and(|v| filter.iter().any(|f| f.eq_ignore_ascii_case(v)))
}

fn injection_matches(rule: &Rule, i: &InjectionFacts) -> bool {
    matches(&rule.device_material, Some(&i.device_material))
        && matches(&rule.nuclide, Some(&i.nuclide))
        && matches(&rule.method, Some(&i.method))
        && matches(&rule.territory, Some(&i.territory))
        && matches(&rule.intent, Some(&i.intent))
}

/// Whether the rule is checked on the values of this basis: its `basis` covers it; a rule
/// without a basis is checked on the partition values only.
fn basis_applies(rule: &Rule, facts: &Facts) -> bool {
    match rule.basis {
        Some(b) => b.covers(facts.check_basis),
        None => facts.check_basis == CheckBasis::Partition,
    }
}

fn evaluate_rule(rule: &Rule, facts: &Facts, out: &mut Vec<Check>) {
    if !basis_applies(rule, facts)
        || !matches(&rule.indication, facts.indication.as_deref())
        || !matches(&rule.grade, facts.grade.as_deref())
        || !matches(&rule.profile, facts.profile.as_deref())
    {
        return;
    }
    let mut ctx = Ctx { rule, facts, out };
    match rule.quantity.scope() {
        Scope::Patient => ctx.patient_checks(),
        Scope::Tumour => ctx.tumour_checks(),
        Scope::Session => ctx.session_checks(),
        Scope::SessionTumour => ctx.session_tumour_checks(),
        Scope::SessionStructure => ctx.session_structure_checks(),
        Scope::Injection => ctx.injection_checks(),
    }
}

/// One rule being evaluated on one set of facts, and the checks made so far.
struct Ctx<'a> {
    rule: &'a Rule,
    facts: &'a Facts,
    out: &'a mut Vec<Check>,
}

impl Ctx<'_> {
    /// A number, or the reason it is missing; on the voxel and delivered bases a missing value
    /// gives no check.
    fn num(&self, x: Option<f64>, reason: Text) -> Value {
        match x {
            Some(x) => Some(Ok(CheckValue::Number(x))),
            None if self.facts.check_basis == CheckBasis::Partition => Some(Err(reason)),
            None => None,
        }
    }

    /// Adds the result of the rule on `subject`, when it applies.
    fn push(&mut self, subject: String, value: Value, detail: Option<&Text>) {
        if let Some(value) = value {
            let mut c = check(self.rule, subject, value, self.facts);
            if let Some(d) = detail {
                c.note = Some(match c.note {
                    Some(n) => Text::with(
                        "check-detail-and-note",
                        vec![("detail", Arg::from(d.clone())), ("note", Arg::from(n))],
                    ),
                    None => d.clone(),
                });
            }
            self.out.push(c);
        }
    }

    fn patient_checks(&mut self) {
        if !applies_to_patient(self.rule, self.facts) {
            return;
        }
        let f = self.facts;
        let value = match self.rule.quantity {
            Quantity::TumourBurden => self.num(
                f.tumour_burden.map(Fraction::percent),
                Text::msg("check-reason-tumour-burden-unknown"),
            ),
            Quantity::Bilirubin => self.num(
                f.bilirubin.map(Bilirubin::mg_per_dl),
                Text::msg("check-reason-no-bilirubin"),
            ),
            Quantity::EarlierPrrt => {
                let value = Some(Ok(CheckValue::Flag(f.earlier_prrt)));
                self.push("patient".to_owned(), value, f.earlier_prrt_detail.as_ref());
                return;
            }
            _ => return,
        };
        self.push("patient".to_owned(), value, None);
    }

    fn tumour_checks(&mut self) {
        if !applies_to_patient(self.rule, self.facts) {
            return;
        }
        for (id, volume) in &self.facts.tumours {
            let value = self.num(
                volume.map(Volume::ml),
                Text::msg("check-reason-tumour-volume-unknown"),
            );
            self.push(format!("tumour {id}"), value, None);
        }
    }

    fn session_checks(&mut self) {
        let facts = self.facts;
        for s in facts
            .sessions
            .iter()
            .filter(|s| applies_to_session(self.rule, s))
        {
            let (value, lung) = self.session_value(s);
            let detail = match self.rule.quantity {
                Quantity::EarlierSirt => s.earlier_sirt_detail.as_ref(),
                Quantity::ImagingAgeOverSiteLimit => s.imaging_detail.as_ref(),
                _ if lung => s.lung_detail.as_ref(),
                _ => None,
            };
            self.push(format!("session {}", s.id), value, detail);
        }
    }

    /// The rule's value on a session, and whether it is a lung dose.
    fn session_value(&self, s: &SessionFacts) -> (Value, bool) {
        let reason = || Text::msg("check-reason-no-activity-in-session");
        let gy = |d: Option<AbsorbedDose>| d.map(AbsorbedDose::gy);
        let bilobar = s.extent == "bilobar";
        match self.rule.quantity {
            Quantity::WholeLiverNtad => match &s.ntad_not_evaluable {
                Some(why) => (
                    Some(Err(Text::with(
                        "check-reason-not-evaluable",
                        vec![("why", Arg::from(why.clone()))],
                    ))),
                    false,
                ),
                None => (self.num(gy(s.whole_liver_ntad), reason()), false),
            },
            Quantity::LungDoseSession1kg => (self.num(gy(s.lung_dose_1kg), reason()), true),
            Quantity::LungDoseCumulative1kg => {
                (self.num(gy(s.cumulative_lung_dose_1kg), reason()), true)
            }
            Quantity::LungDoseSession | Quantity::LungDoseCumulative
                if s.lung_mass_is_convention =>
            {
                (None, true)
            }
            Quantity::LungDoseSession => (self.num(gy(s.lung_dose), reason()), true),
            Quantity::LungDoseCumulative => (self.num(gy(s.cumulative_lung_dose), reason()), true),
            Quantity::ExcludedCountsFraction => (
                self.num(
                    s.excluded_counts.map(Fraction::percent),
                    Text::msg("check-reason-no-maa-accounting"),
                ),
                false,
            ),
            Quantity::SingleSessionBilobar => (Some(Ok(CheckValue::Flag(bilobar))), false),
            Quantity::SingleSessionBilobarWithoutMcd => (
                Some(Ok(CheckValue::Flag(bilobar && s.any_without_mcd))),
                false,
            ),
            Quantity::EarlierSirt => (Some(Ok(CheckValue::Flag(s.earlier_sirt))), false),
            Quantity::ImagingAgeOverSiteLimit => (self.imaging_value(s), false),
            _ => (None, false),
        }
    }

    /// Whether the session's imaging is older than the site's limit; without an imaging date,
    /// not evaluated with the reason (the detail then says why; it is not repeated).
    fn imaging_value(&self, s: &SessionFacts) -> Value {
        match s.imaging_age_over_limit {
            Some(over) => Some(Ok(CheckValue::Flag(over))),
            None => self.num(None, Text::msg("check-reason-no-imaging-date")),
        }
    }

    fn session_tumour_checks(&mut self) {
        let facts = self.facts;
        for s in facts
            .sessions
            .iter()
            .filter(|s| applies_to_session(self.rule, s))
        {
            for (t, d) in &s.tumours {
                let value = self.num(
                    d.map(AbsorbedDose::gy),
                    Text::msg("check-reason-no-activity-for-tumour"),
                );
                self.push(format!("session {}, tumour {t}", s.id), value, None);
            }
        }
    }

    fn session_structure_checks(&mut self) {
        let facts = self.facts;
        for s in facts
            .sessions
            .iter()
            .filter(|s| applies_to_session(self.rule, s))
        {
            for (name, share) in &s.extrahepatic {
                let value = match self.rule.quantity {
                    Quantity::ExtrahepaticFraction => Some(Ok(CheckValue::Number(share.percent()))),
                    _ => None,
                };
                self.push(format!("session {}, structure {name}", s.id), value, None);
            }
        }
    }

    fn injection_checks(&mut self) {
        let facts = self.facts;
        for s in &facts.sessions {
            if !matches(&self.rule.session_extent, Some(&s.extent)) {
                continue;
            }
            for i in s
                .injections
                .iter()
                .filter(|i| injection_matches(self.rule, i))
            {
                let value = self.injection_value(i);
                self.push(format!("injection {}", i.id), value, None);
            }
        }
    }

    fn injection_value(&self, i: &InjectionFacts) -> Value {
        let reason = || {
            i.missing_reason
                .clone()
                .unwrap_or_else(|| Text::msg("check-reason-no-activity"))
        };
        let pct = |x: Option<f64>| x.map(|d| d * 100.0);
        match self.rule.quantity {
            Quantity::PerfusedDose => self.num(i.perfused_dose.map(AbsorbedDose::gy), reason()),
            Quantity::PerfusedNormalLiverDose => {
                self.num(i.normal_liver_dose.map(AbsorbedDose::gy), reason())
            }
            Quantity::LungActivity => self.num(i.lung_activity.map(Activity::gbq), reason()),
            Quantity::Lsf => self.num(
                i.lsf.map(Fraction::percent),
                Text::msg("check-reason-no-lsf"),
            ),
            Quantity::VialDeviation => self.num(pct(i.vial_deviation), reason()),
            Quantity::DeliveredActivityDeviation => i
                .delivered_activity_deviation
                .map(|d| Ok(CheckValue::Number(d * 100.0))),
            Quantity::ResidualExcess => {
                i.residual_excess.map(|d| Ok(CheckValue::Number(d * 100.0)))
            }
            _ => None,
        }
    }
}

/// The result of `rule` on one subject: the value compared, or why there is none.
fn check(rule: &Rule, subject: String, value: Result<CheckValue, Text>, facts: &Facts) -> Check {
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
            (status, Some(v), rule.note_text())
        }
        Err(reason) => (Status::NotEvaluated, None, Some(reason)),
    };
    Check {
        rule: rule.id.clone(),
        title: rule.title_text(),
        subject,
        basis: facts.check_basis,
        values_from: facts.values_from.clone(),
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
