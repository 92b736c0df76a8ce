//! `POST /api/plans/{id}/optimise`: the vial, treatment day and activity of each injection of a
//! session that maximise the probability that every tumour goal is met with at most a
//! probability ε that a dose limit is exceeded (`sirt_uncertainty::optimise`, as `sirtplan
//! optimise`), on the plan as it is; the answer has the keys of `sirtplan optimise --format
//! json` with the device names, the plan's row version, and `apply`: whether the plan's
//! parameters can express the best choice.
//!
//! The plan's parameters set a session's treatment instant (`sessions.ID.treatment`), not its
//! vial or activity: the plan orders its vial by the vial-ordering rules for its prescription.
//! The best choice can therefore be applied only when the plan, with its session moved to the
//! best day, orders the best choice's vials and administers its activity; `apply` says so, and
//! names what the plan would order otherwise (the page then shows the best choice as a
//! recommendation only).

use super::{CASE_NAME, SpreadsFrom, plan_now, refuse, samples_in, seed_in, spread_views, turn};
use crate::AppState;
use crate::engine::{Computed, Engine, Kept, Parameters, SessionParameters};
use crate::error::{ApiError, ApiJson, PathId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sirt_devices::Ordering;
use sirt_uncertainty::optimise::{
    Candidate, DEFAULT_DAYS, DEFAULT_OPTIMISE_SAMPLES, DEFAULT_STEPS, GoalTarget, InjectionChoice,
    MAX_CANDIDATES, Window,
};
use sirt_uncertainty::{
    DEFAULT_SEED, MIN_SAMPLES, Optimisation, OptimiseError, OptimiseOptions, Options,
};
use sirt_units::Activity;

/// The most samples of an optimisation the web application runs: 20 000 (design choice: five
/// times the command line's default, the standard error of a probability near 5 % then 0.15
/// percentage points; with [`MAX_EVALUATIONS`] it keeps a request within seconds).
pub const MAX_WEB_OPTIMISE_SAMPLES: usize = 20_000;

/// The most steps of the activity grid the web application takes: 50 (design choice: 2 % of
/// the limit activity, finer than a dose calibrator's ±5 %; the command line allows 200).
pub const MAX_WEB_STEPS: usize = 50;

/// The widest window of treatment days the web application takes: 14 days from its first to
/// its last day (design choice: two weeks, two cycles of the glass calibration schedule).
pub const MAX_WEB_WINDOW_DAYS: i64 = 14;

/// The furthest day of the window from the planned one: 60 days (design choice: beyond two
/// months the mapping the plan rests on is out of date, `retreatment.imaging_max_age` 8 weeks by
/// default).
pub const MAX_WEB_DAY: i64 = 60;

/// The most candidate × sample evaluations of one request: 2 000 000 (design choice: the demo
/// case's 84 candidates × 4 000 samples, 336 000 evaluations, take 0.6 s on 2 cores in a
/// release build, benches/optimise.rs of sirt-uncertainty; 2 000 000 is then about 4 s).
pub const MAX_EVALUATIONS: usize = 2_000_000;

/// Relative tolerance under which the plan's order is the best choice's: 10⁻⁹ (design choice:
/// the same order computed twice differs only by rounding).
const SAME_ORDER: f64 = 1e-9;

/// The window of treatment days asked for.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DaysBody {
    /// First day, relative to the session's planned day (negative: before it).
    pub from: i64,
    /// Last day (both included).
    pub to: i64,
}

/// `POST /api/plans/{id}/optimise` body: every field optional.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptimiseBody {
    /// The session's id; default: the first session without a delivery record.
    #[serde(default)]
    pub session: Option<String>,
    /// The treatment days tried, relative to the session's planned day (same clock time);
    /// default 0 to 7; at most 14 days wide, within 60 days of the planned day.
    #[serde(default)]
    pub days: Option<DaysBody>,
    /// The largest accepted probability that a dose limit is exceeded, above 0 and below 1;
    /// default: the site setting `optimisation.epsilon`.
    #[serde(default)]
    pub epsilon: Option<f64>,
    /// Steps of the activity grid of resin and Ho-166 devices (1 to 50; default 20).
    #[serde(default)]
    pub steps: Option<usize>,
    /// Monte Carlo samples, the same draws for every candidate (100 to 20 000; default 4 000).
    #[serde(default)]
    pub samples: Option<usize>,
    /// Seed of the random numbers (default 20260305).
    #[serde(default)]
    pub seed: Option<u64>,
}

