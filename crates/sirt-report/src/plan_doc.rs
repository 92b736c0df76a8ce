//! The plan as a document for people: inputs, parameters and K, per-injection tables in GBq and
//! mCi, predicted doses, vial orders, session totals, checks with their sources, notes.

use crate::document::{Block, Document, Table};
use crate::signoff::ReportOptions;
use crate::{fmt_activity, fmt_gy, fmt_pct};
use sirt_analytic::lung::LungMassBasis;
use sirt_analytic::partition::{CompartmentDose, PartitionDoses};
use sirt_analytic::session::SessionTotals;
use sirt_case::{Goal, LsfSource, MassBasis};
use sirt_devices::{Ordering, VialOrder};
use sirt_workflow::{
    DeliveredDoses, InjectionPlan, Outcome, Plan, PlannedActivity, RESEARCH_NOTICE, SessionPlan,
};

/// Builds the plan document: instants in their own zones, the sign-off block with empty fields.
pub fn plan_document(plan: &Plan) -> Document {
    plan_document_with(plan, &ReportOptions::default())
}

/// Builds the plan document with its options: the zone of its instants and the signatures of
/// its sign-off block (right after the research notice).
pub fn plan_document_with(plan: &Plan, o: &ReportOptions) -> Document {
    let c = &plan.case;
    let mut doc = Document {
        title: format!(
            "sirtplan {} — SIRT plan for {}",
            env!("CARGO_PKG_VERSION"),
            c.patient.id
        ),
        blocks: Vec::new(),
        page_size: None,
    };
    doc.push(Block::Notice(RESEARCH_NOTICE.to_owned()));
    doc.blocks.extend(o.sign_off.blocks(o));
    doc.push(Block::Heading(1, "Patient and inputs".into()));
    doc.push(Block::KeyValues(input_values(c)));
    if !c.tumours.is_empty() {
        doc.push(Block::Table(tumour_table(c)));
    }
    history_blocks(plan, &mut doc);
    doc.push(Block::Heading(1, "Summary".into()));
    doc.push(Block::Table(summary_table(plan, o)));
    for p in &plan.injections {
        injection_blocks(p, o, &mut doc);
    }
    doc.push(Block::Heading(1, "Sessions".into()));
    for s in &plan.sessions {
        session_blocks(plan, s, o, &mut doc);
    }
    check_blocks(plan, &mut doc);
    if !c.accepted.is_empty() {
        doc.push(Block::Heading(1, "Accepted exceptions".into()));
        doc.push(Block::KeyValues(
            c.accepted
                .iter()
                .map(|a| (a.what.clone(), a.reason.clone()))
                .collect(),
        ));
    }
    if !plan.notes.is_empty() {
        doc.push(Block::Heading(1, "Notes".into()));
        doc.push(Block::List(plan.notes.clone()));
    }
    doc.push(Block::Notice(RESEARCH_NOTICE.to_owned()));
    doc
}

/// The patient line: id, sex, age, height, weight (those known).
fn patient_text(c: &sirt_case::Case) -> String {
    let mut who = vec![c.patient.id.clone()];
    if let Some(s) = &c.patient.sex {
        who.push(s.clone());
    }
    if let Some(a) = c.patient.age_years {
        who.push(format!("{a} y"));
    }
    if let Some(h) = c.patient.height {
        who.push(format!("{:.2} m", h.m()));
    }
    if let Some(w) = c.patient.weight {
        who.push(format!("{:.1} kg", w.kg()));
    }
    who.join(", ")
}

/// The diagnosis line: indication, grade, Ki-67, primary site (those known).
fn diagnosis_text(c: &sirt_case::Case) -> String {
    let d = &c.diagnosis;
    let mut dx = vec![d.indication.clone()];
    if let Some(g) = d.grade {
        dx.push(g.label().to_owned());
    }
    if let Some(k) = d.ki67_percent {
        dx.push(format!("Ki-67 {k} %"));
    }
    if let Some(p) = &d.primary_site {
        dx.push(format!("primary: {p}"));
    }
    dx.join(", ")
}

/// The whole liver: volume × density = mass.
fn whole_liver_text(c: &sirt_case::Case) -> String {
    format!(
        "{:.1} mL × {} g/mL{} = {:.3} kg",
        c.liver.volume.ml(),
        c.liver.density.g_per_ml(),
        if c.liver.density_is_default {
            " (default)"
        } else {
            ""
        },
        c.liver.mass().kg()
    )
}

