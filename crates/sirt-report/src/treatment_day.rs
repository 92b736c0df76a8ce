//! The treatment-day sheet: one page per session for the treatment room, per injection what to
//! give (device, vial, activity to inject or draw with its calibration, time, catheter position)
//! and what it is expected to give (doses with the ordered vial beside their limits), with lines
//! to write the delivery on.

use crate::document::{Block, Document, Table};
use crate::plan_doc::{Compartment, dose_rows, limits_text, ordering_values, territory_text};
use crate::signoff::{BLANK, ReportOptions};
use crate::words::{self, InLang, activity, gy, pct};
use sirt_i18n::{Lang, t};
use sirt_units::AbsorbedDose;
use sirt_workflow::{InjectionPlan, Outcome, Plan, SessionPlan};

/// The file name of the sheet of the `n`-th session (1-based, in the plan's order), without
/// extension: "treatment-day-session-1".
pub fn treatment_day_name(n: usize) -> String {
    format!("treatment-day-session-{n}")
}

/// One sheet per session of the plan, in the plan's order.
pub fn treatment_day_sheets(plan: &Plan, o: &ReportOptions) -> Vec<Document> {
    plan.sessions
        .iter()
        .map(|s| treatment_day_sheet(plan, s, o))
        .collect()
}

/// The sheet of one session, in the report's language.
pub fn treatment_day_sheet(plan: &Plan, s: &SessionPlan, o: &ReportOptions) -> Document {
    let l = o.lang;
    let c = &plan.case;
    let mut doc = Document {
        title: t!(
            l,
            "day-title",
            session = s.id.as_str(),
            instant = o.instant(&s.treatment)
        ),
        blocks: Vec::new(),
        page_size: None,
        lang: l,
    };
    doc.push(Block::Notice(l.research_notice()));
    doc.push(Block::KeyValues(vec![
        (t!(l, "day-patient"), c.patient.id.clone()),
        (t!(l, "day-planned-treatment"), o.instant(&s.treatment)),
        (
            t!(l, "day-session"),
            format!("{} ({})", s.id, words::extent(l, s.extent)),
        ),
        (
            t!(l, "day-plan"),
            t!(l, "day-plan-value", version = env!("CARGO_PKG_VERSION")),
        ),
    ]));
    for &n in &s.injections {
        injection_blocks(&plan.injections[n], s, o, &mut doc);
    }
    doc.push(Block::Heading(1, t!(l, "day-session-totals")));
    doc.push(Block::Table(totals_table(plan, s, l)));
    doc
}

/// An injection: what to give, the doses expected and the lines to record the delivery.
fn injection_blocks(p: &InjectionPlan, s: &SessionPlan, o: &ReportOptions, doc: &mut Document) {
    let l = o.lang;
    let i = &p.input;
    doc.push(Block::Heading(
        1,
        t!(l, "day-injection-heading", id = i.id.as_str()),
    ));
    let mut kv = vec![
        (
            t!(l, "day-device"),
            format!("{} ({})", p.device.name, p.device.nuclide),
        ),
        (
            t!(l, "day-catheter-position"),
            i.label
                .clone()
                .unwrap_or_else(|| territory_text(l, i.territory, i.lobe)),
        ),
        (t!(l, "day-time"), o.instant(&s.treatment)),
    ];
    let a = match &p.outcome {
        Outcome::Planned(a) => a,
        Outcome::Contraindicated { reason } | Outcome::NoActivityAllowed { reason } => {
            doc.push(Block::KeyValues(kv));
            doc.push(Block::Notice(t!(
                l,
                "day-do-not-inject",
                reason = reason.in_lang(l)
            )));
            return;
        }
    };
    kv.extend(ordering_values(&a.order, o));
    kv.push((
        t!(l, "day-activity-to-inject"),
        t!(
            l,
            "day-activity-to-inject-value",
            activity = activity(l, a.expected.administered),
            residual = pct(l, i.residual_fraction.value(), 1)
        ),
    ));
    doc.push(Block::KeyValues(kv));
    let mut t = Table::new(
        &[
            &t!(l, "day-col-compartment"),
            &t!(l, "day-col-expected-dose"),
            &t!(l, "day-col-limit"),
        ],
        &[1],
    );
    for (compartment, label, _, cd) in dose_rows(l, p, &a.expected.doses) {
        let limit = match compartment {
            Compartment::NormalLiver => i.limits.normal_liver_max,
            Compartment::Perfused => i.limits.perfused_max,
            Compartment::Lungs => i.limits.lung_max,
            Compartment::Tumour | Compartment::TumoursCombined => None,
        };
        t.row(vec![label, l.decimal(cd.dose.gy(), 1), at_most(l, limit)]);
    }
    doc.push(Block::Table(t));
    doc.push(Block::KeyValues(vec![(
        t!(l, "day-limits-of-injection"),
        limits_text(l, &i.limits),
    )]));
    let mut rec = Table::new(
        &[
            &t!(l, "day-col-recorded"),
            &t!(l, "day-col-value"),
            &t!(l, "day-col-time"),
            &t!(l, "day-col-initials"),
        ],
        &[],
    );
    for what in [
        t!(l, "day-vial-assay"),
        t!(l, "day-injection"),
        t!(l, "day-residual-measured"),
    ] {
        rec.row(vec![
            what,
            BLANK.to_owned(),
            BLANK.to_owned(),
            BLANK.to_owned(),
        ]);
    }
    doc.push(Block::Table(rec));
}

/// "≤ 70.0 Gy", or "—" without a limit.
fn at_most(l: Lang, limit: Option<AbsorbedDose>) -> String {
    limit.map_or_else(|| "—".into(), |d| format!("≤ {}", gy(l, d)))
}

/// The session's whole-liver NTAD and lung doses with the ordered vials, beside the plan's
/// session limits.
fn totals_table(plan: &Plan, s: &SessionPlan, l: Lang) -> Table {
    let x = &plan.case.planning.limits;
    let mut t = Table::new(
        &[
            &t!(l, "day-col-quantity"),
            &t!(l, "day-col-expected"),
            &t!(l, "day-col-limit"),
        ],
        &[1],
    );
    match (&s.totals, &s.ntad_not_evaluable) {
        (_, Some(why)) => t.row(vec![
            t!(l, "day-whole-liver-ntad"),
            t!(l, "report-not-evaluable-because", why = why.in_lang(l)),
            at_most(l, x.whole_liver_ntad_max),
        ]),
        (Some(tot), None) => t.row(vec![
            t!(l, "day-whole-liver-ntad"),
            gy(l, tot.whole_liver_ntad),
            at_most(l, x.whole_liver_ntad_max),
        ]),
        (None, None) => t.row(vec![
            t!(l, "day-activity"),
            t!(l, "day-none-planned"),
            "—".into(),
        ]),
    }
    if let (Some(d), Some(cum)) = (s.lung_dose_1kg, s.cumulative_lung_dose_1kg) {
        t.row(vec![
            t!(l, "day-lung-session-1kg"),
            gy(l, d),
            at_most(l, x.lung_session_max),
        ]);
        t.row(vec![
            t!(l, "day-lung-cumulative-1kg"),
            gy(l, cum),
            at_most(l, x.lung_cumulative_max),
        ]);
    }
    t
}