/// Where ε comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EpsilonSource {
    /// The request's `epsilon`.
    Request,
    /// The site setting `optimisation.epsilon`.
    SiteSettings,
}

/// The window of days tried.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct DaysWindow {
    /// First day relative to the planned one.
    pub from: i64,
    /// Last day.
    pub to: i64,
}

/// Which tumours a goal is for.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum GoalTargetView {
    /// The mass-weighted mean of the injection's tumours.
    Combined,
    /// Each tumour of the injection.
    Every,
    /// One tumour by id.
    Named(String),
}

/// A tumour-dose goal.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GoalView {
    /// Injection id.
    pub injection: String,
    /// Which tumours.
    pub target: GoalTargetView,
    /// The goal (at least), Gy.
    pub dose_gy: f64,
}

/// A dose limit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LimitView {
    /// The case file's key (`whole_liver_ntad_max`, `lung_session_max`, …).
    pub limit: String,
    /// The limit (at most), Gy.
    pub max_gy: f64,
    /// The injection, for an injection's limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub injection: Option<String>,
}

/// How a device is ordered.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OrderingView {
    /// Whole vials (glass).
    Vials,
    /// A fraction drawn from vials (resin).
    Fraction,
    /// An activity ordered for the patient (Ho-166).
    PatientSpecific,
}

impl From<Ordering> for OrderingView {
    fn from(o: Ordering) -> Self {
        match o {
            Ordering::Vials => OrderingView::Vials,
            Ordering::Fraction => OrderingView::Fraction,
            Ordering::PatientSpecific => OrderingView::PatientSpecific,
        }
    }
}

/// One injection's part of a candidate.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ChoiceView {
    /// Injection id.
    pub injection: String,
    /// Device id.
    pub device: String,
    /// Device name (catalogue).
    pub device_name: String,
    /// How it is ordered.
    pub ordering: OrderingView,
    /// Calibration instant of the vial(s).
    pub calibration: String,
    /// Activity of one vial at calibration (glass: the vial size; Ho-166: the activity
    /// ordered), GBq.
    pub vial_gbq: f64,
    /// Number of vials.
    pub vials: u32,
    /// Activity in the vial(s) at the treatment instant, GBq.
    pub vial_at_injection_gbq: f64,
    /// Activity expected to be administered, GBq.
    pub administered_gbq: f64,
    /// Resin: the part of the vial(s) drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fraction_drawn: Option<f64>,
    /// Microspheres ordered, where the catalogue gives the activity per sphere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spheres: Option<f64>,
    /// Activity per sphere at the treatment instant, Bq, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_per_sphere_bq: Option<f64>,
}

/// A candidate with its two probabilities.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CandidateView {
    /// Day relative to the session's planned day.
    pub day: i64,
    /// The treatment instant.
    pub treatment: String,
    /// Probability that every tumour goal of the session is met.
    pub p_goals_met: f64,
    /// Probability that any dose limit of the session is exceeded.
    pub p_limit_exceeded: f64,
    /// Whether `p_limit_exceeded` is at most ε.
    pub feasible: bool,
    /// Activity administered by the session's injections, GBq.
    pub administered_gbq: f64,
    /// One choice per injection of the session.
    pub injections: Vec<ChoiceView>,
}

/// The top of the activity grid of drawn and ordered devices.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct ActivityGrid {
    /// Steps of the grid.
    pub steps: usize,
    /// The factor on the plan's activities at which the first limit is reached with the case's
    /// own values (the top of the grid).
    pub limit_factor: f64,
}

/// What the plan orders for one injection.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlanOrderView {
    /// Injection id.
    pub injection: String,
    /// Calibration instant of the vial(s).
    pub calibration: String,
    /// Activity of one vial at calibration, GBq.
    pub vial_gbq: f64,
    /// Number of vials.
    pub vials: u32,
    /// Activity expected to be administered, GBq.
    pub administered_gbq: f64,
}

/// Whether the plan's parameters express the best choice.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ApplyView {
    /// The parameters (a merge patch for `PATCH /api/plans/{id}`) that move the session to the
    /// best choice's day: the only part of it the parameters can set.
    pub parameters: Parameters,
    /// Whether the plan with these parameters orders the best choice's vials and administers
    /// its activity: then applying them gives the best choice.
    pub reproduces_best: bool,
    /// Whether the plan already orders the best choice on its planned day (nothing to apply).
    pub already_planned: bool,
    /// What the plan orders with these parameters, per injection of the session.
    pub plan_orders: Vec<PlanOrderView>,
}

