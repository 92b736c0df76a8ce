//! Plain-text rendering of an evaluation: one line per visit, then the best overall responses.

use std::fmt::Write as _;

use crate::bor::{BestResponse, Disease};
use crate::evaluate::{Evaluation, Track};
use crate::input::{Diameter, LesionKind};

/// The research-use notice (one wording for every output: `sirt_units::RESEARCH_NOTICE`).
pub use sirt_units::RESEARCH_NOTICE;

fn mm(t: u64) -> String {
    format!("{}.{} mm", t / 10, t % 10)
}

/// Tenths of a percent with its sign: "-30.0%", "+25.0%", "0.0%".
pub fn pct(t: i64) -> String {
    let sign = match t {
        t if t < 0 => "-",
        0 => "",
        _ => "+",
    };
    format!("{sign}{}.{}%", t.abs() / 10, t.abs() % 10)
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "—".to_owned(), f)
}

fn best_line(label: &str, b: &BestResponse) -> String {
    let mut s = format!("  {label}: {}", b.response.label());
    if let Some(d) = b.date {
        let _ = write!(s, " on {d}");
    }
    if let Some(c) = b.confirmed_on {
        let _ = write!(s, ", confirmed on {c}");
    }
    if let Some(n) = &b.note {
        let _ = write!(s, " ({n})");
    }
    s
}

