//! Cox proportional hazards by Newton–Raphson on the partial likelihood, Efron (default) or
//! Breslow ties; Wald and likelihood-ratio tests; Harrell's concordance (lifelines' counting).

use crate::linalg::{cholesky, cholesky_inverse};
use crate::newton::{LogLikelihood, Stop, column_mean_sd, newton_raphson};
use crate::special::{ChiSquareTest, normal_two_sided_p, z_two_sided};
use crate::table::Cohort;
use serde::Serialize;

/// Handling of tied event times in the partial likelihood (clinical-rules.md §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// Efron 1977 (J Am Stat Assoc 72:557): the default of R `coxph` and the only method of
    /// lifelines `CoxPHFitter`.
    #[default]
    Efron,
    /// Breslow 1974 (Biometrics 30:89): the default of SAS PHREG and Stata `stcox`.
    Breslow,
}

/// Default iteration cap (R `coxph.control(iter.max = 20)`, raised for step halving).
pub const COX_DEFAULT_MAX_ITERATIONS: usize = 50;

/// Default convergence tolerance: the largest Newton step on the standardized covariates
/// (β·SD) must fall below this. Newton converges quadratically, so the coefficients are then
/// exact to about this tolerance squared; R `coxph` stops at a relative log-likelihood change of
/// 1e-9, lifelines at a step norm of 1e-7.
pub const COX_DEFAULT_TOLERANCE: f64 = 1e-9;

/// Options of the Cox fit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CoxOptions {
    /// Ties method.
    pub ties: Ties,
    /// Two-sided level of the hazard-ratio intervals.
    pub alpha: f64,
    /// Newton iterations allowed.
    pub max_iterations: usize,
    /// Step tolerance (see [`COX_DEFAULT_TOLERANCE`]).
    pub tolerance: f64,
}

impl Default for CoxOptions {
    fn default() -> Self {
        CoxOptions {
            ties: Ties::Efron,
            alpha: 0.05,
            max_iterations: COX_DEFAULT_MAX_ITERATIONS,
            tolerance: COX_DEFAULT_TOLERANCE,
        }
    }
}

/// One coefficient of a Cox model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoxCoefficient {
    /// Covariate name.
    pub name: String,
    /// Log hazard ratio per unit of the covariate.
    pub coef: f64,
    /// Standard error √(I⁻¹)ⱼⱼ at the estimate.
    pub se: f64,
    /// Hazard ratio exp(coef).
    pub hazard_ratio: f64,
    /// Lower limit of the hazard-ratio interval exp(coef − z·se).
    pub hr_lower: f64,
    /// Upper limit exp(coef + z·se).
    pub hr_upper: f64,
    /// Wald z = coef/se.
    pub z: f64,
    /// Two-sided Wald p-value.
    pub p_value: f64,
}

/// A fitted Cox model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoxFit {
    /// Ties method used.
    pub ties: Ties,
    /// Subjects.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// Level of the intervals.
    pub alpha: f64,
    /// Coefficients, in covariate order.
    pub coefficients: Vec<CoxCoefficient>,
    /// Covariance matrix I⁻¹ of the coefficients (row per covariate).
    pub covariance: Vec<Vec<f64>>,
    /// Partial log-likelihood at the estimate.
    pub log_likelihood: f64,
    /// Partial log-likelihood at β = 0.
    pub null_log_likelihood: f64,
    /// Likelihood-ratio test 2(ℓ̂ − ℓ₀) on p df.
    pub likelihood_ratio: ChiSquareTest,
    /// Global Wald test β̂ᵀ I β̂ on p df.
    pub wald: ChiSquareTest,
    /// Harrell's concordance of the linear predictor (see [`concordance_index`]); `None`
    /// when no pair is comparable.
    pub concordance: Option<f64>,
    /// Newton iterations used.
    pub iterations: usize,
}

