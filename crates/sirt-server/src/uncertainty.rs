//! The uncertainty of a plan and the optimisation of a session's order in the workspace (issue
//! 18, "Shown in the report and the workspace", "and a button in the workspace";
//! docs/uncertainty.md, "In the web application"):
//!
//! | route | what |
//! |---|---|
//! | `GET /api/plans/{id}/uncertainty?samples=N&seed=S` | `sirt_uncertainty::propagate` on the plan as it is (its case file with the measurement its version keeps, its parameters and delivery records in force, the site's rules and settings): every predicted dose's interval, every dose check's `probability_met`, the spreads (the case's `[uncertainty]` or the cited defaults, named), and the plan JSON with `interval_gy` and `probability_met` as `sirtplan plan --uncertainty --format json` gives them |
//! | `POST /api/plans/{id}/optimise` | [`optimise`]: `sirt_uncertainty::optimise` on the same plan (as `sirtplan optimise`), the best choice, the plan's own, the Pareto front, and whether the plan's parameters can express the best choice (`apply`) |
//!
//! Both compute only: nothing is stored, nothing audited (applying the best choice is a
//! `PATCH /api/plans/{id}`, audited as every parameter change). The Monte Carlo runs on the
//! blocking pool (`spawn_blocking`), one analysis at a time per server ([`ANALYSING`]), and is
//! bounded: samples, window and grid below the command line's own limits, refused naming the
//! field (422) beyond them.

pub(crate) mod optimise;

use crate::AppState;
use crate::engine::{Computed, Kept, parameters_from, parse_json};
use crate::error::{ApiError, ApiQuery, PathId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sirt_uncertainty::{
    DEFAULT_SAMPLES, DEFAULT_SEED, Dose, DoseKey, MIN_SAMPLES, Options, Propagation, Spreads,
    UncertaintyError,
};
use std::time::Duration;

/// The case file's name in the computations' messages (the engine's own name for it).
pub(crate) const CASE_NAME: &str = "case.toml";

/// The most samples of a propagation the web application runs: 100 000 (design choice: the
/// demo case takes about 1.3 s per 20 000 samples on 2 cores, `sirtplan plan --uncertainty` in
/// a debug build on the 2-core CI machine, so a request stays within seconds; the command line
/// allows 1 000 000).
pub const MAX_WEB_SAMPLES: usize = 100_000;

/// The largest seed the web application takes: 2⁵³ − 1 (design choice: the page reads the seed
/// back as a JavaScript number, exact up to `Number.MAX_SAFE_INTEGER`, ECMA-262 §21.1.2.6).
pub const MAX_WEB_SEED: u64 = (1 << 53) - 1;

/// How long a request waits for the analysis in progress to end before it is refused (503,
/// `busy`): 60 s (design choice: an optimisation within the web bounds takes seconds; a queue
/// longer than a minute means the server is overloaded).
const QUEUE_WAIT: Duration = Duration::from_secs(60);

/// Seconds a refused request is told to wait (`Retry-After`): 5 (design choice).
const RETRY_AFTER_S: u64 = 5;

/// One analysis (propagation or optimisation) at a time per server: each runs on
/// [`sirt_uncertainty::THREADS`] threads, the cores of the machine the speed goals are set on
/// (design choice: a second analysis would halve the speed of both and of the plan
/// recomputations).
static ANALYSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Waits for the turn of an analysis; 503 `busy` after [`QUEUE_WAIT`].
pub(crate) async fn turn() -> Result<tokio::sync::SemaphorePermit<'static>, ApiError> {
    match tokio::time::timeout(QUEUE_WAIT, ANALYSING.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) => Err(ApiError::internal()),
        Err(_) => Err(ApiError {
            retry_after_s: Some(RETRY_AFTER_S),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "another uncertainty or optimisation computation is running; try again",
            )
        }),
    }
}

/// A refused value of the request: 422 naming the field, what was expected and what was found.
pub(crate) fn refuse(
    field: &str,
    expected: impl std::fmt::Display,
    found: impl std::fmt::Display,
) -> ApiError {
    ApiError::invalid(format!(
        "field `{field}`: expected {expected}, found {found}"
    ))
}