/// The tumours: count, volume and burden.
fn tumours_text(c: &sirt_case::Case) -> String {
    let tumour_ml: f64 = c.tumours.iter().map(|t| t.volume.ml()).sum();
    format!(
        "{} lesions, {:.1} mL; tumour burden {}",
        c.tumours.len(),
        tumour_ml,
        c.tumour_burden()
            .map(|b| fmt_pct(b.value(), 1))
            .unwrap_or_else(|| "unknown".into())
    )
}

/// The label–value pairs of "Patient and inputs".
fn input_values(c: &sirt_case::Case) -> Vec<(String, String)> {
    let mut kv = Vec::new();
    kv.push(("Patient".into(), patient_text(c)));
    kv.push(("Diagnosis".into(), diagnosis_text(c)));
    if let Some(h) = &c.diagnosis.history {
        kv.push(("History".into(), h.clone()));
    }
    if let Some(b) = c.labs.as_ref().and_then(|l| l.bilirubin) {
        kv.push((
            "Bilirubin".into(),
            format!("{:.2} mg/dL ({:.1} µmol/L)", b.mg_per_dl(), b.umol_per_l()),
        ));
    }
    kv.push(("Whole liver".into(), whole_liver_text(c)));
    kv.push(("Tumours".into(), tumours_text(c)));
    kv.push((
        "Non-tumoural liver".into(),
        format!(
            "{:.3} kg (whole liver minus tumours)",
            c.whole_normal_liver_mass().kg()
        ),
    ));
    kv.push(("Lungs".into(), lung_text(c)));
    if let Some((p, lsf)) = &c.mapping.planar {
        kv.push((
            "Planar LSF".into(),
            format!(
                "{} (geometric mean: lung {:.0}/{:.0}, liver {:.0}/{:.0} counts ant/post)",
                fmt_pct(lsf.value(), 2),
                p.lung_anterior,
                p.lung_posterior,
                p.liver_anterior,
                p.liver_posterior
            ),
        ));
    }
    if let Some(l) = c.mapping.lsf {
        kv.push(("Mapping LSF".into(), fmt_pct(l.value(), 2)));
    }
    kv
}

/// One row per tumour: segment, lobe, volume, mass and where the mass comes from.
fn tumour_table(c: &sirt_case::Case) -> Table {
    let mut t = Table::new(
        &[
            "tumour",
            "segment",
            "lobe",
            "volume (mL)",
            "mass (g)",
            "from",
        ],
        &[3, 4],
    );
    for tu in &c.tumours {
        t.row(vec![
            tu.id.clone(),
            tu.segment.clone().unwrap_or_default(),
            tu.lobe.map(lobe_text).unwrap_or_default().to_owned(),
            format!("{:.1}", tu.volume.ml()),
            format!("{:.1}", tu.mass.kg() * 1e3),
            match tu.mass_basis {
                MassBasis::Volume => "volume × density".into(),
                MassBasis::Stated => "stated mass".into(),
            },
        ]);
    }
    t
}

/// One row per injection: session, device, method, activities and binding constraint.
fn summary_table(plan: &Plan, o: &ReportOptions) -> Table {
    let mut s = Table::new(
        &[
            "injection",
            "session",
            "treatment",
            "device",
            "method",
            "administered",
            "vial at injection",
            "binding constraint",
        ],
        &[],
    );
    for p in &plan.injections {
        let session = plan.sessions.iter().find(|x| x.id == p.input.session);
        let (adm, vial, bind) = match &p.outcome {
            Outcome::Planned(a) => (
                fmt_activity(a.solution.administered),
                fmt_activity(a.vial_activity),
                a.solution.binding.describe().to_owned(),
            ),
            Outcome::Contraindicated { .. } => ("—".into(), "—".into(), "contraindicated".into()),
            Outcome::NoActivityAllowed { .. } => {
                ("—".into(), "—".into(), "no activity allowed".into())
            }
        };
        s.row(vec![
            p.input.id.clone(),
            p.input.session.clone(),
            session.map(|x| o.instant(&x.treatment)).unwrap_or_default(),
            p.device.name.clone(),
            method_name(p.input.method).to_owned(),
            adm,
            vial,
            bind,
        ]);
    }
    s
}

/// The ids of the plan's injections at the given indices.
fn injection_ids(plan: &Plan, indices: &[usize]) -> Vec<String> {
    indices
        .iter()
        .map(|&n| plan.injections[n].input.id.clone())
        .collect()
}