/// Why a Cox model could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoxError {
    /// No covariates.
    #[error("Cox model: expected at least one covariate, found none")]
    NoCovariates,
    /// Input arrays of different sizes.
    #[error("Cox model: {what}: expected {expected} values, found {found}")]
    Shape {
        /// Which input.
        what: String,
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A duration or covariate is not usable.
    #[error("Cox model: subject {index}: {what}: expected {expected}, found {found}")]
    Value {
        /// Zero-based subject.
        index: usize,
        /// Duration or the covariate name.
        what: String,
        /// What was expected.
        expected: &'static str,
        /// Value found.
        found: f64,
    },
    /// No events.
    #[error("Cox model: expected at least one event, found none among {n} subjects")]
    NoEvents {
        /// Subjects.
        n: usize,
    },
    /// A covariate takes one value only.
    #[error(
        "Cox model: covariate \"{covariate}\": expected values that vary, found {value} for every subject"
    )]
    ZeroVariance {
        /// Covariate name.
        covariate: String,
        /// Its only value.
        value: f64,
    },
    /// The information matrix is singular (collinear covariates).
    #[error(
        "Cox model: covariate \"{covariate}\": expected it to add information to the covariates before it, found a singular information matrix (collinear covariates)"
    )]
    Singular {
        /// First covariate whose pivot vanished.
        covariate: String,
    },
    /// Newton–Raphson did not converge (typically a coefficient running to ±∞: monotone
    /// likelihood, a covariate that separates events from non-events).
    #[error(
        "Cox model: expected Newton-Raphson to converge within {max_iterations} iterations, found no convergence after {iterations} (a coefficient may be infinite: monotone likelihood; last step {last_step:.3e})"
    )]
    NotConverged {
        /// Iteration limit.
        max_iterations: usize,
        /// Iterations run.
        iterations: usize,
        /// Largest standardized step at the end.
        last_step: f64,
    },
    /// alpha outside (0, 1).
    #[error("Cox model: expected alpha between 0 and 1 (exclusive), found {found}")]
    Alpha {
        /// Value found.
        found: f64,
    },
}

/// Fits a Cox model to the cohort's covariates (all of them, in column order).
pub fn cox(cohort: &Cohort, options: &CoxOptions) -> Result<CoxFit, CoxError> {
    cox_fit(
        &cohort.durations(),
        &cohort.events(),
        &cohort.covariate_rows(),
        cohort.covariate_names(),
        options,
    )
}

/// Partial likelihood, score and information at `beta` on standardized covariates.
struct Partial {
    loglik: f64,
    score: Vec<f64>,
    info: Vec<f64>,
}

/// Sorted-data view for the likelihood.
struct Data<'a> {
    /// Standardized covariates, row-major n×p.
    z: &'a [f64],
    p: usize,
    /// Subject indices by decreasing time, with the group boundaries of equal times.
    order: Vec<usize>,
    /// (start, end) in `order` of each distinct time, in decreasing time.
    blocks: Vec<(usize, usize)>,
    events: &'a [bool],
}

impl LogLikelihood for Partial {
    fn log_likelihood(&self) -> f64 {
        self.loglik
    }
    fn score(&self) -> &[f64] {
        &self.score
    }
    fn information(&self) -> &[f64] {
        &self.info
    }
}