/// The samples asked for, checked against `max`.
pub(crate) fn samples_in(found: usize, max: usize) -> Result<usize, ApiError> {
    if (MIN_SAMPLES..=max).contains(&found) {
        Ok(found)
    } else {
        Err(refuse(
            "samples",
            format!("a number of samples from {MIN_SAMPLES} to {max}"),
            found,
        ))
    }
}

/// The seed asked for, checked against [`MAX_WEB_SEED`].
pub(crate) fn seed_in(found: u64) -> Result<u64, ApiError> {
    if found <= MAX_WEB_SEED {
        Ok(found)
    } else {
        Err(refuse(
            "seed",
            format!("a whole number from 0 to {MAX_WEB_SEED}"),
            found,
        ))
    }
}

/// The plan version as it is now: its case file with the measurement it keeps, its parameters
/// and the delivery records in force (as `GET /api/plans/{id}/deliveries` computes it); and
/// the kept measurement, for recomputations with other parameters.
pub(crate) async fn plan_now(
    state: &AppState,
    plan: &sirt_store::Plan,
) -> Result<(Computed, sirt_case::Overrides, Option<Kept>), ApiError> {
    let params = parameters_from(&parse_json(&plan.parameters_json))?;
    let records = state.store.deliveries(plan.id).await?;
    let overrides = crate::delivery::with_records(&params, &records)?;
    let kept = Kept::of_result(&parse_json(&plan.result_json))?;
    let computed = crate::engine::compute_stored_overrides(state, plan, overrides.clone()).await?;
    Ok((computed, overrides, kept))
}

/// Where the spreads come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpreadsFrom {
    /// Every spread from the case's `[uncertainty]`.
    Case,
    /// The case's `[uncertainty]`, with cited defaults for the keys it leaves out
    /// (`defaults_used`).
    CaseAndDefaults,
    /// The case has no `[uncertainty]`: every spread is a cited default.
    Defaults,
}

impl SpreadsFrom {
    /// Of a case (whether it has `[uncertainty]`) and its resolved spreads.
    pub(crate) fn of(case: &sirt_case::Case, spreads: &Spreads) -> SpreadsFrom {
        match (
            case.uncertainty.is_some(),
            spreads.defaults_used().is_empty(),
        ) {
            (true, true) => SpreadsFrom::Case,
            (true, false) => SpreadsFrom::CaseAndDefaults,
            (false, _) => SpreadsFrom::Defaults,
        }
    }
}

/// One spread as the report lists it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SpreadView {
    /// The case file's key (`lsf_sd`, `tumours.T5.volume_cv`, or the discrepancy model).
    pub key: String,
    /// The value: a fraction (absolute SD for `*_sd`, coefficient of variation for `*_cv`), or
    /// Gy for the discrepancy model; absent where it depends on the injection (the residual's
    /// default by device material).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Whether it is a default (the case does not state it).
    pub default: bool,
    /// The source of a default or of the discrepancy model; empty for a value of the case.
    pub source: String,
}

pub(crate) fn spread_views(spreads: &Spreads) -> Vec<SpreadView> {
    spreads
        .parameters
        .iter()
        .map(|p| SpreadView {
            key: p.key.clone(),
            value: p.value,
            default: p.default,
            source: p.source.clone(),
        })
        .collect()
}

/// The 5th, 50th and 95th percentiles of a dose, Gy.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct IntervalGy {
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// Which dose of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DoseOf {
    /// An injection's dose at the prescribed activity (`injections[n]`).
    Prescribed,
    /// An injection's dose with the ordered vial (`injections[n].with_ordered_vial`).
    WithOrderedVial,
    /// A session's dose (`sessions[k]`).
    Session,
}

/// One predicted dose with its interval.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DoseInterval {
    /// Which dose.
    pub of: DoseOf,
    /// The injection's or the session's id.
    pub id: String,
    /// The JSON key of the dose (`normal_liver_gy`, `whole_liver_ntad_gy`, …), `tumour_gy` for
    /// one tumour.
    pub key: String,
    /// The tumour, for `tumour_gy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tumour: Option<String>,
    /// The plan's own value (Gy), its inputs at their point values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_gy: Option<f64>,
    /// The interval (Gy).
    pub interval_gy: IntervalGy,
}