/// `POST /api/plans/{id}/optimise`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlanOptimisation {
    /// The plan version.
    pub plan_id: i64,
    /// Its row version when computed.
    pub row_version: i64,
    /// The session optimised.
    pub session: String,
    /// Its planned treatment instant.
    pub planned_treatment: String,
    /// ε: the largest accepted probability that a limit is exceeded.
    pub epsilon: f64,
    /// Where ε comes from.
    pub epsilon_source: EpsilonSource,
    /// The days tried.
    pub days: DaysWindow,
    /// Samples drawn (the same for every candidate).
    pub samples: usize,
    /// Seed.
    pub seed: u64,
    /// The session's tumour goals.
    pub goals: Vec<GoalView>,
    /// The session's dose limits.
    pub limits: Vec<LimitView>,
    /// Where the spreads come from.
    pub spreads_from: SpreadsFrom,
    /// The keys whose cited default was used.
    pub uncertainty_defaults_used: Vec<String>,
    /// Every spread with its value and origin.
    pub spreads: Vec<super::SpreadView>,
    /// Candidates evaluated.
    pub candidates_evaluated: usize,
    /// Days of the window without an order.
    pub days_without_order: Vec<i64>,
    /// The plan's own choice with the same draws.
    pub planned: CandidateView,
    /// The best feasible candidate; absent when none is feasible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best: Option<CandidateView>,
    /// The Pareto front by P(goals) falling (the best among them where it is on the front).
    pub pareto_front: Vec<CandidateView>,
    /// Drawn and ordered devices: the activity grid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_grid: Option<ActivityGrid>,
    /// Whether the plan's parameters can express the best choice; absent when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply: Option<ApplyView>,
}

/// The options of a request, checked (422 naming the field), and where ε comes from.
fn options_of(
    body: &OptimiseBody,
    site_epsilon: f64,
) -> Result<(OptimiseOptions, EpsilonSource), ApiError> {
    let (epsilon, source) = match body.epsilon {
        Some(e) => (e, EpsilonSource::Request),
        None => (site_epsilon, EpsilonSource::SiteSettings),
    };
    if !(epsilon.is_finite() && epsilon > 0.0 && epsilon < 1.0) {
        return Err(refuse(
            "epsilon",
            "a probability above 0 and below 1 (0.05 for 5 %)",
            epsilon,
        ));
    }
    let days = match body.days {
        Some(d) => window(d)?,
        None => DEFAULT_DAYS,
    };
    let steps = body.steps.unwrap_or(DEFAULT_STEPS);
    if !(1..=MAX_WEB_STEPS).contains(&steps) {
        return Err(refuse(
            "steps",
            format!("a number of activity steps from 1 to {MAX_WEB_STEPS}"),
            steps,
        ));
    }
    let samples = samples_in(
        body.samples.unwrap_or(DEFAULT_OPTIMISE_SAMPLES),
        MAX_WEB_OPTIMISE_SAMPLES,
    )?;
    let seed = seed_in(body.seed.unwrap_or(DEFAULT_SEED))?;
    let options = OptimiseOptions {
        session: body.session.clone(),
        days,
        epsilon,
        steps,
        monte_carlo: Options { samples, seed },
    };
    Ok((options, source))
}

/// The window asked for, checked.
fn window(d: DaysBody) -> Result<Window, ApiError> {
    if d.from > d.to {
        return Err(refuse(
            "days",
            "`from` at most `to`",
            format!("from {} to {}", d.from, d.to),
        ));
    }
    if d.to.saturating_sub(d.from) > MAX_WEB_WINDOW_DAYS {
        return Err(refuse(
            "days",
            format!(
                "a window of at most {MAX_WEB_WINDOW_DAYS} days from its first to its last day"
            ),
            format!("from {} to {}", d.from, d.to),
        ));
    }
    if d.from.unsigned_abs() > MAX_WEB_DAY.unsigned_abs()
        || d.to.unsigned_abs() > MAX_WEB_DAY.unsigned_abs()
    {
        return Err(refuse(
            "days",
            format!("days within {MAX_WEB_DAY} days of the planned treatment"),
            format!("from {} to {}", d.from, d.to),
        ));
    }
    Ok(Window {
        from: d.from,
        to: d.to,
    })
}

