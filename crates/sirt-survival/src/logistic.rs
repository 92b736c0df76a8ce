//! Logistic regression of a binary response on covariates (Newton–Raphson, which for the
//! canonical logit link is iteratively reweighted least squares), with Wald statistics and odds
//! ratios.

use crate::linalg::{cholesky, cholesky_inverse};
use crate::newton::{LogLikelihood, Stop, column_mean_sd, newton_raphson};
use crate::special::{ChiSquareTest, normal_two_sided_p, z_two_sided};
use crate::table::BinaryTable;
use serde::Serialize;

/// Name given to the intercept in the coefficient list.
pub const INTERCEPT_NAME: &str = "(intercept)";

/// Default iteration cap (R `glm.control(maxit = 25)`).
pub const LOGISTIC_DEFAULT_MAX_ITERATIONS: usize = 25;

/// Default convergence tolerance on the largest Newton step of the standardized coefficients;
/// R `glm.control(epsilon = 1e-8)` uses the relative deviance change instead.
pub const LOGISTIC_DEFAULT_TOLERANCE: f64 = 1e-10;

/// A fitted probability within this distance of 0 or 1 at non-convergence is reported as
/// separation (R `glm` warns "fitted probabilities numerically 0 or 1 occurred" at 10·ε; a
/// looser bound is used here because the fit is stopped earlier).
pub const SEPARATION_PROBABILITY: f64 = 1e-6;

/// Options of the logistic fit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LogisticOptions {
    /// Two-sided level of the odds-ratio intervals.
    pub alpha: f64,
    /// Newton iterations allowed.
    pub max_iterations: usize,
    /// Step tolerance.
    pub tolerance: f64,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        LogisticOptions {
            alpha: 0.05,
            max_iterations: LOGISTIC_DEFAULT_MAX_ITERATIONS,
            tolerance: LOGISTIC_DEFAULT_TOLERANCE,
        }
    }
}

/// One coefficient (the intercept first).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogisticCoefficient {
    /// Covariate name, or [`INTERCEPT_NAME`].
    pub name: String,
    /// Log odds ratio per unit (intercept: log odds at all covariates 0).
    pub coef: f64,
    /// Standard error from the inverse Fisher information at the estimate.
    pub se: f64,
    /// Wald z = coef/se.
    pub z: f64,
    /// Two-sided Wald p-value.
    pub p_value: f64,
    /// exp(coef): the odds ratio per unit (intercept: the odds at covariates 0).
    pub odds_ratio: f64,
    /// exp(coef − z·se).
    pub or_lower: f64,
    /// exp(coef + z·se).
    pub or_upper: f64,
}

/// A fitted logistic regression.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogisticFit {
    /// Response name.
    pub response: String,
    /// Rows.
    pub n: usize,
    /// Rows with response 1.
    pub positives: usize,
    /// Level of the intervals.
    pub alpha: f64,
    /// Intercept, then one per covariate.
    pub coefficients: Vec<LogisticCoefficient>,
    /// Covariance matrix (intercept first).
    pub covariance: Vec<Vec<f64>>,
    /// Log-likelihood at the estimate.
    pub log_likelihood: f64,
    /// Log-likelihood of the intercept-only model.
    pub null_log_likelihood: f64,
    /// Likelihood-ratio test against the intercept-only model.
    pub likelihood_ratio: ChiSquareTest,
    /// Newton iterations used.
    pub iterations: usize,
}

impl LogisticFit {
    /// Linear predictor (log odds) for a covariate row.
    pub fn log_odds(&self, row: &[f64]) -> f64 {
        self.coefficients[0].coef
            + self.coefficients[1..]
                .iter()
                .zip(row)
                .map(|(c, x)| c.coef * x)
                .sum::<f64>()
    }
    /// Fitted probability of response 1 for a covariate row.
    pub fn probability(&self, row: &[f64]) -> f64 {
        logistic_function(self.log_odds(row))
    }
}