/// A dose check with the probability that it is met.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CheckChance {
    /// Rule id.
    pub rule: String,
    /// Subject (`session 2, tumour T4`).
    pub subject: String,
    /// The rule's title (English, as the plan's result keeps it).
    pub title: String,
    /// The plan's own status (`pass`, `warn`, `fail`, …).
    pub status: String,
    /// The plan's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Its unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The comparison (`≥`, `≤`).
    pub comparison: String,
    /// The threshold as the rule writes it.
    pub threshold_written: String,
    /// The fraction of samples in which the comparison holds.
    pub probability_met: f64,
}

/// `GET /api/plans/{id}/uncertainty`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlanUncertainty {
    /// The plan version.
    pub plan_id: i64,
    /// Its row version when computed (the page shows the result only for that version).
    pub row_version: i64,
    /// Samples drawn.
    pub samples: usize,
    /// Seed of the random numbers (the same seed, the same numbers).
    pub seed: u64,
    /// Where the spreads come from.
    pub spreads_from: SpreadsFrom,
    /// The MAA → Y-90 lesion discrepancy model (`smits2020-lesion`, `none`).
    pub maa_discrepancy: String,
    /// Every spread with its value and origin.
    pub spreads: Vec<SpreadView>,
    /// The keys whose cited default was used.
    pub defaults_used: Vec<String>,
    /// Every predicted dose with its interval, in the plan's order (injections, then sessions).
    pub doses: Vec<DoseInterval>,
    /// Every dose check the draws change, with `probability_met`.
    pub checks: Vec<CheckChance>,
    /// The plan's JSON with `interval_gy` beside every predicted dose, `probability_met` on every
    /// dose check and `uncertainty` (as `sirtplan plan --uncertainty --format json`).
    pub result: Value,
}

/// `GET /api/plans/{id}/uncertainty` query: numbers as text, so that a bad one is refused naming
/// its field (422) like every other value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UncertaintyQuery {
    #[serde(default)]
    samples: Option<String>,
    #[serde(default)]
    seed: Option<String>,
}

/// A whole number of the query, or 422 naming it.
fn query_number(field: &str, text: Option<&str>, default: u64) -> Result<u64, ApiError> {
    match text {
        None => Ok(default),
        Some(t) => t.trim().parse::<u64>().map_err(|_| {
            refuse(
                field,
                "a whole number",
                format!("`{}`", t.chars().take(40).collect::<String>()),
            )
        }),
    }
}

impl UncertaintyQuery {
    fn options(&self) -> Result<Options, ApiError> {
        let samples = query_number("samples", self.samples.as_deref(), DEFAULT_SAMPLES as u64)?;
        let samples = samples_in(
            usize::try_from(samples).unwrap_or(usize::MAX),
            MAX_WEB_SAMPLES,
        )?;
        let seed = seed_in(query_number("seed", self.seed.as_deref(), DEFAULT_SEED)?)?;
        Ok(Options { samples, seed })
    }
}

/// A propagation failure as the API answers it: a draw the partition model refuses is the
/// case's (422, `uncertainty`, with the cause); the rest internal.
fn propagation_error(e: UncertaintyError) -> ApiError {
    match e {
        UncertaintyError::Samples { found } => refuse(
            "samples",
            format!("a number of samples from {MIN_SAMPLES} to {MAX_WEB_SAMPLES}"),
            found,
        ),
        UncertaintyError::Plan(cause) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "uncertainty",
            format!("a Monte Carlo draw of the case's inputs could not be planned: {cause}"),
        ),
        UncertaintyError::Layout { .. } | UncertaintyError::Worker => ApiError::internal(),
    }
}

