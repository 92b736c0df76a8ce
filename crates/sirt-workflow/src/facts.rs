//! The facts the rules are checked on: the partition values of the plan, and the delivered
//! values of the injections with a delivery record (partition model at the delivered activity).
//! The voxel facts are made by `sirt-planning` from the voxel dosimetry.

use crate::{InjectionPlan, Outcome, SessionPlan, history};
use sirt_analytic::lung::LungMassBasis;
use sirt_case::{Case, LsfSource, Method};
use sirt_i18n::{Arg, Text};
use sirt_rules::{CheckBasis, Facts, InjectionFacts, SessionFacts};
use sirt_settings::{EventProfile, SiteSettings};
use sirt_units::{Energy, Mass};

/// The partition facts of a plan, with the history facts (retreatment, earlier PRRT, imaging
/// age against the site's limit).
pub(crate) fn partition(
    case: &Case,
    injections: &[InjectionPlan],
    sessions: &[SessionPlan],
    settings: &SiteSettings,
) -> Facts {
    let (earlier_prrt, earlier_prrt_detail) = history::prrt(case);
    Facts {
        check_basis: CheckBasis::Partition,
        // How the partition values were obtained, carried by every partition check.
        values_from: Text::msg("values-partition"),
        sessions: (0..sessions.len())
            .map(|k| history_session(case, injections, sessions, k, settings))
            .collect(),
        earlier_prrt,
        earlier_prrt_detail,
        ..patient_facts(case, settings.event_profile)
    }
}

/// The partition facts of session `k` with its history facts.
fn history_session(
    case: &Case,
    injections: &[InjectionPlan],
    sessions: &[SessionPlan],
    k: usize,
    settings: &SiteSettings,
) -> SessionFacts {
    let s = &sessions[k];
    let (earlier_sirt, earlier_sirt_detail) = history::retreatment(case, injections, sessions, k);
    let (imaging_age_over_limit, imaging_detail) =
        history::imaging_age(case, s, settings.imaging_max_age);
    SessionFacts {
        earlier_sirt,
        earlier_sirt_detail,
        imaging_age_over_limit,
        imaging_detail,
        ..partition_session(case, injections, s)
    }
}

/// The facts of the patient (indication, grade, tumour burden, labs, tumours) without sessions.
fn patient_facts(case: &Case, profile: EventProfile) -> Facts {
    Facts {
        profile: Some(profile.label().to_owned()),
        indication: Some(case.diagnosis.indication.clone()),
        grade: case.diagnosis.grade.map(|g| g.label().to_owned()),
        tumour_burden: case.tumour_burden(),
        bilirubin: case.labs.as_ref().and_then(|l| l.bilirubin),
        tumours: case
            .tumours
            .iter()
            .map(|t| (t.id.clone(), Some(t.volume)))
            .collect(),
        ..Facts::default()
    }
}

/// The facts of an injection that do not depend on the basis: labels and filters (device
/// material, nuclide, method, territory, intent) and why it has no activity, if it has none.
pub fn injection_labels(p: &InjectionPlan) -> InjectionFacts {
    InjectionFacts {
        id: p.input.id.clone(),
        device_material: p.device.material.clone(),
        nuclide: p.device.nuclide.to_string(),
        method: p.input.method.label().to_owned(),
        territory: p.input.territory.label().to_owned(),
        intent: p.input.intent.label().to_owned(),
        missing_reason: match &p.outcome {
            Outcome::Contraindicated { reason } | Outcome::NoActivityAllowed { reason } => {
                Some(reason.clone())
            }
            Outcome::Planned(_) => None,
        },
        ..InjectionFacts::default()
    }
}

fn partition_injection(p: &InjectionPlan) -> InjectionFacts {
    let planned = p.planned();
    let doses = planned.map(|a| &a.expected.doses);
    InjectionFacts {
        perfused_dose: doses.map(|d| d.perfused.dose),
        normal_liver_dose: doses.map(|d| d.normal_liver.dose),
        lung_activity: doses.map(|d| d.lung.activity),
        lsf: Some(p.input.lung.lsf),
        vial_deviation: planned.map(|a| a.order.chosen.deviation.abs()),
        ..injection_labels(p)
    }
}

/// The tumours aimed at in a session: those of its injections' territories, in order.
fn session_tumour_ids(injections: &[InjectionPlan], s: &SessionPlan) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for &n in &s.injections {
        for t in &injections[n].tumours {
            if !ids.contains(&t.id) {
                ids.push(t.id.clone());
            }
        }
    }
    ids
}

