//! The "Cumulative dose over the course" section of a plan and its JSON key `cumulative`: per
//! structure each course's absorbed dose, BED and EQD2 with its time structure and where the dose
//! comes from, the sums (complete repair between courses, no repopulation), the cumulative
//! limits a source gives checked in their own quantity, the statement where none applies, and
//! the retreatments (docs/cumulative-dose.md). The numbers come from
//! `sirt_clinical::cumulative`; the plan's lung rule is shown, not evaluated again.

use crate::document::{Block, Table};
use serde_json::{Value, json};
use sirt_clinical::cumulative::{
    DoseBasis, HalfLifeBasis, LimitCheck, LimitChoice, LimitQuantity, LimitStatus, OrganKind,
    OrganTotal, TermResult, TimeStructure,
};
use sirt_i18n::{Lang, Text, t};

/// The English heading of the section.
pub const CUMULATIVE_HEADING: &str = "Cumulative dose over the course";

/// A retreatment: a session of the plan whose territory overlaps an earlier SIRT.
#[derive(Debug, Clone, PartialEq)]
pub struct Retreatment {
    /// The session's id.
    pub session: String,
    /// Why (the earlier SIRT, or the earlier session and the lobes shared).
    pub why: Text,
}

/// What the section shows.
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativeReport {
    /// Per structure: courses, sums, checks.
    pub organs: Vec<OrganTotal>,
    /// The case's `cumulative.kidney_risk_factors`.
    pub kidney_risk_factors: Option<bool>,
    /// The plan's sessions that are retreatments.
    pub retreatments: Vec<Retreatment>,
    /// Courses not counted and assumptions made (cycles not recorded), in the reader's words.
    pub notes: Vec<Text>,
    /// The plan's own checks of a cumulative quantity (the cumulative lung dose of its last
    /// session), shown beside the sums.
    pub plan_checks: Vec<sirt_rules::Check>,
}

fn dec(lang: Lang, v: f64) -> String {
    lang.numeric(&format!("{v:.1}"))
}

fn num(lang: Lang, v: f64) -> String {
    lang.numeric(&format!("{v}"))
}

/// The structure's name in the reader's language.
pub fn organ_name(o: &OrganTotal, lang: Lang) -> String {
    match o.organ.kind {
        OrganKind::NormalLiver => t!(lang, "cum-organ-normal-liver"),
        OrganKind::Kidneys => t!(lang, "cum-organ-kidneys"),
        OrganKind::Lungs => t!(lang, "cum-organ-lungs"),
        OrganKind::Tumour => t!(
            lang,
            "cum-organ-tumour",
            id = o.organ.tumour.clone().unwrap_or_default()
        ),
    }
}

fn time_text(time: &TimeStructure, lang: Lang) -> String {
    match time {
        TimeStructure::PermanentImplant { half_life } => {
            t!(
                lang,
                "cum-time-implant",
                hours = num(lang, half_life.hours())
            )
        }
        TimeStructure::Clearance {
            half_life,
            basis,
            cycles,
        } => {
            let basis = match basis {
                HalfLifeBasis::Entered => t!(lang, "cum-teff-entered"),
                HalfLifeBasis::Record { .. } => t!(lang, "cum-teff-record"),
                HalfLifeBasis::PhysicalBound => t!(lang, "cum-teff-bound"),
            };
            t!(
                lang,
                "cum-time-clearance",
                cycles = cycles.to_string(),
                hours = dec(lang, half_life.hours()),
                basis = basis
            )
        }
        TimeStructure::Fractions { fractions } => {
            t!(
                lang,
                "cum-time-fractions",
                fractions = fractions.to_string()
            )
        }
        TimeStructure::Unknown { missing } => {
            t!(lang, "cum-time-unknown", field = missing.clone())
        }
    }
}