/// `GET /api/plans/{id}/uncertainty`: the plan's uncertainty, computed now (nothing stored).
pub(crate) async fn get_uncertainty(
    State(state): State<AppState>,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<UncertaintyQuery>,
) -> Result<Response, ApiError> {
    let options = q.options()?;
    let plan = state.store.plan(id).await?;
    let (computed, _, _) = plan_now(&state, &plan).await?;
    let turn = turn().await?;
    let engine = state.engine.clone();
    let (propagation, result) = tokio::task::spawn_blocking(move || {
        // Held by the computation, not the request: a client that goes away does not free the
        // turn while the samples are still being drawn.
        let _turn = turn;
        let site = engine.site();
        let spreads =
            sirt_uncertainty::resolve(computed.plan.case.uncertainty.as_ref(), &computed.plan);
        let p = sirt_uncertainty::propagate(
            &computed.plan,
            CASE_NAME,
            &site.rules,
            &site.settings,
            &spreads,
            options,
        )
        .map_err(propagation_error)?;
        let mut result = computed.result;
        sirt_report::uncertainty::add_to_json(&mut result, &p);
        let from = SpreadsFrom::of(&computed.plan.case, &spreads);
        Ok::<_, ApiError>(((p, from), result))
    })
    .await
    .map_err(|_| ApiError::internal())??;
    let (p, from) = propagation;
    Ok(Json(answer(&plan, &p, from, result)).into_response())
}

/// The answer of a propagation of `plan` whose JSON with intervals is `result`.
fn answer(
    plan: &sirt_store::Plan,
    p: &Propagation,
    from: SpreadsFrom,
    result: Value,
) -> PlanUncertainty {
    PlanUncertainty {
        plan_id: plan.id,
        row_version: plan.row_version,
        samples: p.options.samples,
        seed: p.options.seed,
        spreads_from: from,
        maa_discrepancy: p.spreads.maa_discrepancy.label().to_owned(),
        spreads: spread_views(&p.spreads),
        defaults_used: p
            .spreads
            .defaults_used()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        doses: p
            .doses
            .iter()
            .map(|(d, i)| dose_interval(&result, d, *i))
            .collect(),
        checks: check_chances(&result),
        result,
    }
}

/// One dose of the propagation with its id and the plan's value, read from the plan JSON.
fn dose_interval(result: &Value, dose: &Dose, i: sirt_uncertainty::Interval) -> DoseInterval {
    let (of, object, key) = match dose {
        Dose::Prescribed { injection, key } => {
            (DoseOf::Prescribed, &result["injections"][*injection], key)
        }
        Dose::WithOrderedVial { injection, key } => (
            DoseOf::WithOrderedVial,
            &result["injections"][*injection]["with_ordered_vial"],
            key,
        ),
        Dose::Session { session, key } => (DoseOf::Session, &result["sessions"][*session], key),
    };
    let id = match dose {
        Dose::Prescribed { injection, .. } | Dose::WithOrderedVial { injection, .. } => {
            &result["injections"][*injection]["id"]
        }
        Dose::Session { session, .. } => &result["sessions"][*session]["id"],
    };
    let (key, tumour, planned) = match key {
        DoseKey::Key(k) => ((*k).to_owned(), None, object[*k].as_f64()),
        DoseKey::Tumour(t) => {
            let gy = object["tumour_gy"]
                .as_array()
                .and_then(|items| items.iter().find(|x| x["id"] == t.as_str()))
                .and_then(|x| x["gy"].as_f64());
            ("tumour_gy".to_owned(), Some(t.clone()), gy)
        }
    };
    DoseInterval {
        of,
        id: id.as_str().unwrap_or_default().to_owned(),
        key,
        tumour,
        planned_gy: planned,
        interval_gy: IntervalGy {
            p5: i.p5,
            p50: i.p50,
            p95: i.p95,
        },
    }
}

/// The checks of the plan JSON that have a probability.
fn check_chances(result: &Value) -> Vec<CheckChance> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    result["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some(CheckChance {
                probability_met: c.get("probability_met")?.as_f64()?,
                rule: text(&c["rule"]),
                subject: text(&c["subject"]),
                title: text(&c["title"]),
                status: text(&c["status"]),
                value: c["value"].as_f64(),
                unit: c["unit"].as_str().map(str::to_owned),
                comparison: text(&c["comparison"]),
                threshold_written: text(&c["threshold_written"]),
            })
        })
        .collect()
}
