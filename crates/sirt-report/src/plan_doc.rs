//! The plan as a document for people: inputs, parameters and K, per-injection tables in GBq and
//! mCi, predicted doses, vial orders, session totals, checks with their sources, notes; in the
//! report's language (`ReportOptions::lang`: words from the catalogue `report.ftl`, numbers with
//! the language's decimal separator and unit space; ids, names, citations and instants as
//! written).

use crate::document::{Block, Document, Table};
use crate::signoff::ReportOptions;
use crate::words::{self, InLang, activity, gy, pct, signed_pct};
use sirt_analytic::lung::LungMassBasis;
use sirt_analytic::partition::{CompartmentDose, PartitionDoses};
use sirt_analytic::session::SessionTotals;
use sirt_case::{Goal, LsfSource, MassBasis};
use sirt_devices::{Ordering, VialOrder};
use sirt_i18n::{Lang, t};
use sirt_workflow::{DeliveredDoses, InjectionPlan, Outcome, Plan, PlannedActivity, SessionPlan};

/// Builds the plan document: instants in their own zones, the sign-off block with empty fields,
/// in English.
pub fn plan_document(plan: &Plan) -> Document {
    plan_document_with(plan, &ReportOptions::default())
}

/// The separator of the items of a list in a line: "; " (French: a no-break space before ";").
pub(crate) fn list_sep(l: Lang) -> &'static str {
    match l {
        Lang::En => "; ",
        Lang::Fr => "\u{a0}; ",
    }
}

/// "label: text" (French: a no-break space before ":").
pub(crate) fn colon(l: Lang, label: &str, text: &str) -> String {
    match l {
        Lang::En => format!("{label}: {text}"),
        Lang::Fr => format!("{label}\u{a0}: {text}"),
    }
}

/// Builds the plan document with its options: the zone of its instants, the signatures of
/// its sign-off block (right after the research notice) and its language.
pub fn plan_document_with(plan: &Plan, o: &ReportOptions) -> Document {
    let l = o.lang;
    let c = &plan.case;
    let mut doc = Document {
        title: t!(
            l,
            "report-title",
            version = env!("CARGO_PKG_VERSION"),
            patient = c.patient.id.as_str()
        ),
        blocks: Vec::new(),
        page_size: None,
        lang: l,
    };
    doc.push(Block::Notice(l.research_notice()));
    doc.blocks.extend(o.sign_off.blocks(o));
    doc.push(Block::Heading(1, t!(l, "report-patient-and-inputs")));
    doc.push(Block::KeyValues(input_values(l, c)));
    if !c.tumours.is_empty() {
        doc.push(Block::Table(tumour_table(l, c)));
    }
    history_blocks(plan, l, &mut doc);
    doc.push(Block::Heading(1, t!(l, "report-summary")));
    doc.push(Block::Table(summary_table(plan, o)));
    for p in &plan.injections {
        injection_blocks(p, o, &mut doc);
    }
    doc.push(Block::Heading(1, t!(l, "report-sessions")));
    for s in &plan.sessions {
        session_blocks(plan, s, o, &mut doc);
    }
    check_blocks(plan, l, &mut doc);
    if !c.accepted.is_empty() {
        doc.push(Block::Heading(1, t!(l, "report-accepted-exceptions")));
        doc.push(Block::KeyValues(
            c.accepted
                .iter()
                .map(|a| (a.what.clone(), a.reason.clone()))
                .collect(),
        ));
    }
    if !plan.notes.is_empty() {
        doc.push(Block::Heading(1, t!(l, "report-notes")));
        doc.push(Block::List(
            plan.notes.iter().map(|n| n.in_lang(l)).collect(),
        ));
    }
    doc.push(Block::Notice(l.research_notice()));
    doc
}

/// The patient line: id, sex, age, height, weight (those known).
fn patient_text(l: Lang, c: &sirt_case::Case) -> String {
    let mut who = vec![c.patient.id.clone()];
    if let Some(s) = &c.patient.sex {
        who.push(words::sex(l, s));
    }
    if let Some(a) = c.patient.age_years {
        who.push(t!(l, "report-age-years", years = a.to_string()));
    }
    if let Some(h) = c.patient.height {
        who.push(l.quantity(h.m(), 2, "m"));
    }
    if let Some(w) = c.patient.weight {
        who.push(l.quantity(w.kg(), 1, "kg"));
    }
    who.join(", ")
}

/// The diagnosis line: indication, grade, Ki-67, primary site (those known).
fn diagnosis_text(l: Lang, c: &sirt_case::Case) -> String {
    let d = &c.diagnosis;
    let mut dx = vec![d.indication.clone()];
    if let Some(g) = d.grade {
        dx.push(g.label().to_owned());
    }
    if let Some(k) = d.ki67_percent {
        dx.push(format!("Ki-67 {}", l.numeric(&format!("{k} %"))));
    }
    if let Some(p) = &d.primary_site {
        dx.push(t!(l, "report-primary-site", site = p.as_str()));
    }
    dx.join(", ")
}

/// The whole liver: volume × density = mass.
fn whole_liver_text(l: Lang, c: &sirt_case::Case) -> String {
    let density = l.numeric(&format!("{} g/mL", c.liver.density.g_per_ml()));
    let density = if c.liver.density_is_default {
        format!("{density} ({})", t!(l, "report-default"))
    } else {
        density
    };
    format!(
        "{} × {density} = {}",
        l.quantity(c.liver.volume.ml(), 1, "mL"),
        l.quantity(c.liver.mass().kg(), 3, "kg")
    )
}