fn partial(data: &Data<'_>, beta: &[f64], ties: Ties) -> Partial {
    let p = data.p;
    let n = data.events.len();
    let eta: Vec<f64> = (0..n)
        .map(|i| (0..p).map(|j| data.z[i * p + j] * beta[j]).sum::<f64>())
        .collect();
    let c = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut s2 = vec![0.0; p * p];
    let mut loglik = 0.0;
    let mut score = vec![0.0; p];
    let mut info = vec![0.0; p * p];
    let mut a1 = vec![0.0; p];
    for &(start, end) in &data.blocks {
        let mut d0 = 0.0;
        let mut d1 = vec![0.0; p];
        let mut d2 = vec![0.0; p * p];
        let mut m = 0usize;
        for &i in &data.order[start..end] {
            let w = (eta[i] - c).exp();
            let x = &data.z[i * p..(i + 1) * p];
            s0 += w;
            for a in 0..p {
                s1[a] += w * x[a];
                for b in 0..=a {
                    s2[a * p + b] += w * x[a] * x[b];
                }
            }
            if data.events[i] {
                m += 1;
                d0 += w;
                loglik += eta[i] - c;
                for a in 0..p {
                    d1[a] += w * x[a];
                    score[a] += x[a];
                    for b in 0..=a {
                        d2[a * p + b] += w * x[a] * x[b];
                    }
                }
            }
        }
        if m == 0 {
            continue;
        }
        let mf = m as f64;
        for l in 0..m {
            let phi = match ties {
                Ties::Efron => l as f64 / mf,
                Ties::Breslow => 0.0,
            };
            let a0 = s0 - phi * d0;
            for a in 0..p {
                a1[a] = (s1[a] - phi * d1[a]) / a0;
            }
            loglik -= a0.ln();
            for a in 0..p {
                score[a] -= a1[a];
                for b in 0..=a {
                    let a2 = (s2[a * p + b] - phi * d2[a * p + b]) / a0;
                    info[a * p + b] += a2 - a1[a] * a1[b];
                }
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            info[b * p + a] = info[a * p + b];
        }
    }
    Partial {
        loglik,
        score,
        info,
    }
}

/// Fits a Cox model: `covariates[i]` is subject i's row, in the order of `names`.
pub fn cox_fit(
    durations: &[f64],
    events: &[bool],
    covariates: &[Vec<f64>],
    names: &[String],
    options: &CoxOptions,
) -> Result<CoxFit, CoxError> {
    let n = durations.len();
    let p = names.len();
    check_inputs(durations, events, covariates, names, options)?;
    let n_events = events.iter().filter(|&&e| e).count();
    if n_events == 0 {
        return Err(CoxError::NoEvents { n });
    }
    // Centre and scale: the partial likelihood is invariant to centring, and scaling only
    // rescales β; both keep exp(η) in range and Newton well conditioned.
    let (mean, sd) = column_mean_sd(covariates, p);
    if let Some(j) = (0..p).find(|&j| sd[j] == 0.0 || !sd[j].is_finite()) {
        return Err(CoxError::ZeroVariance {
            covariate: names[j].clone(),
            value: covariates.first().map_or(0.0, |r| r[j]),
        });
    }
    let z: Vec<f64> = covariates
        .iter()
        .flat_map(|r| (0..p).map(|j| (r[j] - mean[j]) / sd[j]).collect::<Vec<_>>())
        .collect();
    let (order, blocks) = tied_time_blocks(durations);
    let data = Data {
        z: &z,
        p,
        order,
        blocks,
        events,
    };
    let fit = newton_raphson(
        vec![0.0; p],
        options.max_iterations,
        options.tolerance,
        |beta| partial(&data, beta, options.ties),
    );
    let not_converged = || CoxError::NotConverged {
        max_iterations: options.max_iterations,
        iterations: fit.iterations,
        last_step: fit.last_step,
    };
    match fit.stop {
        Stop::Converged => {}
        // Collinearity shows at β = 0; an information matrix that vanishes later is a
        // coefficient running off to infinity (monotone likelihood).
        Stop::Singular { pivot } if fit.iterations == 1 => {
            return Err(CoxError::Singular {
                covariate: names[pivot].clone(),
            });
        }
        Stop::Singular { .. } | Stop::IterationLimit | Stop::NonFinite => {
            return Err(not_converged());
        }
    }
    let l = cholesky(&fit.at.info, p).map_err(|_| not_converged())?;
    let cov_z = cholesky_inverse(&l, p);
    let beta = &fit.beta;
    let wald_stat: f64 = (0..p)
        .map(|a| {
            (0..p)
                .map(|b| beta[a] * fit.at.info[a * p + b] * beta[b])
                .sum::<f64>()
        })
        .sum();
    let coef: Vec<f64> = (0..p).map(|j| beta[j] / sd[j]).collect();
    let covariance: Vec<Vec<f64>> = (0..p)
        .map(|a| (0..p).map(|b| cov_z[a * p + b] / (sd[a] * sd[b])).collect())
        .collect();
    let coefficients = coefficients(names, &coef, &covariance, options.alpha);
    let eta: Vec<f64> = covariates
        .iter()
        .map(|r| r.iter().zip(&coef).map(|(x, b)| x * b).sum())
        .collect();
    let loglik = fit.at.loglik;
    let null_loglik = fit.start_log_likelihood;
    Ok(CoxFit {
        ties: options.ties,
        n,
        events: n_events,
        alpha: options.alpha,
        coefficients,
        covariance,
        log_likelihood: loglik,
        null_log_likelihood: null_loglik,
        likelihood_ratio: ChiSquareTest::new(2.0 * (loglik - null_loglik), p),
        wald: ChiSquareTest::new(wald_stat, p),
        concordance: concordance_index(durations, &eta, events),
        iterations: fit.iterations,
    })
}

/// Checks alpha, the sizes of the inputs, and that durations and covariates are usable.
fn check_inputs(
    durations: &[f64],
    events: &[bool],
    covariates: &[Vec<f64>],
    names: &[String],
    options: &CoxOptions,
) -> Result<(), CoxError> {
    let n = durations.len();
    let p = names.len();
    if p == 0 {
        return Err(CoxError::NoCovariates);
    }
    if !(options.alpha > 0.0 && options.alpha < 1.0) {
        return Err(CoxError::Alpha {
            found: options.alpha,
        });
    }
    for (what, len) in [
        ("event flags", events.len()),
        ("covariate rows", covariates.len()),
    ] {
        if len != n {
            return Err(CoxError::Shape {
                what: what.to_string(),
                expected: n,
                found: len,
            });
        }
    }
    for (index, row) in covariates.iter().enumerate() {
        if row.len() != p {
            return Err(CoxError::Shape {
                what: format!("covariate row {index}"),
                expected: p,
                found: row.len(),
            });
        }
        if !(durations[index].is_finite() && durations[index] >= 0.0) {
            return Err(CoxError::Value {
                index,
                what: "duration".to_string(),
                expected: "a finite number of 0 or more",
                found: durations[index],
            });
        }
        if let Some((j, &v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(CoxError::Value {
                index,
                what: format!("covariate \"{}\"", names[j]),
                expected: "a finite number",
                found: v,
            });
        }
    }
    Ok(())
}

/// Subject indices by decreasing duration, and the (start, end) in that order of each
/// distinct duration.
fn tied_time_blocks(durations: &[f64]) -> (Vec<usize>, Vec<(usize, usize)>) {
    let n = durations.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| durations[b].total_cmp(&durations[a]));
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < n {
        let start = i;
        while i < n && durations[order[i]] == durations[order[start]] {
            i += 1;
        }
        blocks.push((start, i));
    }
    (order, blocks)
}

/// The coefficient table: SE, hazard ratio with its interval at `alpha`, Wald z and p.
fn coefficients(
    names: &[String],
    coef: &[f64],
    covariance: &[Vec<f64>],
    alpha: f64,
) -> Vec<CoxCoefficient> {
    let zc = z_two_sided(alpha);
    (0..names.len())
        .map(|j| {
            let se = covariance[j][j].sqrt();
            let zval = coef[j] / se;
            CoxCoefficient {
                name: names[j].clone(),
                coef: coef[j],
                se,
                hazard_ratio: coef[j].exp(),
                hr_lower: (coef[j] - zc * se).exp(),
                hr_upper: (coef[j] + zc * se).exp(),
                z: zval,
                p_value: normal_two_sided_p(zval),
            }
        })
        .collect()
}

/// Harrell's C of a risk score (higher = earlier event expected), counted as lifelines 0.30.3
/// `utils.concordance._concordance_summary_statistics` does (Harrell, Lee & Mark, Stat Med
/// 1996;15:361): a pair is comparable when subject i has the event at tᵢ and subject j leaves
/// later (tⱼ > tᵢ, event or censored) or is censored at tᵢ; pairs with tied event times are
/// not comparable. A comparable pair is concordant when riskᵢ > riskⱼ and counts ½ when the
/// risks are equal. `None` when no pair is comparable. O(n²).
pub fn concordance_index(durations: &[f64], risk: &[f64], events: &[bool]) -> Option<f64> {
    let n = durations.len().min(risk.len()).min(events.len());
    let mut pairs = 0u64;
    let mut score2 = 0u64; // twice (concordant + ½ tied)
    for i in 0..n {
        if !events[i] {
            continue;
        }
        for j in 0..n {
            let comparable =
                durations[j] > durations[i] || (durations[j] == durations[i] && !events[j]);
            if !comparable {
                continue;
            }
            pairs += 1;
            if risk[i] > risk[j] {
                score2 += 2;
            } else if risk[i] == risk[j] {
                score2 += 1;
            }
        }
    }
    (pairs > 0).then(|| score2 as f64 / (2.0 * pairs as f64))
}
