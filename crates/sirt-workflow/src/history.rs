//! The facts of the treatment history the retreatment rules are checked on
//! (`data/rules/retreatment.toml`): an earlier SIRT or a session treating a lobe an earlier
//! session of the plan treated (a retreatment), an earlier PRRT, and the age of the imaging each
//! session is planned on against the site's limit.

use crate::{InjectionPlan, SessionPlan};
use sirt_case::{Case, EarlierTreatment, Lobe, TerritoryKind};
use sirt_i18n::{Arg, Text};
use sirt_units::{AbsorbedDose, TimeSpan};

/// A dose as the details print it: "12.3 Gy" ("12,3 Gy" in French).
fn gy(d: AbsorbedDose) -> Arg {
    Arg::Qty {
        value: d.gy(),
        decimals: 1,
        unit: "Gy",
    }
}

/// Texts joined with ", " ("a, b, c"); an empty text for none.
pub fn comma_list(items: Vec<Text>) -> Text {
    let mut items = items.into_iter().rev();
    let Some(last) = items.next() else {
        return Text::verbatim("");
    };
    items.fold(last, |rest, first| {
        Text::with(
            "note-list-more",
            vec![("first", Arg::from(first)), ("rest", Arg::from(rest))],
        )
    })
}

/// Texts joined with "; " ("a; b"; in French with a no-break space before the semicolon); an
/// empty text for none.
pub fn semicolon_list(items: Vec<Text>) -> Text {
    let mut items = items.into_iter().rev();
    let Some(last) = items.next() else {
        return Text::verbatim("");
    };
    items.fold(last, |rest, first| {
        Text::with(
            "note-list-more-clauses",
            vec![("first", Arg::from(first)), ("rest", Arg::from(rest))],
        )
    })
}

/// An earlier treatment in one line: kind, date and the values recorded.
pub fn earlier_summary(e: &EarlierTreatment) -> String {
    earlier_summary_text(e).en()
}

/// An earlier treatment in one line, in the reader's language: kind, date and the values
/// recorded.
pub fn earlier_summary_text(e: &EarlierTreatment) -> Text {
    let recorded = earlier_recorded_parts(e);
    if recorded.is_empty() {
        Text::with(
            "note-earlier-treatment",
            vec![("kind", Arg::from(&e.kind)), ("date", Arg::from(&e.date))],
        )
    } else {
        Text::with(
            "note-earlier-treatment-recorded",
            vec![
                ("kind", Arg::from(&e.kind)),
                ("date", Arg::from(&e.date)),
                ("recorded", Arg::from(comma_list(recorded))),
            ],
        )
    }
}

/// The values recorded for an earlier treatment (device, territory, activity, cycles, doses,
/// fractions), comma-separated; empty when none.
pub fn earlier_recorded(e: &EarlierTreatment) -> String {
    earlier_recorded_text(e).en()
}

/// The values recorded for an earlier treatment, comma-separated, in the reader's language;
/// empty when none.
pub fn earlier_recorded_text(e: &EarlierTreatment) -> Text {
    comma_list(earlier_recorded_parts(e))
}

fn earlier_recorded_parts(e: &EarlierTreatment) -> Vec<Text> {
    let mut parts: Vec<Text> = Vec::new();
    if let Some(d) = &e.device {
        parts.push(Text::verbatim(d.clone()));
    }
    match (e.territory, e.lobe) {
        (Some(t), Some(Lobe::Both)) => parts.push(Text::with(
            "note-territory-of-both-lobes",
            vec![("territory", Arg::from(territory_text(t)))],
        )),
        (None, Some(Lobe::Both)) => parts.push(Text::msg("note-both-lobes")),
        (Some(t), Some(l)) => parts.push(Text::with(
            "note-territory-of-lobe",
            vec![
                ("territory", Arg::from(territory_text(t))),
                ("lobe", Arg::from(lobe_text(l))),
            ],
        )),
        (Some(t), None) => parts.push(territory_text(t)),
        (None, Some(l)) => parts.push(Text::with(
            "note-lobe",
            vec![("lobe", Arg::from(lobe_text(l)))],
        )),
        (None, None) => {}
    }
    if let Some(a) = e.activity {
        let activity = Arg::Numeric(format!("{:.2} GBq ({:.1} mCi)", a.gbq(), a.mci()));
        parts.push(if e.kind == "PRRT" {
            Text::with("note-activity-per-cycle", vec![("activity", activity)])
        } else {
            Text::with("note-activity", vec![("activity", activity)])
        });
    }
    if let Some(c) = e.cycles {
        parts.push(Text::with("note-cycles", vec![("count", Arg::from(c))]));
    }
    let doses = [
        (Text::msg("note-dose-whole-liver-ntad"), e.whole_liver_ntad),
        (Text::msg("note-dose-lung"), e.lung_dose),
        (Text::msg("note-dose-liver"), e.liver_dose),
        (Text::msg("note-dose-kidneys"), e.kidney_dose),
        (Text::msg("note-dose-mean-liver"), e.liver_mean_dose),
    ];
    for (what, d) in doses {
        if let Some(d) = d {
            parts.push(Text::with(
                "note-dose-of",
                vec![("what", Arg::from(what)), ("dose", gy(d))],
            ));
        }
    }
    if let Some(f) = e.fractions {
        parts.push(Text::with("note-fractions", vec![("count", Arg::from(f))]));
    }
    parts
}

