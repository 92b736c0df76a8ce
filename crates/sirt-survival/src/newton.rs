//! Damped Newton–Raphson maximisation of a log-likelihood, shared by the Cox and logistic fits.

use crate::linalg::{cholesky, cholesky_solve};

/// A log-likelihood evaluated at a point, with its score (gradient) and observed information
/// (minus the Hessian, row-major, symmetric).
pub(crate) trait LogLikelihood {
    /// ℓ(β).
    fn log_likelihood(&self) -> f64;
    /// ∂ℓ/∂β.
    fn score(&self) -> &[f64];
    /// −∂²ℓ/∂β², row-major.
    fn information(&self) -> &[f64];
}

/// Why the iterations stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The largest step fell below the tolerance.
    Converged,
    /// The iteration limit was reached.
    IterationLimit,
    /// The log-likelihood became infinite or NaN.
    NonFinite,
    /// The information matrix was not positive definite at the start of an iteration; `pivot`
    /// is the first pivot that vanished.
    Singular {
        /// Index of the first pivot that vanished.
        pivot: usize,
    },
}

/// Where Newton–Raphson stopped.
pub(crate) struct NewtonResult<S> {
    /// The last point.
    pub beta: Vec<f64>,
    /// The log-likelihood at `beta`.
    pub at: S,
    /// ℓ at the starting point.
    pub start_log_likelihood: f64,
    /// Iterations started (an iteration stopped by a singular information counts).
    pub iterations: usize,
    /// Largest component of the last step taken (∞ before the first).
    pub last_step: f64,
    /// Why it stopped.
    pub stop: Stop,
}

/// Maximises the log-likelihood `evaluate` from `beta` by Newton–Raphson: each step solves
/// I·s = U by Cholesky and is halved until ℓ does not decrease (to a relative 1e-12) or the
/// factor falls below 1e-10; stops when the largest step component falls below `tolerance`.
pub(crate) fn newton_raphson<S: LogLikelihood>(
    mut beta: Vec<f64>,
    max_iterations: usize,
    tolerance: f64,
    evaluate: impl Fn(&[f64]) -> S,
) -> NewtonResult<S> {
    let dim = beta.len();
    let mut cur = evaluate(&beta);
    let start_log_likelihood = cur.log_likelihood();
    let mut iterations = 0;
    let mut last_step = f64::INFINITY;
    let mut stop = Stop::IterationLimit;
    while iterations < max_iterations {
        iterations += 1;
        let l = match cholesky(cur.information(), dim) {
            Ok(l) => l,
            Err(pivot) => {
                stop = Stop::Singular { pivot };
                break;
            }
        };
        let step = cholesky_solve(&l, dim, cur.score());
        let (factor, trial, next) = halved_step(&beta, &step, cur.log_likelihood(), &evaluate);
        last_step = step.iter().map(|s| (factor * s).abs()).fold(0.0, f64::max);
        beta = trial;
        cur = next;
        if !cur.log_likelihood().is_finite() {
            stop = Stop::NonFinite;
            break;
        }
        if last_step < tolerance {
            stop = Stop::Converged;
            break;
        }
    }
    NewtonResult {
        beta,
        at: cur,
        start_log_likelihood,
        iterations,
        last_step,
        stop,
    }
}

/// The step `step` from `beta`, halved until the log-likelihood is finite and not below
/// `current` (to a relative 1e-12) or the factor falls below 1e-10: the factor, the new point
/// and the log-likelihood there.
fn halved_step<S: LogLikelihood>(
    beta: &[f64],
    step: &[f64],
    current: f64,
    evaluate: &impl Fn(&[f64]) -> S,
) -> (f64, Vec<f64>, S) {
    let mut factor = 1.0;
    loop {
        let trial = beta
            .iter()
            .zip(step)
            .map(|(b, s)| b + factor * s)
            .collect::<Vec<_>>();
        let next = evaluate(&trial);
        let ll = next.log_likelihood();
        if ll.is_finite() && ll >= current - 1e-12 * current.abs() {
            return (factor, trial, next);
        }
        factor *= 0.5;
        if factor < 1e-10 {
            return (factor, trial, next);
        }
    }
}

/// Column means and population standard deviations of the rows `covariates` (p columns).
pub(crate) fn column_mean_sd(covariates: &[Vec<f64>], p: usize) -> (Vec<f64>, Vec<f64>) {
    let n = covariates.len();
    let mut mean = vec![0.0; p];
    let mut sd = vec![0.0; p];
    for j in 0..p {
        mean[j] = covariates.iter().map(|r| r[j]).sum::<f64>() / n as f64;
        sd[j] = (covariates
            .iter()
            .map(|r| (r[j] - mean[j]).powi(2))
            .sum::<f64>()
            / n as f64)
            .sqrt();
    }
    (mean, sd)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct Quadratic {
        ll: f64,
        score: Vec<f64>,
        info: Vec<f64>,
    }

    impl LogLikelihood for Quadratic {
        fn log_likelihood(&self) -> f64 {
            self.ll
        }
        fn score(&self) -> &[f64] {
            &self.score
        }
        fn information(&self) -> &[f64] {
            &self.info
        }
    }

    #[test]
    fn one_step_reaches_the_maximum_of_a_quadratic() {
        // ℓ(b) = −(b − 3)²: U = −2(b − 3), I = 2; Newton lands on 3 and the next step is 0.
        let f = |b: &[f64]| Quadratic {
            ll: -(b[0] - 3.0).powi(2),
            score: vec![-2.0 * (b[0] - 3.0)],
            info: vec![2.0],
        };
        let r = newton_raphson(vec![0.0], 10, 1e-9, f);
        assert_eq!(r.stop, Stop::Converged);
        assert_eq!(r.beta, vec![3.0]);
        assert_eq!(r.iterations, 2);
        assert_eq!(r.start_log_likelihood, -9.0);
    }

    #[test]
    fn a_singular_information_stops_with_its_pivot() {
        let f = |_: &[f64]| Quadratic {
            ll: 0.0,
            score: vec![0.0],
            info: vec![0.0],
        };
        let r = newton_raphson(vec![0.0], 10, 1e-9, f);
        assert_eq!(r.stop, Stop::Singular { pivot: 0 });
        assert_eq!(r.iterations, 1);
    }
}
