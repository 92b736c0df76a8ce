//! Optimisation of a session's order (`sirtplan optimise`, docs/uncertainty.md "Optimisation"):
//! the vial (size and calibration), the treatment day and the activity of each injection that
//! maximise the probability that every tumour goal of the session is met, subject to the
//! probability that any of its dose limits is exceeded being at most ε.
//!
//! | step | where |
//! |---|---|
//! | the session: the one asked for, else the first without a delivery record; its goals and limits from the case | [`events`] |
//! | the candidates: each day of the window × every orderable choice of each injection (whole vials, or the activity grid for drawn and ordered devices), by `sirt_devices::ordering` | [`candidates`] |
//! | each candidate's two probabilities, by the Monte Carlo of [`crate::propagate`] with common random numbers | `monte_carlo` |
//! | the best feasible candidate and the Pareto front | `pareto` |
//!
//! The spreads are those of [`crate::propagate`], drawn once per sample; the activities are the
//! candidate's (each draw's calibration and residual factors applied to them). The MAA → Y-90
//! lesion discrepancy, drawn in Gy at the plan's predicted lesion dose, acts as a factor on the
//! lesion's dose, the same for every candidate.

pub mod candidates;
pub mod events;
mod monte_carlo;
mod pareto;

pub use candidates::{InjectionChoice, MAX_CANDIDATES};
pub use events::{DoseLimit, Events, GoalTarget, LimitKind, TumourGoal};
pub use monte_carlo::MAX_LIMIT_FACTOR;

use crate::model::Spreads;
use crate::propagate::{MAX_SAMPLES, MIN_SAMPLES, Options};
use candidates::{Raw, Slot, combine, day_instant};
use sirt_devices::{OrderError, Ordering};
use sirt_units::{Activity, Instant};
use sirt_workflow::{Plan, PlanError};

/// The default number of samples of an optimisation: 4 000 (design choice: the standard error
/// of a probability near ε = 5 % is then 0.34 percentage points; with common random numbers
/// the comparison between candidates is sharper still; the demo case takes 0.6 s on 2 cores,
/// benches/optimise.rs).
pub const DEFAULT_OPTIMISE_SAMPLES: usize = 4_000;

/// The default steps of the activity grid of a drawn (resin) or ordered (Ho-166) device: 20,
/// i.e. 5 % of the activity at which the first limit is reached (design choice: finer than the
/// ±10 % activity tolerance of a dose calibrator; IAEA TRS-454 §5).
pub const DEFAULT_STEPS: usize = 20;

/// The most steps of the activity grid: 200 (design choice: 0.5 % of the limit activity, below
/// any dose calibrator's accuracy).
pub const MAX_STEPS: usize = 200;

/// The farthest treatment day tried from the planned one: 366 days (design choice: a vial is
/// ordered for a treatment within the year; a window beyond is an input error, and keeps every
/// day within the calendar's range).
pub const MAX_DAY: i64 = 366;

/// The default window of treatment days, relative to the session's planned day: 0 to 7 (design
/// choice: one week, the interval of the glass calibration schedule).
pub const DEFAULT_DAYS: Window = Window { from: 0, to: 7 };

/// The days of treatment tried, relative to the session's planned day (same clock time), both
/// ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Window {
    /// First day (negative: before the planned day).
    pub from: i64,
    /// Last day.
    pub to: i64,
}

/// How to optimise.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimiseOptions {
    /// The session id; `None`: the first session whose injections have no delivery record.
    pub session: Option<String>,
    /// The treatment days tried.
    pub days: Window,
    /// The largest allowed probability that any limit is exceeded, in (0, 1).
    pub epsilon: f64,
    /// Steps of the activity grid of drawn and ordered devices.
    pub steps: usize,
    /// Samples and seed.
    pub monte_carlo: Options,
}

/// One candidate with its probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Day relative to the planned one.
    pub day: i64,
    /// The treatment instant.
    pub treatment: Instant,
    /// One choice per injection of the session, in case order.
    pub choices: Vec<InjectionChoice>,
    /// Probability that every goal of the session is met.
    pub p_goals: f64,
    /// Probability that any limit of the session is exceeded.
    pub p_exceeded: f64,
}

