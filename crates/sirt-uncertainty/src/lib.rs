//! How sure a plan's numbers are: the spreads of its inputs propagated by seeded Monte Carlo
//! through the plan's own dose and check code (docs/uncertainty.md).
//!
//! | module | what |
//! |---|---|
//! | `model` | [`Spreads`]: the case's `[uncertainty]` or the cited defaults (each a named constant with its source), the list of defaults used |
//! | `draw` | one draw of the inputs: ChaCha8 stream per sample (reproducible whatever the threads), normal and lognormal spreads, the LSF error shared by the injections of one mapping, one dose-calibrator factor for every injection, the MAA → Y-90 lesion discrepancy |
//! | `optimise` | [`optimise()`]: the vial, treatment day and activity of each injection of a session that maximise P(every tumour goal met) subject to P(any limit exceeded) ≤ ε, with common random numbers; the Pareto front (`sirtplan optimise`) |
//! | `propagate` | [`propagate`]: each draw recomputed by [`sirt_workflow::Resampler`] (the partition model of `sirt-analytic`, the session totals, the plan's facts) and checked by the plan's rules; [`Interval`] (p5, p50, p95) per predicted dose, `probability_met` per dose check |
//!
//! The prescribed activities and vial orders are those of the plan: the propagation answers
//! "with this plan, which doses may the patient get, and how likely is each check met?".
//!
//! ```
//! let case = sirt_case::parse(include_str!("../../../examples/demo-net-case.toml"), "demo").unwrap();
//! let devices = sirt_devices::Catalogue::embedded().unwrap();
//! let rules = sirt_rules::RuleSet::embedded().unwrap();
//! let settings = sirt_settings::SiteSettings::default();
//! let plan = sirt_workflow::plan_for_site(&case, &devices, &rules, &settings, "demo").unwrap();
//! let spreads = sirt_uncertainty::resolve(case.uncertainty.as_ref(), &plan);
//! let options = sirt_uncertainty::Options { samples: 1000, seed: 1 };
//! let p = sirt_uncertainty::propagate(&plan, "demo", &rules, &settings, &spreads, options).unwrap();
//! assert!(p.checks.iter().all(|c| (0.0..=1.0).contains(&c.probability_met)));
//! ```

mod draw;
mod model;
pub mod optimise;
mod propagate;

pub use draw::{Base, FRACTION_CEILING, Normals};
pub use model::*;
pub use optimise::{Optimisation, OptimiseError, OptimiseOptions, optimise};
pub use propagate::{
    CheckProbability, DEFAULT_SAMPLES, DEFAULT_SEED, Dose, DoseKey, Interval, MAX_SAMPLES,
    MIN_SAMPLES, Options, Propagation, THREADS, percentile, propagate,
};

/// Why a propagation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum UncertaintyError {
    /// The sample count is outside the allowed range.
    #[error(
        "--samples: expected a number of samples from {MIN_SAMPLES} to {MAX_SAMPLES}, found {found}"
    )]
    Samples {
        /// What was asked for.
        found: usize,
    },
    /// A draw could not be planned (a perturbed value refused by the partition model).
    #[error("a Monte Carlo draw could not be recomputed")]
    Plan(#[source] sirt_workflow::PlanError),
    /// A draw gave another set of doses than the plan (an internal inconsistency).
    #[error("Monte Carlo sample {sample} gave another set of doses than the plan")]
    Layout {
        /// The sample.
        sample: usize,
    },
    /// A worker thread stopped without a result.
    #[error("a Monte Carlo worker thread stopped without a result")]
    Worker,
}