fn dose_from(basis: &DoseBasis, lang: Lang) -> String {
    match basis {
        DoseBasis::Entered { field, method } => match method {
            Some(m) => t!(
                lang,
                "cum-dose-entered-method",
                field = field.clone(),
                method = m.clone()
            ),
            None => t!(lang, "cum-dose-entered", field = field.clone()),
        },
        DoseBasis::PerActivity {
            gy_per_gbq,
            activity_gbq,
            evidence,
            ..
        } => t!(
            lang,
            "cum-dose-per-activity",
            gy_per_gbq = num(lang, *gy_per_gbq),
            gbq = num(lang, *activity_gbq),
            evidence = evidence.clone()
        ),
        DoseBasis::Plan { what } => t!(lang, "cum-dose-plan", what = sirt_i18n::tr(lang, what)),
    }
}

fn bed_cell(bed: Option<f64>, max: Option<f64>, lang: Lang) -> String {
    match (bed, max) {
        (Some(b), Some(m)) => t!(lang, "cum-range", min = dec(lang, b), max = dec(lang, m)),
        (Some(b), None) => dec(lang, b),
        (None, _) => "—".to_owned(),
    }
}

fn term_row(r: &TermResult, lang: Lang) -> Vec<String> {
    vec![
        r.term.course.clone(),
        r.term.date.clone(),
        dec(lang, r.term.dose.gy()),
        bed_cell(r.bed_gy, r.bed_max_gy, lang),
        r.eqd2_gy.map_or("—".to_owned(), |e| dec(lang, e)),
        time_text(&r.term.time, lang),
        dose_from(&r.term.dose_basis, lang),
    ]
}

fn total_bed(o: &OrganTotal, lang: Lang) -> String {
    match (o.bed_gy, o.bed_exact, o.bed_max_gy) {
        (None, ..) => "—".to_owned(),
        (Some(b), true, _) => dec(lang, b),
        (Some(b), false, Some(m)) => t!(lang, "cum-range", min = dec(lang, b), max = dec(lang, m)),
        (Some(b), false, None) => t!(lang, "cum-at-least", min = dec(lang, b)),
    }
}

fn organ_table(o: &OrganTotal, lang: Lang) -> Table {
    let mut table = Table::new(
        &[
            &t!(lang, "cum-col-course"),
            &t!(lang, "cum-col-date"),
            &t!(lang, "cum-col-dose"),
            "BED (Gy)",
            "EQD2 (Gy)",
            &t!(lang, "cum-col-time"),
            &t!(lang, "cum-col-dose-from"),
        ],
        &[2, 3, 4],
    );
    for r in &o.terms {
        table.row(term_row(r, lang));
    }
    let eqd2 = match (o.eqd2_gy, o.bed_exact) {
        (Some(e), true) => dec(lang, e),
        (Some(e), false) => t!(lang, "cum-at-least", min = dec(lang, e)),
        (None, _) => "—".to_owned(),
    };
    table.row(vec![
        t!(lang, "cum-total"),
        String::new(),
        dec(lang, o.dose_gy),
        total_bed(o, lang),
        eqd2,
        String::new(),
        String::new(),
    ]);
    table
}

