//! The planning orchestrator: [`plan`] turns a validated case into a [`Plan`].
//!
//! | step | done by |
//! |---|---|
//! | device, nuclide and K of each injection (K printed with its source) | [`sirt_devices`], [`sirt_nuclides`] |
//! | territory masses, prescription from the goal and method, limits → activity and binding constraint | [`sirt_analytic::prescription`], [`sirt_analytic::bsa`] |
//! | session limits across injections (whole-liver NTAD, lung per session, cumulative lung) | [`sirt_analytic::session`] |
//! | vial activity = A / (1 − R), vial order and treatment day, delivered activity after the residual | [`sirt_devices::ordering`] |
//! | guideline and safety checks with sources | [`sirt_rules`] |
//!
//! Sessions are planned in chronological order; the cumulative lung dose of a session counts
//! the earlier treatments of the case and the earlier sessions of the plan (delivered doses
//! where the residual has been recorded, planned doses otherwise).
//!
//! ```
//! let case = sirt_case::parse(include_str!("../../../examples/demo-net-case.toml"), "demo").unwrap();
//! let devices = sirt_devices::Catalogue::embedded().unwrap();
//! let rules = sirt_rules::RuleSet::embedded().unwrap();
//! let plan = sirt_workflow::plan(&case, &devices, &rules, "demo").unwrap();
//! assert_eq!(plan.injections.len(), 2);
//! assert!(plan.checks.iter().any(|c| c.rule == "net-glass-ntad-whole-liver"));
//! ```

use sirt_analytic::ModelError;
use sirt_analytic::bsa::{BsaInputs, BsaResult};
use sirt_analytic::partition::{PartitionDoses, Territory, TumourCompartment};
use sirt_analytic::prescription::{
    Constraint, InjectionLimits, Prescription, Solution, TumourTarget, solve, vial_activity_for,
};
use sirt_analytic::session::{
    SessionContext, SessionInjection, SessionLimits, SessionScaling, SessionTotals, apply_limits,
    totals,
};
use sirt_case::{Case, Goal, Injection, Lobe, Method, TerritoryKind};
use sirt_devices::{Catalogue, Delivery, Device, VialOrder, VialPolicy};
use sirt_i18n::{Arg, Text};
use sirt_nuclides::Coefficient;
use sirt_rules::{Check, RuleSet};
pub use sirt_settings::{EventProfile, SiteSettings};

mod facts;
pub use facts::injection_labels;
mod resample;
pub use resample::{Perturbation, Resampler};
mod history;
pub use history::{
    comma_list, earlier_recorded, earlier_recorded_text, earlier_summary, earlier_summary_text,
    retreatment, semicolon_list,
};
use sirt_analytic::lung::LUNG_MASS_CONVENTION_KG;
use sirt_units::{AbsorbedDose, Activity, Energy, Instant, Mass};
use thiserror::Error;

/// The research-use notice (one wording for every output: `sirt_units::RESEARCH_NOTICE`).
pub use sirt_units::RESEARCH_NOTICE;

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PlanError {
    /// The case asks for something impossible (unknown device, treatment outside the window, ...).
    #[error("case file {file}: {field}: {message}")]
    Input {
        /// Case file.
        file: String,
        /// Field path or injection.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// An injection before its session is planned.
struct Draft {
    input: Injection,
    device: Device,
    k: Coefficient,
    tumours: Vec<TumourPlan>,
    bsa: Option<BsaResult>,
}

/// One tumour compartment of an injection, with its predicted dose.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TumourPlan {
    /// Tumour id.
    pub id: String,
    /// Tumour-to-normal ratio.
    pub tnr: f64,
    /// Fraction of the tumour in the territory.
    pub fraction: f64,
    /// Mass in the territory.
    pub mass: Mass,
}

/// The activity and doses expected with the ordered vial at the planned instant: for glass the
/// whole vial less the residual, for resin and Ho-166 the prescription itself.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExpectedDoses {
    /// Expected administered activity.
    pub administered: Activity,
    /// Doses at that activity.
    pub doses: PartitionDoses,
}

/// An injection whose activity was planned.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlannedActivity {
    /// Prescribed administered activity, binding constraint, candidates and doses.
    pub solution: Solution,
    /// Activity needed in the vial at injection, A / (1 − R).
    pub vial_activity: Activity,
    /// The vial order.
    pub order: VialOrder,
    /// Doses expected with the ordered vial at the planned instant (what the checks use).
    pub expected: ExpectedDoses,
    /// Whether the tumour target was reached (`None` without a tumour target).
    pub target_reached: Option<bool>,
    /// Post-treatment: delivered activity and the doses it gives.
    pub delivered: Option<DeliveredDoses>,
}