/// A session: its injections, totals, scalings and whole-tumour doses.
fn session_blocks(plan: &Plan, s: &SessionPlan, o: &ReportOptions, doc: &mut Document) {
    doc.push(Block::Heading(
        2,
        format!(
            "Session {} — {} ({})",
            s.id,
            o.instant(&s.treatment),
            s.extent.label()
        ),
    ));
    let mut kv = Vec::new();
    kv.push((
        "Injections".into(),
        injection_ids(plan, &s.injections).join(", "),
    ));
    match s.totals {
        Some(t) => session_totals(plan, s, &t, &mut kv),
        None => kv.push((
            "Totals".into(),
            "no activity planned in this session".into(),
        )),
    }
    for sc in &s.scalings {
        kv.push((
            "Scaled".into(),
            format!(
                "{} × {:.4} to meet the {}",
                injection_ids(plan, &sc.injections).join(", "),
                sc.factor,
                sc.constraint.describe()
            ),
        ));
    }
    doc.push(Block::KeyValues(kv));
    if !s.tumour_doses.is_empty() {
        let mut t = Table::new(&["tumour", "whole-tumour dose (Gy)"], &[1]);
        for (id, d) in &s.tumour_doses {
            t.row(vec![id.clone(), format!("{:.1}", d.gy())]);
        }
        doc.push(Block::Para(
            "Whole-tumour mean doses with the ordered vials (all injections of the session; a tumour split between territories gets the energy of every part over its whole mass):".into(),
        ));
        doc.push(Block::Table(t));
    }
}

/// The label–value pairs of a session's totals: whole-liver NTAD, treated fraction, lung doses.
fn session_totals(plan: &Plan, s: &SessionPlan, t: &SessionTotals, kv: &mut Vec<(String, String)>) {
    let c = &plan.case;
    match &s.ntad_not_evaluable {
        Some(why) => {
            kv.push((
                "Whole-liver normal-tissue dose".into(),
                format!("not evaluable: {why}"),
            ));
            kv.push(("Treated fraction".into(), "not evaluable".into()));
        }
        None => ntad_totals(plan, s, t, kv),
    }
    lung_totals(c, s, t, kv);
}

/// The whole-liver NTAD and the treated fraction of a session.
fn ntad_totals(plan: &Plan, s: &SessionPlan, t: &SessionTotals, kv: &mut Vec<(String, String)>) {
    let c = &plan.case;
    kv.push((
        "Whole-liver normal-tissue dose".into(),
        format!(
            "{} (energy {:.2} J in all non-tumoural liver / {:.3} kg; untreated liver at 0 Gy)",
            fmt_gy(t.whole_liver_ntad),
            t.normal_liver_energy.j(),
            c.whole_normal_liver_mass().kg()
        ),
    ));
    cumulative_ntad_line(plan, s, kv);
    if plan.sessions.len() > 1 {
        kv.push((
            "Whole-liver NTAD, plan so far".into(),
            format!(
                "{} (this and the plan's earlier sessions; delivered doses where the residual was recorded)",
                fmt_gy(s.plan_whole_liver_ntad)
            ),
        ));
    }
    let mut frac = format!(
        "{} of the non-tumoural liver",
        fmt_pct(t.treated_normal_fraction, 1)
    );
    let ntad_limit = c.planning.limits.whole_liver_ntad_max;
    if let Some(l) = ntad_limit.and_then(|l| s.equivalent_perfused_limit(l).map(|e| (l, e))) {
        frac.push_str(&format!(
            "; the {} whole-liver limit equals {} on the perfused normal liver (limit / fraction)",
            fmt_gy(l.0),
            fmt_gy(l.1)
        ));
    }
    kv.push(("Treated fraction".into(), frac));
}

/// The lung doses of a session: in the 1 kg convention of the limits (decisive) and, when the
/// lung mass used differs, with that mass.
fn lung_totals(
    c: &sirt_case::Case,
    s: &SessionPlan,
    t: &SessionTotals,
    kv: &mut Vec<(String, String)>,
) {
    let convention = matches!(c.lungs.basis, LungMassBasis::Convention);
    if let (Some(d), Some(cum)) = (s.lung_dose_1kg, s.cumulative_lung_dose_1kg) {
        kv.push((
            "Lung dose, session (1 kg convention)".into(),
            format!(
                "{} (K · A · LSF / 1 kg with the planning LSF: the convention of the 30 Gy limit)",
                fmt_gy(d)
            ),
        ));
        kv.push((
            "Lung dose, cumulative (1 kg convention)".into(),
            fmt_gy(cum),
        ));
    }
    if !convention {
        kv.push((
            "Lung dose, session (lung mass used)".into(),
            format!("{} ({})", fmt_gy(t.lung_dose), lung_text(c)),
        ));
        kv.push((
            "Lung dose, cumulative (lung mass used)".into(),
            format!(
                "{} (before this session: {})",
                fmt_gy(t.cumulative_lung_dose),
                fmt_gy(s.earlier_lung_dose)
            ),
        ));
    }
}

