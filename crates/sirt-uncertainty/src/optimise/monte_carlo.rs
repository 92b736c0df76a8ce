//! The Monte Carlo of an optimisation with common random numbers: sample `i` draws the plan's
//! inputs once (the same ChaCha8 stream as [`crate::propagate`]), and every candidate is
//! recomputed with that same draw, its activities in place of the plan's. Two candidates are
//! thus compared on the same patients, and a difference between them is theirs, not noise.

use crate::draw::Base;
use crate::model::Spreads;
use crate::optimise::OptimiseError;
use crate::optimise::events::Events;
use crate::propagate::{Options, THREADS};
use sirt_workflow::{Perturbation, Plan, Resampler};

/// The activities of one candidate: for each injection of the session, its administered
/// activity over the plan's (the factor the draw's own activity factor is multiplied by).
pub(crate) type Ratios = Vec<f64>;

/// For each candidate, the samples in which every goal is met and those in which a limit is
/// exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counts {
    pub goals: Vec<usize>,
    pub exceeded: Vec<usize>,
}

/// What the threads share.
pub(crate) struct Job<'a> {
    pub plan: &'a Plan,
    pub file: &'a str,
    pub spreads: &'a Spreads,
    pub events: &'a Events,
    /// The session's injections (case indices), in the order of each candidate's ratios.
    pub members: &'a [usize],
    pub candidates: &'a [Ratios],
    pub options: Options,
}

impl Job<'_> {
    /// Counts samples `range` for every candidate.
    fn run(&self, range: std::ops::Range<usize>) -> Result<Counts, OptimiseError> {
        let base = Base::new(self.plan);
        let mut resampler = Resampler::new(self.plan, self.file);
        let mut draw = base.buffer();
        let mut scaled: Perturbation = base.buffer();
        let k = self.candidates.len();
        let mut counts = Counts {
            goals: vec![0; k],
            exceeded: vec![0; k],
        };
        for i in range {
            base.draw(self.spreads, self.options.seed, i as u64, &mut draw);
            scaled.clone_from(&draw);
            for (c, ratios) in self.candidates.iter().enumerate() {
                for (&n, r) in self.members.iter().zip(ratios) {
                    scaled.activity_factor[n] = draw.activity_factor[n] * r;
                }
                resampler.apply(&scaled).map_err(OptimiseError::Plan)?;
                counts.goals[c] += usize::from(self.events.goals_met(&resampler));
                counts.exceeded[c] += usize::from(self.events.exceeded(&resampler));
            }
        }
        Ok(counts)
    }

    /// Counts every sample for every candidate, on [`THREADS`] threads (the counts do not
    /// depend on the number of threads: sample `i` is always the same draw).
    pub fn counts(&self) -> Result<Counts, OptimiseError> {
        let n = self.options.samples;
        let parts: Vec<Result<Counts, OptimiseError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| scope.spawn(move || self.run(t * n / THREADS..(t + 1) * n / THREADS)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(Err(OptimiseError::Worker)))
                .collect()
        });
        let k = self.candidates.len();
        let mut total = Counts {
            goals: vec![0; k],
            exceeded: vec![0; k],
        };
        for part in parts {
            let part = part?;
            for (t, p) in total.goals.iter_mut().zip(&part.goals) {
                *t += p;
            }
            for (t, p) in total.exceeded.iter_mut().zip(&part.exceeded) {
                *t += p;
            }
        }
        Ok(total)
    }
}

/// The largest common factor on the session's activities (`members`) at which no limit is
/// exceeded with the plan's own inputs (no draw): the top of the activity grid. The doses grow
/// with the activities, so the factor is found by bisection.
pub(crate) fn limit_factor(
    plan: &Plan,
    file: &str,
    events: &Events,
    members: &[usize],
) -> Result<Option<f64>, OptimiseError> {
    let mut resampler = Resampler::new(plan, file);
    let mut p = Perturbation::of_plan(plan);
    let mut exceeded = |factor: f64| -> Result<bool, OptimiseError> {
        for &n in members {
            p.activity_factor[n] = factor;
        }
        resampler.apply(&p).map_err(OptimiseError::Plan)?;
        Ok(events.exceeded(&resampler))
    };
    if !exceeded(MAX_LIMIT_FACTOR)? {
        return Ok(None);
    }
    let (mut lo, mut hi) = (0.0, MAX_LIMIT_FACTOR);
    for _ in 0..BISECTIONS {
        let mid = 0.5 * (lo + hi);
        if exceeded(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(lo))
}

/// The highest factor on the plan's activities searched for the limit: 100 (design choice: a
/// limit not reached at 100 times the planned activity does not bound a plan).
pub const MAX_LIMIT_FACTOR: f64 = 100.0;

/// Bisection steps: 60 halve [0, 100] to below 10⁻¹⁶ of it, the resolution of an f64 (design
/// choice).
const BISECTIONS: usize = 60;