/// The delivered activity and its doses.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeliveredDoses {
    /// Vial, residual and delivered activity.
    pub delivery: Delivery,
    /// The instant of injection.
    pub injected: Instant,
    /// Doses recomputed with the delivered activity.
    pub doses: PartitionDoses,
}

/// The outcome of an injection's planning.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Outcome {
    /// An activity is planned.
    Planned(Box<PlannedActivity>),
    /// Treatment contraindicated by the method (resin BSA with LSF above the last band).
    Contraindicated {
        /// Why.
        reason: Text,
    },
    /// A session limit leaves no activity for this injection.
    NoActivityAllowed {
        /// Why.
        reason: Text,
    },
}

/// One injection of the plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InjectionPlan {
    /// The injection as in the case.
    #[serde(skip)]
    pub input: Injection,
    /// The device.
    pub device: Device,
    /// K, its convention and source.
    pub k: Coefficient,
    /// Tumour compartments.
    pub tumours: Vec<TumourPlan>,
    /// BSA intermediate values, for the BSA method.
    pub bsa: Option<BsaResult>,
    /// Activity and doses, or a contraindication.
    pub outcome: Outcome,
}

impl InjectionPlan {
    /// The planned activity, when there is one.
    pub fn planned(&self) -> Option<&PlannedActivity> {
        match &self.outcome {
            Outcome::Planned(p) => Some(p),
            Outcome::Contraindicated { .. } | Outcome::NoActivityAllowed { .. } => None,
        }
    }
}

/// Unilobar or bilobar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Extent {
    /// One lobe (or part of it).
    Unilobar,
    /// Both lobes.
    Bilobar,
}

impl Extent {
    /// Label as in rule files.
    pub fn label(self) -> &'static str {
        match self {
            Extent::Unilobar => "unilobar",
            Extent::Bilobar => "bilobar",
        }
    }
}

/// One session of the plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionPlan {
    /// Session id.
    pub id: String,
    /// Planned treatment instant.
    pub treatment: Instant,
    /// Unilobar or bilobar.
    pub extent: Extent,
    /// Indices into [`Plan::injections`].
    pub injections: Vec<usize>,
    /// Totals with the ordered vials (None when no injection of the session has an activity).
    pub totals: Option<SessionTotals>,
    /// Whole-tumour mean doses of the tumours treated in the session (energy of all its parts
    /// from the session's injections over the whole tumour mass), with the ordered vials.
    pub tumour_doses: Vec<(String, AbsorbedDose)>,
    /// Scalings applied to meet session limits.
    pub scalings: Vec<SessionScaling>,
    /// Lung dose before the session.
    pub earlier_lung_dose: AbsorbedDose,
    /// Whole-liver normal-tissue dose of this and the plan's earlier sessions, delivered doses
    /// where the residual was recorded, expected ones otherwise (doses add; the case's earlier
    /// treatments are not included).
    pub plan_whole_liver_ntad: AbsorbedDose,
    /// Cumulative whole-liver normal-tissue dose over SIRT sessions: the case's earlier SIRT as
    /// recorded (`earlier_treatments.whole_liver_ntad`; one without it counts 0 Gy and a note
    /// says so) plus [`plan_whole_liver_ntad`](Self::plan_whole_liver_ntad). None when the NTAD
    /// of this or an earlier session of the plan is not evaluable.
    pub cumulative_whole_liver_ntad: Option<AbsorbedDose>,
    /// The session's lung dose in the convention the lung limits were set in: K · A · LSF / 1 kg
    /// (None when no injection of the session has an activity).
    pub lung_dose_1kg: Option<AbsorbedDose>,
    /// Cumulative lung dose in the 1 kg convention: the case's earlier treatments as recorded,
    /// the plan's earlier sessions and this one at K · A · LSF / 1 kg.
    pub cumulative_lung_dose_1kg: Option<AbsorbedDose>,
    /// Why the whole-liver NTAD and the treated fraction are not evaluable, when they are not.
    pub ntad_not_evaluable: Option<Text>,
}

impl SessionPlan {
    /// The limit on the perfused normal-liver dose equivalent to a whole-liver limit, L / f.
    pub fn equivalent_perfused_limit(
        &self,
        whole_liver_limit: AbsorbedDose,
    ) -> Option<AbsorbedDose> {
        self.totals
            .filter(|t| t.treated_normal_fraction > 0.0)
            .map(|t| whole_liver_limit / t.treated_normal_fraction)
    }
}