impl Candidate {
    /// The activity administered by all injections of the session.
    pub fn administered(&self) -> Activity {
        self.choices.iter().map(|c| c.administered).sum()
    }
}

/// The result of an optimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimisation {
    /// The session id.
    pub session: String,
    /// Its goals and limits.
    pub events: Events,
    /// ε.
    pub epsilon: f64,
    /// The window of days.
    pub days: Window,
    /// Steps of the activity grid (drawn and ordered devices).
    pub steps: usize,
    /// For drawn and ordered devices: the factor on the plan's activities at which the first
    /// limit is reached with the plan's own inputs (the top of the grid); `None` for whole vials.
    pub limit_factor: Option<f64>,
    /// Samples and seed.
    pub options: Options,
    /// The spreads drawn.
    pub spreads: Spreads,
    /// The plan's own choice, with the same draws.
    pub planned: Candidate,
    /// Every candidate evaluated.
    pub candidates: Vec<Candidate>,
    /// The Pareto front: indices into `candidates`, by P(goals) falling.
    pub front: Vec<usize>,
    /// The best feasible candidate (index into `candidates`); `None` when none is feasible.
    pub best: Option<usize>,
    /// The days of the window on which no order can be made.
    pub days_without_order: Vec<i64>,
}

/// Why an optimisation cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum OptimiseError {
    /// ε outside (0, 1).
    #[error("--epsilon: expected a probability above 0 and below 1, found {found}")]
    Epsilon {
        /// What was given.
        found: f64,
    },
    /// A window reaching beyond [`MAX_DAY`].
    #[error(
        "--days: expected days within {MAX_DAY} days of the planned treatment, found {from}..={to}"
    )]
    FarWindow {
        /// First day.
        from: i64,
        /// Last day.
        to: i64,
    },
    /// An empty window.
    #[error("--days: expected FROM..=TO with FROM at most TO, found {from}..={to}")]
    Window {
        /// First day.
        from: i64,
        /// Last day.
        to: i64,
    },
    /// Steps of the grid out of range.
    #[error("--steps: expected a number of activity steps from 1 to {MAX_STEPS}, found {found}")]
    Steps {
        /// What was given.
        found: usize,
    },
    /// Samples out of range.
    #[error(
        "--samples: expected a number of samples from {MIN_SAMPLES} to {MAX_SAMPLES}, found {found}"
    )]
    Samples {
        /// What was given.
        found: usize,
    },
    /// A session id that the case does not have.
    #[error("--session: the case file {file} has no session \"{found}\"; it has {known}")]
    UnknownSession {
        /// Case file.
        file: String,
        /// What was given.
        found: String,
        /// The session ids.
        known: String,
    },
    /// Every session was delivered.
    #[error(
        "case file {file}: every session has a delivery record (`injections[].delivery`); there is no order left to optimise"
    )]
    AllDelivered {
        /// Case file.
        file: String,
    },
    /// The session asked for was delivered.
    #[error(
        "case file {file}: session \"{session}\": injections[{injection}] (\"{id}\") has a delivery record (`injections[{injection}].delivery`); a delivered session is not optimised"
    )]
    Delivered {
        /// Case file.
        file: String,
        /// Session id.
        session: String,
        /// Injection index.
        injection: usize,
        /// Injection id.
        id: String,
    },
    /// An injection of the session has no activity to optimise.
    #[error(
        "case file {file}: session \"{session}\": injections[{injection}] (\"{id}\") has no planned activity (contraindicated, or no activity left by the limits); nothing to optimise"
    )]
    NoActivity {
        /// Case file.
        file: String,
        /// Session id.
        session: String,
        /// Injection index.
        injection: usize,
        /// Injection id.
        id: String,
    },
    /// No tumour goal in the session.
    #[error(
        "case file {file}: session \"{session}\": expected at least one injection with a tumour-dose goal (`injections[].goal = {{ tumour_dose = \"…\", tumour = \"…\" }}`), found none; the optimisation maximises the probability that the tumour goals are met"
    )]
    NoGoal {
        /// Case file.
        file: String,
        /// Session id.
        session: String,
    },
    /// No limit in the session.
    #[error(
        "case file {file}: session \"{session}\": expected at least one dose limit (`planning.limits` or `injections[].limits`: whole_liver_ntad_max, lung_session_max, lung_cumulative_max, normal_liver_max, perfused_max, lung_max), found none; the optimisation bounds the probability that a limit is exceeded"
    )]
    NoLimit {
        /// Case file.
        file: String,
        /// Session id.
        session: String,
    },
    /// The limits do not bound a drawn or ordered activity.
    #[error(
        "case file {file}: session \"{session}\": no limit is reached below {MAX_LIMIT_FACTOR} times the planned activity, so the activity grid has no top; set a limit that bounds the activity (e.g. `planning.limits.lung_session_max`)"
    )]
    Unbounded {
        /// Case file.
        file: String,
        /// Session id.
        session: String,
    },
    /// A limit is exceeded whatever the activity (earlier sessions or treatments).
    #[error(
        "case file {file}: session \"{session}\": a limit is already exceeded before this session's activity (earlier sessions or treatments); no activity is allowed"
    )]
    AlreadyExceeded {
        /// Case file.
        file: String,
        /// Session id.
        session: String,
    },
    /// No day of the window has an order for an injection.
    #[error(
        "case file {file}: session \"{session}\": no vial of injections[{injection}] (\"{id}\") can be ordered on any day of the window (--days {from}..={to})"
    )]
    NotOrderable {
        /// Case file.
        file: String,
        /// Session id.
        session: String,
        /// Injection index.
        injection: usize,
        /// Injection id.
        id: String,
        /// First day.
        from: i64,
        /// Last day.
        to: i64,
        /// The ordering rules' last refusal.
        #[source]
        source: Option<Box<OrderError>>,
    },
    /// Too many candidates.
    #[error(
        "the window and grid make {found} candidates, more than {MAX_CANDIDATES}; narrow --days or lower --steps"
    )]
    TooManyCandidates {
        /// How many.
        found: usize,
    },
    /// A candidate could not be recomputed.
    #[error("a candidate could not be recomputed")]
    Plan(#[source] PlanError),
    /// A worker thread stopped without a result.
    #[error("an optimisation worker thread stopped without a result")]
    Worker,
}