/// The notes of the checks not passed, one per rule, basis and note, naming every subject it
/// applies to (a note repeated for each tumour is read once).
fn notes_not_passed(checks: &[sirt_rules::Check]) -> Vec<String> {
    let mut grouped: Vec<(&str, sirt_rules::CheckBasis, &str, Vec<&str>)> = Vec::new();
    for c in checks
        .iter()
        .filter(|c| c.status != sirt_rules::Status::Pass)
    {
        let Some(note) = c.note.as_deref() else {
            continue;
        };
        match grouped
            .iter_mut()
            .find(|(r, b, n, _)| *r == c.rule && *b == c.basis && *n == note)
        {
            Some(g) => g.3.push(&c.subject),
            None => grouped.push((&c.rule, c.basis, note, vec![&c.subject])),
        }
    }
    grouped
        .into_iter()
        .map(|(rule, basis, note, subjects)| {
            format!(
                "{rule} [{}] ({}): {note}",
                basis.label(),
                subjects.join("; ")
            )
        })
        .collect()
}

/// The checks table, the numbered sources of its rules and the notes on checks not passed.
fn check_blocks(plan: &Plan, doc: &mut Document) {
    doc.push(Block::Heading(1, "Checks".into()));
    let mut sources: Vec<String> = Vec::new();
    let mut t = Table::new(
        &[
            "status",
            "rule",
            "subject",
            "basis",
            "value",
            "requirement",
            "source",
        ],
        &[4],
    );
    for ch in &plan.checks {
        let n = match sources.iter().position(|s| *s == ch.source) {
            Some(n) => n,
            None => {
                sources.push(ch.source.clone());
                sources.len() - 1
            }
        };
        t.row(vec![
            ch.status.to_string(),
            ch.rule.clone(),
            ch.subject.clone(),
            ch.basis.label().to_owned(),
            check_value(ch),
            check_requirement(ch),
            format!("[{}]", n + 1),
        ]);
    }
    doc.push(Block::Table(t));
    doc.push(Block::Heading(2, "Bases of the values".into()));
    let mut bases: Vec<String> = Vec::new();
    for ch in &plan.checks {
        let line = format!("{}: {}", ch.basis.label(), ch.values_from);
        if !bases.contains(&line) {
            bases.push(line);
        }
    }
    doc.push(Block::List(bases));
    doc.push(Block::Heading(2, "Sources of the rules".into()));
    doc.push(Block::List(
        sources
            .iter()
            .enumerate()
            .map(|(n, s)| format!("[{}] {s}", n + 1))
            .collect(),
    ));
    let notes = notes_not_passed(&plan.checks);
    if !notes.is_empty() {
        doc.push(Block::Heading(2, "Notes on checks not passed".into()));
        doc.push(Block::List(notes));
    }
}

fn lung_text(c: &sirt_case::Case) -> String {
    c.lungs.describe()
}

/// A check's value in the report: flags as yes/no, numbers in the rule's unit (activities in GBq
/// with mCi beside), "—" when there is none.
fn check_value(ch: &sirt_rules::Check) -> String {
    ch.value
        .as_ref()
        .map_or_else(|| "—".into(), |v| fmt_check_value(v, &ch.unit))
}

/// A check's requirement in the same unit and format as its value ("≤ 0.611 GBq (16.50 mCi)"
/// beside a value "0.103 GBq (2.78 mCi)", where the rule wrote "16.5 mCi"; "= no" for a flag);
/// a number in another unit as the rule wrote it ("≤ 75 Gy").
fn check_requirement(ch: &sirt_rules::Check) -> String {
    let threshold = match &ch.threshold {
        sirt_rules::CheckValue::Flag(_) => fmt_check_value(&ch.threshold, &ch.unit),
        sirt_rules::CheckValue::Number(_) if ch.unit == "GBq" => {
            fmt_check_value(&ch.threshold, &ch.unit)
        }
        sirt_rules::CheckValue::Number(_) => ch.threshold_written.clone(),
    };
    format!("{} {threshold}", ch.comparison)
}

/// A value of a check: yes/no, or a number with its unit.
fn fmt_check_value(v: &sirt_rules::CheckValue, unit: &str) -> String {
    match *v {
        sirt_rules::CheckValue::Flag(true) => "yes".into(),
        sirt_rules::CheckValue::Flag(false) => "no".into(),
        sirt_rules::CheckValue::Number(x) => match unit {
            "Gy" => format!("{x:.1} Gy"),
            "GBq" => format!("{x:.3} GBq ({:.2} mCi)", x * 1e9 / sirt_units::BQ_PER_MCI),
            "%" => format!("{x:.1} %"),
            "mL" => format!("{x:.1} mL"),
            u => format!("{x:.2} {u}"),
        },
    }
}