fn check_line(c: &LimitCheck, risk: Option<bool>, lang: Lang) -> String {
    let status = match c.status {
        LimitStatus::Met => t!(lang, "cum-status-met"),
        LimitStatus::Exceeded => t!(lang, "cum-status-exceeded"),
        LimitStatus::Undetermined => t!(lang, "cum-status-undetermined"),
    };
    let choice = match (c.choice, risk) {
        (LimitChoice::Always, _) => t!(lang, "cum-choice-always"),
        (LimitChoice::Stated, Some(false)) => t!(lang, "cum-choice-without"),
        (LimitChoice::Stated, _) => t!(lang, "cum-choice-with"),
        (LimitChoice::NotStatedLowerApplied, _) => t!(lang, "cum-choice-not-stated"),
    };
    let quantity = match c.limit.quantity {
        LimitQuantity::Bed => t!(lang, "cum-quantity-bed"),
        LimitQuantity::AbsorbedDose => t!(lang, "cum-quantity-absorbed"),
    };
    let value = match c.value_max_gy {
        Some(m) => t!(
            lang,
            "cum-range",
            min = dec(lang, c.value_gy),
            max = dec(lang, m)
        ),
        None if c.exact => dec(lang, c.value_gy),
        None => t!(lang, "cum-at-least", min = dec(lang, c.value_gy)),
    };
    let title = match (lang, &c.limit.title_fr) {
        (Lang::Fr, Some(fr)) => fr.clone(),
        _ => c.limit.title.clone(),
    };
    t!(
        lang,
        "cum-check",
        title = title,
        status = status,
        quantity = quantity,
        value = value,
        threshold = dec(lang, c.limit.threshold.gy()),
        choice = choice,
        source = c.limit.source.clone(),
        evidence = c.limit.evidence.clone()
    )
}

fn organ_blocks(o: &OrganTotal, r: &CumulativeReport, lang: Lang) -> Vec<Block> {
    let mut out = vec![
        Block::Heading(2, organ_name(o, lang)),
        Block::Table(organ_table(o, lang)),
    ];
    let mut items = Vec::new();
    match &o.tissue {
        Some(tissue) => items.push(t!(
            lang,
            "cum-parameters",
            ab = num(lang, tissue.lq.alpha_beta.gy()),
            trep = num(lang, tissue.lq.repair_half_time.hours()),
            source = tissue.lq.source.to_string(),
            evidence = tissue.evidence.clone()
        )),
        None => items.push(t!(lang, "cum-no-tissue")),
    }
    items.extend(
        o.checks
            .iter()
            .map(|c| check_line(c, r.kidney_risk_factors, lang)),
    );
    if let Some(n) = &o.no_limit {
        let statement = match (lang, &n.statement_fr) {
            (Lang::Fr, Some(fr)) => fr.clone(),
            _ => n.statement.clone(),
        };
        items.push(t!(
            lang,
            "cum-no-limit",
            statement = statement,
            source = n.source.clone()
        ));
    }
    if o.organ.kind == OrganKind::Lungs {
        items.extend(r.plan_checks.iter().map(|c| plan_check_line(c, lang)));
    }
    out.push(Block::List(items));
    out
}

fn plan_check_line(c: &sirt_rules::Check, lang: Lang) -> String {
    let value = match c.value {
        Some(sirt_rules::CheckValue::Number(v)) => dec(lang, v),
        _ => "—".to_owned(),
    };
    let threshold = match c.threshold {
        sirt_rules::CheckValue::Number(v) => dec(lang, v),
        sirt_rules::CheckValue::Flag(b) => b.to_string(),
    };
    t!(
        lang,
        "cum-plan-check",
        rule = c.rule.clone(),
        subject = c.subject.clone(),
        status = crate::words::status(lang, c.status),
        value = value,
        threshold = threshold
    )
}

/// The section's blocks, in the reader's language.
pub fn blocks(r: &CumulativeReport, lang: Lang) -> Vec<Block> {
    let mut out = vec![
        Block::Heading(1, t!(lang, "cum-heading")),
        Block::Para(t!(lang, "cum-intro")),
    ];
    for s in &r.retreatments {
        out.push(Block::Notice(t!(
            lang,
            "cum-retreatment",
            session = s.session.clone(),
            why = s.why.render(lang)
        )));
    }
    for o in &r.organs {
        out.extend(organ_blocks(o, r, lang));
    }
    if !r.notes.is_empty() {
        out.push(Block::Heading(2, t!(lang, "cum-notes")));
        out.push(Block::List(
            r.notes.iter().map(|n| n.render(lang)).collect(),
        ));
    }
    out
}