fn render_track(out: &mut String, e: &Evaluation, t: &Track, title: &str) {
    let _ = writeln!(out, "{title}");
    let describe = |ids: &[String]| -> String {
        if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let _ = writeln!(
        out,
        "  targets {}; non-targets {}; baseline sum {}{}",
        describe(&t.targets),
        describe(&t.non_targets),
        opt(t.baseline_sum_tenth_mm, mm),
        if t.density_criterion {
            "; Choi density criterion applied"
        } else {
            ""
        }
    );
    if t.disease == Disease::NonTargetOnly {
        let _ = writeln!(
            out,
            "  non-target disease only: RECIST 1.1 Table 2 (CR, non-CR/non-PD, PD, NE; never SD or PR)"
        );
    }
    let _ = writeln!(
        out,
        "  {:<10} {:>4}  {:<9} {:>8}  {:<9} {:>8}  {:<6} {:<13} {:<9} {:<13} reasons",
        "date",
        "day",
        "sum",
        "vs base",
        "nadir",
        "vs nadir",
        "target",
        "non-target",
        "new",
        "overall"
    );
    for tp in &t.time_points {
        let sum = match (tp.sum_tenth_mm, tp.measured_sum_tenth_mm) {
            (Some(s), _) => mm(s),
            _ => "—".to_owned(),
        };
        let mut reasons = tp.notes.join("; ");
        if let Some(d) = tp.density_change_tenth_pct {
            let dens = format!("attenuation {} vs baseline", pct(d));
            reasons = if reasons.is_empty() {
                dens
            } else {
                format!("{dens}; {reasons}")
            };
        }
        let line = format!(
            "  {:<10} {:>4}  {:<9} {:>8}  {:<9} {:>8}  {:<6} {:<13} {:<9} {:<13} {}",
            tp.date.to_string(),
            tp.days_from_baseline,
            sum,
            opt(tp.change_from_baseline_tenth_pct, pct),
            opt(tp.nadir_tenth_mm, mm),
            opt(tp.change_from_nadir_tenth_pct, pct),
            opt(tp.target, |r| r.label().to_owned()),
            opt(tp.non_target, |r| r.label().to_owned()),
            tp.new_lesions.label(),
            tp.overall.label(),
            reasons
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if t.time_points.is_empty() {
        let _ = writeln!(out, "  (no follow-up visit)");
    }
    let primary = if e.params.confirmation_required {
        "confirmation required"
    } else {
        "confirmation not required"
    };
    let _ = writeln!(
        out,
        "{}",
        best_line(&format!("Best overall response ({primary})"), &t.best)
    );
    let other = if e.params.confirmation_required {
        ("confirmation not required", &t.best_unconfirmed)
    } else {
        ("confirmation required", &t.best_confirmed)
    };
    let _ = writeln!(
        out,
        "{}",
        best_line(&format!("Best overall response ({})", other.0), other.1)
    );
    if !t.other_rule_differs_on.is_empty() {
        let dates: Vec<String> = t
            .other_rule_differs_on
            .iter()
            .map(ToString::to_string)
            .collect();
        let _ = writeln!(
            out,
            "  (with {}, the time-point responses differ on {})",
            other.0,
            dates.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "  First progression: {}",
        opt(t.first_progression, |d| d.to_string())
    );
}

/// The evaluation as text.
pub fn render_text(e: &Evaluation) -> String {
    let mut out = String::new();
    let p = &e.params;
    let _ = writeln!(
        out,
        "Tumour response, {}: patient {} (file {})",
        p.criteria.label(),
        e.patient.as_deref().unwrap_or("—"),
        e.file
    );
    let _ = writeln!(
        out,
        "Criteria: {} ({})",
        p.criteria.label(),
        p.criteria.source()
    );
    let _ = writeln!(
        out,
        "Protocol: confirmation {} for the reported best response (the other rule is shown too); confirmation at least {} days later with at most {} NE between{}; SD counts from day {} after the {} ({}); too small to measure = {}",
        if p.confirmation_required {
            "required"
        } else {
            "not required"
        },
        p.min_confirmation_days,
        p.max_ne_between,
        if p.accept_sd_between {
            " and one SD accepted"
        } else {
            ""
        },
        p.sd_min_days,
        if e.reference_is_treatment_start {
            "treatment start"
        } else {
            "baseline scan"
        },
        e.reference_date,
        mm(u64::from(p.too_small_tenth_mm))
    );
    let b = &e.series.baseline;
    let slice = b
        .slice_thickness_tenth_mm
        .map_or(String::new(), |s| format!(", {} slices", mm(u64::from(s))));
    let lesion_text = |kind: LesionKind| -> String {
        let items: Vec<String> = e
            .series
            .lesions
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| {
                let m = b.measurement(&l.id);
                let d = match m.and_then(|m| m.diameter) {
                    Some(Diameter::TenthMm(d)) => format!(
                        " {}{}",
                        mm(u64::from(d)),
                        if l.nodal { " short axis" } else { "" }
                    ),
                    _ => String::new(),
                };
                let v = match m.and_then(|m| m.viable) {
                    Some(Diameter::TenthMm(d)) => format!(", viable {}", mm(u64::from(d))),
                    _ => String::new(),
                };
                let hu = m
                    .and_then(|m| m.density_tenth_hu)
                    .map_or(String::new(), |h| {
                        format!(
                            ", {}{}.{} HU",
                            if h < 0 { "-" } else { "" },
                            h.abs() / 10,
                            h.abs() % 10
                        )
                    });
                format!("`{}` {}{d}{v}{hu}", l.id, l.organ)
            })
            .collect();
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let _ = writeln!(
        out,
        "Baseline {} ({}{slice}): targets {}; non-targets {}",
        b.date,
        b.modality.label(),
        lesion_text(LesionKind::Target),
        lesion_text(LesionKind::NonTarget)
    );
    if !e.findings.is_empty() {
        let _ = writeln!(out, "Warnings:");
        for f in &e.findings {
            let _ = writeln!(out, "  - {f}");
        }
    }
    let _ = writeln!(out);
    render_track(&mut out, e, &e.global, "All lesions (global response)");
    let _ = writeln!(out);
    match (&e.hepatic, &e.hepatic_note) {
        (Some(h), _) => render_track(&mut out, e, h, "Liver lesions only (hepatic response)"),
        (None, note) => {
            let _ = writeln!(
                out,
                "Liver lesions only (hepatic response): not evaluated ({})",
                note.as_deref().unwrap_or("no liver lesion")
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Sums in integer tenths of a millimetre; percentages exact, rounded half away from zero to one decimal."
    );
    let _ = writeln!(out, "{RESEARCH_NOTICE}");
    out
}