/// A complete plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The case planned.
    pub case: Case,
    /// Injections, in case order.
    pub injections: Vec<InjectionPlan>,
    /// Sessions, in chronological order.
    pub sessions: Vec<SessionPlan>,
    /// Check results.
    pub checks: Vec<Check>,
    /// Remarks a reader must see (defaults used, unverified data), printed in the reader's
    /// language.
    pub notes: Vec<Text>,
}

/// Plans a case with the default site settings (US NRC event profile for the delivered checks,
/// 8-week imaging age limit).
pub fn plan(
    case: &Case,
    devices: &Catalogue,
    rules: &RuleSet,
    file: &str,
) -> Result<Plan, PlanError> {
    plan_for_site(case, devices, rules, &SiteSettings::default(), file)
}

/// Plans a case for a site: its devices, rules and settings (the event-definition profile
/// selects the delivered checks; `imaging_max_age` is the limit of the imaging-age check). The
/// checks are those of the partition values, then of the delivered values when the case has
/// delivery records.
pub fn plan_for_site(
    case: &Case,
    devices: &Catalogue,
    rules: &RuleSet,
    settings: &SiteSettings,
    file: &str,
) -> Result<Plan, PlanError> {
    let profile = settings.event_profile;
    let errs = Errors { file };
    let mut drafts = Vec::new();
    let mut outcomes: Vec<Option<Outcome>> = Vec::new();
    let mut solutions: Vec<Option<(Territory, Solution)>> = Vec::new();
    for (n, inj) in case.injections.iter().enumerate() {
        let (draft, solved) = draft_injection(case, devices, n, inj, errs)?;
        outcomes.push(contraindication(inj, solved.as_ref()));
        solutions.push(solved);
        drafts.push(draft);
    }
    let sessions = plan_sessions(case, &drafts, &solutions, &mut outcomes, errs)?;
    let injections = injection_plans(drafts, outcomes, errs)?;
    let partition = facts::partition(case, &injections, &sessions, settings);
    let mut checks = rules.evaluate(&partition);
    if let Some(delivered) = facts::delivered(case, &injections, &sessions, profile) {
        checks.extend(rules.evaluate(&delivered));
    }
    let mut notes = notes(case, &injections);
    notes.extend(history::notes(case));
    Ok(Plan {
        case: case.clone(),
        injections,
        sessions,
        checks,
        notes,
    })
}

/// Builds the errors of a plan of one case file.
#[derive(Clone, Copy)]
struct Errors<'a> {
    file: &'a str,
}

impl Errors<'_> {
    fn input(self, field: String, message: String) -> PlanError {
        PlanError::Input {
            file: self.file.to_owned(),
            field,
            message,
        }
    }

    fn model(self, n: usize, id: &str, e: ModelError) -> PlanError {
        self.input(format!("injections[{n}] (\"{id}\")"), e.to_string())
    }
}

/// One injection on its own: device, K, tumour compartments and the activity solved for its
/// prescription (`None` when the method contraindicates treatment).
fn draft_injection(
    case: &Case,
    devices: &Catalogue,
    n: usize,
    inj: &Injection,
    errs: Errors<'_>,
) -> Result<(Draft, Option<(Territory, Solution)>), PlanError> {
    let device = injection_device(devices, n, inj, errs)?;
    let convention = inj.k.or(case.planning.k).unwrap_or(device.k_convention);
    let k = convention
        .resolve(device.nuclide)
        .map_err(|e| errs.input(format!("injections[{n}].k (or planning.k)"), e.to_string()))?;
    let tumours = tumour_plans(case, inj);
    let territory = territory_of(&tumours, inj);
    let (prescription, bsa) = prescription(case, n, inj, device, errs)?;
    let limits = InjectionLimits {
        normal_liver_max: inj.limits.normal_liver_max,
        lung_max: inj.limits.lung_max,
        perfused_max: inj.limits.perfused_max,
    };
    let solution = match &prescription {
        Some(p) => Some(
            solve(&territory, &inj.lung, k.k, p, &limits).map_err(|e| errs.model(n, &inj.id, e))?,
        ),
        None => None,
    };
    let draft = Draft {
        input: inj.clone(),
        device: device.clone(),
        k,
        tumours,
        bsa,
    };
    Ok((draft, solution.map(|s| (territory, s))))
}

