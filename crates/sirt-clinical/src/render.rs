//! Plain-text renderings of an assessment and of a toxicity timeline, in a language (the
//! `fu-elig-*` and `fu-labs-*` messages of sirt-i18n's `followup.ftl`).
//!
//! CTCAE term names stay the CTCAE v5.0 English terms in every language: NCI publishes CTCAE in
//! English, and a French translation is not an official source we hold. The reasons a value is
//! not gradable, the REILD reasons and Braat's explanation, rule sources and notes are the
//! library's (or the rule file's) English words.

use crate::ctcae::{Criterion, GradeOutcome, NotGradable};
use crate::eligibility::{Assessment, EligibilityCheck, RuleGroup, Scored};
use crate::timeline::{Phase, ReildStatus, Timeline};
use sirt_i18n::{Lang, t};
use sirt_rules::{CheckValue, Status};
use sirt_units::short;
use std::fmt::Write;

fn status_label(lang: Lang, s: Status) -> String {
    let text = match lang {
        Lang::En => s.to_string(),
        Lang::Fr => s.text(lang),
    };
    format!("{text:<13}")
}

/// "; " in English, a narrow no-break space before the semicolon in French.
fn separator(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "; ",
        Lang::Fr => "\u{202f}; ",
    }
}

fn flag(lang: Lang, b: bool) -> String {
    lang.yes_no(b)
}

/// A value or threshold text of a rule ("24 months", "0.7 mg/dL") in a language: numbers as
/// the language writes them, and in French the duration units in French.
fn value_text(lang: Lang, s: &str) -> String {
    let s = lang.numeric(s);
    match lang {
        Lang::En => s,
        Lang::Fr => {
            let mut words = s;
            for (en, fr) in [
                ("\u{a0}months", "\u{a0}mois"),
                ("\u{a0}month", "\u{a0}mois"),
                ("\u{a0}days", "\u{a0}jours"),
                ("\u{a0}day", "\u{a0}jour"),
                ("\u{a0}weeks", "\u{a0}semaines"),
                ("\u{a0}years", "\u{a0}ans"),
            ] {
                words = words.replace(en, fr);
            }
            words
        }
    }
}

fn threshold_text(lang: Lang, c: &EligibilityCheck) -> String {
    match c.threshold {
        CheckValue::Flag(b) => format!("{} {}", c.comparison, flag(lang, b)),
        CheckValue::Number(_) => {
            format!(
                "{} {}",
                c.comparison,
                value_text(lang, &c.threshold_written)
            )
        }
    }
}

fn check_lines(lang: Lang, out: &mut String, c: &EligibilityCheck) {
    let title = c.title_text().render(lang);
    let _ = writeln!(
        out,
        "  {} {} — {title}",
        status_label(lang, c.status),
        c.rule
    );
    let indent = "                ";
    let value_text = match (&c.value, &c.value_text) {
        (Some(CheckValue::Flag(b)), Some(_)) if lang == Lang::Fr => Some(flag(lang, *b)),
        (_, v) => v.as_ref().map(|v| value_text(lang, v)),
    };
    match (value_text, c.status) {
        (_, Status::NotEvaluated) => {
            let reason = match &c.note {
                Some(n) => n.clone(),
                None => t!(lang, "fu-elig-no-value"),
            };
            let _ = writeln!(
                out,
                "{indent}{}",
                t!(lang, "fu-elig-reason", reason = reason)
            );
        }
        (Some(v), _) if c.value.is_none() => {
            let _ = writeln!(out, "{indent}{v}");
        }
        (Some(v), _) => {
            let _ = writeln!(
                out,
                "{indent}{}",
                t!(
                    lang,
                    "fu-elig-value-required",
                    value = v,
                    required = threshold_text(lang, c)
                )
            );
        }
        (None, _) => {}
    }
    if c.status != Status::NotEvaluated
        && let Some(n) = &c.note
    {
        let _ = writeln!(out, "{indent}{}", t!(lang, "fu-elig-note", note = n));
    }
    let _ = writeln!(
        out,
        "{indent}{}",
        t!(
            lang,
            "fu-elig-source",
            source = c.source.clone(),
            evidence = c.evidence.clone()
        )
    );
}

fn scored<T>(lang: Lang, s: &Scored<T>, show: impl Fn(&T) -> String) -> String {
    match s {
        Scored::Computed { value } => show(value),
        Scored::NotEvaluated { reason } => {
            format!("— ({})", t!(lang, "fu-elig-not-evaluated", reason = reason))
        }
    }
}