/// The tumours: count, volume and burden.
fn tumours_text(l: Lang, c: &sirt_case::Case) -> String {
    let tumour_ml: f64 = c.tumours.iter().map(|t| t.volume.ml()).sum();
    t!(
        l,
        "report-tumours-value",
        count = c.tumours.len(),
        volume = l.quantity(tumour_ml, 1, "mL"),
        burden = c
            .tumour_burden()
            .map(|b| pct(l, b.value(), 1))
            .unwrap_or_else(|| t!(l, "common-unknown"))
    )
}

/// The label–value pairs of "Patient and inputs".
fn input_values(l: Lang, c: &sirt_case::Case) -> Vec<(String, String)> {
    let mut kv = Vec::new();
    kv.push((t!(l, "report-patient"), patient_text(l, c)));
    kv.push((t!(l, "report-diagnosis"), diagnosis_text(l, c)));
    if let Some(h) = &c.diagnosis.history {
        kv.push((t!(l, "report-history"), h.clone()));
    }
    if let Some(b) = c.labs.as_ref().and_then(|x| x.bilirubin) {
        kv.push((
            t!(l, "report-bilirubin"),
            l.numeric(&format!(
                "{:.2} mg/dL ({:.1} µmol/L)",
                b.mg_per_dl(),
                b.umol_per_l()
            )),
        ));
    }
    kv.push((t!(l, "report-whole-liver"), whole_liver_text(l, c)));
    kv.push((t!(l, "report-tumours"), tumours_text(l, c)));
    kv.push((
        t!(l, "report-non-tumoural-liver"),
        t!(
            l,
            "report-non-tumoural-liver-value",
            mass = l.quantity(c.whole_normal_liver_mass().kg(), 3, "kg")
        ),
    ));
    kv.push((t!(l, "report-lungs"), lung_text(l, c)));
    if let Some((p, lsf)) = &c.mapping.planar {
        kv.push((
            t!(l, "report-planar-lsf"),
            t!(
                l,
                "report-planar-lsf-value",
                lsf = pct(l, lsf.value(), 2),
                lung_ant = l.decimal(p.lung_anterior, 0),
                lung_post = l.decimal(p.lung_posterior, 0),
                liver_ant = l.decimal(p.liver_anterior, 0),
                liver_post = l.decimal(p.liver_posterior, 0)
            ),
        ));
    }
    if let Some(x) = c.mapping.lsf {
        kv.push((t!(l, "report-mapping-lsf"), pct(l, x.value(), 2)));
    }
    kv
}

/// One row per tumour: segment, lobe, volume, mass and where the mass comes from.
fn tumour_table(l: Lang, c: &sirt_case::Case) -> Table {
    let mut t = Table::new(
        &[
            &t!(l, "report-col-tumour"),
            &t!(l, "report-col-segment"),
            &t!(l, "report-col-lobe"),
            &t!(l, "report-col-volume-ml"),
            &t!(l, "report-col-mass-g"),
            &t!(l, "report-col-mass-from"),
        ],
        &[3, 4],
    );
    for tu in &c.tumours {
        t.row(vec![
            tu.id.clone(),
            tu.segment.clone().unwrap_or_default(),
            tu.lobe.map(|x| lobe_text(l, x)).unwrap_or_default(),
            l.decimal(tu.volume.ml(), 1),
            l.decimal(tu.mass.kg() * 1e3, 1),
            match tu.mass_basis {
                MassBasis::Volume => t!(l, "report-mass-from-volume"),
                MassBasis::Stated => t!(l, "report-mass-stated"),
            },
        ]);
    }
    t
}

