//! The cumulative dose over the patient's course (docs/cumulative-dose.md): the courses of the
//! case's history (`[[earlier_treatments]]`: SIRT, PRRT, EBRT, SBRT) and the plan's own sessions
//! as per-structure terms, summed and checked by `sirt_clinical::cumulative` with the embedded
//! records, and put into the report ("Cumulative dose over the course") and the JSON
//! (`cumulative`). Partition level: organ and tumour means, no voxel accumulation.

use crate::PlanningError;
use serde_json::Value;
use sirt_case::{Case, EarlierTreatment};
use sirt_clinical::RadiobiologyData;
use sirt_clinical::cumulative::{
    CourseTerm, CumulativeData, DoseBasis, HalfLifeBasis, Modality, Organ, OrganKind,
    Radiopharmaceutical, TimeStructure,
};
use sirt_i18n::{Arg, Lang, Text};
use sirt_nuclides::Nuclide;
use sirt_report::cumulative::{CumulativeReport, Retreatment};
use sirt_report::document::{Block, Document};
use sirt_units::{AbsorbedDose, TimeSpan};
use sirt_workflow::Plan;

/// The rule of the plan that checks a cumulative quantity (the lung dose, 1 kg convention): its
/// last session's check is shown in the section, not evaluated again (data/rules/safety.toml).
const LUNG_CUMULATIVE_RULE: &str = "lung-dose-cumulative";

/// The kinds of earlier treatment that deliver radiation.
const RADIATION_KINDS: [&str; 4] = ["SIRT", "PRRT", "EBRT", "SBRT"];

/// Whether the plan has a course to sum: an earlier radiation treatment, or two sessions or more.
pub fn applies(plan: &Plan) -> bool {
    plan.case
        .earlier_treatments
        .iter()
        .any(|e| RADIATION_KINDS.contains(&e.kind.as_str()))
        || plan.sessions.len() > 1
}

/// Terms and notes being gathered.
struct Gather<'a> {
    data: &'a CumulativeData,
    terms: Vec<CourseTerm>,
    notes: Vec<Text>,
}

fn field(n: usize, name: &str) -> String {
    format!("earlier_treatments[{n}].{name}")
}

fn course_label(e: &EarlierTreatment) -> String {
    format!("{} {}", e.kind, e.date)
}

fn entered(n: usize, name: &str, e: &EarlierTreatment) -> DoseBasis {
    DoseBasis::Entered {
        field: field(n, name),
        method: e.course.dose_method.clone(),
    }
}

/// The radiopharmaceutical record a PRRT names; an unknown id is a case error naming the field.
fn radiopharmaceutical<'a>(
    data: &'a CumulativeData,
    n: usize,
    e: &EarlierTreatment,
    file: &str,
) -> Result<Option<&'a Radiopharmaceutical>, PlanningError> {
    let Some(id) = &e.course.radiopharmaceutical else {
        return Ok(None);
    };
    match data.radiopharmaceutical(id) {
        Some(r) => Ok(Some(r)),
        None => Err(sirt_case::CaseError::Invalid {
            file: file.to_owned(),
            field: field(n, "radiopharmaceutical"),
            expected: format!(
                "the id of a radiopharmaceutical record ({})",
                data.radiopharmaceuticals()
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            found: format!("\"{id}\""),
        }
        .into()),
    }
}

/// Every PRRT names a known radiopharmaceutical (a case error naming the field otherwise). The
/// embedded records not loading is not the case's fault: the section then says why
/// ([`add`]).
pub fn validate(plan: &Plan, file: &str) -> Result<(), PlanningError> {
    let Ok(data) = embedded_data() else {
        return Ok(());
    };
    for (n, e) in plan.case.earlier_treatments.iter().enumerate() {
        radiopharmaceutical(&data, n, e, file)?;
    }
    Ok(())
}

fn embedded_data() -> Result<CumulativeData, sirt_clinical::RadiobiologyDataError> {
    CumulativeData::embedded()
}