/// A laboratory analyte's short name ("bilirubin", "AST") in a language.
fn analyte(lang: Lang, name: &str) -> String {
    if lang == Lang::En {
        return name.to_owned();
    }
    match name {
        "bilirubin" => t!(lang, "fu-lab-bilirubin"),
        "albumin" => t!(lang, "fu-lab-albumin"),
        "platelets" => t!(lang, "fu-lab-platelets"),
        "leukocytes" => t!(lang, "fu-lab-leukocytes"),
        "granulocytes" => t!(lang, "fu-lab-granulocytes"),
        "creatinine" => t!(lang, "fu-lab-creatinine"),
        "sodium" => t!(lang, "fu-lab-sodium"),
        "GFR" => t!(lang, "fu-lab-gfr"),
        "AST" => t!(lang, "fu-lab-ast"),
        "ALT" => t!(lang, "fu-lab-alt"),
        "ALP" => t!(lang, "fu-lab-alp"),
        other => other.to_owned(),
    }
}

fn group_heading(lang: Lang, g: RuleGroup) -> String {
    match g {
        RuleGroup::Contraindication => t!(lang, "fu-elig-group-contraindication"),
        RuleGroup::Indication => t!(lang, "fu-elig-group-indication"),
        RuleGroup::NetRecommendation => t!(lang, "fu-elig-group-net"),
        RuleGroup::Northwestern => t!(lang, "fu-elig-group-northwestern"),
    }
}

/// The eligibility assessment as text in English.
pub fn render_assessment(a: &Assessment) -> String {
    render_assessment_in(a, Lang::En)
}

/// The eligibility assessment as text in a language: tumour grade, labs used, liver scores,
/// then every rule by group with its value, threshold and source.
pub fn render_assessment_in(a: &Assessment, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        t!(
            lang,
            "fu-elig-title",
            patient = a.patient_id.clone(),
            file = a.file.clone()
        )
    );
    let _ = writeln!(out, "{}", lang.research_notice());
    match a.assessment_date {
        Some(d) => {
            let _ = writeln!(out, "{}", t!(lang, "fu-elig-date", date = d.to_string()));
        }
        None => {
            let _ = writeln!(out, "{}", t!(lang, "fu-elig-date-none"));
        }
    }
    let _ = writeln!(out, "\n{}", t!(lang, "fu-elig-tumour"));
    let g = &a.grade;
    let recorded = g.recorded.map_or_else(
        || t!(lang, "fu-elig-not-recorded"),
        |x| x.label().to_owned(),
    );
    let ki = g.ki67.map_or_else(
        || t!(lang, "fu-elig-ki67-not-recorded"),
        |k| format!("Ki-67 {}", lang.numeric(&format!("{k:.1}"))),
    );
    let who = g
        .ki67_grade
        .map(|k| format!(" ({})", t!(lang, "fu-elig-who-grade", grade = k.label())))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {}",
        t!(
            lang,
            "fu-elig-grade",
            grade = recorded,
            ki67 = format!("{ki}{who}")
        )
    );
    if let Some(n) = &g.note {
        let _ = writeln!(out, "  {}", t!(lang, "fu-elig-note", note = n));
    }
    let _ = writeln!(out, "\n{}", t!(lang, "fu-elig-labs-used"));
    if a.labs_used.is_empty() {
        let _ = writeln!(out, "  {}", t!(lang, "fu-elig-none"));
    }
    for l in &a.labs_used {
        let _ = writeln!(
            out,
            "  {:<13}{:<20} ({})",
            analyte(lang, l.analyte),
            lang.numeric(&l.value),
            l.date
        );
    }
    liver_function(&mut out, a, lang);
    for group in [
        RuleGroup::Contraindication,
        RuleGroup::Indication,
        RuleGroup::NetRecommendation,
        RuleGroup::Northwestern,
    ] {
        let checks: Vec<_> = a.checks.iter().filter(|c| c.group == group).collect();
        if checks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", group_heading(lang, group));
        for c in checks {
            check_lines(lang, &mut out, c);
        }
    }
    let m = &a.summary;
    let _ = writeln!(
        out,
        "\n{}",
        t!(
            lang,
            "fu-elig-summary",
            fail = m.fail,
            warn = m.warn,
            info = m.info,
            not_evaluated = m.not_evaluated,
            pass = m.pass
        )
    );
    out
}

fn criterion(lang: Lang, c: Criterion) -> String {
    match c {
        Criterion::UlnMultiples => t!(lang, "fu-labs-criterion-uln"),
        Criterion::BaselineMultiples => t!(lang, "fu-labs-criterion-baseline"),
        Criterion::LlnAndAbsolute => t!(lang, "fu-labs-criterion-lln-absolute"),
        Criterion::Absolute => t!(lang, "fu-labs-criterion-absolute"),
        Criterion::AbsoluteOrBaseline => t!(lang, "fu-labs-criterion-absolute-or-baseline"),
    }
}