/// One row per injection: session, device, method, activities and binding constraint.
fn summary_table(plan: &Plan, o: &ReportOptions) -> Table {
    let l = o.lang;
    let mut s = Table::new(
        &[
            &t!(l, "report-col-injection"),
            &t!(l, "report-col-session"),
            &t!(l, "report-col-treatment"),
            &t!(l, "report-col-device"),
            &t!(l, "report-col-method"),
            &t!(l, "report-col-administered"),
            &t!(l, "report-col-vial-at-injection"),
            &t!(l, "report-col-binding-constraint"),
        ],
        &[],
    );
    for p in &plan.injections {
        let session = plan.sessions.iter().find(|x| x.id == p.input.session);
        let (adm, vial, bind) = match &p.outcome {
            Outcome::Planned(a) => (
                activity(l, a.solution.administered),
                activity(l, a.vial_activity),
                words::constraint(l, &a.solution.binding),
            ),
            Outcome::Contraindicated { .. } => {
                ("—".into(), "—".into(), t!(l, "report-contraindicated"))
            }
            Outcome::NoActivityAllowed { .. } => {
                ("—".into(), "—".into(), t!(l, "report-no-activity-allowed"))
            }
        };
        s.row(vec![
            p.input.id.clone(),
            p.input.session.clone(),
            session.map(|x| o.instant(&x.treatment)).unwrap_or_default(),
            p.device.name.clone(),
            method_name(l, p.input.method),
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
    let l = o.lang;
    doc.push(Block::Heading(
        2,
        t!(
            l,
            "report-session-heading",
            id = s.id.as_str(),
            instant = o.instant(&s.treatment),
            extent = words::extent(l, s.extent)
        ),
    ));
    let mut kv = Vec::new();
    kv.push((
        t!(l, "report-injections"),
        injection_ids(plan, &s.injections).join(", "),
    ));
    match s.totals {
        Some(tot) => session_totals(plan, s, &tot, l, &mut kv),
        None => kv.push((
            t!(l, "report-totals"),
            t!(l, "report-no-activity-in-session"),
        )),
    }
    for sc in &s.scalings {
        kv.push((
            t!(l, "report-scaled"),
            t!(
                l,
                "report-scaled-value",
                injections = injection_ids(plan, &sc.injections).join(", "),
                factor = l.decimal(sc.factor, 4),
                constraint = words::constraint(l, &sc.constraint)
            ),
        ));
    }
    doc.push(Block::KeyValues(kv));
    if !s.tumour_doses.is_empty() {
        let mut t = Table::new(
            &[
                &t!(l, "report-col-tumour"),
                &t!(l, "report-col-whole-tumour-dose"),
            ],
            &[1],
        );
        for (id, d) in &s.tumour_doses {
            t.row(vec![id.clone(), l.decimal(d.gy(), 1)]);
        }
        doc.push(Block::Para(t!(l, "report-whole-tumour-doses-intro")));
        doc.push(Block::Table(t));
    }
}

/// The label–value pairs of a session's totals: whole-liver NTAD, treated fraction, lung doses.
fn session_totals(
    plan: &Plan,
    s: &SessionPlan,
    tot: &SessionTotals,
    l: Lang,
    kv: &mut Vec<(String, String)>,
) {
    let c = &plan.case;
    match &s.ntad_not_evaluable {
        Some(why) => {
            kv.push((
                t!(l, "report-whole-liver-ntad"),
                t!(l, "report-not-evaluable-because", why = why.in_lang(l)),
            ));
            kv.push((
                t!(l, "report-treated-fraction"),
                t!(l, "report-not-evaluable"),
            ));
        }
        None => ntad_totals(plan, s, tot, l, kv),
    }
    lung_totals(c, s, tot, l, kv);
}

/// The whole-liver NTAD and the treated fraction of a session.
fn ntad_totals(
    plan: &Plan,
    s: &SessionPlan,
    tot: &SessionTotals,
    l: Lang,
    kv: &mut Vec<(String, String)>,
) {
    let c = &plan.case;
    kv.push((
        t!(l, "report-whole-liver-ntad"),
        t!(
            l,
            "report-whole-liver-ntad-value",
            dose = gy(l, tot.whole_liver_ntad),
            energy = l.quantity(tot.normal_liver_energy.j(), 2, "J"),
            mass = l.quantity(c.whole_normal_liver_mass().kg(), 3, "kg")
        ),
    ));
    cumulative_ntad_line(plan, s, l, kv);
    if plan.sessions.len() > 1 {
        kv.push((
            t!(l, "report-ntad-plan-so-far"),
            t!(
                l,
                "report-ntad-plan-so-far-value",
                dose = gy(l, s.plan_whole_liver_ntad)
            ),
        ));
    }
    let fraction = pct(l, tot.treated_normal_fraction, 1);
    let ntad_limit = c.planning.limits.whole_liver_ntad_max;
    let frac = match ntad_limit.and_then(|x| s.equivalent_perfused_limit(x).map(|e| (x, e))) {
        Some((limit, equivalent)) => t!(
            l,
            "report-treated-fraction-with-limit",
            fraction = fraction,
            limit = gy(l, limit),
            equivalent = gy(l, equivalent)
        ),
        None => t!(l, "report-treated-fraction-value", fraction = fraction),
    };
    kv.push((t!(l, "report-treated-fraction"), frac));
}

/// The lung doses of a session: in the 1 kg convention of the limits (decisive) and, when the
/// lung mass used differs, with that mass.
fn lung_totals(
    c: &sirt_case::Case,
    s: &SessionPlan,
    tot: &SessionTotals,
    l: Lang,
    kv: &mut Vec<(String, String)>,
) {
    let convention = matches!(c.lungs.basis, LungMassBasis::Convention);
    if let (Some(d), Some(cum)) = (s.lung_dose_1kg, s.cumulative_lung_dose_1kg) {
        kv.push((
            t!(l, "report-lung-session-1kg"),
            t!(l, "report-lung-session-1kg-value", dose = gy(l, d)),
        ));
        kv.push((t!(l, "report-lung-cumulative-1kg"), gy(l, cum)));
    }
    if !convention {
        kv.push((
            t!(l, "report-lung-session-mass-used"),
            format!("{} ({})", gy(l, tot.lung_dose), lung_text(l, c)),
        ));
        kv.push((
            t!(l, "report-lung-cumulative-mass-used"),
            t!(
                l,
                "report-lung-cumulative-mass-used-value",
                dose = gy(l, tot.cumulative_lung_dose),
                earlier = gy(l, s.earlier_lung_dose)
            ),
        ));
    }
}

/// The notes of the checks not passed, one per rule, basis and note, naming every subject it
/// applies to (a note repeated for each tumour is read once).
fn notes_not_passed(l: Lang, checks: &[sirt_rules::Check]) -> Vec<String> {
    let mut grouped: Vec<(&str, sirt_rules::CheckBasis, String, Vec<&str>)> = Vec::new();
    for c in checks
        .iter()
        .filter(|c| c.status != sirt_rules::Status::Pass)
    {
        let Some(note) = c.note.as_ref() else {
            continue;
        };
        let note = note.in_lang(l);
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
            let subjects: Vec<String> = subjects.iter().map(|s| words::subject(l, s)).collect();
            colon(
                l,
                &format!(
                    "{rule} [{}] ({})",
                    words::basis(l, basis),
                    subjects.join(list_sep(l))
                ),
                &note,
            )
        })
        .collect()
}

/// The checks table, the numbered sources of its rules and the notes on checks not passed.
fn check_blocks(plan: &Plan, l: Lang, doc: &mut Document) {
    doc.push(Block::Heading(1, t!(l, "report-checks")));
    let mut sources: Vec<String> = Vec::new();
    let mut t = Table::new(
        &[
            &t!(l, "report-col-status"),
            &t!(l, "report-col-rule"),
            &t!(l, "report-col-subject"),
            &t!(l, "report-col-basis"),
            &t!(l, "report-col-value"),
            &t!(l, "report-col-requirement"),
            &t!(l, "report-col-source"),
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
            words::status(l, ch.status),
            ch.rule.clone(),
            words::subject(l, &ch.subject),
            words::basis(l, ch.basis),
            check_value(l, ch),
            check_requirement(l, ch),
            format!("[{}]", n + 1),
        ]);
    }
    doc.push(Block::Table(t));
    doc.push(Block::Heading(2, t!(l, "report-bases-of-values")));
    let mut bases: Vec<String> = Vec::new();
    for ch in &plan.checks {
        let line = colon(l, &words::basis(l, ch.basis), &ch.values_from.in_lang(l));
        if !bases.contains(&line) {
            bases.push(line);
        }
    }
    doc.push(Block::List(bases));
    doc.push(Block::Heading(2, t!(l, "report-sources-of-rules")));
    doc.push(Block::List(
        sources
            .iter()
            .enumerate()
            .map(|(n, s)| format!("[{}] {s}", n + 1))
            .collect(),
    ));
    let notes = notes_not_passed(l, &plan.checks);
    if !notes.is_empty() {
        doc.push(Block::Heading(2, t!(l, "report-notes-not-passed")));
        doc.push(Block::List(notes));
    }
}

/// The lungs' mass and its basis: "1.020 kg (CT lung volume 3400 mL × 0.3 g/mL)".
fn lung_text(l: Lang, c: &sirt_case::Case) -> String {
    let mass = l.quantity(c.lungs.mass.kg(), 3, "kg");
    match c.lungs.basis {
        LungMassBasis::Convention => t!(l, "report-lung-mass-convention", mass = mass),
        LungMassBasis::CtVolume { volume, density } => t!(
            l,
            "report-lung-mass-ct",
            mass = mass,
            volume = l.quantity(volume.ml(), 0, "mL"),
            density = l.numeric(&format!("{} g/mL", density.g_per_ml()))
        ),
        LungMassBasis::Stated => t!(l, "report-lung-mass-stated", mass = mass),
    }
}

/// A check's value in the report: flags as yes/no, numbers in the rule's unit (activities in GBq
/// with mCi beside), "—" when there is none.
fn check_value(l: Lang, ch: &sirt_rules::Check) -> String {
    ch.value
        .as_ref()
        .map_or_else(|| "—".into(), |v| fmt_check_value(l, v, &ch.unit))
}

/// A check's requirement in the same unit and format as its value ("≤ 0.611 GBq (16.50 mCi)"
/// beside a value "0.103 GBq (2.78 mCi)", where the rule wrote "16.5 mCi"; "= no" for a flag);
/// a number in another unit as the rule wrote it ("≤ 75 Gy").
fn check_requirement(l: Lang, ch: &sirt_rules::Check) -> String {
    let threshold = match &ch.threshold {
        sirt_rules::CheckValue::Flag(_) => fmt_check_value(l, &ch.threshold, &ch.unit),
        sirt_rules::CheckValue::Number(_) if ch.unit == "GBq" => {
            fmt_check_value(l, &ch.threshold, &ch.unit)
        }
        sirt_rules::CheckValue::Number(_) => l.numeric(&ch.threshold_written),
    };
    format!("{} {threshold}", ch.comparison)
}

/// A value of a check: yes/no, or a number with its unit.
fn fmt_check_value(l: Lang, v: &sirt_rules::CheckValue, unit: &str) -> String {
    match *v {
        sirt_rules::CheckValue::Flag(b) => l.yes_no(b),
        sirt_rules::CheckValue::Number(x) => match unit {
            "Gy" => l.quantity(x, 1, "Gy"),
            "GBq" => l.numeric(&format!(
                "{x:.3} GBq ({:.2} mCi)",
                x * 1e9 / sirt_units::BQ_PER_MCI
            )),
            "%" => l.quantity(x, 1, "%"),
            "mL" => l.quantity(x, 1, "mL"),
            u => l.quantity(x, 2, u),
        },
    }
}

fn goal_text(l: Lang, p: &InjectionPlan) -> String {
    match &p.input.goal {
        Goal::TumourDose { dose, tumour } => match tumour.as_str() {
            "combined" => t!(l, "report-goal-combined", dose = gy(l, *dose)),
            "every" => t!(l, "report-goal-every", dose = gy(l, *dose)),
            id => t!(l, "report-goal-tumour", id = id, dose = gy(l, *dose)),
        },
        Goal::PerfusedDose { dose } => t!(l, "report-goal-perfused", dose = gy(l, *dose)),
        Goal::Activity { activity: a } => {
            t!(l, "report-goal-activity", activity = activity(l, *a))
        }
        Goal::Maximum => t!(l, "report-goal-maximum"),
        Goal::Formula => t!(l, "report-goal-formula"),
    }
}

/// Which compartment a row of an injection's doses is (the treatment-day sheet puts the
/// injection's limits beside them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compartment {
    /// One tumour.
    Tumour,
    /// The tumours of the territory together.
    TumoursCombined,
    /// The perfused normal liver.
    NormalLiver,
    /// The perfused volume.
    Perfused,
    /// The lungs.
    Lungs,
}

