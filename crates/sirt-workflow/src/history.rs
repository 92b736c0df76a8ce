//! The facts of the treatment history the retreatment rules are checked on
//! (`data/rules/retreatment.toml`): an earlier SIRT or a session treating a lobe an earlier
//! session of the plan treated (a retreatment), an earlier PRRT, and the age of the imaging each
//! session is planned on against the site's limit.

use crate::{InjectionPlan, SessionPlan};
use sirt_case::{Case, EarlierTreatment, Lobe};
use sirt_units::{AbsorbedDose, TimeSpan};

/// A dose as the details print it.
fn gy(d: AbsorbedDose) -> String {
    format!("{:.1} Gy", d.gy())
}

/// An earlier treatment in one line: kind, date and the values recorded.
pub fn earlier_summary(e: &EarlierTreatment) -> String {
    let recorded = earlier_recorded(e);
    if recorded.is_empty() {
        format!("{} {}", e.kind, e.date)
    } else {
        format!("{} {} ({recorded})", e.kind, e.date)
    }
}

/// The values recorded for an earlier treatment (device, territory, activity, cycles, doses,
/// fractions), comma-separated; empty when none.
pub fn earlier_recorded(e: &EarlierTreatment) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(d) = &e.device {
        parts.push(d.clone());
    }
    match (e.territory, e.lobe) {
        (Some(t), Some(l)) => parts.push(format!("{} ({} lobe)", t.label(), lobe_label(l))),
        (Some(t), None) => parts.push(t.label().to_owned()),
        (None, Some(l)) => parts.push(format!("{} lobe", lobe_label(l))),
        (None, None) => {}
    }
    if let Some(a) = e.activity {
        let per = if e.kind == "PRRT" { " per cycle" } else { "" };
        parts.push(format!("{:.2} GBq ({:.1} mCi){per}", a.gbq(), a.mci()));
    }
    if let Some(c) = e.cycles {
        parts.push(format!("{c} cycles"));
    }
    let doses = [
        ("whole-liver NTAD", e.whole_liver_ntad),
        ("lung", e.lung_dose),
        ("liver", e.liver_dose),
        ("kidneys", e.kidney_dose),
        ("mean liver", e.liver_mean_dose),
    ];
    for (what, d) in doses {
        if let Some(d) = d {
            parts.push(format!("{what} {}", gy(d)));
        }
    }
    if let Some(f) = e.fractions {
        parts.push(format!("{f} fractions"));
    }
    parts.join(", ")
}

fn lobe_label(l: Lobe) -> &'static str {
    match l {
        Lobe::Right => "right",
        Lobe::Left => "left",
        Lobe::Both => "both",
    }
}

/// Whether the case records an earlier PRRT, and the PRRT as recorded.
pub(crate) fn prrt(case: &Case) -> (bool, Option<String>) {
    let prrt: Vec<String> = case
        .earlier_treatments
        .iter()
        .filter(|e| e.kind == "PRRT")
        .map(earlier_summary)
        .collect();
    (
        !prrt.is_empty(),
        (!prrt.is_empty()).then(|| prrt.join("; ")),
    )
}

/// Whether two lobes share liver.
fn overlap(a: Lobe, b: Lobe) -> bool {
    a == b || a == Lobe::Both || b == Lobe::Both
}

/// The lobes of a session's injections.
fn session_lobes(injections: &[InjectionPlan], s: &SessionPlan) -> Vec<Lobe> {
    s.injections
        .iter()
        .map(|&n| injections[n].input.lobe)
        .collect()
}

/// Whether session `k` (of the plan's sessions in order) is a retreatment, and why: the case's
/// earlier SIRT, and the plan's earlier sessions treating a lobe session `k` treats.
pub(crate) fn retreatment(
    case: &Case,
    injections: &[InjectionPlan],
    sessions: &[SessionPlan],
    k: usize,
) -> (bool, Option<String>) {
    let mut why: Vec<String> = case
        .earlier_treatments
        .iter()
        .filter(|e| e.is_sirt())
        .map(|e| format!("earlier {}", earlier_summary(e)))
        .collect();
    let lobes = session_lobes(injections, &sessions[k]);
    for earlier in &sessions[..k] {
        let shared: Vec<&str> = session_lobes(injections, earlier)
            .into_iter()
            .filter(|&l| lobes.iter().any(|&m| overlap(l, m)))
            .map(lobe_label)
            .collect();
        if !shared.is_empty() {
            why.push(format!(
                "session {} ({}) treated lobe {} of this session's territory",
                earlier.id,
                earlier.treatment,
                shared.join(", ")
            ));
        }
    }
    (!why.is_empty(), (!why.is_empty()).then(|| why.join("; ")))
}

/// Whether the imaging session `s` is planned on is older than `limit` at its treatment
/// instant, with the dates, the age and the limit compared (None: no imaging date).
pub(crate) fn imaging_age(
    case: &Case,
    s: &SessionPlan,
    limit: TimeSpan,
) -> (Option<bool>, Option<String>) {
    let Some(session) = case.sessions.iter().find(|c| c.id == s.id) else {
        return (None, None);
    };
    let Some((date, from)) = case.imaging_date(session) else {
        return (None, None);
    };
    let age = s.treatment.since(date);
    let detail = format!(
        "imaging of {} ({from}), treatment {}: {:.1} days old; site limit {:.0} days (retreatment.imaging_max_age)",
        date.report_text(),
        s.treatment.report_text(),
        age.days(),
        limit.days()
    );
    (Some(age > limit), Some(detail))
}

/// Notes on the history: earlier SIRT without a recorded whole-liver NTAD make the cumulative
/// NTAD a lower bound.
pub(crate) fn notes(case: &Case) -> Vec<String> {
    let missing = case.earlier_sirt_without_ntad();
    if missing.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "Earlier SIRT of {} without a recorded whole-liver NTAD (earlier_treatments.whole_liver_ntad): counted as 0 Gy, so the cumulative whole-liver NTAD is a lower bound.",
        missing.join(", ")
    )]
}