fn goal_text(p: &InjectionPlan) -> String {
    match &p.input.goal {
        Goal::TumourDose { dose, tumour } => match tumour.as_str() {
            "combined" => format!(
                "mean dose of all tumours in the territory {}",
                fmt_gy(*dose)
            ),
            "every" => format!("every tumour of the territory at least {}", fmt_gy(*dose)),
            id => format!("tumour {id} {}", fmt_gy(*dose)),
        },
        Goal::PerfusedDose { dose } => format!("perfused-volume dose {}", fmt_gy(*dose)),
        Goal::Activity { activity } => {
            format!("administered activity fixed at {}", fmt_activity(*activity))
        }
        Goal::Maximum => "largest activity the limits allow".into(),
        Goal::Formula => "BSA formula".into(),
    }
}

/// The compartments of an injection's doses: (label, mass, TNR, selector).
pub(crate) fn dose_rows(
    p: &InjectionPlan,
    d: &PartitionDoses,
) -> Vec<(String, Option<f64>, CompartmentDose)> {
    let mut rows = Vec::new();
    for tu in &p.tumours {
        if let Some((_, cd)) = d.tumours.iter().find(|(id, _)| *id == tu.id) {
            let frac = if tu.fraction < 1.0 {
                format!(" ({} in territory)", fmt_pct(tu.fraction, 0))
            } else {
                String::new()
            };
            rows.push((format!("tumour {}{frac}", tu.id), Some(tu.tnr), *cd));
        }
    }
    if let Some(cd) = d.tumours_combined {
        rows.push(("tumours combined".into(), None, cd));
    }
    rows.push(("normal liver (perfused)".into(), Some(1.0), d.normal_liver));
    rows.push(("perfused volume".into(), None, d.perfused));
    rows.push(("lungs".into(), None, d.lung));
    rows
}

/// Doses by compartment; with a second set (the ordered vial), both dose columns side by side.
fn dose_table(p: &InjectionPlan, d: &PartitionDoses, with_vial: Option<&PartitionDoses>) -> Table {
    let mut headers = vec![
        "compartment",
        "mass (g)",
        "TNR",
        "activity (GBq)",
        "dose (Gy)",
    ];
    if with_vial.is_some() {
        headers.extend(["activity with vial (GBq)", "dose with vial (Gy)"]);
    }
    let right: Vec<usize> = (1..headers.len()).collect();
    let mut t = Table::new(&headers, &right);
    let other = with_vial.map(|w| dose_rows(p, w));
    for (n, (label, tnr, cd)) in dose_rows(p, d).into_iter().enumerate() {
        let mut row = vec![
            label,
            format!("{:.1}", cd.mass.kg() * 1e3),
            tnr.map(|x| format!("{x:.2}")).unwrap_or_default(),
            format!("{:.4}", cd.activity.gbq()),
            format!("{:.2}", cd.dose.gy()),
        ];
        if let Some((_, _, w)) = other.as_ref().and_then(|o| o.get(n)) {
            row.push(format!("{:.4}", w.activity.gbq()));
            row.push(format!("{:.2}", w.dose.gy()));
        }
        t.row(row);
    }
    t
}

/// The vial order: what to order for the ordering kind, spheres, schedule, alternatives and days.
fn order_blocks(o: &VialOrder, opts: &ReportOptions, doc: &mut Document) {
    let mut kv = ordering_values(o, opts);
    if let Some(n) = o.spheres {
        kv.push((
            "Microspheres".into(),
            format!(
                "about {:.2} million in the vial(s) at calibration or drawn (catalogue activity per sphere; the residual keeps a part)",
                n / 1e6
            ),
        ));
    }
    kv.push((
        "Calibration schedule".into(),
        format!(
            "{}{}",
            o.schedule_source,
            if o.schedule_verified {
                ""
            } else {
                " — unverified"
            }
        ),
    ));
    doc.push(Block::KeyValues(kv));
    if !o.alternatives.is_empty() {
        doc.push(Block::Table(alternatives_table(o, opts)));
    }
    if !o.days.is_empty() {
        doc.push(Block::Table(days_table(o, opts)));
    }
}