/// Why a logistic regression could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogisticError {
    /// No rows or no covariates.
    #[error(
        "logistic regression: expected at least one row and one covariate, found {rows} rows and {covariates} covariates"
    )]
    Empty {
        /// Rows.
        rows: usize,
        /// Covariates.
        covariates: usize,
    },
    /// Inputs of different sizes.
    #[error("logistic regression: {what}: expected {expected} values, found {found}")]
    Shape {
        /// Which input.
        what: String,
        /// Expected.
        expected: usize,
        /// Found.
        found: usize,
    },
    /// A covariate value is not finite.
    #[error(
        "logistic regression: row {index}: covariate \"{covariate}\": expected a finite number, found {found}"
    )]
    Value {
        /// Zero-based row.
        index: usize,
        /// Covariate.
        covariate: String,
        /// Value.
        found: f64,
    },
    /// Every response is the same.
    #[error(
        "logistic regression: response \"{response}\": expected both 0 and 1, found only {value}"
    )]
    NoVariation {
        /// Response name.
        response: String,
        /// The only value.
        value: u8,
    },
    /// A covariate takes one value only.
    #[error(
        "logistic regression: covariate \"{covariate}\": expected values that vary, found {value} in every row"
    )]
    ZeroVariance {
        /// Covariate.
        covariate: String,
        /// Its only value.
        value: f64,
    },
    /// Collinear covariates.
    #[error(
        "logistic regression: covariate \"{covariate}\": expected it to add information to the terms before it, found a singular information matrix (collinear covariates)"
    )]
    Singular {
        /// First covariate whose pivot vanished.
        covariate: String,
    },
    /// Complete or quasi-complete separation: the maximum likelihood estimate does not exist.
    #[error(
        "logistic regression: expected overlapping responses, found that the covariates separate responders from non-responders (fitted probabilities reach 0 or 1; the estimate is infinite)"
    )]
    Separation,
    /// No convergence.
    #[error(
        "logistic regression: expected Newton-Raphson to converge within {iterations} iterations, found a last step of {last_step:.3e}"
    )]
    NotConverged {
        /// Iterations run (the limit).
        iterations: usize,
        /// Largest standardized step at the end.
        last_step: f64,
    },
    /// alpha outside (0, 1).
    #[error("logistic regression: expected alpha between 0 and 1 (exclusive), found {found}")]
    Alpha {
        /// Value found.
        found: f64,
    },
}