/// An optimisation failure as the API answers it: the request's fields (422 naming them), the
/// case's reasons (422 `not_optimisable`, naming the case's fields), the rest internal.
fn optimise_error(e: OptimiseError) -> ApiError {
    let not = |message: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_optimisable", message)
    };
    match e {
        OptimiseError::Epsilon { found } => {
            refuse("epsilon", "a probability above 0 and below 1", found)
        }
        OptimiseError::Window { from, to } => refuse(
            "days",
            "`from` at most `to`",
            format!("from {from} to {to}"),
        ),
        OptimiseError::FarWindow { from, to } => refuse(
            "days",
            format!(
                "days within {} days of the planned treatment",
                sirt_uncertainty::optimise::MAX_DAY
            ),
            format!("from {from} to {to}"),
        ),
        OptimiseError::Steps { found } => refuse(
            "steps",
            format!("a number of activity steps from 1 to {MAX_WEB_STEPS}"),
            found,
        ),
        OptimiseError::Samples { found } => refuse(
            "samples",
            format!("a number of samples from {MIN_SAMPLES} to {MAX_WEB_OPTIMISE_SAMPLES}"),
            found,
        ),
        OptimiseError::UnknownSession { found, known, .. } => refuse(
            "session",
            format!("a session of the case ({known})"),
            format!("\"{found}\""),
        ),
        OptimiseError::TooManyCandidates { found } => refuse(
            "days",
            format!("a window and activity grid (`steps`) of at most {MAX_CANDIDATES} candidates"),
            format!("{found} candidates"),
        ),
        OptimiseError::NotOrderable {
            injection,
            id,
            from,
            to,
            source,
            ..
        } => {
            let why = source.map(|s| format!(" ({s})")).unwrap_or_default();
            refuse(
                "days",
                format!(
                    "a window with a day on which injections[{injection}] (\"{id}\") can be ordered"
                ),
                format!("none from day {from} to day {to}{why}"),
            )
        }
        OptimiseError::Plan(_) | OptimiseError::Worker => ApiError::internal(),
        other => not(other.to_string()),
    }
}

/// `POST /api/plans/{id}/optimise`: the optimisation, computed now (nothing stored).
pub(crate) async fn post_optimise(
    State(state): State<AppState>,
    PathId(id): PathId,
    ApiJson(body): ApiJson<OptimiseBody>,
) -> Result<Response, ApiError> {
    let plan = state.store.plan(id).await?;
    let site_epsilon = state.engine.site().settings.optimisation_epsilon.value();
    let (options, source) = options_of(&body, site_epsilon)?;
    let (computed, overrides, kept) = plan_now(&state, &plan).await?;
    let turn = turn().await?;
    let job = Job {
        engine: state.engine.clone(),
        case_toml: plan.case_toml.clone(),
        overrides,
        kept,
        computed,
    };
    // The turn is held by the computation: a client that goes away does not free it early.
    let mut answer = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        job.run(&options, source)
    })
    .await
    .map_err(|_| ApiError::internal())??;
    answer.plan_id = plan.id;
    answer.row_version = plan.row_version;
    Ok(Json(answer).into_response())
}

/// What the blocking part of a request works on.
struct Job {
    engine: std::sync::Arc<Engine>,
    case_toml: String,
    overrides: sirt_case::Overrides,
    kept: Option<Kept>,
    computed: Computed,
}

impl Job {
    /// The optimisation, its answer and `apply`.
    fn run(self, o: &OptimiseOptions, source: EpsilonSource) -> Result<PlanOptimisation, ApiError> {
        let plan = &self.computed.plan;
        let spreads = sirt_uncertainty::resolve(plan.case.uncertainty.as_ref(), plan);
        let result = bounded(plan, &spreads, o)?;
        let apply = match result.best {
            Some(i) => Some(self.apply(&result, &result.candidates[i])?),
            None => None,
        };
        let view = View {
            plan,
            epsilon: result.epsilon,
        };
        Ok(PlanOptimisation {
            plan_id: 0,
            row_version: 0,
            session: result.session.clone(),
            planned_treatment: result.planned.treatment.to_string(),
            epsilon: result.epsilon,
            epsilon_source: source,
            days: DaysWindow {
                from: result.days.from,
                to: result.days.to,
            },
            samples: result.options.samples,
            seed: result.options.seed,
            goals: goals(&result),
            limits: limits(&result),
            spreads_from: SpreadsFrom::of(&plan.case, &spreads),
            uncertainty_defaults_used: spreads
                .defaults_used()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            spreads: spread_views(&spreads),
            candidates_evaluated: result.candidates.len(),
            days_without_order: result.days_without_order.clone(),
            planned: view.candidate(&result.planned),
            best: result.best.map(|i| view.candidate(&result.candidates[i])),
            pareto_front: result
                .front
                .iter()
                .map(|&i| view.candidate(&result.candidates[i]))
                .collect(),
            activity_grid: result.limit_factor.map(|f| ActivityGrid {
                steps: result.steps,
                limit_factor: f,
            }),
            apply,
        })
    }