/// The facts of a session that do not depend on the basis.
fn session_labels(case: &Case, injections: &[InjectionPlan], s: &SessionPlan) -> SessionFacts {
    SessionFacts {
        id: s.id.clone(),
        extent: s.extent.label().to_owned(),
        any_without_mcd: s
            .injections
            .iter()
            .any(|&n| injections[n].input.method != Method::Partition),
        lung_mass_is_convention: matches!(case.lungs.basis, LungMassBasis::Convention)
            || (case.lungs.mass.kg() - sirt_analytic::lung::LUNG_MASS_CONVENTION_KG).abs() < 1e-12,
        ..SessionFacts::default()
    }
}

fn partition_session(case: &Case, injections: &[InjectionPlan], s: &SessionPlan) -> SessionFacts {
    let ids = session_tumour_ids(injections, s);
    SessionFacts {
        whole_liver_ntad: s.totals.map(|t| t.whole_liver_ntad),
        ntad_not_evaluable: s.ntad_not_evaluable.clone(),
        lung_dose: s.totals.map(|t| t.lung_dose),
        cumulative_lung_dose: s.totals.map(|t| t.cumulative_lung_dose),
        lung_dose_1kg: s.lung_dose_1kg,
        cumulative_lung_dose_1kg: s.cumulative_lung_dose_1kg,
        lung_detail: Some(lung_detail(case, injections, s)),
        tumours: ids
            .into_iter()
            .map(|id| {
                let d = s
                    .tumour_doses
                    .iter()
                    .find(|(t, _)| *t == id)
                    .map(|(_, d)| *d);
                (id, d)
            })
            .collect(),
        injections: s
            .injections
            .iter()
            .map(|&n| partition_injection(&injections[n]))
            .collect(),
        ..session_labels(case, injections, s)
    }
}

/// The lung mass with its basis and the LSF of each injection with its method, as shown with
/// the lung checks.
pub(crate) fn lung_detail(case: &Case, injections: &[InjectionPlan], s: &SessionPlan) -> Text {
    let lsf: Vec<Text> = s
        .injections
        .iter()
        .map(|&n| {
            let i = &injections[n].input;
            let method = match i.lsf_source {
                LsfSource::Injection => Text::msg("check-lsf-stated-on-injection"),
                LsfSource::Mapping => Text::verbatim("mapping.lsf"),
                LsfSource::Planar => Text::msg("check-lsf-planar"),
                LsfSource::Measured => Text::msg("check-lsf-measured"),
            };
            Text::with(
                "check-lsf-of-injection",
                vec![
                    ("injection", Arg::from(&i.id)),
                    (
                        "lsf",
                        Arg::Qty {
                            value: i.lung.lsf.percent(),
                            decimals: 1,
                            unit: "%",
                        },
                    ),
                    ("method", Arg::from(method)),
                ],
            )
        })
        .collect();
    Text::with(
        "check-lung-detail",
        vec![
            ("mass", Arg::from(lung_mass_text(case))),
            ("lsf", Arg::from(history::comma_list(lsf))),
        ],
    )
}

/// The lung mass used with its basis ("0.822 kg (CT lung volume 822 mL × 1 g/mL)"), as
/// `sirt_case::Lungs::describe` words it in English.
fn lung_mass_text(case: &Case) -> Text {
    let mass = Arg::Qty {
        value: case.lungs.mass.kg(),
        decimals: 3,
        unit: "kg",
    };
    match case.lungs.basis {
        LungMassBasis::Convention => Text::with("check-lung-mass-convention", vec![("mass", mass)]),
        LungMassBasis::CtVolume { volume, density } => Text::with(
            "check-lung-mass-ct",
            vec![
                ("mass", mass),
                (
                    "volume",
                    Arg::Qty {
                        value: volume.ml(),
                        decimals: 0,
                        unit: "mL",
                    },
                ),
                (
                    "density",
                    Arg::Numeric(format!("{} g/mL", density.g_per_ml())),
                ),
            ],
        ),
        LungMassBasis::Stated => Text::with("check-lung-mass-stated", vec![("mass", mass)]),
    }
}