impl Gather<'_> {
    fn push(
        &mut self,
        e: &EarlierTreatment,
        modality: Modality,
        organ: Organ,
        dose: AbsorbedDose,
        basis: DoseBasis,
        time: TimeStructure,
    ) {
        self.terms.push(CourseTerm {
            course: course_label(e),
            modality,
            date: e.date.clone(),
            organ,
            dose,
            dose_basis: basis,
            time,
            irradiated_fraction: None,
        });
    }

    fn earlier_sirt(&mut self, n: usize, e: &EarlierTreatment) {
        let time = match e.course.nuclide {
            Some(nuclide) => TimeStructure::PermanentImplant {
                half_life: nuclide.half_life(),
            },
            None => TimeStructure::Unknown {
                missing: field(n, "nuclide"),
            },
        };
        if let Some(d) = e.whole_liver_ntad {
            let basis = entered(n, "whole_liver_ntad", e);
            let organ = Organ::of(OrganKind::NormalLiver);
            self.push(e, Modality::Sirt, organ, d, basis, time.clone());
            self.notes.push(Text::with(
                "cum-note-sirt-whole-organ",
                vec![("course", Arg::from(course_label(e)))],
            ));
        }
        if let Some(d) = e.lung_dose {
            let basis = entered(n, "lung_dose", e);
            self.push(
                e,
                Modality::Sirt,
                Organ::of(OrganKind::Lungs),
                d,
                basis,
                time.clone(),
            );
        }
        self.tumours(n, e, Modality::Sirt, &time);
    }

    fn tumours(
        &mut self,
        n: usize,
        e: &EarlierTreatment,
        modality: Modality,
        time: &TimeStructure,
    ) {
        for (id, d) in &e.course.tumour_doses {
            let basis = entered(n, &format!("tumour_doses.{id}"), e);
            self.push(e, modality, Organ::tumour(id), *d, basis, time.clone());
        }
    }

    fn earlier_ebrt(&mut self, n: usize, e: &EarlierTreatment) {
        let modality = if e.kind == "SBRT" {
            Modality::Sbrt
        } else {
            Modality::Ebrt
        };
        let time = match e.fractions {
            Some(fractions) => TimeStructure::Fractions { fractions },
            None => TimeStructure::Unknown {
                missing: field(n, "fractions"),
            },
        };
        for (name, kind, dose) in [
            ("liver_mean_dose", OrganKind::NormalLiver, e.liver_mean_dose),
            (
                "kidney_mean_dose",
                OrganKind::Kidneys,
                e.course.kidney_mean_dose,
            ),
        ] {
            if let Some(d) = dose {
                let basis = entered(n, name, e);
                self.push(e, modality, Organ::of(kind), d, basis, time.clone());
            }
        }
        self.tumours(n, e, modality, &time);
    }

    fn earlier_prrt(
        &mut self,
        n: usize,
        e: &EarlierTreatment,
        record: Option<&Radiopharmaceutical>,
    ) {
        let cycles = e.cycles.unwrap_or(1);
        if e.cycles.is_none() {
            self.notes.push(Text::with(
                "cum-note-cycles",
                vec![("course", Arg::from(course_label(e)))],
            ));
        }
        let physical = record
            .and_then(|r| r.nuclide.parse::<Nuclide>().ok())
            .map(Nuclide::half_life);
        let mut counted = false;
        for (kind, dose_field, t_field, dose, t_eff) in [
            (
                OrganKind::NormalLiver,
                "liver_dose",
                "liver_effective_half_life",
                e.liver_dose,
                e.course.liver_effective_half_life,
            ),
            (
                OrganKind::Kidneys,
                "kidney_dose",
                "kidney_effective_half_life",
                e.kidney_dose,
                e.course.kidney_effective_half_life,
            ),
        ] {
            let per_activity = record.and_then(|r| r.organs.iter().find(|o| o.organ == kind));
            let (dose, basis) = match (dose, per_activity, e.activity) {
                (Some(d), ..) => (d, entered(n, dose_field, e)),
                (None, Some(o), Some(a)) => {
                    let gbq = a.gbq() * f64::from(cycles);
                    let basis = DoseBasis::PerActivity {
                        gy_per_gbq: o.gy_per_gbq,
                        activity_gbq: gbq,
                        source: o.source.clone(),
                        evidence: o.evidence.clone(),
                    };
                    (AbsorbedDose::from_gy(o.gy_per_gbq * gbq), basis)
                }
                _ => continue,
            };
            counted = true;
            let record_t = per_activity.and_then(|o| {
                o.effective_half_life
                    .zip(o.effective_half_life_source.clone())
            });
            let time = clearance(n, t_field, t_eff, record_t, physical, cycles);
            self.push(e, Modality::Prrt, Organ::of(kind), dose, basis, time);
        }
        if !e.course.tumour_doses.is_empty() {
            counted = true;
            let time = clearance(n, "radiopharmaceutical", None, None, physical, cycles);
            self.tumours(n, e, Modality::Prrt, &time);
        }
        if !counted {
            self.notes.push(Text::with(
                "cum-note-not-counted",
                vec![("course", Arg::from(course_label(e)))],
            ));
        }
    }
}