/// The label–value pairs saying what to order: one vial, a fraction of vials, or a
/// patient-specific activity.
pub(crate) fn ordering_values(o: &VialOrder, opts: &ReportOptions) -> Vec<(String, String)> {
    let mut kv = Vec::new();
    match o.ordering {
        Ordering::Vials => {
            kv.push((
                "Vial".into(),
                format!(
                    "{} at calibration {}",
                    fmt_activity(o.chosen.nominal),
                    opts.instant(&o.chosen.calibration)
                ),
            ));
            kv.push((
                "In the vial at treatment".into(),
                format!(
                    "{} ({:+.1} % vs the required {}), {:.2} days after calibration",
                    fmt_activity(o.chosen.at_injection),
                    o.chosen.deviation * 100.0,
                    fmt_activity(o.required_at_injection),
                    o.days_after_calibration
                ),
            ));
            if let Some(e) = &o.exact_instant {
                kv.push((
                    "Exact activity at".into(),
                    format!(
                        "{} (the vial holds exactly the required activity)",
                        opts.instant(e)
                    ),
                ));
            }
        }
        Ordering::Fraction => {
            kv.push((
                "Vials".into(),
                format!(
                    "{} × {} at calibration {}",
                    o.vials,
                    fmt_activity(o.chosen.nominal / f64::from(o.vials)),
                    opts.instant(&o.chosen.calibration)
                ),
            ));
            kv.push((
                "In the vials at treatment".into(),
                fmt_activity(o.chosen.at_injection),
            ));
            if let Some(f) = o.fraction_drawn {
                kv.push((
                    "Fraction to draw".into(),
                    format!(
                        "{} of each vial, {} in all",
                        fmt_pct(f, 1),
                        fmt_activity(o.required_at_injection)
                    ),
                ));
            }
        }
        Ordering::PatientSpecific => {
            kv.push((
                "Order".into(),
                format!(
                    "{} at calibration {} (= {} at treatment)",
                    fmt_activity(o.chosen.nominal),
                    opts.instant(&o.chosen.calibration),
                    fmt_activity(o.required_at_injection)
                ),
            ));
        }
    }
    kv
}

/// The other vials that could be ordered.
fn alternatives_table(o: &VialOrder, opts: &ReportOptions) -> Table {
    let mut t = Table::new(
        &["other vial", "calibration", "at treatment", "deviation"],
        &[0, 2, 3],
    );
    for a in &o.alternatives {
        t.row(vec![
            fmt_activity(a.nominal),
            opts.instant(&a.calibration),
            fmt_activity(a.at_injection),
            format!("{:+.1} %", a.deviation * 100.0),
        ]);
    }
    t
}

/// The vial's activity on other treatment days at the same clock time.
fn days_table(o: &VialOrder, opts: &ReportOptions) -> Table {
    let mut t = Table::new(
        &[
            "treatment day (same clock time)",
            "weekday",
            "days after calibration",
            "in the vial",
            "deviation",
        ],
        &[2, 3, 4],
    );
    for d in &o.days {
        let shown = match &opts.time_zone {
            Some(z) => d.instant.in_zone(z.clone()),
            None => d.instant.clone(),
        };
        t.row(vec![
            opts.instant(&d.instant),
            shown.zoned().strftime("%A").to_string(),
            format!("{:.2}", d.days_after_calibration),
            fmt_activity(d.at_injection),
            format!("{:+.1} %", d.deviation * 100.0),
        ]);
    }
    t
}

/// An injection: its inputs, then the planned activity and doses or why there is none.
fn injection_blocks(p: &InjectionPlan, o: &ReportOptions, doc: &mut Document) {
    let i = &p.input;
    doc.push(Block::Heading(
        1,
        format!("Injection {} (session {})", i.id, i.session),
    ));
    doc.push(Block::KeyValues(injection_values(p)));
    match &p.outcome {
        Outcome::Contraindicated { reason } | Outcome::NoActivityAllowed { reason } => {
            doc.push(Block::Notice(format!("No activity: {reason}.")))
        }
        Outcome::Planned(a) => planned_blocks(p, a, o, doc),
    }
}