/// Refuses options out of range, naming the option.
fn check_options(o: &OptimiseOptions) -> Result<(), OptimiseError> {
    if !(o.epsilon > 0.0 && o.epsilon < 1.0) {
        return Err(OptimiseError::Epsilon { found: o.epsilon });
    }
    let far = |d: i64| d.unsigned_abs() > MAX_DAY.unsigned_abs();
    if o.days.from > o.days.to {
        return Err(OptimiseError::Window {
            from: o.days.from,
            to: o.days.to,
        });
    }
    if far(o.days.from) || far(o.days.to) {
        return Err(OptimiseError::FarWindow {
            from: o.days.from,
            to: o.days.to,
        });
    }
    if !(1..=MAX_STEPS).contains(&o.steps) {
        return Err(OptimiseError::Steps { found: o.steps });
    }
    let samples = o.monte_carlo.samples;
    if !(MIN_SAMPLES..=MAX_SAMPLES).contains(&samples) {
        return Err(OptimiseError::Samples { found: samples });
    }
    Ok(())
}

/// The session optimised (index in the plan), checked: asked for, else the first without a
/// delivery record; every injection with a planned activity and none delivered.
fn session_of(plan: &Plan, file: &str, asked: Option<&str>) -> Result<usize, OptimiseError> {
    let delivered = |k: usize| {
        plan.sessions[k]
            .injections
            .iter()
            .find(|&&n| plan.injections[n].input.delivery.is_some())
            .copied()
    };
    let k = match asked {
        Some(id) => plan
            .sessions
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| OptimiseError::UnknownSession {
                file: file.to_owned(),
                found: id.to_owned(),
                known: plan
                    .sessions
                    .iter()
                    .map(|s| format!("\"{}\"", s.id))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?,
        None => (0..plan.sessions.len())
            .find(|&k| delivered(k).is_none())
            .ok_or_else(|| OptimiseError::AllDelivered {
                file: file.to_owned(),
            })?,
    };
    let session = plan.sessions[k].id.clone();
    let err = |n: usize| {
        (
            file.to_owned(),
            session.clone(),
            n,
            plan.injections[n].input.id.clone(),
        )
    };
    if let Some(n) = delivered(k) {
        let (file, session, injection, id) = err(n);
        return Err(OptimiseError::Delivered {
            file,
            session,
            injection,
            id,
        });
    }
    if let Some(&n) = plan.sessions[k]
        .injections
        .iter()
        .find(|&&n| plan.injections[n].planned().is_none())
    {
        let (file, session, injection, id) = err(n);
        return Err(OptimiseError::NoActivity {
            file,
            session,
            injection,
            id,
        });
    }
    Ok(k)
}

/// The session's goals and limits, refused when either is empty.
fn events_of(plan: &Plan, file: &str, k: usize) -> Result<Events, OptimiseError> {
    let events = Events::of_session(plan, k);
    let session = plan.sessions[k].id.clone();
    if events.goals.is_empty() {
        return Err(OptimiseError::NoGoal {
            file: file.to_owned(),
            session,
        });
    }
    if events.limits.is_empty() {
        return Err(OptimiseError::NoLimit {
            file: file.to_owned(),
            session,
        });
    }
    Ok(events)
}

/// What the candidates of a session are made from.
struct Setup<'a> {
    plan: &'a Plan,
    file: &'a str,
    session: usize,
    events: Events,
    /// The session's injections (case indices).
    members: Vec<usize>,
    /// Their activities with the plan's order.
    planned: Vec<Activity>,
    limit_factor: Option<f64>,
}

