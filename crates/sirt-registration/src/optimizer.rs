//! Regular-step gradient descent, as ITK's `RegularStepGradientDescentOptimizerv4` (the
//! optimiser of the comparison): the gradient is divided by the parameter scales, its
//! direction is followed by a step of fixed length, and the length is multiplied by the
//! relaxation factor whenever the scaled gradient turns back (negative scalar product with the
//! previous one). It stops when the step falls below the minimum, the scaled gradient's
//! magnitude below its tolerance, or after the iteration limit.

use crate::error::RegistrationError;
use crate::mattes::{Evaluation, Mattes};
use crate::transform::Pose;

/// Samples were drawn inside the overlap at the level's start; when fewer than this share still
/// fall inside the moving image the transform has run away: design choice.
const MIN_VALID_SHARE: f64 = 0.25;

/// Why a level stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The step length fell below the minimum: converged.
    MinimumStep,
    /// The scaled gradient vanished: converged.
    GradientTolerance,
    /// The iteration limit was reached before convergence.
    MaximumIterations,
}

impl StopReason {
    /// Whether the level converged.
    pub fn converged(self) -> bool {
        !matches!(self, StopReason::MaximumIterations)
    }
}

/// The settings of one descent.
pub(crate) struct Descent {
    pub learning_rate: f64,
    pub min_step: f64,
    pub relaxation: f64,
    pub gradient_tolerance: f64,
    pub max_iterations: usize,
}

/// What one level's descent did.
pub(crate) struct LevelRun {
    pub iterations: usize,
    pub stop: StopReason,
    pub last: Evaluation,
}

/// Maximises the metric from `pose` (updated in place); `level` (from 1) names it in errors.
pub(crate) fn descend(
    metric: &Mattes,
    pose: &mut Pose,
    scales: [f64; 6],
    d: &Descent,
    level: usize,
) -> Result<LevelRun, RegistrationError> {
    let needed = ((metric.len() as f64 * MIN_VALID_SHARE).ceil() as usize).max(1);
    let mut relax = 1.0;
    let mut previous: Option<[f64; 6]> = None;
    let mut last = None;
    for iteration in 0..d.max_iterations {
        let e = metric.evaluate(pose, true);
        if e.valid < needed {
            return Err(RegistrationError::LostOverlap {
                level,
                iteration,
                valid: e.valid,
                samples: metric.len(),
                needed,
            });
        }
        let g: [f64; 6] = std::array::from_fn(|p| e.gradient[p] / scales[p]);
        let magnitude = g.iter().map(|x| x * x).sum::<f64>().sqrt();
        if magnitude < d.gradient_tolerance {
            return Ok(LevelRun {
                iterations: iteration,
                stop: StopReason::GradientTolerance,
                last: e,
            });
        }
        if let Some(prev) = previous
            && prev.iter().zip(&g).map(|(a, b)| a * b).sum::<f64>() < 0.0
        {
            relax *= d.relaxation;
        }
        let step = relax * d.learning_rate;
        if step < d.min_step {
            return Ok(LevelRun {
                iterations: iteration,
                stop: StopReason::MinimumStep,
                last: e,
            });
        }
        let f = step / magnitude;
        pose.step(
            [g[0] * f, g[1] * f, g[2] * f],
            [g[3] * f, g[4] * f, g[5] * f],
        );
        previous = Some(g);
        last = Some(e);
    }
    let last = match last {
        Some(e) => e,
        None => metric.evaluate(pose, false),
    };
    Ok(LevelRun {
        iterations: d.max_iterations,
        stop: StopReason::MaximumIterations,
        last,
    })
}