/// The label–value pairs of an injection's inputs: territory, device, method, K, LSF,
/// residual, goal, limits and the BSA computation.
fn injection_values(p: &InjectionPlan) -> Vec<(String, String)> {
    let i = &p.input;
    let mut kv = Vec::new();
    if let Some(l) = &i.label {
        kv.push(("Catheter position".into(), l.clone()));
    }
    kv.push((
        "Territory".into(),
        format!(
            "{}; perfused {:.1} mL = {:.1} g; non-tumoural {:.1} g",
            territory_text(i.territory, i.lobe),
            i.perfused_volume.ml(),
            i.perfused_mass.kg() * 1e3,
            i.normal_liver_mass.kg() * 1e3
        ),
    ));
    kv.push((
        "Device".into(),
        format!(
            "{} ({}, {}, {})",
            p.device.name, p.device.manufacturer, p.device.material, p.device.nuclide
        ),
    ));
    kv.push(("Method".into(), method_text(i.method)));
    kv.push((
        "K".into(),
        format!(
            "{} Gy·kg/GBq — {} ({})",
            p.k.k.gy_kg_per_gbq(),
            p.k.label,
            p.k.source
        ),
    ));
    kv.push((
        "Lung shunt fraction".into(),
        format!(
            "{} ({})",
            fmt_pct(i.lung.lsf.value(), 2),
            match i.lsf_source {
                LsfSource::Injection => "stated for this injection",
                LsfSource::Mapping => "mapping",
                LsfSource::Planar => "planar geometric mean",
            }
        ),
    ));
    kv.push((
        "Residual fraction".into(),
        fmt_pct(i.residual_fraction.value(), 1),
    ));
    kv.push(("Goal".into(), goal_text(p)));
    kv.push(("Limits".into(), limits_text(&i.limits)));
    if let Some(b) = &p.bsa {
        kv.push((
            "BSA method".into(),
            format!(
                "BSA {:.3} m²; (BSA − 0.2) + {:.4} = {:.4} GBq for the whole liver; × {:.4} (perfused / liver volume); LSF factor {}",
                b.bsa_m2,
                b.tumour_involvement,
                b.whole_liver_activity.gbq(),
                b.perfused_fraction,
                b.lsf_factor.map(|f| format!("{f}")).unwrap_or_else(|| "contraindicated".into())
            ),
        ));
    }
    kv
}

/// The dose limits of an injection, "none" when it has none.
pub(crate) fn limits_text(l: &sirt_case::Limits) -> String {
    let mut lim = Vec::new();
    if let Some(d) = l.normal_liver_max {
        lim.push(format!("perfused normal liver ≤ {}", fmt_gy(d)));
    }
    if let Some(d) = l.perfused_max {
        lim.push(format!("perfused volume ≤ {}", fmt_gy(d)));
    }
    if let Some(d) = l.lung_max {
        lim.push(format!("lung (injection) ≤ {}", fmt_gy(d)));
    }
    if let Some(d) = l.whole_liver_ntad_max {
        lim.push(format!("whole-liver NTAD (session) ≤ {}", fmt_gy(d)));
    }
    if let Some(d) = l.lung_session_max {
        lim.push(format!("lung (session) ≤ {}", fmt_gy(d)));
    }
    if let Some(d) = l.lung_cumulative_max {
        lim.push(format!("lung (cumulative) ≤ {}", fmt_gy(d)));
    }
    if lim.is_empty() {
        "none".into()
    } else {
        lim.join("; ")
    }
}

/// A planned injection: activities, candidates, predicted doses, vial order and delivery.
fn planned_blocks(p: &InjectionPlan, a: &PlannedActivity, o: &ReportOptions, doc: &mut Document) {
    let i = &p.input;
    let s = &a.solution;
    let mut kv = vec![
        (
            "Administered activity".to_owned(),
            fmt_activity(s.administered),
        ),
        (
            "Vial activity at injection".to_owned(),
            format!(
                "{} = administered / (1 − {})",
                fmt_activity(a.vial_activity),
                i.residual_fraction.value()
            ),
        ),
        (
            "Binding constraint".to_owned(),
            s.binding.describe().to_owned(),
        ),
    ];
    if a.target_reached == Some(false) {
        kv.push((
            "Target".into(),
            "NOT reached: a limit binds before the tumour target".into(),
        ));
    }
    doc.push(Block::KeyValues(kv));
    let mut t = Table::new(&["candidate", "activity"], &[1]);
    for c in &s.candidates {
        t.row(vec![
            c.constraint.describe().to_owned(),
            fmt_activity(c.activity),
        ]);
    }
    doc.push(Block::Table(t));
    let vial_differs = (a.expected.administered / s.administered - 1.0).abs() > 1e-9;
    if vial_differs {
        kv_push_expected(doc, a);
    }
    doc.push(Block::Heading(
        3,
        "Predicted doses (99mTc-MAA, partition model)".into(),
    ));
    doc.push(Block::Table(dose_table(
        p,
        &s.doses,
        vial_differs.then_some(&a.expected.doses),
    )));
    doc.push(Block::Heading(3, "Vial order".into()));
    order_blocks(&a.order, o, doc);
    if let Some(dd) = &a.delivered {
        delivered_blocks(p, dd, o, doc);
    }
}

/// What was delivered: injection instant, vial, residual, delivered activity and doses.
fn delivered_blocks(p: &InjectionPlan, dd: &DeliveredDoses, o: &ReportOptions, doc: &mut Document) {
    doc.push(Block::Heading(3, "Delivered".into()));
    doc.push(Block::KeyValues(vec![
        ("Injected".into(), o.instant(&dd.injected)),
        (
            "Vial at injection".into(),
            fmt_activity(dd.delivery.vial_at_injection),
        ),
        (
            "Residual at injection".into(),
            format!(
                "{} ({})",
                fmt_activity(dd.delivery.residual_at_injection),
                fmt_pct(dd.delivery.residual_fraction, 2)
            ),
        ),
        (
            "Delivered activity".into(),
            fmt_activity(dd.delivery.delivered),
        ),
    ]));
    doc.push(Block::Table(dose_table(p, &dd.doses, None)));
}