impl<'a> Setup<'a> {
    fn new(plan: &'a Plan, file: &'a str, o: &OptimiseOptions) -> Result<Self, OptimiseError> {
        let session = session_of(plan, file, o.session.as_deref())?;
        let events = events_of(plan, file, session)?;
        let members = plan.sessions[session].injections.clone();
        let planned = members
            .iter()
            .filter_map(|&n| plan.injections[n].planned())
            .map(|a| a.expected.administered)
            .collect();
        let drawn = members
            .iter()
            .any(|&n| plan.injections[n].device.ordering != Ordering::Vials);
        let mut setup = Self {
            plan,
            file,
            session,
            events,
            members,
            planned,
            limit_factor: None,
        };
        if drawn {
            setup.limit_factor = Some(setup.grid_top()?);
        }
        Ok(setup)
    }

    fn session_id(&self) -> String {
        self.plan.sessions[self.session].id.clone()
    }

    /// The factor at which the first limit is reached with the plan's inputs.
    fn grid_top(&self) -> Result<f64, OptimiseError> {
        let top = monte_carlo::limit_factor(self.plan, self.file, &self.events, &self.members)?
            .ok_or_else(|| OptimiseError::Unbounded {
                file: self.file.to_owned(),
                session: self.session_id(),
            })?;
        if top <= 0.0 {
            return Err(OptimiseError::AlreadyExceeded {
                file: self.file.to_owned(),
                session: self.session_id(),
            });
        }
        Ok(top)
    }

    /// The ordering slot of member `j`.
    fn slot(&self, j: usize, steps: usize) -> Slot<'a> {
        let plan = self.plan;
        let n = self.members[j];
        let p = &plan.injections[n];
        let session = &plan.sessions[self.session].id;
        let calibration = plan
            .case
            .sessions
            .iter()
            .find(|s| s.id == *session)
            .and_then(|s| s.calibration.as_ref());
        let grid = match (p.device.ordering, self.limit_factor) {
            (Ordering::Vials, _) | (_, None) => Vec::new(),
            (_, Some(top)) => (1..=steps)
                .map(|i| self.planned[j] * (top * i as f64 / steps as f64))
                .collect(),
        };
        Slot {
            injection: n,
            id: &p.input.id,
            device: &p.device,
            residual: p.input.residual_fraction,
            calibration,
            grid,
        }
    }

    /// The plan's own choice (day 0, the plan's orders).
    fn planned_choice(&self, steps: usize) -> Vec<InjectionChoice> {
        let treatment = &self.plan.sessions[self.session].treatment;
        (0..self.members.len())
            .filter_map(|j| {
                let a = self.plan.injections[self.members[j]].planned()?;
                Some(
                    self.slot(j, steps)
                        .choice(&a.order, a.expected.administered, treatment),
                )
            })
            .collect()
    }
}