/// The time structure of a PRRT organ dose: the entered effective half-life, the record's, or the
/// physical one as a bound; unknown without any.
fn clearance(
    n: usize,
    t_field: &str,
    entered: Option<TimeSpan>,
    record: Option<(TimeSpan, String)>,
    physical: Option<TimeSpan>,
    cycles: u32,
) -> TimeStructure {
    let (half_life, basis) = match (entered, record, physical) {
        (Some(t), ..) => (t, HalfLifeBasis::Entered),
        (None, Some((t, source)), _) => (t, HalfLifeBasis::Record { source }),
        (None, None, Some(t)) => (t, HalfLifeBasis::PhysicalBound),
        (None, None, None) => {
            return TimeStructure::Unknown {
                missing: field(n, t_field),
            };
        }
    };
    TimeStructure::Clearance {
        half_life,
        basis,
        cycles,
    }
}

/// The plan's own sessions: whole-liver NTAD (the session's share of the plan's cumulative NTAD,
/// over the part of the non-tumoural liver it treats), lung dose (1 kg convention) and the
/// whole-tumour mean doses, each a permanent implant of the session's nuclide.
fn plan_sessions(plan: &Plan, terms: &mut Vec<CourseTerm>) {
    let mut ntad_before = 0.0;
    // The lung dose before each session as the plan counts it (delivered where recorded): the
    // session's share is the step to the next session's; the last session's is its own dose.
    let before: Vec<Option<f64>> = plan
        .sessions
        .iter()
        .map(|s| {
            s.cumulative_lung_dose_1kg
                .zip(s.lung_dose_1kg)
                .map(|(c, l)| c.gy() - l.gy())
        })
        .collect();
    for (k, s) in plan.sessions.iter().enumerate() {
        let Some(totals) = s.totals else { continue };
        let Some(nuclide) = s
            .injections
            .first()
            .map(|&i| plan.injections[i].device.nuclide)
        else {
            continue;
        };
        let time = TimeStructure::PermanentImplant {
            half_life: nuclide.half_life(),
        };
        let date = s.treatment.report_text();
        let course = format!("SIRT {}", s.id);
        let mut push =
            |organ: Organ, dose: AbsorbedDose, what: &'static str, fraction: Option<f64>| {
                terms.push(CourseTerm {
                    course: course.clone(),
                    modality: Modality::Sirt,
                    date: date.clone(),
                    organ,
                    dose,
                    dose_basis: DoseBasis::Plan {
                        what: what.to_owned(),
                    },
                    time: time.clone(),
                    irradiated_fraction: fraction,
                });
            };
        // This session's share of the plan's running whole-liver NTAD (which counts every
        // session): a session whose NTAD is not evaluable adds no term, and its share is not
        // carried into the next session's.
        let ntad = s.plan_whole_liver_ntad.gy() - ntad_before;
        ntad_before = s.plan_whole_liver_ntad.gy();
        if s.ntad_not_evaluable.is_none() {
            let f = totals.treated_normal_fraction;
            let fraction = (f > 0.0 && f <= 1.0).then_some(f);
            push(
                Organ::of(OrganKind::NormalLiver),
                AbsorbedDose::from_gy(ntad),
                "cum-what-ntad",
                fraction,
            );
        }
        if let Some(lung) = s.lung_dose_1kg {
            let share = match (before[k], before.get(k + 1).copied().flatten()) {
                (Some(now), Some(next)) => AbsorbedDose::from_gy(next - now),
                _ => lung,
            };
            push(Organ::of(OrganKind::Lungs), share, "cum-what-lung", None);
        }
        for (id, d) in &s.tumour_doses {
            push(Organ::tumour(id), *d, "cum-what-tumour", None);
        }
    }
}