/// A lobe in words ("right", "left", "both").
fn lobe_text(l: Lobe) -> Text {
    match l {
        Lobe::Right => Text::msg("note-lobe-right"),
        Lobe::Left => Text::msg("note-lobe-left"),
        Lobe::Both => Text::msg("note-lobe-both"),
    }
}

/// A territory kind in words ("whole-liver", "lobar", "segmental").
fn territory_text(t: TerritoryKind) -> Text {
    match t {
        TerritoryKind::WholeLiver => Text::msg("note-territory-whole-liver"),
        TerritoryKind::Lobar => Text::msg("note-territory-lobar"),
        TerritoryKind::Segmental => Text::msg("note-territory-segmental"),
    }
}

/// Whether the case records an earlier PRRT, and the PRRT as recorded.
pub(crate) fn prrt(case: &Case) -> (bool, Option<Text>) {
    let prrt: Vec<Text> = case
        .earlier_treatments
        .iter()
        .filter(|e| e.kind == "PRRT")
        .map(earlier_summary_text)
        .collect();
    let any = !prrt.is_empty();
    (any, any.then(|| semicolon_list(prrt)))
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
pub fn retreatment(
    case: &Case,
    injections: &[InjectionPlan],
    sessions: &[SessionPlan],
    k: usize,
) -> (bool, Option<Text>) {
    let mut why: Vec<Text> = case
        .earlier_treatments
        .iter()
        .filter(|e| e.is_sirt())
        .map(|e| {
            Text::with(
                "note-earlier",
                vec![("treatment", Arg::from(earlier_summary_text(e)))],
            )
        })
        .collect();
    let lobes = session_lobes(injections, &sessions[k]);
    for earlier in &sessions[..k] {
        let shared: Vec<Text> = session_lobes(injections, earlier)
            .into_iter()
            .filter(|&l| lobes.iter().any(|&m| overlap(l, m)))
            .map(lobe_text)
            .collect();
        if !shared.is_empty() {
            why.push(Text::with(
                "note-earlier-session-treated-lobe",
                vec![
                    ("session", Arg::from(&earlier.id)),
                    ("treatment", Arg::from(earlier.treatment.report_text())),
                    ("lobes", Arg::from(comma_list(shared))),
                ],
            ));
        }
    }
    let any = !why.is_empty();
    (any, any.then(|| semicolon_list(why)))
}

/// Whether the imaging session `s` is planned on is older than `limit` at its treatment
/// instant, with the dates, the age and the limit compared (None: no imaging date).
pub(crate) fn imaging_age(
    case: &Case,
    s: &SessionPlan,
    limit: TimeSpan,
) -> (Option<bool>, Option<Text>) {
    let Some(session) = case.sessions.iter().find(|c| c.id == s.id) else {
        return (None, None);
    };
    let Some((date, _)) = case.imaging_date(session) else {
        return (None, None);
    };
    let from = if session.mapping_date.is_some() {
        Text::msg("check-imaging-from-session")
    } else {
        Text::verbatim("mapping.date")
    };
    let age = s.treatment.since(date);
    let detail = Text::with(
        "check-imaging-age-detail",
        vec![
            ("date", Arg::from(date.report_text())),
            ("from", Arg::from(from)),
            ("treatment", Arg::from(s.treatment.report_text())),
            (
                "age",
                Arg::Num {
                    value: age.days(),
                    decimals: 1,
                },
            ),
            (
                "limit",
                Arg::Num {
                    value: limit.days(),
                    decimals: 0,
                },
            ),
        ],
    );
    (Some(age > limit), Some(detail))
}

/// Notes on the history: earlier SIRT without a recorded whole-liver NTAD make the cumulative
/// NTAD a lower bound.
pub(crate) fn notes(case: &Case) -> Vec<Text> {
    let missing = case.earlier_sirt_without_ntad();
    if missing.is_empty() {
        return Vec::new();
    }
    vec![Text::with(
        "note-earlier-sirt-without-ntad",
        vec![("dates", Arg::from(missing.join(", ")))],
    )]
}
