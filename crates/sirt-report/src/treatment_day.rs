//! The treatment-day sheet: one page per session for the treatment room, per injection what to
//! give (device, vial, activity to inject or draw with its calibration, time, catheter position)
//! and what it is expected to give (doses with the ordered vial beside their limits), with lines
//! to write the delivery on.

use crate::document::{Block, Document, Table};
use crate::plan_doc::{dose_rows, limits_text, ordering_values, territory_text};
use crate::signoff::{BLANK, ReportOptions};
use crate::{fmt_activity, fmt_gy, fmt_pct};
use sirt_units::AbsorbedDose;
use sirt_workflow::{InjectionPlan, Outcome, Plan, RESEARCH_NOTICE, SessionPlan};

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

/// The sheet of one session.
pub fn treatment_day_sheet(plan: &Plan, s: &SessionPlan, o: &ReportOptions) -> Document {
    let c = &plan.case;
    let mut doc = Document {
        title: format!(
            "Treatment day — session {} — {}",
            s.id,
            o.instant(&s.treatment)
        ),
        blocks: Vec::new(),
        page_size: None,
    };
    doc.push(Block::Notice(RESEARCH_NOTICE.to_owned()));
    doc.push(Block::KeyValues(vec![
        ("Patient".into(), c.patient.id.clone()),
        ("Planned treatment".into(), o.instant(&s.treatment)),
        ("Session".into(), format!("{} ({})", s.id, s.extent.label())),
        (
            "Plan".into(),
            format!(
                "sirtplan {} (the plan report holds the checks and their sources)",
                env!("CARGO_PKG_VERSION")
            ),
        ),
    ]));
    for &n in &s.injections {
        injection_blocks(&plan.injections[n], s, o, &mut doc);
    }
    doc.push(Block::Heading(1, "Session totals".into()));
    doc.push(Block::Table(totals_table(plan, s)));
    doc
}

/// An injection: what to give, the doses expected and the lines to record the delivery.
fn injection_blocks(p: &InjectionPlan, s: &SessionPlan, o: &ReportOptions, doc: &mut Document) {
    let i = &p.input;
    doc.push(Block::Heading(1, format!("Injection {}", i.id)));
    let mut kv = vec![
        (
            "Device".to_owned(),
            format!("{} ({})", p.device.name, p.device.nuclide),
        ),
        (
            "Catheter position".to_owned(),
            i.label
                .clone()
                .unwrap_or_else(|| territory_text(i.territory, i.lobe)),
        ),
        ("Time".to_owned(), o.instant(&s.treatment)),
    ];
    let a = match &p.outcome {
        Outcome::Planned(a) => a,
        Outcome::Contraindicated { reason } | Outcome::NoActivityAllowed { reason } => {
            doc.push(Block::KeyValues(kv));
            doc.push(Block::Notice(format!("Do not inject: {reason}.")));
            return;
        }
    };
    kv.extend(ordering_values(&a.order, o));
    kv.push((
        "Activity to inject".into(),
        format!(
            "{} administered (what the vial holds or what is drawn, less the expected {} residual)",
            fmt_activity(a.expected.administered),
            fmt_pct(i.residual_fraction.value(), 1)
        ),
    ));
    doc.push(Block::KeyValues(kv));
    let mut t = Table::new(&["compartment", "expected dose (Gy)", "limit"], &[1]);
    for (label, _, cd) in dose_rows(p, &a.expected.doses) {
        let limit = if label.starts_with("normal liver") {
            i.limits.normal_liver_max
        } else if label == "perfused volume" {
            i.limits.perfused_max
        } else if label == "lungs" {
            i.limits.lung_max
        } else {
            None
        };
        t.row(vec![label, format!("{:.1}", cd.dose.gy()), at_most(limit)]);
    }
    doc.push(Block::Table(t));
    doc.push(Block::KeyValues(vec![(
        "Limits of the injection".into(),
        limits_text(&i.limits),
    )]));
    let mut rec = Table::new(&["recorded at treatment", "value", "time", "initials"], &[]);
    for what in [
        "vial assay before injection",
        "injection",
        "residual measured",
    ] {
        rec.row(vec![
            what.to_owned(),
            BLANK.to_owned(),
            BLANK.to_owned(),
            BLANK.to_owned(),
        ]);
    }
    doc.push(Block::Table(rec));
}

/// "≤ 70.0 Gy", or "—" without a limit.
fn at_most(limit: Option<AbsorbedDose>) -> String {
    limit.map_or_else(|| "—".into(), |l| format!("≤ {}", fmt_gy(l)))
}

/// The session's whole-liver NTAD and lung doses with the ordered vials, beside the plan's
/// session limits.
fn totals_table(plan: &Plan, s: &SessionPlan) -> Table {
    let l = &plan.case.planning.limits;
    let mut t = Table::new(&["quantity", "expected", "limit"], &[1]);
    match (&s.totals, &s.ntad_not_evaluable) {
        (_, Some(why)) => t.row(vec![
            "whole-liver normal-tissue dose".into(),
            format!("not evaluable: {why}"),
            at_most(l.whole_liver_ntad_max),
        ]),
        (Some(tot), None) => t.row(vec![
            "whole-liver normal-tissue dose".into(),
            fmt_gy(tot.whole_liver_ntad),
            at_most(l.whole_liver_ntad_max),
        ]),
        (None, None) => t.row(vec![
            "activity".into(),
            "none planned in this session".into(),
            "—".into(),
        ]),
    }
    if let (Some(d), Some(cum)) = (s.lung_dose_1kg, s.cumulative_lung_dose_1kg) {
        t.row(vec![
            "lung dose, session (1 kg convention)".into(),
            fmt_gy(d),
            at_most(l.lung_session_max),
        ]);
        t.row(vec![
            "lung dose, cumulative (1 kg convention)".into(),
            fmt_gy(cum),
            at_most(l.lung_cumulative_max),
        ]);
    }
    t
}
