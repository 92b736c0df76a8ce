//! Shared test set-up: a case planned with the embedded catalogue, rules and default settings.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use sirt_uncertainty::{Options, Propagation, Spreads, propagate};
use sirt_workflow::Plan;

/// The five-injection case (one session, glass, partition).
pub const FIVE: &str = include_str!("../data/five-injections.toml");
/// The bundled analytic demo case (two sessions, with `[uncertainty]`).
pub const DEMO: &str = include_str!("../../../../examples/demo-net-case.toml");

pub fn plan(text: &str) -> Plan {
    let case = sirt_case::parse(text, "case.toml").unwrap();
    let devices = sirt_devices::Catalogue::embedded().unwrap();
    let rules = sirt_rules::RuleSet::embedded().unwrap();
    sirt_workflow::plan_for_site(&case, &devices, &rules, &Default::default(), "case.toml").unwrap()
}

pub fn run(plan: &Plan, spreads: &Spreads, samples: usize, seed: u64) -> Propagation {
    let rules = sirt_rules::RuleSet::embedded().unwrap();
    propagate(
        plan,
        "case.toml",
        &rules,
        &Default::default(),
        spreads,
        Options { samples, seed },
    )
    .unwrap()
}

/// Φ⁻¹ of 0.05 and 0.95: ∓1.6448536269514722 (Abramowitz & Stegun 26.2.23 tables; scipy.stats.norm.ppf).
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// The standard normal density.
pub fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal CDF by the complementary error function (erfc by Numerical Recipes'
/// Chebyshev fit, fractional error below 1.2e-7).
pub fn cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let erfc = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// Standard error of the sample p-quantile of n draws of a normal with standard deviation
/// `sigma` (asymptotic: √(p(1−p)/n) / f(x_p); e.g. Stuart & Ord, Kendall's Advanced Theory of
/// Statistics vol. 1, §10.10).
pub fn quantile_se(p: f64, z: f64, sigma: f64, n: usize) -> f64 {
    (p * (1.0 - p) / n as f64).sqrt() * sigma / phi(z)
}