/// Every candidate of the window, and the days without an order.
fn enumerate_candidates(
    setup: &Setup<'_>,
    o: &OptimiseOptions,
) -> Result<(Vec<Raw>, Vec<i64>), OptimiseError> {
    let slots: Vec<Slot<'_>> = (0..setup.members.len())
        .map(|j| setup.slot(j, o.steps))
        .collect();
    let planned_day = &setup.plan.sessions[setup.session].treatment;
    let mut out = Vec::new();
    let mut without = Vec::new();
    let mut ever = vec![false; slots.len()];
    let mut refused: Vec<Option<OrderError>> = vec![None; slots.len()];
    for day in o.days.from..=o.days.to {
        let Some(t) = day_instant(planned_day, day) else {
            without.push(day);
            continue;
        };
        let mut per = Vec::with_capacity(slots.len());
        for (j, s) in slots.iter().enumerate() {
            let (choices, why) = s.choices(&t);
            ever[j] |= !choices.is_empty();
            if why.is_some() {
                refused[j] = why;
            }
            per.push(choices);
        }
        if per.iter().any(Vec::is_empty) {
            without.push(day);
            continue;
        }
        combine(day, &t, &per, &mut out)?;
    }
    if let Some(j) = ever.iter().position(|e| !e) {
        return Err(OptimiseError::NotOrderable {
            file: setup.file.to_owned(),
            session: setup.session_id(),
            injection: slots[j].injection,
            id: slots[j].id.to_owned(),
            from: o.days.from,
            to: o.days.to,
            source: refused[j].take().map(Box::new),
        });
    }
    Ok((out, without))
}

/// The key of a candidate's activities: the same activities are evaluated once.
fn key(ratios: &[f64]) -> Vec<u64> {
    ratios.iter().map(|r| r.to_bits()).collect()
}

/// Optimises the order of one session of `plan` (from the case file `file`) under the spreads
/// `spreads` (those of [`crate::resolve`]).
pub fn optimise(
    plan: &Plan,
    file: &str,
    spreads: &Spreads,
    o: &OptimiseOptions,
) -> Result<Optimisation, OptimiseError> {
    check_options(o)?;
    let setup = Setup::new(plan, file, o)?;
    let (raw, days_without_order) = enumerate_candidates(&setup, o)?;
    let planned_choice = setup.planned_choice(o.steps);
    // The distinct activity vectors (as ratios to the plan's), the plan's own first.
    let ratios_of = |choices: &[InjectionChoice]| -> Vec<f64> {
        choices
            .iter()
            .zip(&setup.planned)
            .map(|(c, p)| c.administered / *p)
            .collect()
    };
    let mut unique: Vec<Vec<f64>> = vec![ratios_of(&planned_choice)];
    let mut index = std::collections::HashMap::new();
    index.insert(key(&unique[0]), 0usize);
    let slots: Vec<usize> = raw
        .iter()
        .map(|(_, _, c)| {
            let r = ratios_of(c);
            *index.entry(key(&r)).or_insert_with(|| {
                unique.push(r);
                unique.len() - 1
            })
        })
        .collect();
    let counts = monte_carlo::Job {
        plan,
        file,
        spreads,
        events: &setup.events,
        members: &setup.members,
        candidates: &unique,
        options: o.monte_carlo,
    }
    .counts()?;
    let n = o.monte_carlo.samples as f64;
    let with = |day, treatment, choices, u: usize| Candidate {
        day,
        treatment,
        choices,
        p_goals: counts.goals[u] as f64 / n,
        p_exceeded: counts.exceeded[u] as f64 / n,
    };
    let candidates: Vec<Candidate> = raw
        .into_iter()
        .zip(&slots)
        .map(|((day, t, c), &u)| with(day, t, c, u))
        .collect();
    let planned_instant = plan.sessions[setup.session].treatment.clone();
    let ranked = pareto::ranked(&candidates);
    Ok(Optimisation {
        session: setup.session_id(),
        epsilon: o.epsilon,
        days: o.days,
        steps: o.steps,
        limit_factor: setup.limit_factor,
        options: o.monte_carlo,
        spreads: spreads.clone(),
        planned: with(0, planned_instant, planned_choice, 0),
        front: pareto::front(&candidates, &ranked),
        best: pareto::best(&candidates, &ranked, o.epsilon),
        candidates,
        days_without_order,
        events: setup.events,
    })
}
