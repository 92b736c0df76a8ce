//! Plain-text rendering of an evaluation: one line per visit, then the best overall responses.

//!
//! The text follows a language ([`render_text_in`]); the words are the `fu-recist-*` messages of
//! sirt-i18n's `followup.ftl`. In French the response categories use the French abbreviations
//! throughout (RC, RP, MS, MP, NE; "non-RC/non-MP" for non-CR/non-PD), as in French RECIST 1.1
//! reports and tumour-board minutes, and the best response is written in words with its
//! abbreviation ("réponse partielle (RP)"). The notes the evaluation writes (reasons, warnings)
//! stay English.

use std::fmt::Write as _;

use sirt_i18n::{Lang, t};

use crate::bor::{BestResponse, Disease};
use crate::evaluate::{Evaluation, Track};
use crate::input::{Diameter, LesionKind, Modality};
use crate::response::{NewLesions, NonTargetResponse, OverallResponse, TargetResponse};

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

fn mm_in(lang: Lang, t: u64) -> String {
    lang.numeric(&mm(t))
}

fn pct_in(lang: Lang, t: i64) -> String {
    let s = pct(t);
    match lang {
        Lang::En => s,
        // French typography: a no-break space before "%".
        Lang::Fr => lang.numeric(&s).replace('%', "\u{a0}%"),
    }
}

fn target_label(lang: Lang, r: TargetResponse) -> String {
    match r {
        TargetResponse::Cr => t!(lang, "fu-recist-cr"),
        TargetResponse::Pr => t!(lang, "fu-recist-pr"),
        TargetResponse::Sd => t!(lang, "fu-recist-sd"),
        TargetResponse::Pd => t!(lang, "fu-recist-pd"),
        TargetResponse::Ne => t!(lang, "fu-recist-ne"),
    }
}

fn non_target_label(lang: Lang, r: NonTargetResponse) -> String {
    match r {
        NonTargetResponse::Cr => t!(lang, "fu-recist-cr"),
        NonTargetResponse::NonCrNonPd => t!(lang, "fu-recist-non-cr-non-pd"),
        NonTargetResponse::Pd => t!(lang, "fu-recist-pd"),
        NonTargetResponse::Ne => t!(lang, "fu-recist-ne"),
    }
}

fn overall_label(lang: Lang, r: OverallResponse) -> String {
    match r {
        OverallResponse::Cr => t!(lang, "fu-recist-cr"),
        OverallResponse::Pr => t!(lang, "fu-recist-pr"),
        OverallResponse::Sd => t!(lang, "fu-recist-sd"),
        OverallResponse::NonCrNonPd => t!(lang, "fu-recist-non-cr-non-pd"),
        OverallResponse::Pd => t!(lang, "fu-recist-pd"),
        OverallResponse::Ne => t!(lang, "fu-recist-ne"),
    }
}

/// A best response in words (French: "réponse partielle (RP)"; English: the abbreviation).
fn best_label(lang: Lang, r: OverallResponse) -> String {
    match r {
        OverallResponse::Cr => t!(lang, "fu-recist-best-cr"),
        OverallResponse::Pr => t!(lang, "fu-recist-best-pr"),
        OverallResponse::Sd => t!(lang, "fu-recist-best-sd"),
        OverallResponse::NonCrNonPd => t!(lang, "fu-recist-best-non-cr-non-pd"),
        OverallResponse::Pd => t!(lang, "fu-recist-best-pd"),
        OverallResponse::Ne => t!(lang, "fu-recist-best-ne"),
    }
}

fn new_label(lang: Lang, n: NewLesions) -> String {
    match n {
        NewLesions::No => t!(lang, "fu-recist-new-no"),
        NewLesions::Equivocal => t!(lang, "fu-recist-new-equivocal"),
        NewLesions::Yes => t!(lang, "fu-recist-new-yes"),
    }
}

fn confirmation(lang: Lang, required: bool) -> String {
    if required {
        t!(lang, "fu-recist-confirmation-required")
    } else {
        t!(lang, "fu-recist-confirmation-not-required")
    }
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "—".to_owned(), f)
}

fn best_line(lang: Lang, rule: &str, b: &BestResponse) -> String {
    let mut s = format!(
        "  {}",
        t!(
            lang,
            "fu-recist-best",
            rule = rule,
            response = best_label(lang, b.response)
        )
    );
    if let Some(d) = b.date {
        let _ = write!(s, " {}", t!(lang, "fu-recist-on", date = d.to_string()));
    }
    if let Some(c) = b.confirmed_on {
        let _ = write!(
            s,
            ", {}",
            t!(lang, "fu-recist-confirmed-on", date = c.to_string())
        );
    }
    if let Some(n) = &b.note {
        let _ = write!(s, " ({n})");
    }
    s
}