/// 1/(1 + e^(−x)), evaluated without overflow.
pub fn logistic_function(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// ln(1 + e^x) without overflow.
fn log1p_exp(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Fits the table's response on all its covariates.
pub fn logistic(
    table: &BinaryTable,
    options: &LogisticOptions,
) -> Result<LogisticFit, LogisticError> {
    logistic_fit(
        table.responses(),
        table.covariates(),
        table.covariate_names(),
        table.response_name(),
        options,
    )
}

struct State {
    loglik: f64,
    score: Vec<f64>,
    info: Vec<f64>,
    max_p: f64,
    min_p: f64,
}

impl State {
    /// Whether a fitted probability is within [`SEPARATION_PROBABILITY`] of 0 or 1.
    fn separated(&self) -> bool {
        self.max_p > 1.0 - SEPARATION_PROBABILITY || self.min_p < SEPARATION_PROBABILITY
    }
}

impl LogLikelihood for State {
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

fn evaluate(x: &[f64], q: usize, y: &[bool], beta: &[f64]) -> State {
    let mut loglik = 0.0;
    let mut score = vec![0.0; q];
    let mut info = vec![0.0; q * q];
    let (mut max_p, mut min_p) = (0.0f64, 1.0f64);
    for (i, &yi) in y.iter().enumerate() {
        let row = &x[i * q..(i + 1) * q];
        let eta: f64 = row.iter().zip(beta).map(|(a, b)| a * b).sum();
        let p = logistic_function(eta);
        max_p = max_p.max(p);
        min_p = min_p.min(p);
        let yf = if yi { 1.0 } else { 0.0 };
        loglik += yf * eta - log1p_exp(eta);
        let w = p * (1.0 - p);
        for a in 0..q {
            score[a] += (yf - p) * row[a];
            for b in 0..=a {
                info[a * q + b] += w * row[a] * row[b];
            }
        }
    }
    for a in 0..q {
        for b in 0..a {
            info[b * q + a] = info[a * q + b];
        }
    }
    State {
        loglik,
        score,
        info,
        max_p,
        min_p,
    }
}

/// Fits logistic regression: `covariates[i]` is row i in the order of `names`; `response`
/// names the outcome in the result.
pub fn logistic_fit(
    responses: &[bool],
    covariates: &[Vec<f64>],
    names: &[String],
    response: &str,
    options: &LogisticOptions,
) -> Result<LogisticFit, LogisticError> {
    let n = responses.len();
    let p = names.len();
    check_inputs(responses, covariates, names, options)?;
    let positives = responses.iter().filter(|&&r| r).count();
    if positives == 0 || positives == n {
        return Err(LogisticError::NoVariation {
            response: response.to_string(),
            value: u8::from(positives == n),
        });
    }
    let (mean, sd) = column_mean_sd(covariates, p);
    if let Some(j) = (0..p).find(|&j| sd[j] == 0.0 || !sd[j].is_finite()) {
        return Err(LogisticError::ZeroVariance {
            covariate: names[j].clone(),
            value: covariates[0][j],
        });
    }
    // Design with intercept on standardized covariates.
    let q = p + 1;
    let mut x = Vec::with_capacity(n * q);
    for row in covariates {
        x.push(1.0);
        x.extend((0..p).map(|j| (row[j] - mean[j]) / sd[j]));
    }
    let term = |k: usize| -> String {
        if k == 0 {
            INTERCEPT_NAME.to_string()
        } else {
            names[k - 1].clone()
        }
    };
    let pbar = positives as f64 / n as f64;
    let mut beta = vec![0.0; q];
    beta[0] = (pbar / (1.0 - pbar)).ln();
    let fit = newton_raphson(beta, options.max_iterations, options.tolerance, |b| {
        evaluate(&x, q, responses, b)
    });
    match fit.stop {
        Stop::Converged => {}
        Stop::Singular { pivot } if !fit.at.separated() => {
            return Err(LogisticError::Singular {
                covariate: term(pivot),
            });
        }
        Stop::Singular { .. } | Stop::IterationLimit | Stop::NonFinite if fit.at.separated() => {
            return Err(LogisticError::Separation);
        }
        Stop::Singular { .. } | Stop::IterationLimit | Stop::NonFinite => {
            return Err(LogisticError::NotConverged {
                iterations: fit.iterations,
                last_step: fit.last_step,
            });
        }
    }
    let l =
        cholesky(&fit.at.info, q).map_err(|k| LogisticError::Singular { covariate: term(k) })?;
    let cov_z = cholesky_inverse(&l, q);
    let (coef, covariance) = original_scale(&fit.beta, &cov_z, &mean, &sd);
    let zc = z_two_sided(options.alpha);
    let coefficients = (0..q)
        .map(|k| {
            let se = covariance[k][k].sqrt();
            let z = coef[k] / se;
            LogisticCoefficient {
                name: term(k),
                coef: coef[k],
                se,
                z,
                p_value: normal_two_sided_p(z),
                odds_ratio: coef[k].exp(),
                or_lower: (coef[k] - zc * se).exp(),
                or_upper: (coef[k] + zc * se).exp(),
            }
        })
        .collect();
    let loglik = fit.at.loglik;
    let null_loglik = fit.start_log_likelihood;
    Ok(LogisticFit {
        response: response.to_string(),
        n,
        positives,
        alpha: options.alpha,
        coefficients,
        covariance,
        log_likelihood: loglik,
        null_log_likelihood: null_loglik,
        likelihood_ratio: ChiSquareTest::new(2.0 * (loglik - null_loglik), p),
        iterations: fit.iterations,
    })
}

/// Checks that there are rows and covariates, alpha, the sizes of the rows and that every
/// covariate value is finite.
fn check_inputs(
    responses: &[bool],
    covariates: &[Vec<f64>],
    names: &[String],
    options: &LogisticOptions,
) -> Result<(), LogisticError> {
    let n = responses.len();
    let p = names.len();
    if n == 0 || p == 0 {
        return Err(LogisticError::Empty {
            rows: n,
            covariates: p,
        });
    }
    if !(options.alpha > 0.0 && options.alpha < 1.0) {
        return Err(LogisticError::Alpha {
            found: options.alpha,
        });
    }
    if covariates.len() != n {
        return Err(LogisticError::Shape {
            what: "covariate rows".to_string(),
            expected: n,
            found: covariates.len(),
        });
    }
    for (index, row) in covariates.iter().enumerate() {
        if row.len() != p {
            return Err(LogisticError::Shape {
                what: format!("covariate row {index}"),
                expected: p,
                found: row.len(),
            });
        }
        if let Some((j, &v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(LogisticError::Value {
                index,
                covariate: names[j].clone(),
                found: v,
            });
        }
    }
    Ok(())
}

/// Coefficients and their covariance back on the original scale from the standardized fit
/// (`beta`, `cov_z`): b = A·b_z, Σ = A·Σ_z·Aᵀ with A row 0 = [1, −μ₁/s₁, …], row j = e_j/s_j.
fn original_scale(
    beta: &[f64],
    cov_z: &[f64],
    mean: &[f64],
    sd: &[f64],
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let q = beta.len();
    let mut a = vec![0.0; q * q];
    a[0] = 1.0;
    for j in 1..q {
        a[j] = -mean[j - 1] / sd[j - 1];
        a[j * q + j] = 1.0 / sd[j - 1];
    }
    let coef: Vec<f64> = (0..q)
        .map(|r| (0..q).map(|c| a[r * q + c] * beta[c]).sum())
        .collect();
    let mut covariance = vec![vec![0.0; q]; q];
    for r in 0..q {
        for c in 0..q {
            let mut s = 0.0;
            for k in 0..q {
                for m in 0..q {
                    s += a[r * q + k] * cov_z[k * q + m] * a[c * q + m];
                }
            }
            covariance[r][c] = s;
        }
    }
    (coef, covariance)
}