/// The compartments of an injection's doses: (compartment, label, TNR, dose).
pub(crate) fn dose_rows(
    l: Lang,
    p: &InjectionPlan,
    d: &PartitionDoses,
) -> Vec<(Compartment, String, Option<f64>, CompartmentDose)> {
    let mut rows = Vec::new();
    for tu in &p.tumours {
        if let Some((_, cd)) = d.tumours.iter().find(|(id, _)| *id == tu.id) {
            let label = if tu.fraction < 1.0 {
                t!(
                    l,
                    "report-row-tumour-part",
                    id = tu.id.as_str(),
                    fraction = pct(l, tu.fraction, 0)
                )
            } else {
                t!(l, "report-row-tumour", id = tu.id.as_str())
            };
            rows.push((Compartment::Tumour, label, Some(tu.tnr), *cd));
        }
    }
    if let Some(cd) = d.tumours_combined {
        rows.push((
            Compartment::TumoursCombined,
            t!(l, "report-row-tumours-combined"),
            None,
            cd,
        ));
    }
    rows.push((
        Compartment::NormalLiver,
        t!(l, "report-row-normal-liver"),
        Some(1.0),
        d.normal_liver,
    ));
    rows.push((
        Compartment::Perfused,
        t!(l, "report-row-perfused"),
        None,
        d.perfused,
    ));
    rows.push((Compartment::Lungs, t!(l, "report-row-lungs"), None, d.lung));
    rows
}