    /// Whether the plan's parameters express `best`: the plan with its session moved to the
    /// best day, and the orders it makes then.
    fn apply(&self, r: &Optimisation, best: &Candidate) -> Result<ApplyView, ApiError> {
        let treatment = best.treatment.to_string();
        let mut parameters = Parameters::default();
        parameters.sessions.insert(
            r.session.clone(),
            SessionParameters {
                treatment: Some(treatment.clone()),
            },
        );
        let mut overrides = self.overrides.clone();
        overrides
            .sessions
            .entry(r.session.clone())
            .or_default()
            .treatment = Some(treatment);
        let moved = self
            .engine
            .compute_kept(&self.case_toml, &overrides, self.kept.as_ref())?;
        let plan_orders: Vec<PlanOrderView> = best
            .choices
            .iter()
            .filter_map(|c| plan_order(&moved.plan, c.injection))
            .collect();
        let reproduces_best = plan_orders.len() == best.choices.len()
            && best
                .choices
                .iter()
                .zip(&plan_orders)
                .all(|(c, p)| same_order(c, p));
        Ok(ApplyView {
            parameters,
            reproduces_best,
            already_planned: reproduces_best && best.day == 0,
            plan_orders,
        })
    }
}

/// The optimisation within [`MAX_EVALUATIONS`]: a first pass with [`MIN_SAMPLES`] counts the
/// candidates of the window; more samples than the bound allows for them are refused naming
/// `samples`.
fn bounded(
    plan: &sirt_workflow::Plan,
    spreads: &sirt_uncertainty::Spreads,
    o: &OptimiseOptions,
) -> Result<Optimisation, ApiError> {
    let samples = o.monte_carlo.samples;
    let probe = OptimiseOptions {
        monte_carlo: Options {
            samples: MIN_SAMPLES,
            seed: o.monte_carlo.seed,
        },
        ..o.clone()
    };
    let first =
        sirt_uncertainty::optimise(plan, CASE_NAME, spreads, &probe).map_err(optimise_error)?;
    let n = first.candidates.len().max(1);
    if n.saturating_mul(samples) > MAX_EVALUATIONS {
        return Err(refuse(
            "samples",
            format!(
                "at most {} samples for the {n} candidates of this window (at most {MAX_EVALUATIONS} candidate-samples a request; narrow `days` or lower `steps` for more)",
                MAX_EVALUATIONS / n
            ),
            samples,
        ));
    }
    if samples == MIN_SAMPLES {
        return Ok(first);
    }
    sirt_uncertainty::optimise(plan, CASE_NAME, spreads, o).map_err(optimise_error)
}

/// What `plan` orders for injection `n`.
fn plan_order(plan: &sirt_workflow::Plan, n: usize) -> Option<PlanOrderView> {
    let p = plan.injections.get(n)?;
    let a = p.planned()?;
    let vials = a.order.vials.max(1);
    Some(PlanOrderView {
        injection: p.input.id.clone(),
        calibration: a.order.chosen.calibration.to_string(),
        vial_gbq: (a.order.chosen.nominal / f64::from(vials)).gbq(),
        vials: a.order.vials,
        administered_gbq: a.expected.administered.gbq(),
    })
}

/// Whether the plan's order is the choice: the same calibration, vials and administered
/// activity.
fn same_order(c: &InjectionChoice, p: &PlanOrderView) -> bool {
    let close = |a: f64, b: f64| (a - b).abs() <= SAME_ORDER * a.abs().max(b.abs());
    c.id == p.injection
        && c.calibration.to_string() == p.calibration
        && c.vials == p.vials
        && close(c.nominal.gbq(), p.vial_gbq)
        && close(c.administered.gbq(), p.administered_gbq)
}