fn render_track(lang: Lang, out: &mut String, e: &Evaluation, t: &Track, title: &str) {
    let _ = writeln!(out, "{title}");
    let describe = |ids: &[String]| -> String {
        if ids.is_empty() {
            t!(lang, "fu-recist-none")
        } else {
            ids.iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let density = if t.density_criterion {
        let sep = match lang {
            Lang::En => "; ",
            Lang::Fr => "\u{202f}; ",
        };
        format!("{sep}{}", t!(lang, "fu-recist-choi-density"))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "  {}{density}",
        t!(
            lang,
            "fu-recist-track-lesions",
            targets = describe(&t.targets),
            non_targets = describe(&t.non_targets),
            sum = opt(t.baseline_sum_tenth_mm, |v| mm_in(lang, v))
        )
    );
    if t.disease == Disease::NonTargetOnly {
        let _ = writeln!(out, "  {}", t!(lang, "fu-recist-non-target-only"));
    }
    let _ = writeln!(
        out,
        "  {:<10} {:>4}  {:<9} {:>8}  {:<9} {:>8}  {:<6} {:<13} {:<9} {:<13} {}",
        t!(lang, "fu-recist-col-date"),
        t!(lang, "fu-recist-col-day"),
        t!(lang, "fu-recist-col-sum"),
        t!(lang, "fu-recist-col-vs-base"),
        t!(lang, "fu-recist-col-nadir"),
        t!(lang, "fu-recist-col-vs-nadir"),
        t!(lang, "fu-recist-col-target"),
        t!(lang, "fu-recist-col-non-target"),
        t!(lang, "fu-recist-col-new"),
        t!(lang, "fu-recist-col-overall"),
        t!(lang, "fu-recist-col-reasons")
    );
    for tp in &t.time_points {
        let sum = match (tp.sum_tenth_mm, tp.measured_sum_tenth_mm) {
            (Some(s), _) => mm_in(lang, s),
            _ => "—".to_owned(),
        };
        let mut reasons = tp.notes.join("; ");
        if let Some(d) = tp.density_change_tenth_pct {
            let dens = t!(lang, "fu-recist-attenuation", change = pct_in(lang, d));
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
            opt(tp.change_from_baseline_tenth_pct, |v| pct_in(lang, v)),
            opt(tp.nadir_tenth_mm, |v| mm_in(lang, v)),
            opt(tp.change_from_nadir_tenth_pct, |v| pct_in(lang, v)),
            opt(tp.target, |r| target_label(lang, r)),
            opt(tp.non_target, |r| non_target_label(lang, r)),
            new_label(lang, tp.new_lesions),
            overall_label(lang, tp.overall),
            reasons
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if t.time_points.is_empty() {
        let _ = writeln!(out, "  ({})", t!(lang, "fu-recist-no-visit"));
    }
    let primary = confirmation(lang, e.params.confirmation_required);
    let _ = writeln!(out, "{}", best_line(lang, &primary, &t.best));
    let other = if e.params.confirmation_required {
        (confirmation(lang, false), &t.best_unconfirmed)
    } else {
        (confirmation(lang, true), &t.best_confirmed)
    };
    let _ = writeln!(out, "{}", best_line(lang, &other.0, other.1));
    if !t.other_rule_differs_on.is_empty() {
        let dates: Vec<String> = t
            .other_rule_differs_on
            .iter()
            .map(ToString::to_string)
            .collect();
        let _ = writeln!(
            out,
            "  ({})",
            t!(
                lang,
                "fu-recist-other-rule-differs",
                rule = other.0.clone(),
                dates = dates.join(", ")
            )
        );
    }
    let _ = writeln!(
        out,
        "  {}",
        t!(
            lang,
            "fu-recist-first-progression",
            date = opt(t.first_progression, |d| d.to_string())
        )
    );
}

/// The evaluation as text, in English.
pub fn render_text(e: &Evaluation) -> String {
    render_text_in(e, Lang::En)
}

/// The evaluation as text in a language.
pub fn render_text_in(e: &Evaluation, lang: Lang) -> String {
    let mut out = String::new();
    let p = &e.params;
    let criteria = match p.criteria {
        crate::Criteria::ChoiModified => t!(lang, "fu-recist-modified-choi"),
        c => c.label().to_owned(),
    };
    let _ = writeln!(
        out,
        "{}",
        t!(
            lang,
            "fu-recist-title",
            criteria = criteria.clone(),
            patient = e.patient.as_deref().unwrap_or("—"),
            file = e.file.clone()
        )
    );
    let _ = writeln!(
        out,
        "{}",
        t!(
            lang,
            "fu-recist-criteria",
            criteria = criteria,
            source = p.criteria.source()
        )
    );
    let sd_between = if p.accept_sd_between {
        format!(" {}", t!(lang, "fu-recist-sd-between-accepted"))
    } else {
        String::new()
    };
    let reference = if e.reference_is_treatment_start {
        t!(lang, "fu-recist-reference-treatment")
    } else {
        t!(lang, "fu-recist-reference-baseline")
    };
    let required = if p.confirmation_required {
        t!(lang, "fu-recist-required")
    } else {
        t!(lang, "fu-recist-not-required")
    };
    let _ = writeln!(
        out,
        "{}",
        t!(
            lang,
            "fu-recist-protocol",
            required = required,
            min_days = p.min_confirmation_days,
            max_ne = p.max_ne_between,
            sd_between = sd_between,
            sd_days = p.sd_min_days,
            reference = reference,
            reference_date = e.reference_date.to_string(),
            too_small = mm_in(lang, u64::from(p.too_small_tenth_mm))
        )
    );
    baseline_line(&mut out, e, lang);
    if !e.findings.is_empty() {
        let _ = writeln!(out, "{}", t!(lang, "fu-recist-warnings"));
        for f in &e.findings {
            let _ = writeln!(out, "  - {f}");
        }
    }
    let _ = writeln!(out);
    render_track(
        lang,
        &mut out,
        e,
        &e.global,
        &t!(lang, "fu-recist-global-title"),
    );
    let _ = writeln!(out);
    match (&e.hepatic, &e.hepatic_note) {
        (Some(h), _) => render_track(lang, &mut out, e, h, &t!(lang, "fu-recist-hepatic-title")),
        (None, note) => {
            let note = match note {
                Some(n) => n.clone(),
                None => t!(lang, "fu-recist-no-liver-lesion"),
            };
            let _ = writeln!(
                out,
                "{}",
                t!(lang, "fu-recist-hepatic-not-evaluated", reason = note)
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", t!(lang, "fu-recist-footnote"));
    let _ = writeln!(out, "{}", lang.research_notice());
    out
}

/// An organ as written in the measurement file, in French when it is one of the usual names.
fn organ(lang: Lang, organ: &str) -> String {
    match (lang, organ) {
        (Lang::Fr, "liver") => t!(lang, "fu-recist-organ-liver"),
        (Lang::Fr, "lung") => t!(lang, "fu-recist-organ-lung"),
        (Lang::Fr, "lymph node") => t!(lang, "fu-recist-organ-lymph-node"),
        (Lang::Fr, "bone") => t!(lang, "fu-recist-organ-bone"),
        (Lang::Fr, "peritoneum") => t!(lang, "fu-recist-organ-peritoneum"),
        (Lang::Fr, "adrenal") => t!(lang, "fu-recist-organ-adrenal"),
        _ => organ.to_owned(),
    }
}

fn modality(lang: Lang, m: Modality) -> String {
    match m {
        Modality::Ct => t!(lang, "fu-recist-modality-ct"),
        Modality::Mri => t!(lang, "fu-recist-modality-mri"),
        Modality::Caliper => t!(lang, "fu-recist-modality-caliper"),
        Modality::ChestXray => t!(lang, "fu-recist-modality-chest-xray"),
    }
}

/// The baseline line: date, modality, slices, the target and non-target lesions.
fn baseline_line(out: &mut String, e: &Evaluation, lang: Lang) {
    let b = &e.series.baseline;
    let slice = b.slice_thickness_tenth_mm.map_or(String::new(), |s| {
        format!(
            ", {}",
            t!(
                lang,
                "fu-recist-slices",
                thickness = mm_in(lang, u64::from(s))
            )
        )
    });
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
                        mm_in(lang, u64::from(d)),
                        if l.nodal {
                            format!(" {}", t!(lang, "fu-recist-short-axis"))
                        } else {
                            String::new()
                        }
                    ),
                    _ => String::new(),
                };
                let v = match m.and_then(|m| m.viable) {
                    Some(Diameter::TenthMm(d)) => format!(
                        ", {}",
                        t!(
                            lang,
                            "fu-recist-viable",
                            diameter = mm_in(lang, u64::from(d))
                        )
                    ),
                    _ => String::new(),
                };
                let hu = m
                    .and_then(|m| m.density_tenth_hu)
                    .map_or(String::new(), |h| {
                        let text = format!(
                            "{}{}.{} HU",
                            if h < 0 { "-" } else { "" },
                            h.abs() / 10,
                            h.abs() % 10
                        );
                        format!(", {}", lang.numeric(&text))
                    });
                format!("`{}` {}{d}{v}{hu}", l.id, organ(lang, &l.organ))
            })
            .collect();
        if items.is_empty() {
            t!(lang, "fu-recist-none")
        } else {
            items.join(", ")
        }
    };
    let _ = writeln!(
        out,
        "{}",
        t!(
            lang,
            "fu-recist-baseline",
            date = b.date.to_string(),
            modality = modality(lang, b.modality),
            slices = slice,
            targets = lesion_text(LesionKind::Target),
            non_targets = lesion_text(LesionKind::NonTarget)
        )
    );
}