/// The retreatments among the plan's sessions (an earlier SIRT of the case, or an earlier
/// session of the plan treating a lobe this one treats).
fn retreatments(plan: &Plan) -> Vec<Retreatment> {
    (0..plan.sessions.len())
        .filter_map(|k| {
            let (is, why) =
                sirt_workflow::retreatment(&plan.case, &plan.injections, &plan.sessions, k);
            is.then(|| Retreatment {
                session: plan.sessions[k].id.clone(),
                why: why.unwrap_or_else(|| Text::verbatim("")),
            })
        })
        .collect()
}

/// The cumulative dose of a plan with the embedded records (None when it does not apply).
pub fn report(
    plan: &Plan,
    rb: &RadiobiologyData,
    data: &CumulativeData,
) -> Result<Option<CumulativeReport>, String> {
    if !applies(plan) {
        return Ok(None);
    }
    let case: &Case = &plan.case;
    let mut g = Gather {
        data,
        terms: Vec::new(),
        notes: Vec::new(),
    };
    for (n, e) in case.earlier_treatments.iter().enumerate() {
        match e.kind.as_str() {
            "SIRT" => g.earlier_sirt(n, e),
            "EBRT" | "SBRT" => g.earlier_ebrt(n, e),
            "PRRT" => {
                let record = e
                    .course
                    .radiopharmaceutical
                    .as_deref()
                    .and_then(|id| g.data.radiopharmaceutical(id));
                g.earlier_prrt(n, e, record);
            }
            _ => {}
        }
    }
    if case.earlier_treatments.iter().any(|e| e.kind == "PRRT") {
        g.notes.push(Text::msg("cum-note-prrt-tumours"));
    }
    plan_sessions(plan, &mut g.terms);
    let organs = sirt_clinical::cumulative::cumulative(
        g.terms,
        rb,
        data,
        case.cumulative.kidney_risk_factors,
    )
    .map_err(|e| e.to_string())?;
    let plan_checks = plan
        .checks
        .iter()
        .rfind(|c| c.rule == LUNG_CUMULATIVE_RULE && c.basis == sirt_rules::CheckBasis::Partition)
        .cloned()
        .into_iter()
        .collect();
    Ok(Some(CumulativeReport {
        organs,
        kidney_risk_factors: case.cumulative.kidney_risk_factors,
        retreatments: retreatments(plan),
        notes: g.notes,
        plan_checks,
    }))
}

/// Adds the section (before the voxel part) and the JSON key `cumulative` when they apply; a
/// failure puts `{"error": …}` in the JSON and a notice in the report.
pub(crate) fn add(document: &mut Document, json: &mut Value, plan: &Plan, lang: Lang) {
    let computed = RadiobiologyData::embedded()
        .map_err(|e| e.to_string())
        .and_then(|rb| {
            let data = embedded_data().map_err(|e| e.to_string())?;
            report(plan, &rb, &data)
        });
    match computed {
        Ok(Some(r)) => {
            document
                .blocks
                .extend(sirt_report::cumulative::blocks(&r, lang));
            json["cumulative"] = sirt_report::cumulative::json(&r);
        }
        Ok(None) => {}
        Err(e) => {
            document
                .blocks
                .push(Block::Heading(1, sirt_i18n::t!(lang, "cum-heading")));
            document.blocks.push(Block::Notice(e.clone()));
            json["cumulative"] = serde_json::json!({ "error": e });
        }
    }
}