/// The injection's device from the catalogue, checked against the injection's method.
fn injection_device<'d>(
    devices: &'d Catalogue,
    n: usize,
    inj: &Injection,
    errs: Errors<'_>,
) -> Result<&'d Device, PlanError> {
    let device = devices.get(&inj.device).ok_or_else(|| {
        errs.input(
            format!("injections[{n}].device"),
            format!(
                "unknown device \"{}\"; the catalogue has {}",
                inj.device,
                devices.ids().join(", ")
            ),
        )
    })?;
    match (inj.method, device.nuclide) {
        (Method::Ho166, nuclide) if nuclide != sirt_nuclides::Nuclide::Ho166 => {
            Err(errs.input(
                format!("injections[{n}].method"),
                format!(
                    "the ho166 method needs a Ho-166 device; \"{}\" is {}",
                    device.id, device.nuclide
                ),
            ))
        }
        (Method::Bsa, nuclide)
            if nuclide != sirt_nuclides::Nuclide::Y90
                || device.ordering != sirt_devices::Ordering::Fraction =>
        {
            Err(errs.input(
                format!("injections[{n}].method"),
                format!(
                    "the BSA method is for resin Y-90 microspheres drawn from a vial; \"{}\" is not",
                    device.id
                ),
            ))
        }
        _ => Ok(device),
    }
}

/// The tumour compartments of an injection: each tumour share with its mass in the territory.
fn tumour_plans(case: &Case, inj: &Injection) -> Vec<TumourPlan> {
    inj.tumours
        .iter()
        .filter_map(|s| {
            case.tumour(&s.id).map(|t| TumourPlan {
                id: s.id.clone(),
                tnr: s.tnr,
                fraction: s.fraction.value(),
                mass: t.mass * s.fraction.value(),
            })
        })
        .collect()
}

/// The partition-model territory of an injection.
fn territory_of(tumours: &[TumourPlan], inj: &Injection) -> Territory {
    Territory {
        tumours: tumours
            .iter()
            .map(|t| TumourCompartment {
                id: t.id.clone(),
                mass: t.mass,
                tnr: t.tnr,
            })
            .collect(),
        normal_liver: inj.normal_liver_mass,
    }
}

/// The prescription of an injection's goal under its method (`None` when the BSA method
/// contraindicates treatment), with the BSA intermediate values for the BSA formula.
fn prescription(
    case: &Case,
    n: usize,
    inj: &Injection,
    device: &Device,
    errs: Errors<'_>,
) -> Result<(Option<Prescription>, Option<BsaResult>), PlanError> {
    let prescription = match (&inj.goal, inj.method) {
        (Goal::Activity { activity }, _) => Prescription::Fixed(*activity),
        (Goal::TumourDose { dose, tumour }, _) => Prescription::TumourDose {
            target: match tumour.as_str() {
                "combined" => TumourTarget::Combined,
                "every" => TumourTarget::Every,
                id => TumourTarget::Named(id.to_owned()),
            },
            dose: *dose,
        },
        (Goal::PerfusedDose { dose }, Method::Ho166) => Prescription::Ho166Rule(*dose),
        (Goal::PerfusedDose { dose }, _) => Prescription::PerfusedDose(*dose),
        (Goal::Maximum, _) => Prescription::MaximumAllowed,
        (Goal::Formula, _) => {
            let r = bsa_formula(case, n, inj, device, errs)?;
            let p = r.activity.map(|a| Prescription::Formula {
                activity: a,
                label: "bsa",
            });
            return Ok((p, Some(r)));
        }
    };
    Ok((Some(prescription), None))
}

/// The BSA formula's activity (resin Y-90) for an injection.
fn bsa_formula(
    case: &Case,
    n: usize,
    inj: &Injection,
    device: &Device,
    errs: Errors<'_>,
) -> Result<BsaResult, PlanError> {
    let (height, weight) = case
        .patient
        .height
        .zip(case.patient.weight)
        .ok_or_else(|| {
            errs.input(
                "patient.height / weight".into(),
                "needed by the BSA method".into(),
            )
        })?;
    BsaInputs {
        height,
        weight,
        tumour_volume: case.tumours.iter().map(|t| t.volume).sum(),
        liver_volume: case.liver.volume,
        perfused_volume: (inj.territory != TerritoryKind::WholeLiver)
            .then_some(inj.perfused_volume),
        lsf: inj.lung.lsf,
    }
    .compute(device.lsf_bands.as_ref().ok_or_else(|| {
        errs.input(
            format!("injections[{n}].device"),
            format!(
                "device \"{}\" has no LSF bands for the BSA method in the catalogue",
                device.id
            ),
        )
    })?)
    .map_err(|e| errs.model(n, &inj.id, e))
}