fn term_json(r: &TermResult) -> Value {
    let mut v = json!({
        "course": r.term.course,
        "modality": r.term.modality,
        "date": r.term.date,
        "dose_gy": r.term.dose.gy(),
        "dose_from": match &r.term.dose_basis {
            DoseBasis::Plan { what } => json!({ "kind": "plan", "what": sirt_i18n::tr(Lang::En, what) }),
            other => json!(other),
        },
        "time_structure": r.term.time,
    });
    for (key, x) in [
        ("bed_gy", r.bed_gy),
        ("bed_max_gy", r.bed_max_gy),
        ("eqd2_gy", r.eqd2_gy),
        ("irradiated_fraction", r.term.irradiated_fraction),
    ] {
        if let Some(x) = x {
            v[key] = json!(x);
        }
    }
    v
}

fn check_json(c: &LimitCheck) -> Value {
    let mut v = json!({
        "id": c.limit.id,
        "title": c.limit.title,
        "quantity": c.limit.quantity,
        "threshold_gy": c.limit.threshold.gy(),
        "comparison": "<",
        "applies": c.limit.applies,
        "basis": c.choice,
        "value_gy": c.value_gy,
        "exact": c.exact,
        "status": c.status,
        "source": c.limit.source,
        "evidence": c.limit.evidence,
    });
    if let Some(m) = c.value_max_gy {
        v["value_max_gy"] = json!(m);
    }
    v
}

fn organ_json(o: &OrganTotal) -> Value {
    let mut v = json!({
        "structure": o.organ.kind.label(),
        "courses": o.terms.iter().map(term_json).collect::<Vec<_>>(),
        "dose_gy": o.dose_gy,
        "bed_exact": o.bed_exact,
        "checks": o.checks.iter().map(check_json).collect::<Vec<_>>(),
    });
    if let Some(id) = &o.organ.tumour {
        v["tumour"] = json!(id);
    }
    if let Some(t) = &o.tissue {
        v["tissue"] = json!({
            "id": t.id,
            "alpha_beta_gy": t.lq.alpha_beta.gy(),
            "repair_half_time_h": t.lq.repair_half_time.hours(),
            "source": t.lq.source,
            "evidence": t.evidence,
        });
    }
    for (key, x) in [
        ("bed_gy", o.bed_gy),
        ("bed_max_gy", o.bed_max_gy),
        ("eqd2_gy", o.eqd2_gy),
    ] {
        if let Some(x) = x {
            v[key] = json!(x);
        }
    }
    if let Some(n) = &o.no_limit {
        v["no_limit"] = json!({ "statement": n.statement, "source": n.source });
    }
    v
}

fn plan_check_json(c: &sirt_rules::Check) -> Value {
    let mut v = json!({
        "rule": c.rule, "subject": c.subject, "status": c.status,
        "threshold": c.threshold, "unit": c.unit, "basis": c.basis,
    });
    if let Some(x) = &c.value {
        v["value"] = json!(x);
    }
    v
}

/// The JSON key `cumulative` (keys that do not apply are absent).
pub fn json(r: &CumulativeReport) -> Value {
    let mut v = json!({
        "assumption": "BED_total = Σ BED_i: complete repair between courses, no repopulation; a summed BED is never compared with an absorbed-dose threshold",
        "structures": r.organs.iter().map(organ_json).collect::<Vec<_>>(),
        "retreatments": r.retreatments.iter().map(|s| json!({
            "session": s.session,
            "why": s.why.en(),
            "first_treatment_thresholds_apply": false,
            "basis": "Lam 2013 (repeated RE, REILD OR 9.6); EANM 2022 Table 2: normal-liver thresholds from first treatments only; rule retreatment-first-treatment-thresholds",
        })).collect::<Vec<_>>(),
        "notes": r.notes.iter().map(Text::en).collect::<Vec<_>>(),
        "plan_checks": r.plan_checks.iter().map(plan_check_json).collect::<Vec<_>>(),
    });
    if let Some(k) = r.kidney_risk_factors {
        v["kidney_risk_factors"] = json!(k);
    }
    v
}