/// Doses by compartment; with a second set (the ordered vial), both dose columns side by side.
fn dose_table(
    l: Lang,
    p: &InjectionPlan,
    d: &PartitionDoses,
    with_vial: Option<&PartitionDoses>,
) -> Table {
    let mut headers = vec![
        t!(l, "report-col-compartment"),
        t!(l, "report-col-mass-g"),
        t!(l, "report-col-tnr"),
        t!(l, "report-col-activity-gbq"),
        t!(l, "report-col-dose-gy"),
    ];
    if with_vial.is_some() {
        headers.push(t!(l, "report-col-activity-with-vial"));
        headers.push(t!(l, "report-col-dose-with-vial"));
    }
    let right: Vec<usize> = (1..headers.len()).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&headers, &right);
    let other = with_vial.map(|w| dose_rows(l, p, w));
    for (n, (_, label, tnr, cd)) in dose_rows(l, p, d).into_iter().enumerate() {
        let mut row = vec![
            label,
            l.decimal(cd.mass.kg() * 1e3, 1),
            tnr.map(|x| l.decimal(x, 2)).unwrap_or_default(),
            l.decimal(cd.activity.gbq(), 4),
            l.decimal(cd.dose.gy(), 2),
        ];
        if let Some((_, _, _, w)) = other.as_ref().and_then(|o| o.get(n)) {
            row.push(l.decimal(w.activity.gbq(), 4));
            row.push(l.decimal(w.dose.gy(), 2));
        }
        t.row(row);
    }
    t
}