/// The contraindication of an injection that has no solution (resin BSA with LSF above the
/// last band).
fn contraindication(inj: &Injection, solution: Option<&(Territory, Solution)>) -> Option<Outcome> {
    solution.is_none().then(|| Outcome::Contraindicated {
        reason: Text::with(
            "note-lsf-above-last-band",
            vec![(
                "lsf",
                Arg::Qty {
                    value: inj.lung.lsf.percent(),
                    decimals: 1,
                    unit: "%",
                },
            )],
        ),
    })
}

/// Sessions in order: session limits, vial orders, expected and delivered doses, totals. The
/// outcome of every injection with an activity is set.
fn plan_sessions(
    case: &Case,
    drafts: &[Draft],
    solutions: &[Option<(Territory, Solution)>],
    outcomes: &mut [Option<Outcome>],
    errs: Errors<'_>,
) -> Result<Vec<SessionPlan>, PlanError> {
    let whole_normal = case.whole_normal_liver_mass();
    let mut earlier_lung = case.earlier_lung_dose();
    let mut earlier_lung_1kg = case.earlier_lung_dose();
    let mut plan_ntad = AbsorbedDose::from_gy(0.0);
    let mut cumulative_ntad = Some(case.earlier_sirt_whole_liver_ntad());
    let mut sessions = Vec::new();
    for session in &case.sessions {
        let ctx = SessionContext {
            whole_normal_liver: whole_normal,
            lung_mass: case.lungs.mass,
            earlier_lung_dose: earlier_lung,
        };
        let step = plan_session(case, session, drafts, solutions, &ctx, outcomes, errs)?;
        plan_ntad += step.normal_energy / whole_normal;
        let lung_dose_1kg = step.totals.map(|t| t.lung_dose * case.lungs.mass.kg());
        let ntad_not_evaluable = ntad_not_evaluable(case, &step.members);
        cumulative_ntad = cumulative_ntad
            .filter(|_| ntad_not_evaluable.is_none())
            .map(|d| d + step.normal_energy / whole_normal);
        sessions.push(SessionPlan {
            id: session.id.clone(),
            treatment: session.treatment.clone(),
            extent: step.extent,
            injections: step.members,
            totals: step.totals,
            tumour_doses: step.tumour_doses,
            scalings: step.scalings,
            earlier_lung_dose: earlier_lung,
            plan_whole_liver_ntad: plan_ntad,
            cumulative_whole_liver_ntad: cumulative_ntad,
            lung_dose_1kg,
            cumulative_lung_dose_1kg: lung_dose_1kg.map(|d| earlier_lung_1kg + d),
            ntad_not_evaluable,
        });
        earlier_lung += step.lung_energy / case.lungs.mass;
        earlier_lung_1kg += step.lung_energy / Mass::from_kg(LUNG_MASS_CONVENTION_KG);
    }
    Ok(sessions)
}

/// Why the whole-liver NTAD of a session is not evaluable: a MIRD injection without assigned
/// tumours in a case with tumours counts tumour tissue in its perfused mass as normal liver, so
/// the energy to normal liver and the treated fraction (which can exceed 100 %) are unknown.
fn ntad_not_evaluable(case: &Case, members: &[usize]) -> Option<Text> {
    if case.tumours.is_empty() {
        return None;
    }
    let ids: Vec<&str> = members
        .iter()
        .map(|&n| &case.injections[n])
        .filter(|i| i.method == Method::Mird && i.tumours.is_empty())
        .map(|i| i.id.as_str())
        .collect();
    (!ids.is_empty()).then(|| {
        Text::with(
            "note-mird-without-tumours",
            vec![("injections", Arg::from(ids.join(", ")))],
        )
    })
}

/// One session planned: what its [`SessionPlan`] holds apart from the doses carried across
/// sessions, and the energies its injections carry to later sessions.
struct SessionStep {
    members: Vec<usize>,
    extent: Extent,
    totals: Option<SessionTotals>,
    tumour_doses: Vec<(String, AbsorbedDose)>,
    scalings: Vec<SessionScaling>,
    lung_energy: Energy,
    normal_energy: Energy,
}