/// Why a value has no grade, in a language (English: the library's wording).
fn not_gradable(lang: Lang, n: &NotGradable) -> String {
    if lang == Lang::En {
        return n.to_string();
    }
    match n {
        NotGradable::InvalidValue { value } => t!(
            lang,
            "fu-labs-ng-invalid-value",
            value = lang.numeric(&value.to_string())
        ),
        NotGradable::NoUpperLimit { term } => {
            t!(lang, "fu-labs-ng-no-uln", lab = analyte(lang, term.lab()))
        }
        NotGradable::NoLowerLimit { term } => {
            t!(lang, "fu-labs-ng-no-lln", lab = analyte(lang, term.lab()))
        }
        NotGradable::NoBaseline { term } => {
            t!(
                lang,
                "fu-labs-ng-no-baseline",
                lab = analyte(lang, term.lab())
            )
        }
        NotGradable::BelowAbnormalBaselineGrade1 {
            term,
            baseline,
            uln,
            grade1_multiple,
            inclusive,
        } => t!(
            lang,
            "fu-labs-ng-below-abnormal-baseline",
            lab = analyte(lang, term.lab()),
            baseline = lang.numeric(&short(*baseline)),
            uln = lang.numeric(&short(*uln)),
            bound = format!(
                "{}{}",
                if *inclusive { "≥ " } else { "> " },
                lang.decimal(*grade1_multiple, 1)
            ),
            limit = lang.numeric(&short(grade1_multiple * baseline))
        ),
        NotGradable::AnticoagulationNotRecorded => t!(lang, "fu-labs-ng-anticoagulation"),
        NotGradable::AnticoagulatedWithoutBaseline => {
            t!(lang, "fu-labs-ng-anticoagulated-without-baseline")
        }
    }
}

fn grade_text(lang: Lang, g: &GradeOutcome) -> String {
    match g {
        GradeOutcome::Graded {
            grade,
            criterion: c,
        } => t!(
            lang,
            "fu-labs-graded",
            grade = i64::from(*grade),
            criterion = criterion(lang, *c)
        ),
        GradeOutcome::NotGradable { reason } => {
            t!(
                lang,
                "fu-labs-not-gradable",
                reason = not_gradable(lang, reason)
            )
        }
    }
}

/// The toxicity timeline as text in English.
pub fn render_timeline(t: &Timeline) -> String {
    render_timeline_in(t, Lang::En)
}

/// The toxicity timeline as text in a language: one table per laboratory term, then REILD
/// and Braat's grade.
pub fn render_timeline_in(t: &Timeline, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        t!(
            lang,
            "fu-labs-title",
            version = t.version.to_string(),
            patient = t.patient_id.clone(),
            file = t.file.clone()
        )
    );
    let _ = writeln!(out, "{}", lang.research_notice());
    match t.treatment_date {
        Some(d) => {
            let _ = writeln!(
                out,
                "{}",
                t!(lang, "fu-labs-treatment", date = d.to_string())
            );
        }
        None => {
            let _ = writeln!(out, "{}", t!(lang, "fu-labs-treatment-none"));
        }
    }
    let anticoag = match t.anticoagulated {
        Some(b) => lang.yes_no(b),
        None => t!(lang, "fu-labs-not-recorded"),
    };
    let _ = writeln!(
        out,
        "{}",
        t!(lang, "fu-labs-anticoagulation", anticoagulated = anticoag)
    );
    let _ = writeln!(out, "{}", t!(lang, "fu-labs-baseline-rule"));
    if t.tracks.is_empty() {
        let _ = writeln!(out, "\n{}", t!(lang, "fu-labs-no-values"));
    }
    track_lines(&mut out, t, lang);
    reild_lines(&mut out, t, lang);
    out
}

/// The liver function scores: Child-Pugh, ALBI, MELD, MELD-Na, MELD 3.0.
fn liver_function(out: &mut String, a: &Assessment, lang: Lang) {
    let s = &a.scores;
    let _ = writeln!(out, "\n{}", t!(lang, "fu-elig-liver-function"));
    let _ = writeln!(
        out,
        "  Child-Pugh   {}",
        scored(lang, &s.child_pugh, |c| t!(
            lang,
            "fu-elig-child-pugh",
            class = format!("{}{}", c.class, c.total),
            bilirubin = i64::from(c.bilirubin_points),
            albumin = i64::from(c.albumin_points),
            inr = i64::from(c.inr_points),
            ascites = i64::from(c.ascites_points),
            encephalopathy = i64::from(c.encephalopathy_points)
        ))
    );
    let _ = writeln!(
        out,
        "  ALBI         {}",
        scored(lang, &s.albi, |x| t!(
            lang,
            "fu-elig-albi",
            score = lang.decimal(x.score, 2),
            grade = x.grade.to_string(),
            malbi = x.malbi.to_string(),
            coefficient = lang.numeric(&x.coefficient.value().to_string())
        ))
    );
    let _ = writeln!(
        out,
        "  MELD         {}",
        scored(lang, &s.meld, |m| format!(
            "{} (MELD(i) {})",
            m.score,
            lang.decimal(m.meld_i, 4)
        ))
    );
    let _ = writeln!(
        out,
        "  MELD-Na      {}",
        scored(lang, &s.meld_na, |m| m.to_string())
    );
    let _ = writeln!(
        out,
        "  MELD 3.0     {}",
        scored(lang, &s.meld3, |m| t!(
            lang,
            "fu-elig-meld3",
            score = m.score.to_string(),
            raw = lang.decimal(m.raw, 2)
        ))
    );
}

