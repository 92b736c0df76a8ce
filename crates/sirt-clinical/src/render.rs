//! Plain-text renderings of an assessment and of a toxicity timeline.

use crate::eligibility::{Assessment, EligibilityCheck, RESEARCH_NOTICE, RuleGroup, Scored};
use crate::timeline::{Phase, ReildStatus, Timeline};
use sirt_rules::{CheckValue, Status};
use std::fmt::Write;

fn status_label(s: Status) -> String {
    format!("{:<13}", s.to_string())
}

fn threshold_text(c: &EligibilityCheck) -> String {
    match c.threshold {
        CheckValue::Flag(b) => format!("{} {}", c.comparison, if b { "yes" } else { "no" }),
        CheckValue::Number(_) => format!("{} {}", c.comparison, c.threshold_written),
    }
}

fn check_lines(out: &mut String, c: &EligibilityCheck) {
    let _ = writeln!(out, "  {} {} — {}", status_label(c.status), c.rule, c.title);
    match (&c.value_text, c.status) {
        (_, Status::NotEvaluated) => {
            let _ = writeln!(
                out,
                "                reason: {}",
                c.note.as_deref().unwrap_or("no value")
            );
        }
        (Some(v), _) if c.value.is_none() => {
            let _ = writeln!(out, "                {v}");
        }
        (Some(v), _) => {
            let _ = writeln!(
                out,
                "                value {v}; required {}",
                threshold_text(c)
            );
        }
        (None, _) => {}
    }
    if c.status != Status::NotEvaluated
        && let Some(n) = &c.note
    {
        let _ = writeln!(out, "                note: {n}");
    }
    let _ = writeln!(out, "                source: {} ({})", c.source, c.evidence);
}

fn scored<T>(s: &Scored<T>, show: impl Fn(&T) -> String) -> String {
    match s {
        Scored::Computed { value } => show(value),
        Scored::NotEvaluated { reason } => format!("— (not evaluated: {reason})"),
    }
}

/// The eligibility assessment as text: tumour grade, labs used, liver scores, then every rule
/// by group with its value, threshold and source.
pub fn render_assessment(a: &Assessment) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "SIRT eligibility — patient {} ({})",
        a.patient_id, a.file
    );
    let _ = writeln!(out, "{RESEARCH_NOTICE}");
    match a.assessment_date {
        Some(d) => {
            let _ = writeln!(
                out,
                "Assessment date: {d}; laboratory values: the latest on or before it."
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Assessment date: not recorded; laboratory values: the latest in the record."
            );
        }
    }
    let _ = writeln!(out, "\nTumour");
    let g = &a.grade;
    let recorded = g.recorded.map_or("not recorded", |x| x.label());
    let ki = g
        .ki67
        .map_or("Ki-67 not recorded".to_owned(), |k| format!("Ki-67 {k:.1}"));
    let who = g
        .ki67_grade
        .map(|k| format!(" (WHO 2019 grade from Ki-67: {})", k.label()))
        .unwrap_or_default();
    let _ = writeln!(out, "  grade {recorded}, {ki}{who}");
    if let Some(n) = &g.note {
        let _ = writeln!(out, "  note: {n}");
    }
    let _ = writeln!(out, "\nLaboratory values used");
    if a.labs_used.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for l in &a.labs_used {
        let _ = writeln!(out, "  {:<13}{:<20} ({})", l.analyte, l.value, l.date);
    }
    let s = &a.scores;
    let _ = writeln!(out, "\nLiver function");
    let _ = writeln!(
        out,
        "  Child-Pugh   {}",
        scored(&s.child_pugh, |c| format!(
            "{}{} (points: bilirubin {}, albumin {}, INR {}, ascites {}, encephalopathy {})",
            c.class,
            c.total,
            c.bilirubin_points,
            c.albumin_points,
            c.inr_points,
            c.ascites_points,
            c.encephalopathy_points
        ))
    );
    let _ = writeln!(
        out,
        "  ALBI         {}",
        scored(&s.albi, |x| format!(
            "{:.2}, grade {}, mALBI {} (Johnson 2015, albumin coefficient {})",
            x.score,
            x.grade,
            x.malbi,
            x.coefficient.value()
        ))
    );
    let _ = writeln!(
        out,
        "  MELD         {}",
        scored(&s.meld, |m| format!(
            "{} (MELD(i) {:.4})",
            m.score, m.meld_i
        ))
    );
    let _ = writeln!(
        out,
        "  MELD-Na      {}",
        scored(&s.meld_na, |m| m.to_string())
    );
    let _ = writeln!(
        out,
        "  MELD 3.0     {}",
        scored(&s.meld3, |m| format!(
            "{} ({:.2} before rounding)",
            m.score, m.raw
        ))
    );
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
        let _ = writeln!(out, "\n{}", group.heading());
        for c in checks {
            check_lines(&mut out, c);
        }
    }
    let m = &a.summary;
    let _ = writeln!(
        out,
        "\nSummary: {} fail, {} warn, {} info, {} not evaluated, {} pass (Northwestern criteria not counted).",
        m.fail, m.warn, m.info, m.not_evaluated, m.pass
    );
    out
}