/// Plans one session: session limits over its injections with a solution, then each
/// injection's vial order and doses, then the session's totals and whole-tumour doses.
fn plan_session(
    case: &Case,
    session: &sirt_case::Session,
    drafts: &[Draft],
    solutions: &[Option<(Territory, Solution)>],
    ctx: &SessionContext,
    outcomes: &mut [Option<Outcome>],
    errs: Errors<'_>,
) -> Result<SessionStep, PlanError> {
    let session_err = |e: String| errs.input(format!("session \"{}\"", session.id), e);
    let members: Vec<usize> = case
        .injections
        .iter()
        .enumerate()
        .filter(|(_, i)| i.session == session.id)
        .map(|(n, _)| n)
        .collect();
    let planned: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&n| solutions[n].is_some())
        .collect();
    let (group, scalings) = limit_session(case, drafts, solutions, &planned, ctx)
        .map_err(|e| session_err(e.to_string()))?;

    let mut expected_group: Vec<SessionInjection> = Vec::new();
    let mut lung_energy = Energy::from_j(0.0);
    let mut normal_energy = Energy::from_j(0.0);
    for (member, &n) in group.iter().zip(&planned) {
        if !member.solution.administered.is_positive() {
            outcomes[n] = Some(no_activity_allowed(&member.solution));
            continue;
        }
        let inj = &case.injections[n];
        let (activity, expected) = plan_activity(inj, session, &drafts[n], n, member, errs)?;
        let carried = activity
            .delivered
            .as_ref()
            .map_or(&activity.expected.doses, |d| &d.doses);
        lung_energy += carried.lung.energy;
        normal_energy += carried.normal_liver.energy;
        expected_group.push(expected);
        outcomes[n] = Some(Outcome::Planned(Box::new(activity)));
    }
    let totals = if expected_group.is_empty() {
        None
    } else {
        Some(totals(&expected_group, ctx).map_err(|e| session_err(e.to_string()))?)
    };
    Ok(SessionStep {
        extent: extent_of(members.iter().map(|&n| &case.injections[n])),
        members,
        totals,
        tumour_doses: whole_tumour_doses(&case.tumours, &expected_group),
        scalings,
        lung_energy,
        normal_energy,
    })
}

/// The session's injections with a solution (`planned`, case indices) scaled to meet the
/// session limits, and the scalings applied (with case indices).
fn limit_session(
    case: &Case,
    drafts: &[Draft],
    solutions: &[Option<(Territory, Solution)>],
    planned: &[usize],
    ctx: &SessionContext,
) -> Result<(Vec<SessionInjection>, Vec<SessionScaling>), ModelError> {
    let mut group: Vec<SessionInjection> = planned
        .iter()
        .filter_map(|&n| {
            solutions[n].as_ref().map(|(t, s)| SessionInjection {
                territory: t.clone(),
                lung: case.injections[n].lung,
                k: drafts[n].k.k,
                solution: s.clone(),
            })
        })
        .collect();
    let limits = &case.planning.limits;
    let mut scalings = apply_limits(
        &mut group,
        ctx,
        &SessionLimits {
            whole_liver_ntad_max: limits.whole_liver_ntad_max,
            lung_session_max: limits.lung_session_max,
            lung_cumulative_max: limits.lung_cumulative_max,
        },
    )?;
    // Report injection indices of the case, not of the group.
    for s in &mut scalings {
        s.injections = s.injections.iter().map(|&g| planned[g]).collect();
    }
    Ok((group, scalings))
}

/// The outcome of an injection left no activity by the session limits.
fn no_activity_allowed(solution: &Solution) -> Outcome {
    Outcome::NoActivityAllowed {
        reason: Text::with(
            "note-limit-already-reached",
            vec![("limit", Arg::from(constraint_text(&solution.binding)))],
        ),
    }
}