/// One table per laboratory term, with the baseline and the worst grade after treatment.
fn track_lines(out: &mut String, t: &Timeline, lang: Lang) {
    for tr in &t.tracks {
        let _ = writeln!(out, "\n{} ({})", tr.name, analyte(lang, tr.term.lab()));
        let _ = writeln!(
            out,
            "  {:<12}{:>6}  {:<20}{}",
            t!(lang, "fu-labs-col-date"),
            t!(lang, "fu-labs-col-day"),
            t!(lang, "fu-labs-col-value"),
            t!(lang, "fu-labs-col-grade")
        );
        for p in &tr.points {
            let day = p.day.map_or("—".to_owned(), |d| d.to_string());
            let phase = match p.phase {
                Phase::Baseline => format!(" [{}]", t!(lang, "fu-labs-baseline-tag")),
                Phase::Before | Phase::After => String::new(),
            };
            let _ = writeln!(
                out,
                "  {:<12}{:>6}  {:<20}{}{phase}",
                p.date.to_string(),
                day,
                lang.numeric(&p.value),
                grade_text(lang, &p.grade)
            );
        }
        if t.treatment_date.is_some() {
            let sep = separator(lang);
            let base = tr.baseline().map_or_else(
                || t!(lang, "fu-labs-no-graded-baseline"),
                |g| t!(lang, "fu-labs-baseline-grade", grade = i64::from(g)),
            );
            let worst = tr.worst_after.as_ref().map_or_else(
                || t!(lang, "fu-labs-no-graded-after"),
                |w| {
                    t!(
                        lang,
                        "fu-labs-worst-after",
                        grade = i64::from(w.grade),
                        value = lang.numeric(&w.value),
                        date = w.date.to_string(),
                        day = w.day
                    )
                },
            );
            let onset = tr
                .first_worsening_day
                .map(|d| format!("{sep}{}", t!(lang, "fu-labs-first-worsening", day = d)))
                .unwrap_or_default();
            let ne = if tr.not_gradable_after > 0 {
                format!(
                    "{sep}{}",
                    t!(
                        lang,
                        "fu-labs-not-gradable-after",
                        count = tr.not_gradable_after
                    )
                )
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {base}{sep}{worst}{onset}{ne}");
        }
    }
}

/// REILD (Braat 2017) and Braat's hepatotoxicity grade.
fn reild_lines(out: &mut String, t: &Timeline, lang: Lang) {
    let r = &t.reild;
    let status = match r.status {
        ReildStatus::Met => t!(lang, "fu-labs-reild-met"),
        ReildStatus::Possible => t!(lang, "fu-labs-reild-possible"),
        ReildStatus::NotMet => t!(lang, "fu-labs-reild-not-met"),
        ReildStatus::NotEvaluated => t!(lang, "fu-labs-reild-not-evaluated"),
    };
    let _ = writeln!(out, "\n{}", t!(lang, "fu-labs-reild", status = status));
    if let Some((a, b)) = r.window {
        let _ = writeln!(
            out,
            "  {}",
            t!(
                lang,
                "fu-labs-reild-window",
                from = a.to_string(),
                to = b.to_string()
            )
        );
    }
    if let (Some(d), Some(n)) = (r.onset, r.onset_day) {
        let _ = writeln!(
            out,
            "  {}",
            t!(lang, "fu-labs-reild-onset", date = d.to_string(), day = n)
        );
    }
    for reason in &r.reasons {
        let _ = writeln!(out, "  - {reason}");
    }
    let g = t.braat.grade.map_or_else(
        || format!("— ({})", t!(lang, "fu-labs-reild-not-evaluated")),
        |g| g.to_string(),
    );
    let _ = writeln!(
        out,
        "{}",
        t!(
            lang,
            "fu-labs-braat",
            grade = g,
            explanation = t.braat.explanation.clone()
        )
    );
}