fn goals(r: &Optimisation) -> Vec<GoalView> {
    r.events
        .goals
        .iter()
        .map(|g| GoalView {
            injection: g.injection_id.clone(),
            target: match &g.target {
                GoalTarget::Combined => GoalTargetView::Combined,
                GoalTarget::Every => GoalTargetView::Every,
                GoalTarget::Named(id) => GoalTargetView::Named(id.clone()),
            },
            dose_gy: g.dose.gy(),
        })
        .collect()
}

fn limits(r: &Optimisation) -> Vec<LimitView> {
    r.events
        .limits
        .iter()
        .map(|x| LimitView {
            limit: x.kind.key().to_owned(),
            max_gy: x.max.gy(),
            injection: x.injection.as_ref().map(|(_, id)| id.clone()),
        })
        .collect()
}

/// Candidates as the answer gives them.
struct View<'a> {
    plan: &'a sirt_workflow::Plan,
    epsilon: f64,
}

impl View<'_> {
    fn candidate(&self, c: &Candidate) -> CandidateView {
        CandidateView {
            day: c.day,
            treatment: c.treatment.to_string(),
            p_goals_met: c.p_goals,
            p_limit_exceeded: c.p_exceeded,
            feasible: c.p_exceeded <= self.epsilon,
            administered_gbq: c.administered().gbq(),
            injections: c.choices.iter().map(|x| self.choice(x)).collect(),
        }
    }

    fn choice(&self, c: &InjectionChoice) -> ChoiceView {
        ChoiceView {
            injection: c.id.clone(),
            device: c.device.clone(),
            device_name: self
                .plan
                .injections
                .get(c.injection)
                .map(|p| p.device.name.clone())
                .unwrap_or_else(|| c.device.clone()),
            ordering: c.ordering.into(),
            calibration: c.calibration.to_string(),
            vial_gbq: c.nominal.gbq(),
            vials: c.vials,
            vial_at_injection_gbq: c.vial_at_injection.gbq(),
            administered_gbq: c.administered.gbq(),
            fraction_drawn: c.fraction_drawn,
            spheres: c.spheres,
            activity_per_sphere_bq: c.activity_per_sphere.map(Activity::bq),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan's own choice (`Optimisation::planned`, built from the plan's vial order) is what
    /// the plan orders: `same_order` holds; the demo's best (another vial on another day) is not.
    #[test]
    fn the_plans_own_order_is_recognised_and_another_is_not() {
        let engine = Engine::embedded().unwrap();
        let case = sirt_planning::DEMO_CASE;
        let computed = engine.compute(case, &Parameters::default()).unwrap();
        let plan = &computed.plan;
        let spreads = sirt_uncertainty::resolve(plan.case.uncertainty.as_ref(), plan);
        let o = OptimiseOptions {
            session: None,
            days: DEFAULT_DAYS,
            epsilon: 0.05,
            steps: DEFAULT_STEPS,
            monte_carlo: Options {
                samples: MIN_SAMPLES,
                seed: DEFAULT_SEED,
            },
        };
        let r = sirt_uncertainty::optimise(plan, CASE_NAME, &spreads, &o).unwrap();
        let own = &r.planned.choices[0];
        let order = plan_order(plan, own.injection).unwrap();
        assert!(same_order(own, &order), "{own:?} vs {order:?}");
        let best = &r.candidates[r.best.unwrap()].choices[0];
        assert!(!same_order(best, &order), "{best:?} vs {order:?}");
        // A relative difference of 10⁻⁶ in the activity is another order.
        let mut off = order.clone();
        off.administered_gbq *= 1.0 + 1e-6;
        assert!(!same_order(own, &off));
    }

    #[test]
    fn windows_beyond_the_bounds_name_the_field() {
        for (from, to) in [
            (3, 1),
            (0, MAX_WEB_WINDOW_DAYS + 1),
            (-MAX_WEB_DAY - 1, -MAX_WEB_DAY),
            (i64::MIN, i64::MIN),
            (i64::MAX - 1, i64::MAX),
        ] {
            let e = window(DaysBody { from, to }).unwrap_err();
            assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                e.message.starts_with("field `days`: expected"),
                "{}",
                e.message
            );
        }
        assert!(window(DaysBody { from: -7, to: 7 }).is_ok());
    }
}