/// An injection with an activity after the session limits (`member`): its vial order, the doses
/// expected with the ordered vial, the delivered doses, and the session member at the expected
/// activity (what the session totals use).
fn plan_activity(
    inj: &Injection,
    session: &sirt_case::Session,
    draft: &Draft,
    n: usize,
    member: &SessionInjection,
    errs: Errors<'_>,
) -> Result<(PlannedActivity, SessionInjection), PlanError> {
    let device = &draft.device;
    let k = draft.k.k;
    let territory = &member.territory;
    let solution = member.solution.clone();
    let vial_activity = vial_activity_for(solution.administered, inj.residual_fraction)
        .map_err(|e| errs.model(n, &inj.id, e))?;
    let order = sirt_devices::order(
        device,
        vial_activity,
        &session.treatment,
        session.calibration.as_ref(),
        vial_policy(&solution.binding),
    )
    .map_err(|e| {
        errs.input(
            format!(
                "injections[{n}] (\"{}\"), session \"{}\"",
                inj.id, session.id
            ),
            e.to_string(),
        )
    })?;
    // A whole glass vial is injected: what it holds at the planned instant, less the
    // residual; a drawn (resin) or ordered (Ho-166) activity is the prescription itself.
    let expected_administered = match device.ordering {
        sirt_devices::Ordering::Vials => {
            order.chosen.at_injection * inj.residual_fraction.complement()
        }
        _ => solution.administered,
    };
    let expected = ExpectedDoses {
        administered: expected_administered,
        doses: territory
            .doses(k, expected_administered, &inj.lung)
            .map_err(|e| errs.model(n, &inj.id, e))?,
    };
    let delivered = match &inj.delivery {
        None => None,
        Some(d) => Some(deliver(
            device,
            &order,
            vial_activity,
            session,
            d,
            n,
            &inj.id,
            errs.file,
        )?)
        .map(|delivery| {
            territory
                .doses(k, delivery.delivered, &inj.lung)
                .map(|doses| DeliveredDoses {
                    delivery,
                    injected: d.injected.clone(),
                    doses,
                })
        })
        .transpose()
        .map_err(|e| errs.model(n, &inj.id, e))?,
    };
    let expected_member = SessionInjection {
        solution: Solution {
            doses: expected.doses.clone(),
            administered: expected_administered,
            ..solution.clone()
        },
        ..member.clone()
    };
    let target_reached = matches!(inj.goal, Goal::TumourDose { .. })
        .then(|| solution.binding == Constraint::TumourTarget);
    let activity = PlannedActivity {
        solution,
        vial_activity,
        order,
        expected,
        target_reached,
        delivered,
    };
    Ok((activity, expected_member))
}

/// The vial closest to the activity for a target or a fixed activity; at most the activity
/// when a limit binds.
fn vial_policy(binding: &Constraint) -> VialPolicy {
    match binding {
        Constraint::PerfusedTarget
        | Constraint::TumourTarget
        | Constraint::Ho166Rule
        | Constraint::BsaFormula
        | Constraint::FixedActivity => VialPolicy::Closest,
        _ => VialPolicy::AtMost,
    }
}

/// Whole-tumour doses: energy from every injection of the session over the whole mass.
fn whole_tumour_doses(
    tumours: &[sirt_case::Tumour],
    expected_group: &[SessionInjection],
) -> Vec<(String, AbsorbedDose)> {
    let mut tumour_doses: Vec<(String, AbsorbedDose)> = Vec::new();
    for t in tumours {
        let energy: Option<Energy> = expected_group
            .iter()
            .flat_map(|g| g.solution.doses.tumours.iter())
            .filter(|(id, _)| *id == t.id)
            .map(|(_, c)| c.energy)
            .reduce(|a, b| a + b);
        if let Some(e) = energy {
            tumour_doses.push((t.id.clone(), e / t.mass));
        }
    }
    tumour_doses
}

/// The injections of the plan, each with its outcome.
fn injection_plans(
    drafts: Vec<Draft>,
    outcomes: Vec<Option<Outcome>>,
    errs: Errors<'_>,
) -> Result<Vec<InjectionPlan>, PlanError> {
    let mut injections = Vec::new();
    for (n, (d, outcome)) in drafts.into_iter().zip(outcomes).enumerate() {
        let outcome = outcome.ok_or_else(|| {
            errs.input(
                format!("injections[{n}].session"),
                "the injection's session was not planned".into(),
            )
        })?;
        injections.push(InjectionPlan {
            input: d.input,
            device: d.device,
            k: d.k,
            tumours: d.tumours,
            bsa: d.bsa,
            outcome,
        });
    }
    Ok(injections)
}

/// Maximum distance between the recorded injection and the session's planned instant.
pub const DELIVERY_MAX_SHIFT_DAYS: f64 = 2.0;