/// The delivered facts of a plan: one session for each session whose planned injections all
/// have a delivery record; None when no session has one.
pub(crate) fn delivered(
    case: &Case,
    injections: &[InjectionPlan],
    sessions: &[SessionPlan],
    profile: EventProfile,
) -> Option<Facts> {
    let sessions: Vec<SessionFacts> = sessions
        .iter()
        .filter_map(|s| delivered_session(case, injections, s))
        .collect();
    (!sessions.is_empty()).then(|| Facts {
        check_basis: CheckBasis::Delivered,
        // How the delivered values were obtained.
        values_from: Text::msg("values-delivered"),
        sessions,
        ..patient_facts(case, profile)
    })
}

/// A deviation as compared with a threshold: rounded to 1e-9 so that a boundary written in a
/// rule ("20 %") is met by a value that is exactly on it (3.2 / 4.0 − 1 is −0.19999999999999996
/// in binary floating point, which would pass "< 20 %").
fn on_the_boundary(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// The delivered facts of one injection, when it has a delivery record: the delivered activity
/// against the activity the plan intends to administer (`expected.administered`: for glass the
/// ordered vial at the planned instant less the planned residual, for resin and Ho-166 the
/// prescription), the residual against the one planned, and the doses at the delivered activity.
fn delivered_injection(p: &InjectionPlan) -> Option<InjectionFacts> {
    let planned = p.planned()?;
    let d = planned.delivered.as_ref()?;
    let intended = planned.expected.administered;
    Some(InjectionFacts {
        perfused_dose: Some(d.doses.perfused.dose),
        normal_liver_dose: Some(d.doses.normal_liver.dose),
        delivered_activity_deviation: Some(on_the_boundary(
            (d.delivery.delivered / intended - 1.0).abs(),
        )),
        residual_excess: Some(on_the_boundary(
            d.delivery.residual_fraction - p.input.residual_fraction.value(),
        )),
        ..injection_labels(p)
    })
}

/// The delivered facts of a session with some delivery record: each injection with a record;
/// the session's doses (whole-liver NTAD, lung, tumours) only when every planned injection has
/// one, else the NTAD is not evaluable with the reason.
fn delivered_session(
    case: &Case,
    injections: &[InjectionPlan],
    s: &SessionPlan,
) -> Option<SessionFacts> {
    let planned: Vec<&InjectionPlan> = s
        .injections
        .iter()
        .map(|&n| &injections[n])
        .filter(|p| p.planned().is_some())
        .collect();
    let records: Vec<InjectionFacts> = planned
        .iter()
        .filter_map(|p| delivered_injection(p))
        .collect();
    if records.is_empty() {
        return None;
    }
    let labels = SessionFacts {
        injections: records,
        lung_detail: Some(lung_detail(case, injections, s)),
        ..session_labels(case, injections, s)
    };
    let without: Vec<&str> = planned
        .iter()
        .filter(|p| p.planned().is_some_and(|a| a.delivered.is_none()))
        .map(|p| p.input.id.as_str())
        .collect();
    if !without.is_empty() {
        return Some(SessionFacts {
            ntad_not_evaluable: Some(Text::with(
                "note-delivery-record-missing",
                vec![("injections", Arg::from(without.join(", ")))],
            )),
            ..labels
        });
    }
    Some(delivered_doses(case, &planned, s, labels))
}

/// The session's delivered doses (every planned injection has a delivery record).
fn delivered_doses(
    case: &Case,
    planned: &[&InjectionPlan],
    s: &SessionPlan,
    labels: SessionFacts,
) -> SessionFacts {
    let doses: Vec<_> = planned
        .iter()
        .filter_map(|p| {
            p.planned()
                .and_then(|a| a.delivered.as_ref())
                .map(|d| &d.doses)
        })
        .collect();
    let normal: Energy = doses.iter().map(|d| d.normal_liver.energy).sum();
    let lung: Energy = doses.iter().map(|d| d.lung.energy).sum();
    let one_kg = Mass::from_kg(sirt_analytic::lung::LUNG_MASS_CONVENTION_KG);
    let tumours = case
        .tumours
        .iter()
        .filter_map(|t| {
            let e: Option<Energy> = doses
                .iter()
                .flat_map(|d| d.tumours.iter())
                .filter(|(id, _)| *id == t.id)
                .map(|(_, c)| c.energy)
                .reduce(|a, b| a + b);
            e.map(|e| (t.id.clone(), Some(e / t.mass)))
        })
        .collect();
    SessionFacts {
        whole_liver_ntad: Some(normal / case.whole_normal_liver_mass()),
        ntad_not_evaluable: s.ntad_not_evaluable.clone(),
        lung_dose_1kg: Some(lung / one_kg),
        tumours,
        ..labels
    }
}