/// The toxicity timeline as text: one table per laboratory term, then REILD and Braat's grade.
pub fn render_timeline(t: &Timeline) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Laboratory toxicity, CTCAE {} — patient {} ({})",
        t.version, t.patient_id, t.file
    );
    let _ = writeln!(out, "{RESEARCH_NOTICE}");
    match t.treatment_date {
        Some(d) => {
            let _ = writeln!(out, "SIRT treatment: {d} (day 0).");
        }
        None => {
            let _ = writeln!(
                out,
                "SIRT treatment: not recorded; every value is graded against the reference range."
            );
        }
    }
    let anticoag = match t.anticoagulated {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not recorded",
    };
    let _ = writeln!(out, "Anticoagulation: {anticoag}.");
    let _ = writeln!(
        out,
        "Baseline: the latest value on or before the treatment day, graded against the reference range."
    );
    if t.tracks.is_empty() {
        let _ = writeln!(out, "\nNo laboratory values.");
    }
    for tr in &t.tracks {
        let _ = writeln!(out, "\n{} ({})", tr.name, tr.term.lab());
        let _ = writeln!(out, "  {:<12}{:>6}  {:<20}grade", "date", "day", "value");
        for p in &tr.points {
            let day = p.day.map_or("—".to_owned(), |d| d.to_string());
            let phase = match p.phase {
                Phase::Baseline => " [baseline]",
                Phase::Before | Phase::After => "",
            };
            let _ = writeln!(
                out,
                "  {:<12}{:>6}  {:<20}{}{phase}",
                p.date.to_string(),
                day,
                p.value,
                p.grade.text()
            );
        }
        if t.treatment_date.is_some() {
            let base = tr.baseline().map_or("no graded baseline".to_owned(), |g| {
                format!("baseline G{g}")
            });
            let worst =
                tr.worst_after
                    .as_ref()
                    .map_or("no graded value after treatment".to_owned(), |w| {
                        format!(
                            "worst after treatment G{} ({}) on {}, day {}",
                            w.grade, w.value, w.date, w.day
                        )
                    });
            let onset = tr
                .first_worsening_day
                .map(|d| format!("; first grade above baseline on day {d}"))
                .unwrap_or_default();
            let ne = if tr.not_gradable_after > 0 {
                format!(
                    "; {} value(s) after treatment not gradable",
                    tr.not_gradable_after
                )
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {base}; {worst}{onset}{ne}");
        }
    }
    let r = &t.reild;
    let status = match r.status {
        ReildStatus::Met => "met",
        ReildStatus::Possible => "possible",
        ReildStatus::NotMet => "not met",
        ReildStatus::NotEvaluated => "not evaluated",
    };
    let _ = writeln!(
        out,
        "\nREILD (Braat et al. 2017: bilirubin and albumin worse than baseline and new or increased \
         ascites, 2 weeks to 4 months after SIRT, without tumour progression or biliary obstruction): {status}"
    );
    if let Some((a, b)) = r.window {
        let _ = writeln!(out, "  window {a} to {b}");
    }
    if let (Some(d), Some(n)) = (r.onset, r.onset_day) {
        let _ = writeln!(out, "  onset {d} (day {n})");
    }
    for reason in &r.reasons {
        let _ = writeln!(out, "  - {reason}");
    }
    let g = t
        .braat
        .grade
        .map_or("— (not evaluated)".to_owned(), |g| g.to_string());
    let _ = writeln!(
        out,
        "Hepatotoxicity grade (Braat): {g}: {}",
        t.braat.explanation
    );
    out
}