fn kv_push_expected(doc: &mut Document, a: &sirt_workflow::PlannedActivity) {
    doc.push(Block::KeyValues(vec![(
        "With the ordered vial".into(),
        format!(
            "{} administered if injected at the planned instant (whole vial less the residual; {:+.1} % vs the prescription); the checks use these doses",
            fmt_activity(a.expected.administered),
            (a.expected.administered / a.solution.administered - 1.0) * 100.0
        ),
    )]));
}

/// A lobe as people write it.
fn lobe_text(l: sirt_case::Lobe) -> &'static str {
    match l {
        sirt_case::Lobe::Right => "right",
        sirt_case::Lobe::Left => "left",
        sirt_case::Lobe::Both => "both lobes",
    }
}

/// A perfused territory as people write it ("whole liver", "right lobe", "segmental, left lobe").
pub(crate) fn territory_text(kind: sirt_case::TerritoryKind, lobe: sirt_case::Lobe) -> String {
    use sirt_case::{Lobe, TerritoryKind};
    match (kind, lobe) {
        (TerritoryKind::WholeLiver, _) => "whole liver".into(),
        (TerritoryKind::Lobar, Lobe::Both) => "lobar, both lobes".into(),
        (TerritoryKind::Lobar, l) => format!("{} lobe", lobe_text(l)),
        (TerritoryKind::Segmental, Lobe::Both) => "segmental".into(),
        (TerritoryKind::Segmental, l) => format!("segmental, {} lobe", lobe_text(l)),
    }
}

/// A dosimetry method's short name (the summary table).
fn method_name(m: sirt_case::Method) -> &'static str {
    match m {
        sirt_case::Method::Mird => "MIRD",
        sirt_case::Method::Partition => "partition model",
        sirt_case::Method::Bsa => "BSA",
        sirt_case::Method::Ho166 => "Ho-166 dose rule",
    }
}

fn method_text(m: sirt_case::Method) -> String {
    match m {
        sirt_case::Method::Mird => {
            "MIRD single compartment (uniform uptake in the perfused volume)".into()
        }
        sirt_case::Method::Partition => {
            "partition model (multi-compartment, Ho et al. 1996)".into()
        }
        sirt_case::Method::Bsa => "BSA method (resin; Kennedy et al. 2007)".into(),
        sirt_case::Method::Ho166 => "Ho-166 dose rule (3.781 GBq per kg for 60 Gy)".into(),
    }
}

/// "Treatment history": the earlier treatments with the doses recorded, and the whole-liver NTAD
/// of the earlier SIRT that the sessions' cumulative NTAD starts from (nothing without history).
fn history_blocks(plan: &Plan, doc: &mut Document) {
    let c = &plan.case;
    if c.earlier_treatments.is_empty() {
        return;
    }
    doc.push(Block::Heading(1, "Treatment history".into()));
    let mut t = Table::new(&["date", "kind", "description", "recorded"], &[]);
    for e in &c.earlier_treatments {
        t.row(vec![
            e.date.clone(),
            e.kind.clone(),
            e.description.clone().unwrap_or_default(),
            sirt_workflow::earlier_recorded(e),
        ]);
    }
    doc.push(Block::Table(t));
    if c.earlier_treatments.iter().any(|e| e.is_sirt()) {
        doc.push(Block::KeyValues(vec![(
            "Whole-liver NTAD of earlier SIRT".into(),
            format!(
                "{} (as recorded; added to each session's cumulative whole-liver NTAD)",
                fmt_gy(c.earlier_sirt_whole_liver_ntad())
            ),
        )]));
    }
}

/// The cumulative whole-liver NTAD over SIRT sessions of a session, when the case has an earlier
/// SIRT (without one it is the plan's own sum, printed as "plan so far").
fn cumulative_ntad_line(plan: &Plan, s: &SessionPlan, kv: &mut Vec<(String, String)>) {
    if !plan.case.earlier_treatments.iter().any(|e| e.is_sirt()) {
        return;
    }
    if let Some(d) = s.cumulative_whole_liver_ntad {
        kv.push((
            "Whole-liver NTAD, cumulative".into(),
            format!(
                "{} (earlier SIRT as recorded, {}, plus this and the plan's earlier sessions)",
                fmt_gy(d),
                fmt_gy(plan.case.earlier_sirt_whole_liver_ntad())
            ),
        ));
    }
}