/// The vial order: what to order for the ordering kind, spheres, schedule, alternatives and days.
fn order_blocks(o: &VialOrder, opts: &ReportOptions, doc: &mut Document) {
    let l = opts.lang;
    let mut kv = ordering_values(o, opts);
    if let Some(n) = o.spheres {
        kv.push((
            t!(l, "report-microspheres"),
            t!(
                l,
                "report-microspheres-value",
                millions = l.decimal(n / 1e6, 2)
            ),
        ));
    }
    kv.push((
        t!(l, "report-calibration-schedule"),
        if o.schedule_verified {
            o.schedule_source.clone()
        } else {
            format!("{} — {}", o.schedule_source, t!(l, "report-unverified"))
        },
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
    let l = opts.lang;
    let mut kv = Vec::new();
    match o.ordering {
        Ordering::Vials => {
            kv.push((
                t!(l, "report-vial"),
                t!(
                    l,
                    "report-at-calibration",
                    activity = activity(l, o.chosen.nominal),
                    instant = opts.instant(&o.chosen.calibration)
                ),
            ));
            kv.push((
                t!(l, "report-in-vial-at-treatment"),
                t!(
                    l,
                    "report-in-vial-at-treatment-value",
                    activity = activity(l, o.chosen.at_injection),
                    deviation = signed_pct(l, o.chosen.deviation * 100.0, 1),
                    required = activity(l, o.required_at_injection),
                    days = l.decimal(o.days_after_calibration, 2)
                ),
            ));
            if let Some(e) = &o.exact_instant {
                kv.push((
                    t!(l, "report-exact-activity-at"),
                    t!(
                        l,
                        "report-exact-activity-at-value",
                        instant = opts.instant(e)
                    ),
                ));
            }
        }
        Ordering::Fraction => {
            kv.push((
                t!(l, "report-vials"),
                t!(
                    l,
                    "report-vials-at-calibration",
                    count = o.vials,
                    activity = activity(l, o.chosen.nominal / f64::from(o.vials)),
                    instant = opts.instant(&o.chosen.calibration)
                ),
            ));
            kv.push((
                t!(l, "report-in-vials-at-treatment"),
                activity(l, o.chosen.at_injection),
            ));
            if let Some(f) = o.fraction_drawn {
                kv.push((
                    t!(l, "report-fraction-to-draw"),
                    t!(
                        l,
                        "report-fraction-to-draw-value",
                        fraction = pct(l, f, 1),
                        activity = activity(l, o.required_at_injection)
                    ),
                ));
            }
        }
        Ordering::PatientSpecific => {
            kv.push((
                t!(l, "report-order"),
                t!(
                    l,
                    "report-order-value",
                    activity = activity(l, o.chosen.nominal),
                    instant = opts.instant(&o.chosen.calibration),
                    at_treatment = activity(l, o.required_at_injection)
                ),
            ));
        }
    }
    kv
}

/// The other vials that could be ordered.
fn alternatives_table(o: &VialOrder, opts: &ReportOptions) -> Table {
    let l = opts.lang;
    let mut t = Table::new(
        &[
            &t!(l, "report-col-other-vial"),
            &t!(l, "report-col-calibration"),
            &t!(l, "report-col-at-treatment"),
            &t!(l, "report-col-deviation"),
        ],
        &[0, 2, 3],
    );
    for a in &o.alternatives {
        t.row(vec![
            activity(l, a.nominal),
            opts.instant(&a.calibration),
            activity(l, a.at_injection),
            signed_pct(l, a.deviation * 100.0, 1),
        ]);
    }
    t
}

/// The vial's activity on other treatment days at the same clock time.
fn days_table(o: &VialOrder, opts: &ReportOptions) -> Table {
    let l = opts.lang;
    let mut t = Table::new(
        &[
            &t!(l, "report-col-treatment-day"),
            &t!(l, "report-col-weekday"),
            &t!(l, "report-col-days-after-calibration"),
            &t!(l, "report-col-in-the-vial"),
            &t!(l, "report-col-deviation"),
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
            words::weekday(l, shown.zoned().weekday()),
            l.decimal(d.days_after_calibration, 2),
            activity(l, d.at_injection),
            signed_pct(l, d.deviation * 100.0, 1),
        ]);
    }
    t
}

/// An injection: its inputs, then the planned activity and doses or why there is none.
fn injection_blocks(p: &InjectionPlan, o: &ReportOptions, doc: &mut Document) {
    let l = o.lang;
    let i = &p.input;
    doc.push(Block::Heading(
        1,
        t!(
            l,
            "report-injection-heading",
            id = i.id.as_str(),
            session = i.session.as_str()
        ),
    ));
    doc.push(Block::KeyValues(injection_values(l, p)));
    match &p.outcome {
        Outcome::Contraindicated { reason } | Outcome::NoActivityAllowed { reason } => doc.push(
            Block::Notice(t!(l, "report-no-activity", reason = reason.in_lang(l))),
        ),
        Outcome::Planned(a) => planned_blocks(p, a, o, doc),
    }
}

/// The label–value pairs of an injection's inputs: territory, device, method, K, LSF,
/// residual, goal, limits and the BSA computation.
fn injection_values(l: Lang, p: &InjectionPlan) -> Vec<(String, String)> {
    let i = &p.input;
    let mut kv = Vec::new();
    if let Some(label) = &i.label {
        kv.push((t!(l, "report-catheter-position"), label.clone()));
    }
    kv.push((
        t!(l, "report-territory"),
        t!(
            l,
            "report-territory-value",
            territory = territory_text(l, i.territory, i.lobe),
            volume = l.quantity(i.perfused_volume.ml(), 1, "mL"),
            mass = l.quantity(i.perfused_mass.kg() * 1e3, 1, "g"),
            normal = l.quantity(i.normal_liver_mass.kg() * 1e3, 1, "g")
        ),
    ));
    kv.push((
        t!(l, "report-device"),
        format!(
            "{} ({}, {}, {})",
            p.device.name,
            p.device.manufacturer,
            words::material(l, &p.device.material),
            p.device.nuclide
        ),
    ));
    kv.push((t!(l, "report-method"), method_text(l, i.method)));
    kv.push((
        "K".into(),
        format!(
            "{} — {} ({})",
            l.numeric(&format!("{} Gy·kg/GBq", p.k.k.gy_kg_per_gbq())),
            p.k.label,
            p.k.source
        ),
    ));
    kv.push((
        t!(l, "report-lsf"),
        format!(
            "{} ({})",
            pct(l, i.lung.lsf.value(), 2),
            match i.lsf_source {
                LsfSource::Injection => t!(l, "report-lsf-stated"),
                LsfSource::Mapping => t!(l, "report-lsf-mapping"),
                LsfSource::Planar => t!(l, "report-lsf-planar"),
                LsfSource::Measured => t!(l, "report-lsf-measured"),
            }
        ),
    ));
    kv.push((
        t!(l, "report-residual-fraction"),
        pct(l, i.residual_fraction.value(), 1),
    ));
    kv.push((t!(l, "report-goal"), goal_text(l, p)));
    kv.push((t!(l, "report-limits"), limits_text(l, &i.limits)));
    if let Some(b) = &p.bsa {
        kv.push((
            t!(l, "report-bsa-method"),
            t!(
                l,
                "report-bsa-method-value",
                bsa = l.numeric(&format!("{:.3} m²", b.bsa_m2)),
                involvement = l.decimal(b.tumour_involvement, 4),
                whole_liver = l.quantity(b.whole_liver_activity.gbq(), 4, "GBq"),
                fraction = l.decimal(b.perfused_fraction, 4),
                lsf_factor = b
                    .lsf_factor
                    .map(|f| l.numeric(&format!("{f}")))
                    .unwrap_or_else(|| t!(l, "report-contraindicated"))
            ),
        ));
    }
    kv
}

/// The dose limits of an injection, "none" when it has none.
pub(crate) fn limits_text(l: Lang, x: &sirt_case::Limits) -> String {
    let mut lim = Vec::new();
    if let Some(d) = x.normal_liver_max {
        lim.push(t!(l, "report-limit-normal-liver", dose = gy(l, d)));
    }
    if let Some(d) = x.perfused_max {
        lim.push(t!(l, "report-limit-perfused", dose = gy(l, d)));
    }
    if let Some(d) = x.lung_max {
        lim.push(t!(l, "report-limit-lung-injection", dose = gy(l, d)));
    }
    if let Some(d) = x.whole_liver_ntad_max {
        lim.push(t!(l, "report-limit-ntad-session", dose = gy(l, d)));
    }
    if let Some(d) = x.lung_session_max {
        lim.push(t!(l, "report-limit-lung-session", dose = gy(l, d)));
    }
    if let Some(d) = x.lung_cumulative_max {
        lim.push(t!(l, "report-limit-lung-cumulative", dose = gy(l, d)));
    }
    if lim.is_empty() {
        t!(l, "report-no-limits")
    } else {
        lim.join(list_sep(l))
    }
}

/// A planned injection: activities, candidates, predicted doses, vial order and delivery.
fn planned_blocks(p: &InjectionPlan, a: &PlannedActivity, o: &ReportOptions, doc: &mut Document) {
    let l = o.lang;
    let i = &p.input;
    let s = &a.solution;
    let mut kv = vec![
        (
            t!(l, "report-administered-activity"),
            activity(l, s.administered),
        ),
        (
            t!(l, "report-vial-activity-at-injection"),
            t!(
                l,
                "report-vial-activity-value",
                activity = activity(l, a.vial_activity),
                residual = l.numeric(&format!("{}", i.residual_fraction.value()))
            ),
        ),
        (
            t!(l, "report-binding-constraint"),
            words::constraint(l, &s.binding),
        ),
    ];
    if a.target_reached == Some(false) {
        kv.push((t!(l, "report-target"), t!(l, "report-target-not-reached")));
    }
    doc.push(Block::KeyValues(kv));
    let mut t = Table::new(
        &[
            &t!(l, "report-col-candidate"),
            &t!(l, "report-col-activity"),
        ],
        &[1],
    );
    for c in &s.candidates {
        t.row(vec![
            words::constraint(l, &c.constraint),
            activity(l, c.activity),
        ]);
    }
    doc.push(Block::Table(t));
    let vial_differs = (a.expected.administered / s.administered - 1.0).abs() > 1e-9;
    if vial_differs {
        kv_push_expected(l, doc, a);
    }
    doc.push(Block::Heading(3, t!(l, "report-predicted-doses")));
    doc.push(Block::Table(dose_table(
        l,
        p,
        &s.doses,
        vial_differs.then_some(&a.expected.doses),
    )));
    doc.push(Block::Heading(3, t!(l, "report-vial-order")));
    order_blocks(&a.order, o, doc);
    if let Some(dd) = &a.delivered {
        delivered_blocks(p, dd, o, doc);
    }
}

/// What was delivered: injection instant, vial, residual, delivered activity and doses.
fn delivered_blocks(p: &InjectionPlan, dd: &DeliveredDoses, o: &ReportOptions, doc: &mut Document) {
    let l = o.lang;
    doc.push(Block::Heading(3, t!(l, "report-delivered")));
    doc.push(Block::KeyValues(vec![
        (t!(l, "report-injected"), o.instant(&dd.injected)),
        (
            t!(l, "report-vial-at-injection"),
            activity(l, dd.delivery.vial_at_injection),
        ),
        (
            t!(l, "report-residual-at-injection"),
            format!(
                "{} ({})",
                activity(l, dd.delivery.residual_at_injection),
                pct(l, dd.delivery.residual_fraction, 2)
            ),
        ),
        (
            t!(l, "report-delivered-activity"),
            activity(l, dd.delivery.delivered),
        ),
    ]));
    doc.push(Block::Table(dose_table(l, p, &dd.doses, None)));
}

fn kv_push_expected(l: Lang, doc: &mut Document, a: &sirt_workflow::PlannedActivity) {
    doc.push(Block::KeyValues(vec![(
        t!(l, "report-with-ordered-vial"),
        t!(
            l,
            "report-with-ordered-vial-value",
            activity = activity(l, a.expected.administered),
            deviation = signed_pct(
                l,
                (a.expected.administered / a.solution.administered - 1.0) * 100.0,
                1
            )
        ),
    )]));
}

/// A lobe as people write it.
fn lobe_text(l: Lang, x: sirt_case::Lobe) -> String {
    match x {
        sirt_case::Lobe::Right => t!(l, "report-lobe-right"),
        sirt_case::Lobe::Left => t!(l, "report-lobe-left"),
        sirt_case::Lobe::Both => t!(l, "report-lobe-both"),
    }
}

/// A perfused territory as people write it ("whole liver", "right lobe", "segmental, left lobe").
pub(crate) fn territory_text(
    l: Lang,
    kind: sirt_case::TerritoryKind,
    lobe: sirt_case::Lobe,
) -> String {
    use sirt_case::{Lobe, TerritoryKind};
    match (kind, lobe) {
        (TerritoryKind::WholeLiver, _) => t!(l, "report-territory-whole-liver"),
        (TerritoryKind::Lobar, Lobe::Both) => t!(l, "report-territory-lobar-both"),
        (TerritoryKind::Lobar, x) => t!(l, "report-territory-lobe", lobe = lobe_text(l, x)),
        (TerritoryKind::Segmental, Lobe::Both) => t!(l, "report-territory-segmental"),
        (TerritoryKind::Segmental, x) => {
            t!(l, "report-territory-segmental-lobe", lobe = lobe_text(l, x))
        }
    }
}

/// A dosimetry method's short name (the summary table).
fn method_name(l: Lang, m: sirt_case::Method) -> String {
    match m {
        sirt_case::Method::Mird => "MIRD".into(),
        sirt_case::Method::Partition => t!(l, "report-method-partition"),
        sirt_case::Method::Bsa => "BSA".into(),
        sirt_case::Method::Ho166 => t!(l, "report-method-ho166"),
    }
}

fn method_text(l: Lang, m: sirt_case::Method) -> String {
    match m {
        sirt_case::Method::Mird => t!(l, "report-method-mird-text"),
        sirt_case::Method::Partition => t!(l, "report-method-partition-text"),
        sirt_case::Method::Bsa => t!(l, "report-method-bsa-text"),
        sirt_case::Method::Ho166 => t!(l, "report-method-ho166-text"),
    }
}

/// The values recorded for an earlier treatment, as `sirt_workflow::earlier_recorded` writes
/// them in English.
fn earlier_recorded(l: Lang, e: &sirt_case::EarlierTreatment) -> String {
    if l == Lang::En {
        return sirt_workflow::earlier_recorded(e);
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(d) = &e.device {
        parts.push(d.clone());
    }
    let territory = |k: sirt_case::TerritoryKind| match k {
        sirt_case::TerritoryKind::WholeLiver => t!(l, "report-territory-whole-liver"),
        sirt_case::TerritoryKind::Lobar => t!(l, "report-history-lobar"),
        sirt_case::TerritoryKind::Segmental => t!(l, "report-territory-segmental"),
    };
    let lobe = |x: sirt_case::Lobe| match x {
        sirt_case::Lobe::Both => t!(l, "report-lobe-both"),
        x => t!(l, "report-territory-lobe", lobe = lobe_text(l, x)),
    };
    match (e.territory, e.lobe) {
        (Some(k), Some(x)) => parts.push(format!("{} ({})", territory(k), lobe(x))),
        (Some(k), None) => parts.push(territory(k)),
        (None, Some(x)) => parts.push(lobe(x)),
        (None, None) => {}
    }
    if let Some(a) = e.activity {
        let a = l.numeric(&format!("{:.2} GBq ({:.1} mCi)", a.gbq(), a.mci()));
        parts.push(if e.kind == "PRRT" {
            t!(l, "report-history-per-cycle", activity = a)
        } else {
            a
        });
    }
    if let Some(c) = e.cycles {
        parts.push(t!(l, "report-history-cycles", count = c));
    }
    let doses = [
        (t!(l, "report-history-ntad"), e.whole_liver_ntad),
        (t!(l, "report-history-lung"), e.lung_dose),
        (t!(l, "report-history-liver"), e.liver_dose),
        (t!(l, "report-history-kidneys"), e.kidney_dose),
        (t!(l, "report-history-mean-liver"), e.liver_mean_dose),
    ];
    for (what, d) in doses {
        if let Some(d) = d {
            parts.push(format!("{what} {}", gy(l, d)));
        }
    }
    if let Some(f) = e.fractions {
        parts.push(t!(l, "report-history-fractions", count = f));
    }
    parts.join(", ")
}

/// "Treatment history": the earlier treatments with the doses recorded, and the whole-liver NTAD
/// of the earlier SIRT that the sessions' cumulative NTAD starts from (nothing without history).
fn history_blocks(plan: &Plan, l: Lang, doc: &mut Document) {
    let c = &plan.case;
    if c.earlier_treatments.is_empty() {
        return;
    }
    doc.push(Block::Heading(1, t!(l, "report-treatment-history")));
    let mut t = Table::new(
        &[
            &t!(l, "report-col-date"),
            &t!(l, "report-col-kind"),
            &t!(l, "report-col-description"),
            &t!(l, "report-col-recorded"),
        ],
        &[],
    );
    for e in &c.earlier_treatments {
        t.row(vec![
            e.date.clone(),
            crate::words::treatment_kind(l, &e.kind),
            e.description.clone().unwrap_or_default(),
            earlier_recorded(l, e),
        ]);
    }
    doc.push(Block::Table(t));
    if c.earlier_treatments.iter().any(|e| e.is_sirt()) {
        doc.push(Block::KeyValues(vec![(
            t!(l, "report-earlier-sirt-ntad"),
            t!(
                l,
                "report-earlier-sirt-ntad-value",
                dose = gy(l, c.earlier_sirt_whole_liver_ntad())
            ),
        )]));
    }
}

/// The cumulative whole-liver NTAD over SIRT sessions of a session, when the case has an earlier
/// SIRT (without one it is the plan's own sum, printed as "plan so far").
fn cumulative_ntad_line(plan: &Plan, s: &SessionPlan, l: Lang, kv: &mut Vec<(String, String)>) {
    if !plan.case.earlier_treatments.iter().any(|e| e.is_sirt()) {
        return;
    }
    if let Some(d) = s.cumulative_whole_liver_ntad {
        kv.push((
            t!(l, "report-ntad-cumulative"),
            t!(
                l,
                "report-ntad-cumulative-value",
                dose = gy(l, d),
                earlier = gy(l, plan.case.earlier_sirt_whole_liver_ntad())
            ),
        ));
    }
}