/// The delivered activity of an injection (V6), after checking the delivery record against the
/// session and the vial.
#[allow(clippy::too_many_arguments)]
fn deliver(
    device: &Device,
    order: &VialOrder,
    vial_activity: Activity,
    session: &sirt_case::Session,
    d: &sirt_case::Delivery,
    n: usize,
    id: &str,
    file: &str,
) -> Result<Delivery, PlanError> {
    let err = |field: &str, message: String| PlanError::Input {
        file: file.to_owned(),
        field: format!("injections[{n}] (\"{id}\").delivery.{field}"),
        message,
    };
    let shift = d.injected.since(&session.treatment);
    if shift.days().abs() > DELIVERY_MAX_SHIFT_DAYS {
        return Err(err(
            "injected",
            format!(
                "{} is {:.2} days from the session's planned treatment ({}); more than {DELIVERY_MAX_SHIFT_DAYS} days apart is another session",
                d.injected,
                shift.days(),
                session.treatment
            ),
        ));
    }
    let cal = &device.calibration;
    if !cal.at_treatment {
        let since = d.injected.since(&order.chosen.calibration);
        if since < cal.usable_from || since > cal.usable_to {
            return Err(err(
                "injected",
                format!(
                    "{} is {:.2} days after the vial's calibration ({}), outside the usable window {:.2} to {:.2} days",
                    d.injected,
                    since.days(),
                    order.chosen.calibration,
                    cal.usable_from.days(),
                    cal.usable_to.days()
                ),
            ));
        }
    }
    if d.residual_measured < d.injected {
        return Err(err(
            "residual_measured",
            format!(
                "{} is before the injection ({}); measure the residual after injecting",
                d.residual_measured, d.injected
            ),
        ));
    }
    let vial_at_injection = match d.vial_activity {
        Some(v) => v,
        None => match device.ordering {
            sirt_devices::Ordering::Vials => device.nuclide.activity_at(
                order.chosen.nominal,
                &order.chosen.calibration,
                &d.injected,
            ),
            _ => device
                .nuclide
                .activity_at(vial_activity, &session.treatment, &d.injected),
        },
    };
    sirt_devices::delivered(
        device,
        vial_at_injection,
        &d.injected,
        d.residual,
        &d.residual_measured,
    )
    .map_err(|e| err("residual", e.to_string()))
}

fn extent_of<'a>(injections: impl Iterator<Item = &'a Injection>) -> Extent {
    let (mut right, mut left) = (false, false);
    for i in injections {
        match (i.territory, i.lobe) {
            (TerritoryKind::WholeLiver, _) | (_, Lobe::Both) => return Extent::Bilobar,
            (_, Lobe::Right) => right = true,
            (_, Lobe::Left) => left = true,
        }
    }
    if right && left {
        Extent::Bilobar
    } else {
        Extent::Unilobar
    }
}

fn notes(case: &Case, injections: &[InjectionPlan]) -> Vec<Text> {
    let mut notes = Vec::new();
    if case.liver.density_is_default {
        notes.push(Text::with(
            "note-default-liver-density",
            vec![(
                "density",
                Arg::Numeric(format!(
                    "{} g/mL",
                    sirt_case::LIVER_DENSITY_DEFAULT_G_PER_ML
                )),
            )],
        ));
    }
    match case.lungs.basis {
        sirt_analytic::lung::LungMassBasis::Convention => {
            notes.push(Text::msg("note-lung-mass-convention"));
        }
        sirt_analytic::lung::LungMassBasis::CtVolume { .. } => notes.push(Text::with(
            "note-lung-mass-from-ct",
            vec![(
                "mass",
                Arg::Qty {
                    value: case.lungs.mass.kg(),
                    decimals: 3,
                    unit: "kg",
                },
            )],
        )),
        sirt_analytic::lung::LungMassBasis::Stated => {}
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in injections {
        if !p.device.calibration.verified && seen.insert(p.device.id.clone()) {
            notes.push(Text::with(
                "note-calibration-unverified",
                vec![
                    ("device", Arg::from(&p.device.name)),
                    ("source", Arg::from(&p.device.calibration.source)),
                ],
            ));
        }
    }
    if injections.iter().any(|p| !p.tumours.is_empty()) {
        notes.push(Text::msg("note-tumour-doses-maa-predicted"));
    }
    notes
}

/// The constraint that fixes an activity, in words ("perfused-volume dose target"), in the
/// reader's language; [`Constraint::describe`] is its English wording.
pub fn constraint_text(c: &Constraint) -> Text {
    match c {
        Constraint::PerfusedTarget => Text::msg("note-constraint-perfused-target"),
        Constraint::TumourTarget => Text::msg("note-constraint-tumour-target"),
        Constraint::Ho166Rule => Text::msg("note-constraint-ho166-rule"),
        Constraint::BsaFormula => Text::msg("note-constraint-bsa-formula"),
        Constraint::FixedActivity => Text::msg("note-constraint-fixed-activity"),
        Constraint::NormalLiverLimit => Text::msg("note-constraint-normal-liver-limit"),
        Constraint::PerfusedLimit => Text::msg("note-constraint-perfused-limit"),
        Constraint::LungLimit => Text::msg("note-constraint-lung-limit"),
        Constraint::WholeLiverNtadLimit => Text::msg("note-constraint-whole-liver-ntad-limit"),
        Constraint::SessionLungLimit => Text::msg("note-constraint-session-lung-limit"),
        Constraint::CumulativeLungLimit => Text::msg("note-constraint-cumulative-lung-limit"),
    }
}
